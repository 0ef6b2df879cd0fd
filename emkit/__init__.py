"""emkit: latent-variable models fitted by expectation-maximisation.

Examples
--------
>>> import emkit as em
>>> X = em.datasets.load("faithful")
>>> fit = em.GaussianMixture(2).fit(X, n_init=3, random_state=0)
>>> sorted(fit.params.means.sel(feature="waiting").round(1).values.tolist())
[54.5, 80.0]
"""

from . import datasets
from .components import (
    Bernoulli, Exponential, Gamma, LogNormal, VonMises,
    Categorical,
    COVARIANCE_NAMES,
    CovarianceStructure,
    DiagonalCovariance,
    FullCovariance,
    Gaussian,
    Independent,
    ParametricFamily,
    Poisson,
    Regression,
    Uniform,
    SphericalCovariance,
    StudentT,
    SumStats,
)
from .components.logpdf import from_logpdf
from .components.scipy_dist import from_scipy
from .estimators import GaussianMixture, Mixture
from .exceptions import ConvergenceWarning, DegenerateComponentError, LikelihoodDecreaseWarning
from .results import FitResult, load_fit

__version__ = "0.1.0"

__all__ = [
    "Bernoulli", "Exponential", "Gamma", "LogNormal", "VonMises",
    "Categorical",
    "COVARIANCE_NAMES",
    "ConvergenceWarning",
    "CovarianceStructure",
    "DegenerateComponentError",
    "DiagonalCovariance",
    "FitResult",
    "FullCovariance",
    "Gaussian",
    "GaussianMixture",
    "Independent",
    "LikelihoodDecreaseWarning",
    "Mixture",
    "ParametricFamily",
    "Poisson",
    "Regression",
    "Uniform",
    "SumStats",
    "SphericalCovariance",
    "StudentT",
    "datasets",
    "from_logpdf",
    "from_scipy",
    "load_fit",
]

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
    COVARIANCE_NAMES,
    CovarianceStructure,
    DiagonalCovariance,
    FullCovariance,
    Gaussian,
    ParametricFamily,
    Poisson,
    SphericalCovariance,
    SumStats,
)
from .estimators import GaussianMixture, Mixture
from .exceptions import ConvergenceWarning, DegenerateComponentError, LikelihoodDecreaseWarning
from .results import FitResult, load_fit

__version__ = "0.1.0"

__all__ = [
    "COVARIANCE_NAMES",
    "ConvergenceWarning",
    "CovarianceStructure",
    "DegenerateComponentError",
    "DiagonalCovariance",
    "FitResult",
    "FullCovariance",
    "Gaussian",
    "GaussianMixture",
    "LikelihoodDecreaseWarning",
    "Mixture",
    "ParametricFamily",
    "Poisson",
    "SumStats",
    "SphericalCovariance",
    "datasets",
    "load_fit",
]

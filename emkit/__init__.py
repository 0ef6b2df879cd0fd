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
from .bootstrap import bootstrap
from .components import (
    COVARIANCE_NAMES,
    Bernoulli,
    Categorical,
    CovarianceStructure,
    DiagonalCovariance,
    DirichletPrior,
    Exponential,
    FullCovariance,
    Gamma,
    GammaPrior,
    Gaussian,
    GaussianMixtureEmission,
    GaussianPrior,
    Independent,
    LogNormal,
    ParametricFamily,
    Poisson,
    Regression,
    SphericalCovariance,
    StudentT,
    SumStats,
    Uniform,
    VonMises,
    from_logpdf,
    from_scipy,
)
from .diagnostics import classification_diagnostics, convergence_diagnostics, summary
from .estimators import GaussianMixture, Mixture
from .hidden_markov import HiddenMarkovModel
from .exceptions import (
    ConvergenceWarning,
    DegenerateComponentError,
    DegenerateComponentWarning,
    LikelihoodDecreaseWarning,
    LocalOptimumWarning,
    NonFiniteDensityError,
)
from .results import FitResult, HMMFitResult, load_fit
from .selection import Selection, select
from .report import report
from . import plots as plot

__version__ = "0.1.0"

__all__ = [
    "COVARIANCE_NAMES",
    "Bernoulli",
    "Categorical",
    "ConvergenceWarning",
    "CovarianceStructure",
    "DegenerateComponentError",
    "DegenerateComponentWarning",
    "DiagonalCovariance",
    "DirichletPrior",
    "Exponential",
    "FitResult",
    "FullCovariance",
    "Gamma",
    "GammaPrior",
    "Gaussian",
    "GaussianMixture",
    "GaussianMixtureEmission",
    "GaussianPrior",
    "HMMFitResult",
    "HiddenMarkovModel",
    "Independent",
    "LikelihoodDecreaseWarning",
    "LocalOptimumWarning",
    "LogNormal",
    "Mixture",
    "NonFiniteDensityError",
    "ParametricFamily",
    "Poisson",
    "Regression",
    "Selection",
    "SphericalCovariance",
    "StudentT",
    "SumStats",
    "Uniform",
    "VonMises",
    "bootstrap",
    "classification_diagnostics",
    "convergence_diagnostics",
    "datasets",
    "from_logpdf",
    "from_scipy",
    "load_fit",
    "plot",
    "report",
    "select",
    "summary",
]

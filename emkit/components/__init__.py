"""Component families: each holds K components of one kind on a leading axis."""

from .bernoulli import Bernoulli
from .categorical import Categorical
from .covariance import (
    COVARIANCE_NAMES,
    CovarianceStructure,
    DiagonalCovariance,
    FullCovariance,
    SphericalCovariance,
    covariance_structure,
)
from .exponential import Exponential
from .gamma import Gamma
from .gaussian import Gaussian, GaussianStats
from .gaussian_mixture_family import GaussianMixtureEmission, GaussianMixtureStats
from .independent import Independent
from .lognormal import LogNormal
from .logpdf import LogpdfFamily, from_logpdf
from .numeric import NumericFamily, WeightedSample
from .parametric import ParametricFamily, SumStats
from .poisson import Poisson
from .priors import DirichletPrior, GammaPrior, GaussianPrior
from .registry import family_from_spec, register_family
from .regression import Regression, RegressionStats
from .scipy_dist import ScipyFamily, from_scipy
from .student_t import StudentT, StudentTStats
from .uniform import BoxStats, Uniform
from .vonmises import VonMises

__all__ = [
    "COVARIANCE_NAMES",
    "Bernoulli",
    "BoxStats",
    "Categorical",
    "CovarianceStructure",
    "DiagonalCovariance",
    "DirichletPrior",
    "Exponential",
    "FullCovariance",
    "Gamma",
    "GammaPrior",
    "Gaussian",
    "GaussianMixtureEmission",
    "GaussianMixtureStats",
    "GaussianPrior",
    "GaussianStats",
    "Independent",
    "LogNormal",
    "LogpdfFamily",
    "NumericFamily",
    "ParametricFamily",
    "Poisson",
    "Regression",
    "RegressionStats",
    "ScipyFamily",
    "SphericalCovariance",
    "StudentT",
    "StudentTStats",
    "SumStats",
    "Uniform",
    "VonMises",
    "WeightedSample",
    "covariance_structure",
    "family_from_spec",
    "from_logpdf",
    "from_scipy",
    "register_family",
]

"""Component families: each holds K components of one kind on a leading axis."""

from .bernoulli import Bernoulli
from .categorical import Categorical
from .exponential import Exponential
from .gamma import Gamma
from .lognormal import LogNormal
from .vonmises import VonMises
from .covariance import (
    COVARIANCE_NAMES,
    CovarianceStructure,
    DiagonalCovariance,
    FullCovariance,
    SphericalCovariance,
    covariance_structure,
)
from .gaussian import Gaussian, GaussianStats
from .independent import Independent
from .parametric import ParametricFamily, SumStats
from .poisson import Poisson
from .regression import Regression, RegressionStats
from .uniform import BoxStats, Uniform
from .registry import family_from_spec, register_family
from .student_t import StudentT, StudentTStats

__all__ = [
    "Bernoulli", "Exponential", "Gamma", "LogNormal", "VonMises",
    "Categorical",
    "COVARIANCE_NAMES",
    "CovarianceStructure",
    "DiagonalCovariance",
    "FullCovariance",
    "Gaussian",
    "GaussianStats",
    "Independent",
    "ParametricFamily",
    "Poisson",
    "Regression",
    "RegressionStats",
    "Uniform",
    "BoxStats",
    "SumStats",
    "SphericalCovariance",
    "StudentT",
    "StudentTStats",
    "covariance_structure",
    "family_from_spec",
    "register_family",
]

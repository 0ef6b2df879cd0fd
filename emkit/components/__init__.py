"""Component families: each holds K components of one kind on a leading axis."""

from .covariance import (
    COVARIANCE_NAMES,
    CovarianceStructure,
    DiagonalCovariance,
    FullCovariance,
    SphericalCovariance,
    covariance_structure,
)
from .gaussian import Gaussian, GaussianStats
from .parametric import ParametricFamily, SumStats
from .poisson import Poisson
from .registry import family_from_spec, register_family

__all__ = [
    "COVARIANCE_NAMES",
    "CovarianceStructure",
    "DiagonalCovariance",
    "FullCovariance",
    "Gaussian",
    "GaussianStats",
    "ParametricFamily",
    "Poisson",
    "SumStats",
    "SphericalCovariance",
    "covariance_structure",
    "family_from_spec",
    "register_family",
]

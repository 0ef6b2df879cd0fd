"""Families by name, to rebuild a model declaration from its saved description."""

from __future__ import annotations

from .bernoulli import Bernoulli
from .categorical import Categorical
from .exponential import Exponential
from .gamma import Gamma
from .gaussian import Gaussian
from .independent import Independent
from .lognormal import LogNormal
from .logpdf import LogpdfFamily
from .poisson import Poisson
from .regression import Regression
from .scipy_dist import ScipyFamily
from .student_t import StudentT
from .uniform import Uniform
from .vonmises import VonMises

_BUILT_IN = (
    Bernoulli, Categorical, Exponential, Gamma, Gaussian, Independent, LogNormal,
    LogpdfFamily, Poisson, Regression, ScipyFamily, StudentT, Uniform, VonMises,
)
_FAMILIES = {cls.kind: cls for cls in _BUILT_IN}


def register_family(cls) -> type:
    """Make a family class loadable from saved results by its ``kind``.

    Examples
    --------
    >>> from emkit.components.registry import register_family
    >>> from emkit.components.gaussian import Gaussian
    >>> register_family(Gaussian) is Gaussian
    True
    """
    _FAMILIES[cls.kind] = cls
    return cls


def family_from_spec(spec: dict):
    """An unfitted family from the dictionary returned by its ``spec()``.

    The family class is looked up by ``spec["kind"]`` among the registered
    families (see :func:`register_family`).

    Raises
    ------
    ValueError
        If the kind is not registered.

    Examples
    --------
    >>> from emkit.components.registry import family_from_spec
    >>> family_from_spec({"kind": "gaussian", "covariance": "EII", "n_components": 3, "reg_covar": 1e-6})
    Gaussian(covariance='EII', n_components=3, reg_covar=1e-06)
    """
    try:
        cls = _FAMILIES[spec["kind"]]
    except KeyError:
        raise ValueError(f"unknown component family {spec.get('kind')!r} in saved model") from None
    return cls.from_spec(spec)

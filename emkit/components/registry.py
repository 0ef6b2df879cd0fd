"""Families by name, to rebuild a model declaration from its saved description.

Each family module registers its class here when it is imported (the
``@register_family`` decorator on the class), so this module imports no
family: a family that needs to rebuild other families from their
descriptions (``Independent``) can import :func:`family_from_spec` without
an import cycle. ``emkit.components`` imports every built-in family, so all
of them are registered as soon as any part of ``emkit`` is imported.
"""

from __future__ import annotations

_FAMILIES: dict[str, type] = {}


def register_family(cls) -> type:
    """Make a family class loadable from saved results by its ``kind``.

    Usable as a class decorator. Registering a second class under a
    ``kind`` already taken replaces the first.

    Raises
    ------
    TypeError
        If the class has no ``kind`` (a non-empty string).

    Examples
    --------
    >>> from emkit.components.registry import register_family
    >>> from emkit.components.gaussian import Gaussian
    >>> register_family(Gaussian) is Gaussian
    True
    """
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(
            f"{getattr(cls, '__name__', cls)!r} has no `kind` name; set a class attribute "
            "such as `kind = \"my-family\"` (the name saved with fits) before registering it"
        )
    _FAMILIES[kind] = cls
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

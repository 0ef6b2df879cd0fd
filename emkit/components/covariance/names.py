"""The covariance structures by name: mclust's names, scikit-learn's aliases, descriptions.

A new structure is added here (its names, its description) once its class
exists; the Gaussian and Student-t families, selection and the command line
then offer it by name.
"""

from __future__ import annotations

from functools import partial

from .axis_aligned import DiagonalCovariance, SphericalCovariance
from .diagonal_volume import VolumeShapeCovariance
from .eigen import EigenCovariance
from .full import FullCovariance
from .structure import CovarianceStructure

#: An unfitted structure of each name, in mclust's order (volume, shape, orientation).
_BY_NAME = {
    "EII": partial(SphericalCovariance, shared=True),
    "VII": partial(SphericalCovariance, shared=False),
    "EEI": partial(DiagonalCovariance, shared=True),
    "VEI": partial(VolumeShapeCovariance, "VEI"),
    "EVI": partial(VolumeShapeCovariance, "EVI"),
    "VVI": partial(DiagonalCovariance, shared=False),
    "EEE": partial(FullCovariance, shared=True),
    "VEE": partial(EigenCovariance, "VEE"),
    "EVE": partial(EigenCovariance, "EVE"),
    "VVE": partial(EigenCovariance, "VVE"),
    "EEV": partial(EigenCovariance, "EEV"),
    "VEV": partial(EigenCovariance, "VEV"),
    "EVV": partial(EigenCovariance, "EVV"),
    "VVV": partial(FullCovariance, shared=False),
}
_ALIASES = {"FULL": "VVV", "TIED": "EEE", "DIAG": "VVI", "DIAGONAL": "VVI", "SPHERICAL": "VII"}
#: A short description of each structure, for summaries.
DESCRIPTIONS = {
    "EII": "spherical, shared",
    "VII": "spherical",
    "EEI": "diagonal, shared",
    "VEI": "diagonal, equal shape",
    "EVI": "diagonal, equal volume",
    "VVI": "diagonal",
    "EEE": "full, shared",
    "VEE": "full, equal shape and orientation",
    "EVE": "full, equal volume and orientation",
    "VVE": "full, equal orientation",
    "EEV": "full, equal volume and shape",
    "VEV": "full, equal shape",
    "EVV": "full, equal volume",
    "VVV": "full",
}

#: The mclust names of the available covariance structures, in a stable order.
COVARIANCE_NAMES = tuple(_BY_NAME)


def covariance_structure(covariance: "str | CovarianceStructure") -> CovarianceStructure:
    """Resolve a covariance name (mclust's or scikit-learn's) to a structure.

    Parameters
    ----------
    covariance : str or CovarianceStructure
        One of mclust's fourteen names (:data:`COVARIANCE_NAMES`: ``"EII"``,
        ``"VII"``, ``"EEI"``, ``"VEI"``, ``"EVI"``, ``"VVI"``, ``"EEE"``,
        ``"VEE"``, ``"EVE"``, ``"VVE"``, ``"EEV"``, ``"VEV"``, ``"EVV"``,
        ``"VVV"``) or the aliases ``"full"``, ``"tied"``, ``"diag"``, ``"spherical"``
        (case-insensitive), or a structure object, returned unfitted.

    Examples
    --------
    >>> from emkit.components.covariance import covariance_structure
    >>> covariance_structure("tied")
    FullCovariance(shared=True)
    >>> covariance_structure("vev")
    EigenCovariance('VEV')
    """
    if isinstance(covariance, CovarianceStructure):
        return covariance.unfitted()
    if not isinstance(covariance, str):
        raise TypeError(
            f"covariance must be a name or a CovarianceStructure, not {type(covariance).__name__}"
        )
    key = covariance.strip().upper()
    key = _ALIASES.get(key, key)
    if key not in _BY_NAME:
        valid = ", ".join(list(_BY_NAME) + [a.lower() for a in _ALIASES if a != "DIAGONAL"])
        raise ValueError(f"unknown covariance {covariance!r}; choose one of {valid}")
    return _BY_NAME[key]()

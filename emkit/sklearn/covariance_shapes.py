"""Covariances between emkit's layout and scikit-learn's shapes.

emkit keeps every Gaussian covariance as a (K, d, d) stack of matrices.
scikit-learn stores them by ``covariance_type``: ``"full"`` (K, d, d),
``"tied"`` (d, d), ``"diag"`` (K, d), ``"spherical"`` (K,). mclust's names
take the shape of their scikit-learn equivalent (``VVV`` full, ``EEE``
tied, ``VVI`` diag, ``VII`` spherical) and the other ten stay (K, d, d).
"""

from __future__ import annotations

import numpy as np

from ..components.covariance import covariance_structure

#: scikit-learn's name of the mclust structures that have one.
SKLEARN_SHAPE = {"VVV": "full", "EEE": "tied", "VVI": "diag", "VII": "spherical"}


def mclust_name(covariance_type) -> str:
    """The mclust name of a covariance name (scikit-learn's or mclust's, any case).

    Raises
    ------
    ValueError
        For an unknown name or something other than a string.

    Examples
    --------
    >>> from emkit.sklearn.covariance_shapes import mclust_name
    >>> mclust_name("tied"), mclust_name("vev")
    ('EEE', 'VEV')
    """
    if not isinstance(covariance_type, str):
        raise ValueError(f"covariance_type must be a string, got {covariance_type!r}")
    return covariance_structure(covariance_type).name


def shape_kind(covariance_type) -> str:
    """How the covariances of ``covariance_type`` are shaped: "full", "tied", "diag" or "spherical".

    Examples
    --------
    >>> from emkit.sklearn.covariance_shapes import shape_kind
    >>> shape_kind("EEE"), shape_kind("spherical"), shape_kind("EVV")
    ('tied', 'spherical', 'full')
    """
    return SKLEARN_SHAPE.get(mclust_name(covariance_type), "full")


def to_sklearn(matrices: np.ndarray, kind: str) -> np.ndarray:
    """A (K, d, d) stack of covariance (or precision) matrices in the shape of ``kind``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.sklearn.covariance_shapes import to_sklearn
    >>> stack = np.array([np.diag([1.0, 2.0]), np.diag([3.0, 4.0])])
    >>> to_sklearn(stack, "diag").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    >>> to_sklearn(np.array([np.eye(2), 3 * np.eye(2)]), "spherical").tolist()
    [1.0, 3.0]
    """
    matrices = np.asarray(matrices)
    if kind == "tied":
        return matrices[0].copy()
    if kind == "diag":
        return np.diagonal(matrices, axis1=1, axis2=2).copy()
    if kind == "spherical":
        return np.diagonal(matrices, axis1=1, axis2=2).mean(axis=1)
    return matrices.copy()


def from_sklearn(values, kind: str, n_components: int, n_features: int) -> np.ndarray:
    """Covariances (or precisions) in the shape of ``kind`` as a (K, d, d) stack.

    Raises
    ------
    ValueError
        If ``values`` has not the shape ``kind`` asks for.

    Examples
    --------
    >>> from emkit.sklearn.covariance_shapes import from_sklearn
    >>> from_sklearn([2.0, 3.0], "spherical", 2, 2).tolist()
    [[[2.0, 0.0], [0.0, 2.0]], [[3.0, 0.0], [0.0, 3.0]]]
    """
    values = np.asarray(values, dtype=float)
    K, d = n_components, n_features
    expected = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}[kind]
    if values.shape != expected:
        raise ValueError(f"expected {kind} covariances or precisions of shape {expected}, got {values.shape}")
    if kind == "tied":
        return np.broadcast_to(values, (K, d, d)).copy()
    if kind == "diag":
        return values[:, :, None] * np.eye(d)
    if kind == "spherical":
        return values[:, None, None] * np.eye(d)
    return values.copy()


def precision_cholesky(covariances: np.ndarray, kind: str) -> np.ndarray:
    """scikit-learn's ``precisions_cholesky_``: the upper-triangular ``U`` with precision ``U U^T``.

    For full and tied covariances ``U = L^{-T}`` where ``L`` is the lower
    Cholesky factor of the covariance ``L L^T``, so ``U U^T = (L L^T)^{-1}``;
    for diag and spherical, ``1 / sqrt(variance)``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.sklearn.covariance_shapes import precision_cholesky
    >>> cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> U = precision_cholesky(cov, "tied")
    >>> bool(np.allclose(U @ U.T, np.linalg.inv(cov))), bool(np.allclose(U, np.triu(U)))
    (True, True)
    """
    if kind in ("diag", "spherical"):
        return 1.0 / np.sqrt(covariances)
    lower = np.linalg.cholesky(covariances)
    return np.triu(np.swapaxes(np.linalg.inv(lower), -1, -2))  # the inverse of a lower factor is lower


def precisions(covariances: np.ndarray, kind: str) -> np.ndarray:
    """scikit-learn's ``precisions_``: the inverse covariances, in the same shape.

    Examples
    --------
    >>> from emkit.sklearn.covariance_shapes import precisions
    >>> precisions([4.0, 0.5], "spherical").tolist()
    [0.25, 2.0]
    """
    covariances = np.asarray(covariances, dtype=float)
    if kind in ("diag", "spherical"):
        return 1.0 / covariances
    return np.linalg.inv(covariances)

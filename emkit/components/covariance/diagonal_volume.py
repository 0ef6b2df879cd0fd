"""Diagonal covariances with a volume and a shape: VEI and EVI.

``Sigma_k = lambda_k A_k`` with ``A_k`` diagonal, ``det A_k = 1``; the
M-steps need only the diagonals ``w_k`` of the scatter ``W_k``:

* EVI (equal volume, varying shape), closed form: ``A_k = w_k / g_k`` with
  ``g_k`` the geometric mean of ``w_k``, and ``lambda = sum_k g_k / sum_k n_k``;
* VEI (varying volume, equal shape), alternating (Celeux & Govaert 1995):
  :func:`~.decomposition.varying_volume_equal_shape`.
"""

from __future__ import annotations

import numpy as np

from .axis_aligned import DiagonalCovariance
from .decomposition import DecomposedCovariance, unit_determinant, varying_volume_equal_shape


def _varying_volume(scatter: np.ndarray, weight: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """VEI: volumes and a shared shape, alternating from the current shape (or the pooled scatter's)."""
    shape = unit_determinant((scatter if start is None else start).sum(axis=0))[0]
    volumes, shape = varying_volume_equal_shape(scatter, weight, shape)
    return volumes[:, None] * shape


def _equal_volume(scatter: np.ndarray, weight: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """EVI: each shape from its scatter's diagonal, one volume."""
    shape, volume = unit_determinant(scatter)
    return volume.sum() / weight.sum() * shape


class VolumeShapeCovariance(DecomposedCovariance, DiagonalCovariance):
    """Diagonal covariances ``lambda_k A_k`` with equal volumes or equal shapes (VEI, EVI).

    Values are the variances ``(K, d)``; densities, draws and the compiled
    E-step are those of :class:`~.axis_aligned.DiagonalCovariance`.

    Parameters
    ----------
    model : {"VEI", "EVI"}
        mclust's name.
    values : ndarray of shape (K, d), optional
        Variances of a fitted structure.

    Examples
    --------
    VEI: the two components share the shape ``(1/2, 2)``; their volumes differ:

    >>> import numpy as np
    >>> from emkit.components.covariance.diagonal_volume import VolumeShapeCovariance
    >>> scatter = np.array([[1.0, 4.0], [4.0, 16.0]])
    >>> fitted = VolumeShapeCovariance("VEI").estimate(scatter, np.array([1.0, 2.0]), 0.0, np.zeros(2, bool))
    >>> fitted.values.round(9).tolist()
    [[1.0, 4.0], [2.0, 8.0]]
    """

    _maximisers = {"VEI": _varying_volume, "EVI": _equal_volume}

    def _parts(self):
        log = np.log(self.values)
        log_volume = log.mean(axis=1)
        return log_volume, log - log_volume[:, None], None

    def _from_parts(self, log_volume, log_shape, orientation):
        return np.exp(log_volume[:, None] + log_shape)

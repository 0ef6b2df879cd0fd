"""Full covariances by volume, shape and orientation: VEE, EVE, VVE, EEV, VEV and EVV.

``Sigma_k = lambda_k D_k A_k D_k^T`` (see :mod:`.decomposition`). Each M-step
maximises ``Q = -1/2 sum_k [n_k log|Sigma_k| + tr(Sigma_k^{-1} W_k)]`` over the
structure; ``W_k = L_k Omega_k L_k^T`` is the eigendecomposition of the
scatter (eigenvalues ascending), ``n = sum_k n_k``, and ``u(M)`` scales a
matrix or vector to determinant (product) one:

* EEV, closed form: ``D_k = L_k``, ``A = u(sum_k Omega_k)``,
  ``lambda = |sum_k Omega_k|^(1/d) / n``;
* EVV, closed form: ``lambda C_k`` with ``C_k = u(W_k)``,
  ``lambda = sum_k |W_k|^(1/d) / n``;
* VEE, alternating: given ``C = D A D^T``, ``lambda_k = tr(W_k C^{-1}) / (d n_k)``;
  given the volumes, ``C = u(sum_k W_k / lambda_k)``;
* VEV, alternating: ``D_k = L_k`` (the trace inequality pairs the ordered
  eigenvalues), then volumes and one shape from the eigenvalues as VEI from
  diagonals (:func:`~.decomposition.varying_volume_equal_shape`);
* EVE and VVE, MM (Browne & McNicholas 2014): given ``D``, the diagonals
  ``b_k = diag(D^T W_k D)`` give ``A_k = u(b_k)`` and
  ``lambda = sum_k |b_k|^(1/d) / n`` (EVE), or ``lambda_k A_k = b_k / n_k``
  (VVE); given those, ``D`` improves by two majorisation steps of
  ``sum_k tr(W_k D M_k D^T)`` with ``M_k = (lambda_k A_k)^{-1}``: with
  ``w_k`` the largest eigenvalue of ``W_k``, ``D = U V^T`` from the SVD
  ``U S V^T`` of ``sum_k (w_k I - W_k) D M_k``; then the same with
  ``sum_k W_k D (m_k I - M_k)``, ``m_k`` the largest entry of ``M_k``.
  Each step minimises a linear bound that touches the objective at the
  current ``D``, so it never raises it.

The iterative M-steps start from the current covariances' shared parts (the
common ``C``, shape or orientation), or, unfitted, from those of
``sum_k W_k``, and stop as :func:`~.decomposition.ascend` says; each
update never lowers ``Q``.
"""

from __future__ import annotations

import numpy as np

from .decomposition import (
    DecomposedCovariance,
    ascend,
    INNER_MAX_ITERATIONS,
    INNER_TOLERANCE,
    unit_determinant,
    unit_determinant_matrices,
    varying_volume_equal_shape,
)
from .full import FullCovariance


def _compose(orientation: np.ndarray, diagonals: np.ndarray) -> np.ndarray:
    """``D_k diag(diagonals_k) D_k^T`` for orientations (K, d, d) or one (d, d)."""
    orientation = np.broadcast_to(orientation, (len(diagonals),) + orientation.shape[-2:])
    return np.einsum("kij,kj,klj->kil", orientation, diagonals, orientation)


def _pooled(scatter: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """The sum of the current covariances (whose shared parts start an M-step), or of the scatter if unfitted."""
    return (scatter if start is None else start).sum(axis=0)


def _equal_volume_varying_orientation(scatter, weight, start):
    """EEV."""
    eigenvalues, vectors = np.linalg.eigh(scatter)
    shape, volume = unit_determinant(eigenvalues.sum(axis=0))
    return volume / weight.sum() * _compose(vectors, np.broadcast_to(shape, eigenvalues.shape))


def _equal_volume_varying_shape_orientation(scatter, weight, start):
    """EVV."""
    normalised, volumes = unit_determinant_matrices(scatter)
    return volumes.sum() / weight.sum() * normalised


def _varying_volume_varying_orientation(scatter, weight, start):
    """VEV."""
    eigenvalues, vectors = np.linalg.eigh(scatter)
    shape = unit_determinant(np.linalg.eigvalsh(start).sum(axis=0) if start is not None else eigenvalues.sum(axis=0))[0]
    volumes, shape = varying_volume_equal_shape(eigenvalues, weight, shape)
    return _compose(vectors, volumes[:, None] * shape)


def _varying_volume_equal_shape_orientation(scatter, weight, start):
    """VEE."""
    d = scatter.shape[-1]

    def volumes(common):
        return np.einsum("kij,ji->k", scatter, np.linalg.inv(common)) / (d * weight)

    def update(common):
        return unit_determinant_matrices(np.tensordot(1.0 / volumes(common), scatter, axes=1))[0]

    def objective(common):
        return -0.5 * d * weight @ (np.log(volumes(common)) + 1.0)

    common = unit_determinant_matrices(_pooled(scatter, start))[0]
    common = ascend(update, objective, common, INNER_TOLERANCE, INNER_MAX_ITERATIONS)
    return volumes(common)[:, None, None] * common


def _rotated_diagonals(scatter: np.ndarray, orientation: np.ndarray) -> np.ndarray:
    """``diag(D^T W_k D)``, shape (K, d)."""
    return np.einsum("ji,kjl,li->ki", orientation, scatter, orientation)


def _closest_rotation(matrix: np.ndarray) -> np.ndarray:
    """The orthogonal ``D`` maximising ``tr(D^T matrix)``: ``U V^T`` from the SVD."""
    left, _, right = np.linalg.svd(matrix)
    return left @ right


def _common_orientation(scatter, start, inverse_diagonals, objective):
    """The shared orientation of EVE and VVE by MM, given ``D -> M_k`` (K, d) and the profile objective."""
    largest = np.linalg.eigvalsh(scatter)[:, -1]
    identity = np.eye(scatter.shape[-1])

    def update(orientation):
        inverse = inverse_diagonals(orientation)
        bounded_scatter = np.einsum("kij,jl,kl->il", largest[:, None, None] * identity - scatter, orientation, inverse)
        orientation = _closest_rotation(bounded_scatter)
        inverse = inverse_diagonals(orientation)
        spare = inverse.max(axis=1, keepdims=True) - inverse
        return _closest_rotation(np.einsum("kij,jl,kl->il", scatter, orientation, spare))

    orientation = np.linalg.eigh(_pooled(scatter, start))[1]
    return ascend(update, objective, orientation, INNER_TOLERANCE, INNER_MAX_ITERATIONS)


def _equal_volume_varying_shape(scatter, weight, start):
    """EVE."""
    d = scatter.shape[-1]

    def inverse_shapes(orientation):
        return 1.0 / unit_determinant(_rotated_diagonals(scatter, orientation))[0]

    def volume(orientation):
        return unit_determinant(_rotated_diagonals(scatter, orientation))[1].sum() / weight.sum()

    def objective(orientation):
        return -0.5 * d * weight.sum() * (np.log(volume(orientation)) + 1.0)

    orientation = _common_orientation(scatter, start, inverse_shapes, objective)
    shapes = unit_determinant(_rotated_diagonals(scatter, orientation))[0]
    return _compose(orientation, volume(orientation) * shapes)


def _varying_volume_shape(scatter, weight, start):
    """VVE."""
    d = scatter.shape[-1]

    def variances(orientation):
        return _rotated_diagonals(scatter, orientation) / weight[:, None]

    def objective(orientation):
        return -0.5 * weight @ (np.log(variances(orientation)).sum(axis=1) + d)

    orientation = _common_orientation(scatter, start, lambda o: 1.0 / variances(o), objective)
    return _compose(orientation, variances(orientation))


class EigenCovariance(DecomposedCovariance, FullCovariance):
    """Full covariances ``lambda_k D_k A_k D_k^T`` with some of the three parts shared.

    The six structures VEE, EVE, VVE, EEV, VEV and EVV; values are the
    matrices ``(K, d, d)``, and densities, draws and the compiled E-step are
    those of :class:`~.full.FullCovariance`.

    Parameters
    ----------
    model : {"VEE", "EVE", "VVE", "EEV", "VEV", "EVV"}
        mclust's name.
    values : ndarray of shape (K, d, d), optional
        Covariance matrices of a fitted structure.

    Examples
    --------
    EEV: one volume and one shape, each component its own orientation:

    >>> import numpy as np
    >>> from emkit.components.covariance.eigen import EigenCovariance
    >>> scatter = np.array([[[4.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 4.0]]])
    >>> fitted = EigenCovariance("EEV").estimate(scatter, np.array([1.0, 1.0]), 0.0, np.zeros(2, bool))
    >>> fitted.values.round(12).tolist()
    [[[4.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 4.0]]]
    """

    _maximisers = {
        "VEE": _varying_volume_equal_shape_orientation,
        "EVE": _equal_volume_varying_shape,
        "VVE": _varying_volume_shape,
        "EEV": _equal_volume_varying_orientation,
        "VEV": _varying_volume_varying_orientation,
        "EVV": _equal_volume_varying_shape_orientation,
    }

    def _parts(self):
        if self.letters[2] == "V":
            eigenvalues, orientation = np.linalg.eigh(self.values)
        else:
            common = np.linalg.eigh(self.values.sum(axis=0))[1]
            eigenvalues = _rotated_diagonals(self.values, common)
            orientation = np.repeat(common[None], len(self.values), axis=0)
        log = np.log(eigenvalues)
        log_volume = log.mean(axis=1)
        return log_volume, log - log_volume[:, None], orientation

    def _from_parts(self, log_volume, log_shape, orientation):
        return _compose(orientation, np.exp(log_volume[:, None] + log_shape))

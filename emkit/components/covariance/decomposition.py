"""Covariances given by volume, shape and orientation: the common part of the eight decomposed structures.

Each covariance is written (Banfield & Raftery 1993; Celeux & Govaert 1995)

    Sigma_k = lambda_k D_k A_k D_k^T,

with the volume ``lambda_k = |Sigma_k|^(1/d)``, the shape ``A_k`` (diagonal,
``det A_k = 1``) and the orientation ``D_k`` (orthogonal). mclust's three
letters say, in that order, whether the volume, the shape and the
orientation are equal across components ("E"), varying ("V") or, for the
orientation, the identity ("I"). :class:`DecomposedCovariance` holds what the
eight structures VEI, EVI, VEE, EVE, VVE, EEV, VEV and EVV have in common:

* the M-step shell: the ridge, components without weight, and the warm start
  of the iterative M-steps (each structure only supplies its own projection
  of the weighted scatter ``W_k`` and counts ``n_k``, :meth:`~DecomposedCovariance._maximise`);
* the parameter count, ``1`` or ``K`` volumes, ``d - 1`` or ``K (d - 1)``
  shape values and ``0``, ``d (d - 1) / 2`` or ``K d (d - 1) / 2``
  orientation angles, as mclust's ``nVarParams``;
* the free parameters for standard errors: log volumes, the first ``d - 1``
  log shape values (the last is minus their sum) and, for an orientation,
  the upper triangle of a skew-symmetric ``S`` with ``D = D_0 expm(S)``, a
  chart around the estimate's orientation ``D_0`` (so these entries are 0 at
  the estimate).

The ridge ``reg_covar`` enters the scatter, ``W_k + n_k reg I`` is projected,
so every covariance keeps the structure; for the six basic structures that is
the same as adding ``reg`` to the diagonal of the projection.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.linalg import expm

from .structure import CovarianceStructure, component_error

#: The inner loops of the iterative M-steps stop when the expected complete-data
#: log-likelihood changes by less than this fraction of its size ...
INNER_TOLERANCE = 1e-12
#: ... or after this many iterations (the next EM iteration goes on from there).
INNER_MAX_ITERATIONS = 100
#: Matrices whose projection onto the structure moves them by less than this (relative) already have it.
STRUCTURED_RTOL = 1e-10


def unit_determinant(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positive vectors split into a part with product one and its geometric mean.

    Parameters
    ----------
    values : ndarray of shape (..., d)
        Positive entries (a diagonal of a covariance).

    Returns
    -------
    shape : ndarray of shape (..., d)
        ``values / volume``, whose entries multiply to one.
    volume : ndarray of shape (...)
        The geometric mean of the entries.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.decomposition import unit_determinant
    >>> shape, volume = unit_determinant(np.array([1.0, 4.0]))
    >>> shape.tolist(), float(volume)
    ([0.5, 2.0], 2.0)
    """
    log = np.log(values)
    log_volume = log.mean(axis=-1)
    return np.exp(log - log_volume[..., None]), np.exp(log_volume)


def unit_determinant_matrices(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positive-definite matrices split into a part of determinant one and ``|M|^(1/d)``.

    Parameters
    ----------
    matrices : ndarray of shape (..., d, d)

    Returns
    -------
    normalised : ndarray of shape (..., d, d)
    volume : ndarray of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.decomposition import unit_determinant_matrices
    >>> normalised, volume = unit_determinant_matrices(np.array([[4.0, 0.0], [0.0, 1.0]]))
    >>> normalised.tolist(), float(volume)
    ([[2.0, 0.0], [0.0, 0.5]], 2.0)
    """
    d = matrices.shape[-1]
    volume = np.exp(np.linalg.slogdet(matrices)[1] / d)
    return matrices / volume[..., None, None], volume


def ascend(update: Callable, objective: Callable, state, tolerance: float, max_iterations: int):
    """Repeat ``state = update(state)`` until ``objective`` settles.

    ``update`` must never lower ``objective``; the loop stops when one update
    changes it by at most ``tolerance * |objective|``, or after
    ``max_iterations`` updates.

    Parameters
    ----------
    update : callable
        ``state -> state``.
    objective : callable
        ``state -> float``, the value being maximised.
    state : object
        The starting point.
    tolerance : float
        Relative change of the objective below which the loop stops.
    max_iterations : int
        Largest number of updates.

    Returns
    -------
    object
        The last state.

    Examples
    --------
    Halving the distance to 1 maximises ``-(x - 1)^2``:

    >>> from emkit.components.covariance.decomposition import ascend
    >>> round(ascend(lambda x: (x + 1) / 2, lambda x: -(x - 1) ** 2 - 1, 0.0, 1e-12, 100), 5)
    1.0
    """
    value = objective(state)
    for _ in range(max_iterations):
        state = update(state)
        previous, value = value, objective(state)
        if abs(value - previous) <= tolerance * abs(value):
            break
    return state


def _skew(entries: np.ndarray, d: int) -> np.ndarray:
    """Skew-symmetric matrices (count, d, d) from their upper triangles (count, d (d - 1) / 2)."""
    rows, cols = np.triu_indices(d, k=1)
    out = np.zeros((len(entries), d, d))
    out[:, rows, cols] = entries
    out[:, cols, rows] = -entries
    return out


class DecomposedCovariance(CovarianceStructure):
    """Base class of the structures given by mclust's volume, shape and orientation letters.

    A subclass maps each of its mclust names to its M-step on the
    components with weight (``_maximisers``), and provides :meth:`_parts`
    and :meth:`_from_parts` (its values to and from log volumes, log shapes
    and orientations); it takes its densities, draws and compiled kernels
    from a diagonal or a full structure.

    Parameters
    ----------
    model : str
        The mclust name, e.g. ``"VEE"``.
    values : ndarray, optional
        The canonical parameters: ``(K, d)`` variances for the axis-aligned
        structures (VEI, EVI), ``(K, d, d)`` matrices for the others.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance import covariance_structure
    >>> structure = covariance_structure("VEE")
    >>> structure, structure.name, structure.n_params(3, 2)  # 3 volumes, 1 shape, 1 angle
    (EigenCovariance('VEE'), 'VEE', 5)
    """

    #: The M-step of each of the subclass's structures: ``name -> maximise(scatter, weight, start)``.
    _maximisers: dict

    def __init__(self, model: str, values: np.ndarray | None = None):
        if model not in self._maximisers:
            raise ValueError(f"{type(self).__name__} has the structures {', '.join(self._maximisers)}, not {model!r}")
        self.model = model
        super().__init__(shared=False, values=values)

    @property
    def name(self) -> str:
        """The mclust name of this structure, e.g. ``"VEE"``."""
        return self.model

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r})"

    def _new(self, values):
        return type(self)(self.model, values=values)

    def unfitted(self):
        return type(self)(self.model)

    @property
    def letters(self) -> tuple[str, str, str]:
        """The volume, shape and orientation letters, e.g. ``("V", "E", "E")``."""
        return tuple(self.name)

    # -- M-step ------------------------------------------------------------------
    def estimate(self, scatter, weight, reg_covar, empty):
        """M-step: the values of this structure maximising the expected log-likelihood.

        Maximises ``sum_k [-n_k/2 log|Sigma_k| - 1/2 tr(Sigma_k^{-1} (W_k + n_k reg I))]``
        over the structure, from the current values when there are some
        (the iterative M-steps never lower this objective from there).
        Components without weight keep their own volume, shape and
        orientation and take the shared ones.

        See :meth:`CovarianceStructure.estimate` for the parameters.

        Examples
        --------
        EVV: ``Sigma_k = lambda C_k`` with ``C_k = W_k / |W_k|^(1/d)`` and
        ``lambda = sum_k |W_k|^(1/d) / sum_k n_k``:

        >>> import numpy as np
        >>> from emkit.components.covariance import covariance_structure
        >>> scatter = np.array([[[2.0, 0.0], [0.0, 8.0]], [[1.0, 0.0], [0.0, 1.0]]])
        >>> fitted = covariance_structure("EVV").estimate(scatter, np.array([2.0, 3.0]), 0.0, np.zeros(2, bool))
        >>> fitted.values.round(12).tolist()
        [[[0.5, 0.0], [0.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]]
        """
        ridged = self._add_to_diagonal(np.array(self._reduce(scatter), dtype=float), (weight * reg_covar)[:, None])
        active = ~np.asarray(empty, dtype=bool)
        start = self.values
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                values = self._maximise(ridged[active], weight[active], start)
        except np.linalg.LinAlgError:
            raise component_error("singular", np.flatnonzero(active)) from None
        if not active.all():
            values = self._keep_empty(values, active)
        new = self._new(values)
        new._check_positive_definite()
        return new

    def _keep_empty(self, active_values: np.ndarray, active: np.ndarray) -> np.ndarray:
        """All K values: the new ones of the components with weight; the others keep their varying parts."""
        new = self._new(active_values)._parts()
        old = self._parts()
        parts = []
        for letter, fresh, kept in zip(self.letters, new, old):
            if kept is None:
                parts.append(None)
                continue
            if letter == "V":
                combined = kept.copy()
                combined[active] = fresh
            else:
                combined = np.repeat(fresh[:1], len(active), axis=0)
            parts.append(combined)
        return self._from_parts(*parts)

    def _maximise(self, scatter: np.ndarray, weight: np.ndarray, start: np.ndarray | None) -> np.ndarray:
        """The structure's M-step on the components with weight.

        ``scatter`` (with the ridge) and ``weight`` of those components;
        ``start`` the current values of all components (None if unfitted),
        whose shared parts start an iterative M-step. Returns their values.
        """
        return self._maximisers[self.model](scatter, weight, start)

    def from_matrices(self, matrices, weights):
        """The structure's maximum-likelihood projection of given matrices.

        The matrices are taken as ``W_k / n_k`` with ``n_k`` the weights, and
        the M-step starts from them, so matrices that already have the
        structure come back unchanged (to rounding).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import covariance_structure
        >>> evi = covariance_structure("EVI")
        >>> matrices = np.array([[[4.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 2.0]]])  # volumes 2 and 2
        >>> evi.from_matrices(matrices, np.array([0.5, 0.5])).values.round(12).tolist()
        [[4.0, 1.0], [2.0, 2.0]]
        >>> matrices[1] *= 4  # volume 8: the projection shares the volume, 5
        >>> evi.from_matrices(matrices, np.array([0.5, 0.5])).values.round(12).tolist()
        [[10.0, 2.5], [5.0, 5.0]]
        """
        weights = np.asarray(weights, dtype=float)
        reduced = self._reduce(np.asarray(matrices, dtype=float))
        empty = weights <= np.finfo(float).eps * weights.sum()
        scale = weights.reshape((-1,) + (1,) * (reduced.ndim - 1))
        projected = self._new(reduced).estimate(reduced * scale, weights, 0.0, empty)
        if np.allclose(projected.values, reduced, rtol=STRUCTURED_RTOL, atol=0.0):
            return self._new(reduced)  # already of this structure: kept exactly (saved fits reload bit for bit)
        return projected

    # -- counts and free parameters --------------------------------------------
    def n_params(self, n_components, n_features):
        """Free covariance parameters, as mclust's ``nVarParams``.

        One volume (``E``) or K (``V``); ``d - 1`` shape values, once or per
        component; ``d (d - 1) / 2`` orientation angles, none (``I``), once
        or per component.

        Examples
        --------
        >>> from emkit.components.covariance import covariance_structure
        >>> [covariance_structure(name).n_params(3, 2) for name in ("VEI", "EVE", "VEV")]
        [4, 5, 7]
        """
        d = n_features
        per_letter = (1, d - 1, d * (d - 1) // 2)
        counts = {"E": 1, "V": n_components, "I": 0}
        return sum(counts[letter] * size for letter, size in zip(self.letters, per_letter))

    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Log volumes (K,), log shapes (K, d) (summing to 0) and orientations (K, d, d) or None."""
        raise NotImplementedError

    def _from_parts(self, log_volume, log_shape, orientation) -> np.ndarray:
        """Values from the output of :meth:`_parts`."""
        raise NotImplementedError

    def free_values(self):
        """Log volumes, ``d - 1`` log shape values and orientation angles (0 at these values).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import covariance_structure
        >>> cov = covariance_structure("VEI")._new(np.array([[1.0, 4.0], [2.0, 8.0]]))
        >>> cov.free_values().round(6).tolist()  # log 2, log 4, log 1/2
        [0.693147, 1.386294, -0.693147]
        """
        log_volume, log_shape, orientation = self._parts()
        d = log_shape.shape[1]
        pieces = [log_volume[:, None], log_shape[:, : d - 1]]
        if orientation is not None:
            pieces.append(np.zeros((len(log_volume), d * (d - 1) // 2)))
        return np.concatenate(
            [piece.mean(axis=0) if letter == "E" else piece.ravel() for letter, piece in zip(self.letters, pieces)]
        )

    def with_free_values(self, vector):
        """The structure at free values ``vector`` (orientations relative to this one's).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import covariance_structure
        >>> cov = covariance_structure("VEI")._new(np.array([[1.0, 4.0], [2.0, 8.0]]))
        >>> cov.with_free_values(np.log([1.0, 1.0, 0.5])).values.round(12).tolist()
        [[0.5, 2.0], [0.5, 2.0]]
        """
        log_volume, log_shape, orientation = self._parts()
        K, d = log_shape.shape
        sizes = (1, d - 1, d * (d - 1) // 2)
        vector = np.asarray(vector, dtype=float)
        blocks, start = [], 0
        for letter, size in zip(self.letters, sizes):
            count = 0 if letter == "I" else (1 if letter == "E" else K)
            block = vector[start: start + count * size].reshape(count, size)
            blocks.append(np.repeat(block, K, axis=0) if letter == "E" else block)
            start += count * size
        free_shape = blocks[1]
        shape = np.concatenate([free_shape, -free_shape.sum(axis=1, keepdims=True)], axis=1)
        if orientation is not None:
            orientation = np.einsum("kij,kjl->kil", orientation, np.stack([expm(s) for s in _skew(blocks[2], d)]))
        return self._new(self._from_parts(blocks[0][:, 0], shape, orientation))

    def free_value_bounds(self, floor):
        """No bounds: every free value is a logarithm or an angle.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import covariance_structure
        >>> cov = covariance_structure("EVI")._new(np.array([[1.0, 4.0], [2.0, 2.0]]))
        >>> [bound.tolist() for bound in cov.free_value_bounds(1e-6)]
        [[-inf, -inf, -inf], [inf, inf, inf]]
        """
        size = self.free_values().size
        return np.full(size, -np.inf), np.full(size, np.inf)


def varying_volume_equal_shape(
    diagonals: np.ndarray, weight: np.ndarray, shape: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Volumes ``lambda_k`` and one shape ``a`` maximising ``-1/2 sum_k [n_k d log lambda_k + sum_j w_kj / (lambda_k a_j)]``.

    The M-step of VEI on the diagonals of ``W_k`` and of VEV on their
    eigenvalues (Celeux & Govaert 1995): given the shape,
    ``lambda_k = sum_j (w_kj / a_j) / (d n_k)``; given the volumes,
    ``a`` is ``sum_k w_k / lambda_k`` scaled to product one. The two steps
    alternate from ``shape`` (see :func:`ascend`).

    Parameters
    ----------
    diagonals : ndarray of shape (K, d)
        ``w_kj``: diagonals (or eigenvalues, in the same order) of ``W_k``.
    weight : ndarray of shape (K,)
        ``n_k``.
    shape : ndarray of shape (d,)
        The starting shape.

    Returns
    -------
    volumes : ndarray of shape (K,)
    shape : ndarray of shape (d,)

    Examples
    --------
    Scatter diagonals proportional to each other give the shape at once:

    >>> import numpy as np
    >>> from emkit.components.covariance.decomposition import varying_volume_equal_shape
    >>> volumes, shape = varying_volume_equal_shape(
    ...     np.array([[1.0, 4.0], [4.0, 16.0]]), np.array([1.0, 2.0]), np.ones(2))
    >>> volumes.round(9).tolist(), shape.round(9).tolist()
    ([2.0, 4.0], [0.5, 2.0])
    """
    d = diagonals.shape[1]

    def volumes(shape):
        return (diagonals / shape).sum(axis=1) / (d * weight)

    def update(shape):
        return unit_determinant((diagonals / volumes(shape)[:, None]).sum(axis=0))[0]

    def objective(shape):
        return -0.5 * d * weight @ (np.log(volumes(shape)) + 1.0)

    shape = ascend(update, objective, shape, INNER_TOLERANCE, INNER_MAX_ITERATIONS)
    return volumes(shape), shape

"""Covariance structures of a batch of K Gaussian components.

Each structure owns its M-step projection, log-determinant, Mahalanobis term,
sampling and parameter count, so the Gaussian family never branches on the
kind of covariance. Every structure exists in a per-component ("varying")
and a shared ("equal") form; the shared form pools the within-component
scatter of all components in its M-step.

The six structures carry mclust's names:

======  ==========================  =========================================
name    alias                       covariance of component k
======  ==========================  =========================================
VVV     ``"full"``                  Sigma_k, any positive-definite matrix
EEE     ``"tied"``                  Sigma, shared by all components
VVI     ``"diag"``                  diag(sigma_k1^2, ..., sigma_kd^2)
EEI                                 diag(sigma_1^2, ..., sigma_d^2), shared
VII     ``"spherical"``             sigma_k^2 I
EII                                 sigma^2 I, shared
======  ==========================  =========================================

The M-step receives, for each component k, the weight ``n_k = sum_i r_ik``
and the centred scatter ``S_k = sum_i r_ik (x_i - m_k)(x_i - m_k)^T`` (only its
diagonal for the axis-aligned structures) and returns

* VVV: ``Sigma_k = S_k / n_k + reg I``
* EEE: ``Sigma = sum_k S_k / sum_k n_k + reg I``
* VVI: ``sigma_kj^2 = S_kjj / n_k + reg``
* EEI: ``sigma_j^2 = sum_k S_kjj / sum_k n_k + reg``
* VII: ``sigma_k^2 = tr(S_k) / (d n_k) + reg``
* EII: ``sigma^2 = sum_k tr(S_k) / (d sum_k n_k) + reg``

where ``reg`` is the ``reg_covar`` that keeps every covariance positive
definite. Components with no weight keep their previous covariance.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property
from typing import Callable, NamedTuple

import numpy as np
from scipy.special import digamma

from ..exceptions import DegenerateComponentError, NonFiniteDensityError


def _kernels():
    """:mod:`emkit.components.gaussian_kernels`, imported on first use.

    numba and LLVM take about 0.2 s and 50 MB to load, which a session that
    fits no Gaussian mixture need not pay.
    """
    from . import gaussian_kernels

    return gaussian_kernels


class FusedChunk(NamedTuple):
    """What the one-pass E-step of a Gaussian (or Student-t) mixture returns for a chunk.

    With ``v_i`` the row weights (1 without) and ``u_ik`` the Student-t scale
    weights (1 for Gaussian components):

    Attributes
    ----------
    log_likelihood : float
        ``sum_i v_i log p(x_i)``.
    class_log_likelihood : float
        ``sum_i v_i log max_k r_ik``.
    count : ndarray (K,)
        ``n_k = sum_i v_i r_ik``.
    dof_stat : ndarray (K,)
        ``sum_i v_i r_ik (E[log tau_ik] - u_ik)`` (0 for Gaussian components).
    weight : ndarray (K,)
        ``sum_i v_i r_ik u_ik`` (``count`` for Gaussian components).
    offset : ndarray (K, d)
        The chunk's ``v r u``-weighted means minus the component means.
    scatter : ndarray (K, d, d) or (K, d)
        ``v r u``-weighted scatter about those means (its diagonal for the
        axis-aligned structures).

    Examples
    --------
    One standard normal component and the rows 0 and 2:

    >>> import numpy as np
    >>> from emkit.components.covariance import FullCovariance
    >>> kernel = FullCovariance(values=np.eye(1)[None]).fused_kernel(np.zeros((1, 1)))
    >>> chunk = kernel(np.array([[0.0], [2.0]]), np.array([-0.5 * np.log(2 * np.pi)]), None, 0)
    >>> round(chunk.log_likelihood, 4), chunk.weight.tolist(), chunk.offset.tolist(), chunk.scatter.tolist()
    (-3.8379, [2.0], [[1.0]], [[[2.0]]])
    """

    log_likelihood: float
    class_log_likelihood: float
    count: np.ndarray
    dof_stat: np.ndarray
    weight: np.ndarray
    offset: np.ndarray
    scatter: np.ndarray


_NO_ROW_WEIGHTS = np.empty(0)


#: Floats in one block of the compiled full-covariance E-step's whitened rows.
_KERNEL_BLOCK_FLOATS = 1 << 18


def _kernel_block_rows(n_components: int, n_features: int) -> int:
    """Rows per block of :func:`~emkit.components.gaussian_kernels.full_chunk` (its scratch near 1-2 MiB)."""
    return max(64, _KERNEL_BLOCK_FLOATS // (n_components * (n_features + 1)))


def _per_row_array(name: str, array, n_rows: int, n_components: int) -> np.ndarray:
    """``array`` if it is float64 of shape (n_rows, K), else a ``ValueError`` (the kernels index it unchecked)."""
    shape = getattr(array, "shape", None)
    if shape != (n_rows, n_components) or getattr(array, "dtype", None) != np.float64:
        raise ValueError(
            f"{name} must be a float64 array of shape ({n_rows}, {n_components}), one row per observation, "
            f"got {type(array).__name__} of shape {shape}"
        )
    return array


def _given_weights_inputs(x, weights, n_components: int, n_features: int):
    """A chunk and its per-row component weights (n, K) as the compiled kernels take them, shapes checked."""
    x = _checked_chunk(x, n_features)
    return x, _per_row_array("weights", np.ascontiguousarray(weights), len(x), n_components)


def _given_weights_chunk(totals_free_moments: Callable, n_components: int) -> Callable:
    """``moments(reference)`` in the layout of :func:`_two_pass_moments` from a kernel of given weights.

    ``totals_free_moments(reference)`` returns ``(weight, first, second)``;
    with the weights given, the likelihood sums are 0, the counts are the
    weights and there is no degrees-of-freedom statistic.
    """
    def moments(reference):
        weight, first, second = totals_free_moments(reference)
        return 0.0, 0.0, weight, np.zeros(n_components), weight, first, second

    return moments


def _checked_chunk(x, n_features: int) -> np.ndarray:
    """``x`` C-contiguous if it has shape (n, n_features), else a ``ValueError``."""
    x = np.ascontiguousarray(x)
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"the chunk must have shape (n, {n_features}), got {x.shape}")
    return x


def _kernel_inputs(x, log_const, sample_weight, n_components: int, n_features: int):
    """A chunk, its log-constants and row weights as the compiled kernels take them, shapes checked.

    The kernels index without bounds checks, so a shape that does not match
    the bound parameters is refused here (a ``ValueError``), never read past.
    Row weights are empty for unit weights.
    """
    x = _checked_chunk(x, n_features)
    log_const = np.ascontiguousarray(log_const, dtype=np.float64)
    if log_const.shape != (n_components,):
        raise ValueError(f"log_const must have shape ({n_components},), got {log_const.shape}")
    if sample_weight is None:
        return x, log_const, _NO_ROW_WEIGHTS
    row_weights = np.ascontiguousarray(sample_weight, dtype=np.float64)
    if row_weights.shape != (len(x),):
        raise ValueError(f"sample_weight must have shape ({len(x)},), got {row_weights.shape}")
    return x, log_const, row_weights


class CovarianceStructure(ABC):
    """Base class of the covariance structures.

    Parameters
    ----------
    shared : bool
        If True, one covariance is shared by all components (mclust's "E"
        forms); otherwise every component has its own ("V" forms).
    values : ndarray, optional
        The canonical parameters, with a leading component axis: ``(K, d, d)``
        matrices, ``(K, d)`` variances or ``(K,)`` variances. None for an
        unfitted structure.

    Examples
    --------
    Structures are usually made by name; the shared diagonal one (EEI) pools
    the scatter of all components in its M-step:

    >>> import numpy as np
    >>> from emkit.components.covariance import CovarianceStructure, covariance_structure
    >>> structure = covariance_structure("EEI")
    >>> isinstance(structure, CovarianceStructure), structure.name, structure.shared
    (True, 'EEI', True)
    >>> scatter = np.array([[2.0, 8.0], [4.0, 4.0]])  # diagonals of S_1, S_2
    >>> fitted = structure.estimate(scatter, np.array([2.0, 2.0]), 0.0, np.array([False, False]))
    >>> fitted.values.tolist()
    [[1.5, 3.0], [1.5, 3.0]]
    """

    #: "full" or "diag": which part of the scatter matrix the M-step needs.
    scatter_kind: str
    #: mclust letters for the volume/shape/orientation of a varying structure.
    _varying_name: str
    _shared_name: str

    def __init__(self, shared: bool = False, values: np.ndarray | None = None):
        self.shared = bool(shared)
        self.values = None if values is None else np.asarray(values, dtype=float)

    @property
    def name(self) -> str:
        """The mclust name of this structure, e.g. ``"VVV"`` or ``"EII"``."""
        return self._shared_name if self.shared else self._varying_name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shared={self.shared})"

    def _new(self, values: np.ndarray) -> "CovarianceStructure":
        return type(self)(shared=self.shared, values=values)

    def unfitted(self) -> "CovarianceStructure":
        """The same structure without parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> fitted = FullCovariance(shared=True, values=np.eye(2)[None])
        >>> fitted.unfitted(), fitted.unfitted().values is None
        (FullCovariance(shared=True), True)
        """
        return type(self)(shared=self.shared)

    # -- M-step ----------------------------------------------------------------
    def estimate(
        self, scatter: np.ndarray, weight: np.ndarray, reg_covar: float, empty: np.ndarray
    ) -> "CovarianceStructure":
        """M-step: the structure maximising the expected log-likelihood.

        Parameters
        ----------
        scatter : ndarray
            Centred weighted scatter, ``(K, d, d)`` or, for the axis-aligned
            structures, its diagonal ``(K, d)``.
        weight : ndarray of shape (K,)
            Total responsibility ``n_k`` of each component.
        reg_covar : float
            Non-negative value added to the diagonal of every covariance.
        empty : ndarray of bool, shape (K,)
            Components without weight; they keep their current values.

        Returns
        -------
        CovarianceStructure
            A new fitted structure of the same kind; ``self`` is not modified.

        Raises
        ------
        DegenerateComponentError
            If a resulting covariance is singular.

        Examples
        --------
        VVV: ``Sigma_k = S_k / n_k + reg I``.

        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> scatter = np.array([[[4.0, 2.0], [2.0, 2.0]]])
        >>> weight, empty = np.array([2.0]), np.array([False])
        >>> FullCovariance().estimate(scatter, weight, 0.0, empty).values.tolist()
        [[[2.0, 1.0], [1.0, 1.0]]]
        >>> FullCovariance().estimate(scatter, weight, 0.5, empty).values.tolist()
        [[[2.5, 1.0], [1.0, 1.5]]]
        """
        reduced = self._reduce(scatter)
        if self.shared:
            pooled = reduced.sum(axis=0) / weight.sum()
            values = np.repeat(pooled[None], len(weight), axis=0)
        else:
            safe = np.where(empty, 1.0, weight)
            values = reduced / safe.reshape((-1,) + (1,) * (reduced.ndim - 1))
        values = self._add_to_diagonal(values, reg_covar)
        if self.values is not None and empty.any() and not self.shared:
            values[empty] = self.values[empty]
        new = self._new(values)
        new._check_positive_definite()
        return new

    @abstractmethod
    def _reduce(self, scatter: np.ndarray) -> np.ndarray:
        """Project scatter matrices onto this structure's parameters (unnormalised)."""

    @staticmethod
    @abstractmethod
    def _add_to_diagonal(values: np.ndarray, reg: float) -> np.ndarray: ...

    @abstractmethod
    def _check_positive_definite(self) -> None: ...

    @staticmethod
    @abstractmethod
    def scatter(x: np.ndarray, resp: np.ndarray, means: np.ndarray) -> np.ndarray:
        """Weighted scatter of ``x`` about ``means``, one per component.

        ``sum_i r_ik (x_i - means_k)(x_i - means_k)^T``, or only its diagonal
        for the axis-aligned structures (``scatter_kind == "diag"``).

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.
        resp : ndarray of shape (n, K)
            Responsibilities.
        means : ndarray of shape (K, d)
            Centre of each component's scatter.

        Returns
        -------
        ndarray of shape (K, d, d) or (K, d)

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance, FullCovariance
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0]])
        >>> resp, means = np.ones((2, 1)), np.array([[1.0, 1.0]])
        >>> FullCovariance.scatter(x, resp, means).tolist()
        [[[2.0, 2.0], [2.0, 2.0]]]
        >>> DiagonalCovariance.scatter(x, resp, means).tolist()
        [[2.0, 2.0]]
        """

    # -- densities ---------------------------------------------------------------
    @abstractmethod
    def log_det(self, n_features: int) -> np.ndarray:
        """Log-determinant of each component's covariance, shape (K,).

        Parameters
        ----------
        n_features : int
            Dimension d of the data (the spherical structures store one
            variance per component and need it).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import SphericalCovariance
        >>> SphericalCovariance(values=np.array([1.0, 2.0])).log_det(3).round(4).tolist()
        [0.0, 2.0794]
        """

    @abstractmethod
    def chunk_terms(self, x: np.ndarray, means: np.ndarray) -> tuple[np.ndarray, Callable]:
        """Mahalanobis terms of a chunk and a function from responsibilities to its statistics.

        Returns ``maha``, the squared Mahalanobis distances laid out
        component-major (K, n), and ``centred(resp)`` which, for
        responsibilities (K, n), returns ``(weight, offset, scatter)``: the
        weights ``n_k``, the chunk's weighted means minus ``means``, and the
        scatter about the chunk's weighted means (its diagonal for
        axis-aligned structures). It reuses the work done for ``maha``.
        For a float32 ``x`` the products over the chunk run in float32
        (differences taken from float64 reference points, responsibilities
        rounded to float32); ``maha`` and the statistics are float64 either way.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.
        means : ndarray of shape (K, d)
            Component means.

        Returns
        -------
        maha : ndarray of shape (K, n)
            Squared Mahalanobis distances, component-major.
        centred : callable
            ``centred(resp)`` -> ``(weight, offset, scatter)`` as above.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> cov = DiagonalCovariance(values=np.array([[1.0, 4.0]]))
        >>> x = np.array([[0.0, 0.0], [2.0, 4.0]])
        >>> maha, centred = cov.chunk_terms(x, np.array([[1.0, 2.0]]))
        >>> maha.tolist()
        [[2.0, 2.0]]
        >>> weight, offset, scatter = centred(np.array([[1.0, 3.0]]))
        >>> weight.tolist(), offset.tolist(), scatter.tolist()
        ([4.0], [[0.5, 1.0]], [[3.0, 12.0]])
        """

    @abstractmethod
    def fused_kernel(self, means: np.ndarray, dof: np.ndarray | None = None) -> Callable:
        """The compiled one-pass E-step of a mixture of these Gaussian (or Student-t) components.

        For a mixture whose every component is Gaussian (or Student-t) with
        this structure, one call per chunk computes the log-densities, the
        responsibilities, the log-likelihood and the statistics (see
        :mod:`emkit.components.gaussian_kernels`), with no ``(n, K)`` array
        returned and the GIL released.

        Parameters
        ----------
        means : ndarray of shape (K, d)
            Component means (locations).
        dof : ndarray of shape (K,), optional
            Student-t degrees of freedom; None for Gaussian components.

        Returns
        -------
        callable
            ``kernel(x, log_const, sample_weight, offset)`` -> :class:`FusedChunk`,
            where ``log_const[k]`` is ``log w_k`` plus the log-density's terms
            free of x (``-1/2 (d log 2 pi + log|Sigma_k|)`` for a Gaussian),
            ``sample_weight`` is None or the rows' weights (which multiply
            the responsibilities) and ``offset`` is the chunk's first row in
            the data, to name a row in a
            :class:`~emkit.exceptions.NonFiniteDensityError`. For a latent
            model that computes its own posterior from the log-densities (a
            hidden Markov model), the kernel also offers
            ``kernel.log_densities_into(x, log_const, out)``, writing
            ``log_const_k - maha_ik / 2`` (a Gaussian's log-densities when
            ``log_const`` holds only the terms free of x) into a given
            float64 array ``out`` (n, K), and ``kernel.weighted_moments(x, weights)``,
            the :class:`FusedChunk` of given weights ``w_ik`` (n, K) (its
            likelihood sums 0): the same compiled blocks, so neither forms
            an array of shape (K, n, d).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import SphericalCovariance
        >>> cov = SphericalCovariance(values=np.array([1.0, 1.0]))
        >>> kernel = cov.fused_kernel(np.array([[0.0], [4.0]]))
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chunk = kernel(x, np.log([0.5, 0.5]) - 0.5 * np.log(2 * np.pi), None, 0)
        >>> chunk.weight.round(3).tolist(), (chunk.offset + [[0.0], [4.0]]).round(3).tolist()
        ([1.982, 2.018], [[0.496], [4.468]])
        """

    @abstractmethod
    def draw(self, component: np.ndarray, rng: np.random.Generator, n_features: int) -> np.ndarray:
        """Zero-mean normal noise with the covariance of ``component[i]`` in row i.

        Parameters
        ----------
        component : ndarray of int, shape (n,)
            Component of each draw.
        rng : numpy.random.Generator
            Source of randomness.
        n_features : int
            Dimension d of the draws.

        Returns
        -------
        ndarray of shape (n, d)

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> cov = DiagonalCovariance(values=np.array([[1.0, 100.0]]))
        >>> noise = cov.draw(np.zeros(4000, dtype=int), np.random.default_rng(0), 2)
        >>> noise.shape, noise.std(axis=0).round().tolist()
        ((4000, 2), [1.0, 10.0])
        """

    # -- free parameters (for standard errors) --------------------------------------
    def free_values(self) -> np.ndarray:
        """The structure's free parameters as a flat vector (mclust's count of them).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> FullCovariance(values=np.array([[[2.0, 0.5], [0.5, 1.0]]])).free_values().tolist()
        [2.0, 0.5, 1.0]
        """
        values = self.values[:1] if self.shared else self.values
        return self._to_free(values).ravel()

    def with_free_values(self, vector: np.ndarray) -> "CovarianceStructure":
        """The structure holding the free parameters ``vector`` (inverse of :meth:`free_values`).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> cov = FullCovariance(values=np.array([[[2.0, 0.5], [0.5, 1.0]]]))
        >>> cov.with_free_values(np.array([3.0, 0.5, 1.0])).values[0].tolist()
        [[3.0, 0.5], [0.5, 1.0]]
        """
        K = len(self.values)
        values = self._from_free(np.asarray(vector, dtype=float), 1 if self.shared else K, self.values.shape[1:])
        if self.shared:
            values = np.repeat(values, K, axis=0)
        return self._new(values)

    def free_value_bounds(self, floor: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of every entry of :meth:`free_values`.

        A variance (a diagonal entry) cannot go below ``floor``, the
        ``reg_covar`` added by the M-step; covariances between features are
        unbounded entry by entry (positive definiteness binds them jointly).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> cov = FullCovariance(values=np.array([[[2.0, 0.5], [0.5, 1.0]]]))
        >>> [bound.tolist() for bound in cov.free_value_bounds(1e-6)]
        [[1e-06, -inf, 1e-06], [inf, inf, inf]]
        """
        K, d = len(self.values), self.values.shape[-1]
        identity = self.from_matrices(np.broadcast_to(np.eye(d), (K, d, d)), np.ones(K))
        is_variance = identity.free_values() == 1.0
        return np.where(is_variance, floor, -np.inf), np.full(is_variance.shape, np.inf)

    def _to_free(self, values: np.ndarray) -> np.ndarray:
        return values

    def _from_free(self, vector: np.ndarray, count: int, shape: tuple) -> np.ndarray:
        return vector.reshape((count,) + shape)

    # -- bookkeeping -------------------------------------------------------------
    @staticmethod
    @abstractmethod
    def working_floats_per_row(n_components: int, n_features: int) -> int:
        """Floats of temporaries per observation in :meth:`chunk_terms` and its statistics.

        Used to size chunks (see :func:`emkit.em.chunks.auto_chunk_size`).

        Examples
        --------
        >>> from emkit.components.covariance import DiagonalCovariance, FullCovariance
        >>> FullCovariance.working_floats_per_row(3, 2), DiagonalCovariance.working_floats_per_row(3, 2)
        (18, 12)
        """

    def n_params(self, n_components: int, n_features: int) -> int:
        """Free covariance parameters (mclust's count).

        Parameters
        ----------
        n_components : int
            Number of components K.
        n_features : int
            Dimension d of the data.

        Returns
        -------
        int
            ``d (d + 1) / 2``, ``d`` or ``1`` per covariance (full, diagonal,
            spherical), times K unless the covariance is shared.

        Examples
        --------
        >>> from emkit.components.covariance import covariance_structure
        >>> [covariance_structure(name).n_params(3, 2) for name in ("VVV", "EEE", "VVI", "EII")]
        [9, 3, 6, 1]
        """
        per_component = self._n_params_one(n_features)
        return per_component if self.shared else n_components * per_component

    @staticmethod
    @abstractmethod
    def _n_params_one(n_features: int) -> int: ...

    @abstractmethod
    def matrices(self, n_features: int) -> np.ndarray:
        """Full covariance matrices, shape (K, d, d).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import SphericalCovariance
        >>> SphericalCovariance(values=np.array([2.0])).matrices(2).tolist()
        [[[2.0, 0.0], [0.0, 2.0]]]
        """

    def from_matrices(self, matrices: np.ndarray, weights: np.ndarray) -> "CovarianceStructure":
        """This structure's parameters closest to given full matrices.

        Shared structures take the weight-averaged matrix; axis-aligned
        structures keep the diagonal (averaged over features if spherical).
        Projecting the output of :meth:`matrices` returns the same values.

        Parameters
        ----------
        matrices : ndarray of shape (K, d, d)
            Full covariance matrices.
        weights : ndarray of shape (K,)
            Component weights, for averaging into a shared covariance.

        Returns
        -------
        CovarianceStructure
            A new fitted structure of the same kind.

        Raises
        ------
        DegenerateComponentError
            If a resulting covariance is singular.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance, SphericalCovariance
        >>> matrices = np.array([[[2.0, 1.0], [1.0, 3.0]], [[4.0, 0.0], [0.0, 5.0]]])
        >>> weights = np.array([0.25, 0.75])
        >>> DiagonalCovariance().from_matrices(matrices, weights).values.tolist()
        [[2.0, 3.0], [4.0, 5.0]]
        >>> SphericalCovariance(shared=True).from_matrices(matrices, weights).values.tolist()
        [4.0, 4.0]
        """
        matrices = np.asarray(matrices, dtype=float)
        reduced = self._reduce(matrices)
        if self.shared:
            w = np.asarray(weights, dtype=float)
            if np.all(reduced == reduced[:1]):
                pooled = reduced[0]
            else:
                pooled = np.tensordot(w / w.sum(), reduced, axes=1)
            reduced = np.repeat(pooled[None], len(reduced), axis=0)
        new = self._new(reduced)
        new._check_positive_definite()
        return new


def _component_error(kind: str, components) -> DegenerateComponentError:
    names = ", ".join(str(int(k)) for k in components)
    return DegenerateComponentError(
        f"the covariance of component(s) {names} is {kind}: the component has collapsed "
        "onto too few distinct points; increase reg_covar or use fewer components"
    )


#: Re-centring a chunk's second moments on its mean subtracts ``n_k offset^2``;
#: where that leaves less than this fraction of a diagonal entry, the component
#: is centred exactly in a second pass. By the type of the chunk's products:
#: about three of sixteen digits may be lost in float64, one of seven in float32.
_CANCELLATION_LIMIT = {np.dtype(np.float64): 1e-3, np.dtype(np.float32): 5e-2}


#: Squared distance (in the component's own units) from the expansion point
#: beyond which a component's terms are computed from ``x - mu_k`` directly:
#: the expanded form's error is about eps times this, so at most ~1e-12 in
#: float64 and ~1e-5 in float32.
_EXPANSION_LIMIT = {np.dtype(np.float64): 1e4, np.dtype(np.float32): 1e2}


def _working_dtype(x: np.ndarray) -> np.dtype:
    """The type of a chunk's heavy products: float32 for float32 chunks, else float64."""
    return np.dtype(np.float32 if x.dtype == np.float32 else np.float64)


def _cancelling(weight: np.ndarray, offset: np.ndarray, second_diagonal: np.ndarray, dtype) -> np.ndarray:
    """Components whose re-centred second moments would cancel, for products in ``dtype``."""
    removed = weight[:, None] * np.square(offset)
    limit = _CANCELLATION_LIMIT[np.dtype(dtype)]
    return np.flatnonzero(np.any(removed > (1.0 - limit) * second_diagonal, axis=1))


def _full_second_moments(diffs: np.ndarray, resp: np.ndarray) -> np.ndarray:
    """``sum_i r_ik y_ik y_ik^T`` for all k: (K, n, d), (K, n) -> (K, d, d)."""
    return np.matmul((diffs * resp[:, :, None]).transpose(0, 2, 1), diffs)


def _centred_moments(diffs: np.ndarray, resp: np.ndarray, second_moments: Callable):
    """Weights, mean offsets and centred second moments of differences (K, n, d).

    Shifted-data algorithm: moments about the current mean, re-centred on the
    chunk mean (see :func:`_recentred`), and computed again from the
    re-centred differences where that would cancel. The products over the
    chunk run in the type of ``diffs`` (float32 for a float32 chunk, with the
    responsibilities rounded to it); the weights and the returned moments are
    float64.
    """
    weight = resp.sum(axis=1)
    r = resp.astype(diffs.dtype, copy=False)
    first = np.matmul(r[:, None, :], diffs)[:, 0, :]
    second = second_moments(diffs, r).astype(np.float64, copy=False)
    offset, centred, far = _recentred(weight, first, second, diffs.dtype)
    if far.size:
        centred[far] = second_moments(diffs[far] - offset[far, None, :].astype(diffs.dtype), r[far])
    return weight, offset, centred


def _recentred(weight: np.ndarray, first: np.ndarray, second: np.ndarray, dtype):
    """Moments about reference points re-centred on the weighted means.

    With ``first_k = sum_i r_ik z_ik`` and ``second_k = sum_i r_ik z_ik z_ik^T``
    (or its diagonal) for differences ``z`` from a reference point, the
    weighted mean is ``o_k = first_k / n_k`` and the centred second moment is
    ``second_k - n_k o_k o_k^T``.

    Returns
    -------
    offset : ndarray (K, d)
        ``o_k``, zero where ``n_k = 0``.
    centred : ndarray, the shape of ``second``
    far : ndarray of int
        Components whose subtraction cancelled (see :func:`_cancelling`, for
        products computed in ``dtype``): their centred moments must be
        computed again about a reference point nearer ``o_k``.
    """
    safe = np.where(weight > 0, weight, 1.0)
    offset = first / safe[:, None]
    full = second.ndim == 3
    diagonal = np.diagonal(second, axis1=1, axis2=2) if full else second
    far = _cancelling(weight, offset, diagonal, dtype)
    if full:
        centred = second - np.einsum("k,ki,kj->kij", weight, offset, offset)
    else:
        centred = second - weight[:, None] * np.square(offset)
    return offset, centred, far


def _two_pass_moments(moments: Callable, dtype, n_components: int, n_features: int) -> "FusedChunk":
    """A chunk's totals and centred moments, with a second pass where the first cancels.

    ``moments(reference)`` returns ``(log_likelihood, class_log_likelihood,
    count, dof_stat, weight, first, second)`` with the moments about the
    reference points ``reference`` (K, d). The first pass takes them about
    0; the components whose re-centring cancels (see :func:`_recentred`) are
    taken again about their first-pass offsets. The result's offsets and
    scatter are in the units of ``moments``.
    """
    reference = np.zeros((n_components, n_features))
    *totals, weight, first, second = moments(reference)
    offset, centred, far = _recentred(weight, first, second, dtype)
    if far.size:
        reference[far] = offset[far]
        *_, first, second = moments(reference)
        correction, again, _ = _recentred(weight, first, second, dtype)
        offset[far] += correction[far]
        centred[far] = again[far]
    return FusedChunk(*totals, weight, offset, centred)


def _scale_mixture_terms(dof, n_components: int, n_features: int):
    """``(nu_k, digamma((nu_k + d)/2) - log((nu_k + d)/2))`` as the kernels take them; ``(None, None)`` for Gaussians."""
    if dof is None:
        return None, None
    nu = np.ascontiguousarray(dof, dtype=np.float64)
    if nu.shape != (n_components,) or not np.all(nu > 0):
        raise ValueError(f"dof must be {n_components} positive numbers, got {nu}")
    half = 0.5 * (nu + n_features)
    return nu, digamma(half) - np.log(half)


def _checked_sums(kernel_result: tuple, offset: int) -> tuple:
    """A compiled kernel's sums, or :class:`NonFiniteDensityError` for the row it stopped at."""
    bad, top, *sums = kernel_result
    if bad >= 0:
        raise NonFiniteDensityError(offset + bad, top)
    return sums


class _FullKernel:
    """:func:`~emkit.components.gaussian_kernels.full_chunk` bound to full covariances and means.

    Built by :meth:`FullCovariance.fused_kernel`; called as
    ``kernel(x, log_const, sample_weight, offset)``. A plain object of
    arrays, so families that hold one still pickle. For a latent model that
    computes its own posterior, :meth:`log_densities_into` and
    :meth:`weighted_moments` run the same whitening in the same blocks.
    """

    def __init__(self, means, shift, affine, distance, cholesky, dof=None):
        self.means, self.shift, self.affine, self.distance, self.cholesky = means, shift, affine, distance, cholesky
        self.dof, self.log_tau_offset = _scale_mixture_terms(dof, *means.shape)
        self._by_type = {}  # the factors in a chunk's working type, made on first use

    def _factors(self, dtype):
        if dtype not in self._by_type:
            self._by_type[dtype] = (
                np.ascontiguousarray(self.affine, dtype=dtype),
                self.distance > _EXPANSION_LIMIT[dtype],
            )
        return self._by_type[dtype]

    def _block_arguments(self, x) -> tuple:
        """``(shift, factors, direct, means)`` in ``x``'s working type and the calling thread's block scratch."""
        K, d = self.means.shape
        dtype = _working_dtype(x)
        factors, direct = self._factors(dtype)
        kernels = _kernels()
        block = min(len(x), _kernel_block_rows(K, d))
        scratches = (
            kernels.scratch("augmented", (block, d + 1), dtype),
            kernels.scratch("centred", (block, d), dtype),
            kernels.scratch("whitened", (K, block, d), dtype),
        )
        return (self.shift, factors, direct, self.means), scratches

    def _in_data_units(self, whitened: FusedChunk) -> FusedChunk:
        """Moments of the whitened rows mapped back by ``L_k``: ``L_k o_k`` and ``L_k S_k L_k^T``."""
        chol = self.cholesky
        return whitened._replace(
            offset=np.einsum("kij,kj->ki", chol, whitened.offset),
            scatter=chol @ whitened.scatter @ chol.transpose(0, 2, 1),
        )

    def __call__(self, x, log_const, sample_weight, offset) -> FusedChunk:
        K, d = self.means.shape
        x, log_const, row_weights = _kernel_inputs(x, log_const, sample_weight, K, d)
        bound, scratches = self._block_arguments(x)
        full_chunk = _kernels().full_chunk

        def moments(reference):
            sums = full_chunk(
                x, *bound, reference, log_const, self.dof, self.log_tau_offset, row_weights, *scratches,
            )
            return _checked_sums(sums, offset)

        return self._in_data_units(_two_pass_moments(moments, _working_dtype(x), K, d))

    def log_densities_into(self, x, log_const, out) -> None:
        """Writes ``log_const_k - |y_ik|^2 / 2`` into ``out`` (n, K) float64, block by block.

        See :meth:`CovarianceStructure.fused_kernel`; ``out`` may be a column
        slice of a wider array.
        """
        K, d = self.means.shape
        x, log_const, _ = _kernel_inputs(x, log_const, None, K, d)
        bound, scratches = self._block_arguments(x)
        _kernels().full_log_densities(x, *bound, log_const, _per_row_array("out", out, len(x), K), *scratches)

    def weighted_moments(self, x, weights) -> FusedChunk:
        """The chunk's statistics for given weights ``w_ik`` (n, K): a :class:`FusedChunk` with no likelihood sums.

        Moments of ``x_i - mu_k`` (no whitening is needed), re-centred on
        the chunk's weighted means, with a second pass where that would
        cancel; ``count`` and ``weight`` are ``sum_i w_ik``, the likelihood
        sums are 0.
        """
        K, d = self.means.shape
        x, weights = _given_weights_inputs(x, weights, K, d)
        dtype = _working_dtype(x)
        kernels = _kernels()
        differences = kernels.scratch("whitened", (K, min(len(x), _kernel_block_rows(K, d)), d), dtype)
        moments = _given_weights_chunk(
            lambda reference: kernels.full_weighted_moments(x, self.means, reference, weights, differences), K
        )
        return _two_pass_moments(moments, dtype, K, d)


class _DiagonalKernel:
    """:func:`~emkit.components.gaussian_kernels.diagonal_chunk` bound to diagonal covariances and means.

    Built by ``fused_kernel`` of the axis-aligned structures; called as
    ``kernel(x, log_const, sample_weight, offset)``; :meth:`log_densities_into`
    and :meth:`weighted_moments` serve a latent model that computes its own
    posterior.
    """

    def __init__(self, means, inverse_sd, dof=None):
        self.means, self.inverse_sd = means, inverse_sd
        self.dof, self.log_tau_offset = _scale_mixture_terms(dof, *means.shape)

    def __call__(self, x, log_const, sample_weight, offset) -> FusedChunk:
        x, log_const, row_weights = _kernel_inputs(x, log_const, sample_weight, *self.means.shape)
        chunk_kernel = _kernels().diagonal_chunk

        def moments(reference):
            sums = chunk_kernel(
                x, self.means, self.inverse_sd, reference, log_const, self.dof, self.log_tau_offset, row_weights
            )
            return _checked_sums(sums, offset)

        return _two_pass_moments(moments, np.float64, *self.means.shape)

    def log_densities_into(self, x, log_const, out) -> None:
        """Writes ``log_const_k - sum_j ((x_ij - mu_kj) / sigma_kj)^2 / 2`` into ``out`` (n, K) float64."""
        K, d = self.means.shape
        x, log_const, _ = _kernel_inputs(x, log_const, None, K, d)
        _kernels().diagonal_log_densities(
            x, self.means, self.inverse_sd, log_const, _per_row_array("out", out, len(x), K)
        )

    def weighted_moments(self, x, weights) -> FusedChunk:
        """The chunk's statistics for given weights ``w_ik`` (n, K), as :meth:`_FullKernel.weighted_moments`."""
        K, d = self.means.shape
        x, weights = _given_weights_inputs(x, weights, K, d)
        weighted_moments = _kernels().diagonal_weighted_moments
        moments = _given_weights_chunk(lambda reference: weighted_moments(x, self.means, reference, weights), K)
        return _two_pass_moments(moments, np.float64, K, d)


def _is_positive_definite(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


class FullCovariance(CovarianceStructure):
    """Unrestricted covariance matrices (VVV, or EEE when shared).

    Examples
    --------
    >>> import emkit as em
    >>> em.Gaussian(covariance=em.FullCovariance(shared=True)).covariance.name
    'EEE'
    """

    scatter_kind = "full"
    _varying_name = "VVV"
    _shared_name = "EEE"

    def _reduce(self, scatter):
        if scatter.ndim != 3:
            raise ValueError("full covariance needs full (K, d, d) scatter matrices")
        return scatter

    @staticmethod
    def _add_to_diagonal(values, reg):
        d = values.shape[-1]
        values[:, np.arange(d), np.arange(d)] += reg
        return values

    @cached_property
    def _cholesky(self) -> np.ndarray:
        """Lower Cholesky factors L_k with Sigma_k = L_k L_k^T."""
        try:
            return np.linalg.cholesky(self.values)
        except np.linalg.LinAlgError:
            bad = [k for k, cov in enumerate(self.values) if not _is_positive_definite(cov)]
            raise _component_error("not positive definite", bad) from None

    @cached_property
    def precision_cholesky(self) -> np.ndarray:
        """Upper factors U_k = L_k^{-T}, so that Sigma_k^{-1} = U_k U_k^T."""
        return np.linalg.inv(self._cholesky).transpose(0, 2, 1)

    def _check_positive_definite(self):
        # Rounding can let a Cholesky factorisation of a singular matrix succeed
        # with tiny pivots: a pivot ratio below sqrt(d eps) is treated as singular.
        diag = np.diagonal(self._cholesky, axis1=1, axis2=2)
        d = diag.shape[1]
        ratio = diag.min(axis=1) / diag.max(axis=1)
        bad = np.flatnonzero(~(np.all(np.isfinite(diag), axis=1) & (ratio > np.sqrt(d * np.finfo(float).eps))))
        if bad.size:
            raise _component_error("singular", bad)

    @staticmethod
    def scatter(x, resp, means):
        """Weighted scatter matrices ``sum_i r_ik (x_i - means_k)(x_i - means_k)^T``, shape (K, d, d).

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.
        resp : ndarray of shape (n, K)
            Responsibilities.
        means : ndarray of shape (K, d)
            Centre of each component's scatter.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        >>> FullCovariance.scatter(x, resp, np.array([[1.0, 1.0], [3.0, 1.0]])).tolist()
        [[[2.0, 2.0], [2.0, 2.0]], [[2.0, -2.0], [-2.0, 2.0]]]
        """
        K, d = means.shape
        out = np.empty((K, d, d))
        for k in range(K):
            centred = x - means[k]
            out[k] = (centred * resp[:, k, None]).T @ centred
        return out

    def log_det(self, n_features):
        """Log-determinant of each covariance matrix, shape (K,), from its Cholesky factor.

        ``n_features`` is not needed here and is accepted for the common
        signature.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> cov = FullCovariance(values=np.array([[[2.0, 1.0], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]]))
        >>> cov.log_det(2).round(4).tolist()
        [1.0986, 0.0]
        """
        return 2.0 * np.log(np.diagonal(self._cholesky, axis1=1, axis2=2)).sum(axis=1)

    @staticmethod
    def working_floats_per_row(n_components, n_features):
        """Floats of temporaries per observation: ``2 K (d + 1)``.

        Examples
        --------
        >>> from emkit.components.covariance import FullCovariance
        >>> FullCovariance.working_floats_per_row(3, 2)
        18
        """
        # whitened differences and their weighted copy, (K, n, d + 1) each
        return 2 * n_components * (n_features + 1)

    def _to_free(self, values):
        rows, cols = np.tril_indices(values.shape[-1])
        return values[:, rows, cols]

    def _from_free(self, vector, count, shape):
        d = shape[0]
        rows, cols = np.tril_indices(d)
        out = np.zeros((count, d, d))
        lower = vector.reshape(count, -1)
        out[:, rows, cols] = lower
        out[:, cols, rows] = lower
        return out

    def _affine(self, means):
        # y_ik = (x_i - mu_k) U_k = [x_i - s, 1] [U_k; -(mu_k - s) U_k]: one
        # product per component whose bias row folds the centring into the
        # matrix multiplication. The shift s, a point inside the data, keeps
        # the product from rounding at the scale of a large common offset.
        # Returns s, the (K, d + 1, d) factors and |(mu_k - s) U_k|^2, the
        # squared distance of each component from s in its own units: where
        # it exceeds _EXPANSION_LIMIT the component is whitened directly,
        # (x - mu_k) U_k.
        d = means.shape[1]
        shift = means.mean(axis=0)
        affine = np.empty((len(means), d + 1, d))
        affine[:, :d] = self.precision_cholesky
        affine[:, d] = -np.einsum("kd,kde->ke", means - shift, self.precision_cholesky)
        return shift, affine, np.einsum("kd,kd->k", affine[:, d], affine[:, d])

    def _whiten(self, x, means):
        # The shift is subtracted in float64 and the product runs in the
        # chunk's working type (float32 for a float32 chunk, factors rounded to it).
        n, d = x.shape
        dtype = _working_dtype(x)
        shift, affine, distance = self._affine(means)
        augmented = np.empty((n, d + 1), dtype=dtype)
        np.subtract(x, shift, out=augmented[:, :d])
        augmented[:, d] = 1.0
        whitened = np.matmul(augmented, affine.astype(dtype, copy=False))
        far = distance > _EXPANSION_LIMIT[dtype]
        if far.any():
            centred = np.empty((n, d), dtype=dtype)
            precision = self.precision_cholesky.astype(dtype, copy=False)
            for k in np.flatnonzero(far):
                np.matmul(np.subtract(x, means[k], out=centred), precision[k], out=whitened[k])
        return whitened

    def fused_kernel(self, means, dof=None):
        """The compiled one-pass E-step, bound to these covariances and ``means`` (and ``dof``).

        See :meth:`CovarianceStructure.fused_kernel`. The differences are
        whitened as in :meth:`chunk_terms` (one product per component of the
        augmented chunk), by :func:`~emkit.components.gaussian_kernels.full_chunk`;
        the statistics are its moments of ``y`` mapped back by ``L_k``:
        ``m_k - mu_k = L_k o_k`` and ``S_k = L_k (sum_i r_ik (y_ik - o_k)(y_ik - o_k)^T) L_k^T``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> cov = FullCovariance(values=np.array([[[4.0, 0.0], [0.0, 1.0]]]))
        >>> kernel = cov.fused_kernel(np.array([[1.0, 1.0]]))
        >>> x = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 5.0]])
        >>> chunk = kernel(x, np.zeros(1), None, 0)
        >>> chunk.weight.tolist(), chunk.offset.round(12).tolist(), chunk.scatter.round(12).tolist()
        ([3.0], [[1.0, 1.0]], [[[8.0, 10.0], [10.0, 14.0]]])
        """
        means = np.ascontiguousarray(means, dtype=np.float64)
        return _FullKernel(means, *self._affine(means), self._cholesky, dof)

    def chunk_terms(self, x, means):
        """Mahalanobis terms (K, n) of a chunk and ``centred(resp)`` for its statistics.

        The differences are whitened once, ``y_ik = (x_i - mu_k) U_k``; the
        Mahalanobis terms are ``|y_ik|^2`` and the statistics are computed
        from the same ``y`` (see :meth:`CovarianceStructure.chunk_terms`).
        For a float32 chunk ``y``, ``|y_ik|^2`` and the products of the
        statistics are float32 (``mu_k`` subtracted in float64 first); the
        Mahalanobis terms and the statistics are returned as float64.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> cov = FullCovariance(values=np.array([[[4.0, 0.0], [0.0, 1.0]]]))
        >>> x = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 5.0]])
        >>> maha, centred = cov.chunk_terms(x, np.array([[1.0, 1.0]]))
        >>> maha.round(12).tolist()
        [[1.25, 0.25, 18.25]]
        >>> weight, offset, scatter = centred(np.ones((1, 3)))
        >>> weight.tolist(), offset.round(12).tolist(), scatter.round(12).tolist()
        ([3.0], [[1.0, 1.0]], [[[8.0, 10.0], [10.0, 14.0]]])
        """
        # Statistics from the whitened differences y (K, n, d): with
        # z = x - mu = y U^{-1} = y L^T, sum r z = L sum r y and
        # sum r z z^T = L (sum r y y^T) L^T, then re-centred on the chunk mean.
        whitened = self._whiten(x, means)
        maha = np.einsum("knd,knd->kn", whitened, whitened).astype(np.float64, copy=False)

        def centred(resp):
            weight, offset_y, second = _centred_moments(whitened, resp, _full_second_moments)
            chol = self._cholesky
            offset = np.einsum("kij,kj->ki", chol, offset_y)
            return weight, offset, chol @ second @ chol.transpose(0, 2, 1)

        return maha, centred

    def draw(self, component, rng, n_features):
        """Zero-mean normal noise ``L_k z`` with ``Sigma_k = L_k L_k^T``, one row per entry of ``component``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> cov = FullCovariance(values=np.array([[[1.0, 0.9], [0.9, 1.0]]]))
        >>> noise = cov.draw(np.zeros(4000, dtype=int), np.random.default_rng(0), 2)
        >>> noise.shape, np.cov(noise.T).round(1).tolist()
        ((4000, 2), [[1.0, 0.9], [0.9, 1.0]])
        """
        z = rng.standard_normal((len(component), n_features))
        return np.einsum("nij,nj->ni", self._cholesky[component], z)

    @staticmethod
    def _n_params_one(n_features):
        return n_features * (n_features + 1) // 2

    def matrices(self, n_features):
        """A copy of the covariance matrices, shape (K, d, d).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> FullCovariance(values=np.array([[[2.0, 1.0], [1.0, 2.0]]])).matrices(2).tolist()
        [[[2.0, 1.0], [1.0, 2.0]]]
        """
        return self.values.copy()


class _AxisAlignedCovariance(CovarianceStructure):
    """Covariances that are diagonal matrices; shares the density code."""

    scatter_kind = "diag"

    @abstractmethod
    def _variances(self) -> np.ndarray:
        """Per-feature variances, broadcastable to (K, d)."""

    def _check_positive_definite(self):
        var = np.asarray(self.values).reshape(len(self.values), -1)
        bad = np.flatnonzero(~np.all(np.isfinite(var) & (var > 0), axis=1))
        if bad.size:
            raise _component_error("singular", bad)

    @staticmethod
    def scatter(x, resp, means):
        out = np.empty(means.shape)
        for k in range(len(means)):
            out[k] = resp[:, k] @ np.square(x - means[k])
        return out

    @staticmethod
    def working_floats_per_row(n_components, n_features):
        # u, u^2 and the augmented copy; Mahalanobis terms and a product
        return 3 * n_features + 2 * n_components

    def chunk_terms(self, x, means):
        # Expanded about a shift s inside the data (u = x - s, a_k = mu_k - s,
        # p_k = 1 / sigma_k^2): maha = p_k . u^2 - 2 (a_k p_k) . u + p_k . a_k^2,
        # three matrix products instead of an (n, K, d) difference; the
        # statistics are products of the responsibilities with u and u^2.
        # The expansion loses about eps |a_k|^2_p near component k, and u keeps
        # x only to eps |x - s|, so components far from s in their own units
        # are computed directly from x. In float32 that loss would be too
        # large for most separated components: float32 chunks go to
        # _float32_terms instead.
        if _working_dtype(x) == np.float32:
            return self._float32_terms(x, means)
        shift = means.mean(axis=0)
        u = x - shift
        u2 = np.square(u)
        precision = np.broadcast_to(1.0 / self._variances(), means.shape)
        a = means - shift
        offset2 = np.einsum("kd,kd->k", a * a, precision)
        direct = np.flatnonzero(offset2 > _EXPANSION_LIMIT[np.dtype(np.float64)])
        maha = precision @ u2.T
        maha -= 2.0 * (a * precision) @ u.T
        maha += offset2[:, None]
        np.maximum(maha, 0.0, out=maha)
        for k in direct:
            maha[k] = np.square(x - means[k]) @ precision[k]

        def centred(resp):
            weight = resp.sum(axis=1)
            safe = np.where(weight > 0, weight, 1.0)
            mean_u = (resp @ u) / safe[:, None]
            second = resp @ u2
            scatter = second - weight[:, None] * np.square(mean_u)
            offset = mean_u - a
            # exactly, from x, where the shifted moments would cancel or round
            for k in np.union1d(direct, _cancelling(weight, mean_u, second, np.float64)):
                mean = (resp[k] @ x) / safe[k]
                scatter[k] = resp[k] @ np.square(x - mean)
                offset[k] = mean - means[k]
            return weight, offset, scatter

        return maha, centred

    def _float32_terms(self, x, means):
        # Every component works on its own differences z = x - c_k from a centre
        # c_k within float32 rounding of mu_k, in one float32 buffer laid out
        # (d, n) so that subtracting c_k runs along rows of n: nothing of size
        # (K, n, d) is formed. z = u - a_k with u = x - s subtracted in float64
        # once per chunk and a_k = c_k - s = mu_k - s rounded to float32; a
        # component far from s in its own units (where u rounds at the scale
        # of |a_k|) takes c_k = mu_k and z = x - mu_k in float64, rounded once.
        # maha_k = p_k . z^2; the statistics are the float32 products z r_k and
        # z^2 r_k (moments about c_k), returned as float64 and re-centred on the
        # chunk mean as in the shifted-data algorithm (exactly, in a second pass
        # from x, where that would cancel).
        K, (n, d) = len(means), x.shape
        shift = means.mean(axis=0)
        precision = np.broadcast_to(1.0 / self._variances(), means.shape)
        a = (means - shift).astype(np.float32)
        far = np.einsum("kd,kd->k", np.square(means - shift), precision) > _EXPANSION_LIMIT[np.dtype(np.float32)]
        centre = np.where(far[:, None], means, shift + a)
        u = np.empty((d, n), dtype=np.float32)
        np.subtract(x.T, shift[:, None], out=u)
        z = np.empty((d, n), dtype=np.float32)

        def differences(k):
            if far[k]:
                return np.subtract(x.T, means[k][:, None], out=z)
            return np.subtract(u, a[k][:, None], out=z)

        p32 = precision.astype(np.float32)
        maha = np.empty((K, n), dtype=np.float32)
        for k in range(K):
            np.matmul(p32[k], np.square(differences(k), out=z), out=maha[k])

        def centred(resp):
            weight = resp.sum(axis=1)
            safe = np.where(weight > 0, weight, 1.0)
            r = resp.astype(np.float32)
            first, second = np.empty((K, d)), np.empty((K, d))
            for k in range(K):
                first[k] = differences(k) @ r[k]
                second[k] = np.square(z, out=z) @ r[k]
            offset = first / safe[:, None]  # chunk mean minus c_k
            scatter = second - weight[:, None] * np.square(offset)
            for k in _cancelling(weight, offset, second, np.float32):
                np.subtract(x.T, (centre[k] + offset[k])[:, None], out=z)
                scatter[k] = np.square(z, out=z) @ r[k]
            return weight, centre + offset - means, scatter

        return maha.astype(np.float64), centred

    def fused_kernel(self, means, dof=None):
        """The compiled one-pass E-step, bound to these variances and ``means`` (and ``dof``).

        See :meth:`CovarianceStructure.fused_kernel`. Each row's differences
        ``x_i - mu_k`` are taken directly in float64 (float32 chunks too: the
        work is elementwise), by :func:`~emkit.components.gaussian_kernels.diagonal_chunk`;
        its moments about ``mu_k`` are re-centred on the chunk's weighted means.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> cov = DiagonalCovariance(values=np.array([[1.0, 4.0]]))
        >>> kernel = cov.fused_kernel(np.array([[1.0, 2.0]]))
        >>> chunk = kernel(np.array([[0.0, 0.0], [2.0, 4.0]]), np.zeros(1), np.array([1.0, 3.0]), 0)
        >>> chunk.weight.tolist(), chunk.offset.tolist(), chunk.scatter.tolist()
        ([4.0], [[0.5, 1.0]], [[3.0, 12.0]])
        """
        means = np.ascontiguousarray(means, dtype=np.float64)
        inverse_sd = np.ascontiguousarray(np.broadcast_to(1.0 / np.sqrt(self._variances()), means.shape))
        return _DiagonalKernel(means, inverse_sd, dof)

    def draw(self, component, rng, n_features):
        z = rng.standard_normal((len(component), n_features))
        return z * np.sqrt(np.broadcast_to(self._variances(), (len(self.values), n_features)))[component]


class DiagonalCovariance(_AxisAlignedCovariance):
    """Diagonal covariance matrices (VVI, or EEI when shared).

    Examples
    --------
    >>> import emkit as em
    >>> em.Gaussian(covariance=em.DiagonalCovariance()).covariance.name
    'VVI'
    """

    _varying_name = "VVI"
    _shared_name = "EEI"

    def _reduce(self, scatter):
        return np.diagonal(scatter, axis1=1, axis2=2).copy() if scatter.ndim == 3 else scatter

    @staticmethod
    def _add_to_diagonal(values, reg):
        return values + reg

    def _variances(self):
        return self.values

    def log_det(self, n_features):
        """``sum_j log sigma_kj^2`` for each component, shape (K,).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> DiagonalCovariance(values=np.array([[1.0, 4.0], [2.0, 0.5]])).log_det(2).round(4).tolist()
        [1.3863, 0.0]
        """
        return np.log(self.values).sum(axis=1)

    @staticmethod
    def _n_params_one(n_features):
        return n_features

    def matrices(self, n_features):
        """Diagonal covariance matrices, shape (K, d, d).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> DiagonalCovariance(values=np.array([[1.0, 4.0]])).matrices(2).tolist()
        [[[1.0, 0.0], [0.0, 4.0]]]
        """
        K = len(self.values)
        out = np.zeros((K, n_features, n_features))
        out[:, np.arange(n_features), np.arange(n_features)] = self.values
        return out


class SphericalCovariance(_AxisAlignedCovariance):
    """Multiples of the identity (VII, or EII when shared).

    Examples
    --------
    >>> import emkit as em
    >>> em.Gaussian(covariance=em.SphericalCovariance(shared=True)).covariance.name
    'EII'
    """

    _varying_name = "VII"
    _shared_name = "EII"

    def _reduce(self, scatter):
        diag = np.diagonal(scatter, axis1=1, axis2=2) if scatter.ndim == 3 else scatter
        # Equal diagonals (as written by ``matrices``) are taken as they are, so a
        # round trip through full matrices is exact.
        return np.where(np.all(diag == diag[:, :1], axis=1), diag[:, 0], diag.mean(axis=1))

    @staticmethod
    def _add_to_diagonal(values, reg):
        return values + reg

    def _variances(self):
        return self.values[:, None]

    def log_det(self, n_features):
        """``d log sigma_k^2`` for each component, shape (K,).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import SphericalCovariance
        >>> SphericalCovariance(values=np.array([1.0, 2.0])).log_det(3).round(4).tolist()
        [0.0, 2.0794]
        """
        return n_features * np.log(self.values)

    @staticmethod
    def _n_params_one(n_features):
        return 1

    def matrices(self, n_features):
        """Multiples of the identity ``sigma_k^2 I``, shape (K, d, d).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import SphericalCovariance
        >>> SphericalCovariance(values=np.array([3.0])).matrices(2).tolist()
        [[[3.0, 0.0], [0.0, 3.0]]]
        """
        return self.values[:, None, None] * np.eye(n_features)[None]


_BY_NAME = {
    "VVV": (FullCovariance, False),
    "EEE": (FullCovariance, True),
    "VVI": (DiagonalCovariance, False),
    "EEI": (DiagonalCovariance, True),
    "VII": (SphericalCovariance, False),
    "EII": (SphericalCovariance, True),
}
_ALIASES = {"FULL": "VVV", "TIED": "EEE", "DIAG": "VVI", "DIAGONAL": "VVI", "SPHERICAL": "VII"}
#: A short description of each structure, for summaries.
DESCRIPTIONS = {
    "VVV": "full",
    "EEE": "full, shared",
    "VVI": "diagonal",
    "EEI": "diagonal, shared",
    "VII": "spherical",
    "EII": "spherical, shared",
}

#: The mclust names of the available covariance structures, in a stable order.
COVARIANCE_NAMES = tuple(_BY_NAME)


def covariance_structure(covariance: "str | CovarianceStructure") -> CovarianceStructure:
    """Resolve a covariance name (mclust's or scikit-learn's) to a structure.

    Parameters
    ----------
    covariance : str or CovarianceStructure
        One of ``"VVV"``, ``"EEE"``, ``"VVI"``, ``"EEI"``, ``"VII"``, ``"EII"``
        or the aliases ``"full"``, ``"tied"``, ``"diag"``, ``"spherical"``
        (case-insensitive), or a structure object, returned unfitted.

    Examples
    --------
    >>> from emkit.components.covariance import covariance_structure
    >>> covariance_structure("tied")
    FullCovariance(shared=True)
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
    cls, shared = _BY_NAME[key]
    return cls(shared=shared)

"""The base class of the covariance structures: the M-step projection of the weighted scatter.

The M-step receives, for each component k, the weight ``n_k = sum_i r_ik``
and the centred scatter ``S_k = sum_i r_ik (x_i - m_k)(x_i - m_k)^T`` (only its
diagonal for the axis-aligned structures). A structure projects the scatter
onto its parameters (``_reduce``), pools it over the components if shared,
and adds ``reg_covar`` to the diagonal:

* VVV: ``Sigma_k = S_k / n_k + reg I``
* EEE: ``Sigma = sum_k S_k / sum_k n_k + reg I``
* VVI: ``sigma_kj^2 = S_kjj / n_k + reg``
* EEI: ``sigma_j^2 = sum_k S_kjj / sum_k n_k + reg``
* VII: ``sigma_k^2 = tr(S_k) / (d n_k) + reg``
* EII: ``sigma^2 = sum_k tr(S_k) / (d sum_k n_k) + reg``

where ``reg`` is the ``reg_covar`` that keeps every covariance positive
definite. Components with no weight keep their previous covariance.

A new structure subclasses :class:`CovarianceStructure` with its projection,
its densities' terms (from :mod:`.moments`), its compiled kernel (from
:mod:`.kernels`), its parameter count and its draws, and takes its mclust
names in :mod:`.names`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable

import numpy as np

from ...exceptions import DegenerateComponentError


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
    def with_values(self, values: np.ndarray, reg_covar: float) -> "CovarianceStructure":
        """A fitted structure holding ``values`` (this structure's layout) with ``reg_covar`` added to the diagonal.

        Raises
        ------
        DegenerateComponentError
            If a resulting covariance is singular.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> DiagonalCovariance().with_values(np.array([[1.0, 2.0]]), 0.5).values.tolist()
        [[1.5, 2.5]]
        """
        new = self._new(self._add_to_diagonal(np.array(values, dtype=float), reg_covar))
        new._check_positive_definite()
        return new

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
            ``kernel(x, log_const, sample_weight, offset)`` -> :class:`~emkit.components.covariance.kernels.FusedChunk`,
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
            the :class:`~emkit.components.covariance.kernels.FusedChunk` of given weights ``w_ik`` (n, K) (its
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


def component_error(kind: str, components) -> DegenerateComponentError:
    """The error for components whose covariance is ``kind`` ("singular", "not positive definite").

    Examples
    --------
    >>> from emkit.components.covariance.structure import component_error
    >>> print(component_error("singular", [0, 2]))
    the covariance of component(s) 0, 2 is singular: the component has collapsed onto too few distinct points; increase reg_covar or use fewer components
    """
    names = ", ".join(str(int(k)) for k in components)
    return DegenerateComponentError(
        f"the covariance of component(s) {names} is {kind}: the component has collapsed "
        "onto too few distinct points; increase reg_covar or use fewer components"
    )

"""Covariances that are diagonal matrices: VVI and EEI (diagonal), VII and EII (spherical)."""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from .kernels import DiagonalKernel
from .moments import axis_aligned_chunk_terms, diagonal_scatter
from .structure import CovarianceStructure, component_error


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
            raise component_error("singular", bad)

    scatter = staticmethod(diagonal_scatter)  # documented with an example in .moments

    @staticmethod
    def working_floats_per_row(n_components, n_features):
        # u, u^2 and the augmented copy; Mahalanobis terms and a product
        return 3 * n_features + 2 * n_components

    def chunk_terms(self, x, means):
        return axis_aligned_chunk_terms(x, means, self._variances())

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
        return DiagonalKernel(means, inverse_sd, dof)

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

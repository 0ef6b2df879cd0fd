"""Unrestricted covariance matrices: VVV, and EEE when shared by all components."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from .kernels import FullKernel
from .moments import affine_whitening, full_chunk_terms, full_scatter
from .structure import CovarianceStructure, component_error


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
            raise component_error("not positive definite", bad) from None

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
            raise component_error("singular", bad)

    scatter = staticmethod(full_scatter)  # documented with an example in .moments

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
        return FullKernel(means, *affine_whitening(means, self.precision_cholesky), self._cholesky, dof)

    def chunk_terms(self, x, means):
        """Mahalanobis terms (K, n) of a chunk and ``centred(resp)`` for its statistics.

        The differences are whitened once, ``y_ik = (x_i - mu_k) U_k``; the
        Mahalanobis terms are ``|y_ik|^2`` and the statistics are computed
        from the same ``y`` (see :meth:`CovarianceStructure.chunk_terms` and
        :func:`~.moments.full_chunk_terms`).
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
        return full_chunk_terms(x, means, self._cholesky, self.precision_cholesky)

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

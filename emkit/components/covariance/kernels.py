"""Adapters from the covariance structures to the compiled Gaussian kernels.

:func:`~.full.FullCovariance.fused_kernel` and the axis-aligned structures'
``fused_kernel`` bind their parameters into a :class:`FullKernel` or a
:class:`DiagonalKernel`: plain objects of arrays (so families that hold one
still pickle) that check a chunk's shapes (the compiled kernels index without
bounds checks), call :mod:`emkit.components.gaussian_kernels` and turn its
sums into a :class:`FusedChunk` (re-centred moments, in data units).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from scipy.special import digamma

from ...exceptions import NonFiniteDensityError
from .moments import EXPANSION_LIMIT, two_pass_moments, working_dtype


def compiled_kernels():
    """:mod:`emkit.components.gaussian_kernels`, imported on first use.

    numba and LLVM take about 0.2 s and 50 MB to load, which a session that
    fits no Gaussian mixture need not pay.

    Examples
    --------
    >>> from emkit.components.covariance.kernels import compiled_kernels
    >>> compiled_kernels().__name__
    'emkit.components.gaussian_kernels'
    """
    from .. import gaussian_kernels

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


def kernel_block_rows(n_components: int, n_features: int) -> int:
    """Rows per block of :func:`~emkit.components.gaussian_kernels.full_chunk` (its scratch near 1-2 MiB).

    Examples
    --------
    >>> from emkit.components.covariance.kernels import kernel_block_rows
    >>> kernel_block_rows(8, 8), kernel_block_rows(1000, 100)
    (3640, 64)
    """
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


def _checked_chunk(x, n_features: int) -> np.ndarray:
    """``x`` C-contiguous if it has shape (n, n_features), else a ``ValueError``."""
    x = np.ascontiguousarray(x)
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"the chunk must have shape (n, {n_features}), got {x.shape}")
    return x


def _given_weights_inputs(x, weights, n_components: int, n_features: int):
    """A chunk and its per-row component weights (n, K) as the compiled kernels take them, shapes checked."""
    x = _checked_chunk(x, n_features)
    return x, _per_row_array("weights", np.ascontiguousarray(weights), len(x), n_components)


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


def _given_weights_chunk(totals_free_moments: Callable, n_components: int) -> Callable:
    """``moments(reference)`` in the layout of :func:`~.moments.two_pass_moments` from a kernel of given weights.

    ``totals_free_moments(reference)`` returns ``(weight, first, second)``;
    with the weights given, the likelihood sums are 0, the counts are the
    weights and there is no degrees-of-freedom statistic.
    """
    def moments(reference):
        weight, first, second = totals_free_moments(reference)
        return 0.0, 0.0, weight, np.zeros(n_components), weight, first, second

    return moments


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


class FullKernel:
    """:func:`~emkit.components.gaussian_kernels.full_chunk` bound to full covariances and means.

    Built by :meth:`~emkit.components.covariance.FullCovariance.fused_kernel`;
    called as ``kernel(x, log_const, sample_weight, offset)``. For a latent
    model that computes its own posterior, :meth:`log_densities_into` and
    :meth:`weighted_moments` run the same whitening in the same blocks.

    Parameters
    ----------
    means : ndarray (K, d)
    shift, affine, distance
        The whitening factors of :func:`~.moments.affine_whitening`.
    cholesky : ndarray (K, d, d)
        ``L_k`` with ``Sigma_k = L_k L_k^T``.
    dof : ndarray (K,), optional
        Student-t degrees of freedom; None for Gaussian components.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance import FullCovariance
    >>> kernel = FullCovariance(values=np.array([[[4.0]]])).fused_kernel(np.array([[1.0]]))
    >>> type(kernel).__name__, kernel(np.array([[1.0], [3.0]]), np.zeros(1), None, 0).scatter.tolist()
    ('FullKernel', [[[2.0]]])
    """

    def __init__(self, means, shift, affine, distance, cholesky, dof=None):
        self.means, self.shift, self.affine, self.distance, self.cholesky = means, shift, affine, distance, cholesky
        self.dof, self.log_tau_offset = _scale_mixture_terms(dof, *means.shape)
        self._by_type = {}  # the factors in a chunk's working type, made on first use

    def _factors(self, dtype):
        if dtype not in self._by_type:
            self._by_type[dtype] = (
                np.ascontiguousarray(self.affine, dtype=dtype),
                self.distance > EXPANSION_LIMIT[dtype],
            )
        return self._by_type[dtype]

    def _block_arguments(self, x) -> tuple:
        """``(shift, factors, direct, means)`` in ``x``'s working type and the calling thread's block scratch."""
        K, d = self.means.shape
        dtype = working_dtype(x)
        factors, direct = self._factors(dtype)
        kernels = compiled_kernels()
        block = min(len(x), kernel_block_rows(K, d))
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
        full_chunk = compiled_kernels().full_chunk

        def moments(reference):
            sums = full_chunk(
                x, *bound, reference, log_const, self.dof, self.log_tau_offset, row_weights, *scratches,
            )
            return _checked_sums(sums, offset)

        return self._in_data_units(FusedChunk(*two_pass_moments(moments, working_dtype(x), K, d)))

    def log_densities_into(self, x, log_const, out) -> None:
        """Writes ``log_const_k - |y_ik|^2 / 2`` into ``out`` (n, K) float64, block by block.

        ``y_ik = (x_i - mu_k) U_k`` are the whitened differences, so with
        ``log_const`` the terms free of x (``-1/2 (d log 2 pi + log|Sigma_k|)``)
        ``out`` receives the Gaussian log-densities. ``out`` may be a column
        slice of a wider array. See
        :meth:`~emkit.components.covariance.CovarianceStructure.fused_kernel`.

        Raises
        ------
        ValueError
            If ``x``, ``log_const`` or ``out`` do not match the bound
            parameters' shapes, or ``out`` is not float64.

        Examples
        --------
        Against scipy's normal density:

        >>> import numpy as np
        >>> from scipy.stats import multivariate_normal
        >>> from emkit.components.covariance import FullCovariance
        >>> sigma = np.array([[2.0, 0.5], [0.5, 1.0]])
        >>> kernel = FullCovariance(values=sigma[None]).fused_kernel(np.array([[1.0, -1.0]]))
        >>> x = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]])
        >>> out = np.empty((3, 1))
        >>> kernel.log_densities_into(x, [-np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(sigma))], out)
        >>> bool(np.allclose(out[:, 0], multivariate_normal([1.0, -1.0], sigma).logpdf(x)))
        True
        """
        K, d = self.means.shape
        x, log_const, _ = _kernel_inputs(x, log_const, None, K, d)
        bound, scratches = self._block_arguments(x)
        compiled_kernels().full_log_densities(
            x, *bound, log_const, _per_row_array("out", out, len(x), K), *scratches
        )

    def weighted_moments(self, x, weights) -> FusedChunk:
        """The chunk's statistics for given weights ``w_ik`` (n, K): a :class:`FusedChunk` with no likelihood sums.

        Moments of ``x_i - mu_k`` (no whitening is needed), re-centred on
        the chunk's weighted means, with a second pass where that would
        cancel; ``count`` and ``weight`` are ``sum_i w_ik``, the likelihood
        sums are 0.

        Raises
        ------
        ValueError
            If ``x`` or ``weights`` do not match the bound parameters' shapes,
            or ``weights`` is not float64.

        Examples
        --------
        Against the weighted mean and scatter computed directly:

        >>> import numpy as np
        >>> from emkit.components.covariance import FullCovariance
        >>> kernel = FullCovariance(values=np.eye(2)[None]).fused_kernel(np.zeros((1, 2)))
        >>> x, w = np.array([[1.0, 2.0], [3.0, 0.0], [5.0, 4.0]]), np.array([[1.0], [2.0], [1.0]])
        >>> chunk = kernel.weighted_moments(x, w)
        >>> mean = w[:, 0] @ x / 4
        >>> chunk.weight.tolist(), bool(np.allclose(chunk.offset[0], mean))
        ([4.0], True)
        >>> bool(np.allclose(chunk.scatter[0], (w * (x - mean)).T @ (x - mean))), chunk.log_likelihood
        (True, 0.0)
        """
        K, d = self.means.shape
        x, weights = _given_weights_inputs(x, weights, K, d)
        dtype = working_dtype(x)
        kernels = compiled_kernels()
        differences = kernels.scratch("whitened", (K, min(len(x), kernel_block_rows(K, d)), d), dtype)
        moments = _given_weights_chunk(
            lambda reference: kernels.full_weighted_moments(x, self.means, reference, weights, differences), K
        )
        return FusedChunk(*two_pass_moments(moments, dtype, K, d))


class DiagonalKernel:
    """:func:`~emkit.components.gaussian_kernels.diagonal_chunk` bound to diagonal covariances and means.

    Built by ``fused_kernel`` of the axis-aligned structures; called as
    ``kernel(x, log_const, sample_weight, offset)``; :meth:`log_densities_into`
    and :meth:`weighted_moments` serve a latent model that computes its own
    posterior.

    Parameters
    ----------
    means : ndarray (K, d)
    inverse_sd : ndarray (K, d)
        ``1 / sigma_kj``.
    dof : ndarray (K,), optional
        Student-t degrees of freedom; None for Gaussian components.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance import SphericalCovariance
    >>> kernel = SphericalCovariance(values=np.array([4.0])).fused_kernel(np.array([[1.0]]))
    >>> type(kernel).__name__, kernel(np.array([[1.0], [3.0]]), np.zeros(1), None, 0).scatter.tolist()
    ('DiagonalKernel', [[2.0]])
    """

    def __init__(self, means, inverse_sd, dof=None):
        self.means, self.inverse_sd = means, inverse_sd
        self.dof, self.log_tau_offset = _scale_mixture_terms(dof, *means.shape)

    def __call__(self, x, log_const, sample_weight, offset) -> FusedChunk:
        x, log_const, row_weights = _kernel_inputs(x, log_const, sample_weight, *self.means.shape)
        chunk_kernel = compiled_kernels().diagonal_chunk

        def moments(reference):
            sums = chunk_kernel(
                x, self.means, self.inverse_sd, reference, log_const, self.dof, self.log_tau_offset, row_weights
            )
            return _checked_sums(sums, offset)

        return FusedChunk(*two_pass_moments(moments, np.float64, *self.means.shape))

    def log_densities_into(self, x, log_const, out) -> None:
        """Writes ``log_const_k - sum_j ((x_ij - mu_kj) / sigma_kj)^2 / 2`` into ``out`` (n, K) float64.

        ``out`` may be a column slice of a wider array.

        Raises
        ------
        ValueError
            If ``x``, ``log_const`` or ``out`` do not match the bound
            parameters' shapes, or ``out`` is not float64.

        Examples
        --------
        Against scipy's normal density, feature by feature:

        >>> import numpy as np
        >>> from scipy.stats import norm
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> kernel = DiagonalCovariance(values=np.array([[1.0, 4.0]])).fused_kernel(np.array([[0.0, 1.0]]))
        >>> x = np.array([[0.5, 0.0], [-1.0, 3.0]])
        >>> out = np.empty((2, 1))
        >>> kernel.log_densities_into(x, [-np.log(2 * np.pi) - 0.5 * np.log(4.0)], out)
        >>> expected = norm(0.0, 1.0).logpdf(x[:, 0]) + norm(1.0, 2.0).logpdf(x[:, 1])
        >>> bool(np.allclose(out[:, 0], expected))
        True
        """
        K, d = self.means.shape
        x, log_const, _ = _kernel_inputs(x, log_const, None, K, d)
        compiled_kernels().diagonal_log_densities(
            x, self.means, self.inverse_sd, log_const, _per_row_array("out", out, len(x), K)
        )

    def weighted_moments(self, x, weights) -> FusedChunk:
        """The chunk's statistics for given weights ``w_ik`` (n, K), as :meth:`FullKernel.weighted_moments`.

        ``scatter`` holds the diagonal of the weighted scatter, (K, d).

        Raises
        ------
        ValueError
            If ``x`` or ``weights`` do not match the bound parameters' shapes,
            or ``weights`` is not float64.

        Examples
        --------
        Rows far from 0 (the second pass re-centres them):

        >>> import numpy as np
        >>> from emkit.components.covariance import DiagonalCovariance
        >>> kernel = DiagonalCovariance(values=np.ones((1, 1))).fused_kernel(np.zeros((1, 1)))
        >>> chunk = kernel.weighted_moments(np.array([[1e6], [1e6 + 2.0]]), np.array([[1.0], [3.0]]))
        >>> chunk.weight.tolist(), chunk.offset.tolist(), chunk.scatter.tolist()
        ([4.0], [[1000001.5]], [[3.0]])
        """
        K, d = self.means.shape
        x, weights = _given_weights_inputs(x, weights, K, d)
        weighted_moments = compiled_kernels().diagonal_weighted_moments
        moments = _given_weights_chunk(lambda reference: weighted_moments(x, self.means, reference, weights), K)
        return FusedChunk(*two_pass_moments(moments, np.float64, K, d))

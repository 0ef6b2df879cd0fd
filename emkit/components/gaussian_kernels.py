"""Compiled one-pass E-step of a mixture of Gaussian or Student-t components.

When every component of a mixture is Gaussian (or every one Student-t), one
compiled call per chunk computes everything the E-step needs, without
returning to Python between the steps and with the GIL released (so chunks
run on all cores):

1. the differences in each component's own units, ``y_ik``, with
   ``delta_ik = |y_ik|^2`` the squared Mahalanobis distance of ``x_i`` to
   component k:

   * full covariance ``Sigma_k = L_k L_k^T``: ``y_ik = (x_i - mu_k) U_k`` with
     ``U_k = L_k^{-T}``, written as one product per component of the
     augmented chunk ``[x_i - s, 1]`` with ``[U_k; -(mu_k - s) U_k]`` (``s``
     a point inside the data, so that a common offset does not round);
     components far from ``s`` in their own units are whitened directly
     from ``x_i - mu_k`` (see :func:`emkit.components.covariance.moments.affine_whitening`);
   * diagonal covariance: ``y_ikj = (x_ij - mu_kj) / sigma_kj``, row by row;

2. the log-joint ``a_ik = c_k - delta_ik / 2`` for Gaussians, or
   ``c_k - (nu_k + d)/2 log(1 + delta_ik / nu_k)`` for Student-t components
   (``c_k`` holds ``log w_k`` and the terms free of x), its log-sum-exp over k
   (the log-density of the row), the responsibilities ``r_ik`` (times the
   row's weight) and the row's ``log max_k r_ik``;

3. the statistics about each component's current mean (or about a given
   reference point near it), in its own units, with weights ``w_ik = r_ik
   u_ik`` (``u_ik = (nu_k + d) / (nu_k + delta_ik)`` for Student-t
   components, 1 for Gaussians): ``sum_i r_ik``, ``sum_i w_ik``,
   ``sum_i w_ik y_ik`` and ``sum_i w_ik y_ik y_ik^T`` (for full covariances
   one product ``Z_k^T Z_k`` per block, with rows ``z_ik = sqrt(w_ik) y_ik``
   overwriting ``y`` in place; for diagonal covariances the moments of
   ``x_i - mu_k`` directly), and for Student-t components
   ``sum_i r_ik (E[log tau_ik] - u_ik)`` for the degrees of freedom.

Entries of ``z`` smaller than the square root of the working type's smallest
normal number (about 1.1e-19 in float32, 1.5e-154 in float64) are set to 0,
so that the products of ``Z_k^T Z_k`` are never subnormal: the processor
handles subnormal operands and results in microcode, tens of times slower
than normal ones. Such entries come from rows far from component k, whose
responsibility ``r_ik`` is below about 1e-38 in float32 (a log-density
ratio of -87, common between well-separated clusters). What a flushed entry
would add to ``Z_k^T Z_k`` is below 1.2e-38 on the diagonal and below 1.1e-19
times the other entry off it: under the float32 rounding of the sums of any
component the M-step does not treat as empty (weight at least machine
epsilon times the total). ``first`` and the weights are float64 sums of the
exact values.

Moments about a fixed point add up over rows, so a call walks a chunk of any
length in cache-sized blocks and returns one set of sums: the chunk can be
large (few calls from Python) while the working set stays one block. The
caller (``CovarianceStructure.fused_kernel``) re-centres the moments on the
chunk's weighted means and maps them back to data units. Float32 chunks keep
their products in float32 (differences taken in float64 first); the
log-densities, responsibilities and every sum are float64.

numba's matrix products call scipy's BLAS, which ``import emkit`` has
loaded (through scipy.linalg) before any pass runs, so
``emkit.em.parallel.single_threaded_blas`` holds it to one thread like
numpy's.

The per-thread scratch buffers (one block's whitened rows) are reused from
chunk to chunk, so a pass over the data allocates no large array: a freshly
allocated buffer of this size costs a page fault per 4 KiB.
"""

from __future__ import annotations

import math
import threading

import numba
import numpy as np

#: Reassociation lets sums over features vectorise; no assumption about
#: infinities or NaN is made, so non-finite rows are still detected.
_FASTMATH = {"reassoc", "contract"}

#: Scratch buffers larger than this (in bytes) are not kept between chunks.
_KEPT_SCRATCH_BYTES = 64 << 20


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def _normalise_row(joint, row_weight):
    """Overwrite the log-joint (K,) of one row with its responsibilities times ``row_weight``.

    Returns ``(log density, log max_k r_ik, largest log-joint)``; the log
    density is not finite when the row has no finite log-joint.
    """
    top = -np.inf
    for k in range(joint.shape[0]):
        top = max(top, joint[k])
    total = 0.0
    for k in range(joint.shape[0]):
        joint[k] = math.exp(joint[k] - top)
        total += joint[k]
    scale = row_weight / total
    for k in range(joint.shape[0]):
        joint[k] *= scale
    log_total = math.log(total)
    return top + log_total, -log_total, top


# ``dof`` is None for Gaussian components: numba compiles a separate version
# for a None argument, with the Student-t branches removed.


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def _log_kernel(maha, dof, k, d):
    """The x-dependent term of component k's log-density: ``-maha / 2``, or Student-t's."""
    if dof is None:
        return -0.5 * maha
    return -0.5 * (dof[k] + d) * math.log1p(maha / dof[k])


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def _scale_weight(maha, dof, log_tau_offset, k, d):
    """``(u_ik, E[log tau_ik] - u_ik)`` of a Student-t component; ``(1, 0)`` for a Gaussian."""
    if dof is None:
        return 1.0, 0.0
    nu = dof[k]
    u = (nu + d) / (nu + maha)
    return u, math.log1p(d / nu) - math.log1p(maha / nu) + log_tau_offset[k] - u


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def _flushed(z, floor):
    """``z``, or 0 where ``|z| < floor`` (a NaN is kept)."""
    return 0.0 if abs(z) < floor else z


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def _whiten(x, shift, affine, direct, means, augmented, centred, y):
    """``y[k, :n] = (x - mu_k) U_k`` for every k and the n rows of ``x``.

    By the augmented product, or directly from ``x - mu_k`` where ``direct[k]``.
    """
    n, d = x.shape
    for i in range(n):
        for j in range(d):
            augmented[i, j] = x[i, j] - shift[j]
        augmented[i, d] = 1.0
    for k in range(affine.shape[0]):
        if direct[k]:
            for i in range(n):
                for j in range(d):
                    centred[i, j] = x[i, j] - means[k, j]
            np.dot(centred[:n], affine[k, :d], y[k, :n])
        else:
            np.dot(augmented[:n], affine[k], y[k, :n])


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH, inline="always")
def _squared_length(y, k, i):
    """``|y_ik|^2`` of the whitened row ``y[k, i]``."""
    total = 0.0
    for j in range(y.shape[2]):
        v = y[k, i, j]
        total += v * v
    return total


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH, inline="always")
def _weigh_whitened(y, k, i, w, reference, first, floor):
    """Adds ``w (y_ik - b_k)`` to ``first[k]`` and overwrites ``y_ik`` with ``sqrt(w) (y_ik - b_k)`` (flushed)."""
    root = math.sqrt(w)
    for j in range(y.shape[2]):
        v = y[k, i, j] - reference[k, j]
        first[k, j] += w * v
        y[k, i, j] = _flushed(v * root, floor)


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH, inline="always")
def _add_block_second(y, m, block_second, second):
    """Adds ``Z_k^T Z_k`` of each component's first ``m`` weighted rows ``y[k, :m]`` to ``second`` (K, d, d)."""
    for k in range(y.shape[0]):
        whitened = y[k, :m]
        np.dot(whitened.T, whitened, block_second[k])
    second += block_second


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH, inline="always")
def _add_diagonal_moments(diff, w, first, second):
    """Adds ``w diff`` and ``w diff^2`` (d,) to ``first`` and ``second``."""
    for j in range(diff.shape[0]):
        rv = w * diff[j]
        first[j] += rv
        second[j] += rv * diff[j]


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def full_chunk(x, shift, affine, direct, means, reference, log_const, dof, log_tau_offset, sample_weight,
               augmented, centred, y):
    """The fused E-step of a chunk for full covariance matrices, in blocks of ``len(augmented)`` rows.

    Parameters
    ----------
    x : ndarray (n, d), float32 or float64, C-contiguous
    shift : ndarray (d,) float64
        The expansion point ``s``.
    affine : ndarray (K, d + 1, d), the working type
        ``[U_k; -(mu_k - s) U_k]``.
    direct : ndarray (K,) bool
        Components whitened from ``x - mu_k`` directly.
    means : ndarray (K, d) float64
    reference : ndarray (K, d) float64
        The moments are taken about ``mu_k + L_k b_k``, ``b_k = reference[k]``
        (in whitened units; zero for moments about the means).
    log_const : ndarray (K,) float64
        ``log w_k`` plus the log-density's terms that do not depend on x:
        ``-1/2 (d log 2 pi + log|Sigma_k|)`` for Gaussians.
    dof : ndarray (K,) float64 or None
        None for Gaussian components; Student-t degrees of freedom ``nu_k``
        otherwise, with the log-density term ``-(nu_k + d)/2 log(1 +
        delta_ik / nu_k)`` and the moments weighted by ``r_ik u_ik``,
        ``u_ik = (nu_k + d) / (nu_k + delta_ik)``.
    log_tau_offset : ndarray (K,) float64 or None
        ``digamma((nu_k + d)/2) - log((nu_k + d)/2)``; None for Gaussians.
    sample_weight : ndarray (n,) or (0,) float64
        Row weights; empty for unit weights.
    augmented, centred, y : scratch of shapes (b, d + 1), (b, d), (K, b, d) in the working type
        ``b`` is the block length.

    Returns
    -------
    tuple
        ``(bad_row, bad_top, log_likelihood, class_log_likelihood, count,
        dof_stat, weight, first, second)``: ``bad_row`` is -1 or the first
        row without a finite log-density (with its largest log-joint
        ``bad_top``), ``count = sum_i r_ik``, ``dof_stat = sum_i r_ik
        (E[log tau_ik] - u_ik)`` (0 for Gaussians), and with ``w_ik = r_ik
        u_ik`` (``u = 1`` for Gaussians) ``weight = sum_i w_ik``, ``first =
        sum_i w_ik (y_ik - b_k)`` (K, d) and ``second = sum_i w_ik (y_ik -
        b_k)(y_ik - b_k)^T`` (K, d, d), float64 sums of per-block products
        in the working type (entries of ``sqrt(w_ik) (y_ik - b_k)`` too small
        for their products to be normal numbers count as 0; see the module
        notes).

    Examples
    --------
    One standard normal component (``U = 1``, ``s = 0``) and the rows 0 and 2,
    in blocks of one row:

    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import full_chunk
    >>> x = np.array([[0.0], [2.0]])
    >>> affine = np.array([[[1.0], [0.0]]])  # [U; -(mu - s) U]
    >>> out = full_chunk(
    ...     x, np.zeros(1), affine, np.zeros(1, bool), np.zeros((1, 1)), np.zeros((1, 1)),
    ...     np.array([-0.5 * np.log(2 * np.pi)]), None, None, np.empty(0),
    ...     np.empty((1, 2)), np.empty((1, 1)), np.empty((1, 1, 1)),
    ... )
    >>> bad_row, _, loglik, _, count, _, weight, first, second = out
    >>> bad_row, round(loglik, 4), weight.tolist(), first.tolist(), second.tolist()
    (-1, -3.8379, [2.0], [[2.0]], [[[4.0]]])
    """
    n, d = x.shape
    K = log_const.shape[0]
    block = augmented.shape[0]
    joint = np.empty(K)
    distance = np.empty(K)
    count = np.zeros(K)
    dof_stat = np.zeros(K)
    weight = np.zeros(K)
    first = np.zeros((K, d))
    second = np.zeros((K, d, d))
    block_second = np.empty((K, d, d), dtype=y.dtype)
    floor = math.sqrt(np.finfo(y.dtype).tiny)  # smaller entries of z would make subnormal products
    log_likelihood = 0.0
    class_log_likelihood = 0.0
    for start in range(0, n, block):
        m = min(block, n - start)
        _whiten(x[start:start + m], shift, affine, direct, means, augmented, centred, y)
        for i in range(m):
            for k in range(K):
                maha = _squared_length(y, k, i)
                distance[k] = maha
                joint[k] = log_const[k] + _log_kernel(maha, dof, k, d)
            row_weight = sample_weight[start + i] if sample_weight.shape[0] else 1.0
            density, log_max, top = _normalise_row(joint, row_weight)
            if not math.isfinite(density):
                return start + i, top, 0.0, 0.0, count, dof_stat, weight, first, second
            log_likelihood += row_weight * density
            class_log_likelihood += row_weight * log_max
            for k in range(K):
                r = joint[k]
                u, dof_term = _scale_weight(distance[k], dof, log_tau_offset, k, d)
                count[k] += r
                dof_stat[k] += r * dof_term
                w = r * u
                weight[k] += w
                _weigh_whitened(y, k, i, w, reference, first, floor)
        _add_block_second(y, m, block_second, second)
    return -1, 0.0, log_likelihood, class_log_likelihood, count, dof_stat, weight, first, second


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def diagonal_chunk(x, means, inv_sd, reference, log_const, dof, log_tau_offset, sample_weight):
    """The fused E-step of a chunk for diagonal (or spherical) covariances.

    ``inv_sd`` (K, d) holds ``1 / sigma_kj``; ``reference`` (K, d) is an
    offset ``b_k`` in data units; the other arguments are as in
    :func:`full_chunk`. All arithmetic is float64, row by row.

    Returns
    -------
    tuple
        ``(bad_row, bad_top, log_likelihood, class_log_likelihood, count,
        dof_stat, weight, first, second)`` as in :func:`full_chunk`, with
        the moments in data units: ``first = sum_i w_ik (x_i - mu_k - b_k)``
        and ``second = sum_i w_ik (x_i - mu_k - b_k)^2`` (K, d).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import diagonal_chunk
    >>> x = np.array([[0.0], [2.0]])
    >>> out = diagonal_chunk(
    ...     x, np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1), None, None,
    ...     np.array([1.0, 3.0]),
    ... )
    >>> bad_row, _, _, _, count, _, weight, first, second = out
    >>> bad_row, weight.tolist(), first.tolist(), second.tolist()
    (-1, [4.0], [[6.0]], [[12.0]])
    """
    n, d = x.shape
    K = log_const.shape[0]
    diff = np.empty((K, d))
    joint = np.empty(K)
    distance = np.empty(K)
    count = np.zeros(K)
    dof_stat = np.zeros(K)
    weight = np.zeros(K)
    first = np.zeros((K, d))
    second = np.zeros((K, d))
    log_likelihood = 0.0
    class_log_likelihood = 0.0
    for i in range(n):
        for k in range(K):
            maha = 0.0
            for j in range(d):
                delta = x[i, j] - means[k, j]
                diff[k, j] = delta - reference[k, j]
                v = delta * inv_sd[k, j]
                maha += v * v
            distance[k] = maha
            joint[k] = log_const[k] + _log_kernel(maha, dof, k, d)
        row_weight = sample_weight[i] if sample_weight.shape[0] else 1.0
        density, log_max, top = _normalise_row(joint, row_weight)
        if not math.isfinite(density):
            return i, top, 0.0, 0.0, count, dof_stat, weight, first, second
        log_likelihood += row_weight * density
        class_log_likelihood += row_weight * log_max
        for k in range(K):
            r = joint[k]
            u, dof_term = _scale_weight(distance[k], dof, log_tau_offset, k, d)
            count[k] += r
            dof_stat[k] += r * dof_term
            w = r * u
            weight[k] += w
            _add_diagonal_moments(diff[k], w, first[k], second[k])
    return -1, 0.0, log_likelihood, class_log_likelihood, count, dof_stat, weight, first, second


# -- Given weights ------------------------------------------------------------------
# A latent model other than a mixture (a hidden Markov model) computes its own
# posterior from the log-densities: it needs the (n, K) log-densities written
# into an array it owns, and the statistics from weights it computed. The two
# passes below do that in the same blocks as the one-pass kernels, so that no
# (K, n, d) array is formed.


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def full_log_densities(x, shift, affine, direct, means, log_const, out, augmented, centred, y):
    """``out[i, k] = log_const_k - |y_ik|^2 / 2``, whitened in blocks of ``len(augmented)`` rows.

    The arguments are as in :func:`full_chunk`; ``out`` is (n, K) float64
    (it may be a column slice of a wider array).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import full_log_densities
    >>> out = np.empty((2, 1))
    >>> full_log_densities(
    ...     np.array([[0.0], [2.0]]), np.zeros(1), np.array([[[1.0], [0.0]]]), np.zeros(1, bool),
    ...     np.zeros((1, 1)), np.array([-1.0]), out, np.empty((1, 2)), np.empty((1, 1)), np.empty((1, 1, 1)),
    ... )
    >>> out.tolist()
    [[-1.0], [-3.0]]
    """
    n = x.shape[0]
    K = log_const.shape[0]
    block = augmented.shape[0]
    for start in range(0, n, block):
        m = min(block, n - start)
        _whiten(x[start:start + m], shift, affine, direct, means, augmented, centred, y)
        for i in range(m):
            for k in range(K):
                out[start + i, k] = log_const[k] - 0.5 * _squared_length(y, k, i)


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def full_weighted_moments(x, means, reference, weights, y):
    """Moments of ``x_i - mu_k - b_k`` for given weights ``w_ik`` (n, K) float64, in blocks of ``y.shape[1]`` rows.

    No whitening is needed: the differences from ``mu_k + b_k`` are taken in
    float64 and kept in ``y`` (scratch (K, b, d) in the working type) as
    ``sqrt(w_ik) (x_i - mu_k - b_k)``, flushed as in :func:`full_chunk`, for
    one product ``Z_k^T Z_k`` per block.

    Returns
    -------
    tuple
        ``(weight, first, second)``: ``sum_i w_ik`` (K,), ``sum_i w_ik (x_i -
        mu_k - b_k)`` (K, d) and ``sum_i w_ik (x_i - mu_k - b_k)(x_i - mu_k -
        b_k)^T`` (K, d, d), float64 sums of per-block products in the working
        type.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import full_weighted_moments
    >>> weight, first, second = full_weighted_moments(
    ...     np.array([[0.0], [2.0]]), np.zeros((1, 1)), np.zeros((1, 1)), np.array([[1.0], [4.0]]),
    ...     np.empty((1, 1, 1)),
    ... )
    >>> weight.tolist(), first.tolist(), second.tolist()
    ([5.0], [[8.0]], [[[16.0]]])
    """
    n, d = x.shape
    K = weights.shape[1]
    block = y.shape[1]
    weight = np.zeros(K)
    first = np.zeros((K, d))
    second = np.zeros((K, d, d))
    block_second = np.empty((K, d, d), dtype=y.dtype)
    floor = math.sqrt(np.finfo(y.dtype).tiny)
    centre = means + reference
    centred = np.zeros((K, d))  # the differences in y are already taken from the centres
    for start in range(0, n, block):
        m = min(block, n - start)
        for i in range(m):
            for k in range(K):
                w = weights[start + i, k]
                weight[k] += w
                for j in range(d):
                    y[k, i, j] = x[start + i, j] - centre[k, j]
                _weigh_whitened(y, k, i, w, centred, first, floor)
        _add_block_second(y, m, block_second, second)
    return weight, first, second


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def diagonal_log_densities(x, means, inv_sd, log_const, out):
    """``out[i, k] = log_const_k - sum_j ((x_ij - mu_kj) / sigma_kj)^2 / 2``, row by row in float64.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import diagonal_log_densities
    >>> out = np.empty((2, 1))
    >>> diagonal_log_densities(np.array([[0.0], [2.0]]), np.zeros((1, 1)), np.full((1, 1), 0.5), np.zeros(1), out)
    >>> out.tolist()
    [[0.0], [-0.5]]
    """
    n, d = x.shape
    K = log_const.shape[0]
    for i in range(n):
        for k in range(K):
            maha = 0.0
            for j in range(d):
                v = (x[i, j] - means[k, j]) * inv_sd[k, j]
                maha += v * v
            out[i, k] = log_const[k] - 0.5 * maha


@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH)
def diagonal_weighted_moments(x, means, reference, weights):
    """Moments of ``x_i - mu_k - b_k`` for given weights ``w_ik`` (n, K), in float64.

    Returns
    -------
    tuple
        ``(weight, first, second)``: ``sum_i w_ik`` (K,), ``sum_i w_ik (x_i -
        mu_k - b_k)`` and ``sum_i w_ik (x_i - mu_k - b_k)^2`` (K, d).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import diagonal_weighted_moments
    >>> weight, first, second = diagonal_weighted_moments(
    ...     np.array([[0.0], [2.0]]), np.zeros((1, 1)), np.zeros((1, 1)), np.array([[1.0], [3.0]])
    ... )
    >>> weight.tolist(), first.tolist(), second.tolist()
    ([4.0], [[6.0]], [[12.0]])
    """
    n, d = x.shape
    K = weights.shape[1]
    diff = np.empty(d)
    weight = np.zeros(K)
    first = np.zeros((K, d))
    second = np.zeros((K, d))
    for i in range(n):
        for k in range(K):
            w = weights[i, k]
            weight[k] += w
            for j in range(d):
                diff[j] = x[i, j] - means[k, j] - reference[k, j]
            _add_diagonal_moments(diff, w, first[k], second[k])
    return weight, first, second


class _Scratch(threading.local):
    """Buffers of one thread, by name, reused while they are large enough."""

    def __init__(self):
        self.buffers = {}

    def get(self, name: str, shape: tuple, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        size = math.prod(shape)
        key = (name, dtype)
        flat = self.buffers.get(key)
        if flat is None or flat.size < size:
            flat = np.empty(size, dtype=dtype)
            if flat.nbytes <= _KEPT_SCRATCH_BYTES:
                self.buffers[key] = flat
        return flat[:size].reshape(shape)


_SCRATCH = _Scratch()


def scratch(name: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array of ``shape``, reused by the calling thread for the same ``name``.

    The array stays valid until the same thread asks for ``name`` again.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian_kernels import scratch
    >>> a = scratch("example", (2, 3), np.float64)
    >>> b = scratch("example", (3, 2), np.float64)
    >>> a.shape, b.shape, np.shares_memory(a, b)
    ((2, 3), (3, 2), True)
    """
    return _SCRATCH.get(name, shape, dtype)

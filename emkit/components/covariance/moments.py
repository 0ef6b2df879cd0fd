"""Moment numerics of the covariance structures: weighted scatter, whitening, re-centred moments.

Everything here is plain numpy on a chunk of observations and its
per-component weights; the structures (:mod:`.full`, :mod:`.axis_aligned`)
call it for their E-step terms, and the kernel adapters (:mod:`.kernels`) for
the second pass of the compiled moments.

The statistics are computed with the shifted-data algorithm: moments about a
reference point near each component (its mean, or a shift ``s`` inside the
data), re-centred on the chunk's weighted means, ``S_k = second_k - n_k o_k
o_k^T`` with ``o_k = first_k / n_k``, and computed again about a nearer
reference where that subtraction would cancel (:func:`cancelling`). Raw second
moments about 0 are never formed, so a large common offset of the data loses
no digits.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: Re-centring a chunk's second moments on its mean subtracts ``n_k offset^2``;
#: where that leaves less than this fraction of a diagonal entry, the component
#: is centred exactly in a second pass. By the type of the chunk's products:
#: about three of sixteen digits may be lost in float64, one of seven in float32.
_CANCELLATION_LIMIT = {np.dtype(np.float64): 1e-3, np.dtype(np.float32): 5e-2}

#: Squared distance (in the component's own units) from the expansion point
#: beyond which a component's terms are computed from ``x - mu_k`` directly:
#: the expanded form's error is about eps times this, so at most ~1e-12 in
#: float64 and ~1e-5 in float32.
EXPANSION_LIMIT = {np.dtype(np.float64): 1e4, np.dtype(np.float32): 1e2}


def working_dtype(x: np.ndarray) -> np.dtype:
    """The type of a chunk's heavy products: float32 for float32 chunks, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import working_dtype
    >>> working_dtype(np.ones(2, dtype=np.float32)), working_dtype(np.ones(2, dtype=int))
    (dtype('float32'), dtype('float64'))
    """
    return np.dtype(np.float32 if x.dtype == np.float32 else np.float64)


def cancelling(weight: np.ndarray, offset: np.ndarray, second_diagonal: np.ndarray, dtype) -> np.ndarray:
    """Components whose re-centred second moments would cancel, for products in ``dtype``.

    Component k cancels when ``n_k o_kj^2`` removes all but a fraction
    (1e-3 in float64, 5e-2 in float32) of some diagonal entry ``second_kj``.

    Examples
    --------
    Two rows at 1000 and 1002 about the reference 0: the centred second
    moment (2) is a tiny remainder of the raw one (2000004).

    >>> import numpy as np
    >>> from emkit.components.covariance.moments import cancelling
    >>> weight, offset = np.array([2.0, 2.0]), np.array([[1001.0], [1.0]])
    >>> cancelling(weight, offset, np.array([[2000004.0], [4.0]]), np.float64).tolist()
    [0]
    """
    removed = weight[:, None] * np.square(offset)
    limit = _CANCELLATION_LIMIT[np.dtype(dtype)]
    return np.flatnonzero(np.any(removed > (1.0 - limit) * second_diagonal, axis=1))


def full_second_moments(diffs: np.ndarray, resp: np.ndarray) -> np.ndarray:
    """``sum_i r_ik y_ik y_ik^T`` for all k: (K, n, d), (K, n) -> (K, d, d).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import full_second_moments
    >>> diffs = np.array([[[1.0, 0.0], [1.0, 2.0]]])
    >>> full_second_moments(diffs, np.array([[1.0, 0.5]])).tolist()
    [[[1.5, 1.0], [1.0, 2.0]]]
    """
    return np.matmul((diffs * resp[:, :, None]).transpose(0, 2, 1), diffs)


def centred_moments(diffs: np.ndarray, resp: np.ndarray, second_moments: Callable):
    """Weights, mean offsets and centred second moments of differences (K, n, d).

    Shifted-data algorithm: moments about the current mean, re-centred on the
    chunk mean, and computed again from the re-centred differences where that
    would cancel. The products over the chunk run in the type of ``diffs``
    (float32 for a float32 chunk, with the responsibilities rounded to it);
    the weights and the returned moments are float64.

    Parameters
    ----------
    diffs : ndarray of shape (K, n, d)
        Differences of each row from each component's reference point.
    resp : ndarray of shape (K, n)
        Weights of each row for each component.
    second_moments : callable
        ``second_moments(diffs, resp)`` -> ``(K, d, d)`` (for instance
        :func:`full_second_moments`).

    Returns
    -------
    weight : ndarray (K,)
    offset : ndarray (K, d)
        Weighted means of ``diffs``.
    centred : ndarray (K, d, d)
        Weighted scatter about them.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import centred_moments, full_second_moments
    >>> diffs = np.array([[[1000.0], [1002.0]]])
    >>> weight, offset, centred = centred_moments(diffs, np.ones((1, 2)), full_second_moments)
    >>> weight.tolist(), offset.tolist(), centred.tolist()
    ([2.0], [[1001.0]], [[[2.0]]])
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
        Components whose subtraction cancelled (see :func:`cancelling`, for
        products computed in ``dtype``): their centred moments must be
        computed again about a reference point nearer ``o_k``.
    """
    safe = np.where(weight > 0, weight, 1.0)
    offset = first / safe[:, None]
    full = second.ndim == 3
    diagonal = np.diagonal(second, axis1=1, axis2=2) if full else second
    far = cancelling(weight, offset, diagonal, dtype)
    if full:
        centred = second - np.einsum("k,ki,kj->kij", weight, offset, offset)
    else:
        centred = second - weight[:, None] * np.square(offset)
    return offset, centred, far


def two_pass_moments(moments: Callable, dtype, n_components: int, n_features: int) -> tuple:
    """A chunk's totals and centred moments, with a second pass where the first cancels.

    ``moments(reference)`` returns ``(log_likelihood, class_log_likelihood,
    count, dof_stat, weight, first, second)`` with the moments about the
    reference points ``reference`` (K, d). The first pass takes them about
    0; the components whose re-centring cancels are taken again about their
    first-pass offsets.

    Returns
    -------
    tuple
        ``(log_likelihood, class_log_likelihood, count, dof_stat, weight,
        offset, scatter)``, the fields of
        :class:`~emkit.components.covariance.kernels.FusedChunk`, with the
        offsets and scatter in the units of ``moments``.

    Examples
    --------
    Moments of the rows 1e4 and 1e4 + 2 (weights 1): the first pass about 0
    cancels, the second, about 1e4 + 1, does not.

    >>> import numpy as np
    >>> from emkit.components.covariance.moments import two_pass_moments
    >>> x = np.array([1e4, 1e4 + 2])
    >>> def moments(reference):
    ...     z = x - reference[0, 0]
    ...     return 0.0, 0.0, np.array([2.0]), np.zeros(1), np.array([2.0]), np.array([[z.sum()]]), np.array([[z @ z]])
    >>> *_, weight, offset, scatter = two_pass_moments(moments, np.float64, 1, 1)
    >>> weight.tolist(), offset.tolist(), scatter.tolist()
    ([2.0], [[10001.0]], [[2.0]])
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
    return (*totals, weight, offset, centred)


# -- full covariance matrices --------------------------------------------------------


def full_scatter(x: np.ndarray, resp: np.ndarray, means: np.ndarray) -> np.ndarray:
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
    >>> from emkit.components.covariance.moments import full_scatter
    >>> x = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0]])
    >>> resp = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> full_scatter(x, resp, np.array([[1.0, 1.0], [3.0, 1.0]])).tolist()
    [[[2.0, 2.0], [2.0, 2.0]], [[2.0, -2.0], [-2.0, 2.0]]]
    """
    K, d = means.shape
    out = np.empty((K, d, d))
    for k in range(K):
        centred = x - means[k]
        out[k] = (centred * resp[:, k, None]).T @ centred
    return out


def affine_whitening(means: np.ndarray, precision_cholesky: np.ndarray):
    """The factors that whiten a chunk for every component in one product each.

    ``y_ik = (x_i - mu_k) U_k = [x_i - s, 1] [U_k; -(mu_k - s) U_k]``: one
    product per component whose bias row folds the centring into the matrix
    multiplication. The shift ``s`` (the mean of the means), a point inside
    the data, keeps the product from rounding at the scale of a large common
    offset.

    Parameters
    ----------
    means : ndarray of shape (K, d)
    precision_cholesky : ndarray of shape (K, d, d)
        ``U_k`` with ``Sigma_k^{-1} = U_k U_k^T``.

    Returns
    -------
    shift : ndarray (d,)
        ``s``.
    affine : ndarray (K, d + 1, d)
        ``[U_k; -(mu_k - s) U_k]``.
    distance : ndarray (K,)
        ``|(mu_k - s) U_k|^2``, the squared distance of each component from
        ``s`` in its own units: where it exceeds :data:`EXPANSION_LIMIT` the
        component is whitened directly, ``(x - mu_k) U_k``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import affine_whitening
    >>> shift, affine, distance = affine_whitening(np.array([[0.0], [4.0]]), np.array([[[1.0]], [[0.5]]]))
    >>> shift.tolist(), affine.tolist(), distance.tolist()
    ([2.0], [[[1.0], [2.0]], [[0.5], [-1.0]]], [4.0, 1.0])
    """
    d = means.shape[1]
    shift = means.mean(axis=0)
    affine = np.empty((len(means), d + 1, d))
    affine[:, :d] = precision_cholesky
    affine[:, d] = -np.einsum("kd,kde->ke", means - shift, precision_cholesky)
    return shift, affine, np.einsum("kd,kd->k", affine[:, d], affine[:, d])


def whiten(x: np.ndarray, means: np.ndarray, precision_cholesky: np.ndarray) -> np.ndarray:
    """The whitened differences ``y_ik = (x_i - mu_k) U_k``, shape (K, n, d).

    By the products of :func:`affine_whitening`; the shift is subtracted in
    float64 and the products run in the chunk's working type (float32 for a
    float32 chunk, factors rounded to it).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import whiten
    >>> whiten(np.array([[0.0], [2.0]]), np.array([[1.0]]), np.array([[[0.5]]])).tolist()
    [[[-0.5], [0.5]]]
    """
    n, d = x.shape
    dtype = working_dtype(x)
    shift, affine, distance = affine_whitening(means, precision_cholesky)
    augmented = np.empty((n, d + 1), dtype=dtype)
    np.subtract(x, shift, out=augmented[:, :d])
    augmented[:, d] = 1.0
    whitened = np.matmul(augmented, affine.astype(dtype, copy=False))
    far = distance > EXPANSION_LIMIT[dtype]
    if far.any():
        centred = np.empty((n, d), dtype=dtype)
        precision = precision_cholesky.astype(dtype, copy=False)
        for k in np.flatnonzero(far):
            np.matmul(np.subtract(x, means[k], out=centred), precision[k], out=whitened[k])
    return whitened


def full_chunk_terms(x: np.ndarray, means: np.ndarray, cholesky: np.ndarray, precision_cholesky: np.ndarray):
    """Mahalanobis terms (K, n) of a chunk and ``centred(resp)`` for its statistics, full covariances.

    The differences are whitened once (:func:`whiten`); the Mahalanobis terms
    are ``|y_ik|^2`` and the statistics come from the same ``y``: with
    ``z = x - mu = y L^T``, ``sum r z = L sum r y`` and ``sum r z z^T = L (sum
    r y y^T) L^T``, re-centred on the chunk mean (:func:`centred_moments`).
    See :meth:`~emkit.components.covariance.CovarianceStructure.chunk_terms`.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import full_chunk_terms
    >>> chol = np.array([[[2.0, 0.0], [0.0, 1.0]]])
    >>> x = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 5.0]])
    >>> maha, centred = full_chunk_terms(x, np.array([[1.0, 1.0]]), chol, np.linalg.inv(chol).transpose(0, 2, 1))
    >>> maha.round(12).tolist()
    [[1.25, 0.25, 18.25]]
    >>> [part.round(12).tolist() for part in centred(np.ones((1, 3)))]
    [[3.0], [[1.0, 1.0]], [[[8.0, 10.0], [10.0, 14.0]]]]
    """
    whitened = whiten(x, means, precision_cholesky)
    maha = np.einsum("knd,knd->kn", whitened, whitened).astype(np.float64, copy=False)

    def centred(resp):
        weight, offset_y, second = centred_moments(whitened, resp, full_second_moments)
        offset = np.einsum("kij,kj->ki", cholesky, offset_y)
        return weight, offset, cholesky @ second @ cholesky.transpose(0, 2, 1)

    return maha, centred


# -- axis-aligned (diagonal, spherical) covariances ---------------------------------------


def diagonal_scatter(x: np.ndarray, resp: np.ndarray, means: np.ndarray) -> np.ndarray:
    """The diagonal of the weighted scatter, ``sum_i r_ik (x_ij - means_kj)^2``, shape (K, d).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import diagonal_scatter
    >>> x = np.array([[0.0, 0.0], [2.0, 4.0]])
    >>> diagonal_scatter(x, np.ones((2, 1)), np.array([[1.0, 2.0]])).tolist()
    [[2.0, 8.0]]
    """
    out = np.empty(means.shape)
    for k in range(len(means)):
        out[k] = resp[:, k] @ np.square(x - means[k])
    return out


def axis_aligned_chunk_terms(x: np.ndarray, means: np.ndarray, variances: np.ndarray):
    """Mahalanobis terms (K, n) of a chunk and ``centred(resp)`` for its statistics, diagonal covariances.

    Expanded about a shift ``s`` inside the data (``u = x - s``, ``a_k = mu_k
    - s``, ``p_k = 1 / sigma_k^2``): ``maha = p_k . u^2 - 2 (a_k p_k) . u +
    p_k . a_k^2``, three matrix products instead of an (n, K, d) difference;
    the statistics are products of the responsibilities with ``u`` and
    ``u^2``. The expansion loses about ``eps |a_k|^2_p`` near component k, and
    ``u`` keeps x only to ``eps |x - s|``, so components far from ``s`` in
    their own units are computed directly from x. In float32 that loss would
    be too large for most separated components: float32 chunks take each
    component's own differences instead (see the source of
    ``_float32_axis_aligned_terms``). See
    :meth:`~emkit.components.covariance.CovarianceStructure.chunk_terms`.

    Parameters
    ----------
    x : ndarray of shape (n, d)
    means : ndarray of shape (K, d)
    variances : ndarray broadcastable to (K, d)

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.covariance.moments import axis_aligned_chunk_terms
    >>> x = np.array([[0.0, 0.0], [2.0, 4.0]])
    >>> maha, centred = axis_aligned_chunk_terms(x, np.array([[1.0, 2.0]]), np.array([[1.0, 4.0]]))
    >>> maha.tolist()
    [[2.0, 2.0]]
    >>> [part.tolist() for part in centred(np.array([[1.0, 3.0]]))]
    [[4.0], [[0.5, 1.0]], [[3.0, 12.0]]]
    """
    if working_dtype(x) == np.float32:
        return _float32_axis_aligned_terms(x, means, variances)
    shift = means.mean(axis=0)
    u = x - shift
    u2 = np.square(u)
    precision = np.broadcast_to(1.0 / variances, means.shape)
    a = means - shift
    offset2 = np.einsum("kd,kd->k", a * a, precision)
    direct = np.flatnonzero(offset2 > EXPANSION_LIMIT[np.dtype(np.float64)])
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
        for k in np.union1d(direct, cancelling(weight, mean_u, second, np.float64)):
            mean = (resp[k] @ x) / safe[k]
            scatter[k] = resp[k] @ np.square(x - mean)
            offset[k] = mean - means[k]
        return weight, offset, scatter

    return maha, centred


def _float32_axis_aligned_terms(x: np.ndarray, means: np.ndarray, variances: np.ndarray):
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
    precision = np.broadcast_to(1.0 / variances, means.shape)
    a = (means - shift).astype(np.float32)
    far = np.einsum("kd,kd->k", np.square(means - shift), precision) > EXPANSION_LIMIT[np.dtype(np.float32)]
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
        for k in cancelling(weight, offset, second, np.float32):
            np.subtract(x.T, (centre[k] + offset[k])[:, None], out=z)
            scatter[k] = np.square(z, out=z) @ r[k]
        return weight, centre + offset - means, scatter

    return maha.astype(np.float64), centred

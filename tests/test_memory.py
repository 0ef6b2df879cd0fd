"""A whole fit (initialisation, restarts, EM passes) holds a bounded working set, not n x K x d."""

import tracemalloc

import numpy as np
import pytest

import emkit as em


def fit_peak_bytes(x, covariance, K, init):
    """Peak bytes traced while fitting, beyond the data already held."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        em.GaussianMixture(K, covariance=covariance).fit(x, max_iter=2, tol=0, random_state=0, init=init)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


@pytest.mark.parametrize("covariance, init", [("VVV", "kmeans++"), ("VVI", "random"), ("EEE", "random_from_data")])
def test_fit_memory_does_not_grow_with_n(covariance, init):
    d, K = 8, 8
    rng = np.random.default_rng(0)
    peaks = {}
    for n in (100_000, 400_000):
        x = rng.normal(size=(n, d)) + rng.integers(0, 4, size=(n, 1)) * 3.0
        peaks[n] = fit_peak_bytes(x, covariance, K, init)
    n = 400_000
    # An n x K x d array of float64 would be 205 MB here, an n x K array 26 MB;
    # the chunked passes hold a few cache-sized chunks per thread whatever n is.
    assert peaks[n] < n * K * 8 / 2
    # Growth with n: at most 12 bytes per added row (the observation index is
    # 8), where an n x d or n x K float64 array would add 64.
    assert peaks[n] - peaks[100_000] < 12 * (n - 100_000) + 1e6

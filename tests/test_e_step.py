"""The fused E-step: its statistics equal the direct ones, and its memory is bounded."""

import tracemalloc

import numpy as np
import pytest

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData
from emkit.em.driver import e_step
from emkit.models.mixture import FiniteMixture


def fitted_family(covariance, rng, n=300, d=3, K=4, offset=0.0):
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + offset
    resp = rng.dirichlet(np.ones(K), size=n)
    mixture = FiniteMixture([Gaussian(covariance, n_components=K)]).fit_responsibilities(x, resp)
    return mixture, x


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_fused_statistics_equal_direct_statistics(covariance, offset):
    rng = np.random.default_rng(1)
    mixture, x = fitted_family(covariance, rng, offset=offset)
    family = mixture.families[0]
    resp = rng.dirichlet(np.ones(family.n_components), size=len(x))
    fused = family.evaluate(x).stats(resp)
    direct = family.stats(x, resp)
    np.testing.assert_allclose(fused.weight, direct.weight, rtol=1e-12)
    np.testing.assert_allclose(fused.mean, direct.mean, rtol=1e-12, atol=1e-12 * (1 + offset))
    scale = np.abs(direct.scatter).max()
    np.testing.assert_allclose(fused.scatter, direct.scatter, rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
def test_fused_log_prob_matches_log_joint(covariance):
    rng = np.random.default_rng(2)
    mixture, x = fitted_family(covariance, rng)
    stats = mixture.e_step(x)
    expected = np.log(np.exp(mixture.log_joint(x)).sum(axis=1)).sum()
    assert stats.log_likelihood == pytest.approx(expected, rel=1e-12)


def test_e_step_memory_is_bounded_by_the_chunk():
    # n x K x d float64 would be 60 MB here; one chunk's working set is far below.
    rng = np.random.default_rng(3)
    n, d, K, chunk = 50_000, 16, 10, 1_000
    mixture, x = fitted_family("full", rng, n=n, d=d, K=K)
    data = ChunkedData(x, None, chunk)
    e_step(mixture, data)  # warm caches (precision factors)
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    e_step(mixture, data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    full_size = n * K * d * 8
    assert peak - before < full_size / 20
    assert peak - before < 8 * chunk * K * d * 8


def test_n_iter_counts_m_steps_and_tol_zero_runs_max_iter():
    X = em.datasets.load("faithful")
    fit = em.GaussianMixture(2).fit(X, tol=0, max_iter=7, random_state=0)
    assert fit.n_iter == 7
    assert fit.trace.log_likelihood.sel(restart=0).count() == 8
    assert not fit.converged
    # the reported log-likelihood is the one of the returned parameters
    assert fit.score_samples(X).sum().item() == pytest.approx(fit.log_likelihood, rel=1e-12)

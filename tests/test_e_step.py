"""The fused E-step: its statistics equal the direct ones, and its memory is bounded."""

import tracemalloc

import numpy as np
import pytest

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData
from emkit.em.driver import e_step
from emkit.latent.mixture import FiniteMixture


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


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
@pytest.mark.parametrize("separation", [1e2, 1e6])
@pytest.mark.parametrize("offset", [0.0, 1e8])
def test_log_prob_accurate_for_tight_distant_clusters(covariance, separation, offset):
    # Spreads 1e-2 and 1; clusters up to 1e8 spreads apart, on top of a large offset.
    from scipy import stats

    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(size=(200, 3)) * 1e-2, rng.normal(size=(200, 3)) + separation]) + offset
    resp = np.eye(2)[np.repeat([0, 1], 200)]
    family = FiniteMixture([Gaussian(covariance, n_components=2)]).fit_responsibilities(x, resp).families[0]
    covs = family.covariance_matrices()
    expected = np.stack(
        [stats.multivariate_normal(family.means[k], covs[k]).logpdf(x) for k in range(2)], axis=1
    )
    own = resp.astype(bool)  # each point under its own component, where precision matters most
    np.testing.assert_allclose(family.log_prob(x)[own], expected[own], rtol=0, atol=1e-8)


def test_threads_over_chunks_give_identical_statistics():
    rng = np.random.default_rng(5)
    mixture, x = fitted_family("full", rng, n=5_000, d=4, K=3)
    w = rng.uniform(0.5, 2.0, size=len(x))
    serial = e_step(mixture, ChunkedData(x, w, 300, n_workers=1))
    threaded = e_step(mixture, ChunkedData(x, w, 300, n_workers=2))
    assert serial.log_likelihood == threaded.log_likelihood
    np.testing.assert_array_equal(serial.component_weight, threaded.component_weight)
    np.testing.assert_array_equal(serial.family_stats[0].scatter, threaded.family_stats[0].scatter)


@pytest.mark.parametrize("covariance", ["VVV", "VVI"])
def test_default_chunks_fit_the_working_set(covariance):
    from emkit.em.chunks import auto_chunk_size

    mixture, _ = fitted_family(covariance, np.random.default_rng(6), n=50, d=16, K=8)
    rows = auto_chunk_size(mixture.working_floats_per_row(16))
    assert 256 <= rows and rows * mixture.working_floats_per_row(16) <= (1 << 19)

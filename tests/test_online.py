"""Stepwise (online) EM and partial_fit."""

import numpy as np
import pytest

import emkit as em


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 60_000
    x = np.concatenate([rng.normal(0, 1, (n // 2, 2)), rng.normal(4, 1.5, (n // 2, 2))])
    return x[rng.permutation(n)]


def test_online_reaches_the_batch_optimum(data):
    batch = em.GaussianMixture(2).fit(data, random_state=0)
    online = em.GaussianMixture(2).fit_online(lambda: np.array_split(data, 60), passes=3, random_state=0)
    # exact log-likelihood of the final parameters (evaluate=True): within 0.01% of batch EM
    assert online.log_likelihood <= batch.log_likelihood + 1e-9 * abs(batch.log_likelihood)
    assert (batch.log_likelihood - online.log_likelihood) / abs(batch.log_likelihood) < 1e-4
    order = np.argsort(online.params.means.values[:, 0])
    ref = np.argsort(batch.params.means.values[:, 0])
    np.testing.assert_allclose(online.params.means.values[order], batch.params.means.values[ref], atol=0.02)
    assert online.n_obs == len(data)
    assert online.trace.log_likelihood.sizes["iteration"] == 180 and not online.converged


def test_evaluate_false_gives_a_close_approximation(data):
    exact = em.GaussianMixture(2).fit_online(lambda: np.array_split(data, 30), passes=2, random_state=1)
    approx = em.GaussianMixture(2).fit_online(lambda: np.array_split(data, 30), passes=2, random_state=1, evaluate=False)
    assert approx.params.identical(exact.params)
    assert abs(approx.log_likelihood - exact.log_likelihood) / abs(exact.log_likelihood) < 1e-2


def test_a_plain_iterator_is_one_pass(data):
    fit = em.GaussianMixture(2).fit_online(iter(np.array_split(data, 10)), random_state=0)
    assert fit.trace.log_likelihood.sizes["iteration"] == 10
    with pytest.raises(ValueError, match="passes > 1 needs chunks to be a callable"):
        em.GaussianMixture(2).fit_online(iter(np.array_split(data, 10)), passes=2)


def test_partial_fit_follows_new_data_and_leaves_the_old_result(data):
    fit = em.GaussianMixture(1).fit_online(lambda: np.array_split(data[:, :1], 10), random_state=0)
    before = fit.params.means.item()
    shifted = data[:5000, :1] + 10.0
    newer = fit.partial_fit(shifted)
    assert newer.params.means.item() > before + 0.1
    assert fit.params.means.item() == before
    assert newer.online_state.n_steps == fit.online_state.n_steps + 1
    assert newer.n_obs == fit.online_state.n_seen + 5000
    with pytest.raises(ValueError, match="fit_online first"):
        em.GaussianMixture(1).fit(data[:, :1]).partial_fit(shifted)


def test_other_families_run_online():
    rng = np.random.default_rng(1)
    counts = np.concatenate([rng.poisson(2, (5000, 3)), rng.poisson(12, (5000, 3))]).astype(float)[rng.permutation(10000)]
    fit = em.Mixture(em.Poisson(), 2).fit_online(lambda: np.array_split(counts, 20), passes=2, random_state=0)
    assert sorted(fit.params.rate.values[:, 0].round().tolist()) == [2.0, 12.0]


def test_bad_arguments(data):
    model = em.GaussianMixture(2)
    with pytest.raises(ValueError, match="0.5 < alpha <= 1"):
        model.fit_online([data], alpha=0.4)
    with pytest.raises(ValueError, match="no mini-batch"):
        model.fit_online([])
    with pytest.raises(ValueError, match="a mini-batch has 1 features; the model was fitted to 2"):
        model.fit_online([data[:100], data[:100, :1]], random_state=0)
    with pytest.raises(ValueError, match="passes must be a positive integer"):
        model.fit_online([data], passes=0)
    with pytest.raises(ValueError, match="n_init must be a positive integer"):
        model.fit_online([data], n_init=0)
    import scipy.stats

    with pytest.raises(TypeError, match="numeric M-step"):
        em.Mixture(em.from_scipy(scipy.stats.gamma, fixed={"loc": 0.0})).fit_online([np.abs(data[:500, :1]) + 0.1])

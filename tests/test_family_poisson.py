"""Poisson family: the conformance checks of DESIGN.md."""

import numpy as np
import pytest
from scipy import stats

import emkit as em
from conformance import (
    aligned,
    check_chunk_additivity,
    check_integer_weights,
    check_log_prob,
    check_m_step_maximises_q,
    check_monotone,
    check_round_trip,
    check_sample_shape,
    fitted,
    params_dataset,
)

RATES = np.array([[1.5, 8.0], [12.0, 0.5], [30.0, 20.0]])
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    return rng.poisson(RATES[labels]).astype(float)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(3), size=len(x))
    return x, resp, rng


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted(em.Poisson(), x, resp)
    rate = family.params["rate"]
    check_log_prob(family, x, lambda x, k: stats.poisson(rate[k]).logpmf(x).sum(axis=1))


def test_zero_rate_keeps_log_prob_finite():
    x = np.array([[0.0, 1.0], [0.0, 3.0]])
    family = fitted(em.Poisson(), x, np.ones((2, 1)))
    assert family.params["rate"][0, 0] == 0.0
    assert np.all(np.isfinite(family.log_prob(np.array([[0.0, 2.0], [1.0, 2.0]]))))


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(em.Poisson(), x, resp)


def test_m_step_is_the_weighted_mean_and_maximises_q(data):
    x, resp, rng = data

    def closed_form(x, resp):
        return {"rate": (resp.T @ x) / resp.sum(axis=0)[:, None]}

    def perturb(params, rng):
        return {"rate": params["rate"] * np.exp(rng.normal(scale=0.05, size=params["rate"].shape))}

    check_m_step_maximises_q(em.Poisson(), x, resp, perturb, rng, closed_form=closed_form)


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = params_dataset(WEIGHTS, rate=RATES)
    check_integer_weights(em.Mixture(em.Poisson(), 3), x, w, init)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.Poisson(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x = simulate(30_000, rng)
    fit = em.Mixture(em.Poisson(), 3).fit(x, n_init=3, random_state=0)
    order = aligned(fit.params.rate.values, RATES)
    rate = fit.params.rate.values[order]
    weights = fit.params.weights.values[order]
    n_k = WEIGHTS * len(x)
    assert np.all(np.abs(rate - RATES) <= 5 * np.sqrt(RATES / n_k[:, None])), rate
    np.testing.assert_allclose(weights, WEIGHTS, atol=0.02)
    assert fit.n_params == 3 * 2 + 2


def test_round_trip_and_sampling(data):
    x, _, _ = data
    fit = em.Mixture(em.Poisson(), 3).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(20_000, random_state=2)
    assert np.all(draws.values >= 0) and np.all(draws.values == np.round(draws.values))


@pytest.mark.parametrize("bad", [[[-1.0, 2.0]], [[0.5, 2.0]]])
def test_counts_outside_support_are_rejected(bad):
    x = np.concatenate([np.ones((5, 2)), bad])
    with pytest.raises(ValueError, match="non-negative integer counts"):
        em.Mixture(em.Poisson(), 2).fit(x)

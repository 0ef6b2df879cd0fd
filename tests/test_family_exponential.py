"""Exponential family: the conformance checks of DESIGN.md."""

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

RATES = np.array([[0.2, 5.0], [5.0, 0.2], [1.0, 1.0]])
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    return rng.exponential(1.0 / RATES[labels])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(3), size=len(x))
    return x, resp, rng


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted(em.Exponential(), x, resp)
    rate = family.params["rate"]
    check_log_prob(family, x, lambda x, k: stats.expon(scale=1 / rate[k]).logpdf(x).sum(axis=1))


def test_zeros_are_in_the_support():
    x = np.array([[0.0], [2.0]])
    em.Exponential().check_data(x)
    family = fitted(em.Exponential(), x, np.ones((2, 1)))
    np.testing.assert_allclose(family.params["rate"], [[1.0]])
    np.testing.assert_allclose(family.log_prob(x)[:, 0], stats.expon.logpdf(x[:, 0]))


def test_a_component_on_zeros_only_is_reported():
    x = np.array([[0.0, 1.0], [0.0, 2.0], [3.0, 1.0]])
    resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(em.DegenerateComponentError, match="component 0 .* feature 0"):
        fitted(em.Exponential(), x, resp)


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(em.Exponential(), x, resp)


def test_m_step_is_the_reciprocal_weighted_mean_and_maximises_q(data):
    x, resp, rng = data

    def closed_form(x, resp):
        return {"rate": resp.sum(axis=0)[:, None] / (resp.T @ x)}

    def perturb(params, rng):
        return {"rate": params["rate"] * np.exp(rng.normal(scale=0.05, size=params["rate"].shape))}

    check_m_step_maximises_q(em.Exponential(), x, resp, perturb, rng, closed_form=closed_form)


def test_unweighted_m_step_matches_scipy_fit():
    x = np.random.default_rng(5).exponential(3.0, size=(200, 1))
    family = fitted(em.Exponential(), x, np.ones((200, 1)))
    _, scale = stats.expon.fit(x[:, 0], floc=0)
    np.testing.assert_allclose(family.params["rate"][0, 0], 1 / scale, rtol=1e-12)


def test_empty_component_keeps_its_parameters(data):
    x, resp, _ = data
    family = fitted(em.Exponential(), x, resp)
    resp = resp.copy()
    resp[:, 2] = 0.0
    again = family.m_step(family.stats(x, resp))
    np.testing.assert_array_equal(again.params["rate"][2], family.params["rate"][2])


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = params_dataset(WEIGHTS, rate=RATES)
    check_integer_weights(em.Mixture(em.Exponential(), 3), x, w, init)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.Exponential(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x = simulate(30_000, rng)
    fit = em.Mixture(em.Exponential(), 3).fit(x, n_init=3, random_state=0)
    order = aligned(np.log(fit.params.rate.values), np.log(RATES))
    rate = fit.params.rate.values[order]
    weights = fit.params.weights.values[order]
    n_k = WEIGHTS * len(x)
    # Standard error of an exponential rate with known labels: rate / sqrt(n_k); latent
    # labels of overlapping exponentials inflate it, so allow 6 of them.
    assert np.all(np.abs(rate - RATES) <= 6 * RATES / np.sqrt(n_k[:, None])), rate
    np.testing.assert_allclose(weights, WEIGHTS, atol=0.03)
    assert fit.n_params == 3 * 2 + 2


def test_round_trip_and_sampling(data):
    x, _, _ = data
    fit = em.Mixture(em.Exponential(), 3).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(20_000, random_state=2)
    assert np.all(draws.values >= 0)
    rate = fit.params.rate.values
    for k in range(3):
        rows = draws.values[draws.component.values == k]
        mean = 1 / rate[k]
        assert np.all(np.abs(rows.mean(axis=0) - mean) <= 5 * mean / np.sqrt(len(rows)))


@pytest.mark.parametrize("bad", [-1.0, -1e-300])
def test_negative_values_are_rejected(bad):
    x = np.concatenate([np.ones((5, 2)), [[1.0, bad]]])
    with pytest.raises(ValueError, match="non-negative data.*row 5"):
        em.Mixture(em.Exponential(), 2).fit(x)


def test_nan_is_rejected():
    x = np.array([[1.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        em.Mixture(em.Exponential(), 1).fit(x)
    with pytest.raises(ValueError, match="non-negative data.*row 1"):
        em.Exponential().check_data(x)

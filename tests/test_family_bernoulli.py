"""Bernoulli family (latent class analysis): the conformance checks of DESIGN.md."""

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

PROBS = np.array(
    [
        [0.9, 0.8, 0.9, 0.1, 0.2, 0.5],
        [0.1, 0.2, 0.8, 0.9, 0.7, 0.1],
        [0.2, 0.9, 0.1, 0.2, 0.8, 0.9],
    ]
)
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    return (rng.random((n, PROBS.shape[1])) < PROBS[labels]).astype(float)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(3), size=len(x))
    return x, resp, rng


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted(em.Bernoulli(), x, resp)
    prob = family.params["prob"]
    check_log_prob(family, x, lambda x, k: stats.bernoulli(prob[k]).logpmf(x).sum(axis=1))


def test_probabilities_zero_and_one_keep_log_prob_finite_where_possible():
    # Feature 0 is always 0 and feature 1 always 1: the estimates are exactly 0 and 1.
    x = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    family = fitted(em.Bernoulli(), x, np.ones((2, 1)))
    np.testing.assert_array_equal(family.params["prob"], [[0.0, 1.0, 0.5]])
    query = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    got = family.log_prob(query)[:, 0]
    expected = stats.bernoulli(family.params["prob"][0]).logpmf(query).sum(axis=1)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-14)  # exact where the data are possible
    # Where scipy says impossible (-inf), log 0 is floored at log(5e-324) per offending feature.
    assert np.all(np.isneginf(expected[1:]))
    log_floor = np.log(np.nextafter(0.0, 1.0))
    np.testing.assert_allclose(got[1:], [log_floor + np.log(0.5), log_floor + np.log(0.5), 2 * log_floor + np.log(0.5)])


def test_new_data_with_an_unseen_value_still_get_predictions():
    rng = np.random.default_rng(2)
    x = simulate(300, rng)
    x[:, 0] = 0.0
    fit = em.Mixture(em.Bernoulli(), 3).fit(x, random_state=0)
    new = x[:5].copy()
    new[:, 0] = 1.0  # no component has seen a 1 in feature 0
    proba = fit.predict_proba(new).values
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba, fit.predict_proba(x[:5]).values, rtol=1e-9)


def test_a_constant_feature_does_not_break_a_fit():
    rng = np.random.default_rng(3)
    x = simulate(500, rng)
    x[:, 0] = 0.0
    fit = em.Mixture(em.Bernoulli(), 3).fit(x, random_state=0)
    assert np.all(fit.params.prob.values[:, 0] == 0.0)
    assert np.isfinite(fit.log_likelihood)


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(em.Bernoulli(), x, resp)


def test_m_step_is_the_weighted_proportion_and_maximises_q(data):
    x, resp, rng = data

    def closed_form(x, resp):
        return {"prob": (resp.T @ x) / resp.sum(axis=0)[:, None]}

    def perturb(params, rng):
        logit = np.log(params["prob"] / (1 - params["prob"]))
        return {"prob": 1 / (1 + np.exp(-(logit + rng.normal(scale=0.05, size=logit.shape))))}

    check_m_step_maximises_q(em.Bernoulli(), x, resp, perturb, rng, closed_form=closed_form)


def test_empty_component_keeps_its_parameters(data):
    x, resp, _ = data
    family = fitted(em.Bernoulli(), x, resp)
    resp = resp.copy()
    resp[:, 1] = 0.0
    again = family.m_step(family.stats(x, resp))
    np.testing.assert_array_equal(again.params["prob"][1], family.params["prob"][1])


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = params_dataset(WEIGHTS, prob=PROBS)
    check_integer_weights(em.Mixture(em.Bernoulli(), 3), x, w, init)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.Bernoulli(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x = simulate(20_000, rng)
    fit = em.Mixture(em.Bernoulli(), 3).fit(x, n_init=3, random_state=0)
    order = aligned(fit.params.prob.values, PROBS)
    prob = fit.params.prob.values[order]
    weights = fit.params.weights.values[order]
    n_k = WEIGHTS * len(x)
    # 5 standard errors of a proportion with known labels (latent labels inflate it a little).
    assert np.all(np.abs(prob - PROBS) <= 5 * np.sqrt(PROBS * (1 - PROBS) / n_k[:, None])), prob
    np.testing.assert_allclose(weights, WEIGHTS, atol=0.02)
    assert fit.n_params == 3 * 6 + 2


def test_round_trip_and_sampling(data):
    x, _, _ = data
    fit = em.Mixture(em.Bernoulli(), 3).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(20_000, random_state=2)
    assert set(np.unique(draws.values)) <= {0.0, 1.0}
    prob = fit.params.prob.values
    for k in range(3):
        rows = draws.values[draws.component.values == k]
        se = np.sqrt(prob[k] * (1 - prob[k]) / len(rows))
        assert np.all(np.abs(rows.mean(axis=0) - prob[k]) <= 5 * se + 1e-12)


@pytest.mark.parametrize("bad", [[[0.5, 1.0]], [[2.0, 0.0]], [[-1.0, 0.0]]])
def test_non_binary_values_are_rejected(bad):
    x = np.concatenate([np.eye(2)[[0, 1, 0, 1, 1]], bad])
    with pytest.raises(ValueError, match="binary data.*row 5"):
        em.Mixture(em.Bernoulli(), 2).fit(x)


def test_nan_is_rejected():
    x = np.array([[0.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        em.Mixture(em.Bernoulli(), 1).fit(x)
    with pytest.raises(ValueError, match="binary data.*row 1"):
        em.Bernoulli().check_data(x)

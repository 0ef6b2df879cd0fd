"""Gamma family: the conformance checks of DESIGN.md, with a numerically verified M-step."""

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import digamma, polygamma

import emkit as em
from emkit.components.gamma import gamma_shape
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

SHAPES = np.array([[2.0, 30.0], [30.0, 3.0], [8.0, 8.0]])
RATES = np.array([[1.0, 3.0], [3.0, 0.3], [4.0, 0.4]])
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    return rng.gamma(SHAPES[labels], 1.0 / RATES[labels])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(3), size=len(x))
    return x, resp, rng


def weighted_q(log_params, w, x):
    """-sum_i w_i log Gamma(x_i | a, b), with (a, b) = exp(log_params), written out independently."""
    a, b = np.exp(log_params)
    return -np.sum(w * stats.gamma(a, scale=1 / b).logpdf(x))


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted(em.Gamma(), x, resp)
    a, b = family.params["shape"], family.params["rate"]
    check_log_prob(family, x, lambda x, k: stats.gamma(a[k], scale=1 / b[k]).logpdf(x).sum(axis=1))


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(em.Gamma(), x, resp)


def test_m_step_maximises_the_weighted_q_found_by_scipy_optimize(data):
    x, resp, _ = data
    family = fitted(em.Gamma(), x, resp)
    for k in range(3):
        for j in range(2):
            start = np.log([1.0, 1.0 / np.average(x[:, j], weights=resp[:, k])])
            res = optimize.minimize(weighted_q, start, args=(resp[:, k], x[:, j]), method="BFGS", tol=1e-12)
            got = np.log([family.params["shape"][k, j], family.params["rate"][k, j]])
            np.testing.assert_allclose(got, res.x, atol=1e-6)
            assert weighted_q(got, resp[:, k], x[:, j]) <= res.fun + 1e-10 * abs(res.fun)


def test_m_step_solves_the_stationarity_equations_and_beats_perturbations(data):
    x, resp, rng = data
    family = fitted(em.Gamma(), x, resp)
    a, b = family.params["shape"], family.params["rate"]
    n = resp.sum(axis=0)[:, None]
    mean = resp.T @ x / n
    mean_log = resp.T @ np.log(x) / n
    # dQ/db = 0 and dQ/da = 0, from the definition of Q.
    np.testing.assert_allclose(b, a / mean, rtol=1e-13)
    np.testing.assert_allclose(np.log(a) - digamma(a), np.log(mean) - mean_log, rtol=1e-11)

    def perturb(params, rng):
        return {name: value * np.exp(rng.normal(scale=0.02, size=value.shape)) for name, value in params.items()}

    check_m_step_maximises_q(em.Gamma(), x, resp, perturb, rng)


def test_unweighted_m_step_matches_scipy_fit():
    x = np.random.default_rng(5).gamma(3.0, 2.0, size=(300, 1))
    family = fitted(em.Gamma(), x, np.ones((300, 1)))
    shape, _, scale = stats.gamma.fit(x[:, 0], floc=0)
    np.testing.assert_allclose(family.params["shape"][0, 0], shape, rtol=1e-6)
    np.testing.assert_allclose(family.params["rate"][0, 0], 1 / scale, rtol=1e-6)


@pytest.mark.parametrize("shape", [1e-4, 0.05, 0.7, 1.0, 5.0, 19.9, 20.0, 300.0, 1e5, 1e8])
def test_shape_equation_solved_to_high_precision(shape):
    # delta = log a - digamma(a) from scipy for moderate shapes; for large shapes that
    # difference cancels, so delta comes from its asymptotic expansion instead.
    if shape <= 300:
        delta = np.log(shape) - digamma(shape)
    else:  # asymptotic expansion, accurate to rounding for shapes this large
        delta = 1 / (2 * shape) + 1 / (12 * shape**2) - 1 / (120 * shape**4)
    got = gamma_shape(np.array([delta]))[0]
    np.testing.assert_allclose(got, shape, rtol=1e-10)
    # An independent root finder (bracketing) agrees.
    if shape <= 300:
        root = optimize.brentq(lambda a: np.log(a) - digamma(a) - delta, shape / 2, shape * 2, xtol=1e-300, rtol=1e-15)
        np.testing.assert_allclose(got, root, rtol=1e-12)


def test_constant_data_are_reported():
    x = np.full((4, 1), 2.5)
    with pytest.raises(em.DegenerateComponentError, match="component 0 .* feature 0"):
        fitted(em.Gamma(), x, np.ones((4, 1)))


def test_empty_component_keeps_its_parameters(data):
    x, resp, _ = data
    family = fitted(em.Gamma(), x, resp)
    resp = resp.copy()
    resp[:, 0] = 0.0
    again = family.m_step(family.stats(x, resp))
    for name in ("shape", "rate"):
        np.testing.assert_array_equal(again.params[name][0], family.params[name][0])


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = params_dataset(WEIGHTS, shape=SHAPES, rate=RATES)
    check_integer_weights(em.Mixture(em.Gamma(), 3), x, w, init)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.Gamma(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x = simulate(20_000, rng)
    fit = em.Mixture(em.Gamma(), 3).fit(x, n_init=2, random_state=0)
    est = np.concatenate([np.log(fit.params["shape"].values), np.log(fit.params["rate"].values)], axis=1)
    order = aligned(est, np.concatenate([np.log(SHAPES), np.log(RATES)], axis=1))
    shape = fit.params["shape"].values[order]
    rate = fit.params["rate"].values[order]
    n_k = WEIGHTS * len(x)
    # Standard errors with known labels from the inverse Fisher information of (a, b):
    # I = [[trigamma(a), -1/b], [-1/b, a/b^2]] per observation.
    det = (polygamma(1, SHAPES) * SHAPES / RATES**2 - 1 / RATES**2) * n_k[:, None]
    se_shape = np.sqrt(SHAPES / RATES**2 / det)
    se_rate = np.sqrt(polygamma(1, SHAPES) / det)
    assert np.all(np.abs(shape - SHAPES) <= 5 * se_shape), shape
    assert np.all(np.abs(rate - RATES) <= 5 * se_rate), rate
    np.testing.assert_allclose(fit.params.weights.values[order], WEIGHTS, atol=0.02)
    assert fit.n_params == 3 * 4 + 2


def test_round_trip_and_sampling(data):
    x, _, _ = data
    fit = em.Mixture(em.Gamma(), 3).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(20_000, random_state=2)
    assert np.all(draws.values > 0)
    a, b = fit.params["shape"].values, fit.params["rate"].values
    for k in range(3):
        rows = draws.values[draws.component.values == k]
        se = np.sqrt(a[k]) / b[k] / np.sqrt(len(rows))
        assert np.all(np.abs(rows.mean(axis=0) - a[k] / b[k]) <= 5 * se)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_values_are_rejected(bad):
    x = np.concatenate([np.ones((5, 2)), [[1.0, bad]]])
    with pytest.raises(ValueError, match="positive data.*row 5"):
        em.Mixture(em.Gamma(), 2).fit(x)


def test_nan_is_rejected():
    x = np.array([[1.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        em.Mixture(em.Gamma(), 1).fit(x)
    with pytest.raises(ValueError, match="positive data.*row 1"):
        em.Gamma().check_data(x)

"""Gamma family: the numerically verified M-step (shape equation, scipy.optimize) and support errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import digamma

import emkit as em
from emkit.components.gamma import gamma_shape
from conformance import fitted
from test_conformance_suite import GAMMA, soft_data


@pytest.fixture
def data():
    return soft_data(GAMMA)


def weighted_q(log_params, w, x):
    """-sum_i w_i log Gamma(x_i | a, b), with (a, b) = exp(log_params), written out independently."""
    a, b = np.exp(log_params)
    return -np.sum(w * stats.gamma(a, scale=1 / b).logpdf(x))


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


def test_m_step_solves_the_stationarity_equations(data):
    x, resp, _ = data
    family = fitted(em.Gamma(), x, resp)
    a, b = family.params["shape"], family.params["rate"]
    n = resp.sum(axis=0)[:, None]
    mean = resp.T @ x / n
    mean_log = resp.T @ np.log(x) / n
    # dQ/db = 0 and dQ/da = 0, from the definition of Q.
    np.testing.assert_allclose(b, a / mean, rtol=1e-13)
    np.testing.assert_allclose(np.log(a) - digamma(a), np.log(mean) - mean_log, rtol=1e-11)


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

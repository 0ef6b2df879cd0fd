"""Von Mises family: the numerically verified M-step, wrap-around, large concentrations, support errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import i0, i1

import emkit as em
from emkit.components.vonmises import vonmises_kappa
from conformance import fitted
from test_conformance_suite import VONMISES, angle_diff, soft_data


@pytest.fixture
def data():
    return soft_data(VONMISES)


def weighted_q(params, w, x):
    """-sum_i w_i log vonMises(x_i | mu, kappa), with kappa = exp(params[1]), from scipy."""
    mu, kappa = params[0], np.exp(params[1])
    return -np.sum(w * stats.vonmises(kappa, loc=mu).logpdf(x))


def test_log_prob_stays_finite_for_large_concentrations():
    family = em.VonMises(1, params={"mu": [[0.3]], "kappa": [[5e5]]})
    x = np.array([[0.3], [0.301], [-2.0]])
    got = family.log_prob(x)[:, 0]
    assert np.all(np.isfinite(got))
    # log I0(kappa) ~ kappa - log(2 pi kappa) / 2 for large kappa; compare the peak value.
    np.testing.assert_allclose(got[0], -np.log(2 * np.pi) + 0.5 * np.log(2 * np.pi * 5e5), rtol=1e-6)


def test_m_step_maximises_the_weighted_q_found_by_scipy_optimize(data):
    x, resp, _ = data
    family = fitted(em.VonMises(), x, resp)
    assert np.all((family.params["mu"] > -np.pi) & (family.params["mu"] <= np.pi))
    for k in range(3):
        for j in range(2):
            got = np.array([family.params["mu"][k, j], np.log(family.params["kappa"][k, j])])
            res = optimize.minimize(weighted_q, [0.0, 0.0], args=(resp[:, k], x[:, j]), method="BFGS", tol=1e-12)
            assert abs(angle_diff(got[0], res.x[0])) < 1e-6
            np.testing.assert_allclose(got[1], res.x[1], atol=1e-6)
            assert weighted_q(got, resp[:, k], x[:, j]) <= res.fun + 1e-10 * abs(res.fun)


def test_unweighted_m_step_matches_scipy_fit():
    x = np.random.default_rng(5).vonmises(2.8, 5.0, size=(300, 1))
    family = fitted(em.VonMises(), x, np.ones((300, 1)))
    kappa, loc, _ = stats.vonmises.fit(x[:, 0], fscale=1)
    assert abs(angle_diff(family.params["mu"][0, 0], loc)) < 1e-8
    np.testing.assert_allclose(family.params["kappa"][0, 0], kappa, rtol=1e-6)


@pytest.mark.parametrize("kappa", [0.0, 1e-5, 0.3, 1.0, 2.0, 10.0, 150.0])
def test_kappa_equation_solved_to_high_precision(kappa):
    r_bar = i1(kappa) / i0(kappa)
    np.testing.assert_allclose(vonmises_kappa(np.array([r_bar]))[0], kappa, rtol=1e-11, atol=1e-14)


def test_kappa_for_large_concentrations():
    # A(kappa) = 1 - 1/(2 kappa) - 1/(8 kappa^2) - ... : rounding of A limits the relative accuracy to ~1e-10.
    for kappa in (1e3, 1e5):
        r_bar = 1 - 1 / (2 * kappa) - 1 / (8 * kappa**2) - 1 / (8 * kappa**3)
        np.testing.assert_allclose(vonmises_kappa(np.array([r_bar]))[0], kappa, rtol=1e-7)


def test_coinciding_angles_are_reported():
    x = np.full((4, 1), 1.25)
    with pytest.raises(em.DegenerateComponentError, match="component 0 .* feature 0"):
        fitted(em.VonMises(), x, np.ones((4, 1)))


def test_angles_are_periodic():
    rng = np.random.default_rng(6)
    x = rng.vonmises(3.0, 4.0, size=(200, 1))
    resp = np.ones((200, 1))
    shifted = np.where(x < 0, x + 2 * np.pi, x)  # the same angles in [0, 2 pi)
    a, b = fitted(em.VonMises(), x, resp), fitted(em.VonMises(), shifted, resp)
    np.testing.assert_allclose(a.params["mu"], b.params["mu"], rtol=1e-12)
    np.testing.assert_allclose(a.params["kappa"], b.params["kappa"], rtol=1e-10)
    np.testing.assert_allclose(a.log_prob(x), a.log_prob(shifted), rtol=1e-12)


@pytest.mark.parametrize("bad", [7.0, -90.0, 180.0])
def test_values_beyond_two_pi_are_rejected(bad):
    x = np.concatenate([np.zeros((5, 2)) + [[0.1], [0.2], [0.3], [0.4], [0.5]], [[1.0, bad]]])
    with pytest.raises(ValueError, match="radians.*row 5"):
        em.Mixture(em.VonMises(), 2).fit(x)


def test_nan_is_rejected():
    x = np.array([[1.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        em.Mixture(em.VonMises(), 1).fit(x)
    with pytest.raises(ValueError, match="radians.*row 1"):
        em.VonMises().check_data(x)

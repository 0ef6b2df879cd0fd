"""Von Mises family: the conformance checks of DESIGN.md, with a numerically verified M-step."""

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import i0, i1

import emkit as em
from emkit.components.vonmises import vonmises_kappa
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

MU = np.array([[-2.0, 0.5], [1.0, 3.0], [2.5, -1.5]])
KAPPA = np.array([[8.0, 4.0], [3.0, 20.0], [15.0, 2.0]])
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    return rng.vonmises(MU[labels], KAPPA[labels])


def on_circle(angle):
    """Angles as points on the unit circle, for comparisons that respect wrap-around."""
    return np.concatenate([np.cos(angle), np.sin(angle)], axis=-1)


def angle_diff(a, b):
    return np.angle(np.exp(1j * (a - b)))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(3), size=len(x))
    return x, resp, rng


def weighted_q(params, w, x):
    """-sum_i w_i log vonMises(x_i | mu, kappa), with kappa = exp(params[1]), from scipy."""
    mu, kappa = params[0], np.exp(params[1])
    return -np.sum(w * stats.vonmises(kappa, loc=mu).logpdf(x))


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted(em.VonMises(), x, resp)
    mu, kappa = family.params["mu"], family.params["kappa"]
    check_log_prob(family, x, lambda x, k: stats.vonmises(kappa[k], loc=mu[k]).logpdf(x).sum(axis=1))


def test_log_prob_stays_finite_for_large_concentrations():
    family = em.VonMises(1, params={"mu": [[0.3]], "kappa": [[5e5]]})
    x = np.array([[0.3], [0.301], [-2.0]])
    got = family.log_prob(x)[:, 0]
    assert np.all(np.isfinite(got))
    # log I0(kappa) ~ kappa - log(2 pi kappa) / 2 for large kappa; compare the peak value.
    np.testing.assert_allclose(got[0], -np.log(2 * np.pi) + 0.5 * np.log(2 * np.pi * 5e5), rtol=1e-6)


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(em.VonMises(), x, resp)


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


def test_m_step_beats_perturbations(data):
    x, resp, rng = data

    def perturb(params, rng):
        return {
            "mu": params["mu"] + rng.normal(scale=0.02, size=params["mu"].shape),
            "kappa": params["kappa"] * np.exp(rng.normal(scale=0.02, size=params["kappa"].shape)),
        }

    check_m_step_maximises_q(em.VonMises(), x, resp, perturb, rng)


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


def test_empty_component_keeps_its_parameters(data):
    x, resp, _ = data
    family = fitted(em.VonMises(), x, resp)
    resp = resp.copy()
    resp[:, 2] = 0.0
    again = family.m_step(family.stats(x, resp))
    for name in ("mu", "kappa"):
        np.testing.assert_array_equal(again.params[name][2], family.params[name][2])


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = params_dataset(WEIGHTS, mu=MU, kappa=KAPPA)
    check_integer_weights(em.Mixture(em.VonMises(), 3), x, w, init)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.VonMises(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x = simulate(20_000, rng)
    fit = em.Mixture(em.VonMises(), 3).fit(x, n_init=3, random_state=0)
    order = aligned(on_circle(fit.params.mu.values), on_circle(MU))
    mu, kappa = fit.params.mu.values[order], fit.params.kappa.values[order]
    n_k = (WEIGHTS * len(x))[:, None]
    # Known-label standard errors from the Fisher information per observation:
    # kappa A(kappa) for mu, A'(kappa) = 1 - A/kappa - A^2 for kappa.
    a = i1(KAPPA) / i0(KAPPA)
    se_mu = 1 / np.sqrt(n_k * KAPPA * a)
    se_kappa = 1 / np.sqrt(n_k * (1 - a / KAPPA - a**2))
    assert np.all(np.abs(angle_diff(mu, MU)) <= 5 * se_mu), mu
    assert np.all(np.abs(kappa - KAPPA) <= 5 * se_kappa), kappa
    np.testing.assert_allclose(fit.params.weights.values[order], WEIGHTS, atol=0.02)
    assert fit.n_params == 3 * 4 + 2


def test_round_trip_and_sampling(data):
    x, _, _ = data
    fit = em.Mixture(em.VonMises(), 3).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(20_000, random_state=2)
    assert np.all(np.abs(draws.values) <= np.pi)
    mu, kappa = fit.params.mu.values, fit.params.kappa.values
    for k in range(3):
        rows = draws.values[draws.component.values == k]
        circular_mean = np.arctan2(np.sin(rows).mean(axis=0), np.cos(rows).mean(axis=0))
        se = 1 / np.sqrt(len(rows) * kappa[k] * i1(kappa[k]) / i0(kappa[k]))
        assert np.all(np.abs(angle_diff(circular_mean, mu[k])) <= 5 * se)


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

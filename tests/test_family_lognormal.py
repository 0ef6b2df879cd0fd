"""Log-normal family: the conformance checks of DESIGN.md."""

import numpy as np
import pytest
from scipy import stats

import emkit as em
from emkit.components.gaussian import GaussianStats
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

MU = np.array([[0.0, 3.0], [3.0, 0.0], [1.5, 1.5]])
SIGMA = np.array([[0.3, 0.5], [0.4, 0.3], [0.2, 0.2]])
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    return rng.lognormal(MU[labels], SIGMA[labels])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(3), size=len(x))
    return x, resp, rng


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted(em.LogNormal(), x, resp)
    mu, sigma = family.params["mu"], family.params["sigma"]
    check_log_prob(family, x, lambda x, k: stats.lognorm(sigma[k], scale=np.exp(mu[k])).logpdf(x).sum(axis=1))


def test_statistics_are_centred_gaussian_statistics_of_log_x(data):
    x, resp, _ = data
    s = em.LogNormal(3).stats(x, resp)
    assert isinstance(s, GaussianStats)
    n = resp.sum(axis=0)
    mean = resp.T @ np.log(x) / n[:, None]
    scatter = np.stack([resp[:, k] @ (np.log(x) - mean[k]) ** 2 for k in range(3)])
    np.testing.assert_allclose(s.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(s.scatter, scatter, rtol=1e-12)


def test_no_cancellation_when_log_data_sit_far_from_zero():
    # log x around 700 with spread 1e-6: raw second moments of log x would lose every digit.
    rng = np.random.default_rng(4)
    y = 700.0 + 1e-6 * rng.standard_normal(2000)
    x = np.exp(y)[:, None]
    family = em.LogNormal(reg_var=0.0)
    parts = [family.stats(x[a:b], np.ones((b - a, 1))) for a, b in [(0, 7), (7, 900), (900, 2000)]]
    fit = family.m_step(parts[0] + parts[1] + parts[2])
    log_x = np.log(x[:, 0])  # the family sees these values, not y
    np.testing.assert_allclose(fit.params["sigma"][0, 0], np.std(log_x), rtol=1e-6)


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(em.LogNormal(), x, resp)


def test_m_step_is_the_weighted_moments_of_log_x_and_maximises_q(data):
    x, resp, rng = data

    def closed_form(x, resp):
        n = resp.sum(axis=0)[:, None]
        mu = resp.T @ np.log(x) / n
        var = np.stack([resp[:, k] @ (np.log(x) - mu[k]) ** 2 for k in range(3)]) / n
        return {"mu": mu, "sigma": np.sqrt(var)}

    def perturb(params, rng):
        return {
            "mu": params["mu"] + rng.normal(scale=0.02, size=params["mu"].shape),
            "sigma": params["sigma"] * np.exp(rng.normal(scale=0.02, size=params["sigma"].shape)),
        }

    check_m_step_maximises_q(em.LogNormal(reg_var=0.0), x, resp, perturb, rng, closed_form=closed_form)


def test_reg_var_is_added_to_the_variance(data):
    x, resp, _ = data
    plain = fitted(em.LogNormal(reg_var=0.0), x, resp)
    ridged = fitted(em.LogNormal(reg_var=0.01), x, resp)
    np.testing.assert_allclose(ridged.params["sigma"] ** 2, plain.params["sigma"] ** 2 + 0.01, rtol=1e-12)
    np.testing.assert_array_equal(ridged.params["mu"], plain.params["mu"])
    with pytest.raises(ValueError, match="reg_var"):
        em.LogNormal(reg_var=-1.0)


def test_a_component_without_spread_stays_finite():
    x = np.concatenate([np.full((5, 1), 2.0), np.array([[7.0], [9.0], [12.0]])])
    resp = np.array([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 3)
    family = fitted(em.LogNormal(), x, resp)
    np.testing.assert_allclose(family.params["sigma"][0, 0], np.sqrt(1e-6))
    assert np.all(np.isfinite(family.log_prob(x)))
    fit = em.Mixture(em.LogNormal(), 2).fit(x, init=resp)
    assert np.isfinite(fit.log_likelihood)


def test_empty_component_keeps_its_parameters(data):
    x, resp, _ = data
    family = fitted(em.LogNormal(), x, resp)
    resp = resp.copy()
    resp[:, 1] = 0.0
    again = family.m_step(family.stats(x, resp))
    for name in ("mu", "sigma"):
        np.testing.assert_array_equal(again.params[name][1], family.params[name][1])


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = params_dataset(WEIGHTS, mu=MU, sigma=SIGMA)
    check_integer_weights(em.Mixture(em.LogNormal(), 3), x, w, init)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.LogNormal(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x = simulate(20_000, rng)
    fit = em.Mixture(em.LogNormal(), 3).fit(x, n_init=2, random_state=0)
    order = aligned(fit.params.mu.values, MU)
    mu, sigma = fit.params.mu.values[order], fit.params.sigma.values[order]
    n_k = (WEIGHTS * len(x))[:, None]
    assert np.all(np.abs(mu - MU) <= 5 * SIGMA / np.sqrt(n_k)), mu
    assert np.all(np.abs(sigma - SIGMA) <= 5 * SIGMA / np.sqrt(2 * n_k)), sigma
    np.testing.assert_allclose(fit.params.weights.values[order], WEIGHTS, atol=0.02)
    assert fit.n_params == 3 * 4 + 2


def test_round_trip_and_sampling(data):
    x, _, _ = data
    fit = em.Mixture(em.LogNormal(reg_var=1e-4), 3).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(20_000, random_state=2)
    assert np.all(draws.values > 0)
    mu, sigma = fit.params.mu.values, fit.params.sigma.values
    for k in range(3):
        log_rows = np.log(draws.values[draws.component.values == k])
        assert np.all(np.abs(log_rows.mean(axis=0) - mu[k]) <= 5 * sigma[k] / np.sqrt(len(log_rows)))


@pytest.mark.parametrize("bad", [0.0, -2.0])
def test_non_positive_values_are_rejected(bad):
    x = np.concatenate([np.ones((5, 2)), [[1.0, bad]]])
    with pytest.raises(ValueError, match="positive data.*row 5"):
        em.Mixture(em.LogNormal(), 2).fit(x)


def test_nan_is_rejected():
    x = np.array([[1.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        em.Mixture(em.LogNormal(), 1).fit(x)
    with pytest.raises(ValueError, match="positive data.*row 1"):
        em.LogNormal().check_data(x)

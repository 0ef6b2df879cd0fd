"""Regression family (mixtures of linear regressions): the conformance checks of DESIGN.md."""

import os
import tempfile

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emkit as em
from conformance import aligned, check_chunk_additivity, check_monotone, check_round_trip, fitted

# Two lines in two features: y = b0 + b1 x1 + b2 x2 + e.
COEF = np.array([[1.0, 2.0, -1.0], [-3.0, -0.5, 1.5]])
SIGMA = np.array([0.5, 1.0])
WEIGHTS = np.array([0.4, 0.6])


def simulate(n, rng):
    x = rng.uniform(-3, 3, size=(n, 2))
    labels = rng.choice(2, size=n, p=WEIGHTS)
    y = COEF[labels, 0] + np.einsum("ij,ij->i", x, COEF[labels, 1:]) + SIGMA[labels] * rng.standard_normal(n)
    return np.column_stack([x, y]), labels


def family(K=1):
    return em.Regression(target=2, features=[0, 1], n_components=K)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x, _ = simulate(300, rng)
    resp = rng.dirichlet(np.ones(2), size=len(x))
    return x, resp, rng


def test_log_prob_matches_scipy_norm_of_residuals(data):
    x, resp, _ = data
    fam = fitted(family(), x, resp)
    beta, sigma = fam.params["coefficients"], fam.params["sigma"]
    z = np.column_stack([np.ones(len(x)), x[:, :2]])
    for k in range(2):
        expected = stats.norm(0.0, sigma[k]).logpdf(x[:, 2] - z @ beta[k])
        np.testing.assert_allclose(fam.log_prob(x)[:, k], expected, rtol=1e-12, atol=1e-12)


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(family(), x, resp)


def test_m_step_is_weighted_least_squares(data):
    x, resp, _ = data
    fam = fitted(family(), x, resp)
    z = np.column_stack([np.ones(len(x)), x[:, :2]])
    y = x[:, 2]
    for k in range(2):
        w = np.sqrt(resp[:, k])
        beta = np.linalg.lstsq(z * w[:, None], y * w, rcond=None)[0]
        rss = np.sum(resp[:, k] * (y - z @ beta) ** 2)
        np.testing.assert_allclose(fam.params["coefficients"][k], beta, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(fam.params["sigma"][k] ** 2, rss / resp[:, k].sum() + 1e-6, rtol=1e-10)


def test_m_step_without_intercept_and_with_a_large_offset():
    # A feature with a large mean and a near-perfect fit: raw y'y - beta'X'y would cancel.
    rng = np.random.default_rng(3)
    x1 = 1e6 + rng.normal(size=500)
    y = 2e6 + 3.0 * (x1 - 1e6) + 1e-4 * rng.normal(size=500)
    data = np.column_stack([x1, y])
    fam = fitted(em.Regression(1, [0], reg_var=0.0), data, np.ones((500, 1)))
    z = np.column_stack([np.ones(500), x1 - 1e6])
    beta_c, res, *_ = np.linalg.lstsq(z, y, rcond=None)
    np.testing.assert_allclose(fam.params["coefficients"][0, 1], beta_c[1], rtol=1e-6)
    resid = y - beta_c[0] - beta_c[1] * (x1 - 1e6)
    np.testing.assert_allclose(fam.params["sigma"][0] ** 2, np.mean(resid**2), rtol=1e-3)
    no_intercept = fitted(em.Regression(1, [0], intercept=False), data, np.ones((500, 1)))
    assert no_intercept.params["coefficients"].shape == (1, 1)
    np.testing.assert_allclose(no_intercept.params["coefficients"][0, 0], (x1 @ y) / (x1 @ x1), rtol=1e-10)


def test_rank_deficient_component_gets_minimum_norm_solution():
    data = np.array([[1.0, 1.0, 2.0], [1.0, 1.0, 4.0]])  # two identical designs
    fam = fitted(em.Regression(2, [0, 1]), data, np.ones((2, 1)))
    assert np.all(np.isfinite(fam.params["coefficients"]))
    np.testing.assert_allclose(fam.params["coefficients"][0].sum(), 3.0)
    np.testing.assert_allclose(fam.params["sigma"][0] ** 2, 1.0 + 1e-6)


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    init = np.eye(2)[(x[:, 0] > 0).astype(int)]
    model = em.Mixture(family(), 2)
    kwargs = dict(max_iter=10, tol=0)
    weighted = model.fit(x, sample_weight=w, init=init, chunk_size=len(x) // 7, **kwargs)
    repeated = model.fit(np.repeat(x, w, axis=0), init=np.repeat(init, w, axis=0), **kwargs)
    for name in weighted.params.data_vars:
        np.testing.assert_allclose(weighted.params[name], repeated.params[name], rtol=1e-9, err_msg=name)
    np.testing.assert_allclose(weighted.log_likelihood, repeated.log_likelihood, rtol=1e-12)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(family(), 2), x)


def test_recovery_of_two_lines():
    rng = np.random.default_rng(1)
    x, _ = simulate(4000, rng)
    fit = em.Mixture(family(), 2).fit(x, n_init=5, init="random", random_state=0)
    order = aligned(fit.params.coefficients.values, COEF)
    coef = fit.params.coefficients.values[order]
    sigma = fit.params.sigma.values[order]
    n_k = WEIGHTS * len(x)
    # Standard errors of OLS with x ~ U(-3, 3) (variance 3): sigma / sqrt(n_k var(x)) for slopes.
    se = SIGMA[:, None] / np.sqrt(n_k)[:, None] * np.array([1.0, 1 / np.sqrt(3), 1 / np.sqrt(3)])
    assert np.all(np.abs(coef - COEF) <= 5 * se), coef
    assert np.all(np.abs(sigma - SIGMA) <= 5 * SIGMA / np.sqrt(2 * n_k)), sigma
    np.testing.assert_allclose(fit.params.weights.values[order], WEIGHTS, atol=0.03)
    assert fit.n_params == 2 * (3 + 1) + 1


def test_bind_resolves_names_and_rejects_unknown_columns():
    names = np.array(["a", "b", "y"])
    assert em.Regression("y", ["b", "a"]).bind(names).columns == (2, (1, 0), ("b", "a"))
    assert em.Regression("y").bind(names).columns == (2, (0, 1), ("a", "b"))
    with pytest.raises(ValueError, match="target 'z' is not a column"):
        em.Regression("z", ["a"]).bind(names)
    with pytest.raises(ValueError, match="feature 'c' is not a column"):
        em.Regression("y", ["a", "c"]).bind(names)
    with pytest.raises(ValueError, match="also listed among the features"):
        em.Regression("y", ["y"])
    with pytest.raises(ValueError, match="call bind"):
        em.Regression("y", ["a"]).log_prob(np.zeros((1, 3)))
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 3.0, 5.0]})
    with pytest.raises(ValueError, match="feature 'q' is not a column"):
        em.Mixture(em.Regression("y", ["q"])).fit(frame)


def test_round_trip_with_names_and_conditional_sampling():
    rng = np.random.default_rng(2)
    x, _ = simulate(500, rng)
    frame = pd.DataFrame(x, columns=["x1", "x2", "y"])
    fit = em.Mixture(em.Regression("y", ["x1", "x2"]), 2).fit(frame, random_state=0)
    assert fit.params.coefficients.coords["term"].values.tolist() == ["intercept", "x1", "x2"]
    check_round_trip(fit, frame)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fit.nc")
        fit.to_netcdf(path)
        loaded = em.load_fit(path)
    assert loaded.mixture.families[0].columns == (2, (0, 1), ("x1", "x2"))
    with pytest.raises(TypeError, match="given the features"):
        fit.sample(5, random_state=0)
    fam = fit.mixture.families[0]
    y = fam.simulate(x[:, :2], np.zeros(len(x), dtype=int), np.random.default_rng(0))
    assert y.shape == (len(x),)
    # Conditional draws: features kept, responses drawn from each row's component line.
    draws = fit.sample(given=frame, random_state=1)
    np.testing.assert_array_equal(draws.values[:, :2], x[:, :2])
    coef = fit.params.coefficients.values[draws.component.values]
    sigma = fit.params.sigma.values[draws.component.values]
    residual = (draws.values[:, 2] - coef[:, 0] - (coef[:, 1:] * x[:, :2]).sum(axis=1)) / sigma
    assert abs(residual.mean()) < 0.2 and abs(residual.std() - 1) < 0.1


def test_regression_beside_a_gaussian_in_one_mixture():
    # Heterogeneous: the parameter Dataset carries both families' variables.
    rng = np.random.default_rng(4)
    x, _ = simulate(400, rng)
    fit = em.Mixture([em.Regression(2, [0, 1]), em.Gaussian("full")]).fit(x, random_state=0)
    assert set(fit.params.data_vars) >= {"coefficients", "sigma", "means", "covariances", "weights"}
    assert np.isnan(fit.params.coefficients.sel(component=1).values).all()


def test_too_few_rows_are_rejected():
    with pytest.raises(ValueError, match="at least 4 observations"):
        em.Mixture(family()).fit(np.ones((3, 3)))

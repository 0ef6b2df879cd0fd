"""Regression family (mixtures of linear regressions): numerics, binding names, conditional sampling.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import os
import tempfile

import numpy as np
import pandas as pd
import pytest

import emkit as em
from conformance import check_round_trip, fitted
from test_conformance_suite import simulate_regression as simulate


def family(K=1):
    return em.Regression(target=2, features=[0, 1], n_components=K)


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
    with pytest.raises(ValueError, match="no column 'q'"):
        em.Mixture(em.Regression("y", ["q"])).fit(frame)


def test_round_trip_with_names_and_conditional_sampling():
    rng = np.random.default_rng(2)
    x = simulate(500, rng)
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
    x = simulate(400, rng)
    fit = em.Mixture([em.Regression(2, [0, 1]), em.Gaussian("full")]).fit(x, random_state=0)
    assert set(fit.params.data_vars) >= {"coefficients", "sigma", "means", "covariances", "weights"}
    assert np.isnan(fit.params.coefficients.sel(component=1).values).all()


def test_too_few_rows_are_rejected():
    with pytest.raises(ValueError, match="at least 4 observations"):
        em.Mixture(family()).fit(np.ones((3, 3)))

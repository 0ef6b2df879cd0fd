"""Log-normal family: its Gaussian statistics of log x, numerics, ridge and support errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pytest

import emkit as em
from emkit.components.gaussian import GaussianStats
from conformance import fitted
from test_conformance_suite import LOGNORMAL, soft_data


@pytest.fixture
def data():
    return soft_data(LOGNORMAL)


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

"""Bernoulli family (latent class analysis): probabilities 0 and 1, impossible values, support errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pytest
from scipy import stats

import emkit as em
from conformance import fitted
from test_conformance_suite import simulate_bernoulli as simulate


def test_probabilities_zero_and_one_give_scipys_log_prob():
    # Feature 0 is always 0 and feature 1 always 1: the estimates are exactly 0 and 1.
    x = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    family = fitted(em.Bernoulli(), x, np.ones((2, 1)))
    np.testing.assert_array_equal(family.params["prob"], [[0.0, 1.0, 0.5]])
    query = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    got = family.log_prob(query)[:, 0]
    expected = stats.bernoulli(family.params["prob"][0]).logpmf(query).sum(axis=1)
    assert np.isfinite(got[0]) and np.all(np.isneginf(expected[1:]))  # impossible rows: -inf, as scipy
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_new_data_with_a_value_no_component_has_seen_are_refused():
    rng = np.random.default_rng(2)
    x = simulate(300, rng)
    x[:, 0] = 0.0
    fit = em.Mixture(em.Bernoulli(), 3).fit(x, random_state=0)
    new = x[:5].copy()
    new[3, 0] = 1.0  # no component has seen a 1 in feature 0
    with pytest.raises(em.NonFiniteDensityError, match="observation 3 "):
        fit.predict_proba(new)


def test_a_constant_feature_does_not_break_a_fit():
    rng = np.random.default_rng(3)
    x = simulate(500, rng)
    x[:, 0] = 0.0
    fit = em.Mixture(em.Bernoulli(), 3).fit(x, random_state=0)
    assert np.all(fit.params.prob.values[:, 0] == 0.0)
    assert np.isfinite(fit.log_likelihood)


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

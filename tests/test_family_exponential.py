"""Exponential family: zeros, degenerate components, the unweighted MLE and support errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pytest
from scipy import stats

import emkit as em
from conformance import fitted


def test_zeros_are_in_the_support():
    x = np.array([[0.0], [2.0]])
    em.Exponential().check_data(x)
    family = fitted(em.Exponential(), x, np.ones((2, 1)))
    np.testing.assert_allclose(family.params["rate"], [[1.0]])
    np.testing.assert_allclose(family.log_prob(x)[:, 0], stats.expon.logpdf(x[:, 0]))


def test_a_component_on_zeros_only_is_reported():
    x = np.array([[0.0, 1.0], [0.0, 2.0], [3.0, 1.0]])
    resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(em.DegenerateComponentError, match="component 0 .* feature 0"):
        fitted(em.Exponential(), x, resp)


def test_unweighted_m_step_matches_scipy_fit():
    x = np.random.default_rng(5).exponential(3.0, size=(200, 1))
    family = fitted(em.Exponential(), x, np.ones((200, 1)))
    _, scale = stats.expon.fit(x[:, 0], floc=0)
    np.testing.assert_allclose(family.params["rate"][0, 0], 1 / scale, rtol=1e-12)


@pytest.mark.parametrize("bad", [-1.0, -1e-300])
def test_negative_values_are_rejected(bad):
    x = np.concatenate([np.ones((5, 2)), [[1.0, bad]]])
    with pytest.raises(ValueError, match="non-negative data.*row 5"):
        em.Mixture(em.Exponential(), 2).fit(x)


def test_nan_is_rejected():
    x = np.array([[1.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        em.Mixture(em.Exponential(), 1).fit(x)
    with pytest.raises(ValueError, match="non-negative data.*row 1"):
        em.Exponential().check_data(x)

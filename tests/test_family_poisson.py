"""Poisson family: zero rates and support errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pytest
from scipy import stats

import emkit as em
from conformance import fitted


def test_a_zero_rate_makes_positive_counts_impossible():
    x = np.array([[0.0, 1.0], [0.0, 3.0]])
    family = fitted(em.Poisson(), x, np.ones((2, 1)))
    assert family.params["rate"][0, 0] == 0.0
    query = np.array([[0.0, 2.0], [1.0, 2.0]])
    expected = stats.poisson(family.params["rate"][0]).logpmf(query).sum(axis=1)
    assert np.isfinite(expected[0]) and np.isneginf(expected[1])
    np.testing.assert_allclose(family.log_prob(query)[:, 0], expected, rtol=1e-14)


@pytest.mark.parametrize("bad", [[[-1.0, 2.0]], [[0.5, 2.0]]])
def test_counts_outside_support_are_rejected(bad):
    x = np.concatenate([np.ones((5, 2)), bad])
    with pytest.raises(ValueError, match="non-negative integer counts"):
        em.Mixture(em.Poisson(), 2).fit(x)

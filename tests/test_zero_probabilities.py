"""Probabilities and rates of exactly 0: impossible values have log-density -inf.

Categorical, Bernoulli and Poisson components keep estimates of exactly 0.
A value of probability 0 is impossible under that component (scipy's
log-pmf is -inf there), the other components share the row, and a row or a
sequence that nothing can emit is refused rather than given a finite
log-likelihood.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import logsumexp

import emkit as em

BINARY_ROWS = np.array([[a, b, c] for a in (0.0, 1.0) for b in (0.0, 1.0) for c in (0.0, 1.0)])
COUNT_ROWS = np.array([[0.0, 0.0], [0.0, 3.0], [1.0, 2.0], [4.0, 0.0]])


def bernoulli_oracle(p, x):
    return np.column_stack([stats.bernoulli(p[k]).logpmf(x).sum(axis=1) for k in range(len(p))])


def poisson_oracle(rate, x):
    return np.column_stack([stats.poisson(rate[k]).logpmf(x).sum(axis=1) for k in range(len(rate))])


def test_bernoulli_log_density_is_scipys_including_impossible_rows():
    p = np.array([[0.0, 1.0, 0.5], [0.3, 0.6, 0.9]])
    got = em.Bernoulli(2).with_params(prob=p).log_prob(BINARY_ROWS)
    expected = bernoulli_oracle(p, BINARY_ROWS)
    assert np.isneginf(expected[:, 0]).sum() == 6  # a 1 in feature 0 or a 0 in feature 1
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_poisson_log_density_is_scipys_including_impossible_rows():
    rate = np.array([[0.0, 2.0], [1.5, 0.0]])
    got = em.Poisson(2).with_params(rate=rate).log_prob(COUNT_ROWS)
    expected = poisson_oracle(rate, COUNT_ROWS)
    np.testing.assert_array_equal(np.isneginf(expected), [[False, False], [False, True], [True, True], [True, False]])
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_categorical_log_density_is_minus_inf_at_a_category_of_probability_zero():
    x = np.array([[0.0], [1.0], [2.0]])
    family = em.Categorical(2).bind(["a"], data=x).with_params(probs=np.array([[[0.5, 0.5, 0.0]], [[0.0, 0.2, 0.8]]]))
    expected = np.column_stack([stats.multinomial(1, p).logpmf(np.eye(3)) for p in ([0.5, 0.5, 0.0], [0.0, 0.2, 0.8])])
    np.testing.assert_allclose(family.log_prob(x), expected, rtol=1e-14)
    assert np.isneginf(family.log_prob(x)).sum() == 2


def test_a_missing_entry_drops_out_even_where_its_probability_is_zero():
    p = np.array([[0.0, 0.5]])
    got = em.Bernoulli(1).with_params(prob=p).evaluate_observed(np.array([[np.nan, 1.0], [1.0, np.nan]])).log_prob
    np.testing.assert_allclose(got[:, 0], [np.log(0.5), -np.inf])
    rate = np.array([[0.0, 2.0]])
    got = em.Poisson(1).with_params(rate=rate).evaluate_observed(np.array([[np.nan, 1.0], [2.0, np.nan]])).log_prob
    np.testing.assert_allclose(got[:, 0], [stats.poisson(2.0).logpmf(1), -np.inf])


def split_start(model, data, first_rows):
    """Parameters one M-step from a hard split: component 0 the first rows, component 1 the rest."""
    resp = np.eye(2)[(np.arange(len(data)) >= first_rows).astype(int)]
    return model.fit(data, init=resp, max_iter=0).params


COLOURS = pd.DataFrame({"colour": ["red"] * 30 + ["green"] * 30 + ["blue"] * 20})


def test_a_component_with_a_zero_probability_shares_the_rows_it_can_emit():
    model = em.Mixture(em.Categorical(), 2)
    params = split_start(model, COLOURS, 30)  # component 0: only red; component 1: no red
    probs = params.probs.sel(feature="colour").to_pandas()
    assert probs.loc[0, ["green", "blue"]].tolist() == [0.0, 0.0] and probs.loc[1, "red"] == 0.0
    with np.errstate(divide="ignore"):
        log_joint = np.log(params.weights.values) + np.log(probs[COLOURS.colour].T.to_numpy())
    at_start = model.fit(COLOURS, init=params, max_iter=0)
    assert at_start.log_likelihood == pytest.approx(logsumexp(log_joint, axis=1).sum(), rel=1e-12)
    resp = at_start.predict_proba(COLOURS).values
    np.testing.assert_array_equal(resp[:30], np.eye(2)[[0] * 30])  # exact zeros where a component cannot emit
    fitted = model.fit(COLOURS, init=params, tol=0, max_iter=20)
    assert np.all(np.diff(fitted.trace.log_likelihood.values) >= -1e-9)


def never_seen(kind):
    """Data where one value never occurs (probability or rate 0 in every component), and new rows with it at row 2."""
    rng = np.random.default_rng(0)
    other = (rng.random(200) < np.repeat([0.1, 0.9], 100)).astype(float)  # two groups of rows
    if kind == "categorical":
        colour = pd.Categorical(rng.choice(["red", "green"], 200), categories=["red", "green", "purple"])
        new = pd.DataFrame({"colour": ["red", "green", "purple"], "b": [0.0, 1.0, 0.0]})
        return em.Categorical(), pd.DataFrame({"colour": colour, "b": other}), new
    family = em.Bernoulli() if kind == "bernoulli" else em.Poisson()
    new = pd.DataFrame({"a": [0.0, 0.0, 1.0], "b": [0.0, 1.0, 0.0]})
    return family, pd.DataFrame({"a": np.zeros(200), "b": other}), new


@pytest.mark.parametrize("kind", ["categorical", "bernoulli", "poisson"])
def test_a_row_no_component_can_emit_is_refused_naming_it(kind):
    family, data, new = never_seen(kind)
    fit = em.Mixture(family, 2).fit(data, random_state=0)
    with pytest.raises(em.NonFiniteDensityError, match="observation 2 has a non-finite log-density"):
        fit.predict_proba(new)
    with pytest.raises(em.NonFiniteDensityError, match="observation 202 has a non-finite log-density"):
        em.Mixture(family, 2).fit(pd.concat([data, new], ignore_index=True), init=fit.params, max_iter=0)


@pytest.mark.parametrize("kind", ["bernoulli", "poisson"])
def test_a_sequence_of_probability_zero_is_refused_naming_sequence_and_row(kind):
    family, data, new = never_seen(kind)
    fit = em.HiddenMarkovModel(family, 2).fit(data, random_state=0)
    with pytest.raises(ValueError, match="sequence 1 has probability zero under the model: at its step 2 \\(row 5\\)"):
        fit.score(pd.concat([data.iloc[:3], new], ignore_index=True), lengths=[3, 3])

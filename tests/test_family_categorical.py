"""Categorical family: the conformance checks of DESIGN.md, and pandas category handling."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emkit as em
from conformance import (
    aligned,
    check_chunk_additivity,
    check_integer_weights,
    check_log_prob,
    check_m_step_maximises_q,
    check_monotone,
    check_round_trip,
    check_sample_shape,
    q_function,
)

# four columns (3, 4, 3, 3 categories), three latent classes: identifiable
_A, _B = np.array([0.8, 0.1, 0.1]), np.array([0.7, 0.1, 0.1, 0.1])
PROBS = [
    (_A, _B, _A, np.roll(_A, 1)),
    (np.roll(_A, 1), np.roll(_B, 1), np.roll(_A, 1), np.roll(_A, 2)),
    (np.roll(_A, 2), np.roll(_B, 3), np.roll(_A, 2), _A),
]
SIZES = [len(p) for p in PROBS[0]]
WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate(n, rng):
    labels = rng.choice(3, size=n, p=WEIGHTS)
    x = np.empty((n, len(SIZES)))
    for k in range(3):
        rows = labels == k
        for j in range(len(SIZES)):
            x[rows, j] = rng.choice(len(PROBS[k][j]), size=rows.sum(), p=PROBS[k][j])
    return x, labels


def bound(K, x):
    return em.Categorical(n_components=K).bind(np.arange(x.shape[1]), data=x)


def fitted_family(x, resp):
    family = bound(resp.shape[1], x)
    return family.m_step(family.stats(x, resp))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x, _ = simulate(500, rng)
    return x, rng.dirichlet(np.ones(3), size=len(x)), rng


def test_log_prob_matches_scipy(data):
    x, resp, _ = data
    family = fitted_family(x, resp)
    probs = family.params["probs"]

    def oracle(x, k):
        total = np.zeros(len(x))
        for j, size in enumerate(SIZES):
            total += stats.multinomial(1, probs[k, j, :size]).logpmf(np.eye(size)[x[:, j].astype(int)])
        return total

    check_log_prob(family, x, oracle)


def test_chunk_additivity(data):
    x, resp, _ = data
    check_chunk_additivity(bound(3, x), x, resp)


def test_m_step_is_the_weighted_frequency_and_maximises_q(data):
    x, resp, rng = data
    family = fitted_family(x, resp)
    for j, size in enumerate(SIZES):
        counts = resp.T @ np.eye(size)[x[:, j].astype(int)]
        np.testing.assert_allclose(family.params["probs"][:, j, :size], counts / resp.sum(axis=0)[:, None], rtol=1e-12)
    q_best = q_function(family, x, resp)
    for _ in range(20):
        probs = family.params["probs"].copy()
        for j, size in enumerate(SIZES):
            p = probs[:, j, :size] * np.exp(rng.normal(scale=0.05, size=(3, size)))
            probs[:, j, :size] = p / p.sum(axis=1, keepdims=True)
        assert q_function(family.with_params(probs=probs), x, resp) <= q_best + 1e-9 * abs(q_best)


def test_integer_weights_equal_repeated_rows(data):
    x, _, rng = data
    w = rng.integers(0, 4, size=len(x))
    start = em.Mixture(em.Categorical(), 3).fit(x, max_iter=2, tol=0, random_state=0).params
    check_integer_weights(em.Mixture(em.Categorical(), 3), x, w, start)


def test_log_likelihood_monotone(data):
    x, _, _ = data
    check_monotone(em.Mixture(em.Categorical(), 3), x)


def test_recovery_from_a_large_sample():
    rng = np.random.default_rng(1)
    x, _ = simulate(40_000, rng)
    # k-means++ on category codes is a poor start for latent classes; random responsibilities work well
    fit = em.Mixture(em.Categorical(), 3).fit(x, n_init=5, init="random", random_state=0)
    truth = np.array([np.concatenate(p) for p in PROBS])
    est = np.concatenate([fit.params.probs.values[:, j, :size] for j, size in enumerate(SIZES)], axis=1)
    order = aligned(est, truth)
    assert np.abs(est[order] - truth).max() < 0.03
    np.testing.assert_allclose(fit.params.weights.values[order], WEIGHTS, atol=0.03)
    assert fit.n_params == 3 * sum(size - 1 for size in SIZES) + 2


def test_pandas_categories_round_trip_and_predict_on_new_rows(data):
    x, _, _ = data
    colours = np.array(["red", "green", "blue"])[x[:, 0].astype(int)]
    df = pd.DataFrame({"colour": pd.Categorical(colours), "size": x[:, 1].astype(int).astype(str), "n": x[:, 2]})
    fit = em.Mixture(em.Categorical(), 3).fit(df, n_init=2, random_state=0)
    assert fit.params.category.values.tolist() == ["0", "1", "2", "3", "blue", "green", "red"]
    assert np.isnan(fit.params.probs.sel(feature="colour", category="0")).all()
    check_round_trip(fit, df)
    check_sample_shape(fit)
    new = pd.DataFrame({"colour": ["blue", "red"], "size": ["3", "0"], "n": [0.0, 2.0]})
    assert fit.predict_proba(new).shape == (2, 3)
    with pytest.raises(ValueError, match="unknown category 'purple'"):
        fit.predict(pd.DataFrame({"colour": ["purple"], "size": ["1"], "n": [1.0]}))


def test_bad_codes_and_missing_categories_are_clear_errors():
    with pytest.raises(ValueError, match="integer category codes"):
        em.Mixture(em.Categorical(), 1).fit(np.array([[0.0], [1.5]]))
    with pytest.raises(ValueError, match="missing in row 1"):
        em.Mixture(em.Categorical(), 1).fit(pd.DataFrame({"c": ["a", None, "b"]}))
    with pytest.raises(TypeError, match="non-numeric"):
        em.GaussianMixture(1).fit(pd.DataFrame({"c": ["a", "b", "c"]}))

"""Categorical family: pandas category handling and errors.

The conformance checks of DESIGN.md for this family are in test_conformance_suite.py.
"""

import numpy as np
import pandas as pd
import pytest

import emkit as em
from conformance import check_round_trip, check_sample_shape
from test_conformance_suite import CATEGORICAL, soft_data


@pytest.fixture
def data():
    return soft_data(CATEGORICAL)


def test_pandas_categories_round_trip_and_predict_on_new_rows(data):
    x, _, _ = data
    colours = np.array(["red", "green", "blue"])[x[:, 0].astype(int)]
    df = pd.DataFrame({"colour": pd.Categorical(colours), "size": x[:, 1].astype(int).astype(str), "n": x[:, 2]})
    fit = em.Mixture(em.Categorical(), 3).fit(df, n_init=2, random_state=0)
    # n's numbers first (as text), then colour's and size's labels, each column's order kept
    assert fit.params.category.values.tolist() == ["0", "1", "2", "3", "blue", "green", "red"]
    assert np.isnan(fit.params.probs.sel(feature="colour", category="0")).all()
    check_round_trip(fit, df)
    check_sample_shape(fit)
    new = pd.DataFrame({"colour": ["blue", "red"], "size": ["3", "0"], "n": [0.0, 2.0]})
    assert fit.predict_proba(new).shape == (2, 3)
    with pytest.raises(ValueError, match="unknown category 'purple'"):
        fit.predict(pd.DataFrame({"colour": ["purple"], "size": ["1"], "n": [1.0]}))


def test_bad_codes_and_missing_categories_are_clear_errors():
    with pytest.raises(ValueError, match=r"row 1, column '0': 1.5 is not one of the column's 2 categories"):
        em.Mixture(em.Categorical(n_categories=2), 1).fit(np.array([[0.0], [1.5]]))
    with pytest.raises(ValueError, match="missing in row 1"):
        em.Mixture(em.Categorical(), 1).fit(pd.DataFrame({"c": ["a", None, "b"]}))
    with pytest.raises(TypeError, match="non-numeric"):
        em.GaussianMixture(1).fit(pd.DataFrame({"c": ["a", "b", "c"]}))


def test_values_map_to_categories_in_log_prob_and_stats():
    """Categories 10, 20, 35.5 and -3, 4: scipy's multinomial log-pmf and explicit one-hot sums as oracles."""
    from scipy import stats

    rng = np.random.default_rng(1)
    x = np.column_stack([rng.choice([10.0, 20.0, 35.5], 200), rng.choice([-3.0, 4.0], 200)])
    resp = rng.dirichlet(np.ones(2), size=200)
    family = em.Categorical(n_components=2).bind(["a", "b"], data=x)
    fitted = family.m_step(family.stats(x, resp))
    columns = [np.unique(x[:, j], return_inverse=True)[1] for j in range(2)]
    one_hot = [np.eye(size)[codes] for size, codes in zip((3, 2), columns)]
    for j, hot in enumerate(one_hot):
        expected = resp.T @ hot / resp.sum(axis=0)[:, None]
        np.testing.assert_allclose(fitted.params["probs"][:, j, : hot.shape[1]], expected, rtol=1e-12)
    for k in range(2):
        expected = sum(
            stats.multinomial(1, fitted.params["probs"][k, j, : hot.shape[1]]).logpmf(hot) for j, hot in enumerate(one_hot)
        )
        np.testing.assert_allclose(fitted.log_prob(x)[:, k], expected, rtol=1e-12)
    assert set(fitted.sample(np.zeros(50, dtype=int), rng)[:, 0]) <= {10.0, 20.0, 35.5}


def test_declared_codes_and_limits():
    family = em.Categorical(n_categories=[4, None]).bind(["a", "b"], data=np.array([[1.0, 7.0], [3.0, 9.0]]))
    assert family.options["labels"] == [[0, 1, 2, 3], [7, 9]]
    with pytest.raises(ValueError, match=r"row 0, column 'b': 8.0 is not one of the column's 2 categories \(7 .. 9\)"):
        family.check_data(np.array([[0.0, 8.0]]))
    with pytest.raises(ValueError, match="n_categories must be a positive integer"):
        em.Categorical(n_categories=0)
    with pytest.raises(ValueError, match="n_categories=5 is more than max_categories=4"):
        em.Categorical(n_categories=[2, 5], max_categories=4)
    with pytest.raises(ValueError, match=r"bound to 2 column\(s\), the data have 3"):
        family.check_data(np.zeros((1, 3)))


def _unemployment_moves(n=400, seed=3):
    """Moves of a series as text, one level ("never") declared by the pandas dtype but never taken."""
    rng = np.random.default_rng(seed)
    moves = rng.choice(["down", "flat", "up"], size=n, p=[0.3, 0.5, 0.2])
    text = pd.DataFrame({"move": moves, "side": rng.choice(["a", "b"], size=n)})
    declared = text.assign(move=pd.Categorical(moves, categories=["down", "flat", "up", "never"]))
    return text, declared


LATENT_MODELS = {
    # free parameters of K = 2 over columns of 3 and 2 taken categories, counted by hand
    "mixture": (lambda: em.Mixture(em.Categorical(), 2), (2 - 1) + 2 * ((3 - 1) + (2 - 1))),
    "hmm": (lambda: em.HiddenMarkovModel(em.Categorical(), 2), (2 - 1) + 2 * (2 - 1) + 2 * ((3 - 1) + (2 - 1))),
}


@pytest.mark.parametrize("name", sorted(LATENT_MODELS))
def test_an_unused_pandas_category_is_shown_at_zero_but_is_not_a_free_parameter(name):
    model, expected = LATENT_MODELS[name]
    text, declared = _unemployment_moves()
    text_fit = model().fit(text, n_init=2, random_state=0)
    declared_fit = model().fit(declared, n_init=2, random_state=0)
    assert declared_fit.log_likelihood == pytest.approx(text_fit.log_likelihood, rel=1e-9)
    assert text_fit.n_params == declared_fit.n_params == expected
    bic = -2 * declared_fit.log_likelihood + expected * np.log(len(text))
    assert declared_fit.bic() == pytest.approx(bic, rel=1e-12)
    assert declared_fit.bic() == pytest.approx(text_fit.bic(), rel=1e-9)
    assert declared_fit.aic() == pytest.approx(text_fit.aic(), rel=1e-9)
    assert declared_fit.params.probs.sel(feature="move", category="never").values.tolist() == [0.0, 0.0]
    assert declared_fit.mixture.free_parameters().size == declared_fit.n_params


def test_a_declared_code_no_row_takes_does_not_count_either():
    rng = np.random.default_rng(5)
    codes = rng.choice([0.0, 1.0, 2.0], size=(300, 1))
    plain = em.Mixture(em.Categorical(), 2).fit(codes, n_init=2, random_state=0)
    declared = em.Mixture(em.Categorical(n_categories=4), 2).fit(codes, n_init=2, random_state=0)
    assert declared.params.probs.sel(category=3).values.ravel().tolist() == [0.0, 0.0]
    assert plain.n_params == declared.n_params == (2 - 1) + 2 * (3 - 1)
    assert declared.bic() == pytest.approx(plain.bic(), rel=1e-9)

"""emkit.sklearn.MixtureModel: any family, DataFrames with mixed columns, clone and pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import emkit as em
from emkit.sklearn import MixtureModel

RNG = np.random.default_rng(0)
COUNTS = np.r_[RNG.poisson(2, (300, 1)), RNG.poisson(15, (200, 1))]
MIXED = pd.DataFrame({
    "height": np.r_[RNG.normal(160, 5, 200), RNG.normal(180, 5, 150)],
    "colour": pd.Categorical(np.r_[RNG.choice(["red", "blue"], 200, p=[0.9, 0.1]),
                                   RNG.choice(["red", "blue"], 150, p=[0.2, 0.8])]),
})
FAMILY = em.Independent({"height": em.Gaussian(), "colour": em.Categorical()})


def test_poisson_mixture_densities_are_scipys():
    model = MixtureModel(em.Poisson(), n_components=2, random_state=0).fit(COUNTS)
    rates, weights = model.result_.params.rate.values.ravel(), model.weights_
    expected = logsumexp(stats.poisson.logpmf(COUNTS, rates) + np.log(weights), axis=1)
    np.testing.assert_allclose(model.score_samples(COUNTS), expected, rtol=1e-10)
    assert sorted(rates.round().tolist()) == [2.0, 15.0]
    assert model.predict([[0], [30]]).tolist() == [int(rates.argmin()), int(rates.argmax())]


def test_independent_family_over_a_mixed_dataframe_keeps_names_and_categories():
    model = MixtureModel(FAMILY, n_components=2, n_init=3, random_state=0).fit(MIXED)
    assert list(model.feature_names_in_) == ["height", "colour"]
    assert sorted(model.result_.categories["colour"]) == ["blue", "red"]
    assert adjusted_agreement(model.predict(MIXED), np.r_[np.zeros(200), np.ones(150)]) > 0.9
    draws, components = model.sample(20)
    assert isinstance(draws["colour"].dtype, pd.CategoricalDtype) and components.shape == (20,)


def adjusted_agreement(labels, truth):
    """Share of rows whose label agrees with the truth, up to swapping the two labels."""
    same = np.mean(labels == truth)
    return max(same, 1 - same)


def test_after_a_column_transformer_with_pandas_output():
    """Scaled numbers and untouched categories reach emkit by name, with their dtypes."""
    prepare = ColumnTransformer([("scale", StandardScaler(), ["height"]), ("keep", "passthrough", ["colour"])],
                                verbose_feature_names_out=False).set_output(transform="pandas")
    pipeline = make_pipeline(prepare, MixtureModel(FAMILY, n_components=2, n_init=3, random_state=0)).fit(MIXED)
    model = pipeline[-1]
    assert sorted(model.result_.categories["colour"]) == ["blue", "red"]
    assert abs(float(model.result_.params.means.sel(feature="height").mean())) < 1  # scaled
    direct = MixtureModel(FAMILY, n_components=2, n_init=3, random_state=0).fit(MIXED)
    assert adjusted_agreement(pipeline.predict(MIXED), direct.predict(MIXED)) > 0.98


def test_clone_copies_the_family_and_pickle_keeps_predictions():
    model = MixtureModel(FAMILY, n_components=2, random_state=0)
    copy = clone(model)
    assert copy.family is not model.family and copy.family.spec() == model.family.spec()
    model.fit(MIXED)
    assert FAMILY.n_components == 1  # fitting does not change the family given
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(MIXED), model.predict_proba(MIXED))


def test_missing_values():
    X = RNG.normal(size=(100, 2))
    X[5, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MixtureModel(n_components=2).fit(X)
    model = MixtureModel(em.Gaussian("diag"), n_components=2, missing="marginalize", random_state=0).fit(X)
    assert np.isfinite(model.score_samples(X)).all()


def test_text_goes_in_a_dataframe_not_an_array():
    with pytest.raises(ValueError, match="text columns: pass a DataFrame"):
        MixtureModel(em.Categorical()).fit(np.array([["a"], ["b"], ["a"]], dtype=object))
    categorical = MixtureModel(em.Categorical(), random_state=0).fit(pd.DataFrame({"x": ["a", "b", "a"]}))
    assert categorical.predict(pd.DataFrame({"x": ["b"]})).tolist() == [0]

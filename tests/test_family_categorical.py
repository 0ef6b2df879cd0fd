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

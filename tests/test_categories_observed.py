"""Categorical categories are the values the data hold, never a range of codes.

Oracles: parameter counts by hand, empirical frequencies from pandas, invariance of the
likelihood to relabelling the categories, and exact netCDF round trips.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import emkit as em
from conformance import check_round_trip


@pytest.fixture(scope="module")
def anes():
    """ANES96 party identification (codes 0..6) and education (codes 1..7)."""
    return sm.datasets.anes96.load_pandas().data[["PID", "educ"]]


def fit_categorical(X, K, family=None, seed=0):
    return em.Mixture(family or em.Categorical(), K).fit(X, init="random", n_init=2, random_state=seed, max_iter=200)


def test_parameter_count_has_one_category_per_observed_value(anes):
    fit = fit_categorical(anes, 3)
    sizes = [anes[column].nunique() for column in anes]  # 7 and 7: no phantom category 0 for educ
    assert sizes == [7, 7]
    assert fit.n_params == (3 - 1) + 3 * sum(size - 1 for size in sizes)
    assert fit.params.category.values.tolist() == list(range(8))
    assert fit.params.probs.sel(feature="educ", category=0).isnull().all()
    assert fit.params.probs.sel(feature="PID", category=7).isnull().all()


def test_one_component_gives_the_empirical_frequencies(anes):
    fit = fit_categorical(anes, 1)
    for column in anes:
        expected = anes[column].value_counts(normalize=True).sort_index()
        estimated = fit.params.probs.sel(component=0, feature=column, category=expected.index.astype(int))
        np.testing.assert_allclose(estimated.values, expected.values, rtol=1e-12)


def test_relabelling_the_categories_leaves_the_fit_unchanged(anes):
    """Codes 1..7, the same shifted to 0..6, or scaled to 10..70 are the same categories."""
    shifted = anes.assign(educ=anes.educ - 1)
    scaled = anes.assign(educ=anes.educ * 10)
    reference = fit_categorical(anes, 2)
    for relabelled in (shifted, scaled):
        fit = fit_categorical(relabelled, 2)
        assert fit.n_params == reference.n_params
        assert fit.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-12)
        np.testing.assert_allclose(
            fit.params.probs.sel(feature="educ").dropna("category", how="all").values,
            reference.params.probs.sel(feature="educ").dropna("category", how="all").values,
            rtol=1e-10,
        )


def test_categories_may_be_any_numbers():
    x = pd.DataFrame({"dose": [0.5] * 10 + [2.5] * 30 + [10.0] * 60})
    fit = fit_categorical(x, 1)
    assert fit.params.category.values.tolist() == [0.5, 2.5, 10.0]
    np.testing.assert_allclose(fit.params.probs.sel(feature="dose").values[0], [0.1, 0.3, 0.6], rtol=1e-12)
    draws = fit.sample(200, random_state=0).values
    assert set(np.unique(draws)) <= {0.5, 2.5, 10.0}
    with pytest.raises(ValueError, match=r"row 1, column 'dose': 3.0 is not one of the column's 3 categories \(0.5 .. 10.0\)"):
        fit.predict(pd.DataFrame({"dose": [2.5, 3.0]}))


def test_a_stray_huge_value_is_one_more_category_and_fast(anes):
    stray = anes.copy()
    stray.iloc[10, 1] = 1e9
    start = time.process_time()
    fit = em.Mixture(em.Categorical(), 1).fit(stray)
    assert time.process_time() - start < 1.0
    assert fit.params.probs.sel(component=0, feature="educ", category=10**9).item() == pytest.approx(1 / len(anes))
    assert fit.n_params == 6 + 7


def test_a_stray_code_beyond_n_categories_fails_fast_naming_row_and_column(anes):
    stray = anes.copy()
    stray.iloc[10, 1] = 1e9
    start = time.process_time()
    with pytest.raises(ValueError, match=r"row 10, column 'educ': 1000000000.0 is not one of the column's 8 categories"):
        em.Mixture(em.Categorical(n_categories=8), 1).fit(stray)
    assert time.process_time() - start < 1.0


def test_n_categories_reads_codes_and_absent_ones_are_not_free_parameters(anes):
    fit = fit_categorical(anes, 1, em.Categorical(n_categories=[None, 8]))
    assert fit.params.category.values.tolist() == list(range(8))
    assert fit.params.probs.sel(component=0, feature="educ", category=0).item() == 0.0  # declared, never seen
    assert fit.n_params == 6 + 6  # the unseen code sits at the boundary 0: not estimated


def test_too_many_categories_is_a_quick_clear_error():
    ids = pd.DataFrame({"id": np.arange(30_000.0)})
    start = time.process_time()
    with pytest.raises(ValueError, match=r"column 'id' has 30000 distinct values, more than max_categories=10000"):
        em.Mixture(em.Categorical(), 1).fit(ids)
    assert time.process_time() - start < 1.0
    with pytest.raises(ValueError, match="n_categories=10000000 is more than max_categories=10000"):
        em.Categorical(n_categories=10_000_000)
    with pytest.raises(ValueError, match="n_categories has 1 entries for 2 columns"):
        em.Mixture(em.Categorical(n_categories=[3]), 1).fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="max_categories must be a positive integer"):
        em.Categorical(max_categories=0)


def test_an_ordered_pandas_categorical_keeps_its_order_and_unused_categories():
    levels = ["low", "mid", "high", "extreme"]
    answers = ["high"] * 50 + ["low"] * 30 + ["mid"] * 20
    frame = pd.DataFrame({"level": pd.Categorical(answers, categories=levels, ordered=True)})
    fit = fit_categorical(frame, 1)
    assert fit.params.probs.category.values.tolist() == levels
    np.testing.assert_allclose(fit.params.probs.sel(feature="level").values[0], [0.3, 0.2, 0.5, 0.0], rtol=1e-12)
    assert fit.n_params == 2  # "extreme" never occurs: probability 0, not a free parameter
    check_round_trip(fit, frame)


@pytest.mark.parametrize(
    "value, family",
    [(9.0, em.Categorical()), (2.5, em.Categorical()), (-1.0, em.Categorical(n_categories=8)),
     (8.0, em.Categorical(n_categories=8))],
)
def test_a_value_that_is_not_a_category_fails_at_prediction_naming_row_and_column(anes, value, family):
    fit = em.Mixture(family, 2).fit(anes, init="random", random_state=0)
    new = anes.iloc[:5].copy()
    new.iloc[3, 1] = value
    for method in (fit.predict, fit.predict_proba, fit.score_samples, fit.score):
        with pytest.raises(ValueError, match=rf"row 3, column 'educ': {value} is not one of the column's"):
            method(new)


def test_unknown_label_at_prediction_names_row_and_column():
    frame = pd.DataFrame({"colour": ["red", "blue", "red", "green"] * 5})
    fit = fit_categorical(frame, 1)
    with pytest.raises(ValueError, match=r"column 'colour' has the unknown category 'purple' in row 1"):
        fit.predict(pd.DataFrame({"colour": ["red", "purple"]}))
    with pytest.raises(ValueError, match=r"column 'colour' has the unknown category 1 in row 0"):
        fit.predict(pd.DataFrame({"colour": [1, 0]}))  # a number is not a text column's position


@pytest.mark.parametrize("with_text", [False, True])
def test_saved_fits_round_trip_with_value_categories(anes, with_text, tmp_path):
    frame = anes.assign(vote=np.where(np.arange(len(anes)) % 3, "yes", "no")) if with_text else anes
    fit = fit_categorical(frame, 2)
    check_round_trip(fit, frame)
    path = os.path.join(tmp_path, "fit.nc")
    fit.to_netcdf(path)
    loaded = em.load_fit(path)
    bad = frame.iloc[:3].copy()
    bad.iloc[2, 1] = 0.0
    with pytest.raises(ValueError, match=r"row 2, column 'educ': 0.0 is not one of the column's 7 categories"):
        loaded.predict(bad)


def test_independent_parts_use_observed_categories(anes):
    data = sm.datasets.anes96.load_pandas().data
    frame = pd.DataFrame({"educ": data.educ, "age": data.age, "vote": np.where(data.vote > 0, "dole", "clinton")})
    parts = {"educ": em.Categorical(), "age": em.Gaussian(), "vote": em.Categorical()}
    fit = em.Mixture(em.Independent(parts), 2).fit(frame, init="random", random_state=0)
    assert fit.n_params == 1 + 2 * ((7 - 1) + 2 + (2 - 1))
    assert fit.params.category.values.tolist() == ["1", "2", "3", "4", "5", "6", "7", "clinton", "dole"]
    check_round_trip(fit, frame)
    bad = frame.iloc[:4].copy()
    bad.iloc[1, 0] = 0.0
    with pytest.raises(ValueError, match=r"row 1, column 'educ': 0.0 is not one of the column's 7 categories"):
        fit.predict(bad)


def test_independent_with_numeric_categorical_parts_keeps_numeric_categories(anes):
    parts = {"educ": em.Categorical(), "PID": em.Categorical()}
    fit = em.Mixture(em.Independent(parts), 2).fit(anes, init="random", random_state=0)
    assert fit.params.category.values.tolist() == list(range(8))
    assert fit.n_params == 1 + 2 * (6 + 6)
    check_round_trip(fit, anes)


def test_dask_data_bind_the_same_categories(anes):
    da = pytest.importorskip("dask.array")
    x = anes.to_numpy() * 10.0  # categories 0, 10, ..., 60 and 10, ..., 70
    kwargs = dict(init="random", random_state=0)
    lazy = em.Mixture(em.Categorical(), 2).fit(da.from_array(x, chunks=200), **kwargs)
    eager = em.Mixture(em.Categorical(), 2).fit(x, **kwargs)
    assert lazy.params.category.values.tolist() == list(range(0, 80, 10))
    assert lazy.n_params == eager.n_params == 1 + 2 * (6 + 6)
    np.testing.assert_allclose(lazy.params.probs.values, eager.params.probs.values, rtol=1e-10)


@pytest.mark.parametrize("independent", [False, True])
def test_whole_and_fractional_numbers_beside_text_share_one_coordinate(independent):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.choice([1.0, 2.0], 300), "b": rng.choice([1.0, 2.5], 300), "c": rng.choice(["x", "y"], 300)})
    family = em.Independent({c: em.Categorical() for c in frame}) if independent else em.Categorical()
    fit = em.Mixture(family, 2).fit(frame, init="random", random_state=0)
    assert fit.params.category.values.tolist() == ["1", "2", "2.5", "x", "y"]
    assert fit.n_params == 1 + 2 * 3
    check_round_trip(fit, frame)

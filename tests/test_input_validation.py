"""Bad input to the Python API gives clear errors; every supported input kind works."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import emkit as em


@pytest.fixture(scope="module")
def X():
    """Two separated blobs, 60 x 2."""
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(0, 1, (30, 2)), rng.normal(5, 1, (30, 2))])


@pytest.fixture(scope="module")
def fit2(X):
    return em.GaussianMixture(2).fit(X, random_state=0)


def fit(X, n_components=2, **kwargs):
    return em.GaussianMixture(n_components).fit(X, random_state=0, **kwargs)


# -- the data ---------------------------------------------------------------------------


def test_nan_names_kind_and_row(X):
    bad = X.copy()
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN values in 1 row\(s\) \[7\]"):
        fit(bad)


def test_infinite_names_kind_and_row(X):
    bad = X.copy()
    bad[4, 0] = -np.inf
    with pytest.raises(ValueError, match=r"infinite values in 1 row\(s\) \[4\]") as info:
        fit(bad)
    assert "NaN" not in str(info.value)


def test_nan_and_infinite_reported_separately(X):
    bad = X.copy()
    bad[[2, 3], 0] = np.nan
    bad[9, 1] = np.inf
    expected = r"NaN values in 2 row\(s\) \[2, 3\] and infinite values in 1 row\(s\) \[9\]"
    with pytest.raises(ValueError, match=expected):
        fit(bad)


def test_many_bad_rows_are_abbreviated(X):
    bad = X.copy()
    bad[:20, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN values in 20 row\(s\) \[0, 1, 2, 3, 4, \.\.\.\]"):
        fit(bad)


def test_missing_value_in_dataframe():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.array([1, None, 3], dtype="Int64")})
    with pytest.raises(ValueError, match=r"NaN values in 1 row\(s\) \[1\]"):
        fit(frame, 1)


@pytest.mark.parametrize(
    "data, text",
    [
        (np.zeros((4, 3, 2)), "got 3-D"),
        (np.float64(2.0), "got 0-D"),
        (xr.DataArray(np.zeros((2, 2, 2))), "2-D DataArray"),
    ],
    ids=["3-D", "0-D", "3-D DataArray"],
)
def test_wrong_rank(data, text):
    with pytest.raises(ValueError, match=text):
        fit(data, 1)


@pytest.mark.parametrize(
    "data",
    [np.zeros((0, 2)), [], np.zeros((3, 0)), pd.DataFrame(), pd.DataFrame({"a": []}, dtype=float)],
    ids=["0 rows", "empty list", "0 columns", "empty DataFrame", "DataFrame without rows"],
)
def test_empty(data):
    with pytest.raises(ValueError, match="empty"):
        fit(data, 1)


def test_fewer_observations_than_components(X):
    with pytest.raises(ValueError, match="3 observations, fewer than the 5 components"):
        fit(X[:3], 5)


@pytest.mark.parametrize(
    "column",
    [
        ["x", "y", "z"],
        pd.Categorical(["x", "y", "x"]),
        pd.date_range("2020", periods=3),
        pd.Series([1, 2, 3], dtype=object),
    ],
    ids=["str", "category", "datetime", "object"],
)
def test_non_numeric_column_is_named(column):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "label": column})
    with pytest.raises(TypeError, match="non-numeric column.*label"):
        fit(frame, 1)


@pytest.mark.parametrize(
    "data",
    [np.array([["a", "b"], ["c", "d"]]), None, "abc", {"a": [1, 2]}],
    ids=["str array", "None", "str", "dict"],
)
def test_non_numeric_array(data):
    with pytest.raises(TypeError, match="numeric"):
        fit(data, 1)


@pytest.mark.parametrize(
    "data",
    [np.ones((5, 2)) + 1j, pd.DataFrame({"a": np.ones(5) + 1j}), xr.DataArray(np.ones((5, 2)) + 1j)],
    ids=["array", "DataFrame", "DataArray"],
)
def test_complex(data):
    with pytest.raises(TypeError, match="complex"):
        fit(data, 1)


def test_ragged_list():
    with pytest.raises(ValueError, match="could not be read as an array"):
        fit([[1.0, 2.0], [3.0]], 1)


def test_dataset_is_refused():
    with pytest.raises(TypeError, match="DataArray"):
        fit(xr.Dataset({"a": ("obs", [1.0, 2.0])}), 1)


# -- the model and fit options ----------------------------------------------------------


@pytest.mark.parametrize("k", [0, -1])
def test_n_components_below_one(k):
    with pytest.raises(ValueError, match=f"n_components must be at least 1, got {k}"):
        em.GaussianMixture(k)


@pytest.mark.parametrize("k", [2.5, 2.0, "2", True, None])
def test_n_components_not_an_integer(k):
    with pytest.raises(TypeError, match="n_components must be an integer"):
        em.GaussianMixture(k)


def test_unknown_covariance_lists_valid_names():
    with pytest.raises(ValueError, match="unknown covariance 'VVX'") as info:
        em.GaussianMixture(2, covariance="VVX")
    for name in em.COVARIANCE_NAMES + ("full", "tied", "diag", "spherical"):
        assert name in str(info.value)


def test_covariance_of_wrong_type():
    with pytest.raises(TypeError, match="covariance must be a name"):
        em.GaussianMixture(2, covariance=3)


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"n_init": 0}, ValueError, "n_init must be a positive integer, got 0"),
        ({"n_init": -2}, ValueError, "n_init"),
        ({"n_init": 1.5}, ValueError, "n_init"),
        ({"max_iter": -1}, ValueError, "max_iter must be a non-negative integer, got -1"),
        ({"max_iter": 2.5}, ValueError, "max_iter"),
        ({"tol": -1e-3}, ValueError, "tol must be a finite non-negative number"),
        ({"tol": np.nan}, ValueError, "tol must be a finite non-negative number"),
        ({"tol": "small"}, TypeError, "tol must be a real number, not str"),
        ({"tol": None}, TypeError, "tol must be a real number, not NoneType"),
        ({"chunk_size": 0}, ValueError, "chunk_size must be a positive integer or None, got 0"),
        ({"chunk_size": -5}, ValueError, "chunk_size"),
        ({"chunk_size": 10.5}, ValueError, "chunk_size"),
        ({"random_state": "seed"}, TypeError, "random_state"),
    ],
    ids=lambda v: ",".join(f"{k}={v!r}" for k, v in v.items()) if isinstance(v, dict) else "",
)
def test_bad_fit_option(X, kwargs, error, text):
    with pytest.raises(error, match=text):
        fit(X, **kwargs)


def test_numpy_integer_options_accepted(X):
    result = em.GaussianMixture(np.int64(2)).fit(X, n_init=np.int64(2), max_iter=np.int64(50), random_state=0)
    assert result.n_components == 2


@pytest.mark.parametrize(
    "weight, text",
    [
        (-np.ones(60), "non-negative"),
        (np.full(60, np.nan), "finite"),
        (np.ones(59), "59 values for 60 observations"),
        (np.ones((60, 1)), r"1-D .* shape \(60, 1\)"),
        (np.ones((30, 2)), r"1-D .* shape \(30, 2\)"),
        (np.zeros(60), "sums to zero"),
    ],
    ids=["negative", "NaN", "short", "column", "2-D", "zero"],
)
def test_bad_sample_weight(X, weight, text):
    with pytest.raises(ValueError, match=text):
        fit(X, sample_weight=weight)


def test_bad_init_string_lists_methods(X):
    with pytest.raises(ValueError, match="unknown init 'kmeans'.*kmeans\\+\\+, random_from_data, random"):
        fit(X, init="kmeans")


@pytest.mark.parametrize("shape", [(60, 3), (59, 2), (60,)])
def test_init_responsibilities_of_wrong_shape(X, shape):
    with pytest.raises(ValueError, match=r"initial responsibilities must have shape \(60, 2\)"):
        fit(X, init=np.ones(shape))


def test_init_responsibilities_negative(X):
    resp = np.ones((60, 2))
    resp[0, 0] = -1
    with pytest.raises(ValueError, match="non-negative"):
        fit(X, init=resp)


def test_init_dataset_with_wrong_number_of_components(X):
    three = em.GaussianMixture(3).fit(X, random_state=0)
    with pytest.raises(ValueError, match="initial parameters have 3 components, the model has 2"):
        fit(X, init=three.params)


def test_init_dataset_with_wrong_number_of_features(X, fit2):
    with pytest.raises(ValueError, match="initial parameters have 2 features, the data have 1"):
        fit(X[:, :1], init=fit2.params)


def test_init_dataset_round_trip(X, fit2):
    again = fit(X, init=fit2.params)
    assert again.log_likelihood >= fit2.log_likelihood - 1e-9 * abs(fit2.log_likelihood)


# -- predictions -------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 3])
def test_predict_proba_wrong_number_of_features(fit2, d):
    with pytest.raises(ValueError, match=f"X has {d} features; the model was fitted to 2"):
        fit2.predict_proba(np.ones((4, d)))


def test_predict_proba_nan(fit2):
    with pytest.raises(ValueError, match="NaN"):
        fit2.predict_proba(np.array([[0.0, np.nan]]))


# -- accepted inputs ---------------------------------------------------------------------------


def test_numpy_array_gets_integer_coordinates(X, fit2):
    assert fit2.params.feature.values.tolist() == [0, 1]
    proba = fit2.predict_proba(X)
    assert proba.dims == ("observation", "component")
    assert proba.observation.values.tolist() == list(range(60))
    np.testing.assert_allclose(proba.sum("component"), 1.0)


def test_list_of_lists_equals_array(X, fit2):
    assert fit(X.tolist()).log_likelihood == fit2.log_likelihood


def test_one_dimensional_array_is_one_feature(X):
    result = fit(X[:, 0])
    assert result.params.means.shape == (2, 1)
    assert result.log_likelihood == fit(X[:, :1]).log_likelihood
    assert result.predict_proba(X[:5, 0]).shape == (5, 2)


def test_dataframe_coordinates(X, fit2):
    index = [f"r{i}" for i in range(60)]
    frame = pd.DataFrame(X, columns=["height", "width"], index=index)
    result = fit(frame)
    assert result.log_likelihood == fit2.log_likelihood
    assert result.params.feature.values.tolist() == ["height", "width"]
    assert result.params.means.sel(feature="width").shape == (2,)
    proba = result.predict_proba(frame.iloc[10:13])
    assert proba.observation.values.tolist() == ["r10", "r11", "r12"]


def test_series_is_one_named_feature(X):
    series = pd.Series(X[:, 0], name="height", index=np.arange(100, 160))
    result = fit(series)
    assert result.params.feature.values.tolist() == ["height"]
    assert result.log_likelihood == fit(X[:, :1]).log_likelihood
    assert result.predict_proba(series).observation.values[0] == 100


def test_dataframe_bool_columns_are_numeric():
    frame = pd.DataFrame({"a": [0.1, 0.5, 0.9, 0.3], "flag": [True, False, True, False]})
    assert fit(frame, 1).params.feature.values.tolist() == ["a", "flag"]


@pytest.mark.parametrize("order", [("obs", "feature"), ("feature", "obs")])
def test_dataarray_coordinates(X, fit2, order):
    array = xr.DataArray(
        X, dims=("obs", "feature"), coords={"obs": np.arange(60) * 10, "feature": ["height", "width"]}
    ).transpose(*order)
    result = fit(array)
    assert result.log_likelihood == fit2.log_likelihood
    assert result.params.feature.values.tolist() == ["height", "width"]
    np.testing.assert_array_equal(result.params.means.values, fit2.params.means.values)
    proba = result.predict_proba(array)
    assert proba.observation.values.tolist() == (np.arange(60) * 10).tolist()
    np.testing.assert_array_equal(proba.values, fit2.predict_proba(X).values)


def test_dataarray_without_coordinates_and_other_dim_names(X, fit2):
    result = fit(xr.DataArray(X, dims=("time", "channel")))
    assert result.log_likelihood == fit2.log_likelihood
    assert result.params.feature.values.tolist() == [0, 1]

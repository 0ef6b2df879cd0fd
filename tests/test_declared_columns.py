"""A declaration that names its columns reads only those; a misspelt name is an error naming it.

``Independent`` with names uses exactly those names, ``Regression`` with
features its target and features. Every other column of a DataFrame or
DataArray (text included) is ignored and is no feature of the fit. A
declaration without names (a Gaussian mixture, a Regression without
features) uses every column, so a text column there is still an error.
"""

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats
from scipy.special import logsumexp

import emkit as em

TWO_GAUSSIANS = {"eruptions": em.Gaussian(), "waiting": em.Gaussian()}


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def with_extras(faithful):
    """Faithful with an identifier (text) column first and a numeric column no model names."""
    frame = faithful.copy()
    frame.insert(0, "id", [f"visit-{i}" for i in range(len(frame))])
    frame["noise"] = np.random.default_rng(1).normal(size=len(frame))
    return frame


@pytest.fixture(scope="module")
def independent_fit(with_extras):
    return em.Mixture(em.Independent(TWO_GAUSSIANS), n_components=2).fit(with_extras, n_init=3, random_state=0)


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 400)
    line = rng.integers(0, 2, 400)
    y = np.where(line == 0, 1.0 + 2.0 * x, 8.0 - 1.0 * x) + rng.normal(0, 0.5, 400)
    return pd.DataFrame({"id": [f"r{i}" for i in range(400)], "x": x, "other": rng.normal(size=400), "y": y})


def independent_gaussian_log_terms(fit, frame):
    """``log w_k + log N(e; mu, s2) + log N(w; mu, s2)`` from the fitted parameters, by scipy."""
    p = fit.params
    terms = np.log(p.weights.values)[None, :].repeat(len(frame), axis=0)
    for feature in ("eruptions", "waiting"):
        mean = p.means.sel(feature=feature).values
        sd = np.sqrt(p.covariances.sel(feature=feature, feature2=feature).values)
        terms += stats.norm.logpdf(frame[feature].to_numpy()[:, None], mean, sd)
    return terms


def regression_log_terms(fit, frame):
    """``log w_k + log N(y; b0 + b1 x, sigma_k)`` from the fitted parameters, by scipy."""
    coef = fit.params.coefficients.sel(term=["intercept", "x"]).values
    mean = coef[:, 0] + np.outer(frame["x"].to_numpy(), coef[:, 1])
    return np.log(fit.params.weights.values) + stats.norm.logpdf(
        frame["y"].to_numpy()[:, None], mean, fit.params.sigma.values
    )


# -- misspelt names -------------------------------------------------------------------------


def test_misspelt_independent_column_is_named_with_the_columns_and_a_suggestion(faithful):
    model = em.Mixture(em.Independent({"eruptons": em.Gaussian(), "waiting": em.Gaussian()}), n_components=2)
    with pytest.raises(ValueError) as info:
        model.fit(faithful, random_state=0)
    message = str(info.value)
    assert "no column 'eruptons'" in message
    assert "did you mean 'eruptions'?" in message
    assert "its columns are eruptions, waiting" in message
    assert "non-numeric" not in message


@pytest.mark.parametrize(
    "target, features, typo, meant",
    [("yy", ["x"], "yy", "y"), ("y", ["x", "othr"], "othr", "other"), ("y", ["X"], "X", "x")],
)
def test_misspelt_regression_column_is_named_with_the_columns_and_a_suggestion(
    regression_data, target, features, typo, meant
):
    model = em.Mixture(em.Regression(target, features), n_components=2)
    with pytest.raises(ValueError) as info:
        model.fit(regression_data, random_state=0)
    message = str(info.value)
    assert f"no column {typo!r}" in message
    assert f"did you mean {meant!r}?" in message
    assert "its columns are id, x, other, y" in message


def test_a_name_close_to_no_column_gets_no_suggestion(faithful):
    model = em.Mixture(em.Independent({"zzz": em.Gaussian()}))
    with pytest.raises(ValueError, match=re.escape("no column 'zzz', which the model names; its columns are")):
        model.fit(faithful)


def test_binding_a_family_to_names_suggests_the_closest_column():
    names = np.array(["eruptions", "waiting"])
    suggestion = "target 'waitng' is not a column of the data (did you mean 'waiting'?)"
    with pytest.raises(ValueError, match=re.escape(suggestion)):
        em.Regression("waitng", ["eruptions"]).bind(names)
    with pytest.raises(ValueError, match=re.escape("no column 'Eruption' in the data (did you mean 'eruptions'?)")):
        em.Independent({"Eruption": em.Gaussian()}).bind(names)


# -- columns the declaration does not use ----------------------------------------------------


def test_unused_columns_are_no_features_of_an_independent_fit(independent_fit):
    assert independent_fit.features.tolist() == ["eruptions", "waiting"]
    assert independent_fit.params.feature.values.tolist() == ["eruptions", "waiting"]
    text = independent_fit.summary_text()
    assert "features: eruptions, waiting\n" in text
    assert "id" not in text.split("features:")[1].split("\n")[0]
    assert not any("noise" in column or "id" in column for column in independent_fit.parameter_table().columns)


def test_unused_columns_leave_the_independent_fit_unchanged(independent_fit, faithful):
    plain = em.Mixture(em.Independent(TWO_GAUSSIANS), n_components=2).fit(faithful, n_init=3, random_state=0)
    assert abs(independent_fit.log_likelihood - plain.log_likelihood) < 1e-10
    oracle = logsumexp(independent_gaussian_log_terms(independent_fit, faithful), axis=1).sum()
    assert independent_fit.log_likelihood == pytest.approx(oracle, rel=1e-10)


def test_unused_columns_are_no_features_of_a_regression_fit(regression_data):
    model = em.Mixture(em.Regression("y", ["x"]), n_components=2)
    fit = model.fit(regression_data, n_init=3, random_state=0)
    plain = model.fit(regression_data[["x", "y"]], n_init=3, random_state=0)
    assert fit.features.tolist() == ["x", "y"]
    assert fit.params.column_role.feature.values.tolist() == ["x", "y"]
    assert abs(fit.log_likelihood - plain.log_likelihood) < 1e-10
    oracle = logsumexp(regression_log_terms(fit, regression_data), axis=1).sum()
    assert fit.log_likelihood == pytest.approx(oracle, rel=1e-10)
    assert sorted(fit.params.coefficients.sel(term="x").values.round(1).tolist()) == [-1.0, 2.0]


def test_a_categorical_part_encodes_its_own_text_column_only():
    rng = np.random.default_rng(2)
    group = rng.integers(0, 2, 300)
    frame = pd.DataFrame({
        "id": [f"p{i}" for i in range(300)],
        "colour": np.where(rng.random(300) < np.where(group == 0, 0.9, 0.1), "red", "blue"),
        "height": rng.normal(np.where(group == 0, 160.0, 180.0), 4.0),
    })
    model = em.Mixture(em.Independent({"height": em.Gaussian(), "colour": em.Categorical()}), n_components=2)
    fit = model.fit(frame, n_init=3, random_state=0)
    plain = model.fit(frame[["colour", "height"]], n_init=3, random_state=0)
    assert fit.features.tolist() == ["colour", "height"]
    assert list(fit.categories) == ["colour"]
    assert abs(fit.log_likelihood - plain.log_likelihood) < 1e-10
    # the independent oracle: product of a Bernoulli-like categorical and a normal density per component
    p = fit.params
    probs = p.probs.sel(feature="colour", category=frame["colour"].to_numpy()).values  # (component, n)
    sd = np.sqrt(p.covariances.sel(feature="height", feature2="height").values)
    terms = (
        np.log(p.weights.values) + np.log(probs.T)
        + stats.norm.logpdf(frame["height"].to_numpy()[:, None], p.means.sel(feature="height").values, sd)
    )
    assert fit.log_likelihood == pytest.approx(logsumexp(terms, axis=1).sum(), rel=1e-10)


def test_a_dataarray_keeps_only_the_named_features(faithful):
    frame = faithful.assign(noise=np.arange(len(faithful), dtype=float))
    array = xr.DataArray(frame.to_numpy(), dims=("observation", "feature"), coords={"feature": list(frame.columns)})
    model = em.Mixture(em.Independent(TWO_GAUSSIANS), n_components=2)
    fit = model.fit(array, n_init=3, random_state=0)
    plain = model.fit(faithful, n_init=3, random_state=0)
    assert fit.features.tolist() == ["eruptions", "waiting"]
    assert abs(fit.log_likelihood - plain.log_likelihood) < 1e-10


# -- new data --------------------------------------------------------------------------------


def test_predictions_on_reordered_columns_with_extras_match_by_name(independent_fit, faithful, with_extras):
    reordered = with_extras[["noise", "waiting", "id", "eruptions"]]
    resp = independent_fit.predict_proba(reordered).values
    terms = independent_gaussian_log_terms(independent_fit, faithful)
    oracle = np.exp(terms - logsumexp(terms, axis=1, keepdims=True))
    np.testing.assert_allclose(resp, oracle, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(independent_fit.predict(reordered).values, oracle.argmax(axis=1))
    assert independent_fit.score(reordered) == pytest.approx(logsumexp(terms, axis=1).mean(), rel=1e-10)


def test_regression_predictions_ignore_extra_text_columns(regression_data):
    fit = em.Mixture(em.Regression("y", ["x"]), n_components=2).fit(regression_data, n_init=3, random_state=0)
    reordered = regression_data[["y", "other", "x", "id"]]
    terms = regression_log_terms(fit, regression_data)
    oracle = np.exp(terms - logsumexp(terms, axis=1, keepdims=True))
    np.testing.assert_allclose(fit.predict_proba(reordered).values, oracle, rtol=1e-9, atol=1e-12)


# -- declarations that use every column ------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        em.GaussianMixture(2),
        em.Mixture(em.Gaussian(), n_components=2),
        em.Mixture(em.Regression("waiting"), n_components=2),
        em.Mixture([em.Independent(TWO_GAUSSIANS), em.Gaussian()]),
    ],
    ids=["GaussianMixture", "Mixture(Gaussian)", "Regression without features", "Independent and Gaussian"],
)
def test_a_declaration_without_names_still_rejects_text_columns(model, with_extras):
    with pytest.raises(TypeError, match=re.escape("X has non-numeric column(s): id; select numeric columns")):
        model.fit(with_extras, random_state=0)


def test_positions_refer_to_every_column_of_the_data(faithful):
    frame = faithful.assign(noise=np.random.default_rng(3).normal(size=len(faithful)))
    model = em.Mixture(em.Independent({0: em.Gaussian(), 1: em.Gaussian()}), n_components=2)
    fit = model.fit(frame, n_init=3, random_state=0)
    assert fit.features.tolist() == ["eruptions", "waiting", "noise"]
    named = em.Mixture(em.Independent(TWO_GAUSSIANS), n_components=2).fit(faithful, n_init=3, random_state=0)
    assert abs(fit.log_likelihood - named.log_likelihood) < 1e-10

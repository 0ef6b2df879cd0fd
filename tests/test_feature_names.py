"""Data given to a fitted model are read by feature name (DataFrame columns, DataArray feature coordinate).

Reordered columns give the same answers, extra columns are ignored, a missing
(or renamed) column is a ValueError naming it; data without names are read by
position with a width check.
"""

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats
from scipy.special import logsumexp
from sklearn.datasets import load_wine

import emkit as em


def as_dataarray(frame, chunks=None):
    values = frame.to_numpy() if chunks is None else da.from_array(frame.to_numpy(), chunks=chunks)
    return xr.DataArray(values, dims=("observation", "feature"), coords={"feature": [str(c) for c in frame.columns]})


FORMS = {"DataFrame": lambda frame: frame, "DataArray": as_dataarray}


def shuffled(frame):
    """The columns of ``frame`` reversed, with an extra column first."""
    out = frame[frame.columns[::-1]].copy()
    out.insert(0, "extra", -1e6)
    return out


@pytest.fixture(scope="module")
def wine():
    return load_wine(as_frame=True).data[["alcohol", "malic_acid", "ash", "magnesium", "proline"]]


@pytest.fixture(scope="module")
def wine_fit(wine):
    return em.GaussianMixture(3).fit(wine, random_state=0)


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def faithful_fit(faithful):
    return em.GaussianMixture(2).fit(faithful, random_state=0)


def scipy_log_terms(fit, x):
    """``log w_k + log N(x_i; mu_k, Sigma_k)`` from the fitted parameters; ``x`` in the fit's feature order."""
    p = fit.params
    return np.stack(
        [
            np.log(p.weights.values[k])
            + stats.multivariate_normal(p.means.values[k], p.covariances.values[k]).logpdf(x)
            for k in range(fit.n_components)
        ],
        axis=1,
    )


# -- Gaussian mixture on wine: predictions against scipy -------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_reordered_columns_with_an_extra_one_predict_as_scipy_does(wine, wine_fit, form):
    terms = scipy_log_terms(wine_fit, wine.to_numpy())
    log_density = logsumexp(terms, axis=1)
    data = FORMS[form](shuffled(wine))
    np.testing.assert_allclose(wine_fit.score_samples(data).values, log_density, rtol=1e-9)
    assert wine_fit.score(data) == pytest.approx(log_density.mean(), rel=1e-9)
    np.testing.assert_allclose(wine_fit.predict_proba(data).values, np.exp(terms - log_density[:, None]), atol=1e-9)
    np.testing.assert_array_equal(wine_fit.predict(data).values, terms.argmax(axis=1))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "score_samples"])
def test_a_renamed_column_is_named_in_the_error(wine, wine_fit, form, method):
    renamed = FORMS[form](wine.rename(columns={"ash": "ashes"}))
    with pytest.raises(ValueError, match="X lacks the column 'ash' that the model was fitted to"):
        getattr(wine_fit, method)(renamed)


def test_plain_arrays_are_read_by_position_with_a_width_check(wine, wine_fit):
    np.testing.assert_array_equal(wine_fit.score_samples(wine.to_numpy()).values, wine_fit.score_samples(wine).values)
    with pytest.raises(ValueError, match=r"X has 4 features; the model was fitted to 5 \(alcohol, malic_acid, "):
        wine_fit.predict(wine.to_numpy()[:, :4])
    unnamed = xr.DataArray(wine.to_numpy()[:, :4], dims=("observation", "feature"))
    with pytest.raises(ValueError, match="X has 4 features; the model was fitted to 5"):
        wine_fit.predict(unnamed)


def test_a_fit_to_a_plain_array_matches_its_positions_by_name_and_reads_other_names_by_position(wine):
    fit = em.GaussianMixture(2).fit(wine.to_numpy(), random_state=0)
    expected = logsumexp(scipy_log_terms(fit, wine.to_numpy()), axis=1)
    np.testing.assert_allclose(fit.score_samples(wine).values, expected, rtol=1e-9)
    positions = pd.DataFrame(wine.to_numpy())
    np.testing.assert_allclose(fit.score_samples(positions[[4, 3, 2, 1, 0]]).values, expected, rtol=1e-9)
    with pytest.raises(ValueError, match="X has 6 features; the model was fitted to 5"):
        fit.predict(wine.assign(extra=0.0))


# -- every other method taking data, on Old Faithful ------------------------------------------------


def bootstrap(fit, X):
    return em.bootstrap(fit, X, n_boot=2, random_state=3, progress=False)


METHODS = {
    "summary": lambda fit, X: em.summary(fit, X),
    "bootstrap": bootstrap,
    "to_inference_data": lambda fit, X: fit.to_inference_data(X, n_draws=2, random_state=0),
    "compute_clusters": lambda fit, X: em.plot.compute_clusters(fit, X, features=("eruptions", "waiting")).points,
    "compute_density_1d": lambda fit, X: em.plot.compute_density_1d(fit, X, feature="waiting", n_grid=20),
    "compute_density_2d": lambda fit, X: em.plot.compute_density_2d(fit, X, n_grid=10),
    "compute_predictive": lambda fit, X: em.plot.compute_predictive(fit, X, n_draws=50, random_state=0),
    "compute_uncertainty": lambda fit, X: em.plot.compute_uncertainty(fit, X),
}


def assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, (xr.Dataset, xr.DataArray)):
        xr.testing.assert_identical(a, b)
    elif hasattr(a, "groups"):  # InferenceData
        for group in a.groups():
            xr.testing.assert_identical(a[group], b[group])
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("method", METHODS)
def test_reordered_columns_give_the_same_result(faithful, faithful_fit, method, form):
    expected = METHODS[method](faithful_fit, faithful)
    assert_same(METHODS[method](faithful_fit, FORMS[form](shuffled(faithful))), expected)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("method", [*METHODS, "report"])
def test_a_missing_column_is_named(faithful, faithful_fit, method, form):
    run = METHODS.get(method, lambda fit, X: em.report(fit, X, n_draws=2))
    with pytest.raises(ValueError, match="X lacks the column 'waiting' that the model was fitted to"):
        run(faithful_fit, FORMS[form](faithful.rename(columns={"waiting": "wait"})))


def test_report_reads_columns_by_name(faithful, faithful_fit):
    assert em.report(faithful_fit, shuffled(faithful), n_draws=2) == em.report(faithful_fit, faithful, n_draws=2)


def test_bootstrap_of_too_narrow_data_is_the_width_error(faithful, faithful_fit):
    with pytest.raises(ValueError, match=r"X has 1 features; the model was fitted to 2 \(eruptions, waiting\)"):
        bootstrap(faithful_fit, faithful.to_numpy()[:, :1])


# -- stepwise EM: mini-batches and partial_fit --------------------------------------------------------


def test_online_batches_are_matched_by_name_against_the_first(faithful):
    batches = [faithful.iloc[:136], faithful.iloc[136:]]
    expected = em.GaussianMixture(2).fit_online(batches, random_state=0)
    fit = em.GaussianMixture(2).fit_online([batches[0], shuffled(batches[1])], random_state=0)
    xr.testing.assert_identical(fit.params, expected.params)
    with pytest.raises(ValueError, match="a mini-batch lacks the column 'waiting'"):
        em.GaussianMixture(2).fit_online([batches[0], batches[1][["eruptions"]]], random_state=0)
    newer = expected.partial_fit(batches[1])
    xr.testing.assert_identical(expected.partial_fit(as_dataarray(shuffled(batches[1]))).params, newer.params)
    with pytest.raises(ValueError, match="X lacks the column 'eruptions'"):
        expected.partial_fit(batches[1][["waiting"]])


# -- conditional sampling (regression) ------------------------------------------------------------------


def test_sample_given_rows_reads_them_by_name():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200)}).assign(y=lambda f: 2 * f.x + rng.normal(size=200))
    fit = em.Mixture(em.Regression("y", ["x"])).fit(frame, random_state=0)
    given = frame.iloc[:5]
    draws = fit.sample(given=given[["y", "x"]].assign(other=0.0), random_state=1)
    np.testing.assert_array_equal(draws.sel(feature="x").values, given.x.values)  # the features are kept
    xr.testing.assert_identical(draws, fit.sample(given=given, random_state=1))
    with pytest.raises(ValueError, match="given lacks the column 'x'"):
        fit.sample(given=given[["y"]])


# -- a mixed model: Independent with a Categorical part ------------------------------------------------


def test_independent_model_with_categories_matches_columns_by_name():
    rng = np.random.default_rng(1)
    labels = rng.integers(2, size=300)
    frame = pd.DataFrame(
        {
            "height": np.where(labels, rng.normal(180, 5, 300), rng.normal(160, 5, 300)),
            "colour": np.where(labels, rng.choice(["red", "blue"], 300), rng.choice(["blue", "green"], 300)),
        }
    )
    model = em.Mixture(em.Independent({"height": em.Gaussian(), "colour": em.Categorical()}), n_components=2)
    fit = model.fit(frame, random_state=0)
    expected = fit.predict_proba(frame).values
    reordered = frame[["colour", "height"]].assign(note="ignored text")
    np.testing.assert_array_equal(fit.predict_proba(reordered).values, expected)
    with pytest.raises(ValueError, match="X lacks the column 'colour'"):
        fit.predict(frame[["height"]])


# -- dask data ---------------------------------------------------------------------------------------------


def test_dask_dataarrays_are_matched_by_name_and_dask_arrays_by_position(faithful, faithful_fit):
    expected = faithful_fit.score_samples(faithful).values
    lazy = as_dataarray(shuffled(faithful), chunks=100)
    np.testing.assert_allclose(faithful_fit.score_samples(lazy).values, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="X lacks the column 'waiting'"):
        faithful_fit.predict(as_dataarray(faithful[["eruptions"]], chunks=100))
    with pytest.raises(ValueError, match="X has 1 features; the model was fitted to 2"):
        faithful_fit.predict(da.from_array(faithful.to_numpy()[:, :1], chunks=100))


# -- labels of the input layer -------------------------------------------------------------------------------


def test_multiindex_labels_are_flattened_and_matched(faithful):
    frame = faithful.copy()
    frame.columns = pd.MultiIndex.from_tuples([("eruption", "minutes"), ("wait", "minutes")])
    frame.index = pd.MultiIndex.from_arrays([np.arange(len(frame)) // 100, np.arange(len(frame))])
    fit = em.GaussianMixture(2).fit(frame, random_state=0)
    assert fit.features.tolist() == ["eruption_minutes", "wait_minutes"]
    labels = fit.predict(frame[frame.columns[::-1]])
    assert labels.observation.values[:2].tolist() == ["0_0", "0_1"]
    np.testing.assert_array_equal(labels.values, fit.predict(frame.to_numpy()).values)


def test_duplicate_column_names_are_refused_where_they_are_read(faithful, faithful_fit):
    with pytest.raises(ValueError, match="X has more than one column named 'a'"):
        em.GaussianMixture(2).fit(faithful.set_axis(["a", "a"], axis=1))
    doubled = pd.concat([faithful, faithful.waiting], axis=1)
    with pytest.raises(ValueError, match="X has more than one column named 'waiting'"):
        faithful_fit.predict(doubled)
    unused = pd.concat([faithful, faithful.waiting.rename("extra"), faithful.waiting.rename("extra")], axis=1)
    np.testing.assert_array_equal(faithful_fit.predict(unused).values, faithful_fit.predict(faithful).values)

"""Mixtures of regressions with the whole toolkit: predictions of the response, posteriors without it,
conditional replicate data sets, regression lines in the cluster plot, the report.

Oracles: the closed forms from ``fit.params``, ``numpy.linalg.lstsq`` on the simulated groups, and
simulation (moments of conditional draws against the parameters).
"""

import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import emkit as em  # noqa: E402
from emkit.results.replicates import draw_replicates, drawn_features  # noqa: E402

TRUE_LINES = np.array([[1.0, 2.0], [14.0, -1.0]])  # (intercept, slope) of each group
TRUE_SIGMA = np.array([0.4, 0.8])


def simulate_lines(n, rng):
    """Two well-separated lines in x in [0, 10]; the group of each row."""
    group = rng.integers(0, 2, n)
    x = rng.uniform(0, 10, n)
    y = TRUE_LINES[group, 0] + TRUE_LINES[group, 1] * x + TRUE_SIGMA[group] * rng.standard_normal(n)
    return pd.DataFrame({"x": x, "y": y}), group


@pytest.fixture(scope="module")
def lines():
    data, group = simulate_lines(800, np.random.default_rng(11))
    fit = em.Mixture(em.Regression("y", ["x"]), 2).fit(data, n_init=3, random_state=0)
    return fit, data, group


def matching(fit):
    """Component of the fit for each true group (by slope)."""
    slopes = fit.params.coefficients.sel(term="x").values
    return np.array([int(np.argmin(np.abs(slopes - s))) for s in TRUE_LINES[:, 1]])


# -- predict_response --------------------------------------------------------------------------
def test_predict_response_is_the_closed_form_from_params(lines):
    fit, data, _ = lines
    new = pd.DataFrame({"x": [-1.0, 0.0, 2.5, 10.0]}, index=list("abcd"))
    coef = fit.params.coefficients.transpose("component", "term").sel(term=["intercept", "x"]).values
    weights = fit.params.weights.values
    each = coef[:, 0][None, :] + new.x.to_numpy()[:, None] * coef[:, 1][None, :]
    by_component = fit.predict_response(new, by_component=True)
    assert by_component.dims == ("observation", "component")
    assert by_component.observation.values.tolist() == list("abcd")
    np.testing.assert_allclose(by_component.values, each, rtol=1e-12)
    mixture = fit.predict_response(new)
    assert mixture.dims == ("observation",)
    np.testing.assert_allclose(mixture.values, each @ weights, rtol=1e-12)
    # the response column is not read when present, whatever it holds
    with_response = new.assign(y=[1e9, -3.0, 0.0, 7.0])
    np.testing.assert_allclose(fit.predict_response(with_response).values, mixture.values)
    # arrays: the covariates alone, or whole rows in the fit's feature order
    np.testing.assert_allclose(fit.predict_response(new.x.to_numpy()).values, mixture.values)
    np.testing.assert_allclose(fit.predict_response(with_response[["x", "y"]].to_numpy()).values, mixture.values)


def test_predict_response_matches_least_squares_on_each_group(lines):
    fit, data, group = lines
    grid = np.linspace(0, 10, 5)
    each = fit.predict_response(pd.DataFrame({"x": grid}), by_component=True).values
    for g, k in enumerate(matching(fit)):
        mine = group == g
        design = np.column_stack([np.ones(mine.sum()), data.x[mine]])
        beta = np.linalg.lstsq(design, data.y[mine], rcond=None)[0]
        np.testing.assert_allclose(each[:, k], beta[0] + beta[1] * grid, atol=0.1)
        np.testing.assert_allclose(each[:, k], TRUE_LINES[g, 0] + TRUE_LINES[g, 1] * grid, atol=0.2)
    # the mixture's mean: the true lines weighted by the groups' shares
    share = np.bincount(group, minlength=2) / len(group)
    truth = (TRUE_LINES[:, 0][None, :] + grid[:, None] * TRUE_LINES[:, 1][None, :]) @ share
    np.testing.assert_allclose(fit.predict_response(pd.DataFrame({"x": grid})).values, truth, atol=0.5)


def test_predict_response_with_two_regression_families():
    rng = np.random.default_rng(5)
    n = 600
    x1, x2, group = rng.uniform(0, 10, n), rng.uniform(0, 10, n), rng.integers(0, 2, n)
    y = np.where(group == 0, 1 + 2 * x1, 20 - 1.5 * x2) + rng.normal(0, 0.5, n)
    data = pd.DataFrame({"x1": x1, "x2": x2, "y": y})
    fit = em.Mixture([em.Regression("y", ["x1"]), em.Regression("y", ["x2"])]).fit(data, n_init=3, random_state=0)
    new = pd.DataFrame({"x2": [0.0, 4.0], "x1": [1.0, 3.0]})
    coef = fit.params.coefficients.transpose("component", "term").to_pandas()
    first = coef.loc[0, "intercept"] + coef.loc[0, "x1"] * new.x1.to_numpy()
    second = coef.loc[1, "intercept"] + coef.loc[1, "x2"] * new.x2.to_numpy()
    np.testing.assert_allclose(fit.predict_response(new, by_component=True).values,
                               np.column_stack([first, second]), rtol=1e-12)


def test_predict_response_errors_name_the_problem(lines):
    fit, data, _ = lines
    gaussian = em.GaussianMixture(2).fit(data, random_state=0)
    with pytest.raises(ValueError, match=r"mixture of regressions .* Gaussian components"):
        gaussian.predict_response(data)
    with pytest.raises(ValueError, match="lacks the column 'x'"):
        fit.predict_response(pd.DataFrame({"z": [1.0]}))
    with pytest.raises(ValueError, match="has 3 features"):
        fit.predict_response(np.zeros((2, 3)))


# -- posterior without the response --------------------------------------------------------------
def test_predict_proba_without_the_response_is_the_mixing_weights(lines):
    fit, data, _ = lines
    weights = fit.params.weights.values
    for covariates in (data[["x"]], data.x.to_numpy()):
        proba = fit.predict_proba(covariates)
        assert proba.shape == (len(data), 2)
        np.testing.assert_allclose(proba.values, np.tile(weights, (len(data), 1)), rtol=1e-15)
        assert (fit.predict(covariates).values == np.argmax(weights)).all()
    np.testing.assert_array_equal(fit.predict_proba(data[["x"]]).observation.values, data.index.to_numpy())
    # with the response the posterior uses it: the rows' own lines, not the weights
    with_response = fit.predict_proba(data).values
    assert with_response.max(axis=1).mean() > 0.9
    # an observation's posterior from its log-densities (Bayes' rule), as the oracle
    log_joint = np.log(weights) + np.column_stack([
        -0.5 * np.log(2 * np.pi * s**2) - 0.5 * ((data.y - b0 - b1 * data.x) / s) ** 2
        for (b0, b1), s in zip(fit.params.coefficients.sel(term=["intercept", "x"]).values, fit.params.sigma.values)
    ])
    expected = np.exp(log_joint - np.logaddexp.reduce(log_joint, axis=1, keepdims=True))
    np.testing.assert_allclose(with_response, expected, rtol=1e-8, atol=1e-12)


def test_a_gaussian_fit_still_needs_every_feature(lines):
    _, data, _ = lines
    gaussian = em.GaussianMixture(2).fit(data, random_state=0)
    with pytest.raises(ValueError, match="lacks the column 'y'"):
        gaussian.predict_proba(data[["x"]])


# -- conditional replicates -----------------------------------------------------------------------
def test_conditional_replicates_keep_the_covariates_and_draw_the_response_from_params(lines):
    fit, data, _ = lines
    rows = fit.observations(data).values
    n_draws = 40
    replicates = draw_replicates(fit, rows, n_draws, random_state=1)
    assert replicates.shape == (n_draws, len(data), 2)
    x_col, y_col = list(fit.features).index("x"), list(fit.features).index("y")
    assert drawn_features(fit) == [y_col]
    np.testing.assert_array_equal(replicates[:, :, x_col], np.tile(rows[:, x_col], (n_draws, 1)))
    coef = fit.params.coefficients.sel(term=["intercept", "x"]).values
    sigma, weights = fit.params.sigma.values, fit.params.weights.values
    x = np.tile(rows[:, x_col], n_draws)
    y = replicates[:, :, y_col].ravel()
    means = coef[:, 0][None, :] + x[:, None] * coef[:, 1][None, :]
    nearest = np.argmin(np.abs(y[:, None] - means) / sigma, axis=1)  # the lines are far apart
    far = np.abs(means[:, 0] - means[:, 1]) > 8 * sigma.max()  # rows where the lines cannot be confused
    for k in range(2):
        mine = far & (nearest == k)
        residual = (y[mine] - means[mine, k]) / sigma[k]
        assert abs(residual.mean()) < 0.05
        assert abs(residual.std() - 1) < 0.05
        assert abs(mine.sum() / far.sum() - weights[k]) < 0.03


def test_sample_given_covariates_only_draws_the_response(lines):
    fit, data, _ = lines
    new = pd.DataFrame({"x": np.repeat([0.0, 10.0], 4000)})
    draws = fit.sample(given=new, random_state=4)
    np.testing.assert_array_equal(draws.sel(feature="x").values, new.x.to_numpy())
    y, component = draws.sel(feature="y").values, draws.component.values
    coef = fit.params.coefficients.sel(term=["intercept", "x"]).values
    for k in range(2):
        for at in (0.0, 10.0):
            mine = (component == k) & (new.x.to_numpy() == at)
            residual = (y[mine] - coef[k, 0] - coef[k, 1] * at) / fit.params.sigma.values[k]
            assert abs(residual.mean()) < 0.1 and abs(residual.std() - 1) < 0.1


def test_inference_data_replicates_are_conditional(lines):
    fit, data, _ = lines
    idata = fit.to_inference_data(data, n_draws=4, random_state=0)
    replicated = idata.posterior_predictive
    assert list(replicated.data_vars) == ["y"]
    assert replicated.y.shape == (1, 4, len(data))
    np.testing.assert_array_equal(idata.constant_data.x.values, data.x.to_numpy())


# -- plots and report ----------------------------------------------------------------------------------
def test_predictive_check_compares_the_response(lines):
    fit, data, _ = lines
    ppc = em.plot.compute_predictive(fit, data, n_draws=30, bins=12, random_state=2)
    assert list(ppc) == ["y"]
    table = ppc["y"]
    np.testing.assert_allclose(table.data, np.histogram(data.y, np.append(table.left, table.right.iloc[-1]),
                                                        density=True)[0])
    assert np.abs(table.data_ecdf - table.model_ecdf).max() < 0.1  # the model reproduces y given x
    fig = em.plot.plot_predictive(fit, data, n_draws=10, random_state=0)
    assert [ax.get_xlabel() for ax in fig.axes] == ["y"]
    assert "given each observation's covariates" in fig.get_suptitle()
    plt.close(fig)


def test_cluster_plot_draws_each_regression_line_with_its_band(lines):
    fit, data, _ = lines
    clusters = em.plot.compute_clusters(fit, data, radius=2.0)
    assert clusters.features == ("x", "y") and clusters.response_axis == 1
    assert clusters.ellipses.empty
    coef = fit.params.coefficients.sel(term=["intercept", "x"]).values
    sigma = fit.params.sigma.values
    for k, line in clusters.lines.groupby("component"):
        grid = line.covariate.to_numpy()
        assert grid.min() == data.x.min() and grid.max() == data.x.max()
        np.testing.assert_allclose(line["mean"], coef[k, 0] + coef[k, 1] * grid, rtol=1e-12)
        np.testing.assert_allclose(line.upper - line["mean"], 2 * sigma[k], rtol=1e-12)
        np.testing.assert_allclose(line["mean"] - line.lower, 2 * sigma[k], rtol=1e-12)
    assert sorted(clusters.lines.component.unique()) == [0, 1]
    swapped = em.plot.compute_clusters(fit, data, features=("y", "x"))
    assert swapped.response_axis == 0
    ax = em.plot.plot_clusters(fit, data)
    assert len(ax.lines) == 2 and not ax.patches
    assert "regression lines" in ax.get_title()
    plt.close(ax.figure)


def test_cluster_lines_hold_other_covariates_at_their_mean():
    rng = np.random.default_rng(3)
    n = 500
    data = pd.DataFrame({"a": rng.uniform(0, 5, n), "b": rng.normal(3.0, 1.0, n)})
    data["y"] = 2.0 + 1.5 * data.a - 0.5 * data.b + rng.normal(0, 0.3, n)
    fit = em.Mixture(em.Regression("y", ["a", "b"])).fit(data, random_state=0)
    line = em.plot.compute_clusters(fit, data).lines
    b0, ba, bb = fit.params.coefficients.sel(component=0, term=["intercept", "a", "b"]).values
    np.testing.assert_allclose(line["mean"], b0 + ba * line.covariate + bb * data.b.mean(), rtol=1e-12)
    fig = em.plot.plot_pairs(fit, data)
    assert sum(len(ax.lines) for ax in fig.axes) == 4  # (a, y), (b, y) and their mirror panels
    plt.close(fig)


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alts = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs).get("alt", ""))


def test_report_renders_on_a_regression_fit(lines):
    fit, data, _ = lines
    page = em.report(fit, data, n_draws=5)
    images = Images()
    images.feed(page)
    assert "posterior-predictive marginals" in images.alts
    assert any("regression lines" in alt for alt in images.alts)
    assert re.search(r"keeps the observed covariates", page)

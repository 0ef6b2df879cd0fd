"""Plots and report of a fit whose components are named by its labels (``fit(X, labels=species)``).

The oracle of a named fit is the integer fit of the same data from the same
start (the labels' codes, -1 where unknown): it has the same parameters, so
every plot must show the same points, assignments and curves, with the names
where the integer fit shows ``0 .. K-1``. Hidden Markov models take no labels,
so their plots are not concerned.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_iris

import emkit as em

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

#: Component order of the named fit: the categories' order, deliberately not alphabetical.
SPECIES = ["virginica", "setosa", "versicolor"]
LEGEND = [f"component {name}" for name in SPECIES]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def iris():
    """Iris measurements, the species as a categorical (order SPECIES) with 30% of the rows labelled."""
    data = load_iris(as_frame=True)
    species = pd.Categorical(np.asarray(data.target_names)[data.target], categories=SPECIES)
    hidden = np.random.default_rng(0).random(len(species)) >= 0.3
    return data.data, pd.Series(species).mask(hidden)


@pytest.fixture(scope="module")
def fits(iris):
    """The named fit and its oracle, the integer fit with the labels' codes, from the same start."""
    X, labels = iris
    named = em.GaussianMixture(3).fit(X, labels=labels, random_state=0)
    numbered = em.GaussianMixture(3).fit(X, labels=labels.cat.codes.to_numpy(), random_state=0)
    np.testing.assert_allclose(named.params.means.values, numbered.params.means.values, rtol=0, atol=1e-12)
    return named, numbered


def test_the_named_fit_takes_the_category_order(fits):
    named, numbered = fits
    assert named.components.tolist() == SPECIES
    assert numbered.components.tolist() == [0, 1, 2]


@pytest.mark.parametrize("features", [None, ("petal length (cm)", "sepal width (cm)")])
def test_named_clusters_have_the_integer_fits_points_assignments_and_ellipses(iris, fits, features):
    X, _ = iris
    named, numbered = fits
    data = em.plot.compute_clusters(named, X, features)
    oracle = em.plot.compute_clusters(numbered, X, features)
    np.testing.assert_array_equal(data.points, oracle.points)
    assert data.labels.tolist() == [SPECIES[k] for k in oracle.labels]
    assert set(data.labels) == set(SPECIES)  # every component gets points
    assert data.ellipses.component.tolist() == [SPECIES[k] for k in oracle.ellipses.component]
    geometry = ["centre_x", "centre_y", "semi_major", "semi_minor", "angle"]
    np.testing.assert_allclose(data.ellipses[geometry].to_numpy(), oracle.ellipses[geometry].to_numpy(), atol=1e-10)


def _scatter_points(ax) -> dict:
    """Number of points of each labelled scatter of ``ax``, by label, with its colour."""
    handles, labels = ax.get_legend_handles_labels()
    return {label: (len(handle.get_offsets()), to_rgba(handle.get_facecolor()[0], 1)) for handle, label in
            zip(handles, labels)}


def test_cluster_plot_draws_every_point_under_its_component_name(iris, fits):
    X, _ = iris
    named, numbered = fits
    ax = em.plot.plot_clusters(named, X)
    drawn = _scatter_points(ax)
    assert list(drawn) == LEGEND
    assert [t.get_text() for t in ax.get_legend().get_texts()] == LEGEND
    oracle = np.bincount(numbered.predict(X).values, minlength=3)
    assert [n for n, _ in drawn.values()] == oracle.tolist()
    assert sum(oracle) == len(X)
    # each ellipse in its component's colour: the ellipses come in component order
    ellipse_colors = [to_rgba(patch.get_edgecolor(), 1) for patch in ax.patches]
    assert ellipse_colors == [color for _, color in drawn.values()]


def test_integer_fit_keeps_its_legend(iris, fits):
    X, _ = iris
    ax = em.plot.plot_clusters(fits[1], X)
    assert ax.get_legend_handles_labels()[1] == ["component 0", "component 1", "component 2"]


def test_pairs_plot_draws_every_point_of_a_named_fit(iris, fits):
    X, _ = iris
    named, numbered = fits
    fig = em.plot.plot_pairs(named, X)
    oracle = np.bincount(numbered.predict(X).values, minlength=3)
    d = len(named.features)
    axes = np.reshape(fig.axes, (d, d))
    for row in range(d):
        for col in range(d):
            ax = axes[row, col]
            if row == col:  # stacked histograms: each bar's height is its component's count in the bin
                per_color = {}
                for bar in ax.patches:
                    color = to_rgba(bar.get_facecolor(), 1)
                    per_color[color] = per_color.get(color, 0) + bar.get_height()
                assert sorted(per_color.values()) == sorted(oracle.tolist())
            else:
                assert sorted(len(c.get_offsets()) for c in ax.collections) == sorted(oracle.tolist())
    # the legend names each component, in its colour: the bars of that colour count its rows
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == SPECIES
    assert [per_color[to_rgba(handle.get_facecolor())] for handle in legend.legend_handles] == oracle.tolist()


def test_density_of_a_named_fit_names_its_columns_and_matches_scipy(iris, fits):
    X, _ = iris
    named, numbered = fits
    table = em.plot.compute_density_1d(named, X, feature="petal length (cm)")
    assert list(table.columns) == LEGEND + ["mixture"]
    grid = table.index.to_numpy()
    j = list(named.features).index("petal length (cm)")
    for name in SPECIES:
        weight = named.params.weights.sel(component=name).item()
        mean = named.params.means.sel(component=name).values[j]
        variance = named.params.covariances.sel(component=name).values[j, j]
        expected = weight * stats.norm.pdf(grid, mean, np.sqrt(variance))
        np.testing.assert_allclose(table[f"component {name}"], expected, rtol=1e-10, atol=1e-300)
    oracle = em.plot.compute_density_1d(numbered, X, feature="petal length (cm)")
    np.testing.assert_allclose(table.to_numpy(), oracle.to_numpy(), rtol=1e-10)
    ax = em.plot.plot_density(named, X, feature="petal length (cm)")
    assert ax.get_legend_handles_labels()[1] == ["data"] + LEGEND + ["mixture"]


@pytest.fixture(scope="module")
def two_groups():
    """400 rows from two groups "no" and "yes", 30% of them labelled."""
    rng = np.random.default_rng(1)
    group = rng.integers(0, 2, 400)
    labels = pd.Series(np.where(rng.random(400) < 0.3, np.array(["no", "yes"])[group], None))
    return rng, group, labels


def test_count_masses_of_a_named_fit_are_labelled_and_match_scipy(two_groups):
    rng, group, labels = two_groups
    counts = pd.DataFrame({"n": rng.poisson(np.where(group, 6.0, 1.0))})
    fit = em.Mixture(em.Poisson(), 2).fit(counts, labels=labels, random_state=0)
    table = em.plot.compute_density_1d(fit, counts)
    assert list(table.columns) == ["component no", "component yes", "mixture", "data"]
    rate = fit.params.rate.sel(component="yes").item()
    weight = fit.params.weights.sel(component="yes").item()
    np.testing.assert_allclose(table["component yes"], weight * stats.poisson.pmf(table.index, rate), rtol=1e-10)
    ax = em.plot.plot_density(fit, counts)
    assert ax.get_legend_handles_labels()[1][:3] == ["component no", "component yes", "mixture"]


def test_regression_lines_of_a_named_fit_carry_the_names(two_groups):
    rng, group, labels = two_groups
    x = rng.uniform(0, 10, 400)
    data = pd.DataFrame({"x": x, "y": np.where(group, 1 + 2 * x, 8 - x) + rng.normal(0, 0.5, 400)})
    fit = em.Mixture(em.Regression("y", ["x"]), 2).fit(data, labels=labels, random_state=0)
    clusters = em.plot.compute_clusters(fit, data)
    assert sorted(set(clusters.lines.component)) == ["no", "yes"]
    yes = clusters.lines[clusters.lines.component == "yes"]
    beta = fit.params.coefficients.sel(component="yes").dropna("term")
    line = beta.sel(term="intercept").item() + beta.sel(term="x").item() * yes.covariate
    np.testing.assert_allclose(yes["mean"], line)
    ax = em.plot.plot_clusters(fit, data)
    assert ax.get_legend_handles_labels()[1] == ["component no", "component yes"]


def test_profile_legend_names_the_components_with_their_weights(two_groups):
    rng, group, labels = two_groups
    answers = pd.DataFrame({"a": np.where(rng.random(400) < np.where(group, 0.8, 0.2), "hi", "lo"),
                            "b": np.where(rng.random(400) < np.where(group, 0.7, 0.3), "x", "y")})
    fit = em.Mixture(em.Categorical(), 2).fit(answers, labels=labels, random_state=0)
    fig = em.plot.plot_profile(fit)
    weights = fit.params.weights.values
    assert fig.axes[0].get_legend_handles_labels()[1] == [f"component no ({weights[0]:.0%})",
                                                         f"component yes ({weights[1]:.0%})"]


def _classification_rows(page: str) -> list[tuple[str, int]]:
    """The rows (component, observations) of the report's classification table."""
    section = page.split('<section id="classification">')[1].split("</table>")[0]
    return [(name, int(n)) for name, n in re.findall(r"<th>([^<]+)</th>\s*<td>(\d+)</td>", section)]


def _model_paragraphs(page: str) -> list[str]:
    """The text paragraphs of the report's model section."""
    return re.findall(r"<p>([^<]*)</p>", page.split('<section id="model">')[1].split("</section>")[0])


def test_report_names_the_components_in_their_order(iris, fits):
    X, labels = iris
    named, numbered = fits
    page = em.report(named, X, n_draws=3)
    oracle = np.bincount(numbered.predict(X).values, minlength=3)
    assert _classification_rows(page) == list(zip(SPECIES, oracle.tolist()))
    assert "means[setosa, petal length (cm)]" in page
    # the model section counts the labelled rows of each component, in the components' order
    given = labels.value_counts()
    counted = ", ".join(f"component {name}: {given[name]}" for name in SPECIES)
    assert f"{given.sum()} of {len(X)} rows labelled ({counted})" in _model_paragraphs(page)[1]
    numbered_page = em.report(numbered, X, n_draws=3)
    assert _classification_rows(numbered_page) == list(zip(["0", "1", "2"], oracle.tolist()))
    numbered_counts = ", ".join(f"component {k}: {given[name]}" for k, name in enumerate(SPECIES))
    assert f"{given.sum()} of {len(X)} rows labelled ({numbered_counts})" in _model_paragraphs(numbered_page)[1]


@pytest.mark.parametrize("draw", [
    lambda fit, X: em.plot.plot_clusters(fit, X),
    lambda fit, X: em.plot.plot_pairs(fit, X),
    lambda fit, X: em.plot.plot_density(fit, X, feature=0),
    lambda fit, X: em.plot.plot_uncertainty(fit, X, kind="scatter"),
    lambda fit, X: em.plot.plot_uncertainty(fit, X, kind="sorted"),
    lambda fit, X: em.plot.plot_predictive(fit, X, n_draws=3, random_state=0),
    lambda fit, X: em.plot.plot_convergence(fit),
    lambda fit, X: em.plot.plot_bootstrap(em.bootstrap(fit, X, n_boot=3, random_state=0), fit),
], ids=["clusters", "pairs", "density", "uncertainty_scatter", "uncertainty_sorted", "predictive", "convergence",
        "bootstrap"])
def test_every_plot_renders_for_a_named_fit(iris, fits, draw):
    X, _ = iris
    drawn = draw(fits[0], X)
    figure = drawn if hasattr(drawn, "savefig") else drawn.figure
    figure.canvas.draw()
    assert figure.axes


def test_two_feature_density_and_its_report_for_a_named_fit(iris):
    X, labels = iris
    two = X[["petal length (cm)", "petal width (cm)"]]
    fit = em.GaussianMixture(3).fit(two, labels=labels, random_state=0)
    ax = em.plot.plot_density(fit, two)
    assert ax.collections  # the contours
    page = em.report(fit, two, n_draws=3)
    assert [name for name, _ in _classification_rows(page)] == SPECIES


def test_selection_plot_and_report_with_named_labels(iris):
    X, labels = iris
    selection = em.select(X, n_components=[3], covariance=["VVV", "EEE"], labels=labels, random_state=0)
    ax = em.plot.plot_selection(selection)
    assert ax.lines
    page = em.report(selection, X, n_draws=3)
    assert [name for name, _ in _classification_rows(page)] == SPECIES

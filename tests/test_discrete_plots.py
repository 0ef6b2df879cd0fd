"""Density and predictive plots of count, binary and other integer features, drawn on the integer support."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emkit as em
from emkit.plots._common import MAX_INTEGER_BINS, integer_bin_edges


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"n": np.concatenate([rng.poisson(1.2, 200), rng.poisson(7.0, 150)])})


@pytest.fixture(scope="module")
def poisson_fit(counts):
    return em.Mixture(em.Poisson(), n_components=2).fit(counts, random_state=0)


@pytest.fixture(scope="module")
def large_counts():
    rng = np.random.default_rng(1)
    return pd.DataFrame({"n": np.concatenate([rng.poisson(30, 200), rng.poisson(400, 150)])})


def _poisson_mixture_pmf(fit, k_values, feature=0):
    """``pi_k Pois(x; lambda_k)`` per component (K, len(k_values)) from scipy.stats."""
    return np.array([w * stats.poisson.pmf(k_values, rate) for w, rate in
                     zip(fit.params.weights.values, fit.params.rate.values[:, feature])])


def _close(*figures):
    for fig in figures:
        plt.close(fig)


# -- the density table ---------------------------------------------------------------------
def test_count_density_is_the_poisson_mixture_pmf_at_the_integers_from_zero(poisson_fit, counts):
    table = em.plot.compute_density_1d(poisson_fit, counts)
    grid = table.index.to_numpy()
    x = counts["n"].to_numpy()
    assert grid[0] == 0 and x.max() < grid[-1]  # no negative counts; the range is widened above
    np.testing.assert_array_equal(np.diff(grid), 1.0)
    expected = _poisson_mixture_pmf(poisson_fit, grid)
    for k in range(2):
        np.testing.assert_allclose(table[f"component {k}"], expected[k], rtol=1e-10)
    np.testing.assert_allclose(table["mixture"], expected.sum(axis=0), rtol=1e-10)
    frequencies = np.bincount(x, minlength=len(grid)) / len(x)
    np.testing.assert_allclose(table["data"], frequencies[: len(grid)], rtol=0, atol=1e-15)
    assert table["data"].sum() == pytest.approx(1.0)


def test_binary_and_discrete_scipy_features_live_on_their_own_integers():
    rng = np.random.default_rng(2)
    binary = pd.DataFrame({"y": rng.integers(0, 2, 300)})
    bernoulli = em.Mixture(em.Bernoulli()).fit(binary, random_state=0)
    table = em.plot.compute_density_1d(bernoulli, binary)
    assert table.index.tolist() == [0.0, 1.0]
    p = bernoulli.params.prob.values[0, 0]
    np.testing.assert_allclose(table["mixture"], [1 - p, p], rtol=1e-10)
    np.testing.assert_allclose(table["data"], np.bincount(binary["y"]) / 300)

    overdispersed = pd.DataFrame({"k": rng.negative_binomial(3, 0.4, 300)})
    nbinom = em.Mixture(em.from_scipy(stats.nbinom)).fit(overdispersed, random_state=0)
    table = em.plot.compute_density_1d(nbinom, overdispersed)
    assert table.index[0] == 0
    params = nbinom.params
    expected = stats.nbinom.pmf(table.index.to_numpy(), params.n.values[0, 0], params.p.values[0, 0])
    np.testing.assert_allclose(table["mixture"], expected, rtol=1e-8)


def test_count_part_of_an_independent_model_has_its_poisson_marginal(counts):
    mixed = counts.assign(h=np.random.default_rng(3).normal(size=len(counts)))
    fit = em.Mixture(em.Independent({"n": em.Poisson(), "h": em.Gaussian()}), n_components=2).fit(
        mixed, random_state=0)
    table = em.plot.compute_density_1d(fit, mixed, feature="n")
    grid = table.index.to_numpy()
    assert grid[0] == 0 and np.all(grid == np.round(grid))
    np.testing.assert_allclose(table["mixture"], _poisson_mixture_pmf(fit, grid, feature=0).sum(axis=0),
                               rtol=1e-10)
    np.testing.assert_allclose(table["data"], np.bincount(mixed["n"], minlength=len(grid))[: len(grid)] / len(mixed))
    assert "data" not in em.plot.compute_density_1d(fit, mixed, feature="h")


def test_gaussian_on_whole_numbers_stays_continuous():
    # rounded data, but a Gaussian accepts 2.5: the density is drawn on a continuous grid
    rounded = pd.DataFrame({"x": np.round(np.random.default_rng(4).normal(20, 4, 200))})
    fit = em.GaussianMixture(1).fit(rounded, random_state=0)
    table = em.plot.compute_density_1d(fit, rounded, n_grid=50)
    assert len(table) == 50 and "data" not in table


def test_integer_bin_edges_cover_each_integer_once():
    np.testing.assert_array_equal(integer_bin_edges(0, 4), np.arange(-0.5, 5))
    edges = integer_bin_edges(3, 503)
    widths = np.diff(edges)
    assert len(widths) <= MAX_INTEGER_BINS and widths[0] > 1 and np.all(widths == widths[0])
    assert widths[0] == np.ceil(501 / MAX_INTEGER_BINS)
    assert edges[0] == 2.5 and edges[-1] >= 503.5
    np.testing.assert_array_equal(edges - 0.5, np.round(edges - 0.5))  # edges between integers
    integers = np.arange(3, 504)
    assert np.histogram(integers, bins=edges)[0].sum() == len(integers)


# -- the predictive table ----------------------------------------------------------------------
def test_predictive_counts_have_one_bin_per_integer(poisson_fit, counts):
    table = em.plot.compute_predictive(poisson_fit, counts, n_draws=200, random_state=0)["n"]
    np.testing.assert_array_equal(table.left, np.arange(len(table)) - 0.5)  # 0, 1 and 2 get a bin each
    np.testing.assert_array_equal(table.right - table.left, 1.0)
    x = counts["n"].to_numpy()
    frequencies = np.bincount(x, minlength=len(table)) / len(x)
    np.testing.assert_allclose(table.data, frequencies, atol=1e-15)
    k = np.arange(len(table))
    np.testing.assert_allclose(table.data_ecdf, [np.mean(x <= j) for j in k])
    # 200 replicates of 350 rows pooled: each frequency within about 4 standard errors of the pmf
    pmf = _poisson_mixture_pmf(poisson_fit, k).sum(axis=0)
    pooled = len(x) * 200
    np.testing.assert_allclose(table.model, pmf, atol=4 * np.sqrt(0.25 / pooled) + 1e-12)
    assert np.all(table.model_lower <= table.model_upper)


def test_predictive_large_counts_use_wider_integer_aligned_bins(large_counts):
    fit = em.Mixture(em.Poisson(), n_components=2).fit(large_counts, random_state=0)
    table = em.plot.compute_predictive(fit, large_counts, n_draws=10, random_state=0)["n"]
    widths = (table.right - table.left).to_numpy()
    assert len(table) <= MAX_INTEGER_BINS and widths[0] > 1 and np.all(widths == widths[0])
    np.testing.assert_array_equal(table.left - 0.5, np.round(table.left - 0.5))
    x = large_counts["n"].to_numpy()
    in_bin = [np.sum((x > lo) & (x < hi)) for lo, hi in zip(table.left, table.right)]
    np.testing.assert_allclose(table.data, np.array(in_bin) / (len(x) * widths))


# -- the figures -----------------------------------------------------------------------------
def test_plot_density_of_counts_draws_bars_and_masses_at_the_integers(poisson_fit, counts):
    ax = em.plot.plot_density(poisson_fit, counts)
    table = em.plot.compute_density_1d(poisson_fit, counts)
    centres = np.array([bar.get_x() + bar.get_width() / 2 for bar in ax.patches])
    heights = np.array([bar.get_height() for bar in ax.patches])
    np.testing.assert_allclose(centres, table.index)
    np.testing.assert_allclose(heights, table["data"], atol=1e-15)
    mixture = next(line for line in ax.lines if line.get_label() == "mixture")
    np.testing.assert_allclose(mixture.get_xdata(), table.index)
    np.testing.assert_allclose(mixture.get_ydata(), _poisson_mixture_pmf(poisson_fit, table.index).sum(axis=0),
                               rtol=1e-10)
    drawn_x = np.concatenate([line.get_xdata() for line in ax.lines] + [centres])
    assert drawn_x.min() >= 0  # nothing at negative counts
    assert ax.get_ylabel() == "probability"
    _close(ax.figure)


def test_plot_density_of_large_counts_averages_the_frequencies_per_bin(large_counts):
    fit = em.Mixture(em.Poisson(), n_components=2).fit(large_counts, random_state=0)
    ax = em.plot.plot_density(fit, large_counts)
    x = large_counts["n"].to_numpy()
    table = em.plot.compute_density_1d(fit, large_counts)
    edges = integer_bin_edges(table.index.min(), table.index.max())
    width = edges[1] - edges[0]
    assert len(ax.patches) == len(edges) - 1 <= MAX_INTEGER_BINS and width > 1
    expected = np.histogram(x, bins=edges)[0] / (len(x) * width)
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], expected)
    _close(ax.figure)


def test_plot_predictive_of_counts_draws_a_bar_per_integer(poisson_fit, counts):
    fig = em.plot.plot_predictive(poisson_fit, counts, n_draws=20, random_state=0)
    bars = [patch for patch in fig.axes[0].patches if type(patch).__name__ == "Rectangle"]
    lefts = np.array([bar.get_x() for bar in bars])
    np.testing.assert_array_equal(lefts, np.arange(len(bars)) - 0.5)
    np.testing.assert_array_equal([bar.get_width() for bar in bars], 1.0)
    _close(fig)


def test_plot_predictive_of_a_count_part_overlays_its_poisson_masses(counts):
    mixed = counts.assign(h=np.random.default_rng(5).normal(size=len(counts)))
    fit = em.Mixture(em.Independent({"n": em.Poisson(), "h": em.Gaussian()}), n_components=2).fit(
        mixed, random_state=0)
    fig = em.plot.plot_predictive(fit, mixed, n_draws=10, random_state=0)
    count_panel, gaussian_panel = fig.axes
    (masses,) = [line for line in count_panel.lines if line.get_label() == "fitted probability"]
    k = masses.get_xdata()
    assert k[0] == 0 and np.all(np.diff(k) == 1)
    np.testing.assert_allclose(masses.get_ydata(), _poisson_mixture_pmf(fit, k, feature=0).sum(axis=0), rtol=1e-10)
    assert [line.get_label() for line in gaussian_panel.lines] == ["fitted density"]
    _close(fig)


def test_plot_predictive_of_large_counts_joins_the_masses(large_counts):
    fit = em.Mixture(em.Poisson(), n_components=2).fit(large_counts, random_state=0)
    fig = em.plot.plot_predictive(fit, large_counts, n_draws=5, random_state=0)
    (masses,) = [line for line in fig.axes[0].lines if line.get_label() == "fitted probability"]
    k = masses.get_xdata()
    assert len(k) > MAX_INTEGER_BINS and masses.get_linestyle() == "-"  # too many integers for points
    np.testing.assert_array_equal(np.diff(k), 1.0)
    np.testing.assert_allclose(masses.get_ydata(), _poisson_mixture_pmf(fit, k).sum(axis=0), rtol=1e-10)
    # on the bars' scale: a bin's density is the mean mass per integer in it, as the pooled replicates show
    table = em.plot.compute_predictive(fit, large_counts, n_draws=5, random_state=0)["n"]
    mean_mass = np.array([masses.get_ydata()[(k > lo) & (k < hi)].mean() for lo, hi in zip(table.left, table.right)])
    width, pooled = table.right.iloc[0] - table.left.iloc[0], 5 * len(large_counts)
    standard_error = np.sqrt(mean_mass * width / pooled) / width  # of a pooled bin density
    one_draw = 1 / (pooled * width)  # the density of a single replicate value: the floor in the far tails
    np.testing.assert_array_less(np.abs(table.model - mean_mass), 4 * standard_error + one_draw)
    _close(fig)

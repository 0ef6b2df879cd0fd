"""emkit.plot: compute_* against independent calculations, plot_* smoke-rendered under Agg."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import integrate, stats  # noqa: E402

import emkit as em  # noqa: E402
from emkit.plots._ellipse import ellipse_geometry, radius_for_coverage  # noqa: E402


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def fit(faithful):
    return em.GaussianMixture(2).fit(faithful, n_init=3, random_state=0)


@pytest.fixture(scope="module")
def fit_1d(faithful):
    return em.GaussianMixture(2).fit(faithful[["waiting"]], n_init=2, random_state=0)


@pytest.fixture(scope="module")
def selection(faithful):
    return em.select(faithful, n_components=[1, 2, 3], covariance=["VVV", "EII", "EEE"], random_state=0)


@pytest.fixture(scope="module")
def boot(fit, faithful):
    return em.bootstrap(fit, faithful, n_boot=8, random_state=1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# -- convergence ---------------------------------------------------------------------------
def test_convergence_traces_are_the_trimmed_trace(fit):
    data = em.plot.compute_convergence(fit)
    raw = fit.trace.log_likelihood.values
    assert len(data.traces) == raw.shape[0]
    for r, trace in enumerate(data.traces):
        expected = raw[r][~np.isnan(raw[r])]
        np.testing.assert_array_equal(trace, expected)
        assert data.final[r] == expected[-1]
    assert data.best == fit.best_restart
    assert data.final[data.best] == pytest.approx(fit.log_likelihood, rel=1e-8)


def test_plot_convergence_draws_one_line_per_restart(fit):
    ax = em.plot.plot_convergence(fit)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == fit.trace.sizes["restart"]
    best = [line for line in ax.lines if line.get_label().startswith("kept")]
    assert len(best) == 1
    np.testing.assert_array_equal(best[0].get_ydata(), em.plot.compute_convergence(fit).traces[fit.best_restart])
    plt.close(ax.figure)


def test_plot_convergence_counts_like_the_trace_and_the_text(fit):
    ax = em.plot.plot_convergence(fit)
    trace = fit.trace.log_likelihood
    for r, line in zip([r for r in range(trace.sizes["restart"]) if r != fit.best_restart] + [fit.best_restart], ax.lines):
        kept = trace.isel(restart=r).dropna("iteration")
        # x is the trace's iteration coordinate: 0 at the starting values, n_iter at the end
        np.testing.assert_array_equal(line.get_xdata(), kept.iteration.values)
        assert line.get_xdata()[-1] == fit.trace.n_iter.values[r]
    n_restarts = trace.sizes["restart"]
    label = f"kept restart ({fit.best_restart + 1} of {n_restarts})"
    assert label in [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"restart {fit.best_restart + 1} of {n_restarts}" in fit.summary_text()
    assert f"after {fit.n_iter} iterations" in fit.summary_text()
    plt.close(ax.figure)


# -- model selection ------------------------------------------------------------------------
def test_selection_data_equals_grid(selection):
    table, best = em.plot.compute_selection(selection)
    expected = selection.grid.bic.transpose("n_components", "covariance").values
    np.testing.assert_array_equal(table.to_numpy(), expected)
    assert best == selection.best_key
    negated, _ = em.plot.compute_selection(selection, mclust_sign=True)
    np.testing.assert_array_equal(negated.to_numpy(), -expected)
    icl, _ = em.plot.compute_selection(selection, criterion="icl")
    np.testing.assert_array_equal(icl.to_numpy(), selection.grid.icl.transpose("n_components", "covariance").values)


def test_selection_plot_leaves_failed_cells_as_gaps(selection):
    grid = selection.grid.copy(deep=True)
    grid["bic"].loc[{"covariance": "EII", "n_components": 2}] = np.nan
    broken = em.Selection(grid, "bic", selection.fits)
    table, _ = em.plot.compute_selection(broken)
    assert np.isnan(table.loc[2, "EII"])
    ax = em.plot.plot_selection(broken)
    assert isinstance(ax, Axes)
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"VVV", "EII", "EEE"}
    assert np.isnan(lines["EII"].get_ydata()[1])
    chosen = ax.collections[-1].get_offsets()[0]
    assert tuple(chosen) == (broken.best_key[1], broken.grid.bic.sel(covariance=broken.best_key[0],
                                                                     n_components=broken.best_key[1]).item())


# -- clusters -------------------------------------------------------------------------------
def test_ellipse_axes_are_scaled_square_roots_of_eigenvalues(fit, faithful):
    radius = 1.7
    data = em.plot.compute_clusters(fit, faithful, features=("waiting", "eruptions"), radius=radius)
    assert data.features == ("waiting", "eruptions")
    np.testing.assert_array_equal(data.points, faithful[["waiting", "eruptions"]].to_numpy())
    np.testing.assert_array_equal(data.labels, fit.predict(faithful).values)
    cov = fit.params.covariances.values
    means = fit.params.means.values
    for row in data.ellipses.itertuples():
        sub = cov[row.component][np.ix_([1, 0], [1, 0])]
        values, vectors = np.linalg.eigh(sub)
        assert row.semi_major == pytest.approx(radius * np.sqrt(values[1]))
        assert row.semi_minor == pytest.approx(radius * np.sqrt(values[0]))
        assert (row.centre_x, row.centre_y) == (means[row.component, 1], means[row.component, 0])
        # the major axis direction is the top eigenvector (up to sign)
        direction = np.array([np.cos(np.radians(row.angle)), np.sin(np.radians(row.angle))])
        assert abs(direction @ vectors[:, 1]) == pytest.approx(1.0)


def test_ellipse_boundary_is_at_the_mahalanobis_radius():
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    centre, a, b, angle = ellipse_geometry([1.0, -1.0], cov, radius=2.5)
    t = np.radians(angle)
    u, v = np.array([np.cos(t), np.sin(t)]), np.array([-np.sin(t), np.cos(t)])
    for phi in np.linspace(0, 2 * np.pi, 7):
        point = centre + a * np.cos(phi) * u + b * np.sin(phi) * v
        diff = point - centre
        assert diff @ np.linalg.solve(cov, diff) == pytest.approx(2.5**2)
    assert radius_for_coverage(0.5) == pytest.approx(np.sqrt(-2 * np.log(0.5)))


def test_student_t_ellipses_use_the_scale_matrices(faithful):
    tfit = em.Mixture(em.StudentT(n_components=2)).fit(faithful, random_state=0)
    data = em.plot.compute_clusters(tfit, faithful)
    assert len(data.ellipses) == 2
    for row in data.ellipses.itertuples():
        values = np.linalg.eigvalsh(tfit.params.scales.values[row.component])
        assert row.semi_major == pytest.approx(2 * np.sqrt(values[1]))


def test_plot_clusters_and_pairs(fit, faithful):
    ax = em.plot.plot_clusters(fit, faithful)
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 2 and len(ax.collections) == 2
    fig = em.plot.plot_pairs(fit, faithful)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    upper = fig.axes[1]  # row 0, col 1: x = waiting, y = eruptions
    assert upper.get_xlabel() == "" and len(upper.patches) == 2
    np.testing.assert_allclose(upper.patches[0].center[0], fit.params.means.values[0, 1])
    pairs = em.plot.compute_pairs(fit, faithful)
    assert list(pairs) == [(0, 1)]


def test_pairs_grid_for_three_features(faithful):
    X = faithful.assign(noise=np.random.default_rng(0).normal(size=len(faithful)))
    fit3 = em.GaussianMixture(2).fit(X, random_state=0)
    assert list(em.plot.compute_pairs(fit3, X)) == [(0, 1), (0, 2), (1, 2)]
    fig = em.plot.plot_pairs(fit3, X)
    assert len(fig.axes) == 9


def _diagonal_counts_by_color(fig, d: int) -> dict:
    """Total height of the stacked histogram bars of each colour, over the diagonal panels of a pairs grid."""
    counts = {}
    for j in range(d):
        for bar in fig.axes[j * d + j].patches:
            color = to_rgba(bar.get_facecolor())
            counts[color] = counts.get(color, 0) + bar.get_height()
    return counts


def _independent_fit():
    """A mixture of a Gaussian and a categorical feature, independent given the component."""
    rng = np.random.default_rng(0)
    group = rng.random(80) < 0.3
    X = pd.DataFrame({"x": rng.normal(np.where(group, 4.0, 0.0), 1.0),
                      "colour": np.where(group, rng.choice(["red", "blue"], 80, p=[0.9, 0.1]),
                                         rng.choice(["red", "blue"], 80, p=[0.2, 0.8]))})
    model = em.Mixture(em.Independent({"x": em.Gaussian(), "colour": em.Categorical()}), n_components=2)
    return model.fit(X, random_state=0), X


@pytest.mark.parametrize("case", ["gaussian", "independent"])
def test_pairs_legend_names_each_component_in_its_colour_clear_of_the_panels(fit, faithful, case):
    fitted, X = (fit, faithful) if case == "gaussian" else _independent_fit()
    fig = em.plot.plot_pairs(fitted, X)
    (legend,) = fig.legends
    names = [text.get_text() for text in legend.get_texts()]
    assert names == ["0", "1"] and legend.get_title().get_text() == "component"
    # each entry's colour is its component's: the diagonal bars of that colour count the rows predicted in it
    counts = _diagonal_counts_by_color(fig, 2)
    predicted = np.bincount(fitted.predict(X).values, minlength=2)
    assert predicted.min() > 0 and predicted[0] != predicted[1]
    for k, handle in enumerate(legend.legend_handles):
        assert counts[to_rgba(handle.get_facecolor())] == predicted[k] * 2  # one histogram per feature
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert box.x0 < fig.bbox.x1 and box.x1 <= fig.bbox.x1 + 1  # inside the figure
    assert not any(box.overlaps(ax.get_tightbbox(renderer)) for ax in fig.axes)


# -- uncertainty ----------------------------------------------------------------------------
def test_uncertainty_is_one_minus_max_responsibility(fit, faithful):
    u = em.plot.compute_uncertainty(fit, faithful)
    proba = fit.predict_proba(faithful).values
    np.testing.assert_array_equal(u.values, 1 - proba.max(axis=1))
    assert u.dims == ("observation",)


def test_plot_uncertainty_scatter_and_sorted(fit, fit_1d, faithful):
    ax = em.plot.plot_uncertainty(fit, faithful)
    assert isinstance(ax, Axes) and len(ax.collections) == 1
    np.testing.assert_array_equal(ax.collections[0].get_array(), em.plot.compute_uncertainty(fit, faithful).values)
    ax = em.plot.plot_uncertainty(fit_1d, faithful[["waiting"]])
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_ydata(),
                                  np.sort(em.plot.compute_uncertainty(fit_1d, faithful[["waiting"]]).values))


def test_uncertainty_point_sizes_are_on_the_absolute_scale():
    """Sizes grow from 5 (certain) to 85 (1 - 1/K, equal responsibilities): nearly certain points stay small."""
    rng = np.random.default_rng(0)
    blobs = np.concatenate([rng.normal(0, 1, (100, 2)), rng.normal(40, 1, (100, 2))])
    separated = em.GaussianMixture(2).fit(blobs, random_state=0)
    ax = em.plot.plot_uncertainty(separated, blobs)
    proba = separated.predict_proba(blobs).values
    sizes = ax.collections[0].get_sizes()
    np.testing.assert_allclose(sizes, 5 + 80 * (1 - proba.max(axis=1)) / 0.5)
    assert sizes.max() < 6  # every point nearly certain: none drawn prominently
    assert ax.collections[0].get_clim() == (0, 0.5)
    plt.close(ax.figure)


# -- density --------------------------------------------------------------------------------
def test_density_1d_integrates_to_one_and_equals_score_samples(fit_1d, faithful):
    X = faithful[["waiting"]]
    wide = np.linspace(0, 150, 3001)
    table = em.plot.compute_density_1d(fit_1d, X, grid=wide)
    assert integrate.trapezoid(table["mixture"], wide) == pytest.approx(1.0, abs=1e-6)
    components = table.drop(columns="mixture").to_numpy()
    for k, weight in enumerate(fit_1d.params.weights.values):
        assert integrate.trapezoid(components[:, k], wide) == pytest.approx(weight, abs=1e-6)
    np.testing.assert_allclose(table["mixture"], components.sum(axis=1))
    grid = table.index.to_numpy()[::50]
    np.testing.assert_allclose(table["mixture"].to_numpy()[::50], np.exp(fit_1d.score_samples(grid[:, None]).values),
                               rtol=1e-10)
    default = em.plot.compute_density_1d(fit_1d, X)
    assert default.index.min() < X.waiting.min() and default.index.max() > X.waiting.max()


def test_density_1d_marginal_of_a_2d_fit(fit, faithful):
    table = em.plot.compute_density_1d(fit, faithful, feature="waiting", grid=[55.0, 80.0])
    # integrate the 2-d density over eruptions numerically
    for w, value in zip(table.index, table["mixture"]):
        e = np.linspace(-5, 12, 4001)
        dens = np.exp(fit.score_samples(np.column_stack([e, np.full_like(e, w)])).values)
        assert value == pytest.approx(integrate.trapezoid(dens, e), rel=1e-6)
    with pytest.raises(ValueError, match="choose one"):
        em.plot.compute_density_1d(fit, faithful)


def test_density_1d_respects_the_support_of_positive_and_count_families():
    rng = np.random.default_rng(0)
    positive = pd.DataFrame({"x": rng.exponential(2.0, 200)})
    gamma = em.Mixture(em.Gamma(n_components=2)).fit(positive, random_state=0)
    table = em.plot.compute_density_1d(gamma, positive)
    assert table.index.min() < 0
    assert (table.loc[table.index <= 0, "mixture"] == 0).all()
    inside = table.index.to_numpy() > 0
    np.testing.assert_allclose(table["mixture"].to_numpy()[inside],
                               np.exp(gamma.score_samples(table.index.to_numpy()[inside, None]).values), rtol=1e-10)
    counts = pd.DataFrame({"x": rng.poisson(3.0, 200)})
    poisson = em.Mixture(em.Poisson(n_components=2)).fit(counts, random_state=0)
    pmf = em.plot.compute_density_1d(poisson, counts)
    np.testing.assert_array_equal(pmf.index.to_numpy(), np.round(pmf.index.to_numpy()))
    wide = em.plot.compute_density_1d(poisson, counts, grid=np.arange(0, 60))
    assert wide["mixture"].sum() == pytest.approx(1.0, abs=1e-10)
    ax = em.plot.plot_density(poisson, counts)
    assert len(ax.lines) == 3


def test_docs_example_runs(tmp_path, monkeypatch):
    text = (Path(__file__).resolve().parents[1] / "docs" / "plots.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/plots.md", "exec"), {})
    assert (tmp_path / "clusters.png").exists()


def test_density_2d_equals_score_samples(fit, faithful):
    density = em.plot.compute_density_2d(fit, faithful, n_grid=40)
    assert density.dims == ("y", "x") and density.shape == (40, 40)
    x, y = density.x.values[7], density.y.values[23]
    expected = np.exp(fit.score_samples(np.array([[x, y]])).values[0])
    assert density.values[23, 7] == pytest.approx(expected, rel=1e-12)
    dx, dy = np.diff(density.x.values)[0], np.diff(density.y.values)[0]
    assert density.values.sum() * dx * dy == pytest.approx(1.0, abs=0.02)


def test_plot_density_1d_and_2d(fit, fit_1d, faithful):
    ax = em.plot.plot_density(fit_1d, faithful[["waiting"]])
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 3 and len(ax.patches) > 0
    ax = em.plot.plot_density(fit, faithful)
    assert isinstance(ax, Axes) and len(ax.collections) >= 2


# -- predictive -----------------------------------------------------------------------------
def test_predictive_histograms_and_ecdfs(fit, faithful):
    n_draws, n = 40, len(faithful)
    ppc = em.plot.compute_predictive(fit, faithful, n_draws=n_draws, bins=15, random_state=3)
    replicates = fit.sample(n_draws * n, random_state=3).values.reshape(n_draws, n, 2)
    for j, name in enumerate(["eruptions", "waiting"]):
        table = ppc[name]
        pooled = replicates[:, :, j].ravel()
        edges = np.append(table.left.to_numpy(), table.right.iloc[-1])
        # the bins span the data; replicate values beyond them count in n but in no bin
        np.testing.assert_allclose(edges, np.linspace(faithful[name].min(), faithful[name].max(), 16))
        np.testing.assert_allclose(table.data, np.histogram(faithful[name], edges, density=True)[0])
        inside = (pooled >= edges[0]) & (pooled <= edges[-1])
        np.testing.assert_allclose(table.model, np.histogram(pooled, edges, density=True)[0] * inside.mean())
        assert table.attrs["model_outside"] == pytest.approx(1 - inside.mean())
        per_replicate = np.stack([np.histogram(rep, edges)[0] / (n * np.diff(edges)) for rep in replicates[:, :, j]])
        np.testing.assert_allclose(table.model_lower, np.percentile(per_replicate, 5, axis=0))
        np.testing.assert_allclose(table.model_upper, np.percentile(per_replicate, 95, axis=0))
        np.testing.assert_allclose(table.model_median, np.percentile(per_replicate, 50, axis=0))
        np.testing.assert_allclose(table.data_ecdf, [(faithful[name] <= e).mean() for e in edges[1:]])
        np.testing.assert_allclose(table.model_ecdf, [(pooled <= e).mean() for e in edges[1:]])
        ecdfs = np.array([[(rep <= e).mean() for e in edges[1:]] for rep in replicates[:, :, j]])
        np.testing.assert_allclose(table.model_ecdf_upper, np.percentile(ecdfs, 95, axis=0))
        # the fitted model should reproduce the data's marginal roughly
        assert np.abs(table.data_ecdf - table.model_ecdf).max() < 0.15


def test_predictive_band_is_the_spread_of_data_sets_of_the_data_size(fit, faithful):
    # n_draws counts data sets, not rows: more data sets sharpen the band's ends, not its width
    few = em.plot.compute_predictive(fit, faithful, n_draws=20, bins=10, random_state=0)["waiting"]
    many = em.plot.compute_predictive(fit, faithful, n_draws=200, bins=10, random_state=0)["waiting"]
    # a 90% band of a density estimate from n rows: width about 3.3 sd of count / (n * width), sd ~ sqrt(p(1-p)/n)/width
    n, widths = len(faithful), (many.right - many.left).to_numpy()
    p = many.model.to_numpy() * widths
    expected = 2 * 1.645 * np.sqrt(p * (1 - p) / n) / widths
    busy = p > 0.05
    np.testing.assert_allclose((many.model_upper - many.model_lower)[busy], expected[busy], rtol=0.35)
    np.testing.assert_allclose((few.model_upper - few.model_lower)[busy], expected[busy], rtol=0.6)


def test_plot_predictive_overlays_the_poisson_mixture_pmf_on_counts():
    rng = np.random.default_rng(0)
    counts = np.concatenate([rng.poisson(2, 150), rng.poisson(9, 150)])[:, None].astype(float)
    poisson = em.Mixture(em.Poisson(n_components=2)).fit(counts, random_state=0)
    fig = em.plot.plot_predictive(poisson, counts, n_draws=10, random_state=0)
    ax = fig.axes[0]
    (masses,) = [line for line in ax.lines if line.get_label() == "fitted probability"]
    k = masses.get_xdata()
    (table,) = em.plot.compute_predictive(poisson, counts, n_draws=10, random_state=0).values()
    np.testing.assert_array_equal(k, np.arange(table.left.iloc[0] + 0.5, table.right.iloc[-1]))  # every bar's integer
    expected = sum(w * stats.poisson.pmf(k, rate) for w, rate in
                   zip(poisson.params.weights.values, poisson.params.rate.values[:, 0]))
    np.testing.assert_allclose(masses.get_ydata(), expected, rtol=1e-10)
    assert masses.get_linestyle() == "None" and masses.get_marker() == "o"  # points, not a density curve
    assert ax.get_ylabel() == "probability"
    plt.close(fig)


def test_plot_predictive_draws_the_data_over_the_band(fit, faithful):
    fig = em.plot.plot_predictive(fit, faithful, n_draws=10, random_state=0)
    for ax in fig.axes:
        bars = [patch for patch in ax.patches if type(patch).__name__ == "Rectangle"]
        band = next(patch for patch in ax.patches if patch.get_label() == "replicates (band)")
        assert min(bar.get_zorder() for bar in bars) > band.get_zorder()
        assert all(bar.get_facecolor()[3] < 0.5 for bar in bars)  # the band shows through the bars
    plt.close(fig)


@pytest.mark.parametrize("size", [None, (3.0, 2.5)], ids=["default", "narrow"])
def test_plot_predictive_title_fits_over_one_panel(fit_1d, faithful, size):
    fig = None if size is None else plt.figure(figsize=size)
    fig = em.plot.plot_predictive(fit_1d, faithful[["waiting"]], n_draws=1000, bins=10, band=0.95,
                                  random_state=0, fig=fig)
    fig.canvas.draw()
    title = fig.get_suptitle()
    extent = next(t for t in fig.texts if t.get_text() == title).get_window_extent(fig.canvas.get_renderer())
    assert "1000 replicate data sets" in title
    assert extent.x0 >= 0 and extent.x1 <= fig.bbox.x1 and extent.y1 <= fig.bbox.y1
    assert extent.y0 >= fig.axes[0].get_window_extent().y1  # above the panel
    plt.close(fig)


def test_predictive_rejects_bad_arguments(fit, faithful):
    with pytest.raises(ValueError, match="n_draws"):
        em.plot.compute_predictive(fit, faithful, n_draws=0)
    with pytest.raises(TypeError, match="n_draws"):
        em.plot.compute_predictive(fit, faithful, n_draws=2.5)
    with pytest.raises(ValueError, match="band"):
        em.plot.compute_predictive(fit, faithful, n_draws=2, band=1.5)


@pytest.mark.parametrize("kind", ["hist", "ecdf"])
def test_plot_predictive(fit, faithful, kind):
    fig = em.plot.plot_predictive(fit, faithful, n_draws=30, kind=kind, random_state=0)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.lines or ax.patches
    if kind == "hist":
        # the fitted marginal density is drawn: the Gaussian marginal of the mixture at its grid
        line = fig.axes[1].lines[-1]
        x, y = line.get_data()
        params = fit.params
        expected = sum(
            params.weights.values[k] * stats.norm.pdf(x, params.means.values[k, 1], np.sqrt(params.covariances.values[k, 1, 1]))
            for k in range(2)
        )
        np.testing.assert_allclose(y, expected)
    plt.close(fig)


# -- bootstrap ------------------------------------------------------------------------------
def test_bootstrap_intervals_are_percentiles(boot, fit):
    table = em.plot.compute_bootstrap_intervals(boot, fit, variables=("weights", "means"), level=0.9)
    assert len(table) == 2 + 4
    means = boot.means.values
    for k in range(2):
        for j, name in enumerate(["eruptions", "waiting"]):
            row = table.loc[f"means[{k}, {name}]"]
            lower, upper = np.percentile(means[:, k, j], [5, 95])
            assert (row.lower, row.upper) == (pytest.approx(lower), pytest.approx(upper))
            assert row.estimate == fit.params.means.values[k, j]
    row = table.loc["weights[1]"]
    assert row.lower == pytest.approx(np.percentile(boot.weights.values[:, 1], 5))
    no_ref = em.plot.compute_bootstrap_intervals(boot)
    assert no_ref.loc["means[0, waiting]"].estimate == pytest.approx(np.median(means[:, 0, 1]))


def test_bootstrap_intervals_skip_failed_replicates(boot, fit):
    broken = boot.copy(deep=True)
    broken["means"][0] = np.nan
    table = em.plot.compute_bootstrap_intervals(broken, fit)
    assert (table.n_ok == boot.sizes["draw"] - 1).all()
    assert table.loc["means[1, waiting]"].upper == pytest.approx(np.percentile(boot.means.values[1:, 1, 1], 97.5))


def test_bootstrap_estimate_without_a_fit_is_the_median_and_ignores_an_outlier():
    rng = np.random.default_rng(7)
    clean = rng.normal(5.0, 0.1, 99)
    boot = xr.Dataset({"means": (("draw", "component"), np.append(clean, 1e6)[:, None])},
                      coords={"component": [0]})
    row = em.plot.compute_bootstrap_intervals(boot).loc["means[0]"]
    ordered = np.sort(clean)
    assert row.estimate == pytest.approx((ordered[49] + ordered[50]) / 2)  # middle of 100 values, outlier last
    assert abs(row.estimate - 5.0) < 0.05  # the mean would be about 10005


def test_plot_bootstrap(boot, fit):
    ax = em.plot.plot_bootstrap(boot, fit, variables=("weights",))
    assert isinstance(ax, Axes)
    assert len(ax.lines) + len(ax.collections) > 0
    assert [t.get_text() for t in ax.get_yticklabels()] == ["weights[0]", "weights[1]"]


def test_plot_bootstrap_draws_an_estimate_outside_its_interval(fit):
    draws = np.array([0.70, 0.72, 0.74, 0.76])  # all replicates above the fit's weights[0]
    boot = xr.Dataset({"weights": (("draw", "component"), np.column_stack([draws, 1 - draws]))},
                      coords={"component": [0, 1]})
    assert fit.params.weights.values[0] < 0.7
    ax = em.plot.plot_bootstrap(boot, fit, variables=("weights",))
    table = em.plot.compute_bootstrap_intervals(boot, fit, variables=("weights",))
    (segments,) = ax.collections
    ends = np.array([segment[:, 0] for segment in segments.get_segments()])
    np.testing.assert_allclose(ends, table[["lower", "upper"]].to_numpy())
    np.testing.assert_allclose(ax.lines[0].get_xdata(), fit.params.weights.values)


def test_compute_functions_do_not_draw(fit, faithful, selection, boot):
    before = plt.get_fignums()
    em.plot.compute_convergence(fit)
    em.plot.compute_selection(selection)
    em.plot.compute_clusters(fit, faithful)
    em.plot.compute_uncertainty(fit, faithful)
    em.plot.compute_density_2d(fit, faithful, n_grid=10)
    em.plot.compute_predictive(fit, faithful, n_draws=50, random_state=0)
    em.plot.compute_bootstrap_intervals(boot, fit)
    assert plt.get_fignums() == before

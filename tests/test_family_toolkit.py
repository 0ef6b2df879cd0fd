"""Every family with the whole toolkit: the report, every plot, the ``compute_*`` numbers and samples.

One fit per family (Gaussian on iris, Student-t, Poisson, latent classes on the ANES 1996
survey, an ``Independent`` mix of a Gaussian, a count and a category, a mixture of two
regressions, and a gamma mixture from ``em.from_scipy``), then each tool on it.

Oracles: ``scipy.stats`` densities and masses evaluated at ``fit.params`` (the component
log-densities, hence the posteriors and the uncertainty; the 1-d and 2-d densities; the
probability of each predictive bin), ``numpy.histogram`` and pandas counts of the data,
the closed-form M-step of the category probabilities, eigenvalues of the covariance
blocks, and sample moments against the mixture's moments.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
import xarray as xr  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.special import logsumexp  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402

import emkit as em  # noqa: E402

#: Plots of a hidden Markov model's sequence, chain and emissions (tests/test_hmm_plots.py); mixtures get the others.
HMM_PLOTS = {"plot_state_sequence", "plot_transitions", "plot_emissions"}
PLOTS = sorted(name for name in em.plot.__all__ if name.startswith("plot_") and name not in HMM_PLOTS)
N_DRAWS = 40  # replicate data sets of the predictive checks


# -- the data sets ---------------------------------------------------------------------------------
def iris() -> pd.DataFrame:
    """Fisher's iris, the two petal measurements (which separate the species; two features keep the report quick)."""
    return load_iris(as_frame=True).data[["petal length (cm)", "petal width (cm)"]]


def heavy_tailed(rng, n=240) -> pd.DataFrame:
    group = rng.integers(0, 2, n)
    centres = np.array([[0.0, 0.0], [6.0, 3.0]])[group]
    return pd.DataFrame(centres + rng.standard_t(3, (n, 2)), columns=["u", "v"])


def counts(rng, n=300) -> pd.DataFrame:
    return pd.DataFrame({"visits": rng.poisson(np.where(rng.random(n) < 0.4, 2.0, 12.0))})


ANES_ITEMS = {
    "party": ("PID", 0, ["strong Dem", "weak Dem", "lean Dem", "independent", "lean Rep", "weak Rep", "strong Rep"]),
    "ideology": ("selfLR", 1, ["extremely liberal", "liberal", "slightly liberal", "moderate",
                               "slightly conservative", "conservative", "extremely conservative"]),
    "vote": ("vote", 0, ["Clinton", "Dole"]),
}


def anes() -> pd.DataFrame:
    """ANES 1996: party identification, self-placed ideology (ordered) and vote, with their labels."""
    data = sm.datasets.anes96.load_pandas().data
    return pd.DataFrame({
        name: pd.Categorical.from_codes(data[column].astype(int) - first, labels, ordered=name != "vote")
        for name, (column, first, labels) in ANES_ITEMS.items()
    })


def mixed(rng, n=240) -> pd.DataFrame:
    group = rng.integers(0, 2, n)
    kind = np.where(group == 0, rng.choice(["bus", "car", "bike"], n, p=[0.7, 0.2, 0.1]),
                    rng.choice(["bus", "car", "bike"], n, p=[0.1, 0.2, 0.7]))
    return pd.DataFrame({
        "income": rng.normal(np.where(group == 0, 0.0, 4.0), 1.0),
        "trips": rng.poisson(np.where(group == 0, 1.0, 6.0)),
        "mode": pd.Categorical(kind, categories=["bus", "car", "bike"]),  # declared order, not alphabetical
    })


def lines(rng, n=240) -> pd.DataFrame:
    group = rng.integers(0, 2, n)
    x = rng.uniform(0, 10, n)
    return pd.DataFrame({"x": x, "y": np.where(group == 0, 1 + 2 * x, 14 - x) + rng.normal(0, 0.6, n)})


def waits(rng, n=240) -> pd.DataFrame:
    short = rng.random(n) < 0.5
    return pd.DataFrame({"wait": np.where(short, rng.gamma(2.0, 1.0, n), rng.gamma(20.0, 0.5, n))})


# -- one case per family -------------------------------------------------------------------------------
@dataclass
class Case:
    """A family's fit and its data; ``kinds`` says how each feature is modelled (the oracles' key)."""

    name: str
    model: em.Mixture
    X: pd.DataFrame
    kinds: dict
    n_init: int = 1
    density_feature: str | None = None  # the feature plot_density draws on a fit of more than two features
    fit: object = field(init=False)

    def __post_init__(self):
        self.fit = self.model.fit(self.X, n_init=self.n_init, random_state=0, progress=False)

    @functools.cached_property
    def boot(self):
        return em.bootstrap(self.fit, self.X, n_boot=2, random_state=0, progress=False, max_iter=20)

    @functools.cached_property
    def selection(self):
        return em.select(self.X, model=self.model, n_components=[1, 2], progress=False, max_iter=20)

    def features_of(self, *kinds) -> list:
        return [name for name, kind in self.kinds.items() if kind in kinds]


def make_case(name: str) -> Case:
    rng = np.random.default_rng(7)
    if name == "gaussian":
        data = iris()
        return Case(name, em.Mixture(em.Gaussian("full"), 3), data, dict.fromkeys(data.columns, "mvn"), n_init=2)
    if name == "student_t":
        return Case(name, em.Mixture(em.StudentT("full"), 2), heavy_tailed(rng), {"u": "mvt", "v": "mvt"})
    if name == "poisson":
        return Case(name, em.Mixture(em.Poisson(), 2), counts(rng), {"visits": "poisson"})
    if name == "categorical":
        data = anes()
        return Case(name, em.Mixture(em.Categorical(), 2), data, dict.fromkeys(data.columns, "categorical"),
                    density_feature="party")
    if name == "independent":
        parts = {"income": em.Gaussian(), "trips": em.Poisson(), "mode": em.Categorical()}
        return Case(name, em.Mixture(em.Independent(parts), 2), mixed(rng),
                    {"income": "normal", "trips": "poisson", "mode": "categorical"}, density_feature="mode")
    if name == "regression":
        return Case(name, em.Mixture(em.Regression("y", ["x"]), 2), lines(rng), {"x": "covariate", "y": "response"},
                    n_init=3)
    if name == "from_scipy":
        gamma = em.from_scipy(stats.gamma, fixed={"loc": 0.0})
        return Case(name, em.Mixture(gamma, 2), waits(rng), {"wait": "gamma"})
    raise AssertionError(name)


FAMILIES = ["gaussian", "student_t", "poisson", "categorical", "independent", "regression", "from_scipy"]
fitted = functools.cache(make_case)  # one fit per family for the whole module


@pytest.fixture(scope="module", params=FAMILIES)
def case(request) -> Case:
    return fitted(request.param)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# -- oracles from scipy.stats at fit.params ---------------------------------------------------------
def at(params, name, k, *index):
    return float(params[name].isel(component=k).sel(dict(zip(("feature", "feature2"), index))).item())


def values(case: Case, feature: str, data: pd.DataFrame | None = None) -> np.ndarray:
    """What the fit works on in ``feature`` of ``data`` (default: the case's data): numbers, or
    category codes (positions among the pandas categorical's declared categories)."""
    column = (case.X if data is None else data)[feature]
    if case.kinds[feature] == "categorical":
        return column.cat.codes.to_numpy().astype(float)
    return column.to_numpy(dtype=float)


def marginals(case: Case, feature: str, data: pd.DataFrame | None = None) -> list:
    """Component k's distribution of ``feature`` as a frozen ``scipy.stats`` object, for each k.

    Categories are on their codes; a regression's response has one location per row of
    ``data`` (default: the case's data).
    """
    data = case.X if data is None else data
    params, kind = case.fit.params, case.kinds[feature]
    out = []
    for k in range(case.fit.n_components):
        if kind in ("mvn", "normal"):
            variance = at(params, "covariances", k, feature, feature)
            out.append(stats.norm(at(params, "means", k, feature), np.sqrt(variance)))
        elif kind == "mvt":
            scale = np.sqrt(at(params, "scales", k, feature, feature))
            out.append(stats.t(float(params.dof[k]), at(params, "means", k, feature), scale))
        elif kind == "poisson":
            out.append(stats.poisson(at(params, "rate", k, feature)))
        elif kind == "categorical":
            labels = list(case.X[feature].cat.categories)
            probs = params.probs.isel(component=k).sel(feature=feature, category=labels).values
            out.append(stats.rv_discrete(values=(np.arange(len(labels)), probs)))
        elif kind == "gamma":
            out.append(stats.gamma(at(params, "a", k, feature), at(params, "loc", k, feature),
                                   at(params, "scale", k, feature)))
        elif kind == "response":
            beta = params.coefficients.isel(component=k)
            mean = float(beta.sel(term="intercept")) + float(beta.sel(term="x")) * data.x.to_numpy()
            out.append(stats.norm(mean, float(params.sigma[k])))
        else:
            raise AssertionError(f"{feature} ({kind}) has no distribution")
    return out


def log_mass(dist, x):
    return dist.logpmf(x) if hasattr(dist, "logpmf") else dist.logpdf(x)


def log_components(case: Case, data: pd.DataFrame | None = None) -> np.ndarray:
    """``log f_k(x_i)``, shape (n, K), at the rows of ``data`` (default: the case's data).

    The joint Gaussian / t density, else the sum over the features' marginals.
    """
    data = case.X if data is None else data
    params, names = case.fit.params, list(case.kinds)
    kinds = set(case.kinds.values())
    if kinds in ({"mvn"}, {"mvt"}):
        x = data[names].to_numpy()
        columns = []
        for k in range(case.fit.n_components):
            mean = params.means.isel(component=k).sel(feature=names).values
            if kinds == {"mvn"}:
                cov = params.covariances.isel(component=k).sel(feature=names, feature2=names).values
                columns.append(stats.multivariate_normal(mean, cov).logpdf(x))
            else:
                shape = params.scales.isel(component=k).sel(feature=names, feature2=names).values
                columns.append(stats.multivariate_t(mean, shape, df=float(params.dof[k])).logpdf(x))
        return np.column_stack(columns)
    total = np.zeros((len(data), case.fit.n_components))
    for feature in case.features_of("normal", "poisson", "categorical", "gamma", "response"):
        x = values(case, feature, data)
        total += np.column_stack([log_mass(d, x) for d in marginals(case, feature, data)])
    return total


def posterior(case: Case) -> np.ndarray:
    log_joint = np.log(case.fit.params.weights.values) + log_components(case)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def mixture_mass(case: Case, feature: str, grid: np.ndarray) -> np.ndarray:
    """``(grid, K)``: ``w_k f_kj(grid)``, the weighted marginal density or mass of each component."""
    weights = case.fit.params.weights.values
    return np.column_stack([w * np.exp(log_mass(d, grid)) for w, d in zip(weights, marginals(case, feature))])


def bin_probabilities(case: Case, feature: str, edges: np.ndarray) -> np.ndarray:
    """Probability that one replicate value of ``feature`` falls in each bin (averaged over rows for a response)."""
    weights = case.fit.params.weights.values
    inside = 0.0
    for w, dist in zip(weights, marginals(case, feature)):
        cdf = dist.cdf(edges[:, None]) if case.kinds[feature] == "response" else dist.cdf(edges)
        inside = inside + w * np.diff(cdf, axis=0)
    return inside.mean(axis=1) if np.ndim(inside) == 2 else inside


def modelled(case: Case) -> list:
    """The features a replicate data set draws (all but a regression's covariates)."""
    return [name for name, kind in case.kinds.items() if kind != "covariate"]


# -- compute_* against the oracles -----------------------------------------------------------------------
def test_uncertainty_is_one_minus_the_largest_scipy_posterior(case):
    expected = 1 - posterior(case).max(axis=1)
    got = em.plot.compute_uncertainty(case.fit, case.X)
    assert got.dims == ("observation",) and got.name == "uncertainty"
    np.testing.assert_allclose(got.values, expected, rtol=1e-6, atol=1e-9)
    assert got.max() <= 1 - 1 / case.fit.n_components + 1e-12


def test_density_1d_is_the_scipy_mixture_of_each_feature(case):
    if case.name == "regression":
        with pytest.raises(ValueError, match="no closed-form one-feature marginal"):
            em.plot.compute_density_1d(case.fit, case.X, feature="y")
        return
    for feature in modelled(case):
        table = em.plot.compute_density_1d(case.fit, case.X, feature=feature)
        grid = table.index.to_numpy()
        expected = mixture_mass(case, feature, grid)
        components = table[[f"component {k}" for k in range(case.fit.n_components)]].to_numpy()
        np.testing.assert_allclose(components, expected, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(table["mixture"], expected.sum(axis=1), rtol=1e-7, atol=1e-12)
        if case.kinds[feature] in ("poisson", "categorical"):  # masses at the integers of the support
            assert np.array_equal(grid, np.round(grid)) and grid.min() >= 0
            if case.kinds[feature] == "categorical":
                assert grid.tolist() == list(range(len(case.X[feature].cat.categories)))
            frequency = pd.Series(values(case, feature)).value_counts(normalize=True)
            np.testing.assert_allclose(table["data"], frequency.reindex(grid, fill_value=0.0), rtol=1e-12)
        else:
            assert "data" not in table


@pytest.mark.parametrize("family", ["student_t", "regression"])
def test_density_2d_is_the_scipy_mixture_density(family):
    """Two features: the t mixture's joint density; a regression's conditional density p(y | x) on the plane."""
    case = fitted(family)
    grid = em.plot.compute_density_2d(case.fit, case.X, n_grid=25)
    gx, gy = np.meshgrid(grid.x.values, grid.y.values)
    points = pd.DataFrame({name: axis.ravel() for name, axis in zip(case.kinds, (gx, gy))})
    log_joint = np.log(case.fit.params.weights.values) + log_components(case, points)
    np.testing.assert_allclose(grid.values, np.exp(logsumexp(log_joint, axis=1)).reshape(gx.shape), rtol=1e-7)


def test_predictive_data_is_the_histogram_and_the_replicates_follow_the_params(case):
    ppc = em.plot.compute_predictive(case.fit, case.X, n_draws=N_DRAWS, bins=15, random_state=1)
    assert list(ppc) == modelled(case)
    n_values = N_DRAWS * len(case.X)
    for feature, table in ppc.items():
        edges = np.append(table.left.to_numpy(), table.right.iloc[-1])
        np.testing.assert_allclose(table.data, np.histogram(values(case, feature), edges, density=True)[0],
                                   rtol=1e-12)
        assert table.data_ecdf.iloc[-1] == 1.0
        assert (table.model_lower <= table.model_median).all() and (table.model_median <= table.model_upper).all()
        if case.kinds[feature] in ("poisson", "categorical"):  # one bin per integer
            np.testing.assert_array_equal(np.diff(edges), 1.0)
            np.testing.assert_array_equal(edges % 1, 0.5)
        # pooled replicates: a binomial share of n_draws * n draws around the bin's probability under the fit
        expected = bin_probabilities(case, feature, edges)
        pooled = table.model.to_numpy() * np.diff(edges)
        tolerance = 5 * np.sqrt(expected * (1 - expected) / n_values) + 5 / n_values
        assert np.all(np.abs(pooled - expected) <= tolerance), feature


def test_clusters_are_drawn_from_the_params(case):
    fit, X = case.fit, case.X
    if len(fit.features) < 2:
        return  # refused: see test_every_plot_renders_or_refuses
    data = em.plot.compute_clusters(fit, X)
    first, second = data.features
    np.testing.assert_allclose(data.points, np.column_stack([values(case, first), values(case, second)]))
    proba = posterior(case)
    clear = np.sort(proba, axis=1)[:, -1] - np.sort(proba, axis=1)[:, -2] > 1e-6
    np.testing.assert_array_equal(data.labels[clear], proba.argmax(axis=1)[clear])
    params = fit.params
    if case.name in ("gaussian", "student_t"):
        matrix = "covariances" if case.name == "gaussian" else "scales"
        assert data.ellipses.component.tolist() == list(range(fit.n_components))
        for row in data.ellipses.itertuples():
            centre = params.means.isel(component=row.component).sel(feature=[first, second]).values
            block = params[matrix].isel(component=row.component).sel(feature=[first, second],
                                                                      feature2=[first, second]).values
            np.testing.assert_allclose([row.centre_x, row.centre_y], centre, rtol=1e-12)
            np.testing.assert_allclose([row.semi_minor, row.semi_major], 2 * np.sqrt(np.linalg.eigvalsh(block)),
                                       rtol=1e-9)
    else:
        assert data.ellipses.empty  # no 2 x 2 location-scale block in these two features
    if case.name == "regression":
        assert data.features == ("x", "y") and data.response_axis == 1
        for k, line in data.lines.groupby("component"):
            beta = params.coefficients.isel(component=int(k))
            mean = float(beta.sel(term="intercept")) + float(beta.sel(term="x")) * line.covariate
            np.testing.assert_allclose(line["mean"], mean, rtol=1e-12)
            np.testing.assert_allclose(line.upper - line.lower, 4 * float(params.sigma[int(k)]), rtol=1e-12)
            assert line.covariate.min() == X.x.min() and line.covariate.max() == X.x.max()
    else:
        assert data.lines.empty


def test_convergence_is_the_trace(case):
    fit = case.fit
    data = em.plot.compute_convergence(fit)
    trace = fit.trace.log_likelihood.values
    assert len(data.traces) == case.n_init == trace.shape[0]
    for row, drawn, restart_iterations in zip(trace, data.traces, fit.trace.n_iter.values):
        np.testing.assert_array_equal(drawn, row[: len(drawn)])
        assert np.isnan(row[len(drawn):]).all() and len(drawn) == restart_iterations + 1
    assert data.best == fit.best_restart
    np.testing.assert_allclose(data.final[data.best], fit.log_likelihood, rtol=1e-10)
    np.testing.assert_allclose(fit.log_likelihood, logsumexp(np.log(fit.params.weights.values)
                                                             + log_components(case), axis=1).sum(), rtol=1e-8)


def test_profile_is_the_category_probabilities_at_their_m_step_fixed_point(case):
    categorical = case.features_of("categorical")
    if not categorical:
        with pytest.raises(ValueError, match="no categorical features"):
            em.plot.compute_profile(case.fit)
        return
    table = em.plot.compute_profile(case.fit)
    assert list(table.columns.unique("feature")) == categorical
    responsibilities = posterior(case)
    for feature in categorical:
        labels = list(case.X[feature].cat.categories)
        assert list(table[feature].columns) == labels  # declared order
        probs = case.fit.params.probs.sel(feature=feature, category=labels).values
        np.testing.assert_allclose(table[feature].to_numpy(), probs, rtol=1e-12)
        indicator = np.eye(len(labels))[case.X[feature].cat.codes.to_numpy()]
        m_step = responsibilities.T @ indicator / responsibilities.sum(axis=0)[:, None]
        np.testing.assert_allclose(probs, m_step, atol=2e-3)


# -- every plot: renders where it applies, a clear ValueError where it does not -------------------------
REFUSED = {  # (family, plot) -> what the error says
    ("poisson", "plot_clusters"): "two features",
    ("from_scipy", "plot_clusters"): "two features",
    ("poisson", "plot_pairs"): "at least two features",
    ("from_scipy", "plot_pairs"): "at least two features",
    **{(family, "plot_profile"): "no categorical features"
       for family in FAMILIES if family not in ("categorical", "independent")},
}
def draw(plot: str, case: Case):
    function = getattr(em.plot, plot)
    fit, X = case.fit, case.X
    if plot == "plot_bootstrap":
        return function(case.boot, fit, variables=("weights",))
    if plot == "plot_selection":
        return function(case.selection)
    if plot in ("plot_convergence", "plot_profile"):
        return function(fit)
    if plot == "plot_predictive":
        return function(fit, X, n_draws=5, random_state=0)
    if plot == "plot_density" and case.density_feature is not None:
        return function(fit, X, feature=case.density_feature)
    return function(fit, X)


def tick_texts(ax, axis: str) -> list:
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [label.get_text() for label in labels if label.get_text()]


def check_rendered(figure, case: Case, plot: str) -> None:
    """Every panel holds something, and categorical axes show the category labels.

    The diagonal of a pairs grid holds histograms: its y axis counts, whatever the row's label.
    (The report renders these figures to PNG: see test_report_has_every_section_and_figure.)
    """
    d = len(case.kinds)
    for position, ax in enumerate(figure.axes):
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.lines or ax.patches or ax.collections or ax.images, f"an empty panel: {ax.get_title()!r}"
        histogram = plot == "plot_pairs" and position // d == position % d
        for axis, name in (("x", ax.get_xlabel()), ("y", "" if histogram else ax.get_ylabel())):
            if case.kinds.get(name) == "categorical":
                shown = tick_texts(ax, axis)
                assert shown and set(shown) <= set(case.X[name].cat.categories), (name, shown)


def plot_cases():
    for family in FAMILIES:
        for plot in PLOTS:
            yield pytest.param(family, plot, id=f"{family}-{plot}")


@pytest.mark.parametrize("family, plot", plot_cases())
def test_every_plot_renders_or_refuses(family, plot):
    case = fitted(family)
    if (family, plot) in REFUSED:
        with pytest.raises(ValueError, match=REFUSED[family, plot]):
            draw(plot, case)
        return
    result = draw(plot, case)
    figure = result if hasattr(result, "savefig") else result.figure
    check_rendered(figure, case, plot)
    if plot == "plot_bootstrap":
        assert tick_texts(figure.axes[0], "y") == [f"weights[{k}]" for k in range(case.fit.n_components)]
        table = em.plot.compute_bootstrap_intervals(case.boot, case.fit, variables=("weights",))
        replicates = case.boot.weights.transpose("draw", "component").values
        np.testing.assert_allclose(table[["lower", "upper"]].to_numpy().T,
                                   np.percentile(replicates, [2.5, 97.5], axis=0), rtol=1e-12)
        np.testing.assert_allclose(table.estimate, case.fit.params.weights.values, rtol=1e-12)
    if plot == "plot_selection":
        plotted = figure.axes[0].lines[0].get_ydata()
        np.testing.assert_allclose(plotted, case.selection.grid.bic.values[0])


def test_plot_bootstrap_with_the_fit_draws_an_estimate_outside_its_interval():
    """A percentile interval need not hold the fit's own estimate: the point is drawn outside it."""
    case = fitted("poisson")
    shifted = case.boot.copy()
    shifted["weights"] = case.boot.weights * 0 + case.fit.params.weights + 0.05  # every replicate above the fit
    table = em.plot.compute_bootstrap_intervals(shifted, case.fit, variables=("weights",))
    assert (table.estimate < table.lower).all()
    ax = em.plot.plot_bootstrap(shifted, case.fit, variables=("weights",))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), case.fit.params.weights.values)


@pytest.fixture
def convergence_axes():
    """The convergence plot of the Poisson fit: a few iterations, log-likelihoods within 1e-4 of each other."""
    ax = em.plot.plot_convergence(fitted("poisson").fit)
    ax.figure.canvas.draw()
    return ax


def test_convergence_plot_counts_whole_iterations(convergence_axes):
    ticks = convergence_axes.get_xticks()
    assert np.array_equal(ticks, np.round(ticks))


def test_convergence_plot_shows_the_log_likelihood_itself(convergence_axes):
    assert convergence_axes.yaxis.get_major_formatter().get_offset() == ""


def test_predictive_bins_resolve_the_data_of_a_heavy_tailed_fit():
    case = fitted("student_t")
    ppc = em.plot.compute_predictive(case.fit, case.X, n_draws=N_DRAWS, bins=30, random_state=1)
    for feature, table in ppc.items():
        low, high = case.X[feature].min(), case.X[feature].max()
        inside = ((table.left >= low) & (table.right <= high)).sum()
        assert inside >= 20, (feature, inside)
        # replicate values beyond the data fall in no bin: their share is the fit's mass outside [low, high]
        outside = 1 - bin_probabilities(case, feature, np.array([low, high]))[0]
        n_values = N_DRAWS * len(case.X)
        assert abs(table.attrs["model_outside"] - outside) <= 5 * np.sqrt(outside * (1 - outside) / n_values)
        assert outside > 1e-3  # the heavy tails do reach beyond the data
        binned = (table.model * (table.right - table.left)).sum()
        assert binned + table.attrs["model_outside"] == pytest.approx(1.0, abs=1e-12)
        assert table.model_ecdf.iloc[-1] < 1.0  # the ECDF still counts the values above the last bin


def test_predictive_plot_names_the_share_beyond_the_data_and_keeps_its_legend_off_the_panels():
    case = fitted("student_t")
    fig = em.plot.plot_predictive(case.fit, case.X, n_draws=N_DRAWS, random_state=1)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert "beyond the data's range" in ax.get_xlabel()
        assert not box.overlaps(ax.get_window_extent(renderer))
    assert {text.get_text() for text in legend.get_texts()} == {"replicates (band)", "replicates (median)", "data",
                                                                "fitted density"}
    plt.close(fig)


def test_select_over_a_scipy_family_is_labelled_by_the_distribution():
    case = fitted("from_scipy")
    assert case.selection.grid.attrs["model"] == "gamma"
    assert case.selection.best_key[0] == "gamma"
    assert "of gamma over" in repr(case.selection)
    assert case.selection.marked_table().columns.name == "model"


def test_report_of_a_selection_marks_the_chosen_cell_and_heads_the_model_column():
    case = fitted("poisson")
    page = em.report(case.selection, case.X, n_draws=5)
    section = page[page.index('<section id="selection">'):]
    table = section[section.index("<table"):section.index("</table>")]
    chosen, k = case.selection.best_key
    assert "<th>model</th>" in table and "<th>covariance</th>" not in table
    bold = table.split("<b>")[1].split("</b>")[0]
    assert table.count("<b>") == 1
    assert float(bold) == pytest.approx(case.selection.grid.bic.sel(covariance=chosen, n_components=k).item(), abs=0.005)
    assert float(bold) == pytest.approx(np.nanmin(case.selection.table().to_numpy()), abs=0.005)


def test_density_of_a_regression_fit_says_it_is_conditional():
    case = fitted("regression")
    ax = em.plot.plot_density(case.fit, case.X)
    assert ax.get_title() == "fitted conditional density of y given x"
    plt.close(ax.figure)
    gaussian = fitted("gaussian")
    ax = em.plot.plot_density(gaussian.fit, gaussian.X)
    assert ax.get_title() == "fitted mixture density"
    plt.close(ax.figure)


# -- the report -------------------------------------------------------------------------------------------
class _Page(HTMLParser):
    """Section anchors, figures (caption and PNG bytes) and the visible text of a report."""

    def __init__(self, page: str):
        super().__init__()
        self.sections, self.figures, self.text = [], {}, []
        self._section = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs["id"]
            self.sections.append(self._section)
        if tag == "img":
            self.figures[attrs["alt"]] = base64.b64decode(attrs["src"].split(",", 1)[1])

    def handle_data(self, data):
        self.text.append((self._section, data))

    def section_text(self, section: str) -> str:
        return " ".join(data for where, data in self.text if where == section)


CLUSTERS = "classification with component"  # the cluster (or pairs) figure; its caption names the shapes
PROFILE = "profile: P(category | component) for each categorical feature"
FIGURES = {  # the report's figures beyond convergence, uncertainty and predictive checks
    "gaussian": [CLUSTERS, "fitted density"],
    "student_t": [CLUSTERS, "fitted density"],
    "poisson": ["fitted density"],
    "categorical": [PROFILE],
    "independent": [CLUSTERS, PROFILE],
    "regression": [CLUSTERS],
    "from_scipy": ["fitted density"],
}


def figure_kind(caption: str) -> str:
    return CLUSTERS if caption.startswith(CLUSTERS) else caption


@functools.cache
def report_page(family: str) -> _Page:
    case = fitted(family)
    return _Page(em.report(case.fit, case.X, n_draws=5))


@pytest.fixture(scope="module")
def page(case):
    return report_page(case.name)


def test_report_has_every_section_and_figure(case, page):
    categorical = bool(case.features_of("categorical"))
    expected = ["data", "model"] + ["profile"] * categorical + ["convergence", "classification", "predictive",
                                                                   "warnings"]
    assert page.sections == expected
    captions = ["log-likelihood by iteration, every restart", "classification uncertainty (1 - max responsibility)",
                "posterior-predictive marginals"] + FIGURES[case.name]
    assert sorted(map(figure_kind, page.figures)) == sorted(captions)
    for png in page.figures.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert f"{len(case.X)} observations of {len(case.kinds)} feature(s)" in page.section_text("data")


def test_report_tables_describe_the_data_and_hold_no_nan(case, page):
    data = page.section_text("data")
    for feature, kind in case.kinds.items():
        if kind == "categorical":
            counts = case.X[feature].value_counts()
            for label in case.X[feature].cat.categories:
                assert f" {label} " in f" {data} " and str(counts[label]) in data
        else:
            assert f"{case.X[feature].mean():.4g}" in data
    visible = " ".join(text for _, text in page.text).split()
    assert not {"nan", "NaN", "inf", "-inf"} & set(visible)
    model = page.section_text("model")
    assert f"{case.fit.log_likelihood:.8g}" in model
    if case.name == "regression":
        assert "column_role" not in model


@pytest.mark.parametrize("family", [
    "gaussian", "student_t", "regression",
    "independent",
])
def test_report_cluster_caption_names_what_is_drawn(family):
    case = fitted(family)
    caption = next(c for c in report_page(family).figures if c.startswith(CLUSTERS))
    shapes = pd.concat([data.ellipses for data in em.plot.compute_pairs(case.fit, case.X).values()])
    lines = pd.concat([data.lines for data in em.plot.compute_pairs(case.fit, case.X).values()])
    assert ("ellipses" in caption) == (len(shapes) > 0)
    assert ("regression lines" in caption) == (len(lines) > 0)


@pytest.mark.parametrize("family", ["poisson", "from_scipy"])
def test_report_of_a_one_feature_fit_shows_its_fitted_density(family):
    assert "fitted density" in report_page(family).figures


# -- samples speak the data's types -----------------------------------------------------------------------
def mixture_mean(case: Case, feature: str) -> tuple[float, float]:
    """Mean and standard deviation of one draw of ``feature`` from the fitted mixture (scipy moments)."""
    weights = case.fit.params.weights.values
    means = np.array([float(np.mean(d.mean())) for d in marginals(case, feature)])
    second = np.array([float(np.mean(d.var() + d.mean() ** 2)) for d in marginals(case, feature)])
    mean = weights @ means
    return mean, np.sqrt(weights @ second - mean**2)


def test_samples_have_the_data_types_and_the_mixture_moments(case):
    fit, X, n = case.fit, case.X, 4000
    if case.name == "regression":
        with pytest.raises(TypeError, match=r"sample\(given=X\)"):
            fit.sample(10)
        drawn = fit.sample(given=X, random_state=0)
        assert isinstance(drawn, xr.DataArray) and drawn.dims == ("observation", "feature")
        np.testing.assert_array_equal(drawn.sel(feature="x").values, X.x.to_numpy())
        return
    drawn = fit.sample(n, random_state=0)
    categorical = case.features_of("categorical")
    if categorical:
        assert isinstance(drawn, pd.DataFrame)
        assert list(drawn.columns) == list(X.columns) + ["component"]
        for feature in categorical:
            assert drawn[feature].dtype == X[feature].dtype  # same categories, same order, same ordered flag
            shares = drawn[feature].value_counts(normalize=True).reindex(X[feature].cat.categories).to_numpy()
            expected = sum(w * d.pmf(np.arange(len(shares)))
                           for w, d in zip(fit.params.weights.values, marginals(case, feature)))
            np.testing.assert_allclose(shares, expected, atol=5 * np.sqrt(0.25 / n))
        frame = drawn
    else:
        assert isinstance(drawn, xr.DataArray) and drawn.dims == ("observation", "feature")
        assert drawn.feature.values.tolist() == list(X.columns)
        frame = drawn.to_pandas()
    for feature in case.features_of("poisson"):
        assert np.array_equal(frame[feature], np.round(frame[feature])) and frame[feature].min() >= 0
    for feature in case.features_of("mvn", "mvt", "normal", "poisson", "gamma"):
        mean, sd = mixture_mean(case, feature)
        assert abs(frame[feature].mean() - mean) < 5 * sd / np.sqrt(n), feature

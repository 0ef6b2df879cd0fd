"""Clusters in two features with the components' ellipses (or regression lines), and a pairs grid over all features."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._common import component_colors, component_labels, feature_index, get_ax, integer_bin_edges, observations
from ._common import on_integer_support, pyplot
from ._ellipse import ellipse_geometry
from .profile import jitter_categories, label_categories

_MATRIX_VARIABLES = ("covariances", "scales")
#: Points on the covariate axis at which a regression line is evaluated.
LINE_POINTS = 50


def _no_lines() -> pd.DataFrame:
    """The (empty) lines of a plot without regression components."""
    return pd.DataFrame(columns=["component", "covariate", "mean", "lower", "upper"])


@dataclass(frozen=True)
class ClusterData:
    """What :func:`plot_clusters` draws.

    Attributes
    ----------
    features : tuple of str
        The two features (x, y).
    points : ndarray, shape (n, 2)
        The observations in those features: the rows with both observed
        (a row with NaN in either, under the fit's ``missing="marginalize"``
        option, has no point to draw and is left out).
    labels : ndarray, shape (n,)
        MAP component of each drawn observation (``fit.predict``, from all
        of its observed entries): its name in
        ``fit.components`` (an integer ``0 .. K-1``, or the name given by
        named labels).
    ellipses : pandas.DataFrame
        One row per component with a location and a 2x2 matrix
        (``covariances``, or ``scales`` for Student-t): ``component`` (its
        name in ``fit.components``), ``centre_x``, ``centre_y``,
        ``semi_major``, ``semi_minor``, ``angle`` (degrees, major axis from
        the x axis). Components of other families have no row.
    radius : float
        The Mahalanobis radius of the ellipses, and the half-width of the
        regression bands in residual standard deviations.
    lines : pandas.DataFrame
        For regression components whose covariate and response are the two
        features: ``LINE_POINTS`` rows per component with ``component`` (its
        name in ``fit.components``), ``covariate`` (a grid over the data's
        range), ``mean`` (the line), ``lower`` and ``upper``
        (``mean -+ radius * sigma``). Empty otherwise.
    response_axis : int or None
        Which plot axis holds the response of the lines (1: y, 0: x); None
        without lines.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> data = em.plot.compute_clusters(fit, X)
    >>> data.points.shape, len(data.ellipses)
    ((272, 2), 2)
    """

    features: tuple
    points: np.ndarray
    labels: np.ndarray
    ellipses: pd.DataFrame
    radius: float
    lines: pd.DataFrame = field(default_factory=_no_lines)
    response_axis: int | None = None

    def swapped(self) -> "ClusterData":
        """The same data with the two features exchanged (x becomes y).

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> data = em.plot.compute_clusters(fit, X)
        >>> data.swapped().features, bool((data.swapped().points == data.points[:, ::-1]).all())
        (('waiting', 'eruptions'), True)
        """
        ellipses = self.ellipses.assign(centre_x=self.ellipses.centre_y, centre_y=self.ellipses.centre_x,
                                        angle=90 - self.ellipses.angle)
        axis = None if self.response_axis is None else 1 - self.response_axis
        return ClusterData(self.features[::-1], self.points[:, ::-1], self.labels, ellipses, self.radius,
                           self.lines, axis)


def default_features(fit) -> tuple[int, int]:
    """The two features :func:`plot_clusters` shows by default.

    The first two features; for a mixture of regressions, the first
    covariate (x axis) and the response (y axis) of its first component.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.plots.clusters import default_features
    >>> X = em.datasets.load("faithful")
    >>> default_features(em.GaussianMixture(2).fit(X, random_state=0))
    (0, 1)
    >>> default_features(em.Mixture(em.Regression("eruptions", ["waiting"])).fit(X, random_state=0))
    (1, 0)
    """
    for role in _column_roles(fit):
        covariates = np.flatnonzero(role == 1)
        if len(covariates):
            return int(covariates[0]), int(np.flatnonzero(role == 2)[0])
    return 0, 1


def _column_roles(fit) -> np.ndarray:
    """``(K, d)``: how each component uses each feature (0 unused, 1 covariate, 2 response).

    NaN for components that are not regressions; no rows without regression components.
    """
    if "column_role" not in fit.params:
        return np.empty((0, len(fit.features)))
    return fit.params["column_role"].transpose("component", "feature").values


def _term_values(fit, x: np.ndarray, covariate: int, grid: np.ndarray, terms) -> np.ndarray:
    """The design ``(LINE_POINTS, p)``: 1 for the intercept, ``grid`` for ``covariate``, others at their mean."""
    columns = []
    for term in terms:
        if term == "intercept":
            columns.append(np.ones_like(grid))
        else:
            j = feature_index(fit, term)
            columns.append(grid if j == covariate else np.full_like(grid, x[:, j].mean()))
    return np.column_stack(columns)


def regression_lines(fit, x: np.ndarray, i: int, j: int, radius: float) -> tuple[pd.DataFrame, int | None]:
    """Each regression component's line and band in the plane of features ``i`` (x axis) and ``j`` (y axis).

    A component is drawn when one of the two features is its response and
    the other one of its covariates: over a grid spanning the data's range
    of the covariate, ``mean = b_0 + b_c c + sum_(other m) b_m xbar_m`` (the
    other covariates at their data mean) and the band ``mean -+ radius *
    sigma_k``. Coefficients, ``sigma`` and the roles of the columns come from
    ``fit.params``.

    Returns
    -------
    (pandas.DataFrame, int or None)
        The lines (columns as :attr:`ClusterData.lines`) and the axis of
        the response (1 when ``j`` is the response, 0 when ``i`` is).

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> from emkit.plots.clusters import regression_lines
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 10, 300)
    >>> data = pd.DataFrame({"x": x, "y": 1 + 2 * x + rng.normal(0, 0.5, 300)})
    >>> fit = em.Mixture(em.Regression("y", ["x"])).fit(data, random_state=0)
    >>> lines, axis = regression_lines(fit, fit.observations(data).values, 0, 1, radius=2.0)
    >>> len(lines), axis, bool(np.allclose(lines.upper - lines["mean"], 2 * fit.params.sigma.item()))
    (50, 1, True)
    """
    params = fit.params
    frames, axis = [], None
    for k, (name, role) in enumerate(zip(fit.components, _column_roles(fit))):
        if {role[i], role[j]} != {1.0, 2.0}:
            continue  # not this component's covariate and response, or a component of another family
        covariate, axis = (i, 1) if role[j] == 2 else (j, 0)
        grid = np.linspace(x[:, covariate].min(), x[:, covariate].max(), LINE_POINTS)
        coefficients = params["coefficients"].isel(component=k)
        coefficients = coefficients.isel(term=np.flatnonzero(np.isfinite(coefficients.values)))  # its family's terms
        terms = [str(t) for t in coefficients.coords["term"].values]
        mean = _term_values(fit, x, covariate, grid, terms) @ coefficients.values
        half = radius * float(params["sigma"].values[k])
        frames.append(pd.DataFrame({"component": name, "covariate": grid, "mean": mean,
                                    "lower": mean - half, "upper": mean + half}))
    lines = pd.concat(frames, ignore_index=True) if frames else _no_lines()
    return lines, axis


def compute_clusters(fit, X, features=None, radius: float = 2.0) -> ClusterData:
    """Points, MAP labels and per-component ellipses (or regression lines) in two chosen features.

    For component k with location ``mu_k`` and matrix ``S_k`` (covariance, or
    Student-t scale), the ellipse is ``{x : (x - m)^T A^{-1} (x - m) = c^2}``
    with ``m`` and ``A`` the sub-vector and 2x2 sub-matrix of the two features
    (the 2-d marginal for a Gaussian); its semi-axes are ``c sqrt(lambda_j)``
    along the eigenvectors of ``A`` (:func:`emkit.plots._ellipse.ellipse_geometry`).

    A regression component (``y | x ~ N(z' beta_k, sigma_k^2)``) has no
    ellipse: when the two features are one of its covariates and its
    response, it gets its line ``z' beta_k`` with a band of ``radius``
    residual standard deviations (:func:`regression_lines`; other covariates
    at their mean).

    ``X`` is read with the fit's ``missing`` option (:meth:`FitResult.observations`).
    Rows with NaN in either of the two features are left out of ``points``;
    the others are labelled by their posterior given all their observed
    entries.

    Parameters
    ----------
    fit : FitResult
    X : data
        Observations to draw (usually the training data).
    features : pair of str or int, optional
        Default: :func:`default_features` (the first two features; for a
        mixture of regressions its first covariate and the response).
    radius : float, default 2.0
        Mahalanobis radius ``c``; see :func:`emkit.plots._ellipse.radius_for_coverage`.
        For regression components, the half-width of the band in residual
        standard deviations.

    Returns
    -------
    ClusterData

    Raises
    ------
    ValueError
        If the fit has a single feature (there is no plane to draw), or the
        two features are the same.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> data = em.plot.compute_clusters(fit, X, features=("eruptions", "waiting"))
    >>> data.points.shape, sorted(data.ellipses.columns)
    ((272, 2), ['angle', 'centre_x', 'centre_y', 'component', 'semi_major', 'semi_minor'])
    """
    if len(fit.features) < 2:
        raise ValueError(
            f"a cluster plot needs two features; the fit has one ({fit.features[0]}): "
            "draw it with em.plot.plot_density or em.plot.plot_uncertainty"
        )
    i, j = (feature_index(fit, f) for f in (default_features(fit) if features is None else features))
    if i == j:
        raise ValueError("choose two different features")
    x = observations(fit, X)
    labels = fit.predict(X).values
    params = fit.params
    rows = []
    matrix_name = next((v for v in _MATRIX_VARIABLES if v in params), None)
    if "means" in params and matrix_name is not None:
        means = params["means"].values
        matrices = params[matrix_name].values
        for k, name in enumerate(fit.components):
            centre = means[k, [i, j]]
            sub = matrices[k][np.ix_([i, j], [i, j])]
            if not (np.isfinite(centre).all() and np.isfinite(sub).all()):
                continue  # a component of another family in a heterogeneous mixture
            c, a, b, angle = ellipse_geometry(centre, sub, radius)
            rows.append({"component": name, "centre_x": c[0], "centre_y": c[1], "semi_major": a,
                         "semi_minor": b, "angle": angle})
    ellipses = pd.DataFrame(rows, columns=["component", "centre_x", "centre_y", "semi_major", "semi_minor", "angle"])
    names = (str(fit.features[i]), str(fit.features[j]))
    lines, response_axis = regression_lines(fit, x, i, j, radius)
    points = x[:, [i, j]]
    drawn = ~np.isnan(points).any(axis=1)
    return ClusterData(names, points[drawn], np.asarray(labels)[drawn], ellipses, float(radius), lines, response_axis)


def _draw_clusters(fit, data: ClusterData, ax, legend: bool = True, s: float = 12):
    """The points by MAP component (categorical features jittered, labelled), ellipses and regression lines."""
    from matplotlib.patches import Ellipse

    colors = dict(zip(fit.components, component_colors(fit.n_components)))
    points = np.column_stack([jitter_categories(fit, name, data.points[:, a]) for a, name in enumerate(data.features)])
    for component, label in zip(fit.components, component_labels(fit)):
        mine = data.labels == component
        if mine.any():
            ax.scatter(points[mine, 0], points[mine, 1], s=s, color=colors[component], alpha=0.7, label=label)
    for row in data.ellipses.itertuples():
        color = colors[row.component]
        ax.add_patch(Ellipse((row.centre_x, row.centre_y), 2 * row.semi_major, 2 * row.semi_minor, angle=row.angle,
                             fill=False, color=color, lw=2))
        ax.plot([row.centre_x], [row.centre_y], marker="+", color=color, ms=10, mew=2)
    for component, line in data.lines.groupby("component"):
        _draw_line(ax, line, data.response_axis, colors[component])
    ax.set_xlabel(data.features[0])
    ax.set_ylabel(data.features[1])
    label_categories(ax, fit, data.features[0], "x")
    label_categories(ax, fit, data.features[1], "y")
    if legend:
        ax.legend(fontsize="small")
    return ax


def _draw_line(ax, line: pd.DataFrame, response_axis: int, color) -> None:
    """One regression line with its band; the response on the y axis (``response_axis`` 1) or the x axis (0)."""
    if response_axis == 1:
        ax.plot(line.covariate, line["mean"], color=color, lw=2)
        ax.fill_between(line.covariate, line.lower, line.upper, color=color, alpha=0.15)
    else:
        ax.plot(line["mean"], line.covariate, color=color, lw=2)
        ax.fill_betweenx(line.covariate, line.lower, line.upper, color=color, alpha=0.15)


def plot_clusters(fit, X, features=None, radius: float = 2.0, ax=None):
    """Scatter two features coloured by MAP component, with each component's ellipse and centre.

    A mixture of regressions shows each component's regression line with a
    band of ``radius`` residual standard deviations instead, by default with
    its first covariate on the x axis and the response on the y axis; with
    several covariates the others are held at their mean (see
    :func:`compute_clusters`).

    A categorical feature is drawn at its codes with the category labels as
    tick labels, each point moved by a small uniform jitter
    (:func:`emkit.plots.profile.jitter_categories`) so that points do not
    all stack on a few spots; :func:`compute_clusters` gives the codes.

    For a fit with ``missing="marginalize"``, rows with NaN in either of
    the two features are not drawn (:func:`compute_clusters`).

    Parameters
    ----------
    fit : FitResult
    X : data
    features : pair of str or int, optional
        Default: :func:`default_features`.
    radius : float, default 2.0
        Mahalanobis radius of the ellipses; half-width of the regression bands
        in residual standard deviations.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> ax = em.plot.plot_clusters(fit, X)
    >>> len(ax.patches), len(ax.collections)
    (2, 2)
    >>> plt.close(ax.figure)
    """
    data = compute_clusters(fit, X, features, radius)
    ax = get_ax(ax)
    _draw_clusters(fit, data, ax)
    if len(data.lines):
        ax.set_title(f"clusters (regression lines, bands of \u00b1{data.radius:g} residual SD)")
    elif len(data.ellipses):
        ax.set_title(f"clusters (ellipses at Mahalanobis radius {data.radius:g})")
    else:
        ax.set_title("clusters (MAP component)")
    return ax


def compute_pairs(fit, X, radius: float = 2.0) -> dict:
    """:func:`compute_clusters` for every pair of features.

    Returns
    -------
    dict
        ``(i, j) -> ClusterData`` for feature positions ``i < j``.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> list(em.plot.compute_pairs(fit, X))
    [(0, 1)]
    """
    d = len(fit.features)
    return {(i, j): compute_clusters(fit, X, (i, j), radius) for i in range(d) for j in range(i + 1, d)}


def _diagonal_bins(fit, x: np.ndarray, j: int):
    """Bins of feature ``j``'s histogram in a pairs grid: one per integer on the integers, else 20."""
    if on_integer_support(fit, x, j):
        finite = x[:, j][np.isfinite(x[:, j])]
        return integer_bin_edges(finite.min(), finite.max())
    return 20


def plot_pairs(fit, X, radius: float = 2.0, fig=None):
    """A d x d grid: clusters with ellipses for every feature pair, per-component histograms on the diagonal.

    Panel ``(row, col)`` with ``row != col`` shows feature ``col`` against
    feature ``row``; the diagonal shows each feature's histogram split by MAP
    component (stacked): 20 bins, or one bar per integer for a feature on
    the integers (counts, binary and categorical data). Categorical features
    have their category labels on the axes and are jittered as in
    :func:`plot_clusters`. For a fit with ``missing="marginalize"``, each
    panel draws the rows observed in its feature(s) (NaN are left out).
    One legend, right of the grid, gives each component's colour under its
    name in ``fit.components`` (``0 .. K-1``, or the names of named labels).
    The figure uses matplotlib's constrained layout (a ``fig`` given is
    switched to it), which keeps the legend clear of the panels.

    Parameters
    ----------
    fit : FitResult
    X : data
    radius : float, default 2.0
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new figure if None.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> fig = em.plot.plot_pairs(fit, X)
    >>> len(fig.axes), [text.get_text() for text in fig.legends[0].get_texts()]
    (4, ['0', '1'])
    >>> plt.close(fig)
    """
    d = len(fit.features)
    if d < 2:
        raise ValueError("a pairs plot needs at least two features")
    pairs = compute_pairs(fit, X, radius)
    x = observations(fit, X)
    labels = fit.predict(X).values
    if fig is None:
        fig = pyplot().figure(figsize=(2.5 * d, 2.5 * d))
    else:
        fig.clear()
    fig.set_layout_engine("constrained")  # makes room for the legend outside the grid
    axes = fig.subplots(d, d, squeeze=False)
    colors = component_colors(fit.n_components)
    names = [str(f) for f in fit.features]
    for row in range(d):
        for col in range(d):
            ax = axes[row, col]
            if row == col:
                observed = ~np.isnan(x[:, row])
                groups = [x[observed & (labels == component), row] for component in fit.components]
                ax.hist(groups, bins=_diagonal_bins(fit, x, row), stacked=True, color=colors[: len(groups)])
                label_categories(ax, fit, names[row], "x")
            else:
                data = pairs[min(row, col), max(row, col)]
                if row < col:  # below/above the diagonal: swap so that x is the column's feature
                    data = data.swapped()
                _draw_clusters(fit, data, ax, legend=False, s=5)
            ax.set_xlabel(names[col] if row == d - 1 else "")
            ax.set_ylabel(names[row] if col == 0 else "")
    _component_legend(fig, fit, colors)
    return fig


def _component_legend(fig, fit, colors) -> None:
    """One legend for the whole grid, right of the panels: each component's name (``fit.components``) and colour."""
    from matplotlib.patches import Patch

    handles = [Patch(color=color) for color in colors]
    fig.legend(handles, [str(name) for name in fit.components], title=fit.mixture.latent_dim,
               loc="outside right upper", fontsize="small")

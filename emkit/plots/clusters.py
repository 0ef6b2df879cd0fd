"""Clusters in two features with the components' ellipses, and a pairs grid over all features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._common import component_colors, feature_index, get_ax, observations, pyplot
from ._ellipse import ellipse_geometry

_MATRIX_VARIABLES = ("covariances", "scales")


@dataclass(frozen=True)
class ClusterData:
    """What :func:`plot_clusters` draws.

    Attributes
    ----------
    features : tuple of str
        The two features (x, y).
    points : ndarray, shape (n, 2)
        The observations in those features.
    labels : ndarray, shape (n,)
        MAP component of each observation (``fit.predict``).
    ellipses : pandas.DataFrame
        One row per component with a location and a 2x2 matrix
        (``covariances``, or ``scales`` for Student-t): ``component``,
        ``centre_x``, ``centre_y``, ``semi_major``, ``semi_minor``, ``angle``
        (degrees, major axis from the x axis). Components of other families
        have no row.
    radius : float
        The Mahalanobis radius of the ellipses.

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


def compute_clusters(fit, X, features=(0, 1), radius: float = 2.0) -> ClusterData:
    """Points, MAP labels and per-component ellipses in two chosen features.

    For component k with location ``mu_k`` and matrix ``S_k`` (covariance, or
    Student-t scale), the ellipse is ``{x : (x - m)^T A^{-1} (x - m) = c^2}``
    with ``m`` and ``A`` the sub-vector and 2x2 sub-matrix of the two features
    (the 2-d marginal for a Gaussian); its semi-axes are ``c sqrt(lambda_j)``
    along the eigenvectors of ``A`` (:func:`emkit.plots._ellipse.ellipse_geometry`).

    Parameters
    ----------
    fit : FitResult
    X : data
        Observations to draw (usually the training data).
    features : pair of str or int, default (0, 1)
    radius : float, default 2.0
        Mahalanobis radius ``c``; see :func:`emkit.plots._ellipse.radius_for_coverage`.

    Returns
    -------
    ClusterData

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> data = em.plot.compute_clusters(fit, X, features=("eruptions", "waiting"))
    >>> data.points.shape, sorted(data.ellipses.columns)
    ((272, 2), ['angle', 'centre_x', 'centre_y', 'component', 'semi_major', 'semi_minor'])
    """
    i, j = (feature_index(fit, f) for f in features)
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
        for k in range(fit.n_components):
            centre = means[k, [i, j]]
            sub = matrices[k][np.ix_([i, j], [i, j])]
            if not (np.isfinite(centre).all() and np.isfinite(sub).all()):
                continue  # a component of another family in a heterogeneous mixture
            c, a, b, angle = ellipse_geometry(centre, sub, radius)
            rows.append({"component": k, "centre_x": c[0], "centre_y": c[1], "semi_major": a,
                         "semi_minor": b, "angle": angle})
    ellipses = pd.DataFrame(rows, columns=["component", "centre_x", "centre_y", "semi_major", "semi_minor", "angle"])
    names = (str(fit.features[i]), str(fit.features[j]))
    return ClusterData(names, x[:, [i, j]], np.asarray(labels), ellipses, float(radius))


def _draw_clusters(data: ClusterData, n_components: int, ax, legend: bool = True, s: float = 12):
    from matplotlib.patches import Ellipse

    colors = component_colors(n_components)
    for k in range(n_components):
        mine = data.labels == k
        if mine.any():
            ax.scatter(data.points[mine, 0], data.points[mine, 1], s=s, color=colors[k], alpha=0.7, label=f"component {k}")
    for row in data.ellipses.itertuples():
        k = int(row.component)
        ax.add_patch(Ellipse((row.centre_x, row.centre_y), 2 * row.semi_major, 2 * row.semi_minor, angle=row.angle,
                             fill=False, color=colors[k], lw=2))
        ax.plot([row.centre_x], [row.centre_y], marker="+", color=colors[k], ms=10, mew=2)
    ax.set_xlabel(data.features[0])
    ax.set_ylabel(data.features[1])
    if legend:
        ax.legend(fontsize="small")
    return ax


def plot_clusters(fit, X, features=(0, 1), radius: float = 2.0, ax=None):
    """Scatter two features coloured by MAP component, with each component's ellipse and centre.

    Parameters
    ----------
    fit : FitResult
    X : data
    features : pair of str or int, default (0, 1)
    radius : float, default 2.0
        Mahalanobis radius of the ellipses.
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
    _draw_clusters(data, fit.n_components, ax)
    ax.set_title(f"clusters (ellipses at Mahalanobis radius {data.radius:g})")
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


def plot_pairs(fit, X, radius: float = 2.0, fig=None):
    """A d x d grid: clusters with ellipses for every feature pair, per-component histograms on the diagonal.

    Panel ``(row, col)`` with ``row != col`` shows feature ``col`` against
    feature ``row``; the diagonal shows each feature's histogram split by MAP
    component (stacked).

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
    >>> len(fig.axes)
    4
    >>> plt.close(fig)
    """
    d = len(fit.features)
    if d < 2:
        raise ValueError("a pairs plot needs at least two features")
    pairs = compute_pairs(fit, X, radius)
    x = observations(fit, X)
    labels = next(iter(pairs.values())).labels
    plt = pyplot()
    if fig is None:
        fig = plt.figure(figsize=(2.5 * d, 2.5 * d))
    else:
        fig.clear()
    axes = fig.subplots(d, d, squeeze=False)
    colors = component_colors(fit.n_components)
    names = [str(f) for f in fit.features]
    for row in range(d):
        for col in range(d):
            ax = axes[row, col]
            if row == col:
                groups = [x[labels == k, row] for k in range(fit.n_components)]
                ax.hist(groups, bins=20, stacked=True, color=colors[: len(groups)])
            else:
                data = pairs[min(row, col), max(row, col)]
                if row < col:  # below/above the diagonal: swap so that x is the column's feature
                    data = ClusterData(data.features[::-1], data.points[:, ::-1], data.labels,
                                       data.ellipses.assign(centre_x=data.ellipses.centre_y,
                                                            centre_y=data.ellipses.centre_x,
                                                            angle=90 - data.ellipses.angle),
                                       data.radius)
                _draw_clusters(data, fit.n_components, ax, legend=False, s=5)
            ax.set_xlabel(names[col] if row == d - 1 else "")
            ax.set_ylabel(names[row] if col == 0 else "")
    fig.tight_layout()
    return fig

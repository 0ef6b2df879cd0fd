"""Fitted density over the data: 1-d component and mixture curves, 2-d contours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from ._common import component_colors, feature_index, get_ax, observations, padded_range


def _in_support(mixture, values: np.ndarray) -> np.ndarray:
    """Whether every family accepts each one-feature value (its ``check_data``)."""
    ok = np.ones(len(values), dtype=bool)
    for g, value in enumerate(values):
        try:
            mixture.check_data(np.array([[value]]))
        except ValueError:
            ok[g] = False
    return ok


def _is_discrete(fit, x: np.ndarray) -> bool:
    """A one-feature fit on integer data whose families reject the half-way point between two integers."""
    finite = x[np.isfinite(x)]
    if len(fit.features) != 1 or not len(finite) or np.any(finite != np.round(finite)):
        return False
    return not _in_support(fit.mixture, np.array([finite.min() + 0.5]))[0]


def _component_log_prob_1d(fit, grid: np.ndarray, j: int) -> np.ndarray:
    """``log f_k(x_g)`` (grid, K): of the fit itself if it has one feature, else of feature ``j``'s marginal.

    Grid points outside the families' support (``check_data``) get ``-inf``.
    """
    if len(fit.features) == 1:
        out = np.full((len(grid), fit.n_components), -np.inf)
        inside = _in_support(fit.mixture, grid)
        if inside.any():
            points = grid[inside, None]
            out[inside] = np.concatenate([family.log_prob(points) for family in fit.mixture.families], axis=1)
        return out
    params = fit.params
    out = np.full((len(grid), fit.n_components), np.nan)
    for k in range(fit.n_components):
        mean = params["means"].values[k, j] if "means" in params else np.nan
        if "covariances" in params and np.isfinite(params["covariances"].values[k, j, j]) and np.isfinite(mean):
            out[:, k] = stats.norm.logpdf(grid, mean, np.sqrt(params["covariances"].values[k, j, j]))
        elif "scales" in params and np.isfinite(params["scales"].values[k, j, j]) and np.isfinite(mean):
            dof = params["dof"].values[k]
            out[:, k] = stats.t.logpdf(grid, dof, mean, np.sqrt(params["scales"].values[k, j, j]))
        else:
            raise ValueError(
                f"component {k} has no closed-form one-feature marginal; fit a one-feature model "
                "or use Gaussian / Student-t components"
            )
    return out


def compute_density_1d(fit, X, feature=None, n_grid: int = 400, grid=None) -> pd.DataFrame:
    """Weighted component densities and the mixture density of one feature on a grid.

    .. math:: p(x) = \\sum_k \\pi_k f_k(x)

    Each column ``component k`` is ``pi_k f_k(x)``; ``mixture`` is their sum.
    For a one-feature fit ``f_k`` is the family's own density (its
    ``log_prob``), so ``mixture`` equals ``exp(fit.score_samples)``; it is 0
    at grid points outside the families' support (their ``check_data``), and
    for count families (integer data, non-integers rejected) the default grid
    is the integers of the range, where ``f_k`` is the probability mass. For a
    multi-feature fit, ``f_k`` is the marginal of the chosen feature, in
    closed form for Gaussian (``N(mu_kj, Sigma_kjj)``) and Student-t
    (``t_nu(mu_kj, Sigma_kjj)``) components.

    Parameters
    ----------
    fit : FitResult
    X : data
        Sets the grid's range (data range widened by 10% each side).
    feature : str or int, optional
        Required when the fit has more than one feature.
    n_grid : int, default 400
    grid : array_like, optional
        Evaluation points (overrides ``n_grid`` and the range).

    Returns
    -------
    pandas.DataFrame
        Index ``x`` (the grid), columns ``component 0`` ... and ``mixture``.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> dens = em.plot.compute_density_1d(fit, X)
    >>> list(dens.columns)
    ['component 0', 'component 1', 'mixture']
    """
    if feature is None:
        if len(fit.features) != 1:
            raise ValueError(f"the fit has {len(fit.features)} features; choose one with feature=")
        feature = 0
    j = feature_index(fit, feature)
    if grid is None:
        x = observations(fit, X)[:, j]
        lo, hi = padded_range(x)
        if _is_discrete(fit, x):
            grid = np.arange(np.floor(lo), np.ceil(hi) + 1)
        else:
            grid = np.linspace(lo, hi, int(n_grid))
    grid = np.asarray(grid, dtype=float)
    weighted = np.exp(_component_log_prob_1d(fit, grid, j)) * fit.mixture.weights[None, :]
    table = pd.DataFrame(weighted, index=pd.Index(grid, name="x"),
                         columns=[f"component {k}" for k in range(fit.n_components)])
    table["mixture"] = weighted.sum(axis=1)
    return table


def compute_density_2d(fit, X, n_grid: int = 100) -> xr.DataArray:
    """The mixture density ``p(x) = exp(score_samples)`` on a grid over the range of a two-feature fit.

    Parameters
    ----------
    fit : FitResult
        Fitted to exactly two features.
    X : data
        Sets the grid's range (widened by 10% each side).
    n_grid : int, default 100
        Points per axis.

    Returns
    -------
    xarray.DataArray
        Dims ``(y, x)`` with coordinates the grid of the second and first
        feature, named ``"density"``.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> em.plot.compute_density_2d(fit, X, n_grid=50).shape
    (50, 50)
    """
    if len(fit.features) != 2:
        raise ValueError(f"a 2-d density needs a two-feature fit, this one has {len(fit.features)}")
    x = observations(fit, X)
    gx = np.linspace(*padded_range(x[:, 0]), int(n_grid))
    gy = np.linspace(*padded_range(x[:, 1]), int(n_grid))
    mx, my = np.meshgrid(gx, gy)
    points = np.column_stack([mx.ravel(), my.ravel()])
    density = np.exp(fit.score_samples(points).values).reshape(mx.shape)
    return xr.DataArray(density, dims=("y", "x"), coords={"y": gy, "x": gx}, name="density",
                        attrs={"x_feature": str(fit.features[0]), "y_feature": str(fit.features[1])})


def plot_density(fit, X, feature=None, bins: int = 30, ax=None):
    """Draw the fitted density over the data.

    With one feature (a one-feature fit, or ``feature`` given): the data's
    histogram (density scale), each component's weighted density and the
    mixture density. With a two-feature fit and no ``feature``: contours of the
    mixture density over the scattered data.

    Parameters
    ----------
    fit : FitResult
    X : data
    feature : str or int, optional
    bins : int, default 30
        Histogram bins (1-d).
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
    >>> ax = em.plot.plot_density(fit, X, feature="waiting")
    >>> len(ax.lines)
    3
    >>> plt.close(ax.figure)
    """
    ax = get_ax(ax)
    if feature is None and len(fit.features) == 2:
        density = compute_density_2d(fit, X)
        x = observations(fit, X)
        ax.scatter(x[:, 0], x[:, 1], s=6, color="0.4", alpha=0.6)
        contours = ax.contour(density.x.values, density.y.values, density.values, levels=10, cmap="viridis")
        ax.figure.colorbar(contours, ax=ax, label="density")
        ax.set_xlabel(density.attrs["x_feature"])
        ax.set_ylabel(density.attrs["y_feature"])
        ax.set_title("fitted mixture density")
        return ax
    table = compute_density_1d(fit, X, feature)
    j = feature_index(fit, 0 if feature is None else feature)
    x = observations(fit, X)[:, j]
    discrete = feature is None and _is_discrete(fit, x)
    if discrete:  # one bin per integer, so the histogram's density is the relative frequency
        bins = np.arange(np.nanmin(x) - 0.5, np.nanmax(x) + 1.5)
    ax.hist(x, bins=bins, density=True, color="0.85", edgecolor="0.6", label="data")
    colors = component_colors(fit.n_components)
    marker = "o" if discrete else None
    for k in range(fit.n_components):
        ax.plot(table.index, table[f"component {k}"], color=colors[k], lw=1.5, ls="--", marker=marker, ms=3,
                label=f"component {k}")
    ax.plot(table.index, table["mixture"], color="k", lw=2, marker=marker, ms=4, label="mixture")
    ax.set_xlabel(str(fit.features[j]))
    ax.set_ylabel("density")
    ax.set_title("fitted density")
    ax.legend(fontsize="small")
    return ax

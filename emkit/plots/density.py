"""Fitted density over the data: 1-d component and mixture curves, 2-d contours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ._common import component_colors, component_labels, draw_integer_masses, feature_index, get_ax, observations
from ._common import padded_range, weighted_marginal_table
from .profile import label_categories


def compute_density_1d(fit, X, feature=None, n_grid: int = 400, grid=None) -> pd.DataFrame:
    """Weighted component densities and the mixture density of one feature on a grid.

    .. math:: p(x) = \\sum_k \\pi_k f_k(x)

    Each column ``component k`` is ``pi_k f_k(x)``; ``mixture`` is their sum.
    A fit with named components (``fit(X, labels=y)`` with names) has the
    columns ``component <name>`` instead, in the order of ``fit.components``.
    For a one-feature fit ``f_k`` is the family's own density (its
    ``log_prob``), so ``mixture`` equals ``exp(fit.score_samples)``; it is 0
    at grid points outside the families' support (their ``check_data``). For a
    multi-feature fit, ``f_k`` is the marginal of the chosen feature, in
    closed form for Gaussian (``N(mu_kj, Sigma_kjj)``), Student-t
    (``t_nu(mu_kj, Sigma_kjj)``), Poisson (``Pois(lambda_kj)``), Bernoulli
    (``Bern(p_kj)``) and categorical (``P(x_j = c) = p_kjc``, the fit's
    ``params.probs``, so ``mixture`` is ``sum_k pi_k p_kjc``) components,
    alone or as parts of ``Independent``.

    A feature on the integers (count, binary and category-code data: whole
    numbers in the data, non-integers rejected by the families, see
    :func:`~emkit.plots._common.on_integer_support`) gets by default the integers of the widened
    data range that lie in the support (no negative counts), ``f_k`` is the
    probability mass there, and the table has one more column, ``data``: the
    data's relative frequency of each integer, ``#{x_i = x} / n``.

    Parameters
    ----------
    fit : FitResult
    X : data
        Sets the grid's range (data range widened by 10% each side).
    feature : str or int, optional
        Required when the fit has more than one feature.
    n_grid : int, default 400
        Grid points of a continuous feature.
    grid : array_like, optional
        Evaluation points (overrides ``n_grid`` and the range).

    Returns
    -------
    pandas.DataFrame
        Index ``x`` (the grid), columns ``component 0`` ... (``component
        <name>`` ... for named components) and ``mixture``, and ``data`` for
        a feature on the integers.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> dens = em.plot.compute_density_1d(fit, X)
    >>> list(dens.columns)
    ['component 0', 'component 1', 'mixture']

    Counts: the probability mass at the integers from 0, next to the data's
    relative frequencies.

    >>> import numpy as np, pandas as pd
    >>> counts = pd.DataFrame({"n": np.random.default_rng(0).poisson(1.5, 300)})
    >>> fit = em.Mixture(em.Poisson()).fit(counts, random_state=0)
    >>> pmf = em.plot.compute_density_1d(fit, counts)
    >>> pmf.index[:3].tolist(), list(pmf.columns)
    ([0.0, 1.0, 2.0], ['component 0', 'mixture', 'data'])
    >>> bool(np.isclose(pmf["data"].sum(), 1.0))
    True
    """
    if feature is None:
        if len(fit.features) != 1:
            raise ValueError(f"the fit has {len(fit.features)} features; choose one with feature=")
        feature = 0
    j = feature_index(fit, feature)
    return weighted_marginal_table(fit, observations(fit, X), j, fit.mixture.weights, "component", "mixture",
                                   n_grid, grid)


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


def _draw_continuous(ax, fit, values: np.ndarray, table: pd.DataFrame, bins) -> None:
    """The data's histogram (density scale) under each component's weighted density and the mixture's."""
    ax.hist(values, bins=bins, density=True, color="0.85", edgecolor="0.6", label="data")
    for label, color in zip(component_labels(fit), component_colors(fit.n_components)):
        ax.plot(table.index, table[label], color=color, lw=1.5, ls="--", label=label)
    ax.plot(table.index, table["mixture"], color="k", lw=2, label="mixture")
    ax.set_ylabel("density")


def _density_2d_title(fit) -> str:
    """What ``exp(score_samples)`` of a two-feature fit is: the joint density, or for regressions p(response | covariate)."""
    if "column_role" not in fit.params:
        return "fitted mixture density"
    roles = fit.params["column_role"].transpose("component", "feature").values
    responses = [str(f) for f, role in zip(fit.features, roles.T) if (role == 2).any()]
    covariates = [str(f) for f, role in zip(fit.features, roles.T) if (role == 1).any()]
    given = f" given {', '.join(covariates)}" if covariates else ""
    return f"fitted conditional density of {', '.join(responses)}{given}"


def plot_density(fit, X, feature=None, bins: int = 30, ax=None):
    """Draw the fitted density over the data.

    With one feature (a one-feature fit, or ``feature`` given): the data's
    histogram (density scale), each component's weighted density and the
    mixture density. A feature on the integers (counts, binary data, see
    :func:`compute_density_1d`) is drawn on its support: the data's relative
    frequency of each integer as bars, each component's weighted probability
    mass as points and the mixture's as points on stems, with nothing at
    integers outside the support. Above :data:`~emkit.plots._common.MAX_INTEGER_BINS` integers a
    bar covers several integers (:func:`~emkit.plots._common.integer_bin_edges`), its height the
    mean frequency per integer. With a two-feature fit and no ``feature``:
    contours of the mixture density over the scattered data; for a mixture
    of regressions that density is ``p(response | covariate)`` (what the
    model describes), and the title says so.

    Parameters
    ----------
    fit : FitResult
    X : data
    feature : str or int, optional
    bins : int, default 30
        Histogram bins of a continuous feature (1-d).
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

    Counts: one bar per integer, the masses at the integers from 0.

    >>> import numpy as np, pandas as pd
    >>> counts = pd.DataFrame({"n": np.random.default_rng(0).poisson(1.5, 300)})
    >>> fit = em.Mixture(em.Poisson()).fit(counts, random_state=0)
    >>> ax = em.plot.plot_density(fit, counts)
    >>> [float(bar.get_x() + bar.get_width() / 2) for bar in ax.patches][:3]
    [0.0, 1.0, 2.0]
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
        ax.set_title(_density_2d_title(fit))
        return ax
    table = compute_density_1d(fit, X, feature)
    j = feature_index(fit, 0 if feature is None else feature)
    if "data" in table:
        draw_integer_masses(ax, table, component_labels(fit), "mixture")
    else:
        _draw_continuous(ax, fit, observations(fit, X)[:, j], table, bins)
    ax.set_xlabel(str(fit.features[j]))
    label_categories(ax, fit, fit.features[j])
    ax.set_title("fitted density")
    ax.legend(fontsize="small")
    return ax

"""Fitted density over the data: 1-d component and mixture curves, 2-d contours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from ._common import component_colors, feature_index, get_ax, observations, padded_range
from .profile import label_categories


#: At most this many bars for a feature on the integers: one per integer up to this many integers,
#: otherwise bins of ``w`` consecutive integers, ``w`` the smallest width that keeps the count below it.
MAX_INTEGER_BINS = 60


def _reference_row(x: np.ndarray) -> np.ndarray:
    """The first row of ``x`` (n, d) without missing values: the other features' values in support checks."""
    complete = np.flatnonzero(np.all(np.isfinite(x), axis=1))
    if not len(complete):
        raise ValueError("the data have no row without missing values")
    return x[complete[0]]


def _in_support(fit, x: np.ndarray, j: int, values: np.ndarray) -> np.ndarray:
    """Whether the families accept each value of feature ``j`` (their ``check_data``).

    Each value is checked in a row of the data (``x``, shape (n, d)) with
    feature ``j`` replaced by it.
    """
    rows = np.tile(_reference_row(x), (len(values), 1))
    rows[:, j] = values
    ok = np.ones(len(values), dtype=bool)
    try:  # one check when every value is inside, else one per value
        fit.mixture.check_data(rows)
        return ok
    except ValueError:
        pass
    for g in range(len(values)):
        try:
            fit.mixture.check_data(rows[g:g + 1])
        except ValueError:
            ok[g] = False
    return ok


def on_integer_support(fit, x: np.ndarray, j: int) -> bool:
    """Whether feature ``j`` is modelled on the integers (a count, binary or category-code feature).

    True when the data (``x``, shape (n, d)) hold only whole numbers in that
    feature and the families reject the half-way point above the smallest
    (their ``check_data``): how Poisson, Bernoulli, categorical and discrete
    ``from_scipy`` families declare an integer support.
    """
    finite = x[:, j][np.isfinite(x[:, j])]
    if not len(finite) or np.any(finite != np.round(finite)):
        return False
    return not _in_support(fit, x, j, np.array([finite.min() + 0.5]))[0]


def integer_bin_edges(low: float, high: float, max_bins: int = MAX_INTEGER_BINS) -> np.ndarray:
    """Bin edges at half-integers covering the integers ``low..high``: ``k - 0.5, k + 0.5`` for each ``k``.

    Up to ``max_bins`` integers get a bin each; a wider range gets bins of
    ``w = ceil(#integers / max_bins)`` consecutive integers, still centred on
    the integers (edges ``low - 0.5 + w * i``), so no bin splits an integer.

    Examples
    --------
    >>> from emkit.plots.density import integer_bin_edges
    >>> integer_bin_edges(0, 3).tolist()
    [-0.5, 0.5, 1.5, 2.5, 3.5]
    >>> integer_bin_edges(0, 9, max_bins=4).tolist()
    [-0.5, 2.5, 5.5, 8.5, 11.5]
    """
    low, high = int(np.floor(low)), int(np.ceil(high))
    n_integers = high - low + 1
    width = -(-n_integers // int(max_bins))
    n_bins = -(-n_integers // width)
    return low - 0.5 + width * np.arange(n_bins + 1)


def _support_end(fit, x: np.ndarray, j: int, inside: int, beyond: int) -> int:
    """The integer furthest from ``inside`` towards ``beyond`` that the families accept in feature ``j``.

    ``inside`` (a data value) is accepted; the accepted integers between it
    and ``beyond`` are taken to be consecutive (a count's support ``0, 1, ...``),
    so bisection finds the end in ``log2 |beyond - inside|`` checks.
    """
    def accepted(value):
        return _in_support(fit, x, j, np.array([float(value)]))[0]

    if accepted(beyond):
        return beyond
    while abs(beyond - inside) > 1:
        middle = (inside + beyond) // 2
        inside, beyond = (middle, beyond) if accepted(middle) else (inside, middle)
    return inside


def _integer_grid(fit, x: np.ndarray, j: int) -> np.ndarray:
    """The integers over the data's range of feature ``j`` (widened by 10% each side) inside the families' support."""
    lo, hi = padded_range(x[:, j])
    finite = x[:, j][np.isfinite(x[:, j])]
    low = _support_end(fit, x, j, int(finite.min()), int(np.floor(lo)))
    high = _support_end(fit, x, j, int(finite.max()), int(np.ceil(hi)))
    return np.arange(low, high + 1, dtype=float)


def _relative_frequencies(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``#{x_i = g} / n`` at each grid point ``g``, over the ``n`` finite ``values``."""
    finite = values[np.isfinite(values)]
    return pd.Series(finite).value_counts().reindex(grid, fill_value=0).to_numpy() / len(finite)


def _category_values(fit, feature: str, labels) -> np.ndarray:
    """The values that stand for a categorical feature's ``labels`` in the data the fit works on.

    The codes ``0 .. C-1`` of a column given as text or a pandas categorical
    (:attr:`emkit.FitResult.categories`), else the numbers themselves.
    """
    if feature in fit.categories:
        return np.arange(len(labels), dtype=float)
    return np.array([float(label) for label in labels])


def _categorical_marginal(fit, grid: np.ndarray, k: int, j: int) -> np.ndarray | None:
    """``log P_k(x_j = g)`` at each grid value ``g`` from ``params.probs``; None if feature ``j`` is not categorical.

    Values that are none of the feature's categories get ``-inf``.
    """
    table = fit.item_response_table()
    feature = str(fit.features[j])
    if feature not in table.columns.unique("feature"):
        return None
    probs = table[feature]
    values = _category_values(fit, feature, probs.columns)
    mass = pd.Series(probs.iloc[k].to_numpy(), index=values).reindex(grid, fill_value=0.0).to_numpy()
    with np.errstate(divide="ignore"):
        return np.log(mass)


def _closed_form_marginal(fit, grid: np.ndarray, k: int, j: int) -> np.ndarray | None:
    """``log f_kj(grid)``: component ``k``'s marginal of feature ``j`` from its parameters, None if unknown.

    Gaussian ``N(mu_kj, Sigma_kjj)``, Student-t ``t_nu(mu_kj, Sigma_kjj)``,
    Poisson ``Pois(lambda_kj)``, Bernoulli ``Bern(p_kj)`` and categorical
    ``P(x_j = c) = p_kjc``; a parameter that is NaN for feature ``j`` belongs
    to another part of an ``Independent``.
    """
    params = fit.params

    def value(name, *index):
        return params[name].values[(k, *index)] if name in params else np.nan

    mean = value("means", j)
    if np.isfinite(mean) and np.isfinite(value("covariances", j, j)):
        return stats.norm.logpdf(grid, mean, np.sqrt(value("covariances", j, j)))
    if np.isfinite(mean) and np.isfinite(value("scales", j, j)):
        return stats.t.logpdf(grid, value("dof"), mean, np.sqrt(value("scales", j, j)))
    if np.isfinite(value("rate", j)):
        return stats.poisson.logpmf(grid, value("rate", j))
    if np.isfinite(value("prob", j)):
        return stats.bernoulli.logpmf(grid, value("prob", j))
    return _categorical_marginal(fit, grid, k, j)


def _component_log_prob_1d(fit, x: np.ndarray, grid: np.ndarray, j: int) -> np.ndarray:
    """``log f_k(x_g)`` (grid, K): of the fit itself if it has one feature, else of feature ``j``'s marginal.

    Grid points outside the families' support (``check_data``) get ``-inf``.
    """
    if len(fit.features) == 1:
        out = np.full((len(grid), fit.n_components), -np.inf)
        inside = _in_support(fit, x, j, grid)
        if inside.any():
            points = grid[inside, None]
            out[inside] = np.concatenate([family.log_prob(points) for family in fit.mixture.families], axis=1)
        return out
    out = np.full((len(grid), fit.n_components), np.nan)
    for k in range(fit.n_components):
        marginal = _closed_form_marginal(fit, grid, k, j)
        if marginal is None:
            raise ValueError(
                f"component {k} has no closed-form one-feature marginal; fit a one-feature model "
                "or use Gaussian, Student-t, Poisson, Bernoulli or Categorical components"
            )
        out[:, k] = marginal
    return out


def compute_density_1d(fit, X, feature=None, n_grid: int = 400, grid=None) -> pd.DataFrame:
    """Weighted component densities and the mixture density of one feature on a grid.

    .. math:: p(x) = \\sum_k \\pi_k f_k(x)

    Each column ``component k`` is ``pi_k f_k(x)``; ``mixture`` is their sum.
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
    :func:`on_integer_support`) gets by default the integers of the widened
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
        Index ``x`` (the grid), columns ``component 0`` ... and ``mixture``,
        and ``data`` for a feature on the integers.

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
    x = observations(fit, X)
    on_integers = on_integer_support(fit, x, j)
    if grid is None:
        grid = _integer_grid(fit, x, j) if on_integers else np.linspace(*padded_range(x[:, j]), int(n_grid))
    grid = np.asarray(grid, dtype=float)
    weighted = np.exp(_component_log_prob_1d(fit, x, grid, j)) * fit.mixture.weights[None, :]
    table = pd.DataFrame(weighted, index=pd.Index(grid, name="x"),
                         columns=[f"component {k}" for k in range(fit.n_components)])
    table["mixture"] = weighted.sum(axis=1)
    if on_integers:
        table["data"] = _relative_frequencies(x[:, j], grid)
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


def _draw_continuous(ax, fit, values: np.ndarray, table: pd.DataFrame, bins) -> None:
    """The data's histogram (density scale) under each component's weighted density and the mixture's."""
    ax.hist(values, bins=bins, density=True, color="0.85", edgecolor="0.6", label="data")
    for k, color in enumerate(component_colors(fit.n_components)):
        ax.plot(table.index, table[f"component {k}"], color=color, lw=1.5, ls="--", label=f"component {k}")
    ax.plot(table.index, table["mixture"], color="k", lw=2, label="mixture")
    ax.set_ylabel("density")


def _draw_integers(ax, fit, table: pd.DataFrame) -> None:
    """Bars of the data's relative frequencies, the probability masses as points (the mixture's on stems).

    Over more than :data:`MAX_INTEGER_BINS` integers a bar covers ``w``
    integers (:func:`integer_bin_edges`) and its height is the mean frequency
    per integer, comparable with the masses, which are then joined by lines.
    """
    from matplotlib.ticker import MaxNLocator

    grid = table.index.to_numpy()
    edges = integer_bin_edges(grid.min(), grid.max())
    width = edges[1] - edges[0]
    per_integer, _ = np.histogram(grid, bins=edges, weights=table["data"].to_numpy())
    ax.bar((edges[:-1] + edges[1:]) / 2, per_integer / width, width=0.8 * width, color="0.85", edgecolor="0.6",
           label="data" if width == 1 else f"data (mean per integer, bins of {width:g})")
    few = len(grid) <= MAX_INTEGER_BINS  # else points and stems would merge: the masses are joined by lines
    for k, color in enumerate(component_colors(fit.n_components)):
        ax.plot(grid, table[f"component {k}"], ls="none" if few else "--", marker="o" if few else None, ms=4,
                color=color, label=f"component {k}")
    if few:
        ax.vlines(grid, 0, table["mixture"], color="k", lw=1)
    ax.plot(grid, table["mixture"], ls="none" if few else "-", marker="o" if few else None, ms=5, color="k",
            label="mixture")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("probability")


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
    integers outside the support. Above :data:`MAX_INTEGER_BINS` integers a
    bar covers several integers (:func:`integer_bin_edges`), its height the
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
        _draw_integers(ax, fit, table)
    else:
        _draw_continuous(ax, fit, observations(fit, X)[:, j], table, bins)
    ax.set_xlabel(str(fit.features[j]))
    label_categories(ax, fit, fit.features[j])
    ax.set_title("fitted density")
    ax.legend(fontsize="small")
    return ax

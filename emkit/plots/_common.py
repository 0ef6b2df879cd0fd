"""Helpers shared by the plot modules: axes, data and feature look-up, features on the integers, marginals.

matplotlib is imported inside the drawing helpers only, so ``import emkit``
and every ``compute_*`` function work without loading a plotting backend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def pyplot():
    """``matplotlib.pyplot``, imported on first use."""
    import matplotlib.pyplot as plt

    return plt


def get_ax(ax=None):
    """``ax``, or the axes of a new figure when ``ax`` is None.

    A new figure uses matplotlib's constrained layout, so long tick labels
    (category names) and colour bars stay inside it.
    """
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(layout="constrained")
    return ax


def observations(fit, X) -> np.ndarray:
    """``X`` as the float array ``(n, d)`` the fit works on, read by ``fit.observations`` (columns by name)."""
    return np.asarray(fit.observations(X).values, dtype=float)


def feature_index(fit, feature) -> int:
    """Position of ``feature`` (a name in ``fit.features`` or an integer position)."""
    names = [str(f) for f in fit.features]
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if not 0 <= feature < len(names):
            raise ValueError(f"feature {feature} out of range for {len(names)} features")
        return int(feature)
    if str(feature) not in names:
        raise ValueError(f"unknown feature {feature!r}; the fit has {', '.join(names)}")
    return names.index(str(feature))


def padded_range(values: np.ndarray, pad: float = 0.1) -> tuple[float, float]:
    """``(min, max)`` of finite ``values`` widened by ``pad`` times the range on both sides."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    width = hi - lo if hi > lo else max(abs(lo), 1.0)
    return lo - pad * width, hi + pad * width


def component_colors(n: int):
    """``n`` colours from matplotlib's default cycle (repeated if needed)."""
    cycle = pyplot().rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def component_labels(fit, part: str = "component") -> list[str]:
    """How plots name each component (or state): ``f"{part} {name}"`` for each name in ``fit.components``.

    ``component 0``, ``component 1``, ... for a fit whose components are
    numbered; ``component setosa``, ... for a fit with named labels
    (``fit(X, labels=y)``, see ``docs/semi_supervised.md``). The legends and
    the columns of the ``compute_*`` tables use these labels, which never
    clash with a table's other columns (``mixture``, ``data``).

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.plots._common import component_labels
    >>> x = [[0.0], [0.1], [5.0], [5.1]]
    >>> component_labels(em.GaussianMixture(2).fit(x, random_state=0))
    ['component 0', 'component 1']
    >>> component_labels(em.GaussianMixture(2).fit(x, labels=["low", None, "high", None]))
    ['component high', 'component low']
    """
    return [f"{part} {name}" for name in fit.components]


#: At most this many bars for a feature on the integers: one per integer up to this many integers,
#: otherwise bins of ``w`` consecutive integers, ``w`` the smallest width that keeps the count below it.
MAX_INTEGER_BINS = 60


def reference_row(x: np.ndarray) -> np.ndarray:
    """The first row of ``x`` (n, d) without missing values: the other features' values in support checks."""
    complete = np.flatnonzero(np.all(np.isfinite(x), axis=1))
    if not len(complete):
        raise ValueError("the data have no row without missing values")
    return x[complete[0]]


def in_support(fit, x: np.ndarray, j: int, values: np.ndarray) -> np.ndarray:
    """Whether the families accept each value of feature ``j`` (their ``check_data``).

    Each value is checked in a row of the data (``x``, shape (n, d)) with
    feature ``j`` replaced by it.
    """
    rows = np.tile(reference_row(x), (len(values), 1))
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
    return not in_support(fit, x, j, np.array([finite.min() + 0.5]))[0]


def integer_bin_edges(low: float, high: float, max_bins: int = MAX_INTEGER_BINS) -> np.ndarray:
    """Bin edges at half-integers covering the integers ``low..high``: ``k - 0.5, k + 0.5`` for each ``k``.

    Up to ``max_bins`` integers get a bin each; a wider range gets bins of
    ``w = ceil(#integers / max_bins)`` consecutive integers, still centred on
    the integers (edges ``low - 0.5 + w * i``), so no bin splits an integer.

    Examples
    --------
    >>> from emkit.plots._common import integer_bin_edges
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


def support_end(fit, x: np.ndarray, j: int, inside: int, beyond: int) -> int:
    """The integer furthest from ``inside`` towards ``beyond`` that the families accept in feature ``j``.

    ``inside`` (a data value) is accepted; the accepted integers between it
    and ``beyond`` are taken to be consecutive (a count's support ``0, 1, ...``),
    so bisection finds the end in ``log2 |beyond - inside|`` checks.
    """
    def accepted(value):
        return in_support(fit, x, j, np.array([float(value)]))[0]

    if accepted(beyond):
        return beyond
    while abs(beyond - inside) > 1:
        middle = (inside + beyond) // 2
        inside, beyond = (middle, beyond) if accepted(middle) else (inside, middle)
    return inside


def integer_grid(fit, x: np.ndarray, j: int) -> np.ndarray:
    """The integers over the data's range of feature ``j`` (widened by 10% each side) inside the families' support."""
    lo, hi = padded_range(x[:, j])
    finite = x[:, j][np.isfinite(x[:, j])]
    low = support_end(fit, x, j, int(finite.min()), int(np.floor(lo)))
    high = support_end(fit, x, j, int(finite.max()), int(np.ceil(hi)))
    return np.arange(low, high + 1, dtype=float)


def relative_frequencies(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``#{x_i = g} / n`` at each grid point ``g``, over the ``n`` finite ``values``."""
    finite = values[np.isfinite(values)]
    return pd.Series(finite).value_counts().reindex(grid, fill_value=0).to_numpy() / len(finite)


def category_values(fit, feature: str, labels) -> np.ndarray:
    """The values that stand for a categorical feature's ``labels`` in the data the fit works on.

    The codes ``0 .. C-1`` of a column given as text or a pandas categorical
    (:attr:`emkit.FitResult.categories`), else the numbers themselves.
    """
    if feature in fit.categories:
        return np.arange(len(labels), dtype=float)
    return np.array([float(label) for label in labels])


def categorical_marginal(fit, grid: np.ndarray, k: int, j: int) -> np.ndarray | None:
    """``log P_k(x_j = g)`` at each grid value ``g`` from ``params.probs``; None if feature ``j`` is not categorical.

    Values that are none of the feature's categories get ``-inf``.
    """
    table = fit.item_response_table()
    feature = str(fit.features[j])
    if feature not in table.columns.unique("feature"):
        return None
    probs = table[feature]
    values = category_values(fit, feature, probs.columns)
    mass = pd.Series(probs.iloc[k].to_numpy(), index=values).reindex(grid, fill_value=0.0).to_numpy()
    with np.errstate(divide="ignore"):
        return np.log(mass)


def closed_form_marginal(fit, grid: np.ndarray, k: int, j: int) -> np.ndarray | None:
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
    return categorical_marginal(fit, grid, k, j)


def component_log_prob_1d(fit, x: np.ndarray, grid: np.ndarray, j: int) -> np.ndarray:
    """``log f_k(x_g)`` (grid, K): of the fit itself if it has one feature, else of feature ``j``'s marginal.

    Grid points outside the families' support (``check_data``) get ``-inf``.
    """
    if len(fit.features) == 1:
        out = np.full((len(grid), fit.n_components), -np.inf)
        inside = in_support(fit, x, j, grid)
        if inside.any():
            points = grid[inside, None]
            out[inside] = np.concatenate([family.log_prob(points) for family in fit.mixture.families], axis=1)
        return out
    out = np.full((len(grid), fit.n_components), np.nan)
    for k in range(fit.n_components):
        marginal = closed_form_marginal(fit, grid, k, j)
        if marginal is None:
            raise ValueError(
                f"component {fit.components[k]} has no closed-form one-feature marginal; fit a one-feature model "
                "or use Gaussian, Student-t, Poisson, Bernoulli or Categorical components"
            )
        out[:, k] = marginal
    return out


def weighted_marginal_table(fit, x: np.ndarray, j: int, weights: np.ndarray, part: str, total: str,
                            n_grid: int = 400, grid=None) -> pd.DataFrame:
    """Each component's (or state's) density of feature ``j`` times its weight, and their sum, on a grid.

    Column ``f"{part} {name}"`` (:func:`component_labels`) holds
    ``weights[k] f_kj(x)`` (see :func:`component_log_prob_1d`) and ``total``
    their sum. The grid: the
    integers of the data's widened range inside the support for a feature
    on the integers (:func:`on_integer_support`), which also gets the column
    ``data`` (the rows' relative frequency of each integer); otherwise
    ``n_grid`` points over the widened range; or ``grid`` when given.
    """
    on_integers = on_integer_support(fit, x, j)
    if grid is None:
        grid = integer_grid(fit, x, j) if on_integers else np.linspace(*padded_range(x[:, j]), int(n_grid))
    grid = np.asarray(grid, dtype=float)
    weighted = np.exp(component_log_prob_1d(fit, x, grid, j)) * np.asarray(weights)[None, :]
    table = pd.DataFrame(weighted, index=pd.Index(grid, name="x"),
                         columns=component_labels(fit, part))
    table[total] = weighted.sum(axis=1)
    if on_integers:
        table["data"] = relative_frequencies(x[:, j], grid)
    return table


def draw_integer_masses(ax, table: pd.DataFrame, parts: list[str], total: str) -> None:
    """A feature on the integers: bars of the data's relative frequencies, the masses of ``parts`` and ``total``.

    ``table`` is indexed by the integers, with the column ``data`` (relative
    frequencies), one column per part (a component's or state's weighted
    probability mass, drawn in its colour) and ``total`` (their sum, black).
    Up to :data:`MAX_INTEGER_BINS` integers: a bar per integer, the masses
    as points, the total's on stems. Over more integers a bar covers ``w``
    integers (:func:`integer_bin_edges`) and its height is the mean frequency
    per integer, comparable with the masses, which are then joined by lines
    (points and stems would merge into a solid block).
    """
    from matplotlib.ticker import MaxNLocator

    grid = table.index.to_numpy()
    edges = integer_bin_edges(grid.min(), grid.max())
    width = edges[1] - edges[0]
    per_integer, _ = np.histogram(grid, bins=edges, weights=table["data"].to_numpy())
    ax.bar((edges[:-1] + edges[1:]) / 2, per_integer / width, width=0.8 * width, color="0.85", edgecolor="0.6",
           label="data" if width == 1 else f"data (mean per integer, bins of {width:g})")
    few = len(grid) <= MAX_INTEGER_BINS
    for part, color in zip(parts, component_colors(len(parts))):  # above the total, which may coincide with one
        ax.plot(grid, table[part], ls="none" if few else "--", marker="o" if few else None, ms=4, lw=1.8,
                color=color, label=part, zorder=3)
    if few:
        ax.vlines(grid, 0, table[total], color="k", lw=1)
    ax.plot(grid, table[total], ls="none" if few else "-", marker="o" if few else None, ms=5, lw=1.2, color="k",
            label=total, zorder=2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("probability")

"""Posterior-predictive marginals: each feature of the data against replicate data sets drawn from the fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results.replicates import draw_replicates, drawn_features
from ._common import MAX_INTEGER_BINS, feature_index, integer_bin_edges, observations, on_integer_support, pyplot
from .density import compute_density_1d
from .profile import label_categories


def _ecdf(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``values`` evaluated at ``at``: ``#{v <= a} / n``."""
    ordered = np.sort(values)
    return np.searchsorted(ordered, at, side="right") / len(ordered)


def _band_quantiles(band: float) -> tuple[float, float]:
    """Lower and upper quantile of a central band holding probability ``band``."""
    if not 0 < band < 1:
        raise ValueError(f"band must be in (0, 1), got {band}")
    return (1 - band) / 2, (1 + band) / 2


def _bin_edges(fit, x: np.ndarray, j: int, bins: int) -> np.ndarray:
    """Bins of feature ``j`` over the range of the data ``x`` (n, d).

    A feature on the integers gets one bin per integer (edges ``k - 0.5, k + 0.5``,
    wider integer-aligned bins over a long range, see
    :func:`~emkit.plots.density.integer_bin_edges`); a continuous one ``bins``
    equal bins. The replicates do not move the bins: a heavy-tailed model's
    replicates reach far beyond the data, and bins spanning them would lump
    the data into a few.
    """
    values = x[:, j][np.isfinite(x[:, j])]
    if on_integer_support(fit, x, j):
        return integer_bin_edges(values.min(), values.max())
    return np.histogram_bin_edges(values, bins=bins)


def _histogram_density(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``count / (n * width)`` per bin, ``n`` counting every value, those outside the bins too.

    Unlike ``numpy.histogram(density=True)``, values beyond the bins are not
    spread over the bins: the bins then hold less than probability 1.
    """
    counts, _ = np.histogram(values, bins=edges)
    return counts / (len(values) * np.diff(edges))


def _share_outside(replicates: np.ndarray, edges: np.ndarray) -> float:
    """Share of all replicate values below the first edge or above the last."""
    return float(np.mean((replicates < edges[0]) | (replicates > edges[-1])))


def _replicate_table(replicates: np.ndarray, edges: np.ndarray, quantiles: tuple[float, float]) -> dict:
    """Per bin, the pooled density and ECDF of the replicates, their median and band across replicates.

    ``replicates`` is ``(n_draws, n_obs)`` for one feature.
    """
    densities = np.stack([_histogram_density(rep, edges) for rep in replicates])
    ecdfs = np.stack([_ecdf(rep, edges[1:]) for rep in replicates])
    lower, upper = quantiles
    return {
        "model": densities.mean(axis=0),
        "model_median": np.median(densities, axis=0),
        "model_lower": np.quantile(densities, lower, axis=0),
        "model_upper": np.quantile(densities, upper, axis=0),
        "model_ecdf": ecdfs.mean(axis=0),
        "model_ecdf_lower": np.quantile(ecdfs, lower, axis=0),
        "model_ecdf_upper": np.quantile(ecdfs, upper, axis=0),
    }


def compute_predictive(fit, X, n_draws: int = 100, bins: int = 30, band: float = 0.9, random_state=None) -> dict:
    """Histograms and ECDFs of the data and of replicate data sets drawn from the fit, per feature, on common bins.

    ``n_draws`` replicate data sets, each of the data's size, are drawn from
    the fit (:func:`emkit.results.replicates.draw_replicates`). A mixture of
    regressions draws the response given each observed row's covariates
    (``fit.sample(given=X)``): the covariates of every replicate are the
    data's, so only the response is compared
    (:func:`emkit.results.replicates.drawn_features`). Per feature the bins span the range of
    the data: ``bins`` equal bins, or for a feature on the integers
    (counts, binary data, see :func:`compute_density_1d`) one bin per integer,
    edges ``k - 0.5, k + 0.5``, so the density of a bin is the relative
    frequency of ``k`` (above ``MAX_INTEGER_BINS`` = 60 integers, bins of
    ``w`` consecutive integers, still centred on integers). Replicate values
    beyond the data's range fall in no bin but still count in ``n``: a bin's
    density is its share of all values over its width, so the replicates'
    bins hold less than probability 1 when the model puts mass beyond the
    data, and the share of replicate values outside the bins is in the
    table's ``attrs["model_outside"]``. For each bin

    - ``data``: the data's histogram density (count / (n * width));
    - ``model``: the mean of the replicates' histogram densities (the density
      of all replicates pooled);
    - ``model_median``, ``model_lower``, ``model_upper``: the median and the
      central ``band`` quantiles (5% and 95% by default) of the ``n_draws``
      replicate densities in that bin: the spread a data set of this size
      shows when the model is true;
    - ``data_ecdf``, ``model_ecdf``: the ECDFs ``F(x) = #{x_i <= x} / n`` at
      the bin's right edge (data; replicates pooled), and
      ``model_ecdf_lower``, ``model_ecdf_upper`` their band across replicates
      (replicate values below the first bin count in every ECDF value, so a
      replicate ECDF ends below 1 exactly by its share above the last bin).

    "Posterior" is the usual name; for an EM point estimate these are draws
    from the fitted model (plug-in predictive, no parameter uncertainty).

    Parameters
    ----------
    fit : FitResult
    X : data
    n_draws : int, default 100
        Number of replicate data sets (each with as many rows as ``X``).
    bins : int, default 30
        Bins of a continuous feature.
    band : float, default 0.9
        Probability of the central band across replicates.
    random_state : int, Generator or None

    Returns
    -------
    dict
        Feature name (every feature the replicates draw: all but the
        covariates of a regression) -> pandas.DataFrame with one row per bin and columns
        ``left``, ``right``, ``data``, ``model``, ``model_median``,
        ``model_lower``, ``model_upper``, ``data_ecdf``, ``model_ecdf``,
        ``model_ecdf_lower``, ``model_ecdf_upper``; ``attrs["model_outside"]``
        is the share of replicate values beyond the data's range.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> ppc = em.plot.compute_predictive(fit, X, n_draws=20, random_state=1)
    >>> list(ppc), ppc["waiting"].shape
    (['eruptions', 'waiting'], (30, 11))
    >>> float(ppc["waiting"].data_ecdf.iloc[-1])
    1.0
    >>> bool((ppc["waiting"].model_lower <= ppc["waiting"].model_upper).all())
    True
    """
    quantiles = _band_quantiles(band)
    x = observations(fit, X)
    replicates = draw_replicates(fit, x, n_draws, random_state)
    out = {}
    for j in drawn_features(fit):
        name = fit.features[j]
        edges = _bin_edges(fit, x, j, bins)
        table = pd.DataFrame({
            "left": edges[:-1], "right": edges[1:], "data": _histogram_density(x[:, j], edges),
            "data_ecdf": _ecdf(x[:, j], edges[1:]), **_replicate_table(replicates[:, :, j], edges, quantiles),
        })
        table.attrs["model_outside"] = _share_outside(replicates[:, :, j], edges)
        out[str(name)] = table
    return out


def _fitted_marginal(fit, X, name: str, table: pd.DataFrame, on_integers: bool) -> pd.DataFrame | None:
    """:func:`compute_density_1d` of feature ``name`` for the histogram panel; None without a closed form.

    A feature on the integers gets the probability mass at every integer
    the bins of ``table`` cover (the table then has a ``data`` column); a
    continuous one the density on the default grid.
    """
    grid = None
    if on_integers:
        grid = np.arange(np.ceil(table.left.iloc[0]), np.floor(table.right.iloc[-1]) + 1)
    try:
        return compute_density_1d(fit, X, feature=name, grid=grid)
    except ValueError:
        return None


def _draw_marginal(ax, marginal: pd.DataFrame) -> None:
    """The fitted mixture marginal: a curve of the density, or the masses at the integers as points.

    Over more than :data:`~emkit.plots.density.MAX_INTEGER_BINS` integers the
    points would merge, so the masses are joined by a line.
    """
    on_integers = "data" in marginal
    points = on_integers and len(marginal) <= MAX_INTEGER_BINS
    ax.plot(marginal.index.to_numpy(), marginal["mixture"].to_numpy(), ls="none" if points else "-",
            marker="o" if points else None, ms=4, lw=1, color="k", zorder=4,
            label="fitted probability" if on_integers else "fitted density")


def _draw_histogram(ax, fit, X, name: str, table: pd.DataFrame) -> None:
    """The replicates' band and median under the data's histogram, and the fitted marginal if there is one.

    The data's bars are translucent and drawn over the band, so both the
    band and the top of every bar stay visible.
    """
    on_integers = on_integer_support(fit, observations(fit, X), feature_index(fit, name))
    edges = np.append(table.left.to_numpy(), table.right.iloc[-1])
    ax.stairs(table.model_upper.to_numpy(), edges, baseline=table.model_lower.to_numpy(), fill=True,
              color="C1", alpha=0.3, zorder=1, label="replicates (band)")
    ax.stairs(table.model_median.to_numpy(), edges, color="C1", lw=1.5, zorder=2, label="replicates (median)")
    ax.bar(table.left, table.data, width=table.right - table.left, align="edge",
           facecolor=(0.5, 0.5, 0.5, 0.35), edgecolor="0.25", zorder=3, label="data")
    marginal = _fitted_marginal(fit, X, name, table, on_integers)
    if marginal is not None:
        _draw_marginal(ax, marginal)
    ax.set_ylabel("probability" if on_integers else "density")


def _draw_ecdf(ax, table: pd.DataFrame) -> None:
    """Data ECDF against the replicates' pooled ECDF and band."""
    ax.fill_between(table.right, table.model_ecdf_lower, table.model_ecdf_upper, step="post",
                    color="C1", alpha=0.3, label="replicates (band)")
    ax.step(table.right, table.model_ecdf, where="post", color="C1", label="replicates (pooled)")
    ax.step(table.right, table.data_ecdf, where="post", color="k", label="data")
    ax.set_ylabel("ECDF")


def plot_predictive(fit, X, n_draws: int = 100, bins: int = 30, kind: str = "hist", band: float = 0.9,
                    random_state=None, fig=None):
    """One panel per feature: the data against replicate data sets drawn from the fitted model.

    ``kind="hist"``: the data's histogram (translucent bars drawn over the
    band, so the top of each bar shows), the central ``band`` of the
    replicates' histograms per bin (shaded) with their median (step line),
    and the fitted marginal where the family has one in closed form
    (:func:`compute_density_1d`): a density curve, or for a feature on the
    integers (counts, binary and categorical data) the mixture's probability
    mass ``sum_k pi_k f_k(x)`` at each integer as points, on the scale of
    the bars (the relative frequency of each integer). ``kind="ecdf"``: the
    data's ECDF against the replicates' pooled ECDF and band. See
    :func:`compute_predictive`. The bins span the data's range; when
    replicate values fall beyond it, the x label gives their share. The
    legend sits below the panels, clear of the bars, and the title is broken
    into lines that fit the figure's width.

    Parameters
    ----------
    fit : FitResult
    X : data
    n_draws : int, default 100
        Number of replicate data sets, each with as many rows as ``X``.
    bins : int, default 30
    kind : {"hist", "ecdf"}
    band : float, default 0.9
    random_state : int, Generator or None
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
    >>> fig = em.plot.plot_predictive(fit, X, n_draws=20, kind="ecdf", random_state=1)
    >>> len(fig.axes), len(fig.axes[0].lines)
    (2, 2)
    >>> plt.close(fig)
    """
    if kind not in ("hist", "ecdf"):
        raise ValueError(f"kind must be 'hist' or 'ecdf', got {kind!r}")
    tables = compute_predictive(fit, X, n_draws, bins, band, random_state)
    plt = pyplot()
    if fig is None:
        fig = plt.figure(figsize=(max(4 * len(tables), 6.4), 3.2))
    else:
        fig.clear()
    axes = fig.subplots(1, len(tables), squeeze=False)[0]
    for ax, (name, table) in zip(axes, tables.items()):
        if kind == "hist":
            _draw_histogram(ax, fit, X, name, table)
        else:
            _draw_ecdf(ax, table)
        ax.set_xlabel(_axis_label(name, table.attrs["model_outside"]))
        label_categories(ax, fit, name)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.set_layout_engine("constrained")  # makes room for the legend below the panels
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize="small")
    title = f"predictive check: data vs {n_draws} replicate data sets from the fit ({band:.0%} band)"
    if len(tables) < len(fit.features):
        title += "\nresponse drawn given each observation's covariates"
    fig.suptitle(title, wrap=True)  # broken into lines that fit the figure's width, whatever its size
    return fig


def _axis_label(name: str, outside: float) -> str:
    """The feature's name, with the share of replicate values beyond the data's range when it shows (0.1% or more)."""
    if outside < 0.001:
        return name
    return f"{name}\n({outside:.1%} of replicate values beyond the data's range)"

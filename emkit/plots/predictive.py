"""Posterior-predictive marginals: each feature of the data against replicate data sets drawn from the fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import feature_index, observations, pyplot
from .density import _is_discrete, compute_density_1d


def _ecdf(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``values`` evaluated at ``at``: ``#{v <= a} / n``."""
    ordered = np.sort(values)
    return np.searchsorted(ordered, at, side="right") / len(ordered)


def _draw_replicates(fit, n_obs: int, n_draws: int, random_state=None) -> np.ndarray:
    """``n_draws`` replicate data sets of ``n_obs`` rows, shape ``(n_draws, n_obs, d)``.

    ``fit.sample(n_draws * n_obs, random_state)`` cut into consecutive blocks
    of ``n_obs`` rows: the draws are independent, so each block is one data
    set of the data's size.
    """
    n_draws = _positive("n_draws", n_draws)
    draws = np.asarray(fit.sample(n_draws * n_obs, random_state=random_state).values, dtype=float)
    return draws.reshape(n_draws, n_obs, -1)


def _positive(name: str, value) -> int:
    """``value`` as a positive int, or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be positive, got {value}")
    return int(value)


def _band_quantiles(band: float) -> tuple[float, float]:
    """Lower and upper quantile of a central band holding probability ``band``."""
    if not 0 < band < 1:
        raise ValueError(f"band must be in (0, 1), got {band}")
    return (1 - band) / 2, (1 + band) / 2


def _replicate_table(replicates: np.ndarray, edges: np.ndarray, quantiles: tuple[float, float]) -> dict:
    """Per bin, the pooled density and ECDF of the replicates, their median and band across replicates.

    ``replicates`` is ``(n_draws, n_obs)`` for one feature.
    """
    densities = np.stack([np.histogram(rep, bins=edges, density=True)[0] for rep in replicates])
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
    the fit: ``fit.sample(n_draws * n, random_state)`` cut into consecutive
    blocks of ``n`` rows. Per feature the bins span the union of
    data and replicates, and for each bin

    - ``data``: the data's histogram density (count / (n * width));
    - ``model``: the mean of the replicates' histogram densities (the density
      of all replicates pooled);
    - ``model_median``, ``model_lower``, ``model_upper``: the median and the
      central ``band`` quantiles (5% and 95% by default) of the ``n_draws``
      replicate densities in that bin: the spread a data set of this size
      shows when the model is true;
    - ``data_ecdf``, ``model_ecdf``: the ECDFs ``F(x) = #{x_i <= x} / n`` at
      the bin's right edge (data; replicates pooled), and
      ``model_ecdf_lower``, ``model_ecdf_upper`` their band across replicates.

    "Posterior" is the usual name; for an EM point estimate these are draws
    from the fitted model (plug-in predictive, no parameter uncertainty).

    Parameters
    ----------
    fit : FitResult
    X : data
    n_draws : int, default 100
        Number of replicate data sets (each with as many rows as ``X``).
    bins : int, default 30
    band : float, default 0.9
        Probability of the central band across replicates.
    random_state : int, Generator or None

    Returns
    -------
    dict
        Feature name -> pandas.DataFrame with one row per bin and columns
        ``left``, ``right``, ``data``, ``model``, ``model_median``,
        ``model_lower``, ``model_upper``, ``data_ecdf``, ``model_ecdf``,
        ``model_ecdf_lower``, ``model_ecdf_upper``.

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
    replicates = _draw_replicates(fit, len(x), n_draws, random_state)
    out = {}
    for j, name in enumerate(fit.features):
        both = np.concatenate([x[:, j], replicates[:, :, j].ravel()])
        edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=bins)
        data, _ = np.histogram(x[:, j], bins=edges, density=True)
        out[str(name)] = pd.DataFrame({
            "left": edges[:-1], "right": edges[1:], "data": data, "data_ecdf": _ecdf(x[:, j], edges[1:]),
            **_replicate_table(replicates[:, :, j], edges, quantiles),
        })
    return out


def _marginal_density(fit, X, name: str) -> pd.Series | None:
    """The fitted marginal density of feature ``name`` on a grid.

    None where there is no density to draw over a histogram: no closed-form
    marginal, or a count family (its probability mass is not a density per unit).
    """
    if _is_discrete(fit, observations(fit, X)[:, feature_index(fit, name)]):
        return None
    try:
        return compute_density_1d(fit, X, feature=name)["mixture"]
    except ValueError:
        return None


def _draw_histogram(ax, fit, X, name: str, table: pd.DataFrame) -> None:
    """Data histogram, the replicates' band and median, and the fitted marginal density if there is one."""
    edges = np.append(table.left.to_numpy(), table.right.iloc[-1])
    ax.bar(table.left, table.data, width=table.right - table.left, align="edge",
           color="0.8", edgecolor="0.6", label="data")
    ax.stairs(table.model_upper.to_numpy(), edges, baseline=table.model_lower.to_numpy(), fill=True,
              color="C1", alpha=0.3, label="replicates (band)")
    ax.stairs(table.model_median.to_numpy(), edges, color="C1", lw=1.5, label="replicates (median)")
    density = _marginal_density(fit, X, name)
    if density is not None:
        ax.plot(density.index, density.to_numpy(), color="k", lw=1, label="fitted density")
    ax.set_ylabel("density")


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

    ``kind="hist"``: the data's histogram, the central ``band`` of the
    replicates' histograms per bin (shaded) with their median (step line),
    and the fitted marginal density where the family has one in closed form
    (:func:`compute_density_1d`). ``kind="ecdf"``: the data's ECDF against the
    replicates' pooled ECDF and band. See :func:`compute_predictive`.

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
        fig = plt.figure(figsize=(4 * len(tables), 3.2))
    else:
        fig.clear()
    axes = fig.subplots(1, len(tables), squeeze=False)[0]
    for ax, (name, table) in zip(axes, tables.items()):
        if kind == "hist":
            _draw_histogram(ax, fit, X, name, table)
        else:
            _draw_ecdf(ax, table)
        ax.set_xlabel(name)
    axes[0].legend(fontsize="small")
    fig.suptitle(f"predictive check: data vs {n_draws} replicate data sets from the fit ({band:.0%} band)")
    fig.tight_layout()
    return fig

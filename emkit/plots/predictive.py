"""Posterior-predictive marginals: each feature of the data against draws from the fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import observations, pyplot


def _ecdf(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``values`` evaluated at ``at``: ``#{v <= a} / n``."""
    ordered = np.sort(values)
    return np.searchsorted(ordered, at, side="right") / len(ordered)


def compute_predictive(fit, X, n_draws: int | None = None, bins: int = 30, random_state=None) -> dict:
    """Histogram densities and ECDFs of the data and of draws from the fit, per feature, on common bins.

    ``n_draws`` observations are drawn with ``fit.sample``; per feature, the
    bins span the union of data and draws, and for each bin

    - ``data``, ``model``: histogram densities (count / (n * width)),
    - ``data_ecdf``, ``model_ecdf``: the ECDFs ``F(x) = #{x_i <= x} / n`` at the bin's right edge.

    "Posterior" is the usual name; for an EM point estimate these are draws
    from the fitted model (plug-in predictive).

    Parameters
    ----------
    fit : FitResult
    X : data
    n_draws : int, optional
        Defaults to 10 times the number of rows of ``X``.
    bins : int, default 30
    random_state : int, Generator or None

    Returns
    -------
    dict
        Feature name -> pandas.DataFrame with one row per bin and columns
        ``left``, ``right``, ``data``, ``model``, ``data_ecdf``, ``model_ecdf``.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> ppc = em.plot.compute_predictive(fit, X, random_state=1)
    >>> list(ppc), ppc["waiting"].shape
    (['eruptions', 'waiting'], (30, 6))
    >>> float(ppc["waiting"].data_ecdf.iloc[-1])
    1.0
    """
    x = observations(fit, X)
    n_draws = 10 * len(x) if n_draws is None else int(n_draws)
    if n_draws < 1:
        raise ValueError(f"n_draws must be positive, got {n_draws}")
    draws = np.asarray(fit.sample(n_draws, random_state=random_state).values, dtype=float)
    out = {}
    for j, name in enumerate(fit.features):
        both = np.concatenate([x[:, j], draws[:, j]])
        edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=bins)
        data, _ = np.histogram(x[:, j], bins=edges, density=True)
        model, _ = np.histogram(draws[:, j], bins=edges, density=True)
        out[str(name)] = pd.DataFrame({
            "left": edges[:-1], "right": edges[1:], "data": data, "model": model,
            "data_ecdf": _ecdf(x[:, j], edges[1:]), "model_ecdf": _ecdf(draws[:, j], edges[1:]),
        })
    return out


def plot_predictive(fit, X, n_draws: int | None = None, bins: int = 30, kind: str = "hist", random_state=None, fig=None):
    """One panel per feature: the data against draws from the fitted model.

    ``kind="hist"`` overlays the two histogram densities (data filled, model a
    step line); ``kind="ecdf"`` the two ECDFs.

    Parameters
    ----------
    fit : FitResult
    X : data
    n_draws : int, optional
    bins : int, default 30
    kind : {"hist", "ecdf"}
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
    >>> fig = em.plot.plot_predictive(fit, X, kind="ecdf", random_state=1)
    >>> len(fig.axes), len(fig.axes[0].lines)
    (2, 2)
    >>> plt.close(fig)
    """
    if kind not in ("hist", "ecdf"):
        raise ValueError(f"kind must be 'hist' or 'ecdf', got {kind!r}")
    tables = compute_predictive(fit, X, n_draws, bins, random_state)
    plt = pyplot()
    if fig is None:
        fig = plt.figure(figsize=(4 * len(tables), 3.2))
    else:
        fig.clear()
    axes = fig.subplots(1, len(tables), squeeze=False)[0]
    for ax, (name, table) in zip(axes, tables.items()):
        if kind == "hist":
            widths = table.right - table.left
            ax.bar(table.left, table.data, width=widths, align="edge", color="0.8", edgecolor="0.6", label="data")
            ax.stairs(table.model.to_numpy(), np.append(table.left.to_numpy(), table.right.iloc[-1]),
                      color="C1", lw=2, label="model draws")
            ax.set_ylabel("density")
        else:
            ax.step(table.right, table.data_ecdf, where="post", color="k", label="data")
            ax.step(table.right, table.model_ecdf, where="post", color="C1", label="model draws")
            ax.set_ylabel("ECDF")
        ax.set_xlabel(name)
    axes[0].legend(fontsize="small")
    fig.suptitle("predictive check: data vs draws from the fit")
    fig.tight_layout()
    return fig

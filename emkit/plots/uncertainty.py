"""Classification uncertainty: one minus the largest responsibility of each observation."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._common import feature_index, get_ax, observations
from .profile import jitter_categories, label_categories


def compute_uncertainty(fit, X) -> xr.DataArray:
    """Uncertainty of the MAP classification, ``u_i = 1 - max_k r_ik``.

    ``u_i`` is 0 for an observation assigned with certainty and at most
    ``1 - 1/K`` (all components equally responsible). This is mclust's
    ``uncertainty``.

    Parameters
    ----------
    fit : FitResult
    X : data

    Returns
    -------
    xarray.DataArray
        Over ``observation``, named ``"uncertainty"``.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> u = em.plot.compute_uncertainty(fit, X)
    >>> u.dims, bool(0 <= u.min() and u.max() <= 0.5)
    (('observation',), True)
    """
    proba = fit.predict_proba(X)
    return (1.0 - proba.max("component")).rename("uncertainty")


def largest_uncertainty(n_components: int) -> float:
    """The largest possible uncertainty ``1 - 1/K`` (equal responsibilities); 1 for a single component.

    The scale of the scatter's point sizes and colours, so that sizes compare
    across fits: a point is large only when it is truly uncertain.

    Examples
    --------
    >>> from emkit.plots.uncertainty import largest_uncertainty
    >>> largest_uncertainty(2), largest_uncertainty(4), largest_uncertainty(1)
    (0.5, 0.75, 1.0)
    """
    return 1 - 1 / n_components if n_components > 1 else 1.0


def plot_uncertainty(fit, X, features=(0, 1), kind: str = "auto", ax=None):
    """Draw the classification uncertainty.

    ``kind="scatter"``: the observations in two features, each point's size
    and colour growing with its uncertainty on the absolute scale
    ``[0, 1 - 1/K]`` (:func:`largest_uncertainty`): a fit whose points are all
    nearly certain shows them all small. ``kind="sorted"``: the
    uncertainties in increasing order against their rank. ``"auto"`` picks
    scatter when the fit has two or more features, sorted otherwise. In the
    scatter a categorical feature is drawn at its codes, jittered
    (:func:`emkit.plots.profile.jitter_categories`) and labelled with its
    categories.

    ``X`` is read with the fit's ``missing`` option
    (:meth:`emkit.FitResult.observations`): under ``missing="marginalize"``
    every row's uncertainty comes from its observed entries, and the scatter
    leaves out the rows with NaN in either of its two features (the sorted
    curve keeps every row).

    Parameters
    ----------
    fit : FitResult
    X : data
    features : pair of str or int, default (0, 1)
        For the scatter.
    kind : {"auto", "scatter", "sorted"}
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
    >>> ax = em.plot.plot_uncertainty(fit, X)
    >>> len(ax.collections)
    1
    >>> plt.close(ax.figure)
    """
    if kind not in ("auto", "scatter", "sorted"):
        raise ValueError(f"kind must be 'auto', 'scatter' or 'sorted', got {kind!r}")
    if kind == "auto":
        kind = "scatter" if len(fit.features) >= 2 else "sorted"
    u = compute_uncertainty(fit, X).values
    ax = get_ax(ax)
    if kind == "scatter":
        i, j = (feature_index(fit, f) for f in features)
        x = observations(fit, X)[:, [i, j]]
        drawn = ~np.isnan(x).any(axis=1)
        x, u = x[drawn], u[drawn]
        top = largest_uncertainty(fit.n_components)
        names = (fit.features[i], fit.features[j])
        points = ax.scatter(jitter_categories(fit, names[0], x[:, 0]), jitter_categories(fit, names[1], x[:, 1]),
                            s=5 + 80 * u / top, c=u, cmap="viridis", vmin=0, vmax=top, alpha=0.8)
        ax.figure.colorbar(points, ax=ax, label="1 - max responsibility")
        ax.set_xlabel(str(names[0]))
        ax.set_ylabel(str(names[1]))
        label_categories(ax, fit, names[0], "x")
        label_categories(ax, fit, names[1], "y")
    else:
        ordered = np.sort(u)
        ax.plot(np.arange(1, len(ordered) + 1), ordered, drawstyle="steps-mid")
        ax.set_xlabel("observation (sorted)")
        ax.set_ylabel("1 - max responsibility")
    ax.set_title("classification uncertainty")
    return ax

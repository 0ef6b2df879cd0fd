"""Bootstrap summaries of the parameters: percentile intervals, SD and a MAD-based SD."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from ._common import get_ax


#: ``1 / Phi^{-1}(3/4)``: times the median absolute deviation, a consistent estimate of a normal SD.
MAD_TO_SD = 1 / stats.norm.ppf(0.75)


def _spread(replicates: np.ndarray, tail: float) -> dict:
    """Percentile interval, SD and MAD-based SD of one parameter's finite ``replicates``."""
    if not len(replicates):
        return {"lower": np.nan, "upper": np.nan, "sd": np.nan, "mad_sd": np.nan}
    lower, upper = np.percentile(replicates, [tail, 100 - tail])
    median = np.median(replicates)
    return {
        "lower": float(lower),
        "upper": float(upper),
        "sd": float(np.std(replicates, ddof=1)) if len(replicates) > 1 else np.nan,
        "mad_sd": float(MAD_TO_SD * np.median(np.abs(replicates - median))),
    }


def compute_bootstrap_intervals(boot, fit=None, variables=("means",), level: float = 0.95) -> pd.DataFrame:
    """Estimate, percentile interval and spread of every element of the chosen parameters.

    For level ``1 - alpha`` the interval is
    ``[q_{alpha/2}, q_{1-alpha/2}]`` of the replicates (``numpy.percentile``
    with linear interpolation; failed replicates, which are NaN, are left out).
    Two bootstrap standard errors sit next to it: ``sd``, the replicates'
    standard deviation (``ddof=1``), and ``mad_sd``, the median absolute
    deviation from their median scaled to estimate a normal SD,

    .. math:: 1.4826 \\, \\mathrm{median}_b |\\theta_b - \\mathrm{median}(\\theta)|,

    equal to ``sd`` for normally spread replicates. A few outlying replicates
    (a refit that lands on another optimum, a component that swaps or
    collapses) inflate ``sd`` without bound but barely move ``mad_sd`` or the
    interval: when ``sd`` is much larger than ``mad_sd``, look at the
    replicates (``boot[name]``) before quoting ``sd``.

    Parameters
    ----------
    boot : xarray.Dataset
        From :func:`emkit.bootstrap` (a ``draw`` dimension).
    fit : FitResult, optional
        The reference fit; its parameters are the estimates. Without it, the
        estimate is the median of the replicates (robust: a few outlying
        replicates move it by at most as many order statistics).
    variables : sequence of str, default ("means",)
        Parameter variables of ``boot`` (``weights``, ``means``, ``covariances``, ...).
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per parameter element, indexed by a label such as
        ``"means[1, waiting]"``; columns ``variable``, ``estimate``, ``lower``,
        ``upper``, ``sd``, ``mad_sd``, ``n_ok`` (replicates used).

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> boot = em.bootstrap(fit, X, n_boot=5, random_state=1)
    >>> table = em.plot.compute_bootstrap_intervals(boot, fit)
    >>> table.index.tolist()
    ['means[0, eruptions]', 'means[0, waiting]', 'means[1, eruptions]', 'means[1, waiting]']
    >>> list(table.columns)
    ['variable', 'estimate', 'lower', 'upper', 'sd', 'mad_sd', 'n_ok']
    >>> bool((table.lower <= table.upper).all())
    True
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if isinstance(variables, str):
        variables = (variables,)
    tail = 100 * (1 - level) / 2
    rows, labels = [], []
    reference = fit.params if fit is not None else None
    for name in variables:
        if name not in boot or "draw" not in boot[name].dims:
            raise ValueError(f"{name!r} is not a bootstrapped parameter of boot")
        array = boot[name].transpose("draw", ...)
        dims = array.dims[1:]
        values = array.values.reshape(array.sizes["draw"], -1)
        estimate = None
        if reference is not None:
            estimate = reference[name].transpose(*dims).values.ravel()
        coords = [array[d].values for d in dims]
        for e, key in enumerate(itertools.product(*coords)):
            column = values[:, e]
            ok = column[np.isfinite(column)]
            if estimate is not None:
                centre = float(estimate[e])
            else:
                centre = float(np.median(ok)) if len(ok) else np.nan
            labels.append(f"{name}[{', '.join(str(k) for k in key)}]" if key else name)
            rows.append({"variable": name, "estimate": centre, **_spread(ok, tail), "n_ok": len(ok)})
    return pd.DataFrame(rows, index=pd.Index(labels, name="parameter"))


def plot_bootstrap(boot, fit=None, variables=("means",), level: float = 0.95, ax=None):
    """Forest plot: each parameter's estimate with its bootstrap percentile interval.

    The interval is a segment from ``lower`` to ``upper`` and the estimate a
    point; with a reference fit the point may lie outside the interval (the
    replicates' percentiles need not surround the fit's own value, e.g. with
    few replicates or a skewed bootstrap distribution). Parameters on very
    different scales are best drawn one variable (or feature) at a time,
    e.g. ``variables=("weights",)``.

    Parameters
    ----------
    boot : xarray.Dataset
    fit : FitResult, optional
    variables : sequence of str, default ("means",)
    level : float, default 0.95
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
    >>> boot = em.bootstrap(fit, X, n_boot=5, random_state=1)
    >>> ax = em.plot.plot_bootstrap(boot, fit, variables=("weights",))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['weights[0]', 'weights[1]']
    >>> plt.close(ax.figure)
    """
    table = compute_bootstrap_intervals(boot, fit, variables, level)
    ax = get_ax(ax)
    y = np.arange(len(table))[::-1]
    # the interval as its own segment: a percentile interval need not contain the reference estimate
    ax.hlines(y, table.lower, table.upper, color="C0", lw=1.5)
    ax.plot(table.estimate, y, "o", color="C0")
    ax.set_yticks(y)
    ax.set_yticklabels(table.index)
    ax.set_xlabel(f"estimate with {100 * level:g}% bootstrap percentile interval")
    ax.set_title(f"bootstrap ({boot.sizes['draw']} replicates)")
    ax.grid(axis="x", alpha=0.3)
    return ax

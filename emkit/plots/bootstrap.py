"""Bootstrap percentile intervals of the parameters."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ._common import get_ax


def compute_bootstrap_intervals(boot, fit=None, variables=("means",), level: float = 0.95) -> pd.DataFrame:
    """Estimate and percentile interval of every element of the chosen parameters.

    For level ``1 - alpha`` the interval is
    ``[q_{alpha/2}, q_{1-alpha/2}]`` of the replicates (``numpy.nanpercentile``
    with linear interpolation; failed replicates, which are NaN, are left out).

    Parameters
    ----------
    boot : xarray.Dataset
        From :func:`emkit.bootstrap` (a ``draw`` dimension).
    fit : FitResult, optional
        The reference fit; its parameters are the estimates. Without it, the
        estimate is the mean of the replicates.
    variables : sequence of str, default ("means",)
        Parameter variables of ``boot`` (``weights``, ``means``, ``covariances``, ...).
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per parameter element, indexed by a label such as
        ``"means[1, waiting]"``; columns ``variable``, ``estimate``, ``lower``,
        ``upper``, ``n_ok`` (replicates used).

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> boot = em.bootstrap(fit, X, n_boot=5, random_state=1)
    >>> table = em.plot.compute_bootstrap_intervals(boot, fit)
    >>> table.index.tolist()
    ['means[0, eruptions]', 'means[0, waiting]', 'means[1, eruptions]', 'means[1, waiting]']
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
            if len(ok):
                lower, upper = np.percentile(ok, [tail, 100 - tail])
                centre = float(estimate[e]) if estimate is not None else float(ok.mean())
            else:
                lower = upper = np.nan
                centre = float(estimate[e]) if estimate is not None else np.nan
            labels.append(f"{name}[{', '.join(str(k) for k in key)}]" if key else name)
            rows.append({"variable": name, "estimate": centre, "lower": float(lower), "upper": float(upper),
                         "n_ok": len(ok)})
    return pd.DataFrame(rows, index=pd.Index(labels, name="parameter"))


def plot_bootstrap(boot, fit=None, variables=("means",), level: float = 0.95, ax=None):
    """Forest plot: each parameter's estimate with its bootstrap percentile interval.

    Parameters on very different scales are best drawn one variable (or
    feature) at a time, e.g. ``variables=("weights",)``.

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
    ax.errorbar(table.estimate, y, xerr=[table.estimate - table.lower, table.upper - table.estimate],
                fmt="o", color="C0", ecolor="C0", capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(table.index)
    ax.set_xlabel(f"estimate with {100 * level:g}% bootstrap percentile interval")
    ax.set_title(f"bootstrap ({boot.sizes['draw']} replicates)")
    ax.grid(axis="x", alpha=0.3)
    return ax

"""Convergence traces: the log-likelihood of every restart per iteration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import get_ax


@dataclass(frozen=True)
class ConvergenceData:
    """What :func:`plot_convergence` draws.

    Attributes
    ----------
    traces : list of ndarray
        Per restart, the log-likelihood after each iteration with the NaN
        padding of ``fit.trace`` removed (a restart that failed at once has an
        empty trace).
    final : ndarray, shape (n_restarts,)
        Last finite value of each trace (NaN for an empty trace).
    best : int
        ``fit.best_restart``, the restart whose parameters were kept.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), n_init=3, random_state=0)
    >>> data = em.plot.compute_convergence(fit)
    >>> len(data.traces), data.final.shape
    (3, (3,))
    """

    traces: list
    final: np.ndarray
    best: int


def compute_convergence(fit) -> ConvergenceData:
    """Log-likelihood traces of every restart, NaN-trimmed, their final values and the kept restart.

    Parameters
    ----------
    fit : FitResult

    Returns
    -------
    ConvergenceData

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), n_init=3, random_state=0)
    >>> data = em.plot.compute_convergence(fit)
    >>> len(data.traces), data.best == fit.best_restart
    (3, True)
    >>> bool(abs(data.final[data.best] - fit.log_likelihood) < 1e-6 * abs(fit.log_likelihood))
    True
    """
    values = np.asarray(fit.trace["log_likelihood"].values, dtype=float)
    traces = [row[np.isfinite(row)] for row in values]
    final = np.array([t[-1] if len(t) else np.nan for t in traces])
    return ConvergenceData(traces, final, int(fit.best_restart))


def plot_convergence(fit, ax=None):
    """Draw the log-likelihood per iteration for every restart, the kept restart highlighted.

    Other restarts are thin grey lines; the kept one is a thick coloured line
    with markers. A restart's line ends where it stopped (converged, hit
    ``max_iter`` or failed).

    Parameters
    ----------
    fit : FitResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), n_init=3, random_state=0)
    >>> ax = em.plot.plot_convergence(fit)
    >>> len(ax.lines)
    3
    >>> plt.close(ax.figure)
    """
    data = compute_convergence(fit)
    ax = get_ax(ax)
    label = "other restarts"
    for r, trace in enumerate(data.traces):
        if r != data.best:
            ax.plot(np.arange(1, len(trace) + 1), trace, color="0.6", lw=1, label=label)
            label = None
    best = data.traces[data.best]
    ax.plot(np.arange(1, len(best) + 1), best, color="C0", lw=2.5, marker="o", ms=3, label=f"kept restart ({data.best})")
    ax.set_xlabel("iteration")
    ax.set_ylabel("log-likelihood")
    ax.set_title("EM convergence")
    ax.legend(loc="lower right")
    return ax

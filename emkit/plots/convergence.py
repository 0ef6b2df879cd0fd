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
        empty trace). Position ``i`` is ``fit.trace``'s ``iteration`` ``i``:
        the value after ``i`` EM iterations, 0 being the starting values, so a
        trace ends at the restart's ``n_iter``.
    final : ndarray, shape (n_restarts,)
        Last finite value of each trace (NaN for an empty trace).
    best : int
        ``fit.best_restart``, the 0-based index of the restart whose
        parameters were kept (shown to people as restart ``best + 1``).

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
    with markers. The x axis is the number of EM iterations done (0: the
    starting values), as in ``fit.trace``'s ``iteration`` coordinate, so a
    restart's line ends at its ``n_iter`` (converged, hit ``max_iter`` or
    failed). Restarts are numbered from 1 in the legend, as in
    :meth:`~emkit.results.fit_result.FitResult.summary_text`. The x ticks
    are whole iterations, and the y axis shows the log-likelihood itself,
    never as an offset plus small ticks, even when the restarts agree to
    many digits.

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
    >>> int(ax.lines[-1].get_xdata()[-1]) == fit.n_iter, ax.get_legend().get_texts()[-1].get_text()
    (True, 'kept restart (3 of 3)')
    >>> plt.close(ax.figure)
    """
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    data = compute_convergence(fit)
    ax = get_ax(ax)
    label = "other restarts"
    for r, trace in enumerate(data.traces):
        if r != data.best:
            ax.plot(np.arange(len(trace)), trace, color="0.6", lw=1, label=label)
            label = None
    best = data.traces[data.best]
    kept = f"kept restart ({data.best + 1} of {len(data.traces)})"
    ax.plot(np.arange(len(best)), best, color="C0", lw=2.5, marker="o", ms=3, label=kept)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    ax.set_xlabel("EM iterations (0: starting values)")
    ax.set_ylabel("log-likelihood")
    ax.set_title("EM convergence")
    ax.legend(loc="lower right")
    return ax

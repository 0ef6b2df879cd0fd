"""When to stop EM: a small, replaceable monitor of the log-likelihood."""

from __future__ import annotations

import numbers

import numpy as np

#: Relative decrease of the log-likelihood tolerated as rounding, by the type of
#: the data: float32 data's log-likelihood carries about 1e-7 relative rounding.
DECREASE_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-6}


class AbsoluteTolerance(float):
    """A tolerance on the change of the mean log-likelihood itself, not relative to its size.

    Given as ``tol``, EM stops when the mean per-observation log-likelihood
    changes by at most this value, ``|l_t - l_{t-1}| <= tol``, whatever the
    size of ``l_t``: scikit-learn's rule for its mixtures (and, with
    ``tol / n``, hmmlearn's on the total). A plain number keeps emkit's rule,
    relative once ``|l_t| > 1`` (:class:`ConvergenceMonitor`).

    Examples
    --------
    >>> from emkit.em.convergence import AbsoluteTolerance, ConvergenceMonitor
    >>> relative = ConvergenceMonitor(tol=1e-3, max_iter=10, n_obs=1)
    >>> absolute = ConvergenceMonitor(tol=AbsoluteTolerance(1e-3), max_iter=10, n_obs=1)
    >>> [relative.update(v) for v in (-50.0, -49.99)], [absolute.update(v) for v in (-50.0, -49.99)]
    ([False, True], [False, False])
    """

    def __repr__(self) -> str:
        return f"AbsoluteTolerance({float(self)!r})"


def check_stopping(tol, max_iter) -> tuple[float, int]:
    """Validate ``tol`` (finite, >= 0; a number or an :class:`AbsoluteTolerance`) and ``max_iter`` (integer, >= 0).

    Examples
    --------
    >>> from emkit.em.convergence import check_stopping
    >>> check_stopping(1e-6, 100)
    (1e-06, 100)
    """
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number, not {type(tol).__name__}")
    if not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite non-negative number, got {tol}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    return (tol if isinstance(tol, AbsoluteTolerance) else float(tol)), int(max_iter)


class ConvergenceMonitor:
    """Track the observed-data log-likelihood over EM iterations.

    EM has converged when the mean per-observation log-likelihood
    ``l_t = L_t / n`` changes by at most ``tol * max(1, |l_t|)`` between two
    iterations: a relative tolerance when ``|l_t| >= 1`` and an absolute one
    below, so the rule depends neither on n nor on the units of the data
    more than it must. An :class:`AbsoluteTolerance` makes it absolute
    throughout, ``|l_t - l_{t-1}| <= tol``. ``tol = 0`` never converges early, so EM runs exactly
    ``max_iter`` iterations.

    A decrease ``L_t < L_{t-1} - rtol |L_{t-1}|`` is recorded in
    ``decreases`` as ``(iteration, amount)``, with ``rtol = 1e-10`` for
    float64 data and ``1e-6`` for float32 data, whose log-likelihood is
    computed from float32 products.

    Parameters
    ----------
    tol : float
        Non-negative tolerance on the change of the mean log-likelihood.
    max_iter : int
        Maximum number of M-steps.
    n_obs : float
        Number (total weight) of observations.
    dtype : numpy dtype, default float64
        Type of the data; float32 data tolerate larger decreases as rounding.

    Examples
    --------
    >>> from emkit.em.convergence import ConvergenceMonitor
    >>> m = ConvergenceMonitor(tol=1e-3, max_iter=10, n_obs=100)
    >>> m.update(-250.0), m.update(-200.0), m.update(-199.99)
    (False, False, True)
    >>> m32 = ConvergenceMonitor(tol=0, max_iter=10, n_obs=100, dtype="float32")
    >>> m32.update(-200.0), m32.update(-200.0001), m32.decreases
    (False, False, [])
    """

    def __init__(self, tol: float, max_iter: int, n_obs: float, dtype=np.float64):
        self.tol, self.max_iter = check_stopping(tol, max_iter)
        self.n_obs = float(n_obs)
        self.decrease_rtol = DECREASE_RTOL.get(np.dtype(dtype), DECREASE_RTOL[np.dtype(np.float64)])
        self.history: list[float] = []
        self.decreases: list[tuple[int, float]] = []
        self.converged = False

    @property
    def n_iter(self) -> int:
        """M-steps taken: one fewer than the recorded log-likelihoods."""
        return max(0, len(self.history) - 1)

    def update(self, log_likelihood: float) -> bool:
        """Record the log-likelihood of the current parameters; True once converged.

        A decrease beyond rounding is recorded in ``decreases`` as
        ``(iteration, amount)``.

        Parameters
        ----------
        log_likelihood : float
            Observed-data log-likelihood ``L_t`` of the current parameters.

        Returns
        -------
        bool
            Whether the change from the previous value meets the tolerance.

        Examples
        --------
        >>> from emkit.em.convergence import ConvergenceMonitor
        >>> monitor = ConvergenceMonitor(tol=1e-3, max_iter=10, n_obs=100)
        >>> monitor.update(-200.0), monitor.update(-201.0)
        (False, False)
        >>> monitor.decreases, monitor.n_iter
        ([(1, 1.0)], 1)
        """
        if self.history:
            previous = self.history[-1]
            if log_likelihood < previous - self.decrease_rtol * abs(previous):
                self.decreases.append((len(self.history), previous - log_likelihood))
            change = abs(log_likelihood - previous) / self.n_obs
            scale = 1.0 if isinstance(self.tol, AbsoluteTolerance) else max(1.0, abs(log_likelihood) / self.n_obs)
            self.converged = self.tol > 0 and change <= self.tol * scale
        self.history.append(float(log_likelihood))
        return self.converged

    @property
    def done(self) -> bool:
        """Converged, or ``max_iter`` M-steps taken."""
        return self.converged or self.n_iter >= self.max_iter

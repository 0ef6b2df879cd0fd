"""Missing values inside EM: rows grouped by missingness pattern, and the Gaussian's conditional pieces.

With ``missing="marginalize"`` a NaN is a value missing at random, and EM
climbs the observed-data log-likelihood. A family that can marginalise
declares the ``marginalize`` capability
(:mod:`~emkit.components.capabilities`) with the hook
``evaluate_observed(x) -> Evaluation``: log-densities of the observed
coordinates of each row, and statistics completed by their conditional
expectations given the observed ones.

For a Gaussian component ``N(mu, Sigma)`` and a row with observed block ``o``
and missing block ``m`` (Ghahramani & Jordan, 1994)::

    log f(x_o)     = log N(x_o | mu_o, Sigma_oo)
    E[x_m | x_o]   = mu_m + Sigma_mo Sigma_oo^{-1} (x_o - mu_o)
    Cov[x_m | x_o] = Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om

and the completed scatter of component k is
``W_k = sum_i r_ik (xhat_ik - m_k)(xhat_ik - m_k)^T + sum_i r_ik C_ik``, with
``xhat_ik`` the row completed by its conditional mean and ``C_ik`` the
conditional covariance in its missing block. Every covariance structure takes
its M-step from ``W_k`` as from a complete-data scatter. Rows are grouped by
pattern, so there is one Cholesky factorisation per (pattern, component).

Examples
--------
>>> import numpy as np
>>> from emkit.components.missing import missingness_patterns
>>> x = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, np.nan]])
>>> [(observed.tolist(), rows.tolist()) for observed, rows in missingness_patterns(x)]
[([True, False], [0, 2]), ([True, True], [1])]
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular

from .base import Evaluation, evaluate
from .._missing_input import incomplete_rows, missingness_patterns
from .capabilities import observed_evaluation

_LOG_2PI = np.log(2.0 * np.pi)


class GaussianConditionals:
    """The Gaussian pieces of rows with missing entries, one factorisation per (pattern, component).

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Rows, NaN where missing.
    means : ndarray of shape (K, d)
    covariances : ndarray of shape (K, d, d)

    Attributes
    ----------
    log_prob : ndarray of shape (n, K)
        ``log N(x_o | mu_ko, Sigma_koo)`` of every row's observed block (0 for
        a row with nothing observed).
    completed : ndarray of shape (K, n, d)
        Every row completed by its conditional mean under each component.

    Examples
    --------
    One component with unit variances and correlation 0.5: the missing second
    coordinate of ``(2, NaN)`` is expected at ``0.5 * 2`` with variance 0.75.

    >>> import numpy as np
    >>> from emkit.components.missing import GaussianConditionals
    >>> cov = np.array([[[1.0, 0.5], [0.5, 1.0]]])
    >>> pieces = GaussianConditionals(np.array([[2.0, np.nan]]), np.zeros((1, 2)), cov)
    >>> pieces.completed[0].tolist()
    [[2.0, 1.0]]
    >>> weight, mean, scatter = pieces.moments(np.ones((1, 1)))
    >>> scatter[0].tolist()
    [[0.0, 0.0], [0.0, 0.75]]
    >>> bool(np.isclose(pieces.log_prob[0, 0], -0.5 * (np.log(2 * np.pi) + 4.0)))
    True
    """

    def __init__(self, x: np.ndarray, means: np.ndarray, covariances: np.ndarray):
        x = np.asarray(x, dtype=float)
        K, d = means.shape
        n = len(x)
        self.log_prob = np.zeros((n, K))
        self.completed = np.empty((K, n, d))
        #: ``(rows, missing mask, (K, |m|, |m|) conditional covariances)`` per pattern.
        self.corrections = []
        for observed, rows in missingness_patterns(x):
            self._add_pattern(x[rows], rows, observed, means, covariances)

    def _add_pattern(self, x, rows, observed, means, covariances) -> None:
        missing = ~observed
        o, m = np.flatnonzero(observed), np.flatnonzero(missing)
        conditional = np.empty((len(means), m.size, m.size))
        for k, (mu, sigma) in enumerate(zip(means, covariances)):
            completed = np.repeat(mu[None], len(rows), axis=0)
            if o.size:
                factor = cho_factor(sigma[np.ix_(o, o)], lower=True)
                diff = x[:, o] - mu[o]
                whitened = solve_triangular(factor[0], diff.T, lower=True)
                log_det = 2.0 * np.log(np.diag(factor[0])).sum()
                self.log_prob[rows, k] = -0.5 * (o.size * _LOG_2PI + log_det + np.square(whitened).sum(axis=0))
                completed[:, o] = x[:, o]
                regression = cho_solve(factor, sigma[np.ix_(o, m)]).T  # Sigma_mo Sigma_oo^{-1}
                completed[:, m] += diff @ regression.T
                conditional[k] = sigma[np.ix_(m, m)] - regression @ sigma[np.ix_(o, m)]
            else:
                conditional[k] = sigma[np.ix_(m, m)]
            self.completed[k, rows] = completed
        self.corrections.append((rows, missing, conditional))

    def moments(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Completed statistics for weights (n, K): ``n_k``, means ``m_k`` (K, d) and scatters ``W_k`` (K, d, d).

        ``W_k`` is the scatter of the completed rows about ``m_k`` plus the
        weighted conditional covariances of the missing blocks.
        """
        weight = weights.sum(axis=0)
        safe = np.where(weight > 0, weight, 1.0)
        mean = np.einsum("nk,knd->kd", weights, self.completed) / safe[:, None]
        centred = self.completed - mean[:, None, :]
        scatter = np.einsum("nk,kni,knj->kij", weights, centred, centred)
        for rows, missing, conditional in self.corrections:
            block = np.ix_(np.arange(len(weight)), missing, missing)
            scatter[block] += weights[rows].sum(axis=0)[:, None, None] * conditional
        return weight, mean, scatter


def observed_and_filled(x: np.ndarray, fill=0.0) -> tuple[np.ndarray, np.ndarray]:
    """The mask of observed entries and ``x`` with its NaN replaced by ``fill`` (a number, or one per column).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.missing import observed_and_filled
    >>> observed, filled = observed_and_filled(np.array([[1.0, np.nan]]))
    >>> observed.tolist(), filled.tolist()
    ([[True, False]], [[1.0, 0.0]])
    """
    observed = ~np.isnan(x)
    return observed, np.where(observed, x, fill)


def expected_sums(resp: np.ndarray, filled: np.ndarray, observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``sum_i r_ik T_ij`` (K, d) with each missing ``T_ij`` replaced by its expectation ``expected[k, j]`` under component k.

    The E-step of a family that is a product over features, for a statistic
    ``T`` linear in the data: the observed entries' sums plus, for every
    missing entry, the responsibility times the component's mean of that
    feature. ``filled`` holds 0 where ``observed`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.missing import expected_sums, observed_and_filled
    >>> observed, filled = observed_and_filled(np.array([[2.0, np.nan], [4.0, 1.0]]))
    >>> expected_sums(np.ones((2, 1)), filled, observed, np.array([[9.0, 3.0]])).tolist()
    [[6.0, 4.0]]
    """
    return resp.T @ filled + (resp.T @ (~observed)) * expected


def evaluate_with_missing(family, x: np.ndarray) -> Evaluation:
    """``family`` evaluated on rows that may hold NaN: complete rows as usual, the others on their observed entries.

    How :class:`~emkit.components.independent.Independent` lets each part
    marginalise by its own rule.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.missing import evaluate_with_missing
    >>> fitted = em.Poisson().with_params(rate=[[2.0, 5.0]])
    >>> x = np.array([[3.0, 1.0], [3.0, np.nan]])
    >>> ev = evaluate_with_missing(fitted, x)
    >>> bool(np.isclose(ev.log_prob[0, 0] - ev.log_prob[1, 0], fitted.log_prob(np.array([[0.0, 1.0]]))[0, 0] + 2.0))
    True
    >>> ev.stats(np.ones((2, 1))).sums["counts"].tolist()
    [[6.0, 6.0]]
    """
    incomplete = incomplete_rows(x)
    if not incomplete.any():
        return evaluate(family, x)
    complete = ~incomplete
    whole, partial = evaluate(family, x[complete]), observed_evaluation(family, x[incomplete])
    log_prob = np.empty((len(x), family.n_components))
    log_prob[complete], log_prob[incomplete] = whole.log_prob, partial.log_prob

    def stats(resp):
        return whole.stats(resp[complete]) + partial.stats(resp[incomplete])

    return Evaluation(log_prob, stats)

"""Exponential components for non-negative data, independent across features.

With rate ``lambda_kj``::

    log f_k(x) = sum_j [log lambda_kj - lambda_kj x_j],   x_j >= 0

Statistics: ``n_k = sum_i r_ik`` and ``s_k = sum_i r_ik x_i``; M-step
``lambda_k = n_k / s_k`` (the reciprocal of the weighted mean).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DegenerateComponentError
from ._support import reject_rows
from .base import Evaluation
from .missing import expected_sums, observed_and_filled
from .parametric import ParametricFamily, SumStats
from .registry import register_family


@register_family
class Exponential(ParametricFamily):
    """Exponential components: one rate per component and feature.

    The support is ``x >= 0`` (zeros are allowed, as in
    ``scipy.stats.expon``). A component whose weighted mean is 0 in some
    feature (all its weight on zeros) has an unbounded likelihood, a rate of
    infinity; the M-step then raises
    :class:`~emkit.exceptions.DegenerateComponentError` naming the
    component and feature (during a fit, that restart is recorded as failed).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.exponential(1.0, (3000, 1)), rng.exponential(50.0, (3000, 1))])
    >>> fit = em.Mixture(em.Exponential(), n_components=2).fit(x, n_init=3, random_state=0)
    >>> means = np.sort(1 / fit.params.rate.values[:, 0])  # 1 / rate is the mean
    >>> (means / np.array([1.0, 50.0])).round(1).tolist()
    [1.0, 1.0]
    """

    kind = "exponential"
    label = "exponential"
    param_dims = {"rate": ("feature",)}
    param_bounds = {"rate": (0.0, np.inf)}

    def check_data(self, x):
        """Every value must be finite and ``>= 0``.

        Raises a ``ValueError`` naming the first bad row otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Exponential().check_data(np.array([[0.0], [2.5]]))
        >>> em.Exponential().check_data(np.array([[0.0], [-1.0], [np.inf]]))
        Traceback (most recent call last):
        ...
        ValueError: exponential components need finite non-negative data; row 1 is [-1.0] (2 bad row(s), rows counted from 0)
        """
        reject_rows(x, ~(x >= 0) | ~np.isfinite(x), "exponential components need finite non-negative data")

    def log_prob(self, x):
        """``sum_j log lambda_kj - lambda_kj x_j``, shape (n, K).

        Examples
        --------
        Rates 0.5 and 0.25: at ``x = 2`` the first component gives
        ``log 0.5 - 1``:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Exponential(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(np.array([[2.0]])).round(3).tolist()
        [[-1.693, -1.886]]
        """
        rate = self.params["rate"]
        return np.log(rate).sum(axis=1) - x @ rate.T

    def stats(self, x, resp):
        """``n_k`` and ``sum_i r_ik x_i``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Exponential(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.sums["total"].tolist()
        ([2.0, 2.0], [[4.0], [8.0]])
        """
        return SumStats.of(resp, total=resp.T @ x)

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-density of the observed entries, and expected statistics.

        A missing value drops out of the log-density; in the statistics it
        counts at its expectation ``1 / lambda_kj`` under each component (the
        E-step of the complete data; see docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy.stats import expon
        >>> fitted = em.Exponential().with_params(rate=[[2.0, 0.5]])
        >>> ev = fitted.evaluate_observed(np.array([[3.0, np.nan]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], expon(scale=0.5).logpdf(3.0)))
        True
        >>> ev.stats(np.ones((1, 1))).sums["total"].tolist()
        [[3.0, 2.0]]
        """
        observed, filled = observed_and_filled(x)
        rate = self.params["rate"]
        log_prob = observed @ np.log(rate).T - filled @ rate.T
        mean = 1.0 / rate
        return Evaluation(log_prob, lambda resp: SumStats.of(resp, total=expected_sums(resp, filled, observed, mean)))

    def m_step(self, stats):
        """``lambda_k = n_k / sum_i r_ik x_i``.

        Raises
        ------
        DegenerateComponentError
            If a component with weight has weighted sum 0 in some feature.

        Examples
        --------
        The rates are the reciprocals of the weighted means 2 and 4:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Exponential(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).params["rate"].tolist()
        [[0.5], [0.25]]

        A component with all its weight on zeros has an infinite rate:

        >>> zeros = np.zeros((2, 1))
        >>> em.Exponential().m_step(em.Exponential().stats(zeros, np.ones((2, 1))))
        Traceback (most recent call last):
        ...
        emkit.exceptions.DegenerateComponentError: exponential component 0 has all its weight on x = 0 in feature 0: its rate is infinite
        """
        empty = stats.empty()
        total = stats.sums["total"]
        collapsed = (total <= 0) & ~empty[:, None]
        if collapsed.any():
            k, j = map(int, np.argwhere(collapsed)[0])
            raise DegenerateComponentError(
                f"exponential component {k} has all its weight on x = 0 in feature {j}: its rate is infinite"
            )
        rate = np.where(empty[:, None], 1.0, stats.weight[:, None]) / np.where(total > 0, total, 1.0)
        return self.with_params(**self.keep_empty({"rate": rate}, stats))

    def n_params(self):
        """One rate per component and feature.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Exponential(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        2
        """
        return int(self.params["rate"].size)

    def sample(self, component, rng):
        """Exponential draws with the rates of ``component[i]`` in row i.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Exponential(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0))
        >>> draws.shape, bool((draws >= 0).all())
        ((3, 1), True)
        """
        return rng.exponential(1.0 / self.params["rate"][np.asarray(component, dtype=int)])

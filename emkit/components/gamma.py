"""Gamma components for positive data, independent across features.

With shape ``a_kj`` and rate ``b_kj``::

    log f_k(x) = sum_j [a_kj log b_kj - log Gamma(a_kj) + (a_kj - 1) log x_j - b_kj x_j],   x_j > 0

Statistics: ``n_k = sum_i r_ik``, ``s_k = sum_i r_ik x_i`` and
``l_k = sum_i r_ik log x_i``. The weighted Q of one component and feature,
``n (a log b - log Gamma(a)) + (a - 1) l - b s``, is maximised over ``b`` by
``b = a / xbar`` with ``xbar = s / n``; the profile in ``a`` is then
maximised where (Minka, 2002, "Estimating a Gamma distribution")::

    log a - digamma(a) = log(xbar) - l / n  =: delta  (> 0 by Jensen's inequality)

``log a - digamma(a)`` decreases strictly from +inf to 0, so the root is
unique; it is found by Minka's generalised Newton iteration
``1/a <- 1/a + (h(a) - delta) / (a^2 h'(a))`` with ``h(a) = log a - digamma(a)``,
started at Minka's closed-form approximation
``a0 = (3 - delta + sqrt((delta - 3)^2 + 24 delta)) / (12 delta)`` (within
1.5% of the root for every ``delta``) and stopped when the relative change is
below 1e-12 (a handful of iterations). For ``a >= 20``, ``h`` and ``h'`` are
evaluated by their asymptotic series, which avoids the cancellation in
``log a - digamma(a)`` for large shapes.

``delta`` is formed from the plain sums, so it carries an absolute rounding
error of a few ``eps * |log xbar|``: shapes are accurate while the
coefficient of variation of a component's data is above about 1e-4 (shapes
below about 1e8), which covers data that are gamma-like at all.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from ..exceptions import DegenerateComponentError
from ._support import reject_rows
from .base import Evaluation, collapsed_variances, pooled_variance, with_collapsed_spread
from .missing import expected_sums, observed_and_filled
from .parametric import ParametricFamily, SumStats
from .registry import register_family

#: Relative tolerance of the shape iteration.
SHAPE_RTOL = 1e-12
_MAX_ITER = 100
_SERIES_FROM = 20.0


def _h_and_slope(a: np.ndarray):
    """``h(a) = log a - digamma(a)`` and ``h'(a) = 1/a - trigamma(a)``, accurate for large ``a``."""
    big = a >= _SERIES_FROM
    small_a = np.where(big, 1.0, a)
    h = np.log(small_a) - digamma(small_a)
    dh = 1.0 / small_a - polygamma(1, small_a)
    z = 1.0 / np.where(big, a, _SERIES_FROM)
    z2 = z * z
    # ln a - psi(a) = 1/(2a) + 1/(12a^2) - 1/(120a^4) + 1/(252a^6) - 1/(240a^8) + 1/(132a^10) - ...
    h_series = z / 2 + z2 * (1 / 12 + z2 * (-1 / 120 + z2 * (1 / 252 + z2 * (-1 / 240 + z2 / 132))))
    dh_series = -z2 * (0.5 + z * (1 / 6 + z2 * (-1 / 30 + z2 * (1 / 42 + z2 * (-1 / 30 + z2 * 10 / 132)))))
    return np.where(big, h_series, h), np.where(big, dh_series, dh)


def gamma_shape(delta: np.ndarray) -> np.ndarray:
    """Solve ``log a - digamma(a) = delta`` for ``a`` (elementwise, ``delta > 0``).

    Minka's generalised Newton iteration from his closed-form approximation;
    see the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import digamma
    >>> from emkit.components.gamma import gamma_shape
    >>> a = gamma_shape(np.array([np.log(2.0) - digamma(2.0)]))
    >>> bool(np.isclose(a[0], 2.0, rtol=1e-12))
    True
    """
    delta = np.asarray(delta, dtype=float)
    a = (3.0 - delta + np.sqrt((delta - 3.0) ** 2 + 24.0 * delta)) / (12.0 * delta)
    for _ in range(_MAX_ITER):
        h, dh = _h_and_slope(a)
        inv = 1.0 / a + (h - delta) / (a * a * dh)
        # The 1/a model of h is excellent, but keep the iterate positive whatever happens.
        new = np.where(inv > 0, 1.0 / np.where(inv > 0, inv, 1.0), a / 2.0)
        done = np.abs(new - a) <= SHAPE_RTOL * new
        a = new
        if done.all():
            break
    return a


@register_family
class Gamma(ParametricFamily):
    """Gamma components: a shape and a rate per component and feature.

    The support is ``x > 0``. A component whose data in some feature have no
    spread that double precision can detect (``log(xbar) - mean(log x)``
    not above a few ulps) has an unbounded likelihood (the shape goes to
    infinity); the M-step then raises
    :class:`~emkit.exceptions.DegenerateComponentError` naming it.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.gamma(2.0, 1 / 2.0, (2000, 1)), rng.gamma(40.0, 1 / 4.0, (2000, 1))])
    >>> fit = em.Mixture(em.Gamma(), n_components=2).fit(x, n_init=2, random_state=0)
    >>> order = np.argsort(fit.params["shape"].values[:, 0])
    >>> (fit.params["shape"].values[order, 0] / np.array([2.0, 40.0])).round(1).tolist()
    [1.0, 1.0]
    >>> (fit.params["rate"].values[order, 0] / np.array([2.0, 4.0])).round(1).tolist()
    [1.0, 1.0]
    """

    kind = "gamma"
    label = "gamma"
    param_dims = {"shape": ("feature",), "rate": ("feature",)}
    param_bounds = {"shape": (0.0, np.inf), "rate": (0.0, np.inf)}

    def check_data(self, x):
        """Every value must be finite and ``> 0``.

        Raises a ``ValueError`` naming the first bad row otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Gamma().check_data(np.array([[0.5], [2.0]]))
        >>> em.Gamma().check_data(np.array([[0.5], [0.0]]))
        Traceback (most recent call last):
        ...
        ValueError: gamma components need finite positive data; row 1 is [0.0] (1 bad row(s), rows counted from 0)
        """
        reject_rows(x, ~(x > 0) | ~np.isfinite(x), "gamma components need finite positive data")

    def log_prob(self, x):
        """``sum_j a log b - log Gamma(a) + (a - 1) log x_j - b x_j``, shape (n, K).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Gamma(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(x).round(3).tolist()
        [[-0.999, -2.609], [-1.739, -1.532], [-0.99, -1.692], [-5.364, -2.432]]
        """
        a, b = self.params["shape"], self.params["rate"]
        return (a * np.log(b) - gammaln(a)).sum(axis=1) + np.log(x) @ (a - 1.0).T - x @ b.T

    def stats(self, x, resp):
        """``n_k``, ``sum_i r_ik x_i`` and ``sum_i r_ik log x_i``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Gamma(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.sums["total"].tolist(), s.sums["log_total"].round(4).tolist()
        ([2.0, 2.0], [[4.0], [8.0]], [[1.0986], [2.4849]])
        """
        return SumStats.of(resp, total=resp.T @ x, log_total=resp.T @ np.log(x))

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-density of the observed entries, and expected statistics.

        A missing value drops out of the log-density; in the statistics it
        counts at its expectations under each component, ``E[x] = a / b`` and
        ``E[log x] = digamma(a) - log b`` (the E-step of the complete data;
        see docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy.stats import gamma
        >>> fitted = em.Gamma().with_params(shape=[[2.0, 3.0]], rate=[[1.0, 0.5]])
        >>> ev = fitted.evaluate_observed(np.array([[3.0, np.nan]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], gamma(2.0, scale=1.0).logpdf(3.0)))
        True
        >>> ev.stats(np.ones((1, 1))).sums["total"].tolist()
        [[3.0, 6.0]]
        """
        observed, filled = observed_and_filled(x)
        log_x = np.log(np.where(observed, filled, 1.0))  # log 1 = 0: a missing entry adds nothing to the sums
        a, b = self.params["shape"], self.params["rate"]
        log_prob = observed @ (a * np.log(b) - gammaln(a)).T + log_x @ (a - 1.0).T - filled @ b.T

        def stats(resp):
            return SumStats.of(
                resp,
                total=expected_sums(resp, filled, observed, a / b),
                log_total=expected_sums(resp, log_x, observed, digamma(a) - np.log(b)),
            )

        return Evaluation(log_prob, stats)

    def m_step(self, stats):
        """Shape from ``log a - digamma(a) = log(xbar) - mean(log x)`` (Newton), then ``b = a / xbar``.

        Raises
        ------
        DegenerateComponentError
            If a component's data in some feature have no detectable spread.

        Examples
        --------
        Both components see data with the same ratio of largest to smallest
        value, so they share a shape; the rates are ``shape / mean``:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Gamma(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.params["shape"].round(3).tolist(), fitted.params["rate"].round(3).tolist()
        ([[3.634], [3.634]], [[1.817], [0.909]])

        Data without spread have an unbounded shape:

        >>> em.Gamma().m_step(em.Gamma().stats(np.array([[2.0], [2.0]]), np.ones((2, 1))))
        Traceback (most recent call last):
        ...
        emkit.exceptions.DegenerateComponentError: gamma component 0 has (numerically) no spread in feature 0: its shape is unbounded
        """
        empty = stats.empty()
        weight = np.where(empty, 1.0, stats.weight)[:, None]
        mean = np.where(empty[:, None], 1.0, stats.sums["total"] / weight)
        mean_log = stats.sums["log_total"] / weight
        log_mean = np.log(np.where(mean > 0, mean, 1.0))
        delta = np.where(empty[:, None], 1.0, log_mean - mean_log)
        floor = 64 * np.finfo(float).eps * (1.0 + np.abs(log_mean))
        collapsed = delta <= floor
        if collapsed.any():
            k, j = map(int, np.argwhere(collapsed)[0])
            raise DegenerateComponentError(
                f"gamma component {k} has (numerically) no spread in feature {j}: its shape is unbounded"
            )
        shape = gamma_shape(delta)
        return self.with_params(**self.keep_empty({"shape": shape, "rate": shape / mean}, stats))

    def n_params(self):
        """A shape and a rate per component and feature.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Gamma(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        4
        """
        return int(self.params["shape"].size + self.params["rate"].size)

    def degenerate_components(self, counts):
        """Too few observations, or a spread collapsed far below the data's.

        Besides the count rule of every family, component k is degenerate in
        feature j when its variance ``a_kj / b_kj^2`` is below ``(1e-3)^2``
        times the data's variance of feature j (within- plus
        between-component, see :func:`~emkit.components.base.pooled_variance`):
        its shape has grown without bound on (nearly) tied values.

        Parameters
        ----------
        counts : ndarray of shape (K,)
            Effective sample sizes ``n_k = sum_i r_ik``.

        Returns
        -------
        dict
            ``{component: reason}``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Gamma(n_components=2).with_params(shape=[[2.0], [1e9]], rate=[[1.0], [1e8]])
        >>> fam.degenerate_components(np.array([50.0, 10.0]))
        {1: "spread in feature 0 is below 0.001 of the data's"}
        """
        shape, rate = self.params["shape"], self.params["rate"]
        variance = shape / np.square(rate)
        collapsed = collapsed_variances(variance, pooled_variance(counts, shape / rate, variance))
        return with_collapsed_spread(super().degenerate_components(counts), collapsed)

    def sample(self, component, rng):
        """Gamma draws with the parameters of ``component[i]`` in row i.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Gamma(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0))
        >>> draws.shape, bool((draws > 0).all())
        ((3, 1), True)
        """
        k = np.asarray(component, dtype=int)
        return rng.gamma(self.params["shape"][k], 1.0 / self.params["rate"][k])

"""Log-normal components for positive data, independent across features.

``log x_j`` is normal with mean ``mu_kj`` and standard deviation ``sigma_kj``::

    log f_k(x) = sum_j [-log x_j - log sigma_kj - 1/2 log(2 pi) - (log x_j - mu_kj)^2 / (2 sigma_kj^2)]

Statistics are those of a diagonal Gaussian on ``y = log x``
(:class:`~emkit.components.gaussian.GaussianStats`): the weight ``n_k``, the
weighted mean ``m_k`` of ``y`` and the centred scatter
``S_k = sum_i r_ik (y_i - m_k)^2``, merged across chunks with the pairwise
update of Chan, Golub & LeVeque, so no raw second moment is ever formed.
M-step::

    mu_k = m_k,    sigma_k^2 = S_k / n_k + reg_var
"""

from __future__ import annotations

import numpy as np

from ._support import reject_rows
from .base import Evaluation, collapsed_variances, pooled_variance, with_collapsed_spread
from .gaussian import GaussianStats
from .missing import observed_and_filled
from .parametric import ParametricFamily, SumStats
from .registry import register_family

_LOG_2PI = np.log(2.0 * np.pi)

#: Default ridge added to every variance of ``log x`` (squared log units).
DEFAULT_REG_VAR = 1e-6


@register_family
class LogNormal(ParametricFamily):
    """Log-normal components: ``mu`` and ``sigma`` of ``log x`` per component and feature.

    Parameters
    ----------
    n_components : int, default 1
        Number of components in this batch.
    reg_var : float, default 1e-6
        Added to every variance of ``log x`` in the M-step (squared log
        units, like the Gaussian's ``reg_covar``), so that a component whose
        log-data have no spread (one distinct value) keeps ``sigma > 0``
        instead of producing NaN. With ``reg_var=0`` such a component has
        ``sigma = 0`` and a log-density of ``+inf``/``-inf``; keep it positive.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.lognormal(0.5, 0.3, (1000, 1)), rng.lognormal(3.0, 0.5, (1000, 1))])
    >>> fit = em.Mixture(em.LogNormal(), n_components=2).fit(x, random_state=0)
    >>> order = np.argsort(fit.params.mu.values[:, 0])
    >>> fit.params.mu.values[order, 0].round(1).tolist(), fit.params.sigma.values[order, 0].round(1).tolist()
    ([0.5, 3.0], [0.3, 0.5])
    """

    kind = "lognormal"
    label = "log-normal"
    param_dims = {"mu": ("feature",), "sigma": ("feature",)}
    param_bounds = {"sigma": (0.0, np.inf)}

    def __init__(self, n_components: int = 1, *, params: dict | None = None, reg_var: float = DEFAULT_REG_VAR):
        reg_var = float(reg_var)
        if not np.isfinite(reg_var) or reg_var < 0:
            raise ValueError(f"reg_var must be a finite non-negative number, got {reg_var}")
        super().__init__(n_components, params=params, reg_var=reg_var)

    def check_data(self, x):
        """Every value must be finite and ``> 0``.

        Raises a ``ValueError`` naming the first bad row otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.LogNormal().check_data(np.array([[0.5], [2.0]]))
        >>> em.LogNormal().check_data(np.array([[0.5], [-2.0]]))
        Traceback (most recent call last):
        ...
        ValueError: log-normal components need finite positive data; row 1 is [-2.0] (1 bad row(s), rows counted from 0)
        """
        reject_rows(x, ~(x > 0) | ~np.isfinite(x), "log-normal components need finite positive data")

    def log_prob(self, x):
        """``sum_j -y_j - log sigma - log(2 pi)/2 - (y_j - mu)^2 / (2 sigma^2)`` with ``y = log x``, shape (n, K).

        Examples
        --------
        Components with ``mu = 1`` and ``mu = 2`` (``sigma = 1``), at ``x = 1``
        (``y = 0``):

        >>> import numpy as np, emkit as em
        >>> x = np.exp(np.array([[0.0], [2.0], [1.0], [3.0]]))
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.LogNormal(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(np.array([[1.0]])).round(3).tolist()
        [[-1.419, -2.919]]
        """
        mu, sigma = self.params["mu"], self.params["sigma"]
        y = np.log(x)
        z = (y[:, None, :] - mu[None]) / sigma[None]
        return -0.5 * np.sum(z * z, axis=2) - (np.log(sigma).sum(axis=1) + 0.5 * _LOG_2PI * mu.shape[1]) - y.sum(
            axis=1, keepdims=True
        )

    def stats(self, x, resp):
        """Diagonal :class:`GaussianStats` of ``log x``: ``n_k``, mean and centred scatter.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.exp(np.array([[0.0], [2.0], [1.0], [3.0]]))
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.LogNormal(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.mean.round(6).tolist(), s.scatter.round(6).tolist()
        ([2.0, 2.0], [[1.0], [2.0]], [[2.0], [2.0]])
        """
        return GaussianStats.from_data(np.log(x), resp, scatter_kind="diag")

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-density of the observed entries, and expected statistics.

        A missing value drops out of the log-density; in the statistics its
        ``log x_j`` counts at its mean ``mu_kj`` under each component, with its
        variance ``sigma_kj^2`` added to the scatter (the E-step of the
        complete data, a diagonal Gaussian's; see docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy.stats import lognorm
        >>> fitted = em.LogNormal().with_params(mu=[[0.0, 1.0]], sigma=[[1.0, 0.5]])
        >>> ev = fitted.evaluate_observed(np.array([[3.0, np.nan], [1.0, 2.0]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], lognorm(1.0).logpdf(3.0)))
        True
        >>> s = ev.stats(np.array([[1.0], [0.0]]))
        >>> s.mean.round(4).tolist(), s.scatter.tolist()  # log 3 and mu = 1; no spread but sigma^2
        ([[1.0986, 1.0]], [[0.0, 0.25]])
        """
        mu, sigma = self.params["mu"], self.params["sigma"]
        observed, y = observed_and_filled(np.log(x))
        z = np.where(observed[:, None, :], (y[:, None, :] - mu[None]) / sigma[None], 0.0)
        log_prob = -0.5 * np.sum(z * z, axis=2) - observed @ (np.log(sigma) + 0.5 * _LOG_2PI).T - y.sum(
            axis=1, keepdims=True
        )

        def stats(resp):
            completed = np.where(observed[None], y[None], mu[:, None, :])  # (K, n, d)
            weight = resp.sum(axis=0)
            mean = np.einsum("nk,knd->kd", resp, completed) / np.where(weight > 0, weight, 1.0)[:, None]
            scatter = np.einsum("nk,knd->kd", resp, np.square(completed - mean[:, None, :]))
            return GaussianStats(weight, mean, scatter + (resp.T @ ~observed) * np.square(sigma))

        return Evaluation(log_prob, stats)

    def m_step(self, stats):
        """``mu_k = m_k`` and ``sigma_k = sqrt(S_k / n_k + reg_var)``.

        Examples
        --------
        The mean and (ridged) standard deviation of ``log x`` in each component:

        >>> import numpy as np, emkit as em
        >>> x = np.exp(np.array([[0.0], [2.0], [1.0], [3.0]]))
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.LogNormal(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.params["mu"].round(6).tolist(), fitted.params["sigma"].round(6).tolist()
        ([[1.0], [2.0]], [[1.0], [1.0]])
        """
        weight = SumStats(stats.weight)
        empty = weight.empty()
        n = np.where(empty, 1.0, stats.weight)[:, None]
        sigma = np.sqrt(stats.scatter / n + self.options["reg_var"])
        return self.with_params(**self.keep_empty({"mu": stats.mean.copy(), "sigma": sigma}, weight))

    def n_params(self):
        """A ``mu`` and a ``sigma`` per component and feature.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.exp(np.array([[0.0], [2.0], [1.0], [3.0]]))
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.LogNormal(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        4
        """
        return int(self.params["mu"].size + self.params["sigma"].size)

    def degenerate_components(self, counts):
        """Too few observations, or a spread of ``log x`` collapsed far below the data's.

        Besides the count rule of every family, component k is degenerate in
        feature j when the variance of ``log x`` its data give it,
        ``sigma_kj^2 - reg_var``, is below ``(1e-3)^2`` times the data's
        variance of ``log x_j`` (within- plus between-component, see
        :func:`~emkit.components.base.pooled_variance`; exactly the sample
        variance of ``log x_j`` here). A component on tied values has
        ``sigma = sqrt(reg_var)``: its density at the tie is set by
        ``reg_var``, not the data.

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
        >>> x = np.r_[np.exp(np.random.default_rng(0).normal(size=(50, 1))), np.full((10, 1), 3.0)]
        >>> fam = em.LogNormal(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, np.eye(2)[[0] * 50 + [1] * 10]))
        >>> fitted.degenerate_components(np.array([50.0, 10.0]))
        {1: "spread of log x in feature 0 is below 0.001 of the data's"}
        """
        variance = np.square(self.params["sigma"])
        own = variance - self.options["reg_var"]
        collapsed = collapsed_variances(own, pooled_variance(counts, self.params["mu"], variance))
        return with_collapsed_spread(super().degenerate_components(counts), collapsed, "of log x in feature {}")

    def sample(self, component, rng):
        """Log-normal draws with the parameters of ``component[i]`` in row i.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.exp(np.array([[0.0], [2.0], [1.0], [3.0]]))
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.LogNormal(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0))
        >>> draws.shape, bool((draws > 0).all())
        ((3, 1), True)
        """
        k = np.asarray(component, dtype=int)
        return rng.lognormal(self.params["mu"][k], self.params["sigma"][k])

"""Poisson components for count vectors, independent across features.

``log f_k(x) = sum_j [x_j log lambda_kj - lambda_kj - log x_j!]``

Statistics: ``n_k = sum_i r_ik`` and ``s_k = sum_i r_ik x_i``; M-step
``lambda_k = s_k / n_k`` (the weighted mean count), or with a gamma prior
``Gamma(a, b)`` on every rate (``prior=GammaPrior(a, b)``) the posterior mode
``lambda_k = (s_k + a - 1) / (n_k + b)``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .base import Evaluation
from .missing import expected_sums, observed_and_filled
from .parametric import ParametricFamily, SumStats, xlogy_product
from .priors import GammaPrior, declared_prior
from .registry import register_family

@register_family
class Poisson(ParametricFamily):
    """Poisson components: one rate per component and feature.

    A rate estimated as exactly 0 (a feature that is 0 for every observation
    of a component) is kept as 0: a zero count then has probability 1 under
    that component (``0 log 0 = 0``), a positive count probability 0 and
    log-density ``-inf``, so a row that no component can emit is refused
    (:class:`~emkit.exceptions.NonFiniteDensityError`).

    Parameters
    ----------
    n_components : int, default 1
    prior : GammaPrior, optional
        A gamma prior on every rate: the M-step is then the posterior mode
        ``(s_kj + shape - 1) / (n_k + rate)``, never 0 when ``shape > 1``,
        and EM climbs the log-likelihood plus :meth:`log_prior`.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.poisson(2.0, (300, 1)), rng.poisson(20.0, (300, 1))])
    >>> fit = em.Mixture(em.Poisson(), n_components=2).fit(x, random_state=0)
    >>> sorted(fit.params.rate.values.ravel().round().tolist())
    [2.0, 20.0]
    """

    kind = "poisson"
    label = "Poisson"
    param_dims = {"rate": ("feature",)}
    default_init = "short_em"  # k-means++ on counts ties distances and lets large counts dominate
    param_bounds = {"rate": (0.0, np.inf)}

    def __init__(self, n_components: int = 1, *, params=None, prior=None):
        prior = declared_prior(GammaPrior, prior)
        super().__init__(n_components, params=params, **({} if prior is None else {"prior": prior.spec()}))

    @property
    def prior(self) -> GammaPrior | None:
        """The gamma prior of the rates, or None.

        Examples
        --------
        >>> import emkit as em
        >>> em.Poisson(prior=em.GammaPrior(2.0, 0.5)).prior
        GammaPrior(shape=2, rate=0.5)
        """
        return declared_prior(GammaPrior, self.options.get("prior"))

    def log_prior(self, stats=None) -> float:
        """``sum_kj log Gamma(lambda_kj | shape, rate)``; 0 without a prior.

        ``stats`` is not used: the prior has no data-dependent defaults.

        Examples
        --------
        >>> import emkit as em
        >>> fitted = em.Poisson(1, prior=em.GammaPrior(2.0, 1.0)).with_params(rate=[[1.0]])
        >>> round(fitted.log_prior(), 6)  # log(1 * e^-1)
        -1.0
        """
        prior = self.prior
        return 0.0 if prior is None else prior.log_density(self.params["rate"])

    def check_data(self, x):
        """Every value must be a non-negative integer count.

        Raises a ``ValueError`` naming the first bad row otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Poisson().check_data(np.array([[0.0], [3.0]]))
        >>> em.Poisson().check_data(np.array([[0.0], [1.5]]))
        Traceback (most recent call last):
        ...
        ValueError: Poisson components need non-negative integer counts; row 1 is [1.5]
        """
        if np.any(x < 0) or np.any(x != np.round(x)):
            bad = int(np.flatnonzero(np.any((x < 0) | (x != np.round(x)), axis=1))[0])
            raise ValueError(f"Poisson components need non-negative integer counts; row {bad} is {x[bad].tolist()}")

    def log_prob(self, x):
        """``sum_j x_j log lambda_kj - lambda_kj - log x_j!``, shape (n, K).

        Examples
        --------
        Rates 2 and 4: at ``x = 0`` the log-densities are ``-2`` and ``-4``:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Poisson(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(np.array([[0.0], [2.0]])).round(3).tolist()
        [[-2.0, -4.0], [-1.307, -1.921]]
        """
        rate = self.params["rate"]
        out = xlogy_product(x, rate)
        out -= rate.sum(axis=1)
        out -= gammaln(x + 1.0).sum(axis=1, keepdims=True)
        return out

    def stats(self, x, resp):
        """``n_k`` and ``sum_i r_ik x_i``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Poisson(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.sums["counts"].tolist()
        ([2.0, 2.0], [[4.0], [8.0]])
        """
        return SumStats.of(resp, counts=resp.T @ x)

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-density of the observed counts, and expected statistics.

        A missing count drops out of the log-density; in the statistics it
        counts at its expectation ``lambda_kj`` under each component (the
        E-step of the complete data; see docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy.stats import poisson
        >>> fitted = em.Poisson().with_params(rate=[[2.0, 5.0]])
        >>> ev = fitted.evaluate_observed(np.array([[3.0, np.nan]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], poisson(2.0).logpmf(3)))
        True
        >>> ev.stats(np.ones((1, 1))).sums["counts"].tolist()
        [[3.0, 5.0]]
        """
        observed, filled = observed_and_filled(x)
        rate = self.params["rate"]
        log_prob = xlogy_product(filled, rate) - observed @ rate.T - gammaln(filled + 1.0).sum(axis=1, keepdims=True)
        return Evaluation(log_prob, lambda resp: SumStats.of(resp, counts=expected_sums(resp, filled, observed, rate)))

    def m_step(self, stats):
        """``lambda_k = sum_i r_ik x_i / n_k``.

        Examples
        --------
        The rates are the weighted mean counts:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Poisson(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).params["rate"].tolist()
        [[2.0], [4.0]]
        """
        prior = self.prior
        if prior is not None:
            return self.with_params(rate=prior.mode(stats.sums["counts"], stats.weight[:, None]))
        safe = np.where(stats.empty(), 1.0, stats.weight)[:, None]
        return self.with_params(**self.keep_empty({"rate": stats.sums["counts"] / safe}, stats))

    def n_params(self):
        """One rate per component and feature.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Poisson(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        2
        """
        return int(self.params["rate"].size)

    def sample(self, component, rng):
        """Poisson draws with the rates of ``component[i]`` in row i.

        Examples
        --------
        Draws are whole counts, returned as floats:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Poisson(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0))
        >>> draws.shape, bool((draws == np.round(draws)).all())
        ((3, 1), True)
        """
        return rng.poisson(self.params["rate"][np.asarray(component, dtype=int)]).astype(float)

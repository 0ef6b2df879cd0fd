"""Bernoulli components for binary vectors, independent across features.

A mixture of them is latent class analysis. With ``p_kj`` the probability
that feature j is 1 in component k::

    log f_k(x) = sum_j [x_j log p_kj + (1 - x_j) log(1 - p_kj)]

Statistics: ``n_k = sum_i r_ik`` and ``s_k = sum_i r_ik x_i``; M-step
``p_k = s_k / n_k`` (the weighted proportion of ones).
"""

from __future__ import annotations

import numpy as np

from ._support import reject_rows
from .base import Evaluation
from .missing import expected_sums, observed_and_filled
from .parametric import ParametricFamily, SumStats, xlogy_product
from .registry import register_family


@register_family
class Bernoulli(ParametricFamily):
    """Bernoulli components: one probability of a 1 per component and feature.

    Probabilities estimated as exactly 0 or 1 (a feature constant within a
    component) are kept. The log-density uses the convention ``0 log 0 = 0``
    (as ``scipy.special.xlogy``), so it is exact and finite wherever the data
    are possible under the component. Where they are not (a 1 in a feature
    whose probability is 0, or a 0 where it is 1) it is ``-inf``, never NaN:
    the other components share the row, and a row that no component can
    emit is refused (:class:`~emkit.exceptions.NonFiniteDensityError`).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> p = np.array([[0.9, 0.9, 0.1], [0.1, 0.2, 0.8]])
    >>> x = (rng.random((1000, 3)) < p[rng.integers(0, 2, 1000)]).astype(float)
    >>> fit = em.Mixture(em.Bernoulli(), n_components=2).fit(x, n_init=3, random_state=0)
    >>> prob = fit.params.prob.values
    >>> prob[np.argsort(prob[:, 0])].round(1).tolist()
    [[0.1, 0.2, 0.8], [0.9, 0.9, 0.1]]
    """

    kind = "bernoulli"
    label = "Bernoulli"
    param_dims = {"prob": ("feature",)}
    default_init = "short_em"  # k-means++ on 0/1 columns ties most distances
    param_bounds = {"prob": (0.0, 1.0)}

    def check_data(self, x):
        """Every value must be 0 or 1 (``ValueError`` naming the first bad row otherwise).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Bernoulli().check_data(np.array([[0.0, 1.0]]))
        >>> em.Bernoulli().check_data(np.array([[0.0, 1.0], [1.0, 0.5]]))
        Traceback (most recent call last):
        ...
        ValueError: Bernoulli components need binary data (values 0 or 1); row 1 is [1.0, 0.5] (1 bad row(s), rows counted from 0)
        """
        reject_rows(x, (x != 0) & (x != 1), "Bernoulli components need binary data (values 0 or 1)")

    def log_prob(self, x):
        """``sum_j x_j log p_kj + (1 - x_j) log(1 - p_kj)`` with ``0 log 0 = 0``, shape (n, K).

        ``-inf`` where the data are impossible under a component (see the class).

        Examples
        --------
        Component 0 has ``p = [1, 0.5]``, component 1 has ``p = [0, 0.5]``; a
        row with a 1 in the first feature is impossible under component 1:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Bernoulli(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(x).round(3).tolist()
        [[-0.693, -inf], [-0.693, -inf], [-inf, -0.693], [-inf, -0.693]]
        """
        p = self.params["prob"]
        return xlogy_product(x, p) + xlogy_product(1.0 - x, 1.0 - p)

    def stats(self, x, resp):
        """``n_k`` and ``sum_i r_ik x_i``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Bernoulli(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.sums["ones"].tolist()
        ([2.0, 2.0], [[2.0, 1.0], [0.0, 1.0]])
        """
        return SumStats.of(resp, ones=resp.T @ x)

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-probability of the observed entries, and expected statistics.

        A missing entry drops out of the log-probability; in the statistics it
        counts as its expectation ``p_kj`` under each component (the E-step
        of the complete data; see docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fitted = em.Bernoulli().with_params(prob=[[0.2, 0.9]])
        >>> ev = fitted.evaluate_observed(np.array([[1.0, np.nan]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], np.log(0.2)))
        True
        >>> ev.stats(np.ones((1, 1))).sums["ones"].tolist()
        [[1.0, 0.9]]
        """
        observed, filled = observed_and_filled(x)
        p = self.params["prob"]
        log_prob = xlogy_product(filled, p) + xlogy_product(observed - filled, 1.0 - p)
        return Evaluation(log_prob, lambda resp: SumStats.of(resp, ones=expected_sums(resp, filled, observed, p)))

    def m_step(self, stats):
        """``p_k = sum_i r_ik x_i / n_k``, clipped to [0, 1] against rounding.

        Examples
        --------
        The weighted proportions of ones:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Bernoulli(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).params["prob"].tolist()
        [[1.0, 0.5], [0.0, 0.5]]
        """
        safe = np.where(stats.empty(), 1.0, stats.weight)[:, None]
        prob = np.clip(stats.sums["ones"] / safe, 0.0, 1.0)
        return self.with_params(**self.keep_empty({"prob": prob}, stats))

    def n_params(self):
        """One probability per component and feature.

        Examples
        --------
        Two components and two features:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Bernoulli(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        4
        """
        return int(self.params["prob"].size)

    def sample(self, component, rng):
        """Bernoulli draws (0.0 or 1.0) with the probabilities of ``component[i]`` in row i.

        Examples
        --------
        Component 0 always has a 1 in the first feature, component 1 never:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Bernoulli(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 0, 1]), np.random.default_rng(0))
        >>> draws.shape, draws[:, 0].tolist()
        ((3, 2), [1.0, 1.0, 0.0])
        """
        p = self.params["prob"][np.asarray(component, dtype=int)]
        return (rng.random(p.shape) < p).astype(float)

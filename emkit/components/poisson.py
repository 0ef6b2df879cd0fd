"""Poisson components for count vectors, independent across features.

``log f_k(x) = sum_j [x_j log lambda_kj - lambda_kj - log x_j!]``

Statistics: ``n_k = sum_i r_ik`` and ``s_k = sum_i r_ik x_i``; M-step
``lambda_k = s_k / n_k`` (the weighted mean count).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .parametric import ParametricFamily, SumStats, safe_log
from .registry import register_family

@register_family
class Poisson(ParametricFamily):
    """Poisson components: one rate per component and feature.

    A rate estimated as exactly 0 (a feature that is 0 for every observation
    of a component) is kept as 0; its log is floored at ``log(5e-324)`` so that
    log-densities stay finite.

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
        out = x @ safe_log(rate).T
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

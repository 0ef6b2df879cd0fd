"""Poisson components for count vectors, independent across features.

``log f_k(x) = sum_j [x_j log lambda_kj - lambda_kj - log x_j!]``

Statistics: ``n_k = sum_i r_ik`` and ``s_k = sum_i r_ik x_i``; M-step
``lambda_k = s_k / n_k`` (the weighted mean count).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .parametric import ParametricFamily, SumStats, safe_log

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

    def check_data(self, x):
        if np.any(x < 0) or np.any(x != np.round(x)):
            bad = int(np.flatnonzero(np.any((x < 0) | (x != np.round(x)), axis=1))[0])
            raise ValueError(f"Poisson components need non-negative integer counts; row {bad} is {x[bad].tolist()}")

    def log_prob(self, x):
        """``sum_j x_j log lambda_kj - lambda_kj - log x_j!``, shape (n, K)."""
        rate = self.params["rate"]
        out = x @ safe_log(rate).T
        out -= rate.sum(axis=1)
        out -= gammaln(x + 1.0).sum(axis=1, keepdims=True)
        return out

    def stats(self, x, resp):
        """``n_k`` and ``sum_i r_ik x_i``."""
        return SumStats.of(resp, counts=resp.T @ x)

    def m_step(self, stats):
        """``lambda_k = sum_i r_ik x_i / n_k``."""
        safe = np.where(stats.empty(), 1.0, stats.weight)[:, None]
        return self.with_params(**self.keep_empty({"rate": stats.sums["counts"] / safe}, stats))

    def n_params(self):
        """One rate per component and feature."""
        return int(self.params["rate"].size)

    def sample(self, component, rng):
        """Poisson draws with the rates of ``component[i]`` in row i."""
        return rng.poisson(self.params["rate"][np.asarray(component, dtype=int)]).astype(float)

"""Information criteria, on scikit-learn's scale: lower is better.

With L the maximised observed-data log-likelihood, p free parameters and n
observations:

* ``BIC = -2 L + p log n`` (Schwarz, 1978);
* ``AIC = -2 L + 2 p`` (Akaike, 1974);
* ``ICL = BIC - 2 sum_i log r_{i, z_i}`` where ``z_i = argmax_k r_ik`` is the
  MAP classification (Biernacki, Celeux & Govaert, 2000, in mclust's
  hard-classification form). It penalises overlapping components.

mclust reports ``-BIC`` and ``-ICL`` (higher is better); the numbers are the
same up to the sign.
"""

from __future__ import annotations

import numpy as np


def bic(log_likelihood: float, n_params: int, n_obs: float) -> float:
    """Bayesian information criterion ``-2 L + p log n``.

    Examples
    --------
    >>> from emkit.results.criteria import bic
    >>> round(float(bic(-100.0, 5, 100)), 4)
    223.0259
    """
    return float(-2.0 * log_likelihood + n_params * np.log(n_obs))


def aic(log_likelihood: float, n_params: int) -> float:
    """Akaike information criterion ``-2 L + 2 p``.

    Examples
    --------
    >>> from emkit.results.criteria import aic
    >>> aic(-100.0, 5)
    210.0
    """
    return float(-2.0 * log_likelihood + 2.0 * n_params)


def icl(log_likelihood: float, n_params: int, n_obs: float, classification_log_likelihood: float) -> float:
    """Integrated completed likelihood ``BIC - 2 sum_i log max_k r_ik``.

    Examples
    --------
    >>> from emkit.results.criteria import icl
    >>> round(float(icl(-100.0, 5, 100, -3.0)), 4)
    229.0259
    """
    return float(bic(log_likelihood, n_params, n_obs) - 2.0 * classification_log_likelihood)

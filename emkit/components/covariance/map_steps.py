r"""MAP M-steps of the covariance structures under a conjugate prior (Fraley & Raftery, 2007).

Each component's mean has the prior ``N(mu_P, Sigma_k / kappa)`` and the
covariance an inverse-Wishart ``IW(nu, Lambda)`` (VVV, EEE) or each variance
an inverse gamma ``IG(nu / 2, zeta^2 / 2)`` (VVI, EEI, VII, EII); see
:mod:`emkit.components.priors`. With the weights ``n_k``, weighted means
``xbar_k`` and scatters ``W_k`` of the E-step, the posterior mode is

.. math::

    \mu_k = \frac{n_k \bar x_k + \kappa \mu_P}{n_k + \kappa}, \qquad
    B_k = W_k + \frac{\kappa n_k}{n_k + \kappa} (\bar x_k - \mu_P)(\bar x_k - \mu_P)^T

and, with ``n = sum_k n_k``, ``G`` components and ``d`` features,

======  ==========================================================  ================================
name    covariance                                                  denominator
======  ==========================================================  ================================
VVV     ``Sigma_k = (Lambda + B_k) / den``                          ``nu + n_k + d + 2``
EEE     ``Sigma = (Lambda + sum_k B_k) / den``                      ``nu + n + d + G + 1``
VVI     ``sigma_kj^2 = (zeta^2 + B_kjj) / den``                     ``nu + n_k + 3``
EEI     ``sigma_j^2 = (zeta^2 + sum_k B_kjj) / den``                ``nu + n + G + 2``
VII     ``sigma_k^2 = (zeta^2 + tr B_k) / den``                     ``nu + (n_k + 1) d + 2``
EII     ``sigma^2 = (zeta^2 + sum_k tr B_k) / den``                 ``nu + (n + G) d + 2``
======  ==========================================================  ================================

Each denominator is the prior's exponent of the covariance (``nu + d + 1``
for the inverse Wishart, ``nu + 2`` for an inverse gamma, doubled), plus one
power per mean prior and per observation (``d`` powers for a spherical
variance). Without mean shrinkage (``kappa = 0``) the means are the weighted
means and the mean priors' powers drop out. ``reg_covar`` is added to the
diagonal afterwards, as in the maximum-likelihood M-step.
"""

from __future__ import annotations

import numpy as np

from .structure import CovarianceStructure

#: The power of each covariance parameter in its prior density (times 2, less ``nu``), from ``d``.
_PRIOR_POWER = {"full": lambda d: d + 1, "diag": lambda d: 2, "spherical": lambda d: 2}
#: Powers per mean prior and per observation, from ``d``.
_POWER_PER_COUNT = {"full": lambda d: 1, "diag": lambda d: 1, "spherical": lambda d: d}


def _form(structure: CovarianceStructure) -> str:
    """``"full"``, ``"diag"`` or ``"spherical"``: what the structure keeps of the scatter (by its mclust name)."""
    name = structure.name
    if name[1] == "I":
        return "spherical"
    return "diag" if name[2] == "I" else "full"


def map_estimate(structure: CovarianceStructure, weight: np.ndarray, mean: np.ndarray, scatter: np.ndarray,
                 hyper, reg_covar: float) -> tuple[np.ndarray, CovarianceStructure]:
    """The posterior modes of the means and of the structure's covariances.

    Parameters
    ----------
    structure : CovarianceStructure
        One of EII, VII, EEI, VVI, EEE, VVV.
    weight : ndarray (K,)
        ``n_k``.
    mean : ndarray (K, d)
        Weighted means ``xbar_k``.
    scatter : ndarray (K, d, d) or (K, d)
        ``W_k`` about ``xbar_k`` (its diagonal for the axis-aligned structures).
    hyper : GaussianHyperparameters
        ``shrinkage``, ``mean``, ``dof``, ``scale`` (see :mod:`emkit.components.priors`).
    reg_covar : float
        Added to the covariances' diagonal.

    Returns
    -------
    means : ndarray (K, d)
    structure : CovarianceStructure
        A new fitted structure of the same kind.

    Examples
    --------
    One component, one dimension (VII): ``(zeta^2 + W + kappa n / (n + kappa) xbar^2) / (nu + n + 3)``.

    >>> import numpy as np
    >>> from emkit.components.covariance import covariance_structure
    >>> from emkit.components.covariance.map_steps import map_estimate
    >>> from emkit.components.priors import GaussianHyperparameters
    >>> hyper = GaussianHyperparameters(1.0, np.zeros(1), 3.0, 2.0)
    >>> means, fitted = map_estimate(covariance_structure("VII"), np.array([3.0]), np.array([[2.0]]),
    ...                              np.array([[6.0]]), hyper, 0.0)
    >>> means.tolist(), fitted.values.tolist()  # (3 * 2) / 4; (2 + 6 + 0.75 * 4) / 9
    ([[1.5]], [1.2222222222222223])
    """
    form = _form(structure)
    d = mean.shape[1]
    kappa = hyper.shrinkage
    means = (weight[:, None] * mean + kappa * hyper.mean) / (weight + kappa)[:, None]
    offset = mean - hyper.mean
    pull = kappa * weight / (weight + kappa)
    if scatter.ndim == 3:
        shrunk = scatter + pull[:, None, None] * offset[:, :, None] * offset[:, None, :]
    else:
        shrunk = scatter + pull[:, None] * np.square(offset)
    if form == "spherical":
        shrunk = np.diagonal(shrunk, axis1=1, axis2=2).sum(axis=1) if shrunk.ndim == 3 else shrunk.sum(axis=1)
    elif form == "diag" and shrunk.ndim == 3:
        shrunk = np.diagonal(shrunk, axis1=1, axis2=2)
    per_count = _POWER_PER_COUNT[form](d)
    mean_priors = 1 if kappa > 0 else 0
    base = hyper.dof + _PRIOR_POWER[form](d)
    if structure.shared:
        K = len(weight)
        pooled = (hyper.scale + shrunk.sum(axis=0)) / (base + per_count * (weight.sum() + mean_priors * K))
        values = np.repeat(pooled[None], K, axis=0)
    else:
        denominator = base + per_count * (weight + mean_priors)
        values = (hyper.scale + shrunk) / denominator.reshape((-1,) + (1,) * (shrunk.ndim - 1))
    return means, structure.with_values(values, reg_covar)

"""Standard errors and confidence intervals from the observed information.

The free parameters ``theta`` of a fitted mixture are the ``K - 1`` first
weights and every family's ``free_parameters()`` (as many as ``n_params``).
The observed information is minus the Hessian of the observed-data
log-likelihood ``l(theta) = sum_i log p(x_i | theta)`` at the estimate,
computed by central second differences

    H_ij ~ [l(t + h_i e_i + h_j e_j) - l(t + h_i e_i - h_j e_j)
            - l(t - h_i e_i + h_j e_j) + l(t - h_i e_i - h_j e_j)] / (4 h_i h_j)

with ``h_i = 1e-4 max(|theta_i|, 1e-8)``, so any family works (a
numerically differentiated score). ``Cov(theta) = (-H)^{-1}``; every
reported parameter ``phi`` (all entries of ``fit.params``, including the
last weight and both triangles of a covariance matrix) gets its covariance
by the delta method, ``J Cov(theta) J^T`` with ``J = d phi / d theta`` from
central differences. Intervals are ``estimate +- z SE`` (normal).

This costs ``2 p (p + 1)`` passes over the data for ``p`` free parameters,
so it suits models with up to a few hundred parameters; above
``max_params`` use :func:`emkit.bootstrap`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..em.chunks import ChunkedData, auto_chunk_size
from ..em.driver import e_step
from ..models.mixture import FiniteMixture


def free_parameters(mixture: FiniteMixture) -> np.ndarray:
    """``K - 1`` weights, then every family's free parameters.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> free_parameters(fit.mixture).size == fit.n_params
    True
    """
    return np.concatenate([mixture.weights[:-1]] + [_free_of(f) for f in mixture.families])


def with_free_parameters(mixture: FiniteMixture, vector: np.ndarray) -> FiniteMixture:
    """The mixture holding ``vector`` (inverse of :func:`free_parameters`; the last weight is one minus the others).

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> theta = free_parameters(fit.mixture)
    >>> bool((free_parameters(with_free_parameters(fit.mixture, theta)) == theta).all())
    True
    """
    K = mixture.n_components
    weights = np.append(vector[: K - 1], 1.0 - np.sum(vector[: K - 1]))
    families, start = [], K - 1
    for family in mixture.families:
        size = _free_of(family).size
        families.append(family.with_free_parameters(vector[start: start + size]))
        start += size
    return FiniteMixture(families, weights)


def _free_of(family) -> np.ndarray:
    if not hasattr(family, "free_parameters"):
        raise TypeError(
            f"{type(family).__name__} has no free_parameters(); standard errors need it (or use em.bootstrap)"
        )
    return np.asarray(family.free_parameters(), dtype=float)


def parameter_labels(params) -> tuple[list[str], np.ndarray]:
    """Labels like ``means[1, waiting]`` and values of every finite entry of a parameter Dataset.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> labels, values = parameter_labels(fit.params)
    >>> labels[:3]
    ['weights[0]', 'weights[1]', 'means[0, eruptions]']
    """
    labels, values = [], []
    for name, var in params.data_vars.items():
        if not np.issubdtype(var.dtype, np.floating) or name == "column_role":
            continue
        coords = [var[d].values if d in var.coords else np.arange(var.sizes[d]) for d in var.dims]
        for index in np.ndindex(var.shape):
            value = float(var.values[index])
            if np.isfinite(value):
                labels.append(f"{name}[{', '.join(str(c[i]) for c, i in zip(coords, index))}]")
                values.append(value)
    return labels, np.array(values)


def summary(fit, X, level: float = 0.95, max_params: int = 300) -> pd.DataFrame:
    """Estimates with standard errors and confidence intervals, one row per scalar parameter.

    Parameters
    ----------
    fit : FitResult
    X : data
        The data the fit was fitted to (the information is computed on it).
    level : float, default 0.95
        Confidence level of the intervals.
    max_params : int, default 300
        Above this many free parameters, raise (the Hessian would take too
        long); use :func:`emkit.bootstrap` instead.

    Returns
    -------
    pandas.DataFrame
        Index: ``name[coordinates]``; columns ``estimate``, ``std_error``,
        ``lower``, ``upper``. Parameters that are not estimated by the
        likelihood (fixed values, a noise component's box) have NaN errors.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> table = em.summary(fit, X)
    >>> table.loc["weights[0]", ["estimate", "std_error"]].round(3).tolist()
    [0.644, 0.029]
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    obs = fit._observations(X)
    data = ChunkedData(obs.values, None, auto_chunk_size(fit.mixture.working_floats_per_row(obs.n_features)))
    theta = free_parameters(fit.mixture)
    if theta.size > max_params:
        raise ValueError(
            f"the model has {theta.size} free parameters (> max_params={max_params}): the observed information "
            "would take too long; use em.bootstrap for standard errors"
        )

    def loglik(vector):
        return e_step(with_free_parameters(fit.mixture, vector), data).log_likelihood

    def reported(vector):
        return parameter_labels(with_free_parameters(fit.mixture, vector).to_dataset(fit.features))[1]

    steps = 1e-4 * np.maximum(np.abs(theta), 1e-8)
    cov = _inverse_information(_hessian(loglik, theta, steps))
    labels, estimate = parameter_labels(fit.params)
    jacobian = np.column_stack(
        [(reported(theta + h * e) - reported(theta - h * e)) / (2 * h) for h, e in zip(steps, np.eye(theta.size))]
    ) if theta.size else np.zeros((len(estimate), 0))
    variance = np.einsum("ij,jk,ik->i", jacobian, cov, jacobian)
    std_error = np.sqrt(np.where(variance >= 0, variance, np.nan))
    std_error[~np.any(jacobian != 0, axis=1)] = np.nan  # not a function of the free parameters
    z = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame(
        {"estimate": estimate, "std_error": std_error, "lower": estimate - z * std_error, "upper": estimate + z * std_error},
        index=pd.Index(labels, name="parameter"),
    )


def _hessian(function, theta: np.ndarray, steps: np.ndarray) -> np.ndarray:
    p = theta.size
    hessian = np.empty((p, p))
    centre = function(theta)
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = steps[i]
        hessian[i, i] = (function(theta + 2 * ei) - 2 * centre + function(theta - 2 * ei)) / (4 * steps[i] ** 2)
        for j in range(i):
            ej = np.zeros(p)
            ej[j] = steps[j]
            value = (
                function(theta + ei + ej) - function(theta + ei - ej) - function(theta - ei + ej) + function(theta - ei - ej)
            ) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    return hessian


def _inverse_information(hessian: np.ndarray) -> np.ndarray:
    information = -hessian
    eigenvalues = np.linalg.eigvalsh(information) if information.size else np.ones(1)
    if np.any(eigenvalues <= 0):
        import warnings

        warnings.warn(
            "the observed information is not positive definite (the estimate is at a boundary or not a "
            "maximum); standard errors are NaN where undefined — use em.bootstrap",
            UserWarning,
            stacklevel=3,
        )
        return np.linalg.pinv(information)
    return np.linalg.inv(information)

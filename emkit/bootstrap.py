"""Bootstrap replicates of a fit, with component labels aligned to the reference.

Each replicate refits the same model, started from the reference parameters,
to a resample: rows drawn with replacement (``kind="nonparametric"``) or a
sample of the same size drawn from the fitted mixture (``"parametric"``).
Mixture components have no fixed order, so every replicate's components are
matched to the reference's by the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on their parameters, each
parameter coordinate scaled by its spread across the reference components
(at least a tenth of its typical size).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from scipy.optimize import linear_sum_assignment

from ._input import as_observations
from .estimators import Mixture
from .results.fit_result import FitResult

KINDS = ("nonparametric", "parametric")


def component_profile(params: xr.Dataset) -> np.ndarray:
    """Every finite per-component parameter as one row per component, shape (K, m).

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> component_profile(fit.params).shape
    (2, 7)
    """
    columns = []
    for var in params.data_vars.values():
        if var.dims and var.dims[0] == "component":
            columns.append(var.values.reshape(var.sizes["component"], -1))
    profile = np.concatenate(columns, axis=1)
    return profile[:, np.all(np.isfinite(profile), axis=0)]


def align(reference: xr.Dataset, replicate: xr.Dataset) -> np.ndarray:
    """Order of ``replicate``'s components that best matches ``reference``'s.

    ``replicate.isel(component=align(reference, replicate))`` has its
    components in the reference's order.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(3).fit(em.datasets.load("faithful"), random_state=0)
    >>> shuffled = fit.params.isel(component=[2, 0, 1])
    >>> align(fit.params, shuffled).tolist()
    [1, 2, 0]
    """
    ref, rep = component_profile(reference), component_profile(replicate)
    # A coordinate's scale: its spread across the reference components, but at least a
    # tenth of its typical size, so near-equal coordinates (say two weights of 0.5)
    # do not dominate the matching.
    scale = np.maximum(ref.std(axis=0), 0.1 * np.abs(ref).mean(axis=0)) + 1e-300
    cost = np.square((ref[:, None, :] - rep[None, :, :]) / scale).sum(axis=2)
    _, order = linear_sum_assignment(cost)
    return order


def bootstrap(
    fit: FitResult,
    X,
    n_boot: int = 100,
    kind: str = "nonparametric",
    random_state=None,
    **fit_options,
) -> xr.Dataset:
    """Refit on resamples; replicates of every parameter over a ``draw`` dimension.

    Parameters
    ----------
    fit : FitResult
        The reference fit.
    X : data
        The data ``fit`` was fitted to.
    n_boot : int, default 100
        Number of replicates.
    kind : {"nonparametric", "parametric"}
        Resample rows of ``X``, or draw from the fitted mixture.
    random_state : int, Generator or None
    **fit_options
        Passed to ``fit`` (``max_iter``, ``tol``...). Each replicate starts
        from ``fit.params``.

    Returns
    -------
    xarray.Dataset
        ``fit.params``' variables with a leading ``draw`` dimension, aligned
        to the reference's components, plus ``log_likelihood(draw)`` and
        ``error(draw)`` (why a replicate failed; its parameters are NaN).

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> boot = em.bootstrap(fit, X, n_boot=5, random_state=1)
    >>> boot.means.sizes["draw"]
    5
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    obs = as_observations(X, categories=fit.categories if fit.mixture.accepts_categorical else None)
    rng = np.random.default_rng(random_state)
    model = Mixture(list(fit.mixture.families))
    reference = fit.params
    replicates, loglik, errors = [], [], []
    for _ in range(int(n_boot)):
        if kind == "nonparametric":
            rows = obs.values[rng.integers(obs.n_obs, size=obs.n_obs)]
        else:
            rows = fit.sample(obs.n_obs, random_state=rng).values
        data = xr.DataArray(rows, dims=("observation", "feature"), coords={"feature": fit.features})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                refit = model.fit(data, init=reference, random_state=rng, **fit_options)
        except ValueError as err:
            replicates.append(xr.full_like(reference, np.nan))
            loglik.append(np.nan)
            errors.append(f"{type(err).__name__}: {err}")
            continue
        params = refit.params.isel(component=align(reference, refit.params))
        replicates.append(params.assign_coords(component=reference.component.values))
        loglik.append(refit.log_likelihood)
        errors.append("")
    out = xr.concat(replicates, dim="draw", coords="minimal", compat="override", join="override")
    out = out.assign_coords(draw=np.arange(len(replicates)))
    out["log_likelihood"] = ("draw", np.array(loglik))
    out["error"] = ("draw", np.array(errors, dtype=str))
    out.attrs = {"kind": kind, "n_boot": int(n_boot)}
    return out

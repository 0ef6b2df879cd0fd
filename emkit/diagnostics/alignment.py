"""Matching the components of two fits (label switching).

Mixture components have no fixed order. Two parameter Datasets of the same
model are matched by the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on all their per-component
parameters, each coordinate scaled by its spread across the reference
components, but at least a tenth of its typical size, so near-equal
coordinates (two weights of 0.5) do not decide the matching.

In a mixture of several families a component's parameters are NaN in the
other families' variables. Components are matched only to components with
the same parameters (the same family): two Gaussian components are told
apart by their means and covariances even when a uniform noise component,
which has neither, sits beside them.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import linear_sum_assignment


def latent_dim(params: xr.Dataset) -> str:
    """The dimension of the components: ``state`` for a hidden Markov model's parameters, else ``component``."""
    return "state" if "state" in params.dims else "component"


def reordered(params: xr.Dataset, order) -> xr.Dataset:
    """``params`` with its components in ``order`` (a hidden Markov model's ``next_state`` along with ``state``).

    Examples
    --------
    >>> import xarray as xr
    >>> from emkit.diagnostics.alignment import reordered
    >>> params = xr.Dataset({"transmat": (("state", "next_state"), [[0.9, 0.1], [0.3, 0.7]])})
    >>> reordered(params, [1, 0]).transmat.values.tolist()
    [[0.7, 0.3], [0.1, 0.9]]
    """
    return params.isel({dim: order for dim in (latent_dim(params), "next_state") if dim in params.dims})


def component_profile(params: xr.Dataset) -> np.ndarray:
    """Every finite per-component parameter as one row per component, shape (K, m).

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> from emkit.diagnostics.alignment import component_profile
    >>> component_profile(fit.params).shape
    (2, 7)
    """
    profile = _parameter_rows(params)
    return profile[:, np.all(np.isfinite(profile), axis=0)]


#: A hidden Markov model's chain parameters: what its states are, not what they emit.
CHAIN_VARIABLES = ("startprob", "transmat")


def _parameter_rows(params: xr.Dataset, within_rows: bool = True) -> np.ndarray:
    """Every per-component parameter, NaN where a component's family lacks it, shape (K, m).

    ``within_rows=False`` keeps only what the components emit: it leaves
    out a hidden Markov model's chain parameters (:data:`CHAIN_VARIABLES`),
    whose ``transmat`` columns are in the states' own order and whose
    ``startprob`` depends on a few sequences' first steps.
    """
    latent = latent_dim(params)
    columns = [
        var.values.reshape(var.sizes[latent], -1).astype(float)
        for var in params.data_vars.values()
        if var.dims and var.dims[0] == latent and (within_rows or var.name not in CHAIN_VARIABLES)
    ]
    return np.concatenate(columns, axis=1)


def _column_scale(rows: np.ndarray) -> np.ndarray:
    """Per column: the spread over the finite entries, but at least a tenth of their mean size."""
    finite = np.isfinite(rows)
    count = np.maximum(finite.sum(axis=0), 1)
    filled = np.where(finite, rows, 0.0)
    mean = filled.sum(axis=0) / count
    spread = np.sqrt((finite * np.square(filled - mean)).sum(axis=0) / count)
    return np.maximum(spread, 0.1 * np.abs(filled).sum(axis=0) / count) + 1e-300


def align(reference: xr.Dataset, replicate: xr.Dataset) -> np.ndarray:
    """Order of ``replicate``'s components that best matches ``reference``'s.

    ``replicate.isel(component=align(reference, replicate))`` has its
    components in the reference's order.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(3).fit(em.datasets.load("faithful"), random_state=0)
    >>> from emkit.diagnostics.alignment import align
    >>> shuffled = fit.params.isel(component=[2, 0, 1])
    >>> align(fit.params, shuffled).tolist()
    [1, 2, 0]

    Components of different families are never matched to each other:

    >>> import numpy as np, xarray as xr
    >>> ref = xr.Dataset({"weights": ("component", [0.45, 0.49, 0.06]),
    ...                   "means": ("component", [0.0, 6.0, np.nan]),
    ...                   "lower": ("component", [np.nan, np.nan, -5.0])})
    >>> swapped = ref.isel(component=[1, 0, 2]).assign(weights=("component", [0.45, 0.49, 0.06]))
    >>> align(ref, swapped).tolist()
    [1, 0, 2]
    """
    ref, rep = _parameter_rows(reference, within_rows=False), _parameter_rows(replicate, within_rows=False)
    both = np.isfinite(ref)[:, None, :] & np.isfinite(rep)[None, :, :]
    gaps = np.where(both, (np.nan_to_num(ref)[:, None, :] - np.nan_to_num(rep)[None, :, :]) / _column_scale(ref), 0.0)
    cost = np.square(gaps).sum(axis=2)
    other_family = np.any(np.isfinite(ref)[:, None, :] != np.isfinite(rep)[None, :, :], axis=2)
    cost[other_family] = 1e6 * (1.0 + cost.max())
    _, order = linear_sum_assignment(cost)
    return order

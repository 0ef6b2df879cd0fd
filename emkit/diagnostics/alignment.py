"""Matching the components of two fits (label switching).

Mixture components have no fixed order. Two parameter Datasets of the same
model are matched by the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on all their per-component
parameters, each coordinate scaled by its spread across the reference
components, but at least a tenth of its typical size, so near-equal
coordinates (two weights of 0.5) do not decide the matching.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import linear_sum_assignment


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
    >>> from emkit.diagnostics.alignment import align
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

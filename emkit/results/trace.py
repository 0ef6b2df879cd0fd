"""The iteration history of all restarts as an xarray Dataset."""

from __future__ import annotations

import numpy as np
import xarray as xr


#: Prefix of the variables holding each restart's final parameters.
FINAL_PREFIX = "final_"


def trace_dataset(histories, converged, errors, final_params=None) -> xr.Dataset:
    """Log-likelihood over ``(restart, iteration)``, padded with NaN.

    Iteration 0 is the log-likelihood of the initial parameters, iteration t
    that after t M-steps. A failed restart has an all-NaN row and its reason
    in ``error``. ``final_params`` (one parameter Dataset per restart, None
    for a failed one) adds each restart's final parameters as
    ``final_<name>`` variables over ``restart`` and the parameter's dims.

    Examples
    --------
    >>> from emkit.results.trace import trace_dataset
    >>> ds = trace_dataset([[-3.0, -2.0], [-4.0]], [True, False], ["", ""])
    >>> ds.log_likelihood.shape
    (2, 2)
    """
    length = max(len(h) for h in histories)
    table = np.full((len(histories), length), np.nan)
    for row, history in zip(table, histories):
        row[: len(history)] = history
    n_iter = np.array([max(0, np.count_nonzero(np.isfinite(h)) - 1) for h in histories])
    trace = xr.Dataset(
        {
            "log_likelihood": (("restart", "iteration"), table),
            "converged": ("restart", np.asarray(converged, dtype=bool)),
            "n_iter": ("restart", n_iter),
            "error": ("restart", np.asarray(errors, dtype=str)),
        },
        coords={"restart": np.arange(len(histories)), "iteration": np.arange(length)},
    )
    if final_params is not None:
        template = next(p for p in final_params if p is not None)
        stacked = xr.concat(
            [_without_attrs(p if p is not None else xr.full_like(template, np.nan)) for p in final_params],
            dim="restart",
            coords="minimal",
        )
        stacked = stacked.rename({name: FINAL_PREFIX + name for name in stacked.data_vars})
        trace = xr.merge([trace, stacked.assign_coords(restart=trace.restart)], combine_attrs="drop")
    return trace


def _without_attrs(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy of ``ds`` without attributes (``Dataset.drop_attrs`` is ~50x slower)."""
    out = ds.copy(deep=False)
    out.attrs = {}
    for variable in out.variables.values():
        variable.attrs = {}
    return out

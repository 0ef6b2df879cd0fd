"""The iteration history of all restarts as an xarray Dataset."""

from __future__ import annotations

import numpy as np
import xarray as xr


def trace_dataset(histories, converged, errors) -> xr.Dataset:
    """Log-likelihood over ``(restart, iteration)``, padded with NaN.

    Iteration 0 is the log-likelihood of the initial parameters, iteration t
    that after t M-steps. A failed restart has an all-NaN row and its reason
    in ``error``.

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
    return xr.Dataset(
        {
            "log_likelihood": (("restart", "iteration"), table),
            "converged": ("restart", np.asarray(converged, dtype=bool)),
            "n_iter": ("restart", n_iter),
            "error": ("restart", np.asarray(errors, dtype=str)),
        },
        coords={"restart": np.arange(len(histories)), "iteration": np.arange(length)},
    )

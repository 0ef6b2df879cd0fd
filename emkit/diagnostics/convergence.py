"""Convergence diagnostics across the restarts of a fit.

For every restart: its final log-likelihood and the gap to the best; whether
it reached the best optimum (a gap within the fit's tolerance scale and
parameters equal after label alignment); how far its parameters are from
the best's; and the Aitken-accelerated estimate of the log-likelihood it
was converging to (McLachlan & Krishnan, 2008, sec. 4.9; Böhning et al.,
1994): with the last three values ``l0, l1, l2`` of a restart,

    a = (l2 - l1) / (l1 - l0),    l_inf = l1 + (l2 - l1) / (1 - a)

which is where a linearly converging sequence with rate ``a`` ends up.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..results.trace import FINAL_PREFIX
from .alignment import align, component_profile, reordered


def aitken_limit(history: np.ndarray) -> float:
    """Aitken-accelerated limit of a log-likelihood sequence (its last value if it cannot be formed).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.diagnostics.convergence import aitken_limit
    >>> history = -10.0 - 0.5 ** np.arange(10)   # converges linearly to -10 with rate 1/2
    >>> round(aitken_limit(history), 12)
    -10.0
    """
    values = np.asarray(history, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 3:
        return float(values[-1]) if len(values) else float("nan")
    l0, l1, l2 = values[-3:]
    if l1 == l0 or l2 == l1:
        return float(l2)
    rate = (l2 - l1) / (l1 - l0)
    if not 0 <= rate < 1:
        return float(l2)
    return float(l1 + (l2 - l1) / (1 - rate))


def convergence_diagnostics(fit, rtol: float = 1e-6, param_tol: float = 0.05) -> xr.Dataset:
    """Per-restart convergence diagnostics of a fit.

    Parameters
    ----------
    fit : FitResult
    rtol : float, default 1e-6
        A restart reached the best optimum if its mean per-observation
        log-likelihood is within ``rtol * max(1, |mean|)`` of the best ...
    param_tol : float, default 0.05
        ... and its aligned parameters are within ``param_tol`` of the best's,
        each coordinate scaled by its spread across the best's components
        (restarts stopped by the tolerance on a flat likelihood differ a
        little; distinct optima differ by about 1 or more).

    Returns
    -------
    xarray.Dataset over ``restart``: ``final_log_likelihood``, ``gap`` (best
    minus final, total log-likelihood), ``reached_best``, ``parameter_distance``
    (largest scaled difference after alignment), ``aitken_limit``, ``converged``,
    ``n_iter``; attributes ``n_reached_best`` and ``best_converged``.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), n_init=4, random_state=0)
    >>> diag = em.convergence_diagnostics(fit)
    >>> int(diag.attrs["n_reached_best"])
    4
    """
    trace = fit.trace
    histories = trace.log_likelihood.values
    finals = np.array([h[np.isfinite(h)][-1] if np.isfinite(h).any() else np.nan for h in histories])
    best = fit.best_restart
    gap = finals[best] - finals
    scale = max(1.0, abs(finals[best]) / fit.n_obs)
    params = trace[[v for v in trace.data_vars if v.startswith(FINAL_PREFIX)]]
    params = params.rename({v: v[len(FINAL_PREFIX):] for v in params.data_vars})
    reference = params.isel(restart=best)
    ref_profile = component_profile(reference)
    coord_scale = np.maximum(ref_profile.std(axis=0), 0.1 * np.abs(ref_profile).mean(axis=0)) + 1e-300
    distance = np.full(len(finals), np.nan)
    for r in range(len(finals)):
        if not np.isfinite(finals[r]):
            continue
        other = params.isel(restart=r)
        aligned = component_profile(reordered(other, align(reference, other)))
        if aligned.shape == ref_profile.shape:
            distance[r] = float(np.max(np.abs(aligned - ref_profile) / coord_scale))
    reached = (gap / fit.n_obs <= rtol * scale) & (distance <= param_tol)
    out = xr.Dataset(
        {
            "final_log_likelihood": ("restart", finals),
            "gap": ("restart", gap),
            "reached_best": ("restart", reached),
            "parameter_distance": ("restart", distance),
            "aitken_limit": ("restart", np.array([aitken_limit(h) for h in histories])),
            "converged": ("restart", trace.converged.values),
            "n_iter": ("restart", trace.n_iter.values),
        },
        coords={"restart": trace.restart.values},
    )
    out.attrs = {"n_reached_best": int(reached.sum()), "best_converged": int(bool(trace.converged.values[best]))}
    return out

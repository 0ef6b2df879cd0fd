"""Bootstrap replicates of a fit, with component labels aligned to the reference.

Each replicate refits the same model, started from the reference parameters,
to a resample: rows drawn with replacement (``kind="nonparametric"``) or a
sample of the same size drawn from the fitted mixture (``"parametric"``).
With observation weights, a nonparametric resample draws each row with its
weight; a parametric one draws as many unweighted rows as the fit's total
weight. Replicates are iterated to a tighter tolerance than a fit's default
(``REPLICATE_TOL``): a replicate stopped early sits near its start, the
reference, and the replicates' spread would understate the sampling spread.
Mixture components have no fixed order, so every replicate's components are
matched to the reference's (:func:`emkit.diagnostics.alignment.align`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import notices
from ._input import as_sample_weight
from .diagnostics.alignment import align
from .em.progress import progress_bar
from .estimators import Mixture
from .results.fit_result import require_mixture
from .results.fit_result import FitResult

KINDS = ("nonparametric", "parametric")

#: Convergence tolerance of the replicates unless ``tol`` is given.
REPLICATE_TOL = 1e-9


def bootstrap(
    fit: FitResult,
    X,
    n_boot: int = 100,
    kind: str = "nonparametric",
    random_state=None,
    progress: bool | None = None,
    sample_weight=None,
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
    progress : bool or None, default None
        Show a progress bar over the replicates on standard error (a widget in
        Jupyter). None shows it on a terminal or in Jupyter only, True always,
        False never.
    sample_weight : array-like of shape (n,), optional
        The observation weights ``fit`` was fitted with: a nonparametric
        resample keeps each drawn row's weight; a parametric one draws
        ``round(fit.n_obs)`` unweighted rows.
    **fit_options
        Passed to ``fit`` (``max_iter``, ``tol``...; ``tol`` defaults to
        ``REPLICATE_TOL``). Each replicate starts from ``fit.params``.

    Returns
    -------
    xarray.Dataset
        ``fit.params``' variables with a leading ``draw`` dimension, aligned
        to the reference's components, plus ``log_likelihood(draw)`` and
        ``error(draw)`` (why a replicate failed; its parameters are NaN).
        :func:`emkit.plot.compute_bootstrap_intervals` summarises them:
        percentile intervals, the SD and a MAD-based SD that a few outlying
        replicates barely move.

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
    require_mixture(fit, "em.bootstrap")
    obs = fit.observations(X)
    weight = as_sample_weight(sample_weight, obs.n_obs)
    fit_options.setdefault("tol", REPLICATE_TOL)
    rng = np.random.default_rng(random_state)
    model = Mixture(list(fit.mixture.families))
    reference = fit.params
    replicates, loglik, errors = [], [], []
    for _ in progress_bar(range(int(n_boot)), progress, desc="bootstrap", unit="replicate"):
        replicate_weight = None
        if kind == "nonparametric":
            drawn = rng.integers(obs.n_obs, size=obs.n_obs)
            rows = obs.values[drawn]
            replicate_weight = None if weight is None else weight[drawn]
        else:
            size = obs.n_obs if weight is None else round(fit.n_obs)
            rows = fit.sample(size, random_state=rng, as_frame=False).values
        data = xr.DataArray(rows, dims=("observation", "feature"), coords={"feature": fit.features})
        try:
            with notices.collect():  # a replicate's warnings are dropped: failures are recorded in ``error``
                refit = model.fit(
                    data, init=reference, random_state=rng, progress=False, sample_weight=replicate_weight,
                    **fit_options,
                )
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

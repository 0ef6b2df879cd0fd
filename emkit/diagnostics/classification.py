"""How clearly a fit classifies the observations.

Per observation, from the responsibilities ``r_ik``:

* the MAP component ``argmax_k r_ik``;
* the uncertainty ``1 - max_k r_ik`` (mclust's ``uncertainty``);
* the entropy ``-sum_k r_ik log r_ik`` (0 for a certain classification,
  ``log K`` at most).

Over the data: the mean uncertainty, the total entropy and ICL (see
:mod:`emkit.results.criteria`).
"""

from __future__ import annotations

import xarray as xr
from scipy.special import xlogy


def classification_diagnostics(fit, X) -> xr.Dataset:
    """Per-observation classification, uncertainty and entropy.

    Returns
    -------
    xarray.Dataset over ``observation``: ``component`` (MAP), ``uncertainty``,
    ``entropy``; attributes ``mean_uncertainty``, ``total_entropy`` and
    ``icl`` (of the fit, on its training data).

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> diag = em.classification_diagnostics(fit, X)
    >>> bool((diag.uncertainty <= 0.5).all()), round(float(diag.attrs["mean_uncertainty"]), 4)
    (True, 0.0008)
    """
    resp = fit.predict_proba(X)
    values = resp.values
    entropy = -xlogy(values, values).sum(axis=1)
    out = xr.Dataset(
        {
            "component": ("observation", values.argmax(axis=1)),
            "uncertainty": ("observation", 1.0 - values.max(axis=1)),
            "entropy": ("observation", entropy),
        },
        coords={"observation": resp.observation.values},
    )
    out.attrs = {
        "mean_uncertainty": float(out.uncertainty.mean()),
        "total_entropy": float(entropy.sum()),
        "icl": fit.icl(),
    }
    return out

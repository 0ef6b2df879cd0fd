"""A fit as an ArviZ ``InferenceData``, with groups that mean something for EM.

========================  =====================================================
group                     content
========================  =====================================================
``posterior``             the parameters: bootstrap replicates as draws (one
                          chain) when given, otherwise the point estimate as a
                          single draw. ``az.summary`` and ``az.plot_forest``
                          then summarise the bootstrap distribution.
``posterior_predictive``  ``x``: data sets of the observed size drawn from the
                          fitted mixture, one per draw (for ``az.plot_ppc``).
``observed_data``         ``x``: the data.
``log_likelihood``        ``x``: pointwise ``log p(x_i)`` under the fit (one
                          chain, one draw).
``sample_stats``          ``lp``: the log-likelihood trace of every restart, the
                          restart as the chain and the iteration as the draw
                          (NaN after a restart stopped).
========================  =====================================================

EM gives a point estimate, not a posterior: the ``posterior`` group holds
the estimate (or its bootstrap distribution), and ``sample_stats`` holds the
optimisation history, not MCMC diagnostics.
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def to_inference_data(fit, X, bootstrap: xr.Dataset | None = None, n_draws: int = 100, random_state=None):
    """Build the ``InferenceData`` described in this module's docstring.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> idata = fit.to_inference_data(X, n_draws=10, random_state=0)
    >>> sorted(idata.groups())
    ['log_likelihood', 'observed_data', 'posterior', 'posterior_predictive', 'sample_stats']
    >>> idata.posterior_predictive.x.shape
    (1, 10, 272, 2)
    """
    import arviz as az  # imported here: arviz is slow to import and only needed for this

    observed = fit.score_samples(X)
    index = observed["observation"].values
    obs = fit.observations(X)
    features = fit.features
    rng = np.random.default_rng(random_state)
    draws = np.stack([fit.sample(obs.n_obs, random_state=rng).values for _ in range(int(n_draws))])
    coords = {"observation": index, "feature": features}

    if bootstrap is not None:
        posterior = bootstrap.drop_vars([v for v in ("error",) if v in bootstrap]).expand_dims(chain=[0])
    else:
        posterior = fit.params.expand_dims(chain=[0], draw=[0])
    posterior = posterior.drop_attrs() if hasattr(posterior, "drop_attrs") else posterior.assign_attrs({})
    trace = fit.trace.log_likelihood.rename(restart="chain", iteration="draw")
    return az.InferenceData(
        posterior=posterior,
        posterior_predictive=xr.Dataset(
            {"x": (("chain", "draw", "observation", "feature"), draws[None])},
            coords=coords,
        ),
        observed_data=xr.Dataset({"x": (("observation", "feature"), obs.values)}, coords=coords),
        log_likelihood=xr.Dataset(
            {"x": (("chain", "draw", "observation"), observed.values[None, None])},
            coords={"observation": index},
        ),
        sample_stats=xr.Dataset({"lp": trace.drop_vars(["chain", "draw"])}),
    )

"""A fit as an ArviZ ``InferenceData``, with groups that mean something for EM.

========================  =====================================================
group                     content
========================  =====================================================
``posterior``             the parameters: bootstrap replicates as draws (one
                          chain) when given, otherwise the point estimate as a
                          single draw. ``az.summary`` and ``az.plot_forest``
                          then summarise the bootstrap distribution.
``posterior_predictive``  one variable per drawn feature, named after it:
                          data sets of the observed size drawn from the
                          fitted mixture, one per draw (for ``az.plot_ppc``,
                          which then draws one panel per feature); a mixture
                          of regressions keeps the observed covariates and
                          draws the response given them.
``observed_data``         the drawn features of the data, one variable each.
``constant_data``         the covariates of a mixture of regressions, one
                          variable each (only when there are covariates).
``log_likelihood``        ``x``: pointwise ``log p(x_i)`` of each row (all
                          features jointly), one draw per posterior draw:
                          replicate ``i``'s parameters scoring the data, so
                          ``az.loo`` and ``az.waic`` run on a bootstrap
                          export. Without a bootstrap, one draw (the
                          estimate), and they do not apply.
``sample_stats``          ``lp``: the log-likelihood trace of every restart, the
                          restart as the chain and the iteration as the draw
                          (NaN after a restart stopped).
========================  =====================================================

EM gives a point estimate, not a posterior: the ``posterior`` group holds
the estimate (or its bootstrap distribution), and ``sample_stats`` holds the
optimisation history, not MCMC diagnostics. Bootstrap replicates that failed
(a non-empty ``error``) are left out of ``posterior`` and ``log_likelihood``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.special import logsumexp

from .replicates import draw_replicates, drawn_features


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
    >>> list(idata.posterior_predictive.data_vars), idata.posterior_predictive.waiting.shape
    (['eruptions', 'waiting'], (1, 10, 272))
    >>> boot = em.bootstrap(fit, X, n_boot=8, random_state=1)
    >>> fit.to_inference_data(X, bootstrap=boot, n_draws=2, random_state=0).log_likelihood.x.shape
    (1, 8, 272)
    """
    import arviz as az  # imported here: arviz is slow to import and only needed for this

    obs = fit.observations(X)
    index = obs.index if obs.index is not None else np.arange(obs.n_obs)
    rows = np.asarray(obs.values, dtype=float)
    draws = draw_replicates(fit, rows, n_draws, random_state)
    drawn = drawn_features(fit)
    covariates = [j for j in range(rows.shape[1]) if j not in drawn]
    names = [str(feature) for feature in fit.features]
    coords = {"observation": index}

    def by_feature(values, columns, dims):
        return xr.Dataset({names[j]: (dims, values[..., j]) for j in columns}, coords=coords)

    if bootstrap is not None:
        posterior = successful_replicates(bootstrap).expand_dims(chain=[0])
        mixtures = [fit.mixture.from_dataset(posterior.isel(chain=0, draw=i)) for i in range(posterior.sizes["draw"])]
    else:
        posterior = fit.params.expand_dims(chain=[0], draw=[0])
        mixtures = [fit.mixture]
    posterior = posterior.drop_attrs() if hasattr(posterior, "drop_attrs") else posterior.assign_attrs({})
    trace = fit.trace.log_likelihood.rename(restart="chain", iteration="draw")
    groups = {
        "posterior": posterior,
        "posterior_predictive": by_feature(draws[None], drawn, ("chain", "draw", "observation")),
        "observed_data": by_feature(rows, drawn, ("observation",)),
        "log_likelihood": xr.Dataset(
            {"x": (("chain", "draw", "observation"), pointwise_log_likelihood(mixtures, rows)[None])},
            coords=coords | {"draw": posterior["draw"].values},  # the replicates' numbers, as in posterior
        ),
        "sample_stats": xr.Dataset({"lp": trace.drop_vars(["chain", "draw"])}),
    }
    if covariates:
        groups["constant_data"] = by_feature(rows, covariates, ("observation",))
    return az.InferenceData(**groups)


def successful_replicates(bootstrap: xr.Dataset) -> xr.Dataset:
    """The bootstrap replicates whose refit did not fail, without the ``error`` variable.

    Raises
    ------
    ValueError
        If every replicate failed.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> boot = em.bootstrap(fit, X, n_boot=3, random_state=1)
    >>> successful_replicates(boot).sizes["draw"], "error" in successful_replicates(boot)
    (3, False)
    >>> successful_replicates(boot.assign(error=("draw", ["ValueError: degenerate"] * 3)))
    Traceback (most recent call last):
    ...
    ValueError: every bootstrap replicate failed (see its error variable); there are no draws to export
    """
    if "error" not in bootstrap:
        return bootstrap
    succeeded = np.flatnonzero(bootstrap["error"].values == "")
    if not succeeded.size:
        raise ValueError("every bootstrap replicate failed (see its error variable); there are no draws to export")
    return bootstrap.isel(draw=succeeded).drop_vars("error")


def pointwise_log_likelihood(mixtures, rows: np.ndarray) -> np.ndarray:
    """``log p(x_i)`` of every row under each mixture, shape ``(len(mixtures), n)``.

    A row that a mixture gives zero density (a category its bootstrap
    resample lacked) gets ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.models.mixture import FiniteMixture
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
    >>> pointwise_log_likelihood([mixture], x).round(3).tolist()
    [[-1.419, -1.419, -1.419, -1.419]]
    """
    with np.errstate(divide="ignore"):
        return np.stack([logsumexp(mixture.log_joint(rows), axis=1) for mixture in mixtures])

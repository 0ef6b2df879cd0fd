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

A hidden Markov model's export (:func:`sequences_to_inference_data`) has
the same groups, read along its sequences: ``posterior_predictive`` holds
simulated sequences of the observed lengths, each started from
``startprob``; ``log_likelihood`` holds each row's one-step predictive
log-density ``log p(x_t | x_1 .. x_{t-1})`` within its sequence; and
``observed_data``, ``posterior_predictive`` and ``log_likelihood`` carry
the coordinates ``sequence`` and ``step`` along ``observation``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.special import logsumexp

from .replicates import draw_replicates, drawn_features, positive_int


def to_inference_data(fit, X, bootstrap: xr.Dataset | None = None, n_draws: int = 100, random_state=None):
    """Build the ``InferenceData`` of a mixture fit described in this module's docstring.

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
    obs = fit.observations(X)
    rows = np.asarray(obs.values, dtype=float)
    posterior, models = _posterior(fit, bootstrap)
    return _inference_data(
        fit, rows, {"observation": _observation_labels(obs)}, posterior,
        draw_replicates(fit, rows, n_draws, random_state), pointwise_log_likelihood(models, rows),
    )


def sequences_to_inference_data(fit, X, lengths=None, sequence_column=None, bootstrap: xr.Dataset | None = None,
                                n_draws: int = 100, random_state=None):
    """Build the ``InferenceData`` of a hidden Markov model fit (see the module docstring).

    ``log_likelihood`` holds the one-step predictive log-densities
    ``log p(x_t | x_1 .. x_{t-1})`` (:meth:`~emkit.results.HMMFitResult.score_samples`),
    one draw per posterior draw. They sum over a sequence to its
    log-likelihood, but they are not the pointwise log-likelihoods of
    independent observations: ``az.loo`` and ``az.waic`` assume exchangeable
    terms, and leaving out row t of a sequence changes every later term, so
    their estimates do not mean here what they mean for a mixture (compare
    models by the log-likelihood, criteria or leave-future-out validation
    instead).

    Examples
    --------
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> idata = fit.to_inference_data(waiting, lengths=[172, 100], n_draws=5, random_state=0)
    >>> idata.posterior_predictive.waiting.shape, idata.log_likelihood.x.sequence.values[170:174].tolist()
    ((1, 5, 272), [0, 0, 1, 1])
    """
    obs, lengths = fit.sequences(X, lengths, sequence_column)
    rows = np.asarray(obs.values, dtype=float)
    posterior, models = _posterior(fit, bootstrap)
    sequence = np.repeat(np.arange(len(lengths)), lengths)
    step = np.arange(len(rows)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    coords = {"observation": _observation_labels(obs), "sequence": ("observation", sequence),
              "step": ("observation", step)}
    log_densities = np.stack([model.posteriors(rows, lengths).predictive_log_densities for model in models])
    return _inference_data(
        fit, rows, coords, posterior, simulate_sequences(fit.mixture, lengths, n_draws, random_state), log_densities,
    )


def _observation_labels(obs) -> np.ndarray:
    """The rows' labels: the data's index, or positions for data without one."""
    return obs.index if obs.index is not None else np.arange(obs.n_obs)


def _posterior(fit, bootstrap):
    """``(posterior group, latent model of each draw)``: the bootstrap replicates, or the estimate as one draw."""
    if bootstrap is not None:
        posterior = successful_replicates(bootstrap).expand_dims(chain=[0])
        models = [fit.mixture.from_dataset(posterior.isel(chain=0, draw=i)) for i in range(posterior.sizes["draw"])]
    else:
        posterior = fit.params.expand_dims(chain=[0], draw=[0])
        models = [fit.mixture]
    return (posterior.drop_attrs() if hasattr(posterior, "drop_attrs") else posterior.assign_attrs({})), models


def _inference_data(fit, rows: np.ndarray, coords: dict, posterior, draws: np.ndarray, log_densities: np.ndarray):
    """The groups laid out (see the module docstring) from the observed rows, replicate data and log-densities.

    ``draws`` are the replicate data sets ``(n_draws, n, d)``;
    ``log_densities`` the log-density of each row under each posterior
    draw's parameters ``(n_posterior_draws, n)``.
    """
    import arviz as az  # imported here: arviz is slow to import and only needed for this

    drawn = drawn_features(fit)
    covariates = [j for j in range(rows.shape[1]) if j not in drawn]
    names = [str(feature) for feature in fit.features]

    def by_feature(values, columns, dims):
        return xr.Dataset({names[j]: (dims, values[..., j]) for j in columns}, coords=coords)

    trace = fit.trace.log_likelihood.rename(restart="chain", iteration="draw")
    groups = {
        "posterior": posterior,
        "posterior_predictive": by_feature(draws[None], drawn, ("chain", "draw", "observation")),
        "observed_data": by_feature(rows, drawn, ("observation",)),
        "log_likelihood": xr.Dataset(
            {"x": (("chain", "draw", "observation"), log_densities[None])},
            coords=coords | {"draw": posterior["draw"].values},  # the replicates' numbers, as in posterior
        ),
        "sample_stats": xr.Dataset({"lp": trace.drop_vars(["chain", "draw"])}),
    }
    if covariates:
        groups["constant_data"] = by_feature(rows, covariates, ("observation",))
    return az.InferenceData(**groups)


def simulate_sequences(chain, lengths: np.ndarray, n_draws: int, random_state=None) -> np.ndarray:
    """Data sets of sequences of the given lengths simulated from a hidden Markov ``chain``: ``(n_draws, n, d)``.

    Each data set holds one simulated sequence in place of each observed one
    (same length, started from ``startprob``), rows in the same order. The
    sequences of one length are simulated together (``chain.sample``).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.results.inference_data import simulate_sequences
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> simulate_sequences(fit.mixture, np.array([3, 5, 3]), 4, random_state=0).shape
    (4, 11, 1)
    """
    n_draws = positive_int("n_draws", n_draws)
    rng = np.random.default_rng(random_state)
    starts = np.cumsum(lengths) - lengths
    out = None
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        x, _ = chain.sample(int(length), n_draws * len(which), rng)
        if out is None:
            out = np.empty((n_draws, int(np.sum(lengths)), x.shape[1]))
        rows = (starts[which][:, None] + np.arange(length)[None, :]).ravel()
        out[:, rows] = x.reshape(n_draws, len(which) * int(length), -1)
    return out


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
    >>> from emkit.latent.mixture import FiniteMixture
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
    >>> pointwise_log_likelihood([mixture], x).round(3).tolist()
    [[-1.419, -1.419, -1.419, -1.419]]
    """
    with np.errstate(divide="ignore"):
        return np.stack([logsumexp(mixture.log_joint(rows), axis=1) for mixture in mixtures])

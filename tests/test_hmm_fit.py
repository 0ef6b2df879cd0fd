"""Baum-Welch fits of hidden Markov models against independent oracles.

Oracles:

* hmmlearn, running the same EM from the same starting parameters, with its
  priors set so that its M-step is the maximum-likelihood one;
* the parameters of chains simulated here with numpy, within a tolerance set
  by the simulated sample size (complete-data standard errors);
* for sequences of length one, the finite mixture whose weights are the
  start probabilities, and scipy's densities.

Every fit also checks that EM never lowers the log-likelihood.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import emkit as em

K = 3
#: Several sequences of different lengths (hmmlearn's ``lengths``).
LENGTHS = [250, 200, 150]
#: Baum-Welch iterations compared with hmmlearn.
N_ITER = 25
#: Largest error allowed in recovery, in complete-data standard errors.
Z = 5.0

TRUE_STARTPROB = np.array([0.5, 0.3, 0.2])
TRUE_TRANSMAT = np.array([[0.90, 0.07, 0.03], [0.10, 0.85, 0.05], [0.05, 0.10, 0.85]])
#: Recovery data: enough sequences for the start probabilities, 20,000 steps in all.
RECOVERY_LENGTHS = [200] * 100


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


def random_chain(rng, n_states=K):
    """Rough starting probabilities: a start vector and a transition matrix with no zeros."""
    return rng.dirichlet(np.full(n_states, 5.0)), rng.dirichlet(np.full(n_states, 2.0), size=n_states)


def simulate_states(startprob, transmat, lengths, rng):
    """State paths of a Markov chain, one per sequence, concatenated."""
    start_cdf, row_cdf = np.cumsum(startprob), np.cumsum(transmat, axis=1)
    paths = []
    for length in lengths:
        draws = rng.random(length)
        path = np.empty(length, dtype=int)
        path[0] = min(np.searchsorted(start_cdf, draws[0], side="right"), len(startprob) - 1)
        for t in range(1, length):
            path[t] = min(np.searchsorted(row_cdf[path[t - 1]], draws[t], side="right"), len(startprob) - 1)
        paths.append(path)
    return np.concatenate(paths)


def starting_params(model, X, values, **fit_kwargs):
    """``values`` laid out as ``model``'s fitted parameters are (a ``max_iter=0`` fit gives the layout)."""
    template = model.fit(X, max_iter=0, random_state=0, **fit_kwargs).params
    return template.assign({name: (template[name].dims, np.asarray(value)) for name, value in values.items()})


def kept_trace(fit):
    """Log-likelihood after 0, 1, ... M-steps of the restart the fit kept."""
    trace = fit.trace.log_likelihood.values[fit.best_restart]
    return trace[np.isfinite(trace)]


def assert_monotone(trace):
    """EM never lowers the log-likelihood beyond rounding."""
    drops = np.diff(trace)
    allowed = -1e-10 * np.abs(trace[1:])
    assert np.all(drops >= allowed), f"log-likelihood decreased: {drops[drops < allowed]}"


# ----------------------------------------------------------------------------
# 1. The same Baum-Welch iterations as hmmlearn
# ----------------------------------------------------------------------------
#
# Trace alignment. hmmlearn's ``fit`` runs ``n_iter`` iterations of (E-step,
# M-step) and appends to ``monitor_.history`` the log-likelihood computed in
# each E-step, i.e. that of the parameters *before* the M-step: history[i] is
# the log-likelihood after i M-steps, i = 0 ... n_iter - 1, and the returned
# parameters are n_iter M-steps from the start (never scored by ``fit``;
# ``score`` gives it). With ``tol=-inf`` it never stops early. emkit's
# ``trace`` holds the log-likelihood after 0 ... max_iter M-steps (the last is
# that of the returned parameters), and ``tol=0`` runs exactly ``max_iter``.
# So with n_iter = max_iter = N: trace[:N] == history and
# trace[N] == reference.score(X, lengths), and the final parameters are equal.
#
# Priors. hmmlearn's Dirichlet priors default to 1 (the MLE); its Gaussian
# M-step divides ``covars_prior + scatter`` by ``max(covars_weight - 1, 0) +
# occupancy`` (diag, spherical) or ``max(covars_weight - d, 0) + occupancy``
# (full, tied), so covars_prior=0, covars_weight=0 is the MLE; means_weight
# defaults to 0 (the MLE); min_covar only enters its initialisation, which
# init_params="" skips. PoissonHMM's lambdas_prior=lambdas_weight=0 (the
# defaults) and CategoricalHMM's emissionprob_prior=1 (the default) are MLEs.
# emkit's Gaussian takes reg_covar=0.


def hmmlearn_module():
    module = pytest.importorskip("hmmlearn.hmm")
    logging.getLogger("hmmlearn").setLevel(logging.ERROR)  # its "not converging" log lines
    return module


def assert_same_baum_welch(model, reference, X, start):
    """Run emkit and hmmlearn (emissions already set) from ``start``; same trace and chain. Returns emkit's fit."""
    reference.startprob_ = start.startprob.values
    reference.transmat_ = start.transmat.values
    reference.fit(X, LENGTHS)
    fit = model.fit(X, lengths=LENGTHS, init=start, max_iter=N_ITER, tol=0)
    trace, history = kept_trace(fit), np.asarray(reference.monitor_.history)
    assert trace.shape == (N_ITER + 1,) and history.shape == (N_ITER,)
    np.testing.assert_allclose(trace[:N_ITER], history, rtol=1e-8, atol=0)
    assert math.isclose(trace[N_ITER], reference.score(X, LENGTHS), rel_tol=1e-8)
    assert trace[N_ITER] - trace[0] > 1.0  # the iterations moved the parameters
    assert_monotone(trace)
    np.testing.assert_allclose(fit.params.startprob.values, reference.startprob_, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(fit.params.transmat.values, reference.transmat_, rtol=1e-7, atol=1e-10)
    return fit


HMMLEARN_COVARIANCE = {"VVV": "full", "VVI": "diag", "VII": "spherical", "EEE": "tied"}


def rough_gaussian_start(structure, X, rng):
    """Starting means and covariances in ``structure``: emkit's (K, d, d) and hmmlearn's ``covars_`` layout."""
    d = X.shape[1]
    means = X[rng.choice(len(X), size=K, replace=False)] + rng.normal(scale=0.1, size=(K, d))
    data_cov = np.cov(X, rowvar=False)
    if structure == "VVV":
        factors = rng.normal(size=(K, d, d))
        covariances = 0.5 * data_cov + 0.2 * factors @ factors.transpose(0, 2, 1) / d
        return means, covariances, covariances
    if structure == "EEE":
        factor = rng.normal(size=(d, d))
        tied = 0.5 * data_cov + 0.2 * factor @ factor.T / d
        return means, np.repeat(tied[None], K, axis=0), tied
    if structure == "VVI":
        variances = np.diag(data_cov) * rng.uniform(0.3, 1.0, size=(K, d))
        return means, variances[:, :, None] * np.eye(d), variances
    variances = np.mean(np.diag(data_cov)) * rng.uniform(0.3, 1.0, size=K)  # VII
    return means, variances[:, None, None] * np.eye(d), variances


def hmmlearn_covariances(reference, structure, d):
    """hmmlearn's covariances as (K, d, d).

    After an M-step, hmmlearn 0.3 stores spherical variances repeated over
    the features, so its ``covars_`` then has K * d matrices, each state's
    repeated d times.
    """
    covariances = reference.covars_
    return covariances[::d] if structure == "VII" else covariances


@pytest.mark.parametrize("structure", list(HMMLEARN_COVARIANCE))
def test_gaussian_baum_welch_equals_hmmlearn(structure):
    hmm = hmmlearn_module()
    rng = np.random.default_rng(1)
    centres = np.array([[-3.0, 0.0, 1.0], [0.0, 3.0, -1.0], [3.0, 0.0, 0.0]])
    states = simulate_states(TRUE_STARTPROB, TRUE_TRANSMAT, LENGTHS, rng)
    X = centres[states] + rng.normal(size=(len(states), 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0, 0, 1.2]])
    startprob, transmat = random_chain(rng)
    means, covariances, hmmlearn_covars = rough_gaussian_start(structure, X, rng)
    model = em.HiddenMarkovModel(em.Gaussian(structure, reg_covar=0.0), n_states=K)
    start = starting_params(
        model, X, dict(startprob=startprob, transmat=transmat, means=means, covariances=covariances), lengths=LENGTHS,
    )
    reference = hmm.GaussianHMM(
        K, covariance_type=HMMLEARN_COVARIANCE[structure], n_iter=N_ITER, tol=-np.inf, init_params="",
        covars_prior=0.0, covars_weight=0.0, min_covar=0.0,
    )
    reference.means_, reference.covars_ = means, hmmlearn_covars
    fit = assert_same_baum_welch(model, reference, X, start)
    np.testing.assert_allclose(fit.params.means.values, reference.means_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(
        fit.params.covariances.values, hmmlearn_covariances(reference, structure, X.shape[1]), rtol=1e-7, atol=1e-9
    )


def test_categorical_baum_welch_equals_hmmlearn():
    hmm = hmmlearn_module()
    rng = np.random.default_rng(2)
    n_categories = 4
    emission = np.array([[0.6, 0.2, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.1, 0.1, 0.2, 0.6]])
    states = simulate_states(TRUE_STARTPROB, TRUE_TRANSMAT, LENGTHS, rng)
    X = (emission[states].cumsum(axis=1) < rng.random(len(states))[:, None]).sum(axis=1)[:, None]
    startprob, transmat = random_chain(rng)
    probs = rng.dirichlet(np.full(n_categories, 3.0), size=K)
    model = em.HiddenMarkovModel(em.Categorical(), n_states=K)
    start = starting_params(
        model, X, dict(startprob=startprob, transmat=transmat, probs=probs[:, None, :]), lengths=LENGTHS
    )
    reference = hmm.CategoricalHMM(K, n_features=n_categories, n_iter=N_ITER, tol=-np.inf, init_params="")
    reference.emissionprob_ = probs
    fit = assert_same_baum_welch(model, reference, X, start)
    np.testing.assert_allclose(fit.params.probs.values[:, 0, :], reference.emissionprob_, rtol=1e-7, atol=1e-10)


def test_poisson_baum_welch_equals_hmmlearn():
    hmm = hmmlearn_module()
    rng = np.random.default_rng(3)
    rates = np.array([[1.0, 6.0], [4.0, 2.0], [9.0, 9.0]])
    states = simulate_states(TRUE_STARTPROB, TRUE_TRANSMAT, LENGTHS, rng)
    X = rng.poisson(rates[states])
    startprob, transmat = random_chain(rng)
    start_rates = rng.uniform(0.5, 10.0, size=(K, 2))
    model = em.HiddenMarkovModel(em.Poisson(), n_states=K)
    start = starting_params(model, X, dict(startprob=startprob, transmat=transmat, rate=start_rates), lengths=LENGTHS)
    reference = hmm.PoissonHMM(K, n_iter=N_ITER, tol=-np.inf, init_params="")
    reference.lambdas_ = start_rates
    fit = assert_same_baum_welch(model, reference, X, start)
    np.testing.assert_allclose(fit.params.rate.values, reference.lambdas_, rtol=1e-7, atol=1e-10)


# ----------------------------------------------------------------------------
# 2. Recovery of simulated parameters, 3. monotone log-likelihood
# ----------------------------------------------------------------------------
#
# Each family simulates a state path of its chain, then its emissions from
# the path (numpy only), and states its true parameters with their
# complete-data standard errors for the path's state counts. States are
# matched to the truth by a key the truth lists in increasing order.

TWO_STATE_STARTPROB = np.array([0.6, 0.4])
TWO_STATE_TRANSMAT = np.array([[0.90, 0.10], [0.15, 0.85]])


@dataclass
class Simulated:
    """Data simulated from a hidden Markov model, and what a fit should recover."""

    family: object
    X: object
    lengths: list
    states: np.ndarray
    startprob: np.ndarray
    transmat: np.ndarray
    emission_truth: dict
    emission_std_errors: dict
    state_key: Callable  # params -> one number per state, increasing over the true states
    read_estimates: Callable | None = None  # params -> estimates named as emission_truth; None: same-named variables

    def emission_estimates(self, params):
        """The fitted emission parameters, named as in ``emission_truth``."""
        if self.read_estimates is not None:
            return self.read_estimates(params)
        return {name: params[name].values for name in self.emission_truth}

    def chain_std_errors(self):
        """Complete-data standard errors of the start and transition probabilities."""
        leaving = np.delete(self.states, np.cumsum(self.lengths) - 1)  # steps followed by a transition
        n_leaving = np.bincount(leaving, minlength=len(self.startprob)).astype(float)
        return {
            "startprob": np.sqrt(self.startprob * (1 - self.startprob) / len(self.lengths)),
            "transmat": np.sqrt(self.transmat * (1 - self.transmat) / n_leaving[:, None]),
        }


def gaussian_vvv(lengths, rng):
    states = simulate_states(TRUE_STARTPROB, TRUE_TRANSMAT, lengths, rng)
    means = np.array([[-4.0, 0.0], [0.0, 4.0], [4.0, 0.0]])
    covariances = np.array([[[1.0, 0.5], [0.5, 2.0]], [[1.5, -0.6], [-0.6, 1.0]], [[0.5, 0.0], [0.0, 0.5]]])
    factors = np.linalg.cholesky(covariances)
    X = means[states] + np.einsum("nij,nj->ni", factors[states], rng.normal(size=(len(states), 2)))
    n = np.bincount(states, minlength=K)
    variances = np.diagonal(covariances, axis1=1, axis2=2)
    return Simulated(
        em.Gaussian("VVV"), X, lengths, states, TRUE_STARTPROB, TRUE_TRANSMAT,
        {"means": means, "covariances": covariances},
        {
            "means": np.sqrt(variances / n[:, None]),
            # var of a sample covariance entry: (S_ii S_jj + S_ij^2) / n
            "covariances": np.sqrt((variances[:, :, None] * variances[:, None, :] + covariances**2) / n[:, None, None]),
        },
        lambda params: params.means.values[:, 0],
    )


def poisson(lengths, rng):
    states = simulate_states(TRUE_STARTPROB, TRUE_TRANSMAT, lengths, rng)
    rates = np.array([[1.0, 8.0], [5.0, 2.0], [12.0, 12.0]])
    n = np.bincount(states, minlength=K)
    return Simulated(
        em.Poisson(), rng.poisson(rates[states]), lengths, states, TRUE_STARTPROB, TRUE_TRANSMAT,
        {"rate": rates}, {"rate": np.sqrt(rates / n[:, None])}, lambda params: params.rate.values[:, 0],
    )


def categorical(lengths, rng):
    states = simulate_states(TRUE_STARTPROB, TRUE_TRANSMAT, lengths, rng)
    probs = np.array([  # (state, feature, category)
        [[0.85, 0.05, 0.05, 0.05], [0.7, 0.1, 0.1, 0.1]],
        [[0.05, 0.85, 0.05, 0.05], [0.1, 0.1, 0.7, 0.1]],
        [[0.05, 0.05, 0.05, 0.85], [0.1, 0.7, 0.1, 0.1]],
    ])
    X = (probs[states].cumsum(axis=2) < rng.random((len(states), 2))[:, :, None]).sum(axis=2)
    n = np.bincount(states, minlength=K)
    return Simulated(
        em.Categorical(), X, lengths, states, TRUE_STARTPROB, TRUE_TRANSMAT,
        {"probs": probs}, {"probs": np.sqrt(probs * (1 - probs) / n[:, None, None])},
        lambda params: params.probs.values[:, 0, :].argmax(axis=1),
    )


def gamma_std_errors(shape, rate, n):
    """Standard errors of the gamma MLE (shape, rate) of n draws, from the inverse Fisher information.

    Per draw, I = [[psi'(a), -1/b], [-1/b, a/b^2]] for shape a and rate b.
    """
    trigamma = special.polygamma(1, shape)
    det = trigamma * shape / rate**2 - 1.0 / rate**2
    return np.sqrt(shape / rate**2 / det / n), np.sqrt(trigamma / det / n)


def gamma(lengths, rng):
    states = simulate_states(TWO_STATE_STARTPROB, TWO_STATE_TRANSMAT, lengths, rng)
    shape, rate = np.array([2.0, 9.0]), np.array([1.0, 0.5])  # means 2 and 18
    X = rng.gamma(shape[states], 1.0 / rate[states])[:, None]
    shape_se, rate_se = gamma_std_errors(shape, rate, np.bincount(states, minlength=2))
    return Simulated(
        em.Gamma(), X, lengths, states, TWO_STATE_STARTPROB, TWO_STATE_TRANSMAT,
        {"shape": shape[:, None], "rate": rate[:, None]}, {"shape": shape_se[:, None], "rate": rate_se[:, None]},
        lambda params: params["shape"].values[:, 0] / params.rate.values[:, 0],
    )


def response_time_and_accuracy(lengths, rng):
    """A Gaussian response time and a categorical accuracy per step, in a DataFrame.

    State 0 is engaged (fast and accurate), state 1 disengaged (slow, near guessing).
    """
    states = simulate_states(TWO_STATE_STARTPROB, TWO_STATE_TRANSMAT, lengths, rng)
    mean, sd, p_correct = np.array([0.45, 0.9]), np.array([0.08, 0.2]), np.array([0.9, 0.55])
    X = pd.DataFrame({
        "rt": rng.normal(mean[states], sd[states]),
        "acc": np.where(rng.random(len(states)) < p_correct[states], "correct", "error"),
    })
    n = np.bincount(states, minlength=2)
    return Simulated(
        em.Independent({"rt": em.Gaussian(), "acc": em.Categorical()}), X, lengths, states,
        TWO_STATE_STARTPROB, TWO_STATE_TRANSMAT,
        {"rt_mean": mean, "rt_var": sd**2, "p_correct": p_correct},
        {
            "rt_mean": sd / np.sqrt(n),
            "rt_var": sd**2 * np.sqrt(2 / n),
            "p_correct": np.sqrt(p_correct * (1 - p_correct) / n),
        },
        lambda params: params.means.sel(feature="rt").values,
        lambda params: {
            "rt_mean": params.means.sel(feature="rt").values,
            "rt_var": params.covariances.sel(feature="rt", feature2="rt").values,
            "p_correct": params.probs.sel(feature="acc", category="correct").values,
        },
    )


SIMULATIONS = {
    "gaussian_vvv": gaussian_vvv,
    "poisson": poisson,
    "categorical": categorical,
    "gamma": gamma,
    "independent_rt_acc": response_time_and_accuracy,
}


def in_true_state_order(params, simulated):
    """``params`` with its states reordered to match the truth (by the simulation's state key)."""
    order = np.argsort(simulated.state_key(params))
    return params.isel(state=order, next_state=order)


def assert_within(name, estimate, truth, std_error):
    """Every entry within Z complete-data standard errors of the truth."""
    excess = np.abs(np.asarray(estimate, dtype=float) - truth) / std_error
    assert np.all(excess <= Z), (
        f"{name}: estimate {np.round(estimate, 4)} vs truth {truth}, errors {excess.round(1)} standard errors"
    )


RECOVERY_CASES = [pytest.param(name, "auto", id=name) for name in SIMULATIONS] + [
    pytest.param("categorical", "random", id="categorical-random_starts"),
    pytest.param(
        "categorical", "short_em", id="categorical-short_em",
        marks=pytest.mark.xfail(
            strict=True,
            reason="short EM runs start from a latent class mixture, which two categorical items with three "
            "classes do not identify without the rows' order; hence the default start for discrete emissions "
            "is random state weights",
        ),
    ),
]


@pytest.mark.parametrize(("name", "init"), RECOVERY_CASES)
def test_recovers_simulated_parameters(name, init):
    simulated = SIMULATIONS[name](RECOVERY_LENGTHS, np.random.default_rng(10))
    n_states = len(simulated.startprob)
    fit = em.HiddenMarkovModel(simulated.family, n_states=n_states).fit(
        simulated.X, lengths=simulated.lengths, n_init=2, init=init, random_state=0
    )
    assert fit.converged
    assert_monotone(kept_trace(fit))
    params = in_true_state_order(fit.params, simulated)
    chain_se = simulated.chain_std_errors()
    assert_within("startprob", params.startprob.values, simulated.startprob, chain_se["startprob"])
    assert_within("transmat", params.transmat.values, simulated.transmat, chain_se["transmat"])
    estimates = simulated.emission_estimates(params)
    for variable, truth in simulated.emission_truth.items():
        assert_within(variable, estimates[variable], truth, simulated.emission_std_errors[variable])


@pytest.mark.parametrize("name", list(SIMULATIONS))
def test_log_likelihood_never_decreases(name):
    """Every restart of a long run from random starts on a small sample climbs monotonically."""
    simulated = SIMULATIONS[name]([60] * 10, np.random.default_rng(11))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)  # a long run is the point
        warnings.simplefilter("ignore", em.LocalOptimumWarning)  # random starts may end apart
        warnings.simplefilter("error", em.LikelihoodDecreaseWarning)
        fit = em.HiddenMarkovModel(simulated.family, n_states=len(simulated.startprob)).fit(
            simulated.X, lengths=simulated.lengths, n_init=3, init="random", tol=1e-10, max_iter=200, random_state=1
        )
    traces = fit.trace.log_likelihood.values
    assert np.isfinite(traces[:, :2]).all()
    assert max(np.count_nonzero(np.isfinite(row)) for row in traces) > 10  # long enough to show a decrease
    for row in traces:
        assert_monotone(row[np.isfinite(row)])


# ----------------------------------------------------------------------------
# 4. Sequences of length one: a mixture weighted by the start probabilities
# ----------------------------------------------------------------------------
#
# With every sequence one step long, p(x) = sum_k pi_k b_k(x): a finite
# mixture with weights pi. The E-step's start counts are the mixture's
# responsibilities summed, there are no transition counts, so Baum-Welch is
# the mixture's EM step for step, and transmat keeps its starting values.


def test_length_one_sequences_fit_as_the_mixture_with_startprob_weights():
    rng = np.random.default_rng(20)
    n = 300
    X = rng.normal(size=(n, 2)) + np.where(rng.random(n) < 0.4, 3.0, -1.0)[:, None]
    lengths = [1] * n
    startprob, transmat = random_chain(rng, 2)
    means = X[rng.choice(n, size=2, replace=False)]
    covariances = np.stack([np.cov(X, rowvar=False)] * 2) * np.array([0.5, 1.5])[:, None, None]
    family = em.Gaussian("VVV", reg_covar=0.0)
    hmm_model = em.HiddenMarkovModel(family, n_states=2)
    mixture = em.Mixture(family, n_components=2)
    emission = dict(means=means, covariances=covariances)
    hmm_start = starting_params(hmm_model, X, dict(startprob=startprob, transmat=transmat, **emission), lengths=lengths)
    mixture_start = starting_params(mixture, X, dict(weights=startprob, **emission))

    log_densities = np.column_stack([stats.multivariate_normal(m, c).logpdf(X) for m, c in zip(means, covariances)])
    by_scipy = special.logsumexp(np.log(startprob) + log_densities, axis=1).sum()
    def no_transitions():
        return pytest.warns(UserWarning, match="no information on transitions")

    with no_transitions():
        scored = hmm_model.fit(X, lengths=lengths, init=hmm_start, max_iter=0)
    assert math.isclose(scored.log_likelihood, by_scipy, rel_tol=1e-12)

    with no_transitions():
        hmm_fit = hmm_model.fit(X, lengths=lengths, init=hmm_start, max_iter=15, tol=0)
    mixture_fit = mixture.fit(X, init=mixture_start, max_iter=15, tol=0)
    # transmat is not estimated, so it is no free parameter: the HMM counts what the mixture counts
    assert hmm_fit.n_params == mixture_fit.n_params == 1 + 2 * 2 + 2 * 3
    assert "transmat" in hmm_fit.mixture.fixed
    assert hmm_fit.bic() == pytest.approx(mixture_fit.bic(), rel=1e-10)
    np.testing.assert_allclose(kept_trace(hmm_fit), kept_trace(mixture_fit), rtol=1e-11)
    assert kept_trace(hmm_fit)[-1] - kept_trace(hmm_fit)[0] > 1.0
    np.testing.assert_allclose(hmm_fit.params.startprob.values, mixture_fit.params.weights.values, rtol=1e-10)
    for name in ("means", "covariances"):
        np.testing.assert_allclose(hmm_fit.params[name].values, mixture_fit.params[name].values, rtol=1e-10)
    np.testing.assert_array_equal(hmm_fit.params.transmat.values, transmat)

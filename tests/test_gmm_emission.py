"""GaussianMixtureEmission: components that are each a mixture of Gaussians (GMM-HMM emissions).

Expectations are derived independently: densities from scipy.stats.multivariate_normal
summed with their weights, the EM step from its definition with direct numpy, the start
from an eigendecomposition of each component's covariance, recovery by simulation, and
Baum-Welch against hmmlearn's GMMHMM from the same starting parameters.
"""

from __future__ import annotations

import logging
import os
import tempfile

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import emkit as em
from emkit.components.registry import family_from_spec
from conformance import check_chunk_additivity, check_round_trip

# Two states, each a mixture of two Gaussians in two dimensions.
STARTPROB = np.array([0.6, 0.4])
TRANSMAT = np.array([[0.95, 0.05], [0.1, 0.9]])
MIXTURE_WEIGHTS = np.array([[0.3, 0.7], [0.6, 0.4]])
MEANS = np.array([[[-4.0, 0.0], [-1.0, 2.0]], [[3.0, 0.0], [6.0, -2.0]]])
COVARIANCES = np.array(
    [
        [[[0.5, 0.2], [0.2, 0.4]], [[0.6, -0.1], [-0.1, 0.3]]],
        [[[0.4, 0.0], [0.0, 0.7]], [[0.5, 0.25], [0.25, 0.5]]],
    ]
)
LENGTHS = [1200, 800, 1000]


def simulate(lengths, rng):
    """States of a two-state chain, and a draw from the state's Gaussian mixture at every step."""
    states = []
    for length in lengths:
        path = [rng.choice(2, p=STARTPROB)]
        for _ in range(length - 1):
            path.append(rng.choice(2, p=TRANSMAT[path[-1]]))
        states.extend(path)
    states = np.array(states)
    which = np.array([rng.choice(2, p=MIXTURE_WEIGHTS[k]) for k in states])
    noise = np.stack([rng.multivariate_normal(np.zeros(2), COVARIANCES[k, m]) for k, m in zip(states, which)])
    return MEANS[states, which] + noise, states


def fitted_family(covariance="VVV", mixture_weights=MIXTURE_WEIGHTS, means=MEANS, covariances=COVARIANCES):
    """The family holding the given parameters (through ``from_dataset``)."""
    params = xr.Dataset(
        {
            "mixture_weights": (("component", "mixture_component"), mixture_weights),
            "mixture_means": (("component", "mixture_component", "feature"), means),
            "mixture_covariances": (("component", "mixture_component", "feature", "feature2"), covariances),
        }
    )
    family = em.GaussianMixtureEmission(covariance, n_mixture=2, n_components=2, reg_covar=0.0)
    return family.from_dataset(params, np.full(2, 0.5))


def mixture_density(x, weights, means, covariances):
    """``sum_m c_m N(x | mu_m, Sigma_m)`` with scipy."""
    return sum(c * stats.multivariate_normal(mu, cov).pdf(x) for c, mu, cov in zip(weights, means, covariances))


def hand_em_step(x, component_weights, family_params, reg=0.0):
    """One weighted EM step for K Gaussian mixtures, written out with numpy and scipy."""
    weights, means, covariances = family_params
    K, M, d = means.shape
    joint = np.empty((len(x), K, M))
    for k in range(K):
        for m in range(M):
            joint[:, k, m] = weights[k, m] * stats.multivariate_normal(means[k, m], covariances[k, m]).pdf(x)
    r = component_weights[:, :, None] * joint / joint.sum(axis=2, keepdims=True)
    n_km = r.sum(axis=0)
    new_weights = n_km / n_km.sum(axis=1, keepdims=True)
    new_means = np.einsum("nkm,nd->kmd", r, x) / n_km[:, :, None]
    centred = x[:, None, None, :] - new_means[None]
    new_covariances = np.einsum("nkm,nkmi,nkmj->kmij", r, centred, centred) / n_km[:, :, None, None]
    return new_weights, new_means, new_covariances + reg * np.eye(d)


def params_of(family):
    ds = family.to_dataset(np.array(["a", "b"]))
    return ds.mixture_weights.values, ds.mixture_means.values, ds.mixture_covariances.values


def state_order(params):
    """States sorted by the mean of their first feature, and within each its Gaussians likewise."""
    means = params.mixture_means.values
    states = np.argsort(means[:, :, 0].mean(axis=1))
    return states, np.argsort(means[states, :, 0], axis=1)


@pytest.fixture(scope="module")
def sequences():
    X, states = simulate(LENGTHS, np.random.default_rng(12))
    return X, states


@pytest.fixture(scope="module")
def hmm_fit(sequences):
    X, _ = sequences
    model = em.HiddenMarkovModel(em.GaussianMixtureEmission(n_mixture=2), n_states=2)
    return model.fit(X, lengths=LENGTHS, n_init=3, random_state=0)


# ----------------------------------------------------------------------------
# The family: densities, statistics, M-step, start
# ----------------------------------------------------------------------------


def test_log_prob_is_the_log_of_the_weighted_sum_of_normals():
    x = np.random.default_rng(0).normal(scale=3.0, size=(50, 2))
    family = fitted_family()
    expected = np.stack([np.log(mixture_density(x, MIXTURE_WEIGHTS[k], MEANS[k], COVARIANCES[k])) for k in range(2)], 1)
    np.testing.assert_allclose(family.log_prob(x), expected, rtol=1e-12, atol=1e-12)


def test_a_mixture_component_of_weight_zero_drops_out_of_the_density():
    x = np.random.default_rng(1).normal(size=(20, 2))
    family = fitted_family(mixture_weights=np.array([[1.0, 0.0], [0.0, 1.0]]))
    expected = np.stack(
        [stats.multivariate_normal(MEANS[0, 0], COVARIANCES[0, 0]).logpdf(x),
         stats.multivariate_normal(MEANS[1, 1], COVARIANCES[1, 1]).logpdf(x)], 1
    )
    np.testing.assert_allclose(family.log_prob(x), expected, rtol=1e-12)


@pytest.mark.parametrize("covariance", ["VVV", "VVI"])
def test_stats_and_m_step_are_the_weighted_em_step(covariance, sequences):
    X, _ = sequences
    x = X[:400]
    component_weights = np.random.default_rng(2).dirichlet([1.0, 1.0], size=len(x))
    family = fitted_family(covariance)
    step = family.m_step(family.stats(x, component_weights))
    weights, means, covariances = hand_em_step(x, component_weights, params_of(family))
    if covariance == "VVI":  # the structure keeps the diagonal of the weighted scatter
        covariances = covariances * np.eye(2)
    got = params_of(step)
    np.testing.assert_allclose(got[0], weights, rtol=1e-10)
    np.testing.assert_allclose(got[1], means, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[2], covariances, rtol=1e-9, atol=1e-12)


def test_statistics_add_up_over_chunks(sequences):
    X, _ = sequences
    component_weights = np.random.default_rng(3).dirichlet([1.0, 1.0], size=300)
    check_chunk_additivity(fitted_family(), X[:300], component_weights)
    family = fitted_family()
    empty_chunk = family.stats(X[:0], component_weights[:0])  # a chunk without rows adds nothing
    with_empty = family.m_step(empty_chunk + family.stats(X[:300], component_weights))
    alone = family.m_step(family.stats(X[:300], component_weights))
    for got, expected in zip(params_of(with_empty), params_of(alone)):
        np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_a_component_without_weight_keeps_its_parameters(sequences):
    X, _ = sequences
    family = fitted_family()
    step = family.m_step(family.stats(X[:200], np.eye(2)[np.zeros(200, dtype=int)]))
    np.testing.assert_array_equal(step.mixture_weights[1], MIXTURE_WEIGHTS[1])
    np.testing.assert_array_equal(params_of(step)[1][1], MEANS[1])
    assert not np.allclose(params_of(step)[1][0], MEANS[0])


@pytest.mark.parametrize("covariance", ["VVV", "VVI"])
def test_start_spreads_the_gaussians_along_each_components_widest_direction(covariance, sequences):
    X, states = sequences
    x, resp = X[:600], np.eye(2)[states[:600]]
    family = em.GaussianMixtureEmission(covariance, n_mixture=3, n_components=2, reg_covar=0.0)
    start = family.m_step(family.stats(x, resp))
    weights, means, covariances = params_of(start)
    np.testing.assert_allclose(weights, np.full((2, 3), 1 / 3))
    for k in range(2):
        own = x[resp[:, k] > 0]
        cov = np.cov(own.T, bias=True)
        cov = cov if covariance == "VVV" else np.diag(np.diag(cov))
        values, vectors = np.linalg.eigh(cov)
        widest = vectors[:, -1] * np.sqrt(values[-1])
        for m, step in enumerate([-1.0, 0.0, 1.0]):
            np.testing.assert_allclose(means[k, m], own.mean(axis=0) + step * widest, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(covariances[k, m], cov, rtol=1e-10, atol=1e-12)


def test_an_empty_component_cannot_start():
    family = em.GaussianMixtureEmission(n_mixture=2, n_components=2)
    x = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(em.DegenerateComponentError, match="component.s. 1 received no weight"):
        family.m_step(family.stats(x, np.eye(2)[np.zeros(10, dtype=int)]))


def test_n_params_counts_gaussians_and_mixture_weights():
    family = fitted_family("VVV")
    assert family.n_params() == 4 * (2 + 3) + 2 * 1
    assert fitted_family("EEI").n_params() == 4 * 2 + 2 + 2 * 1  # one shared diagonal


def test_sample_draws_from_the_weighted_mixture():
    family = fitted_family()
    draws = family.sample(np.ones(40000, dtype=int), np.random.default_rng(4))
    mean = MIXTURE_WEIGHTS[1] @ MEANS[1]
    second = np.einsum("m,mij->ij", MIXTURE_WEIGHTS[1], COVARIANCES[1] + np.einsum("mi,mj->mij", MEANS[1], MEANS[1]))
    np.testing.assert_allclose(draws.mean(axis=0), mean, atol=0.04)
    np.testing.assert_allclose(np.cov(draws.T, bias=True), second - np.outer(mean, mean), atol=0.1)


def test_spec_round_trip_through_the_registry():
    family = em.GaussianMixtureEmission("VII", n_mixture=3, n_components=4, reg_covar=1e-3)
    rebuilt = family_from_spec(family.spec())
    assert type(rebuilt) is em.GaussianMixtureEmission and repr(rebuilt) == repr(family)


def test_bad_parameters_are_refused_with_their_name():
    with pytest.raises(ValueError, match="n_mixture must be at least 1"):
        em.GaussianMixtureEmission(n_mixture=0)
    params = fitted_family().to_dataset(np.array(["a", "b"]))
    family = em.GaussianMixtureEmission(n_mixture=2, n_components=2)
    with pytest.raises(ValueError, match="mixture_weights must be non-negative and sum to 1"):
        family.from_dataset(params.assign(mixture_weights=params.mixture_weights * 2), np.full(2, 0.5))
    with pytest.raises(ValueError, match="lack the variable 'mixture_means'"):
        family.from_dataset(params.drop_vars("mixture_means"), np.full(2, 0.5))


# ----------------------------------------------------------------------------
# As an HMM emission
# ----------------------------------------------------------------------------


def test_hmm_recovers_simulated_parameters(hmm_fit):
    params = hmm_fit.params
    states, within = state_order(params)
    rows = states[:, None]
    np.testing.assert_allclose(params.transmat.values[np.ix_(states, states)], TRANSMAT, atol=0.03)
    weights = np.take_along_axis(params.mixture_weights.values[states], within, 1)
    np.testing.assert_allclose(weights, MIXTURE_WEIGHTS, atol=0.04)
    means = params.mixture_means.values[rows, within]
    np.testing.assert_allclose(means, MEANS, atol=0.1)
    covariances = params.mixture_covariances.values[rows, within]
    np.testing.assert_allclose(covariances, COVARIANCES, atol=0.1)
    assert hmm_fit.n_params == 1 + 2 + 4 * (2 + 3) + 2 * 1


def test_hmm_log_likelihood_never_decreases(sequences):
    X, _ = sequences
    model = em.HiddenMarkovModel(em.GaussianMixtureEmission(n_mixture=2), n_states=2)
    fit = model.fit(X, lengths=LENGTHS, init="kmeans++", n_init=2, random_state=0, tol=0, max_iter=30)
    for trace in fit.trace.log_likelihood.values:
        trace = trace[np.isfinite(trace)]
        assert len(trace) == 31
        assert np.all(np.diff(trace) >= -1e-10 * np.abs(trace[1:])), trace


def test_hmm_save_load_round_trip(hmm_fit, sequences):
    X, _ = sequences
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "gmmhmm.nc")
        hmm_fit.to_netcdf(path)
        loaded = em.load_fit(path)
    assert loaded.params.identical(hmm_fit.params)
    assert loaded.score(X, lengths=LENGTHS) == pytest.approx(hmm_fit.score(X, lengths=LENGTHS), rel=1e-12)


def test_hmm_sample_draws_each_state_from_its_mixture(hmm_fit):
    draws = hmm_fit.sample(20000, random_state=0, as_frame=False)
    p = hmm_fit.params
    for k in range(2):
        mixture_mean = p.mixture_weights.values[k] @ p.mixture_means.values[k]
        np.testing.assert_allclose(draws.values[draws.state.values == k].mean(axis=0), mixture_mean, atol=0.1)


def hmmlearn_gmmhmm(n_iter):
    hmm = pytest.importorskip("hmmlearn.hmm")
    logging.getLogger("hmmlearn").setLevel(logging.ERROR)
    # Its priors at their defaults give the MLE for "full": weights_prior=1, means_weight=0,
    # covars_prior=0, covars_weight=-(d + 2) (the M-step divides by occupancy + 1 + weight + d + 1).
    return hmm.GMMHMM(
        n_components=2, n_mix=2, covariance_type="full", n_iter=n_iter, tol=-np.inf,
        init_params="", params="stmcw", random_state=0,
    )


def rough_start(model, X):
    """Starting parameters away from the truth, laid out as ``model``'s fit parameters."""
    template = model.fit(X, lengths=LENGTHS, max_iter=0, random_state=0).params
    values = {
        "startprob": [0.5, 0.5],
        "transmat": [[0.8, 0.2], [0.3, 0.7]],
        "mixture_weights": [[0.5, 0.5], [0.5, 0.5]],
        "mixture_means": MEANS + np.array([0.5, -0.3]),
        "mixture_covariances": np.tile(np.eye(2), (2, 2, 1, 1)),
    }
    return template.assign({name: (template[name].dims, np.asarray(v, dtype=float)) for name, v in values.items()})


def hmmlearn_from(start, n_iter):
    reference = hmmlearn_gmmhmm(n_iter)
    reference.startprob_ = start.startprob.values
    reference.transmat_ = start.transmat.values
    reference.weights_ = start.mixture_weights.values
    reference.means_ = start.mixture_means.values
    reference.covars_ = start.mixture_covariances.values
    return reference


def test_one_baum_welch_step_equals_hmmlearn_up_to_its_centring(sequences):
    """Same start, one iteration: the same log-likelihood and updates.

    hmmlearn's GMMHMM accumulates each Gaussian's scatter about its *previous*
    mean (``X - self.means_`` in the E-step), so its covariance is the exact
    M-step's plus ``(mu_new - mu_old)(mu_new - mu_old)^T``; everything else is
    the same EM step. Its traces therefore part from EM's after the first
    iteration, and only the first step is compared exactly.
    """
    X, _ = sequences
    model = em.HiddenMarkovModel(em.GaussianMixtureEmission(n_mixture=2, reg_covar=0.0), n_states=2)
    start = rough_start(model, X)
    reference = hmmlearn_from(start, n_iter=1).fit(X, LENGTHS)
    fit = model.fit(X, lengths=LENGTHS, init=start, max_iter=1, tol=0)
    trace = fit.trace.log_likelihood.values[fit.best_restart]
    assert trace[0] == pytest.approx(reference.monitor_.history[0], rel=1e-10)
    assert trace[1] > trace[0] + 1.0
    params = fit.params
    np.testing.assert_allclose(params.startprob.values, reference.startprob_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(params.transmat.values, reference.transmat_, rtol=1e-8)
    np.testing.assert_allclose(params.mixture_weights.values, reference.weights_, rtol=1e-8)
    np.testing.assert_allclose(params.mixture_means.values, reference.means_, rtol=1e-8, atol=1e-10)
    moved = params.mixture_means.values - start.mixture_means.values
    centring = np.einsum("kmi,kmj->kmij", moved, moved)
    np.testing.assert_allclose(params.mixture_covariances.values + centring, reference.covars_, rtol=1e-8, atol=1e-10)


def test_converges_to_hmmlearns_fixed_point(sequences):
    """At a fixed point the means stop moving, so hmmlearn's centring no longer matters."""
    X, _ = sequences
    model = em.HiddenMarkovModel(em.GaussianMixtureEmission(n_mixture=2, reg_covar=0.0), n_states=2)
    start = rough_start(model, X)
    reference = hmmlearn_from(start, n_iter=25).fit(X, LENGTHS)
    fit = model.fit(X, lengths=LENGTHS, init=start, max_iter=25, tol=0)
    assert fit.log_likelihood == pytest.approx(reference.score(X, LENGTHS), rel=1e-9)
    np.testing.assert_allclose(fit.params.mixture_means.values, reference.means_, atol=1e-4)


# ----------------------------------------------------------------------------
# In a mixture
# ----------------------------------------------------------------------------


def test_mixture_of_gaussian_mixtures(sequences):
    X, _ = sequences
    x = X[:1500]
    fit = em.Mixture(em.GaussianMixtureEmission(n_mixture=2), n_components=2).fit(x, n_init=2, random_state=0)
    for trace in fit.trace.log_likelihood.values:
        trace = trace[np.isfinite(trace)]
        assert np.all(np.diff(trace) >= -1e-10 * np.abs(trace[1:]))
    p = fit.params
    # The fit is a four-Gaussian mixture with weights w_k c_km: its log-likelihood from scipy.
    density = sum(
        p.weights.values[k] * mixture_density(x, p.mixture_weights.values[k], p.mixture_means.values[k],
                                              p.mixture_covariances.values[k])
        for k in range(2)
    )
    assert fit.log_likelihood == pytest.approx(np.log(density).sum(), rel=1e-10)
    assert fit.n_params == 1 + 4 * (2 + 3) + 2
    check_round_trip(fit, x)


def test_one_component_is_the_gaussian_mixture_with_its_standard_errors(sequences):
    """A single Gaussian-mixture component is an M-component Gaussian mixture: same fit, same standard errors."""
    X, _ = sequences
    x = X[:1500]
    model = em.Mixture(em.GaussianMixtureEmission(n_mixture=2), n_components=1)
    fit = model.fit(x, random_state=0, tol=1e-12, max_iter=3000)
    p = fit.params
    start = xr.Dataset(
        {
            "weights": ("component", p.mixture_weights.values[0]),
            "means": (("component", "feature"), p.mixture_means.values[0]),
            "covariances": (("component", "feature", "feature2"), p.mixture_covariances.values[0]),
        }
    )
    gaussian = em.Mixture(em.Gaussian(), n_components=2).fit(x, init=start, tol=1e-12, max_iter=3000)
    assert fit.log_likelihood == pytest.approx(gaussian.log_likelihood, rel=1e-12)
    ours, theirs = em.summary(fit, x), em.summary(gaussian, x)
    assert len(ours) == len(theirs) + 1  # plus the fixed weight of the single component
    np.testing.assert_allclose(ours.estimate.values[1:], theirs.estimate.values, atol=1e-4)
    np.testing.assert_allclose(ours.std_error.values[1:], theirs.std_error.values, rtol=1e-3)

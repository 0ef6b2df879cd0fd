"""Hidden Markov models with values missing at random (missing="marginalize") against a numpy forward-backward."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

import emkit as em

pytestmark = pytest.mark.filterwarnings("ignore::emkit.ConvergenceWarning")  # short runs on purpose

LENGTHS = [70, 50]


def _sequences(seed=0, rate=0.25):
    """Two sequences of a two-state bivariate Gaussian chain with NaN, some rows (one a sequence's first) all NaN."""
    rng = np.random.default_rng(seed)
    states = np.r_[np.repeat([0, 1, 0], [25, 25, 20]), np.repeat([1, 0], 25)]
    means = np.array([[0.0, 0.0], [2.5, -1.5]])
    x = means[states] + rng.multivariate_normal([0, 0], [[1.0, 0.5], [0.5, 1.2]], len(states))
    x[rng.random(x.shape) < rate] = np.nan
    x[[3, 4, 40, LENGTHS[0]]] = np.nan
    return x


def _model():
    return em.HiddenMarkovModel(em.Gaussian("full", reg_covar=0.0), n_states=2)


def _log_emissions(x, means, covs):
    """``log N(x_o | mu_o, Sigma_oo)`` row by row with scipy; 0 for a row with nothing observed."""
    out = np.zeros((len(x), len(means)))
    for i, row in enumerate(x):
        o = ~np.isnan(row)
        if o.any():
            out[i] = [multivariate_normal(m[o], c[np.ix_(o, o)]).logpdf(row[o]) for m, c in zip(means, covs)]
    return out


def _forward_backward(startprob, transmat, log_b):
    """Scaled forward-backward of one sequence: log-likelihood, state posteriors, expected transition counts."""
    top = log_b.max(axis=1, keepdims=True)
    b = np.exp(log_b - top)
    n, K = b.shape
    alpha, beta, scale = np.zeros((n, K)), np.ones((n, K)), np.zeros(n)
    for t in range(n):
        a = (startprob if t == 0 else alpha[t - 1] @ transmat) * b[t]
        scale[t] = a.sum()
        alpha[t] = a / scale[t]
    for t in range(n - 2, -1, -1):
        beta[t] = transmat @ (b[t + 1] * beta[t + 1]) / scale[t + 1]
    xi = sum(np.outer(alpha[t], b[t + 1] * beta[t + 1]) * transmat / scale[t + 1] for t in range(n - 1))
    return np.log(scale).sum() + top.sum(), alpha * beta, xi


def _reference_baum_welch(x, lengths, startprob, transmat, means, covs, n_iter):
    """Baum-Welch on the observed entries: completed Gaussian statistics, rows of NaN only left out of them."""
    bounds = np.r_[0, np.cumsum(lengths)]
    trace = []
    for it in range(n_iter + 1):
        log_b = _log_emissions(x, means, covs)
        pieces = [_forward_backward(startprob, transmat, log_b[s:e]) for s, e in zip(bounds[:-1], bounds[1:])]
        trace.append(sum(p[0] for p in pieces))
        gamma = np.concatenate([p[1] for p in pieces])
        if it == n_iter:
            return np.array(trace), gamma, startprob, transmat, means, covs
        startprob = sum(p[1][0] for p in pieces) / len(lengths)
        xi = sum(p[2] for p in pieces)
        transmat = xi / xi.sum(axis=1, keepdims=True)
        means, covs = _completed_gaussian_m_step(x, gamma, means, covs)


def _completed_gaussian_m_step(x, gamma, means, covs):
    K, d = means.shape
    seen = ~np.isnan(x).all(axis=1)
    x, gamma = x[seen], gamma[seen]
    xhat = np.repeat(means[:, None, :], len(x), axis=1)
    corr = np.zeros((K, len(x), d, d))
    for i, row in enumerate(x):
        o = ~np.isnan(row)
        m = ~o
        for k in range(K):
            s = covs[k]
            b = s[np.ix_(m, o)] @ np.linalg.inv(s[np.ix_(o, o)])
            xhat[k, i, o] = row[o]
            xhat[k, i, m] = means[k, m] + b @ (row[o] - means[k, o])
            corr[k, i][np.ix_(m, m)] = s[np.ix_(m, m)] - b @ s[np.ix_(o, m)]
    nk = gamma.sum(axis=0)
    new_means = np.einsum("nk,knd->kd", gamma, xhat) / nk[:, None]
    new_covs = np.stack([
        (np.einsum("n,ni,nj->ij", gamma[:, k], xhat[k] - new_means[k], xhat[k] - new_means[k])
         + np.einsum("n,nij->ij", gamma[:, k], corr[k])) / nk[k]
        for k in range(K)
    ])
    return new_means, new_covs


def _numpy_params(params):
    return (params.startprob.values, params.transmat.values, params.means.values, params.covariances.values)


def test_log_likelihood_and_posteriors_match_numpy_forward_backward():
    x = _sequences()
    fit = _model().fit(x, LENGTHS, missing="marginalize", init="kmeans++", n_init=1, random_state=0, max_iter=5)
    startprob, transmat, means, covs = _numpy_params(fit.params)
    log_b = _log_emissions(x, means, covs)
    bounds = np.r_[0, np.cumsum(LENGTHS)]
    pieces = [_forward_backward(startprob, transmat, log_b[s:e]) for s, e in zip(bounds[:-1], bounds[1:])]
    expected = sum(p[0] for p in pieces)
    assert fit.score(x, LENGTHS, missing="marginalize") == pytest.approx(expected, rel=1e-10)
    proba = fit.predict_proba(x, LENGTHS, missing="marginalize").values
    np.testing.assert_allclose(proba, np.concatenate([p[1] for p in pieces]), atol=1e-10)
    assert float(fit.score_samples(x, LENGTHS, missing="marginalize").sum()) == pytest.approx(expected, rel=1e-10)
    log_probability, states = fit.decode(x, LENGTHS, missing="marginalize")
    assert log_probability <= expected and states.sizes["observation"] == len(x)


def test_baum_welch_steps_match_the_reference():
    x = _sequences(seed=1)
    start = _model().fit(x, LENGTHS, missing="marginalize", init="kmeans++", n_init=1, random_state=1, max_iter=1)
    fit = _model().fit(x, LENGTHS, missing="marginalize", init=start.params, n_init=1, tol=0, max_iter=4)
    trace, _, startprob, transmat, means, covs = _reference_baum_welch(x, LENGTHS, *_numpy_params(start.params), 4)
    np.testing.assert_allclose(fit.trace.log_likelihood.values.ravel(), trace, rtol=1e-10)
    np.testing.assert_allclose(fit.params.startprob.values, startprob, atol=1e-10)
    np.testing.assert_allclose(fit.params.transmat.values, transmat, atol=1e-10)
    np.testing.assert_allclose(fit.params.means.values, means, atol=1e-10)
    np.testing.assert_allclose(fit.params.covariances.values, covs, atol=1e-10)


def test_log_likelihood_never_decreases():
    x = _sequences(seed=2, rate=0.35)
    fit = _model().fit(x, LENGTHS, missing="marginalize", init="kmeans++", n_init=1, random_state=2, tol=0,
                       max_iter=40)
    trace = fit.trace.log_likelihood.values.ravel()
    assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:]))


def test_rows_with_nothing_observed_carry_the_chain():
    """Such a row has emission density 1 in every state: its posterior is the chain's, between its neighbours."""
    x = _sequences(seed=3)
    fit = _model().fit(x, LENGTHS, missing="marginalize", init="kmeans++", n_init=1, random_state=0)
    empty = np.isnan(x).all(axis=1)
    assert fit.n_obs == (~empty).sum()
    startprob, transmat, means, covs = _numpy_params(fit.params)
    proba = fit.predict_proba(x, LENGTHS, missing="marginalize").values
    # the first row of the second sequence is all NaN: its posterior is startprob times the backward message
    _, gamma, _ = _forward_backward(startprob, transmat, _log_emissions(x[LENGTHS[0]:], means, covs))
    np.testing.assert_allclose(proba[LENGTHS[0]], gamma[0], atol=1e-12)
    # dropping a whole all-NaN sequence changes nothing
    only_nan = np.full((5, 2), np.nan)
    assert fit.score(np.r_[x, only_nan], [*LENGTHS, 5], missing="marginalize") == pytest.approx(
        fit.score(x, LENGTHS, missing="marginalize"), rel=1e-12
    )


def test_nan_without_the_option_points_to_it():
    x = _sequences(seed=4)
    with pytest.raises(ValueError, match=r'row\(s\) \[.*missing="marginalize"'):
        _model().fit(x, LENGTHS)
    complete = np.nan_to_num(x, nan=0.0)
    strict = _model().fit(complete, LENGTHS, init="kmeans++", n_init=1, random_state=0)
    with pytest.raises(ValueError, match='missing="marginalize"'):
        strict.predict_proba(x, LENGTHS)
    # a fit made with the option remembers it: its methods read NaN as missing
    fit = _model().fit(x, LENGTHS, missing="marginalize", init="kmeans++", n_init=1, random_state=0)
    np.testing.assert_array_equal(
        fit.predict_proba(x, LENGTHS).values, fit.predict_proba(x, LENGTHS, missing="marginalize").values
    )


def test_emission_family_without_marginalisation_says_so():
    with pytest.raises(TypeError, match="StudentT components cannot marginalise missing values"):
        em.HiddenMarkovModel(em.StudentT(), n_states=2).fit(_sequences(seed=5), missing="marginalize")

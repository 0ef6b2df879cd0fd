"""Recovery of known parameters from simulated data; chunking, seeds, inits.

Truths are simulated here; tolerances are a few standard errors of the
complete-data MLE (the components are far apart, so EM's estimate is that
MLE up to a negligible overlap term).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy.optimize import linear_sum_assignment

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES

from oracles import STRUCTURE

K = 3
WEIGHTS = np.array([0.2, 0.3, 0.5])


def random_spd(rng, d):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return (q * rng.uniform(0.5, 2.0, size=d)) @ q.T


def truth(name, d, seed):
    """Weights, means (15 apart, sd <= 1.5) and covariances with the structure."""
    rng = np.random.default_rng(seed)
    shared, shape = STRUCTURE[name]
    means = np.zeros((K, d))
    means[1, 0] = 15.0
    means[2, 1] = 15.0
    means += rng.normal(size=(K, d))
    count = 1 if shared else K
    if shape == "full":
        covs = np.stack([random_spd(rng, d) for _ in range(count)])
    elif shape == "diag":
        covs = np.stack([np.diag(rng.uniform(0.5, 2.0, size=d)) for _ in range(count)])
    else:
        covs = np.stack([rng.uniform(0.5, 2.0) * np.eye(d) for _ in range(count)])
    covs = np.repeat(covs, K // count, axis=0)
    return WEIGHTS.copy(), means, covs


def simulate(weights, means, covs, n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(K, size=n, p=weights)
    chol = np.linalg.cholesky(covs)
    x = means[labels] + np.einsum("nij,nj->ni", chol[labels], rng.standard_normal((n, means.shape[1])))
    return x, labels


def as_params(weights, means, covs):
    return xr.Dataset(
        {
            "weights": ("component", weights),
            "means": (("component", "feature"), means),
            "covariances": (("component", "feature", "feature2"), covs),
        }
    )


def align(fit, true_means):
    """Estimated parameters reordered to the true components (Hungarian on means)."""
    means = fit.params.means.values
    cost = ((means[:, None, :] - true_means[None]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    order = rows[np.argsort(cols)]
    return fit.params.weights.values[order], means[order], fit.params.covariances.values[order]


def covariance_se(name, covs, weights, n):
    """Standard errors of the covariance MLE under a structure (entrywise)."""
    shared, shape = STRUCTURE[name]
    d = covs.shape[-1]
    n_eff = np.full(K, float(n)) if shared else n * weights
    out = np.empty_like(covs)
    for k in range(K):
        s = covs[k]
        if shape == "full":
            out[k] = np.sqrt((np.outer(np.diag(s), np.diag(s)) + s**2) / n_eff[k])
        elif shape == "diag":
            out[k] = np.diag(np.sqrt(2 * np.diag(s) ** 2 / n_eff[k]))
        else:
            out[k] = np.sqrt(2 * s[0, 0] ** 2 / (n_eff[k] * d)) * np.eye(d)
    return out


def assert_within_se(estimate, truth_value, se, z=4.5, what=""):
    excess = np.abs(estimate - truth_value) - z * se
    assert np.all(excess <= 1e-12), f"{what}: max |error|/se = {np.max(np.abs(estimate - truth_value) / np.where(se > 0, se, np.inf)):.2f}"


@pytest.mark.parametrize("name", list(STRUCTURE))  # the other eight: tests/test_covariance_models.py
@pytest.mark.parametrize("d", [2, 4])
def test_recovers_simulation_truth(name, d):
    n = 20000
    weights, means, covs = truth(name, d, seed=d)
    x, labels = simulate(weights, means, covs, n, seed=100 + d)
    fit = em.GaussianMixture(K, covariance=name).fit(x, n_init=2, random_state=0, tol=1e-8)
    assert fit.converged
    w_hat, m_hat, c_hat = align(fit, means)

    assert_within_se(w_hat, weights, np.sqrt(weights * (1 - weights) / n), what="weights")
    mean_se = np.sqrt(np.diagonal(covs, axis1=1, axis2=2) / (n * weights[:, None]))
    assert_within_se(m_hat, means, mean_se, what="means")
    cov_se = covariance_se(name, covs, weights, n)
    assert_within_se(c_hat, covs, cov_se, what="covariances")

    # Sharper: with the labels known, the complete-data MLE (computed here
    # with numpy) is what EM should find on data this well separated.
    counts = np.bincount(labels, minlength=K)
    oracle_means = np.stack([x[labels == k].mean(axis=0) for k in range(K)])
    np.testing.assert_allclose(w_hat, counts / n, atol=1e-5)  # ~0.003 standard errors
    assert_within_se(m_hat, oracle_means, mean_se, z=0.05, what="means vs oracle")


def chunk_data(seed=7, n=700):
    weights, means, covs = truth("VVV", 2, seed=seed)
    x, _ = simulate(weights, means, covs, n, seed=seed)
    return x


@pytest.mark.parametrize(("name", "chunk_size"), [(name, 7) for name in COVARIANCE_NAMES] + [("VVV", 100), ("EVE", 100)])
def test_chunked_fit_equals_in_memory_fit(name, chunk_size):
    x = chunk_data()
    w = np.random.default_rng(8).uniform(0.2, 3.0, size=len(x))
    model = em.GaussianMixture(K, covariance=name)
    for sample_weight in (None, w):
        kwargs = dict(init="kmeans++", tol=0, max_iter=12, random_state=3, sample_weight=sample_weight)
        whole = model.fit(x, chunk_size=len(x), **kwargs)
        chunked = model.fit(x, chunk_size=chunk_size, **kwargs)
        for var in ("weights", "means", "covariances"):
            np.testing.assert_allclose(chunked.params[var], whole.params[var], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(
            chunked.trace.log_likelihood.values, whole.trace.log_likelihood.values, rtol=1e-10
        )
        np.testing.assert_allclose(chunked.log_likelihood, whole.log_likelihood, rtol=1e-10)
        np.testing.assert_allclose(
            chunked.classification_log_likelihood, whole.classification_log_likelihood, rtol=1e-8, atol=1e-9
        )


@pytest.mark.parametrize("init", ["kmeans++", "random_from_data", "random"])
def test_same_random_state_gives_identical_fits(init):
    x = chunk_data(seed=9, n=400)
    model = em.GaussianMixture(K, covariance="VVV")
    a = model.fit(x, n_init=3, init=init, random_state=123, max_iter=8, tol=0)
    b = model.fit(x, n_init=3, init=init, random_state=123, max_iter=8, tol=0)
    xr.testing.assert_identical(a.params, b.params)
    xr.testing.assert_identical(a.trace, b.trace)
    # numpy Generators seeded alike also reproduce the fit
    c = model.fit(x, n_init=3, init=init, random_state=np.random.default_rng(5), max_iter=8, tol=0)
    d = model.fit(x, n_init=3, init=init, random_state=np.random.default_rng(5), max_iter=8, tol=0)
    xr.testing.assert_identical(c.trace, d.trace)
    # ... and the seed does matter: another seed starts elsewhere
    other = model.fit(x, n_init=3, init=init, random_state=124, max_iter=8, tol=0)
    assert not np.array_equal(other.trace.log_likelihood.values[:, 0], a.trace.log_likelihood.values[:, 0])


def user_responsibilities(x, true_means, seed):
    """Soft responsibilities around perturbed centres: a rough user guess."""
    rng = np.random.default_rng(seed)
    centres = true_means + rng.normal(scale=3.0, size=true_means.shape)
    logits = -((x[:, None, :] - centres[None]) ** 2).sum(axis=2) / 50.0
    logits -= logits.max(axis=1, keepdims=True)
    resp = np.exp(logits)
    return resp / resp.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("init", ["kmeans++", "random_from_data", "random", "responsibilities"])
@pytest.mark.parametrize("name", ["VVV", "EEI"])
def test_every_init_reaches_the_optimum(init, name):
    n = 600
    weights, means, covs = truth(name, 2, seed=11)
    x, _ = simulate(weights, means, covs, n, seed=12)
    model = em.GaussianMixture(K, covariance=name)
    reference = model.fit(x, init=as_params(weights, means, covs), tol=1e-10, max_iter=1000)
    start = user_responsibilities(x, means, seed=13) if init == "responsibilities" else init
    with warnings.catch_warnings():
        warnings.simplefilter("error", em.ConvergenceWarning)
        fit = model.fit(x, n_init=6, init=start, random_state=0, tol=1e-8, max_iter=300)
    assert fit.converged
    np.testing.assert_allclose(fit.log_likelihood, reference.log_likelihood, rtol=1e-9)
    w_hat, m_hat, c_hat = align(fit, means)
    w_ref, m_ref, c_ref = align(reference, means)
    np.testing.assert_allclose(w_hat, w_ref, atol=1e-6)
    np.testing.assert_allclose(m_hat, m_ref, atol=1e-5)
    np.testing.assert_allclose(c_hat, c_ref, atol=1e-5)
    mean_se = np.sqrt(np.diagonal(covs, axis1=1, axis2=2) / (n * weights[:, None]))
    assert_within_se(m_hat, means, mean_se, what="means")

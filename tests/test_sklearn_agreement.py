"""emkit and scikit-learn run the same EM iterations from the same start.

Iteration counting (sklearn/mixture/_base.py, ``fit_predict``): with given
``weights_init``, ``means_init`` and ``precisions_init`` the start is exactly
those parameters (``_initialize`` overwrites whatever ``init_params``
produced); each of ``max_iter`` iterations is one E-step followed by one
M-step, and ``tol=0`` never stops early (``abs(change) < 0`` is never true).
So sklearn's returned parameters are ``max_iter`` M-steps from the start,
which is what emkit returns with ``tol=0, max_iter=max_iter``
(``ConvergenceMonitor``: ``max_iter`` M-steps). ``gm.score(X) * n`` is the
log-likelihood of the returned parameters, as is ``fit.log_likelihood``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

import emkit as em

sklearn_mixture = pytest.importorskip("sklearn.mixture")
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning  # noqa: E402

SKLEARN_TYPES = ["full", "diag", "spherical", "tied"]
K = 3


def simulated(seed, n=500, d=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(K, d))
    labels = rng.choice(K, size=n, p=[0.2, 0.3, 0.5])
    scales = rng.uniform(0.5, 2.0, size=(K, d))
    return centres[labels] + rng.normal(size=(n, d)) * scales[labels]


def start_parameters(covariance_type, X, seed):
    """Deliberately rough starting values in the structure, built from the data."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    weights = rng.dirichlet(np.full(K, 5.0))
    means = X[rng.choice(n, size=K, replace=False)] + rng.normal(scale=0.1, size=(K, d))
    data_cov = np.cov(X, rowvar=False)
    if covariance_type == "full":
        covs = []
        for _ in range(K):
            a = rng.normal(size=(d, d))
            covs.append(0.5 * data_cov + 0.2 * a @ a.T / d)
        covs = np.stack(covs)
        precisions = np.linalg.inv(covs)
    elif covariance_type == "tied":
        a = rng.normal(size=(d, d))
        tied = 0.5 * data_cov + 0.2 * a @ a.T / d
        covs = np.repeat(tied[None], K, axis=0)
        precisions = np.linalg.inv(tied)
    elif covariance_type == "diag":
        var = np.diag(data_cov) * rng.uniform(0.3, 1.0, size=(K, d))
        covs = np.stack([np.diag(v) for v in var])
        precisions = 1.0 / var
    else:  # spherical
        var = np.mean(np.diag(data_cov)) * rng.uniform(0.3, 1.0, size=K)
        covs = var[:, None, None] * np.eye(d)
        precisions = 1.0 / var
    return weights, means, covs, precisions


def as_params(weights, means, covs):
    return xr.Dataset(
        {
            "weights": ("component", weights),
            "means": (("component", "feature"), means),
            "covariances": (("component", "feature", "feature2"), covs),
        }
    )


def sklearn_full_covariances(gm, d):
    cov = gm.covariances_
    if gm.covariance_type == "full":
        return cov
    if gm.covariance_type == "tied":
        return np.repeat(cov[None], gm.n_components, axis=0)
    if gm.covariance_type == "diag":
        return np.stack([np.diag(v) for v in cov])
    return cov[:, None, None] * np.eye(d)


def fit_both(covariance_type, X, max_iter, seed, reg_covar):
    weights, means, covs, precisions = start_parameters(covariance_type, X, seed)
    gm = sklearn_mixture.GaussianMixture(
        n_components=K,
        covariance_type=covariance_type,
        weights_init=weights,
        means_init=means,
        precisions_init=precisions,
        init_params="random_from_data",
        tol=0.0,
        max_iter=max_iter,
        reg_covar=reg_covar,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklearnConvergenceWarning)
        gm.fit(X)
    fit = em.GaussianMixture(K, covariance=covariance_type, reg_covar=reg_covar).fit(
        X, init=as_params(weights, means, covs), tol=0, max_iter=max_iter
    )
    return gm, fit


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
@pytest.mark.parametrize("max_iter", [1, 2, 40])
def test_same_iterates_as_sklearn(covariance_type, max_iter):
    X = simulated(0)
    gm, fit = fit_both(covariance_type, X, max_iter, seed=1, reg_covar=1e-6)
    assert fit.n_iter == max_iter
    assert gm.n_iter_ == max_iter
    n, d = X.shape
    np.testing.assert_allclose(fit.log_likelihood, gm.score(X) * n, rtol=1e-10)
    np.testing.assert_allclose(fit.params.weights.values, gm.weights_, rtol=1e-8)
    np.testing.assert_allclose(fit.params.means.values, gm.means_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(
        fit.params.covariances.values, sklearn_full_covariances(gm, d), rtol=1e-8, atol=1e-10
    )


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_iteration_count_is_not_off_by_one(covariance_type):
    """The check above could pass for 40 vs 41 iterations near convergence; at 1 vs 2 it cannot."""
    X = simulated(0)
    gm_one, _ = fit_both(covariance_type, X, 1, seed=1, reg_covar=1e-6)
    _, fit_two = fit_both(covariance_type, X, 2, seed=1, reg_covar=1e-6)
    assert not np.allclose(fit_two.params.means.values, gm_one.means_, rtol=1e-6)


# A ridge as large as 0.5 makes the M-step differ from the maximiser of Q, so
# the plain log-likelihood may decrease (emkit warns); both libraries still
# take the very same steps, which is what is checked here.
@pytest.mark.filterwarnings("ignore::emkit.LikelihoodDecreaseWarning")
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_same_iterates_as_sklearn_on_faithful_with_large_reg(covariance_type):
    X = em.datasets.load("faithful").to_numpy()
    gm, fit = fit_both(covariance_type, X, 25, seed=2, reg_covar=0.5)
    n, d = X.shape
    np.testing.assert_allclose(fit.log_likelihood, gm.score(X) * n, rtol=1e-10)
    np.testing.assert_allclose(fit.params.weights.values, gm.weights_, rtol=1e-8)
    np.testing.assert_allclose(fit.params.means.values, gm.means_, rtol=1e-8)
    np.testing.assert_allclose(fit.params.covariances.values, sklearn_full_covariances(gm, d), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_predictions_agree_with_sklearn(covariance_type):
    X = simulated(3)
    gm, fit = fit_both(covariance_type, X, 10, seed=4, reg_covar=1e-6)
    Xnew = simulated(5, n=200)
    np.testing.assert_allclose(fit.score_samples(Xnew).values, gm.score_samples(Xnew), rtol=1e-9)
    np.testing.assert_allclose(fit.predict_proba(Xnew).values, gm.predict_proba(Xnew), atol=1e-9)
    # same BIC formula and the same free-parameter count
    np.testing.assert_allclose(fit.bic(), gm.bic(X), rtol=1e-10)

"""emkit.sklearn.GaussianMixture against scikit-learn's GaussianMixture and numpy."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import mixture
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import emkit as em
from emkit.sklearn import GaussianMixture

FAITHFUL = em.datasets.load("faithful")
X = ((FAITHFUL - FAITHFUL.mean()) / FAITHFUL.std()).to_numpy()
SHAPES = {"full": (2, 2, 2), "tied": (2, 2), "diag": (2, 2), "spherical": (2,)}


def start(covariance_type):
    """Starting parameters near the two clusters, precisions in scikit-learn's shape for ``covariance_type``."""
    precision = {"full": np.array([np.eye(2), np.eye(2)]), "tied": np.eye(2), "diag": np.ones((2, 2)),
                 "spherical": np.ones(2)}[covariance_type]
    return {"weights_init": [0.4, 0.6], "means_init": [[-1.2, -1.2], [0.7, 0.7]], "precisions_init": precision}


def sklearn_workflow(cls, covariance_type):
    """Code written for sklearn.mixture.GaussianMixture; it must run unchanged on emkit's class."""
    gmm = cls(n_components=2, covariance_type=covariance_type, tol=1e-10, max_iter=1000, random_state=0,
              **start(covariance_type))
    gmm.fit(X)
    labels = gmm.predict(X)
    proba = gmm.predict_proba(X)
    draws, components = gmm.sample(50)
    return {
        "labels": labels, "proba": proba, "bic": gmm.bic(X), "aic": gmm.aic(X), "score": gmm.score(X),
        "weights": gmm.weights_, "means": gmm.means_, "covariances": gmm.covariances_,
        "precisions_cholesky": gmm.precisions_cholesky_, "draws": draws.shape, "components": components.shape,
        "converged": gmm.converged_, "fit_predict": gmm.fit_predict(X),
    }


@pytest.mark.parametrize("covariance_type", list(SHAPES))
def test_code_for_sklearn_runs_unchanged_and_reaches_the_same_optimum(covariance_type):
    ours, theirs = (sklearn_workflow(cls, covariance_type) for cls in (GaussianMixture, mixture.GaussianMixture))
    assert ours["covariances"].shape == theirs["covariances"].shape == SHAPES[covariance_type]
    for key in ("weights", "means", "covariances", "precisions_cholesky", "proba"):
        np.testing.assert_allclose(ours[key], theirs[key], atol=1e-5, err_msg=key)
    for key in ("bic", "aic", "score"):
        assert ours[key] == pytest.approx(theirs[key], rel=1e-7), key
    np.testing.assert_array_equal(ours["labels"], theirs["labels"])
    np.testing.assert_array_equal(ours["fit_predict"], theirs["fit_predict"])
    assert ours["draws"] == theirs["draws"] == (50, 2) and ours["components"] == (50,)
    assert ours["converged"] and theirs["converged"]


@pytest.mark.parametrize("covariance_type", list(SHAPES))
def test_scores_and_criteria_equal_sklearns_for_the_same_parameters(covariance_type):
    """scikit-learn's estimator given emkit's fitted parameters computes the same score, BIC and AIC."""
    ours = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    theirs = mixture.GaussianMixture(3, covariance_type=covariance_type, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X)
    theirs.weights_, theirs.means_ = ours.weights_, ours.means_
    theirs.covariances_, theirs.precisions_cholesky_ = ours.covariances_, ours.precisions_cholesky_
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-10)
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-10)  # equal BIC: equal parameter counts
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-10)


@pytest.mark.parametrize("init_params", ["kmeans", "random"])
def test_initialisation_draws_as_sklearn(init_params):
    """max_iter=0 keeps the start: one M-step from the responsibilities scikit-learn draws for the same seed."""
    kwargs = {"n_components": 3, "init_params": init_params, "max_iter": 0, "random_state": 7}
    ours, theirs = GaussianMixture(**kwargs).fit(X), mixture.GaussianMixture(**kwargs).fit(X)
    np.testing.assert_allclose(ours.means_, theirs.means_, atol=1e-10)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, atol=1e-10)
    assert ours.n_iter_ == theirs.n_iter_ == 0 and not ours.converged_


@pytest.mark.parametrize("init_params", ["k-means++", "random_from_data"])
def test_seed_initialisations_reach_sklearns_optimum(init_params):
    kwargs = {"n_components": 2, "init_params": init_params, "tol": 1e-10, "max_iter": 1000, "random_state": 3}
    ours, theirs = GaussianMixture(**kwargs).fit(X), mixture.GaussianMixture(**kwargs).fit(X)
    order = np.argsort(ours.means_[:, 0]), np.argsort(theirs.means_[:, 0])
    np.testing.assert_allclose(ours.means_[order[0]], theirs.means_[order[1]], atol=1e-5)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical", "EEE", "VEV", "EII"])
def test_fitted_attributes_are_the_results_parameters(covariance_type):
    gmm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(FAITHFUL)
    params = gmm.result_.params
    matrices = params.covariances.values
    np.testing.assert_array_equal(gmm.weights_, params.weights.values)
    np.testing.assert_array_equal(gmm.means_, params.means.values)
    if gmm.covariances_.shape == (2, 2, 2):
        np.testing.assert_array_equal(gmm.covariances_, matrices)
    elif covariance_type in ("tied", "EEE"):
        np.testing.assert_array_equal(gmm.covariances_, matrices[0])
        np.testing.assert_array_equal(matrices[0], matrices[1])
    elif covariance_type == "diag":
        np.testing.assert_array_equal(gmm.covariances_, np.diagonal(matrices, axis1=1, axis2=2))
    else:
        np.testing.assert_allclose(matrices, gmm.covariances_[:, None, None] * np.eye(2))
    if covariance_type in ("diag", "spherical"):
        np.testing.assert_allclose(gmm.precisions_cholesky_, 1 / np.sqrt(gmm.covariances_))
        np.testing.assert_allclose(gmm.precisions_, 1 / gmm.covariances_)
    else:  # scikit-learn's convention: upper-triangular U, U U^T the precision
        U = gmm.precisions_cholesky_
        np.testing.assert_allclose(U @ np.swapaxes(U, -1, -2), np.linalg.inv(gmm.covariances_), rtol=1e-10)
        np.testing.assert_array_equal(U, np.triu(U))
        np.testing.assert_allclose(gmm.precisions_, np.linalg.inv(gmm.covariances_), rtol=1e-10)
    assert gmm.lower_bound_ == pytest.approx(gmm.result_.log_likelihood / len(FAITHFUL))
    assert gmm.n_iter_ == gmm.result_.n_iter and gmm.converged_ == gmm.result_.converged
    assert gmm.n_features_in_ == 2 and list(gmm.feature_names_in_) == ["eruptions", "waiting"]
    assert list(gmm.result_.features) == ["eruptions", "waiting"]


def test_transform_is_the_responsibilities_with_named_columns():
    gmm = GaussianMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(gmm.transform(X), gmm.predict_proba(X))
    frame = clone(gmm).set_output(transform="pandas").fit_transform(pd.DataFrame(X, columns=["a", "b"]))
    assert list(frame.columns) == ["gaussianmixture0", "gaussianmixture1", "gaussianmixture2"]


def test_sample_is_grouped_by_component_and_reproducible():
    gmm = GaussianMixture(2, random_state=0).fit(X)
    draws, components = gmm.sample(200)
    again, _ = gmm.sample(200)
    np.testing.assert_array_equal(draws, again)
    assert draws.shape == (200, 2) and np.all(np.diff(components) >= 0)
    with pytest.raises(ValueError, match="n_samples"):
        gmm.sample(0)


def test_warm_start_continues_from_the_last_fit():
    gmm = GaussianMixture(2, warm_start=True, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = gmm.fit(X).lower_bound_
        second = gmm.fit(X).lower_bound_
    assert second >= first and gmm.n_iter_ == 1


def test_errors():
    with pytest.raises(NotFittedError):
        GaussianMixture().predict(X)
    holes = X.copy()
    holes[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GaussianMixture().fit(holes)
    gmm = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        gmm.predict(X[:, :1])
    with pytest.raises(ValueError, match="init_params"):
        GaussianMixture(init_params="kmeans+").fit(X)
    with pytest.raises(ValueError, match="unknown covariance"):
        GaussianMixture(covariance_type="banana").fit(X)
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        GaussianMixture(5).fit(X[:3])
    with pytest.raises(ValueError, match="means_init"):
        GaussianMixture(2, means_init=[[0.0, 0.0]]).fit(X)


def test_a_fit_that_does_not_converge_warns_as_sklearn():
    with pytest.warns(ConvergenceWarning):
        GaussianMixture(2, max_iter=1, random_state=0).fit(X)


def test_pickle_and_clone():
    gmm = GaussianMixture(2, covariance_type="VEV", random_state=0).fit(FAITHFUL)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(gmm)).predict(FAITHFUL), gmm.predict(FAITHFUL))
    assert clone(gmm).get_params() == gmm.get_params() and not hasattr(clone(gmm), "result_")

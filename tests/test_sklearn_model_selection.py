"""emkit.sklearn's estimators in pipelines, grid searches and cross-validation (Old Faithful, iris)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import mixture
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import emkit as em
from emkit.sklearn import GaussianMixture, aic_scorer, bic_scorer

FAITHFUL = em.datasets.load("faithful")
IRIS = load_iris()
GRID = {"gaussianmixture__n_components": [1, 2, 3], "gaussianmixture__covariance_type": ["full", "diag", "tied"]}
SETTINGS = {"tol": 1e-8, "max_iter": 500, "random_state": 0}


@pytest.mark.parametrize("X, K", [(FAITHFUL, 2), (IRIS.data, 3)], ids=["faithful", "iris"])
def test_pipeline_partitions_as_sklearns(X, K):
    ours = make_pipeline(StandardScaler(), GaussianMixture(K, **SETTINGS)).fit(X)
    theirs = make_pipeline(StandardScaler(), mixture.GaussianMixture(K, **SETTINGS)).fit(X)
    assert adjusted_rand_score(ours.predict(X), theirs.predict(X)) == pytest.approx(1.0)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-6)


def test_grid_search_by_bic_picks_the_lowest_bic_of_the_grid():
    """Fitted and scored on all the rows, the BIC scorer's choice is the argmin of scikit-learn's BIC over the grid."""
    everything = [(np.arange(len(FAITHFUL)), np.arange(len(FAITHFUL)))]
    search = GridSearchCV(make_pipeline(StandardScaler(), GaussianMixture(**SETTINGS)), GRID, scoring=bic_scorer,
                          cv=everything).fit(FAITHFUL)
    scaled = StandardScaler().fit_transform(FAITHFUL)
    bics = {
        (K, kind): mixture.GaussianMixture(K, covariance_type=kind, **SETTINGS).fit(scaled).bic(scaled)
        for K in GRID["gaussianmixture__n_components"] for kind in GRID["gaussianmixture__covariance_type"]
    }
    best = search.best_params_
    assert (best["gaussianmixture__n_components"], best["gaussianmixture__covariance_type"]) == min(bics, key=bics.get)
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        key = (params["gaussianmixture__n_components"], params["gaussianmixture__covariance_type"])
        assert -score == pytest.approx(bics[key], rel=1e-6)


def test_grid_search_by_default_score_is_held_out_log_likelihood():
    cv = KFold(3, shuffle=True, random_state=0)
    pipeline = make_pipeline(StandardScaler(), GaussianMixture(**SETTINGS))
    search = GridSearchCV(pipeline, GRID, cv=cv).fit(IRIS.data)
    best = pipeline.set_params(**search.best_params_)
    assert search.best_score_ == pytest.approx(cross_val_score(best, IRIS.data, cv=cv).mean())
    assert search.best_params_["gaussianmixture__n_components"] > 1


def test_cross_val_score_with_emkits_scorers():
    cv = KFold(3, shuffle=True, random_state=0)
    pipeline = make_pipeline(StandardScaler(), GaussianMixture(2, **SETTINGS))
    by_bic = cross_val_score(pipeline, FAITHFUL, cv=cv, scoring=bic_scorer)
    by_aic = cross_val_score(pipeline, FAITHFUL, cv=cv, scoring=aic_scorer)
    log_likelihood = cross_val_score(pipeline, FAITHFUL, cv=cv)
    n_params = 11  # 2 weights - 1, 2 x 2 means, 2 x 3 covariance entries
    test_sizes = np.array([len(test) for _, test in cv.split(FAITHFUL)])
    np.testing.assert_allclose(-by_aic, -2 * log_likelihood * test_sizes + 2 * n_params, rtol=1e-8)
    np.testing.assert_allclose(-by_bic, -2 * log_likelihood * test_sizes + n_params * np.log(test_sizes), rtol=1e-8)


def test_responsibilities_as_features_for_stacking():
    """transform gives the responsibilities: a mixture as the feature step before a classifier."""
    model = make_pipeline(StandardScaler(), GaussianMixture(3, **SETTINGS), LogisticRegression())
    accuracy = cross_val_score(model, IRIS.data, IRIS.target, cv=KFold(3, shuffle=True, random_state=0))
    assert accuracy.mean() > 0.85

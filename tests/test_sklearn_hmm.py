"""emkit.sklearn's hidden Markov models against hmmlearn, with lengths, and in scikit-learn's pipelines."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hmmlearn import hmm
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import emkit as em
from emkit.sklearn import GaussianHMM, HiddenMarkovModel

RNG = np.random.default_rng(1)
STATES = np.r_[np.repeat([0, 1, 0, 2], 40), np.repeat([2, 1, 0], 30)]
X = np.c_[np.array([0.0, 4.0, 8.0])[STATES], np.array([1.0, -1.0, 0.0])[STATES]] + RNG.normal(0, 1, (250, 2)) + 10
LENGTHS = [160, 90]
START = {
    "startprob_": np.array([0.5, 0.3, 0.2]),
    "transmat_": np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]),
    "means_": np.array([[9.0, 11.0], [15.0, 9.0], [17.0, 10.0]]),
    "covars_": np.array([[1.5, 1.5], [1.0, 2.0], [2.0, 1.0]]),
}


def started(model):
    """``model`` with the same starting parameters set as hmmlearn users set them."""
    for name, value in START.items():
        setattr(model, name, value.copy())
    return model


def test_same_start_same_fit_as_hmmlearn():
    """From the same start, the same Baum-Welch iterations (hmmlearn without its covariance prior)."""
    ours = started(GaussianHMM(3, min_covar=0.0, n_iter=5, tol=0.0, init_params="")).fit(X, LENGTHS)
    theirs = started(hmm.GaussianHMM(3, covars_prior=0.0, n_iter=5, tol=0.0, init_params="")).fit(X, LENGTHS)
    for name in ("startprob_", "transmat_", "means_", "covars_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), atol=1e-6, err_msg=name)
    assert ours.n_iter_ == theirs.monitor_.iter == 5
    assert ours.score(X, LENGTHS) == pytest.approx(theirs.score(X, LENGTHS), rel=1e-8)
    np.testing.assert_array_equal(ours.predict(X, LENGTHS), theirs.predict(X, LENGTHS))


@pytest.mark.parametrize("fitted", [True, False], ids=["fit with n_iter=0", "set by hand, not fitted"])
def test_scores_and_decoding_equal_hmmlearns_for_the_same_parameters(fitted):
    """A fit of no iteration keeps its start; hmmlearn's tutorial uses parameters set by hand without fitting."""
    ours = started(GaussianHMM(3, n_iter=0, init_params=""))
    if fitted:
        ours.fit(X, LENGTHS)
    theirs = started(hmm.GaussianHMM(3, init_params=""))
    assert ours.score(X, LENGTHS) == pytest.approx(theirs.score(X, LENGTHS), rel=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X, LENGTHS), theirs.predict_proba(X, LENGTHS), atol=1e-10)
    for algorithm in ("viterbi", "map"):
        log_prob, states = ours.decode(X, LENGTHS, algorithm=algorithm)
        their_log_prob, their_states = theirs.decode(X, LENGTHS, algorithm=algorithm)
        assert log_prob == pytest.approx(their_log_prob, rel=1e-10)
        np.testing.assert_array_equal(states, their_states)
    np.testing.assert_array_equal(ours.predict(X, LENGTHS), theirs.predict(X, LENGTHS))
    assert ours.bic(X, LENGTHS) == pytest.approx(theirs.bic(X, LENGTHS), rel=1e-10)


def test_sample_of_parameters_set_by_hand_as_hmmlearns():
    """Unfitted, the draws follow the parameters set: state frequencies as hmmlearn's, transitions, means."""
    ours = started(GaussianHMM(3, init_params="", random_state=0))
    draws, states = ours.sample(4000)
    their_draws, their_states = started(hmm.GaussianHMM(3, init_params="", random_state=0)).sample(4000)
    assert draws.shape == their_draws.shape == (4000, 2) and states.shape == their_states.shape == (4000,)
    np.testing.assert_allclose(np.bincount(states, minlength=3) / 4000, np.bincount(their_states) / 4000, atol=0.05)
    moves = np.zeros((3, 3))
    np.add.at(moves, (states[:-1], states[1:]), 1)
    np.testing.assert_allclose(moves / moves.sum(axis=1, keepdims=True), START["transmat_"], atol=0.03)
    for k in range(3):
        np.testing.assert_allclose(draws[states == k].mean(axis=0), START["means_"][k], atol=0.15)
    assert not hasattr(ours, "result_")


def fitted_params(model):
    return {name: getattr(model, name) for name in ("startprob_", "transmat_", "means_", "covars_")}


def assert_same_fit(model, other):
    for name, value in fitted_params(model).items():
        np.testing.assert_array_equal(value, getattr(other, name), err_msg=name)


def test_lengths_by_keyword_as_hmmlearns_positional_lengths():
    """``fit(X, lengths=L)`` (scikit-learn's way) fits as hmmlearn's ``fit(X, L)``, and so does our positional call."""
    ours = GaussianHMM(3, min_covar=0.0, n_iter=3, tol=0.0, init_params="")
    by_keyword = started(clone(ours)).fit(X, lengths=LENGTHS)
    by_position = started(ours).fit(X, LENGTHS)
    theirs = started(hmm.GaussianHMM(3, covars_prior=0.0, n_iter=3, tol=0.0, init_params="")).fit(X, LENGTHS)
    for name, value in fitted_params(by_keyword).items():
        np.testing.assert_allclose(value, getattr(theirs, name), atol=1e-6, err_msg=name)
    assert_same_fit(by_keyword, by_position)
    expected = theirs.score(X, LENGTHS)
    assert by_keyword.score(X, lengths=LENGTHS) == pytest.approx(expected, rel=1e-8)
    assert by_keyword.score(X, LENGTHS) == by_keyword.score(X, lengths=LENGTHS) != by_keyword.score(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_target_y_is_ignored():
    """A second argument with one value per row is a target, ignored by fit and score, with or without lengths."""
    model = GaussianHMM(3, n_iter=3, random_state=0)
    alone = clone(model).fit(X, lengths=LENGTHS)
    with_target = clone(model).fit(X, STATES, lengths=LENGTHS)
    assert_same_fit(alone, with_target)
    assert alone.score(X, STATES) == alone.score(X)
    assert alone.score(X, STATES, lengths=LENGTHS) == alone.score(X, lengths=LENGTHS)
    chain = HiddenMarkovModel(em.Gaussian("diag"), n_components=3, n_init=1, n_iter=3, random_state=0)
    np.testing.assert_array_equal(clone(chain).fit(X, STATES).transmat_, clone(chain).fit(X).transmat_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_conflicting_or_wrong_lengths():
    model = GaussianHMM(3, n_iter=3, random_state=0)
    with pytest.raises(ValueError, match=r"y of shape \(2,\) is not a target for the 250 rows.*lengths= is given too"):
        model.fit(X, LENGTHS, lengths=LENGTHS)
    model.fit(X)
    with pytest.raises(ValueError, match="lengths= is given too"):
        model.score(X, [100, 150], lengths=LENGTHS)
    with pytest.raises(ValueError, match="lengths sum to 200, but the data have 250 rows"):
        model.score(X, [100, 100])
    with pytest.warns(UserWarning, match=r"lengths=\[1\] \* 250"):
        model.score(X, np.ones(250, dtype=int))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lengths_through_a_pipeline():
    """``Pipeline.fit(X, hmm__lengths=L)`` fits the scaled data as the estimator alone does."""
    model = GaussianHMM(3, n_iter=5, random_state=0)
    pipeline = Pipeline([("scale", StandardScaler()), ("hmm", clone(model))]).fit(X, hmm__lengths=LENGTHS)
    scaled = StandardScaler().fit_transform(X)
    direct = clone(model).fit(scaled, lengths=LENGTHS)
    assert_same_fit(pipeline["hmm"], direct)
    assert clone(model).fit(scaled).score(scaled, lengths=LENGTHS) != direct.score(scaled, lengths=LENGTHS)
    np.testing.assert_array_equal(pipeline.predict(X, lengths=LENGTHS), direct.predict(scaled, LENGTHS))


def test_default_start_draws_as_hmmlearn():
    """init_params='stmc': Dirichlet chain, k-means means and the data's covariance, as hmmlearn draws them."""
    ours = GaussianHMM(3, covariance_type="full", n_iter=0, random_state=0).fit(X)
    theirs = hmm.GaussianHMM(3, covariance_type="full", n_iter=1, params="", random_state=0).fit(X)
    np.testing.assert_allclose(ours.means_, theirs.means_, atol=1e-10)
    np.testing.assert_allclose(ours.covars_, theirs.covars_, atol=1e-10)
    np.testing.assert_allclose(ours.transmat_, theirs.transmat_, atol=1e-12)
    np.testing.assert_allclose(ours.startprob_, theirs.startprob_, atol=1e-12)


def test_attributes_shapes_and_sample():
    model = started(GaussianHMM(3, covariance_type="tied", n_iter=50, init_params="", random_state=0))
    model.covars_ = np.eye(2)  # hmmlearn's tied shape
    model.fit(X, LENGTHS)
    assert model.covars_.shape == (3, 2, 2) and np.allclose(model.covars_[0], model.covars_[1])
    np.testing.assert_array_equal(model.means_, model.result_.params.means.values)
    np.testing.assert_array_equal(model.transmat_, model.result_.params.transmat.values)
    draws, states = model.sample(30)
    assert draws.shape == (30, 2) and states.shape == (30,)
    log_prob, posteriors = model.score_samples(X, LENGTHS)
    assert log_prob == pytest.approx(model.score(X, LENGTHS)) and posteriors.shape == (250, 3)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X, LENGTHS), model.predict(X, LENGTHS))


def test_hidden_markov_model_of_any_family():
    counts = RNG.poisson(np.where(STATES == 0, 2.0, 12.0))[:, None]
    model = HiddenMarkovModel(em.Poisson(), n_components=2, random_state=0).fit(counts, LENGTHS)
    assert sorted(model.result_.params.rate.values.ravel().round().tolist()) == [2.0, 12.0]
    copy = clone(model)
    assert copy.emission is not model.emission and not hasattr(copy, "result_")


def test_errors():
    with pytest.raises(NotFittedError):
        GaussianHMM(2).predict(X)
    hand_set = started(GaussianHMM(3))
    del hand_set.covars_
    with pytest.raises(NotFittedError, match=r"or set startprob_, .* by hand \(not set: covars_\)"):
        hand_set.sample(5)
    with pytest.raises(ValueError, match="lengths"):
        GaussianHMM(2).fit(X, [100, 100])
    with pytest.raises(ValueError, match="both 'm' and 'c'"):
        GaussianHMM(2, params="stm").fit(X)
    with pytest.raises(ValueError, match="means_"):
        GaussianHMM(2, init_params="stc").fit(X)
    with pytest.raises(ValueError, match="features"):
        GaussianHMM(2, random_state=0).fit(X).score(X[:, :1])


WEATHER = pd.DataFrame({"w": np.repeat(["sun", "rain", "sun", "rain"], 25)})


def test_sample_draws_the_labels_of_text_data():
    """Each state emits one word: the draws are those words, and decoding them gives back the drawn states."""
    model = HiddenMarkovModel(em.Categorical(), n_components=2, random_state=0).fit(WEATHER)
    draws, states = model.sample(40)
    assert isinstance(draws, pd.DataFrame) and draws.columns.tolist() == ["w"] and len(draws) == 40
    assert set(draws["w"]) <= {"sun", "rain"} and pd.crosstab(draws["w"], states).values.min() == 0
    np.testing.assert_array_equal(model.predict(draws), states)
    np.testing.assert_array_equal(model.sample(40)[1], states)


def test_text_in_an_array_is_refused_with_a_pointer_to_data_frames():
    for words in (WEATHER.to_numpy(), WEATHER.to_numpy().astype(str)):
        with pytest.raises(ValueError, match="text columns: pass a DataFrame"):
            HiddenMarkovModel(em.Categorical(), n_components=2).fit(words)


def caught_messages(model, *args):
    with pytest.warns(Warning) as caught:
        model.fit(*args)
    return {warning.category.__name__: str(warning.message) for warning in caught}


def test_warnings_name_the_estimators_options():
    """n_iter and the tol the user gave, min_covar, and restarts by another random_state."""
    heard = caught_messages(GaussianHMM(3, n_iter=2, random_state=0), X)
    assert heard["ConvergenceWarning"].endswith("in 2 iterations (tol=0.01); increase n_iter or tol")
    heard = caught_messages(GaussianHMM(2, min_covar=10.0, n_iter=20, tol=0.0, random_state=0), X)
    assert "use another random_state, HiddenMarkovModel's restarts (n_init), or fewer states" in heard[
        "LocalOptimumWarning"]
    assert "such as a min_covar large" in heard["LikelihoodDecreaseWarning"]
    chain = HiddenMarkovModel(em.Gaussian("diag"), n_components=3, n_init=1, n_iter=1, tol=1e-9, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"in 1 iterations \(tol=1e-09\); increase n_iter or tol$"):
        chain.fit(X)

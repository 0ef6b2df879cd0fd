"""Starting values of hidden Markov models, sequences of probability zero, and chunk sizing.

Oracles:

* the best optimum is the best log-likelihood of several hmmlearn fits
  (k-means means, the data's variance, uniform chains: a start of its own)
  from different seeds, on data where a single start of either library
  misses it: quarterly US GDP growth (statsmodels' macrodata), three
  Gaussian states; Old Faithful's waiting times, two states; the dishonest
  casino, two Categorical states;
* a fit with two identical states is the one-state fit, whose
  log-likelihood is the Gaussian's in closed form;
* the probability of a sequence under emissions uniform on intervals is a
  product written out by hand;
* the E-step's memory per row is measured with ``tracemalloc``.
"""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import emkit as em
from emkit.latent.hmm import HiddenMarkovChain
from emkit.latent.mixture import FiniteMixture

hmmlearn_hmm = pytest.importorskip("hmmlearn.hmm")
sm = pytest.importorskip("statsmodels.api")

#: A fit reaches an optimum when its log-likelihood is within this of the optimum's.
REACH = 1e-3

#: Memory an E-step may use besides its per-row temporaries: compiled kernels' cache-sized blocks,
#: arrays of K or K^2 floats.
BLOCK_BYTES = 2**18


@pytest.fixture(scope="module")
def gdp_growth():
    """Annualised quarterly growth of US real GDP, 1959-2009 (202 quarters), in percent."""
    realgdp = sm.datasets.macrodata.load_pandas().data["realgdp"].to_numpy()
    return pd.DataFrame({"growth": 400 * np.diff(np.log(realgdp))})


@pytest.fixture(scope="module")
def waiting():
    return em.datasets.load("faithful")[["waiting"]]


def dishonest_casino(n_rolls=3000, seed=0):
    """Faces (1..6, one column) of a fair and a loaded die (P(6) = 0.5) switched by a sticky chain."""
    rng = np.random.default_rng(seed)
    transmat = np.array([[0.95, 0.05], [0.10, 0.90]])
    faces = np.array([np.full(6, 1 / 6), [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]])
    dice = [0]
    for _ in range(n_rolls - 1):
        dice.append(rng.choice(2, p=transmat[dice[-1]]))
    return np.array([rng.choice(6, p=faces[die]) + 1 for die in dice])[:, None]


def best_hmmlearn_log_likelihood(make_model, X, seeds):
    """The best log-likelihood of hmmlearn fits from ``seeds`` (its own starts)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return max(make_model(seed).fit(X).score(X) for seed in seeds)


def gaussian_hmmlearn(n_states):
    return lambda seed: hmmlearn_hmm.GaussianHMM(
        n_states, covariance_type="full", n_iter=1000, tol=1e-8, random_state=seed
    )


def quiet_fit(model, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.LocalOptimumWarning)
        return model.fit(X, **kwargs)


# ----------------------------------------------------------------------------
# 1. The default start reaches the best optimum where one start does not
# ----------------------------------------------------------------------------


def test_default_fit_reaches_the_best_optimum_on_gdp_growth(gdp_growth):
    X = gdp_growth.to_numpy()
    # Of hmmlearn's seeds 0-9, 7 and 9 reach the best optimum (-507.0185; the others stop at -507.32,
    # -507.67, -517.4, -524.4); ten fits take too long for a test, so the oracle is the best of those two.
    best = best_hmmlearn_log_likelihood(gaussian_hmmlearn(3), X, (7, 9))
    model = em.HiddenMarkovModel(em.Gaussian(), n_states=3)
    assert model.fit(gdp_growth, random_state=0).log_likelihood >= best - REACH
    # the data are hard: one k-means++ start stops in another optimum
    single = [quiet_fit(model, gdp_growth, init="kmeans++", n_init=1, random_state=s).log_likelihood for s in (0, 1)]
    assert max(single) < best - 0.2


def test_default_fit_reaches_the_best_optimum_on_faithful_waiting(waiting):
    best = best_hmmlearn_log_likelihood(gaussian_hmmlearn(2), waiting.to_numpy(), range(3))
    fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    assert fit.log_likelihood == pytest.approx(best, abs=REACH)


def test_default_fit_reaches_the_best_optimum_of_the_dishonest_casino():
    faces = dishonest_casino()

    def categorical(seed):
        return hmmlearn_hmm.CategoricalHMM(2, n_iter=1000, tol=1e-8, random_state=seed)

    best = best_hmmlearn_log_likelihood(categorical, faces - 1, range(2))
    # EM creeps here (0.02 below the optimum at the default tol), so both run to a tight tolerance
    fit = em.HiddenMarkovModel(em.Categorical(), n_states=2).fit(faces, random_state=0, tol=1e-10, max_iter=5000)
    assert fit.log_likelihood == pytest.approx(best, abs=REACH)


def test_restarts_by_default_and_as_given(waiting):
    model = em.HiddenMarkovModel(em.Gaussian(), n_states=2)
    n_restarts = lambda fit: fit.trace.sizes["restart"]  # noqa: E731
    assert n_restarts(model.fit(waiting, random_state=0)) == 2  # two screened restarts, 10 starts each
    assert n_restarts(model.fit(waiting, n_init=1, random_state=0)) == 1
    assert n_restarts(quiet_fit(model, waiting, init="kmeans++", random_state=0, max_iter=5)) == 10
    params = model.fit(waiting, random_state=0).params
    assert n_restarts(model.fit(waiting, init=params, max_iter=0)) == 1


def test_max_iter_bounds_the_screening_runs(waiting):
    """``max_iter=0`` keeps a start (the screened one of highest likelihood), taking no EM step at all."""
    model = em.HiddenMarkovModel(em.Gaussian(), n_states=2)
    start = model.fit(waiting, max_iter=0, random_state=0)
    assert start.n_iter == 0
    converged = model.fit(waiting, random_state=0)
    assert start.log_likelihood < converged.log_likelihood - 1.0


# ----------------------------------------------------------------------------
# 2. Identical states: the saddle point of fewer states
# ----------------------------------------------------------------------------


def test_random_start_stalling_at_identical_states_warns(waiting):
    x = waiting["waiting"].to_numpy()
    one_state = -0.5 * len(x) * (math.log(2 * math.pi * x.var()) + 1.0)  # the one-Gaussian fit, closed form
    model = em.HiddenMarkovModel(em.Gaussian(), n_states=2)
    with pytest.warns(em.LocalOptimumWarning, match="states 0 and 1 have the same emissions"):
        stalled = model.fit(waiting, init="random", n_init=1, random_state=0)
    assert stalled.log_likelihood == pytest.approx(one_state, abs=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error", em.LocalOptimumWarning)
        fit = model.fit(waiting, random_state=0)  # k-means++ starts among the screened ones
    assert fit.log_likelihood > one_state + 50


def test_identical_states_are_those_the_data_cannot_tell_apart():
    x = np.array([[0.0], [1.0], [0.5], [4.0], [5.0], [4.5]])
    chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 3)]))
    shared = np.array([[0.5, 0.5, 0.0]] * 3 + [[0.0, 0.0, 1.0]] * 3)
    assert chain.fit_responsibilities(x, shared).identical_states(x) == [(0, 1)]
    nearly = np.array([[0.55, 0.45, 0.0]] * 3 + [[0.0, 0.0, 1.0]] * 3)  # same rows, other weights: same states
    assert chain.fit_responsibilities(x, nearly).identical_states(x) == [(0, 1)]
    assert chain.fit_responsibilities(x, np.eye(3)[[0, 0, 1, 1, 2, 2]]).identical_states(x) == []


# ----------------------------------------------------------------------------
# 3. Sequences of probability zero
# ----------------------------------------------------------------------------
#
# Emissions uniform on [low, low + 5): state 0 on [0, 5), state 1 on [10, 15).


def interval(x, low):
    return np.where((x >= low) & (x < low + 5.0), -math.log(5.0), -np.inf)


INTERVAL = em.from_logpdf(interval, params={"low": ("real", 0.0)}, name="interval")
ROWS = np.array([[1.0], [2.0], [11.0], [12.0]])


def interval_hmm(transmat):
    return em.HiddenMarkovModel(INTERVAL, n_states=2, startprob=[1.0, 0.0], transmat=transmat)


@pytest.fixture(scope="module")
def interval_params():
    """Parameters of :func:`interval_hmm` with the states on [0, 5) and [10, 15)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inside = np.array([[1.0], [2.0], [3.0], [4.0]])  # any rows the starting intervals cover give the layout
        layout = interval_hmm([[0.5, 0.5], [0.0, 1.0]]).fit(inside, init=np.eye(2)[[0, 0, 1, 1]], max_iter=0).params
    return layout.assign(low=(("state", "feature"), [[0.0], [10.0]]))


def test_a_possible_sequence_has_its_probability(interval_params):
    fit = interval_hmm([[0.5, 0.5], [0.0, 1.0]]).fit(ROWS, init=interval_params, max_iter=0)
    # the only path is 0, 0, 1, 1: 1 * b * 0.5 * b * 0.5 * b * 1 * b, with b = 1/5
    assert fit.log_likelihood == pytest.approx(math.log(0.25) - 4 * math.log(5.0), rel=1e-12)
    assert fit.decode(ROWS)[1].values.tolist() == [0, 0, 1, 1]


def test_a_sequence_of_probability_zero_is_refused_when_fitted(interval_params):
    stuck = interval_hmm([[1.0, 0.0], [0.0, 1.0]])  # state 0 never leaves, and cannot emit 11
    with pytest.raises(ValueError, match=r"sequence 0 has probability zero.*row 2"):
        stuck.fit(ROWS, init=interval_params.assign(transmat=(("state", "next_state"), np.eye(2))), max_iter=0)


@pytest.mark.parametrize("method", ["score", "predict_proba", "decode", "score_samples"])
def test_a_sequence_of_probability_zero_is_refused_when_read(interval_params, method):
    fit = interval_hmm([[0.5, 0.5], [0.0, 1.0]]).fit(ROWS, init=interval_params, max_iter=0)
    back = np.array([[1.0], [2.0], [1.0], [11.0], [3.0]])  # in sequence 1, state 1 would have to return to 0
    with pytest.raises(ValueError, match=r"sequence 1 has probability zero.*row 4"):
        getattr(fit, method)(back, lengths=[2, 3])


def test_a_categorical_sequence_of_probability_zero_is_refused():
    faces = pd.DataFrame({"c": ["a"] * 10 + ["b"] * 10})
    model = em.HiddenMarkovModel(em.Categorical(), 2, startprob=[1.0, 0.0], transmat=np.eye(2))
    free = em.HiddenMarkovModel(em.Categorical(), 2).fit(faces, init=np.eye(2)[[0] * 10 + [1] * 10], max_iter=0)
    np.testing.assert_array_equal(free.params.probs.sel(feature="c").values, [[1.0, 0.0], [0.0, 1.0]])
    params = free.params.assign(startprob=("state", [1.0, 0.0]), transmat=(("state", "next_state"), np.eye(2)))
    with pytest.raises(ValueError, match="sequence 0 has probability zero .* step 10 \\(row 10\\)"):
        model.fit(faces, init=params, max_iter=0)  # state 0 emits only "a", and never leaves


# ----------------------------------------------------------------------------
# 4. Chunk sizing: the E-step's temporaries per row
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(("family", "n_features"), [(em.Gaussian("full", 4), 3), (em.Gaussian("diag", 8), 2)])
def test_working_floats_per_row_match_the_e_step_memory(family, n_features):
    rng = np.random.default_rng(0)
    n, K = 100_000, family.n_components
    x = rng.normal(size=(n, n_features))
    chain = HiddenMarkovChain(FiniteMixture([family])).fit_responsibilities(x, np.eye(K)[rng.integers(0, K, n)])
    chain.e_step(x[:100])  # compiled before measuring
    tracemalloc.start()
    try:
        chain.e_step(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    declared = 8 * n * chain.working_floats_per_row(n_features)
    # An upper bound (chunks never exceed their budget) that is not wasteful: the (n, K)
    # arrays the E-step must hold (3 K + 2 floats per row) are most of it.
    assert 8 * n * (3 * K + 2) <= declared and 0.75 * declared <= peak <= declared + BLOCK_BYTES

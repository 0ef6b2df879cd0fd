"""The hidden Markov model's user interface: sequences, chunks, dask, saving, starting values, bad input.

Oracles are independent of emkit's kernels: a plain log-space forward
recursion written here (scipy's ``logsumexp`` over scipy.stats densities),
closed forms (the MAP transition update, the free-parameter count, BIC), and
binomial tolerances on simulated transition frequencies. Data are simulated
here with numpy, not by emkit.
"""

import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import logsumexp

import emkit as em
from emkit.em.chunks import ChunkedData
from emkit.em.dask_data import DaskData, aligned_blocks
from emkit.em.sequences import lengths_within, packed_chunk_bounds
from emkit.latent.hmm_inference import forward_backward_sequences

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

#: A sticky two-state chain with well separated Gaussian emissions.
STARTPROB = np.array([0.6, 0.4])
TRANSMAT = np.array([[0.9, 0.1], [0.2, 0.8]])
MEANS = np.array([0.0, 4.0])

#: Sequence lengths, including a sequence of one step.
LENGTHS = [23, 5, 1, 40, 17, 9, 30]


# ----------------------------------------------------------------------------
# Simulation and oracles
# ----------------------------------------------------------------------------


def simulate_states(startprob, transmat, n_steps, rng):
    """One state path of a Markov chain, drawn step by step with numpy."""
    states = np.empty(n_steps, dtype=int)
    states[0] = rng.choice(len(startprob), p=startprob)
    for t in range(1, n_steps):
        states[t] = rng.choice(len(startprob), p=transmat[states[t - 1]])
    return states


def simulate_gaussian_sequences(lengths, seed=0):
    """Rows of the sequences of :data:`LENGTHS` drawn from the two-state chain, shape (n, 1)."""
    rng = np.random.default_rng(seed)
    parts = [rng.normal(MEANS[simulate_states(STARTPROB, TRANSMAT, n, rng)], 1.0) for n in lengths]
    return np.concatenate(parts)[:, None]


def log_of(p):
    """Elementwise log with log 0 = -inf, without a warning."""
    p = np.asarray(p, dtype=float)
    return np.log(p, out=np.full(p.shape, -np.inf), where=p > 0)


def reference_log_likelihood(startprob, transmat, log_b, lengths):
    """Sum over sequences of ``log p(sequence)`` by the unscaled forward recursion in log space."""
    total = 0.0
    for start, stop in zip(np.r_[0, np.cumsum(lengths)[:-1]], np.cumsum(lengths)):
        log_alpha = log_of(startprob) + log_b[start]
        for t in range(start + 1, stop):
            log_alpha = logsumexp(log_alpha[:, None] + log_of(transmat), axis=0) + log_b[t]
        total += logsumexp(log_alpha)
    return total


def gaussian_log_b(params, x):
    """``log p(x_t | state k)`` of one-feature Gaussian emissions, from scipy."""
    means = params["means"].values[:, 0]
    sd = np.sqrt(params["covariances"].values[:, 0, 0])
    return stats.norm.logpdf(x[:, [0]], means, sd)


def oracle_log_likelihood(params, X, lengths):
    """:func:`reference_log_likelihood` of a one-feature Gaussian HMM's ``params`` on ``X``."""
    startprob, transmat = params["startprob"].values, params["transmat"].values
    return reference_log_likelihood(startprob, transmat, gaussian_log_b(params, X), lengths)


def hmm_params(template, startprob, transmat, means, variances):
    """A copy of a one-feature Gaussian HMM's ``params`` holding the values given."""
    params = template.copy(deep=True)
    params["startprob"].values[:] = startprob
    params["transmat"].values[:] = transmat
    params["means"].values[:] = np.asarray(means, dtype=float)[:, None]
    params["covariances"].values[:] = np.asarray(variances, dtype=float)[:, None, None]
    return params


def template_params(X, lengths, n_states):
    """The layout of a Gaussian HMM's ``params`` (values then replaced by :func:`hmm_params`)."""
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=n_states)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (em.ConvergenceWarning, em.DegenerateComponentWarning))
        return model.fit(X, lengths=lengths, max_iter=1, random_state=0).params


def relative_gap(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.fixture(scope="module")
def sequences():
    """Rows of :data:`LENGTHS` sequences and their lengths."""
    return simulate_gaussian_sequences(LENGTHS), LENGTHS


def fit_gaussian_hmm(X, **kwargs):
    """20 iterations (tol=0) of a two-state Gaussian HMM from the same seed."""
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        return model.fit(X, random_state=0, max_iter=20, tol=0, **kwargs)


# ----------------------------------------------------------------------------
# 1. Sequences are never split, whatever the chunking
# ----------------------------------------------------------------------------


def test_trace_does_not_depend_on_chunk_size(sequences):
    X, lengths = sequences
    fits = {size: fit_gaussian_hmm(X, lengths=lengths, chunk_size=size) for size in (1, 7, 50, None)}
    reference = fits[None].trace.log_likelihood.values
    for size, fit in fits.items():
        assert fit.trace.log_likelihood.shape == reference.shape
        assert relative_gap(fit.trace.log_likelihood.values, reference) < 1e-10, size
    # and the log-likelihood is that of the sequences, not of rows cut elsewhere
    final = fits[1]
    oracle = oracle_log_likelihood(final.params, X, lengths)
    assert final.log_likelihood == pytest.approx(oracle, rel=1e-10)
    one_sequence = oracle_log_likelihood(final.params, X, [len(X)])
    assert abs(one_sequence - oracle) > 1.0  # the sequence ends matter in these data


lengths_lists = st.lists(st.integers(1, 30), min_size=1, max_size=25)


@SETTINGS
@given(lengths=lengths_lists, chunk_size=st.integers(1, 60))
def test_packed_chunks_cut_only_at_sequence_ends(lengths, chunk_size):
    bounds = np.r_[0, np.cumsum(lengths)]
    n_obs = int(bounds[-1])
    cuts = packed_chunk_bounds(bounds, n_obs, chunk_size)
    assert cuts[0] == 0 and cuts[-1] == n_obs
    assert np.all(np.diff(cuts) > 0)
    assert set(cuts.tolist()) <= set(bounds.tolist())  # never inside a sequence
    chunks = [lengths_within(bounds, start, stop) for start, stop in zip(cuts[:-1], cuts[1:])]
    for inside in chunks:
        assert inside.sum() <= chunk_size or len(inside) == 1  # only a long sequence overfills, alone
    for this, following in zip(chunks[:-1], chunks[1:]):
        assert this.sum() + following[0] > chunk_size  # greedy: the next sequence did not fit


@SETTINGS
@given(lengths=lengths_lists, chunk_size=st.integers(1, 60))
def test_chunked_data_chunks_hold_whole_sequences(lengths, chunk_size):
    bounds = np.r_[0, np.cumsum(lengths)]
    values = np.arange(float(bounds[-1]))[:, None]
    data = ChunkedData(values, None, chunk_size, sequence_bounds=bounds)
    seen = []
    for offset, x, w in data.chunks():
        assert w is None
        assert offset in bounds and offset + len(x) in bounds
        seen.extend(data.lengths_within(offset, len(x)).tolist())
        assert np.array_equal(x[:, 0], np.arange(offset, offset + len(x)))
    assert seen == list(lengths)


@SETTINGS
@given(lengths=lengths_lists, data=st.data())
def test_lengths_within_raises_when_rows_split_a_sequence(lengths, data):
    bounds = np.r_[0, np.cumsum(lengths)]
    start = data.draw(st.integers(0, int(bounds[-1]) - 1))
    stop = data.draw(st.integers(start + 1, int(bounds[-1])))
    if start in bounds and stop in bounds:
        inside = lengths_within(bounds, start, stop)
        first = int(np.flatnonzero(bounds == start)[0])
        assert inside.tolist() == list(lengths[first : first + len(inside)])
        assert inside.sum() == stop - start
    else:
        with pytest.raises(ValueError, match="split a sequence"):
            lengths_within(bounds, start, stop)


def test_dask_blocks_that_split_a_sequence_are_refused():
    bounds = np.array([0, 3, 7, 10])
    with pytest.raises(ValueError, match="split a sequence"):
        DaskData(da.zeros((10, 1), chunks=(4, 1)), None, 4, sequence_bounds=bounds)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(lengths=lengths_lists, block=st.integers(1, 40))
def test_aligned_blocks_end_at_sequence_ends(lengths, block):
    bounds = np.r_[0, np.cumsum(lengths)]
    values = da.arange(int(bounds[-1]), chunks=block)[:, None]
    aligned = aligned_blocks(values, bounds)
    ends = np.cumsum(aligned.chunks[0])
    assert set(ends.tolist()) <= set(bounds.tolist())
    assert ends[-1] == bounds[-1] and min(aligned.chunks[0]) > 0
    assert np.array_equal(aligned.compute(), values.compute())


# ----------------------------------------------------------------------------
# 2. dask equals in memory
# ----------------------------------------------------------------------------


def test_dask_fit_equals_in_memory_fit(sequences):
    X, lengths = sequences
    lazy = da.from_array(X, chunks=(10, 1))
    block_ends = set(np.cumsum(lazy.chunks[0]).tolist())
    assert not block_ends <= set(np.cumsum(lengths).tolist())  # the blocks given cut sequences
    in_memory = fit_gaussian_hmm(X, lengths=lengths)
    on_dask = fit_gaussian_hmm(lazy, lengths=lengths)
    assert relative_gap(on_dask.trace.log_likelihood.values, in_memory.trace.log_likelihood.values) < 1e-10
    for name in ("startprob", "transmat", "means", "covariances"):
        np.testing.assert_allclose(on_dask.params[name].values, in_memory.params[name].values, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------
# 3. lengths, a list of arrays, a DataFrame sequence column
# ----------------------------------------------------------------------------


def three_ways(X, lengths):
    """The same sequences as ``(args, kwargs)`` of lengths, a list of arrays, and a DataFrame column."""
    bounds = np.r_[0, np.cumsum(lengths)]
    pieces = [X[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    frame = pd.DataFrame({"id": np.repeat([f"s{i}" for i in range(len(lengths))], lengths), "x": X[:, 0]})
    return {
        "lengths": ((X,), {"lengths": lengths}),
        "list": ((pieces,), {}),
        "column": ((frame,), {"sequence_column": "id"}),
    }


def test_three_ways_of_giving_sequences_agree(sequences):
    X, lengths = sequences
    ways = three_ways(X, lengths)
    fits = {name: fit_gaussian_hmm(*args, **kwargs) for name, (args, kwargs) in ways.items()}
    reference = fits["lengths"]
    for name, fit in fits.items():
        assert relative_gap(fit.trace.log_likelihood.values, reference.trace.log_likelihood.values) < 1e-12, name
    oracle = oracle_log_likelihood(reference.params, X, lengths)
    proba = reference.predict_proba(X, lengths=lengths).values
    path = reference.decode(X, lengths=lengths)
    for name, (args, kwargs) in ways.items():
        assert reference.score(*args, **kwargs) == pytest.approx(oracle, rel=1e-10), name
        np.testing.assert_allclose(reference.predict_proba(*args, **kwargs).values, proba, rtol=0, atol=1e-12)
        log_probability, states = reference.decode(*args, **kwargs)
        assert log_probability == pytest.approx(path[0], rel=1e-12)
        assert np.array_equal(states.values, path[1].values)
        assert float(reference.score_samples(*args, **kwargs).sum()) == pytest.approx(oracle, rel=1e-10)
    assert reference.score(X) != pytest.approx(oracle, rel=1e-6)  # ignoring the sequences changes the score


def test_decode_matches_brute_force_on_short_sequences():
    X = simulate_gaussian_sequences([4, 3], seed=5)
    params = hmm_params(template_params(X, [4, 3], 2), STARTPROB, TRANSMAT, MEANS, [1.0, 1.0])
    fit = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2).fit(X, lengths=[4, 3], init=params, max_iter=0)
    log_b = gaussian_log_b(params, X)
    expected_states, expected_log_probability = [], 0.0
    for start, stop in ((0, 4), (4, 7)):
        paths = np.array(np.meshgrid(*[[0, 1]] * (stop - start), indexing="ij")).reshape(stop - start, -1).T
        scores = [
            np.log(STARTPROB[p[0]]) + np.log(TRANSMAT[p[:-1], p[1:]]).sum() + log_b[np.arange(start, stop), p].sum()
            for p in paths
        ]
        expected_states.extend(paths[int(np.argmax(scores))].tolist())
        expected_log_probability += max(scores)
    log_probability, states = fit.decode(X, lengths=[4, 3])
    assert states.values.tolist() == expected_states
    assert log_probability == pytest.approx(expected_log_probability, rel=1e-12)


# ----------------------------------------------------------------------------
# 4. Save and load
# ----------------------------------------------------------------------------


def test_save_load_round_trip_keeps_parameters_structure_and_settings(tmp_path, sequences):
    X, lengths = sequences
    model = em.HiddenMarkovModel(
        em.Gaussian("diag"), n_states=3, startprob=[0.5, 0.5, 0.0],
        transmat=[[0.8, 0.2, 0.0], [0.0, 0.8, 0.2], [0.1, 0.0, 0.9]],
        fixed=("startprob",), transition_prior=[[2.0, 3.0, 1.0], [1.0, 2.0, 3.0], [3.0, 1.0, 2.0]],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (em.ConvergenceWarning, em.LocalOptimumWarning))
        fit = model.fit(X, lengths=lengths, n_init=2, max_iter=30, random_state=0)
    path = tmp_path / "hmm.nc"
    fit.to_netcdf(path)
    loaded = em.load_fit(path)
    assert isinstance(loaded, em.HMMFitResult)
    assert loaded.params.identical(fit.params)
    assert loaded.score(X, lengths=lengths) == fit.score(X, lengths=lengths)
    assert loaded.log_likelihood == fit.log_likelihood
    log_probability, states = loaded.decode(X, lengths=lengths)
    assert log_probability == fit.decode(X, lengths=lengths)[0]
    assert np.array_equal(states.values, fit.decode(X, lengths=lengths)[1].values)
    # n_params by hand: startprob fixed (0) + transmat 6 non-zeros - 3 rows + 3 means + 3 variances
    assert fit.n_params == loaded.n_params == 3 + 6
    chain = loaded.mixture
    assert chain.fixed == ("startprob",)
    np.testing.assert_array_equal(chain.transition_prior, fit.mixture.transition_prior)
    np.testing.assert_array_equal(chain.transition_structure, [[1, 1, 0], [0, 1, 1], [1, 0, 1]])
    np.testing.assert_array_equal(chain.start_structure, [1, 1, 0])
    assert loaded.bic() == fit.bic()


# ----------------------------------------------------------------------------
# 5. init=<parameters> with max_iter=0 scores exactly those parameters
# ----------------------------------------------------------------------------


def test_hmm_init_dataset_with_no_iteration_returns_those_parameters(sequences):
    X, lengths = sequences
    params = hmm_params(template_params(X, lengths, 3), [0.2, 0.5, 0.3],
                        [[0.7, 0.2, 0.1], [0.25, 0.5, 0.25], [0.0, 0.4, 0.6]], [-1.0, 2.0, 5.0], [2.0, 0.5, 1.5])
    fit = em.HiddenMarkovModel(em.Gaussian("full"), n_states=3).fit(X, lengths=lengths, init=params, max_iter=0)
    for name in params.data_vars:
        np.testing.assert_array_equal(fit.params[name].values, params[name].values)
    oracle = oracle_log_likelihood(params, X, lengths)
    assert fit.log_likelihood == pytest.approx(oracle, rel=1e-12)
    assert fit.trace.log_likelihood.values.ravel()[-1] == pytest.approx(oracle, rel=1e-12)
    assert fit.n_iter == 0


def test_mixture_init_dataset_with_no_iteration_returns_those_parameters(sequences):
    X, _ = sequences
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        params = em.GaussianMixture(2).fit(X, max_iter=1, random_state=0).params.copy(deep=True)
    params["weights"].values[:] = [0.3, 0.7]
    params["means"].values[:] = [[1.0], [4.0]]
    params["covariances"].values[:] = [[[2.0]], [[0.5]]]
    fit = em.GaussianMixture(2).fit(X, init=params, max_iter=0)
    for name in params.data_vars:
        np.testing.assert_array_equal(fit.params[name].values, params[name].values)
    oracle = logsumexp(np.log([0.3, 0.7]) + stats.norm.logpdf(X, [1.0, 4.0], np.sqrt([2.0, 0.5])), axis=1).sum()
    assert fit.log_likelihood == pytest.approx(oracle, rel=1e-12)


def test_sequences_of_one_step_are_a_mixture_weighted_by_startprob(sequences):
    X, _ = sequences
    lengths = [1] * len(X)
    params = hmm_params(template_params(X, lengths, 2), [0.3, 0.7], [[0.5, 0.5], [0.1, 0.9]], [1.0, 4.0], [2.0, 0.5])
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2)
    at_start = model.fit(X, lengths=lengths, init=params, max_iter=0)
    oracle = logsumexp(np.log([0.3, 0.7]) + stats.norm.logpdf(X, [1.0, 4.0], np.sqrt([2.0, 0.5])), axis=1).sum()
    assert at_start.log_likelihood == pytest.approx(oracle, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        stepped = model.fit(X, lengths=lengths, init=params, max_iter=1, tol=0)
    np.testing.assert_array_equal(stepped.params.transmat.values, params.transmat.values)  # no transitions seen
    assert not np.allclose(stepped.params.startprob.values, [0.3, 0.7])


# ----------------------------------------------------------------------------
# 6. Structural zeros and the parameter count
# ----------------------------------------------------------------------------


def left_right_sequences(lengths, seed):
    """Sequences that pass through states 0, 1, 2 in order (2 features, means far apart)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [4.0, 4.0], [8.0, 0.0]])
    parts = []
    for n in lengths:
        first, second = np.sort(rng.choice(np.arange(1, n), 2, replace=False))
        states = np.repeat([0, 1, 2], [first, second - first, n - second])
        parts.append(rng.normal(centres[states], 1.0))
    return np.concatenate(parts)


def test_left_right_structural_zeros_stay_zero_and_are_not_counted():
    lengths = [60, 45, 80]
    X = left_right_sequences(lengths, seed=3)
    declared = np.array([[0.9, 0.1, 0.0], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0]])
    model = em.HiddenMarkovModel(em.Gaussian("diag"), n_states=3, startprob=[1.0, 0.0, 0.0], transmat=declared)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (em.LocalOptimumWarning, em.DegenerateComponentWarning))
        fit = model.fit(X, lengths=lengths, n_init=5, random_state=0)
    transmat = fit.params.transmat.values
    assert np.all(transmat[declared == 0] == 0.0)
    assert np.all(fit.params.startprob.values[1:] == 0.0)
    np.testing.assert_allclose(transmat.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # each sequence passes 0 -> 1 -> 2 once: about 1 exit from states 0 and 1 per sequence
    assert transmat[0, 1] > 0.0 and transmat[1, 2] > 0.0
    # start 1 - 1 = 0, transitions 5 - 3 = 2, diagonal Gaussians in 2-D: 3 * 2 means + 3 * 2 variances
    assert fit.n_params == 0 + 2 + 6 + 6
    assert fit.bic() == pytest.approx(-2 * fit.log_likelihood + 14 * np.log(sum(lengths)), rel=1e-12)


@pytest.mark.parametrize(
    ("family", "n_features", "n_states", "expected"),
    [
        (em.Gaussian("full"), 2, 3, 2 + 6 + 3 * 2 + 3 * 3),  # K-1 + K(K-1) + means + full covariances
        (em.Gaussian("spherical"), 2, 2, 1 + 2 + 2 * 2 + 2),
        (em.Poisson(), 3, 2, 1 + 2 + 2 * 3),
    ],
)
def test_parameter_count_without_structural_zeros(family, n_features, n_states, expected):
    rng = np.random.default_rng(0)
    X = rng.poisson(3.0, (120, n_features)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (em.ConvergenceWarning, em.DegenerateComponentWarning))
        fit = em.HiddenMarkovModel(family, n_states=n_states).fit(X, lengths=[70, 50], max_iter=3, random_state=0)
    assert fit.n_params == expected
    assert fit.bic() == pytest.approx(-2 * fit.log_likelihood + expected * np.log(120), rel=1e-12)


# ----------------------------------------------------------------------------
# 7. Fixed parameters and Dirichlet priors
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def starting_params(sequences):
    X, lengths = sequences
    return hmm_params(template_params(X, lengths, 3), [0.5, 0.3, 0.2],
                      [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], [0.5, 3.5, 5.0], [1.5, 1.5, 1.5])


def test_fixed_transmat_is_kept_exactly(sequences):
    X, lengths = sequences
    declared = np.array([[0.7, 0.3], [0.35, 0.65]])
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2, transmat=declared, fixed=("transmat",))
    fit = model.fit(X, lengths=lengths, init="kmeans++", n_init=1, random_state=0)
    np.testing.assert_array_equal(fit.params.transmat.values, declared)
    assert fit.n_iter > 1 and not np.allclose(fit.params.startprob.values, 0.5)  # the rest was fitted
    assert fit.n_params == 1 + 2 * 2  # startprob, means and variances only


def test_fixed_emissions_are_kept_exactly(sequences, starting_params):
    X, lengths = sequences
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=3, fixed=("emissions",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        fit = model.fit(X, lengths=lengths, init=starting_params, max_iter=10)
    for name in ("means", "covariances"):
        np.testing.assert_array_equal(fit.params[name].values, starting_params[name].values)
    assert not np.allclose(fit.params.transmat.values, starting_params.transmat.values)  # the chain was fitted
    assert fit.n_params == 2 + 6


def test_transition_prior_gives_map_rows(sequences, starting_params):
    X, lengths = sequences
    prior = 5.0
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=3, transition_prior=prior)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        fit = model.fit(X, lengths=lengths, init=starting_params, max_iter=1, tol=0)
    p = starting_params
    counts = forward_backward_sequences(p.startprob.values, p.transmat.values, gaussian_log_b(p, X), lengths)
    mass = counts.transition_counts + prior - 1
    expected = mass / mass.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fit.params.transmat.values, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(fit.params.startprob.values, counts.start_counts / len(lengths), rtol=1e-12, atol=1e-15)


def test_penalised_trace_never_decreases_and_ends_at_the_map_objective(sequences, starting_params):
    X, lengths = sequences
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=3, transition_prior=5.0, start_prior=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        fit = model.fit(X, lengths=lengths, init=starting_params, max_iter=40, tol=0)
    trace = fit.trace.log_likelihood.values.ravel()
    assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:]))
    p = fit.params
    log_prior = 4.0 * np.log(p.transmat.values).sum() + 2.0 * np.log(p.startprob.values).sum()
    oracle = oracle_log_likelihood(p, X, lengths)
    assert fit.log_likelihood == pytest.approx(oracle, rel=1e-10)  # the likelihood itself is not penalised
    assert trace[-1] == pytest.approx(oracle + log_prior, rel=1e-10)


# ----------------------------------------------------------------------------
# 8. Bad input: ValueError naming the problem
# ----------------------------------------------------------------------------


def gaussian_hmm(**kwargs):
    return em.HiddenMarkovModel(em.Gaussian(), n_states=2, **kwargs)


X_BAD = np.random.default_rng(0).normal(size=(30, 1))
FRAME_WITH_GAP = pd.DataFrame({"x": X_BAD[:, 0], "id": np.repeat(["a", "b", "a"], 10)})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gaussian_hmm().fit(X_BAD, lengths=[10, 10]), "lengths sum to 20, but the data have 30 rows"),
        (lambda: gaussian_hmm().fit(X_BAD, lengths=[30, 0]), r"lengths\[1\] = 0; every sequence needs"),
        (lambda: gaussian_hmm().fit(X_BAD, lengths=[35, -5]), r"lengths\[1\] = -5"),
        (lambda: gaussian_hmm().fit(X_BAD, lengths=[15.5, 14.5]), "lengths must be integers"),
        (lambda: gaussian_hmm().fit(FRAME_WITH_GAP, sequence_column="id"), "sequence 'a' are not consecutive"),
        (lambda: gaussian_hmm().fit(FRAME_WITH_GAP, sequence_column="seq"), "no column 'seq'"),
        (lambda: gaussian_hmm().fit(X_BAD, sequence_column="id"), "needs X to be a DataFrame"),
        (lambda: gaussian_hmm().fit(FRAME_WITH_GAP, lengths=[30], sequence_column="id"), "one way only"),
        (
            lambda: em.HiddenMarkovModel(em.Poisson(), n_states=2).fit(np.array([[1.0], [2.0], [1.5], [3.0]])),
            r"non-negative integer counts; row 2 is \[1.5\]",
        ),
        (lambda: em.HiddenMarkovModel(em.Gaussian(), n_states=0), "n_states must be at least 1, got 0"),
        (lambda: em.HiddenMarkovModel(em.Gaussian(), n_states=-2), "n_states must be at least 1"),
        (lambda: gaussian_hmm(transmat=[[0.5, 0.4], [0.5, 0.5]]), r"transmat must sum to 1.*\[0.9, 1.0\]"),
        (lambda: gaussian_hmm(startprob=[0.5, 0.4]), "startprob must sum to 1"),
        (lambda: gaussian_hmm(transmat=[[1.5, -0.5], [0.5, 0.5]]), "non-negative probabilities"),
        (lambda: gaussian_hmm(transmat=[[1.0]]), r"transmat must have shape \(2, 2\)"),
        (lambda: gaussian_hmm(transition_prior=0.5), "transition_prior must be Dirichlet concentrations of at least 1"),
        (lambda: gaussian_hmm(start_prior=[1.0, 0.9]), "start_prior must be Dirichlet concentrations of at least 1"),
        (lambda: gaussian_hmm(fixed=("means",)), "fixed may name startprob, transmat, emissions"),
    ],
    ids=[
        "lengths-sum", "zero-length", "negative-length", "float-lengths", "column-gap", "missing-column",
        "column-without-frame", "two-ways", "poisson-support", "no-states", "negative-states",
        "transmat-rows", "startprob-sum", "negative-probability", "transmat-shape", "transition-prior",
        "start-prior", "unknown-fixed",
    ],
)
def test_bad_input_raises_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_sequences_are_refused_at_prediction_too(sequences):
    X, lengths = sequences
    fit = fit_gaussian_hmm(X, lengths=lengths)
    frame = pd.DataFrame({"x": X[:, 0], "id": np.r_[np.zeros(60), np.ones(30), np.zeros(len(X) - 90)]})
    for method in (fit.predict_proba, fit.decode, fit.score, fit.score_samples):
        with pytest.raises(ValueError, match="but the data have"):
            method(X, lengths=lengths[:-1])
        with pytest.raises(ValueError, match="not consecutive"):
            method(frame, sequence_column="id")


# ----------------------------------------------------------------------------
# 9. A state no observation visits
# ----------------------------------------------------------------------------


def test_unvisited_state_keeps_its_parameters_without_nan(sequences):
    X, lengths = sequences
    params = hmm_params(template_params(X, lengths, 3), [1 / 3] * 3, np.full((3, 3), 1 / 3),
                        [0.0, 4.0, 1e3], [1.0, 1.0, 1.0])
    model = em.HiddenMarkovModel(em.Gaussian("full"), n_states=3)
    with pytest.warns(UserWarning, match=r"state\(s\) 2 ended with zero weight"), warnings.catch_warnings():
        warnings.simplefilter("ignore", em.DegenerateComponentWarning)
        fit = model.fit(X, lengths=lengths, init=params, max_iter=5, tol=0)
    for name in params.data_vars:
        assert np.all(np.isfinite(fit.params[name].values)), name
    assert fit.params.means.values[2, 0] == 1e3
    assert fit.params.covariances.values[2, 0, 0] == 1.0
    np.testing.assert_array_equal(fit.params.transmat.values[2], np.full(3, 1 / 3))  # a row never left is kept
    assert fit.params.startprob.values[2] < 1e-100 and np.all(fit.params.transmat.values[:2, 2] < 1e-100)
    assert abs(fit.params.means.values[1, 0] - 4.0) < 1.0  # the visited states were fitted


# ----------------------------------------------------------------------------
# 10. Simulation and criteria
# ----------------------------------------------------------------------------

SAMPLE_TRANSMAT = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
SAMPLE_STARTPROB = np.array([0.2, 0.5, 0.3])
SAMPLE_MEANS = [-5.0, 0.0, 5.0]
SAMPLE_VARIANCES = [1.0, 0.25, 4.0]


@pytest.fixture(scope="module")
def known_fit(sequences):
    X, lengths = sequences
    template = template_params(X, lengths, 3)
    params = hmm_params(template, SAMPLE_STARTPROB, SAMPLE_TRANSMAT, SAMPLE_MEANS, SAMPLE_VARIANCES)
    return em.HiddenMarkovModel(em.Gaussian("full"), n_states=3).fit(X, lengths=lengths, init=params, max_iter=0)


def test_sample_shapes_and_coordinates(known_fit):
    draws = known_fit.sample(50, n_sequences=3, random_state=0, as_frame=False)
    assert draws.dims == ("observation", "feature") and draws.shape == (150, 1)
    np.testing.assert_array_equal(draws.sequence.values, np.repeat([0, 1, 2], 50))
    np.testing.assert_array_equal(draws.step.values, np.tile(np.arange(50), 3))
    assert set(np.unique(draws.state.values).tolist()) <= {0, 1, 2}
    again = known_fit.sample(50, n_sequences=3, random_state=0, as_frame=False)
    assert np.array_equal(again.values, draws.values)  # the seed fixes the draws
    with pytest.raises(ValueError, match="n_steps"):
        known_fit.sample(0, n_sequences=2, random_state=0)


def within_binomial(count, n, p, z=5.0):
    return abs(count / n - p) <= z * np.sqrt(p * (1 - p) / n)


def test_sampled_transitions_starts_and_emissions_match_the_parameters(known_fit):
    draws = known_fit.sample(20_000, random_state=1)
    states = draws.state.values
    counts = np.zeros((3, 3))
    np.add.at(counts, (states[:-1], states[1:]), 1)
    for j in range(3):
        for k in range(3):
            assert within_binomial(counts[j, k], counts[j].sum(), SAMPLE_TRANSMAT[j, k]), (j, k)
    for k, (mean, variance) in enumerate(zip(SAMPLE_MEANS, SAMPLE_VARIANCES)):
        x = draws.values[states == k, 0]
        assert abs(x.mean() - mean) < 5 * np.sqrt(variance / len(x))
        assert stats.kstest(x, stats.norm(mean, np.sqrt(variance)).cdf).pvalue > 1e-4
    first = known_fit.sample(1, n_sequences=5_000, random_state=2).state.values
    for k in range(3):
        assert within_binomial(np.sum(first == k), 5_000, SAMPLE_STARTPROB[k])


def test_bic_uses_the_total_number_of_observations(known_fit, sequences):
    X, lengths = sequences
    n_params = 2 + 6 + 3 + 3  # K-1 + K(K-1) + means + variances
    assert known_fit.n_params == n_params
    assert known_fit.bic() == pytest.approx(-2 * known_fit.log_likelihood + n_params * np.log(len(X)), rel=1e-12)
    assert known_fit.aic() == pytest.approx(-2 * known_fit.log_likelihood + 2 * n_params, rel=1e-12)


def test_fixed_emissions_without_init_are_those_of_the_start():
    x = np.random.default_rng(0).normal(size=(60, 1)) + np.repeat([0.0, 6.0], 30)[:, None]
    model = em.HiddenMarkovModel(em.Gaussian(), n_states=2, fixed=("emissions",))
    fit = model.fit(x, init="kmeans++", n_init=1, random_state=0, max_iter=5, tol=0)
    start = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(x, init="kmeans++", n_init=1, random_state=0, max_iter=0)
    np.testing.assert_array_equal(fit.params.means.values, start.params.means.values)  # the k-means++ start's
    assert fit.n_params == 1 + 2  # startprob and transmat only


def test_init_non_zero_where_the_declaration_has_a_structural_zero_is_refused():
    x = np.random.default_rng(1).normal(size=(40, 1))
    transmat = [[0.5, 0.5], [0.0, 1.0]]
    free = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(x, random_state=0, max_iter=0).params
    free = free.assign(transmat=(("state", "next_state"), np.full((2, 2), 0.5)))
    with pytest.raises(ValueError, match=r"non-zero at \(1, 0\), a structural zero of the declared transmat"):
        em.HiddenMarkovModel(em.Gaussian(), n_states=2, transmat=transmat).fit(x, init=free, max_iter=0)


def test_docs_hmm_code_blocks_run_in_order(tmp_path, monkeypatch):
    """Every ``python`` block of docs/hmm.md runs, in order, in one namespace (their asserts included)."""
    import pathlib

    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "hmm.md").read_text()
    blocks = [part.split("```", 1)[0] for part in text.split("```python\n")[1:]]
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.LocalOptimumWarning)
        for block in blocks:
            exec(compile(block, "docs/hmm.md", "exec"), namespace)


def test_one_sequence_without_lengths_is_never_cut_into_chunks():
    rng = np.random.default_rng(0)
    states = np.repeat(np.tile([0, 1], 10), 100)
    x = rng.normal(np.where(states == 0, 0.0, 3.0))[:, None]
    small = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, random_state=0, chunk_size=50)
    whole = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, lengths=[len(x)], random_state=0)
    np.testing.assert_allclose(small.trace.log_likelihood.values, whole.trace.log_likelihood.values, rtol=1e-12)
    assert small.score(x) == pytest.approx(small.log_likelihood, rel=1e-12)


def test_lengths_are_refused_for_a_mixture():
    with pytest.raises(ValueError, match="lengths describe sequences, but a FiniteMixture takes independent rows"):
        from emkit.estimators import fit_latent_model
        from emkit.latent.mixture import FiniteMixture

        fit_latent_model(
            FiniteMixture([em.Gaussian("full", 2)]), np.zeros((10, 1)), em.FitResult, lengths=[5, 5], n_init=1,
            init="auto", max_iter=1, tol=1e-6, chunk_size=None, sample_weight=None, random_state=0, progress=False,
        )


def test_left_right_chain_starts_from_segments_and_keeps_its_order():
    rng = np.random.default_rng(3)
    lengths = rng.integers(60, 120, size=20)
    sequences = []
    for n in lengths:  # three consecutive segments of random lengths, means 0, 6, 12
        cuts = np.sort(rng.choice(np.arange(10, n - 10), 2, replace=False))
        sizes = np.diff([0, *cuts, n])
        sequences.append(np.concatenate([rng.normal(mean, 1.0, (size, 1)) for mean, size in zip((0, 6, 12), sizes)]))
    x = np.concatenate(sequences)
    banded = [[0.9, 0.1, 0.0], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0]]
    model = em.HiddenMarkovModel(em.Gaussian(), 3, startprob=[1, 0, 0], transmat=banded)
    fit = model.fit(x, lengths=lengths, random_state=0)  # one restart, default start
    np.testing.assert_allclose(fit.params.means.values.ravel(), [0.0, 6.0, 12.0], atol=0.2)
    assert np.tril(fit.params.transmat.values, -1).max() == 0 and fit.params.startprob.values.tolist() == [1, 0, 0]
    assert fit.trace.attrs.get("restart_warning") is None

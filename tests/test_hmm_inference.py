"""Forward-backward and Viterbi kernels against independent oracles.

Oracles: a plain log-space implementation written here (scipy's logsumexp,
straightforward loops), brute-force enumeration of all K^T paths, closed forms
for chains whose transition rows are all equal (the observations are then
independent), time reversal of a reversible chain, and hmmlearn.
"""

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from emkit.latent.hmm_inference import (
    forward_backward,
    forward_backward_sequences,
    viterbi,
    viterbi_sequences,
)

# ----------------------------------------------------------------------------
# Oracles
# ----------------------------------------------------------------------------


def log_of(p):
    """Elementwise log with log 0 = -inf, without a warning."""
    p = np.asarray(p, dtype=float)
    return np.log(p, out=np.full(p.shape, -np.inf), where=p > 0)


def reference_forward_backward(startprob, transmat, log_b):
    """Unscaled forward-backward in log space: (log-likelihood, gamma, xi_sum)."""
    n_steps, n_states = log_b.shape
    log_pi, log_a = log_of(startprob), log_of(transmat)
    log_alpha = np.empty((n_steps, n_states))
    log_beta = np.zeros((n_steps, n_states))
    log_alpha[0] = log_pi + log_b[0]
    for t in range(1, n_steps):
        log_alpha[t] = logsumexp(log_alpha[t - 1][:, None] + log_a, axis=0) + log_b[t]
    for t in range(n_steps - 2, -1, -1):
        log_beta[t] = logsumexp(log_a + (log_b[t + 1] + log_beta[t + 1])[None, :], axis=1)
    log_likelihood = logsumexp(log_alpha[-1])
    if log_likelihood == -np.inf:
        return log_likelihood, None, None
    gamma = np.exp(log_alpha + log_beta - log_likelihood)
    xi_sum = np.zeros((n_states, n_states))
    for t in range(n_steps - 1):
        xi_sum += np.exp(
            log_alpha[t][:, None] + log_a + (log_b[t + 1] + log_beta[t + 1])[None, :]
            - log_likelihood
        )
    return log_likelihood, gamma, xi_sum


def reference_viterbi(startprob, transmat, log_b):
    """Log-space Viterbi with plain numpy: (log-probability, states)."""
    n_steps, n_states = log_b.shape
    log_a = log_of(transmat)
    delta = log_of(startprob) + log_b[0]
    back = np.zeros((n_steps, n_states), dtype=int)
    for t in range(1, n_steps):
        candidates = delta[:, None] + log_a
        back[t] = np.argmax(candidates, axis=0)
        delta = candidates.max(axis=0) + log_b[t]
    states = [int(np.argmax(delta))]
    for t in range(n_steps - 1, 0, -1):
        states.append(int(back[t, states[-1]]))
    return float(delta.max()), np.array(states[::-1])


def path_log_probability(startprob, transmat, log_b, states):
    """``log p(x, z)`` of one path, summed exactly (math.fsum)."""
    terms = [math.log(startprob[states[0]]) if startprob[states[0]] > 0 else -math.inf]
    terms += [
        math.log(transmat[a, b]) if transmat[a, b] > 0 else -math.inf
        for a, b in zip(states[:-1], states[1:])
    ]
    terms += [log_b[t, k] for t, k in enumerate(states)]
    return -math.inf if -math.inf in terms else math.fsum(terms)


def brute_force(startprob, transmat, log_b):
    """Every path's log-probability: (log-likelihood, gamma, best log-probability)."""
    n_steps, n_states = log_b.shape
    paths = list(itertools.product(range(n_states), repeat=n_steps))
    log_p = np.array([path_log_probability(startprob, transmat, log_b, z) for z in paths])
    log_likelihood = logsumexp(log_p)
    gamma = np.zeros((n_steps, n_states))
    for z, lp in zip(paths, log_p):
        gamma[np.arange(n_steps), z] += np.exp(lp - log_likelihood)
    return log_likelihood, gamma, log_p.max()


def random_model(rng, n_states, n_steps, zero_fraction=0.3, forbidden_fraction=0.2):
    """A random model with structural zeros and -inf emissions, of positive probability.

    The -inf entries spare one path drawn from the chain, so the sequence is possible.
    """
    startprob = rng.dirichlet(np.ones(n_states)) * (rng.random(n_states) > zero_fraction)
    transmat = rng.dirichlet(np.ones(n_states), size=n_states)
    transmat *= rng.random((n_states, n_states)) > zero_fraction
    startprob[rng.integers(n_states)] += 0.1
    transmat[np.arange(n_states), rng.integers(n_states, size=n_states)] += 0.1
    startprob /= startprob.sum()
    transmat /= transmat.sum(axis=1, keepdims=True)
    path = [rng.choice(n_states, p=startprob)]
    for _ in range(n_steps - 1):
        path.append(rng.choice(n_states, p=transmat[path[-1]]))
    log_b = rng.normal(0.0, 3.0, size=(n_steps, n_states))
    forbidden = rng.random((n_steps, n_states)) < forbidden_fraction
    forbidden[np.arange(n_steps), path] = False
    log_b[forbidden] = -np.inf
    return startprob, transmat, log_b


def equal_rows_model(rng, n_states, n_steps, centre, spread):
    """Transition rows all equal to p (p_0 = 0): observations independent given the model."""
    startprob = rng.dirichlet(np.ones(n_states))
    p = rng.dirichlet(np.ones(n_states))
    p[0] = 0.0
    p /= p.sum()
    transmat = np.tile(p, (n_states, 1))
    log_b = rng.normal(centre, spread, size=(n_steps, n_states))
    return startprob, transmat, log_b


def equal_rows_closed_form(startprob, transmat, log_b):
    """Exact (log-likelihood, gamma, xi_sum) when every transition row is the same p."""
    log_joint = log_of(transmat[0]) + log_b
    log_joint[0] = log_of(startprob) + log_b[0]
    log_density = logsumexp(log_joint, axis=1)
    gamma = np.exp(log_joint - log_density[:, None])
    return math.fsum(log_density), gamma, gamma[:-1].T @ gamma[1:]


# ----------------------------------------------------------------------------
# Forward-backward
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("n_states", [1, 2, 3, 4, 5])
def test_forward_backward_equals_log_space_reference(n_states):
    rng = np.random.default_rng(n_states)
    for n_steps in [1, 2, 3, 7, 20, 50]:
        startprob, transmat, log_b = random_model(rng, n_states, n_steps)
        log_likelihood, gamma, xi_sum, predictive = forward_backward(startprob, transmat, log_b)
        ref_ll, ref_gamma, ref_xi = reference_forward_backward(startprob, transmat, log_b)
        np.testing.assert_allclose(log_likelihood, ref_ll, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(gamma, ref_gamma, rtol=0, atol=1e-10)
        np.testing.assert_allclose(xi_sum, ref_xi, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(predictive.sum(), ref_ll, rtol=1e-10, atol=1e-10)


def test_reference_equals_brute_force_enumeration():
    rng = np.random.default_rng(7)
    for n_states, n_steps in [(2, 1), (2, 5), (3, 4), (4, 3)]:
        startprob, transmat, log_b = random_model(rng, n_states, n_steps)
        ref_ll, ref_gamma, _ = reference_forward_backward(startprob, transmat, log_b)
        ll, gamma, _ = brute_force(startprob, transmat, log_b)
        np.testing.assert_allclose(ref_ll, ll, rtol=1e-12)
        np.testing.assert_allclose(ref_gamma, gamma, rtol=0, atol=1e-12)
        np.testing.assert_allclose(forward_backward(startprob, transmat, log_b)[0], ll, rtol=1e-12)


def test_structural_zeros_stay_exactly_zero():
    # Left-right chain: state k cannot be reached before step k, nor left once passed.
    n_states, n_steps = 4, 30
    startprob = np.array([1.0, 0.0, 0.0, 0.0])
    transmat = np.array([
        [0.8, 0.2, 0.0, 0.0],
        [0.0, 0.7, 0.3, 0.0],
        [0.0, 0.0, 0.9, 0.1],
        [0.0, 0.0, 0.0, 1.0],
    ])
    log_b = np.random.default_rng(3).normal(size=(n_steps, n_states))
    _, gamma, xi_sum, _ = forward_backward(startprob, transmat, log_b)
    for k in range(1, n_states):
        assert np.all(gamma[:k, k] == 0.0)
    assert np.all(xi_sum[transmat == 0] == 0.0)
    assert np.all(xi_sum[transmat > 0] > 0.0)
    assert np.all(np.isfinite(gamma))


def test_length_one_sequence_has_no_transitions():
    startprob = np.array([0.2, 0.8])
    transmat = np.array([[0.5, 0.5], [0.1, 0.9]])
    log_b = np.array([[-1.0, -3.0]])
    log_likelihood, gamma, xi_sum, _ = forward_backward(startprob, transmat, log_b)
    joint = np.log(startprob) + log_b[0]
    assert log_likelihood == pytest.approx(logsumexp(joint), rel=1e-14)
    np.testing.assert_allclose(gamma[0], np.exp(joint - logsumexp(joint)), rtol=1e-14)
    assert np.all(xi_sum == 0.0)


def never_switching_model(log_b):
    return np.array([0.5, 0.5]), np.eye(2), log_b


def zero_normaliser():
    # Five steps favour state 0 by 800 nats, then state 1 by 900 nats per step:
    # in scaled form the state-1 filter probability (exp(-4000)) underflows to
    # 0 and the next normaliser c_t is exactly 0.
    log_b = np.zeros((12, 2))
    log_b[:5, 1] = -800.0
    log_b[5:, 0] = -900.0
    return log_b


def subnormal_normaliser():
    # The state-1 filter probability exp(-740) is subnormal (a 0.5% rounding
    # step) and the next observation only state 1 explains: c_t is subnormal.
    return np.array([[0.0, -740.0], [-1000.0, 0.0], [-1.0, 0.0]])


def huge_backward_variable():
    # The state-1 filter probability starts at exp(-737) (subnormal) and eleven
    # observations of 67 nats each bring it back: every normaliser is large,
    # but the scaled backward variable of state 1 at step 0 is about 1e320.
    log_b = np.zeros((12, 2))
    log_b[0, 1] = -737.0
    log_b[1:, 0] = -67.0
    return log_b


@pytest.mark.parametrize(
    "log_b", [zero_normaliser(), subnormal_normaliser(), huge_backward_variable()]
)
def test_underflow_of_the_scaled_recursion_is_recomputed_exactly(log_b):
    startprob, transmat, log_b = never_switching_model(log_b)
    log_likelihood, gamma, xi_sum, _ = forward_backward(startprob, transmat, log_b)
    ref_ll, ref_gamma, ref_xi = reference_forward_backward(startprob, transmat, log_b)
    # Both sides round log-probabilities near -1e3 (eps * 1e3 = 2e-13).
    assert log_likelihood == pytest.approx(ref_ll, rel=1e-14)
    np.testing.assert_allclose(gamma, ref_gamma, rtol=0, atol=1e-12)
    np.testing.assert_allclose(xi_sum, ref_xi, rtol=1e-12, atol=1e-12)


def test_extreme_log_densities_mixed_with_ordinary_ones():
    rng = np.random.default_rng(11)
    for _ in range(20):
        startprob, transmat, log_b = random_model(rng, 3, 40)
        log_b *= rng.choice([1.0, 300.0], size=log_b.shape)
        log_b -= 1e4
        ref_ll = reference_forward_backward(startprob, transmat, log_b)[0]
        if not np.isfinite(ref_ll):
            continue
        ll, gamma, xi_sum, _ = forward_backward(startprob, transmat, log_b)
        assert ll == pytest.approx(ref_ll, rel=1e-12)
        # Subtracting a constant from a row of log_b leaves gamma and xi
        # unchanged; it keeps the unscaled reference's logs small, and so
        # exact to 1e-12, where with log-likelihoods near -4e5 it is not.
        row_tops = log_b.max(axis=1, keepdims=True)
        _, ref_gamma, ref_xi = reference_forward_backward(startprob, transmat, log_b - row_tops)
        np.testing.assert_allclose(gamma, ref_gamma, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(xi_sum, ref_xi, rtol=1e-10, atol=1e-10)


def test_million_steps_with_extreme_log_densities_equal_closed_form():
    rng = np.random.default_rng(5)
    startprob, transmat, log_b = equal_rows_model(rng, 4, 10**6, centre=-1e4, spread=30.0)
    log_likelihood, gamma, xi_sum, predictive = forward_backward(startprob, transmat, log_b)
    exact_ll, exact_gamma, exact_xi = equal_rows_closed_form(startprob, transmat, log_b)
    assert log_likelihood == pytest.approx(exact_ll, rel=1e-13)
    np.testing.assert_allclose(gamma, exact_gamma, rtol=0, atol=1e-11)
    np.testing.assert_allclose(xi_sum, exact_xi, rtol=1e-10)
    assert np.all(xi_sum[:, 0] == 0.0)
    assert np.isfinite(predictive).all()


def test_million_steps_reversible_chain_equals_its_time_reversal():
    # A symmetric (hence doubly stochastic, reversible) chain started from its
    # uniform stationary law gives the reversed sequence the same likelihood:
    # the backward pass on x equals the forward pass on x reversed.
    transmat = np.array([
        [0.90, 0.10, 0.00, 0.00],
        [0.10, 0.80, 0.10, 0.00],
        [0.00, 0.10, 0.85, 0.05],
        [0.00, 0.00, 0.05, 0.95],
    ])
    startprob = np.full(4, 0.25)
    log_b = np.random.default_rng(6).normal(-1e4, 50.0, size=(10**6, 4))
    ll, gamma, xi_sum, predictive = forward_backward(startprob, transmat, log_b)
    ll_rev, gamma_rev, xi_rev, _ = forward_backward(startprob, transmat, log_b[::-1])
    assert np.isfinite(ll)
    assert ll == pytest.approx(ll_rev, rel=1e-13)
    np.testing.assert_allclose(gamma, gamma_rev[::-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(xi_sum, xi_rev.T, rtol=1e-11)
    assert np.all(xi_sum[transmat == 0] == 0.0)
    # The forward quantities of a prefix do not depend on what follows it.
    prefix = 300
    np.testing.assert_allclose(
        np.cumsum(predictive[:prefix])[-1],
        reference_forward_backward(startprob, transmat, log_b[:prefix])[0],
        rtol=1e-13,
    )


# ----------------------------------------------------------------------------
# Several sequences
# ----------------------------------------------------------------------------


def test_sequences_add_up_and_never_mix():
    rng = np.random.default_rng(8)
    lengths = [1, 5, 17, 1, 30]
    startprob, transmat, log_b = random_model(rng, 3, sum(lengths), forbidden_fraction=0.0)
    result = forward_backward_sequences(startprob, transmat, log_b, lengths)
    bounds = np.cumsum([0] + lengths)
    expected_ll, expected_start, expected_xi = 0.0, np.zeros(3), np.zeros((3, 3))
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        ll, gamma, xi_sum = reference_forward_backward(startprob, transmat, log_b[lo:hi])
        np.testing.assert_allclose(result.state_posteriors[lo:hi], gamma, rtol=0, atol=1e-10)
        expected_ll += ll
        expected_start += gamma[0]
        expected_xi += xi_sum
    assert result.log_likelihood == pytest.approx(expected_ll, rel=1e-12)
    np.testing.assert_allclose(result.start_counts, expected_start, rtol=1e-10)
    np.testing.assert_allclose(result.transition_counts, expected_xi, rtol=1e-10)
    assert result.transition_counts.sum() == pytest.approx(sum(lengths) - len(lengths))


def test_viterbi_sequences_decode_each_sequence_from_the_start():
    rng = np.random.default_rng(9)
    lengths = [4, 1, 12]
    startprob, transmat, log_b = random_model(rng, 3, sum(lengths))
    log_prob, states = viterbi_sequences(startprob, transmat, log_b, lengths)
    bounds = np.cumsum([0] + lengths)
    total = 0.0
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        ref_lp, ref_states = reference_viterbi(startprob, transmat, log_b[lo:hi])
        np.testing.assert_array_equal(states[lo:hi], ref_states)
        total += ref_lp
    assert log_prob == pytest.approx(total, rel=1e-12)


# ----------------------------------------------------------------------------
# Viterbi
# ----------------------------------------------------------------------------


def test_viterbi_equals_brute_force_and_reference():
    rng = np.random.default_rng(10)
    for n_states, n_steps in [(1, 4), (2, 1), (2, 6), (3, 5), (4, 4), (5, 3)]:
        startprob, transmat, log_b = random_model(rng, n_states, n_steps)
        log_prob, states = viterbi(startprob, transmat, log_b)
        best = brute_force(startprob, transmat, log_b)[2]
        assert log_prob == pytest.approx(best, rel=1e-12)
        assert path_log_probability(startprob, transmat, log_b, states) == pytest.approx(
            best, rel=1e-12
        )
    for n_states in range(1, 6):
        startprob, transmat, log_b = random_model(rng, n_states, 50)
        log_prob, states = viterbi(startprob, transmat, log_b)
        ref_lp, ref_states = reference_viterbi(startprob, transmat, log_b)
        assert log_prob == pytest.approx(ref_lp, rel=1e-12)
        np.testing.assert_array_equal(states, ref_states)


def test_viterbi_million_steps_equals_closed_form():
    # With equal transition rows the best path takes the best state at each step.
    rng = np.random.default_rng(12)
    startprob, transmat, log_b = equal_rows_model(rng, 4, 10**6, centre=-1e4, spread=30.0)
    log_prob, states = viterbi(startprob, transmat, log_b)
    log_joint = log_of(transmat[0]) + log_b
    log_joint[0] = log_of(startprob) + log_b[0]
    np.testing.assert_array_equal(states, np.argmax(log_joint, axis=1))
    exact = path_log_probability(startprob, transmat, log_b, states)
    assert log_prob == pytest.approx(exact, rel=1e-15)


# ----------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------

GOOD_START = np.array([0.5, 0.5])
GOOD_TRANS = np.array([[0.9, 0.1], [0.2, 0.8]])
GOOD_LOG_B = np.zeros((5, 2))


@pytest.mark.parametrize(
    "lengths, message",
    [
        ([2, 2], "lengths sum to 4 but log_b has 5 rows"),
        ([3, 0, 2], "lengths\\[1\\] = 0"),
        ([6, -1], "lengths\\[1\\] = -1"),
        ([2.5, 2.5], "integers"),
        ([], "non-empty"),
    ],
)
def test_bad_lengths_are_named(lengths, message):
    with pytest.raises(ValueError, match=message):
        forward_backward_sequences(GOOD_START, GOOD_TRANS, GOOD_LOG_B, lengths)
    with pytest.raises(ValueError, match=message):
        viterbi_sequences(GOOD_START, GOOD_TRANS, GOOD_LOG_B, lengths)


@pytest.mark.parametrize(
    "startprob, transmat, log_b, message",
    [
        (GOOD_START, GOOD_TRANS, np.zeros(5), "2-D array"),
        (GOOD_START, GOOD_TRANS, np.zeros((0, 2)), "at least one step"),
        (np.array([0.2, 0.3, 0.5]), GOOD_TRANS, GOOD_LOG_B, "startprob must have shape"),
        (GOOD_START, np.eye(3), GOOD_LOG_B, "transmat must have shape"),
        (np.array([0.6, 0.6]), GOOD_TRANS, GOOD_LOG_B, "startprob must sum to 1"),
        (GOOD_START, np.array([[0.9, 0.2], [0.2, 0.8]]), GOOD_LOG_B, "its rows sum to"),
        (np.array([1.5, -0.5]), GOOD_TRANS, GOOD_LOG_B, "non-negative"),
        (GOOD_START, GOOD_TRANS, np.array([[0.0, 0.0], [np.nan, 0.0]]), "log_b\\[1\\]"),
        (GOOD_START, GOOD_TRANS, np.array([[np.inf, 0.0]]), "log_b\\[0\\]"),
    ],
)
def test_bad_model_arrays_are_named(startprob, transmat, log_b, message):
    with pytest.raises(ValueError, match=message):
        forward_backward(startprob, transmat, log_b)
    with pytest.raises(ValueError, match=message):
        viterbi(startprob, transmat, log_b)


def test_sequence_of_probability_zero_is_an_error_naming_it():
    # State 1 cannot be entered; the second sequence's step 2 only state 1 can emit.
    startprob = np.array([1.0, 0.0])
    transmat = np.array([[1.0, 0.0], [0.5, 0.5]])
    log_b = np.zeros((6, 2))
    log_b[5, 0] = -np.inf
    message = "sequence 1 has probability zero under the model: at its step 2 \\(row 5\\)"
    with pytest.raises(ValueError, match=message):
        forward_backward_sequences(startprob, transmat, log_b, [3, 3])
    with pytest.raises(ValueError, match=message):
        viterbi_sequences(startprob, transmat, log_b, [3, 3])


# ----------------------------------------------------------------------------
# hmmlearn
# ----------------------------------------------------------------------------


def test_agrees_with_hmmlearn_categorical():
    hmm = pytest.importorskip("hmmlearn.hmm")
    from hmmlearn import _hmmc

    rng = np.random.default_rng(13)
    n_states, n_symbols, lengths = 3, 4, [40, 1, 25]
    model = hmm.CategoricalHMM(n_components=n_states, n_features=n_symbols)
    model.startprob_ = rng.dirichlet(np.ones(n_states))
    model.transmat_ = rng.dirichlet(np.ones(n_states), size=n_states)
    model.emissionprob_ = rng.dirichlet(np.ones(n_symbols), size=n_states)
    x = rng.integers(0, n_symbols, size=(sum(lengths), 1))
    log_b = np.log(model.emissionprob_[:, x[:, 0]].T)

    result = forward_backward_sequences(model.startprob_, model.transmat_, log_b, lengths)
    assert result.log_likelihood == pytest.approx(model.score(x, lengths), rel=1e-12)
    expected_gamma = model.predict_proba(x, lengths)
    np.testing.assert_allclose(result.state_posteriors, expected_gamma, rtol=0, atol=1e-12)
    expected_xi = np.zeros((n_states, n_states))
    for seq in np.split(np.exp(log_b), np.cumsum(lengths)[:-1]):
        _, fwd, scaling = _hmmc.forward_scaling(model.startprob_, model.transmat_, seq)
        bwd = _hmmc.backward_scaling(model.startprob_, model.transmat_, seq, scaling)
        expected_xi += _hmmc.compute_scaling_xi_sum(fwd, model.transmat_, bwd, seq)
    np.testing.assert_allclose(result.transition_counts, expected_xi, rtol=1e-12)

    log_prob, states = viterbi_sequences(model.startprob_, model.transmat_, log_b, lengths)
    expected_lp, expected_states = model.decode(x, lengths, algorithm="viterbi")
    assert log_prob == pytest.approx(expected_lp, rel=1e-12)
    # Categorical emissions make exact ties between paths common (the same
    # factors in another order), so the paths are compared by probability.
    bounds = np.cumsum([0] + lengths)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        ours, theirs = (
            path_log_probability(model.startprob_, model.transmat_, log_b[lo:hi], path[lo:hi])
            for path in (states, expected_states)
        )
        assert ours == theirs


def test_agrees_with_hmmlearn_gaussian_full_covariance():
    hmm = pytest.importorskip("hmmlearn.hmm")
    rng = np.random.default_rng(14)
    n_states, n_features, lengths = 3, 2, [60, 30]
    model = hmm.GaussianHMM(n_components=n_states, covariance_type="full")
    model.startprob_ = rng.dirichlet(np.ones(n_states))
    model.transmat_ = rng.dirichlet(np.ones(n_states) * 3, size=n_states)
    model.means_ = rng.normal(0.0, 2.0, size=(n_states, n_features))
    factors = rng.normal(size=(n_states, n_features, n_features))
    model.covars_ = factors @ factors.transpose(0, 2, 1) + np.eye(n_features)
    x, _ = model.sample(sum(lengths), random_state=0)
    log_b = np.column_stack([
        stats.multivariate_normal(model.means_[k], model.covars_[k]).logpdf(x)
        for k in range(n_states)
    ])

    result = forward_backward_sequences(model.startprob_, model.transmat_, log_b, lengths)
    assert result.log_likelihood == pytest.approx(model.score(x, lengths), rel=1e-11)
    expected_gamma = model.predict_proba(x, lengths)
    np.testing.assert_allclose(result.state_posteriors, expected_gamma, rtol=0, atol=1e-10)
    log_prob, states = viterbi_sequences(model.startprob_, model.transmat_, log_b, lengths)
    expected_lp, expected_states = model.decode(x, lengths, algorithm="viterbi")
    assert log_prob == pytest.approx(expected_lp, rel=1e-11)
    np.testing.assert_array_equal(states, expected_states)

"""The compiled blocked paths of the Gaussian hidden Markov E-step against independent oracles.

``Gaussian.log_prob_into`` (log-densities written into a given array in
blocks) is checked against scipy.stats' multivariate normal log-density;
``Gaussian.stats_in_blocks`` (statistics from given weights in blocks)
against the weighted mean and scatter written out here in numpy (two passes:
the mean first, then the scatter about it); both also against the family's
own slow path (``log_prob`` / ``stats``). Every covariance structure, float64
and float32 chunks, data 1e4 from zero (so that raw second moments about 0
would lose about eight digits), tiny and zero weights, and more rows than one
block. The chain's forward-backward sums (``chain_statistics``) are checked
against the plain posteriors of ``forward_backward_sequences``, and the whole
E-step against the evaluate-then-forward-backward path written out here with
public functions. Memory: one E-step over a long sequence stays within a few
``(T, K)`` float64 arrays.
"""

import tracemalloc

import numpy as np
import pytest
from scipy import stats

import emkit as em
from emkit.components.capabilities import capabilities
from emkit.latent.hmm import HiddenMarkovChain
from emkit.latent.hmm_inference import chain_statistics, forward_backward_sequences
from emkit.latent.mixture import FiniteMixture

STRUCTURES = ["VVV", "EEE", "VVI", "EEI", "VII", "EII"]
#: Where the data sit: far from 0 against their spread (about 1).
OFFSET = 1e4
#: More rows than one compiled block (a few thousand rows at these sizes).
N_ROWS = 9_000
K, D = 3, 3


def simulated(n=N_ROWS, offset=OFFSET, seed=0):
    """Rows from three overlapping correlated Gaussian clusters centred near ``offset``."""
    rng = np.random.default_rng(seed)
    centres = offset + rng.normal(scale=2.0, size=(K, D))
    factors = rng.normal(size=(K, D, D)) / np.sqrt(D) + np.eye(D)
    labels = rng.integers(K, size=n)
    return centres[labels] + np.einsum("nij,nj->ni", factors[labels], rng.normal(size=(n, D)))


def random_weights(n, seed=1):
    """Posterior-like weights: rows on the simplex, some entries tiny (1e-300) or exactly 0."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(K, 0.5), size=n)
    weights[rng.random(n) < 0.05, 0] = 1e-300
    weights[rng.random(n) < 0.05, 1] = 0.0
    return weights


def fitted_family(structure, x, seed=2):
    """A Gaussian family fitted to ``x`` with random weights (its means near, not at, the clusters)."""
    family = em.Gaussian(structure, n_components=K)
    return family.m_step(family.stats(x, random_weights(len(x), seed)))


def scipy_log_densities(family, x):
    """``log N(x_i | mu_k, Sigma_k)`` by scipy.stats, one component at a time."""
    covariances = family.covariance_matrices()
    return np.column_stack([
        stats.multivariate_normal(mean, cov).logpdf(x) for mean, cov in zip(family.means, covariances)
    ])


def two_pass_statistics(x, weights):
    """Weights, weighted means and the scatter about them, written out directly (float64, two passes)."""
    weight = weights.sum(axis=0)
    mean = (weights.T @ x) / weight[:, None]
    scatter = np.stack([((x - m) * w[:, None]).T @ (x - m) for m, w in zip(mean, weights.T)])
    return weight, mean, scatter


def as_scatter_of(family, scatter):
    """The full scatter matrices, or their diagonals for the axis-aligned structures."""
    return scatter if family.covariance.scatter_kind == "full" else np.diagonal(scatter, axis1=1, axis2=2)


# ----------------------------------------------------------------------------
# The family hooks
# ----------------------------------------------------------------------------


def test_gaussian_declares_the_blocked_capability_and_student_t_does_not():
    assert capabilities(em.Gaussian()).blocked
    assert not capabilities(em.StudentT()).blocked


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_log_prob_into_matches_scipy_and_the_slow_path(structure, dtype, rtol):
    x = simulated()
    family = fitted_family(structure, x)
    out = np.full((len(x), K), np.nan)
    family.log_prob_into(x.astype(dtype), out)
    expected = scipy_log_densities(family, x)
    # float32 rounds the data themselves at 1e4 (to about 5e-4): compare with the rounded rows
    if dtype == np.float32:
        expected = scipy_log_densities(family, x.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(out, expected, rtol=rtol)
    np.testing.assert_allclose(out, family.log_prob(x.astype(dtype)), rtol=rtol)


def test_log_prob_into_writes_a_column_slice_of_a_wider_array():
    x = simulated(n=500)
    family = fitted_family("VVV", x)
    wide = np.full((len(x), K + 2), 7.0)
    family.log_prob_into(x, wide[:, 1:K + 1])
    np.testing.assert_allclose(wide[:, 1:K + 1], scipy_log_densities(family, x), rtol=1e-10)
    assert np.all(wide[:, 0] == 7.0) and np.all(wide[:, K + 1] == 7.0)


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_stats_in_blocks_match_the_two_pass_oracle_far_from_zero(structure, dtype, rtol):
    x = simulated()
    family = fitted_family(structure, x)
    weights = random_weights(len(x), seed=3)
    chunk = x.astype(dtype)
    got = family.stats_in_blocks(chunk, weights)
    weight, mean, scatter = two_pass_statistics(chunk.astype(np.float64), weights)
    np.testing.assert_allclose(got.weight, weight, rtol=1e-12)
    # the means relative to the offset, where their digits are
    np.testing.assert_allclose(got.mean - OFFSET, mean - OFFSET, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got.scatter, as_scatter_of(family, scatter), rtol=rtol, atol=rtol * weight.max())
    slow = family.stats(chunk.astype(np.float64), weights)
    np.testing.assert_allclose(got.scatter, slow.scatter, rtol=rtol, atol=rtol * weight.max())


@pytest.mark.parametrize("structure", ["VVV", "VVI"])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-8), (np.float32, 1e-4)])
def test_stats_in_blocks_recentre_where_the_chunk_mean_is_far_from_the_component_mean(structure, dtype, rtol):
    """Data 1e3 standard deviations from the component means: the moments are taken again about the chunk means."""
    x = simulated()
    family = fitted_family(structure, x)
    shifted = (x + 1e3).astype(dtype)
    weights = random_weights(len(x), seed=4)
    got = family.stats_in_blocks(shifted, weights)
    _, mean, scatter = two_pass_statistics(shifted.astype(np.float64), weights)
    np.testing.assert_allclose(got.mean, mean, rtol=0, atol=1e-2 * rtol)  # against a spread of about 1
    np.testing.assert_allclose(got.scatter, as_scatter_of(family, scatter), rtol=rtol)


def test_bad_shapes_are_named():
    x = simulated(n=50)
    family = fitted_family("VVV", x)
    with pytest.raises(ValueError, match=r"out must be a float64 array of shape \(50, 3\)"):
        family.log_prob_into(x, np.empty((50, 2)))
    with pytest.raises(ValueError, match="out must be a float64 array"):
        family.log_prob_into(x, np.empty((50, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"weights must be a float64 array of shape \(50, 3\)"):
        family.stats_in_blocks(x, np.ones((49, 3)))
    with pytest.raises(ValueError, match=r"the chunk must have shape \(n, 3\)"):
        fitted_family("VVI", x).log_prob_into(x[:, :2], np.empty((50, 3)))


# ----------------------------------------------------------------------------
# Forward-backward sums
# ----------------------------------------------------------------------------


def test_chain_statistics_sum_the_plain_posteriors():
    rng = np.random.default_rng(5)
    lengths = [40, 1, 17, 300]
    log_b = rng.normal(scale=4.0, size=(sum(lengths), K)) - 3.0
    startprob = np.array([0.5, 0.3, 0.2])
    transmat = np.array([[0.8, 0.2, 0.0], [0.1, 0.7, 0.2], [0.3, 0.0, 0.7]])
    got = chain_statistics(startprob, transmat, log_b, lengths)
    plain = forward_backward_sequences(startprob, transmat, log_b, lengths)
    gamma = plain.state_posteriors
    np.testing.assert_array_equal(got.state_posteriors, gamma)
    np.testing.assert_allclose(got.state_counts, gamma.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(got.class_log_likelihood, np.log(gamma.max(axis=1)).sum(), rtol=1e-13)
    assert got.log_likelihood == plain.log_likelihood
    np.testing.assert_array_equal(got.transition_counts, plain.transition_counts)


def test_chain_statistics_after_the_log_space_recursion():
    """Log-densities 2000 apart and a structural zero send the sequence to the log-space recursion."""
    log_b = np.array([[0.0, -2000.0], [-2000.0, 0.0], [-2000.0, 0.0], [0.0, -2000.0]])
    startprob = np.array([1.0, 0.0])
    transmat = np.array([[0.5, 0.5], [0.0, 1.0]])
    got = chain_statistics(startprob, transmat, log_b, [2, 2])
    gamma = forward_backward_sequences(startprob, transmat, log_b, [2, 2]).state_posteriors
    np.testing.assert_allclose(got.state_counts, gamma.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(got.class_log_likelihood, np.log(gamma.max(axis=1)).sum(), atol=1e-12)


@pytest.mark.parametrize(
    "startprob, transmat, log_b, message",
    [
        (np.array([0.6, 0.6]), np.eye(2), np.zeros((3, 2)), "startprob must sum to 1"),
        (np.array([np.nan, 1.0]), np.eye(2), np.zeros((3, 2)), "finite non-negative"),
        (np.array([0.5, 0.5]), np.array([[0.9, 0.2], [0.2, 0.8]]), np.zeros((3, 2)), "its rows sum to"),
        (np.array([0.5, 0.5]), np.eye(2), np.array([[0.0, 0.0], [0.0, np.nan], [0.0, 0.0]]), r"log_b\[1\]"),
        (np.array([1.0, 0.0]), np.eye(2), np.array([[0.0, 0.0], [-np.inf, 0.0], [0.0, 0.0]]),
         r"probability zero under the model: at its step 1 \(row 1\)"),
    ],
)
def test_chain_statistics_refuses_bad_arrays_naming_the_problem(startprob, transmat, log_b, message):
    with pytest.raises(ValueError, match=message):
        chain_statistics(startprob, transmat, log_b, [len(log_b)])


# ----------------------------------------------------------------------------
# The whole E-step
# ----------------------------------------------------------------------------


def chain_of(structure, x):
    transmat = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8]])
    return HiddenMarkovChain(FiniteMixture([fitted_family(structure, x)]), np.array([0.5, 0.5, 0.0]), transmat)


def plain_e_step(chain, x, lengths):
    """The E-step from public pieces: scipy log-densities, forward-backward, two-pass statistics of gamma."""
    family = chain.emissions.families[0]
    post = forward_backward_sequences(chain.startprob, chain.transmat, scipy_log_densities(family, x), lengths)
    gamma = post.state_posteriors
    return post, np.log(gamma.max(axis=1)).sum(), two_pass_statistics(x, gamma)


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_e_step_matches_the_plain_e_step(structure, dtype, rtol):
    x = simulated(n=6_000)
    lengths = [2_500, 1, 499, 3_000]
    chain = chain_of(structure, x)
    chunk = x.astype(dtype)
    got = chain.e_step(chunk, lengths=lengths)
    post, class_ll, (weight, mean, scatter) = plain_e_step(chain, chunk.astype(np.float64), lengths)
    emission = got.emission
    np.testing.assert_allclose(emission.log_likelihood, post.log_likelihood, rtol=rtol)
    np.testing.assert_allclose(emission.classification_log_likelihood, class_ll, rtol=rtol)
    np.testing.assert_allclose(got.start_counts, post.start_counts, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got.transition_counts, post.transition_counts, rtol=rtol, atol=rtol * len(x))
    assert got.transition_counts[2, 0] == 0.0 and got.start_counts[2] == 0.0  # structural zeros
    family_stats = emission.family_stats[0]
    np.testing.assert_allclose(family_stats.weight, weight, rtol=rtol)
    np.testing.assert_allclose(family_stats.mean - OFFSET, mean - OFFSET, rtol=rtol, atol=rtol)
    full = family_stats.scatter.ndim == 3
    expected = scatter if full else np.diagonal(scatter, axis1=1, axis2=2)
    np.testing.assert_allclose(family_stats.scatter, expected, rtol=rtol, atol=rtol * weight.max())


def test_e_step_of_a_long_sequence_holds_a_few_posterior_arrays():
    """Peak memory of one E-step over T steps: a few (T, K) float64 arrays, never (K, T, d) ones."""
    T = 200_000
    x = simulated(n=T, seed=6)
    chain = chain_of("VVV", x)
    chain.e_step(x)  # compiled kernels and per-thread scratch, once
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        chain.e_step(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    posteriors = T * K * 8
    # log_b, gamma and the forward-backward scratch (T, K) plus (T,) vectors: about 3.5 T K 8;
    # the former (K, T, d) temporaries alone were 2 (d + 1) T K 8 = 8 T K 8
    assert peak - before < 4.5 * posteriors

r"""Exact inference in a hidden Markov model: forward-backward and Viterbi.

Pure functions of the model's three arrays and nothing else:

* ``startprob`` (K,): ``pi_k = P(z_1 = k)``;
* ``transmat`` (K, K): ``A_jk = P(z_{t+1} = k | z_t = j)``, rows summing to 1;
* ``log_b`` (T, K): ``log b_tk = log p(x_t | z_t = k)``, the emission
  log-densities, ``-inf`` where state k cannot emit ``x_t``.

Zeros in ``startprob`` and ``transmat`` are *structural*: they stay exactly
zero in every posterior quantity (left-right models keep their shape), and no
logarithm of zero is ever evaluated outside the compiled kernels, which map
it to ``-inf`` without a warning.

Forward-backward with scaling (Rabiner 1989)
--------------------------------------------
Each step first divides the emission densities by their largest value,
``s_t = max_k log b_tk`` and ``b~_tk = exp(log b_tk - s_t)`` in [0, 1], so
log-densities of any size (say -1e4) never under- or overflow. The scaled
forward variables are the filtered state probabilities:

.. math::

    \hat\alpha_{1k} = \pi_k \tilde b_{1k} / c_1, \qquad
    \hat\alpha_{tk} = \Big(\sum_j \hat\alpha_{t-1,j} A_{jk}\Big) \tilde b_{tk} / c_t,

with ``c_t`` the normaliser making ``alpha^_t`` sum to 1, so that
``log p(x_t | x_1..x_{t-1}) = s_t + log c_t`` and the log-likelihood is
``sum_t (s_t + log c_t)``. The backward variables use the same ``c_t``:

.. math::

    \hat\beta_{Tj} = 1, \qquad
    \hat\beta_{tj} = \sum_k A_{jk} \tilde b_{t+1,k} \hat\beta_{t+1,k} / c_{t+1},

and then the smoothed state posteriors and the expected transition counts are

.. math::

    \gamma_{tk} = \hat\alpha_{tk} \hat\beta_{tk}, \qquad
    \xi_{t,jk} = \hat\alpha_{tj} A_{jk} \tilde b_{t+1,k} \hat\beta_{t+1,k} / c_{t+1},
    \qquad \text{xi\_sum}_{jk} = \sum_{t=1}^{T-1} \xi_{t,jk}.

``xi_t`` is accumulated during the backward pass, so no (T, K, K) array is
formed: time O(T K^2), memory the (T, K) posteriors. Each ``gamma_t`` sums to 1
and ``xi_sum`` to T - 1. Each ``b~_tk`` is exponentiated once, in the forward
pass, and kept for the backward one (a (T, K) scratch array: one exponential
costs more than the whole matrix-vector step of a small K). What a Baum-Welch
E-step needs besides (:func:`chain_statistics`: the state occupancies
``sum_t gamma_t`` and the classification log-likelihood
``sum_t log max_k gamma_tk``) is summed in the same compiled call, over each
sequence's posteriors while they are in cache.

The scaled recursion loses nothing as long as every ``c_t`` is far above the
smallest double (what underflows is then below 1e-70 relative to what is
kept). A sequence on which some ``c_t`` is not (state probabilities below
1e-308 that the next observation needs, for instance when emission
log-densities differ by thousands between states and a transition is
structurally zero) is recomputed with the same recursion carried in log
space (log-sum-exp for each sum), which is slower but exact for any input.

Viterbi
-------
In log space, with ``delta_tk`` the log-probability of the best path ending
in state k at step t:

.. math::

    \delta_{1k} = \log\pi_k + \log b_{1k}, \qquad
    \delta_{tk} = \max_j (\delta_{t-1,j} + \log A_{jk}) + \log b_{tk},

back-pointers ``psi_tk = argmax_j (delta_{t-1,j} + log A_jk)`` (the smallest
such j on ties), the last state ``argmax_k delta_Tk``, and the path read
backwards through ``psi``. Each ``delta_t`` is stored minus its maximum, whose
running (compensated) sum gives the path's log-probability, so the values
compared stay small even when the path's log-probability is -1e10.

Sequences
---------
Several independent sequences stacked row-wise are given by their
``lengths`` (as in hmmlearn). Each starts from ``startprob``; their
log-likelihoods and counts add up; the start counts are the posteriors at
each sequence's first step. A sequence of length 1 has no transitions. The
compiled kernels release the GIL, so a caller can run groups of sequences on
threads; results do not depend on that grouping.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

#: Rows of ``startprob`` and ``transmat`` must sum to 1 within this.
_PROBABILITY_TOLERANCE = 1e-6

#: A scaled step whose normaliser ``c_t`` falls below this (or a scaled
#: backward variable above its inverse) sends the sequence to the log-space
#: recursion: what the scaled step may have lost to underflow (below 5e-324
#: per state) is then under 1e-70 of what it kept.
_SMALLEST_SAFE_SCALE = 1e-250
_LARGEST_SAFE_BACKWARD = 1e250


class Posteriors(NamedTuple):
    """What :func:`forward_backward` returns (unpacks as a 4-tuple)."""

    #: ``log p(x_1, ..., x_T)``.
    log_likelihood: float
    #: ``gamma`` (T, K): ``P(z_t = k | x_1..x_T)``, rows summing to 1.
    state_posteriors: np.ndarray
    #: ``xi_sum`` (K, K): expected number of transitions from j to k.
    transition_counts: np.ndarray
    #: (T,): ``log p(x_t | x_1..x_{t-1})``, summing to ``log_likelihood``.
    predictive_log_densities: np.ndarray


class SequencePosteriors(NamedTuple):
    """What :func:`forward_backward_sequences` returns (unpacks as a 5-tuple)."""

    #: Sum over sequences of ``log p(sequence)``.
    log_likelihood: float
    #: (n_rows, K): smoothed state posteriors of every row.
    state_posteriors: np.ndarray
    #: (K,): sum over sequences of the posterior at their first step.
    start_counts: np.ndarray
    #: (K, K): expected transition counts summed over sequences.
    transition_counts: np.ndarray
    #: (n_rows,): ``log p(x_t | earlier rows of its sequence)``.
    predictive_log_densities: np.ndarray


class BestPath(NamedTuple):
    """What :func:`viterbi` and :func:`viterbi_sequences` return."""

    #: ``log p(x, z*)`` of the best path (summed over sequences).
    log_probability: float
    #: (n_rows,): the states of the best path, integers in [0, K).
    states: np.ndarray


# ----------------------------------------------------------------------------
# Compiled kernels
# ----------------------------------------------------------------------------


@numba.njit(nogil=True, cache=True)
def _log_of_probabilities(p):
    """Elementwise log with ``log 0 = -inf`` (no warning)."""
    out = np.empty(p.shape)
    flat_p = p.ravel()
    flat_out = out.ravel()
    for i in range(flat_p.size):
        flat_out[i] = math.log(flat_p[i]) if flat_p[i] > 0.0 else -math.inf
    return out


@numba.njit(nogil=True, cache=True)
def _log_sum_exp(values):
    """``log sum_i exp(values_i)``; ``-inf`` when every value is."""
    top = -math.inf
    for v in values:
        top = max(top, v)
    if top == -math.inf:
        return top
    total = 0.0
    for v in values:
        total += math.exp(v - top)
    return top + math.log(total)


@numba.njit(nogil=True, cache=True)
def _add_visits(gamma, visits):
    """Adds ``sum_t gamma_t`` to ``visits``; returns ``sum_t log max_k gamma_tk``.

    Each row of ``gamma`` sums to 1, so its largest entry is at least 1/K.
    """
    class_log_likelihood = 0.0
    for t in range(gamma.shape[0]):
        top = 0.0
        for k in range(gamma.shape[1]):
            visits[k] += gamma[t, k]
            top = max(top, gamma[t, k])
        class_log_likelihood += math.log(top)
    return class_log_likelihood


@numba.njit(nogil=True, cache=True)
def _scaled_forward_backward(startprob, transmat, log_b, gamma, shift, scale, xi_sum, emission):
    """Scaled forward-backward of one sequence (see the module docstring).

    Writes ``gamma`` (T, K), ``shift`` (T,) = ``s_t + log c_t`` and adds to
    ``xi_sum``; ``emission`` is scratch of at least (T, K) that keeps each
    ``b~_tk`` from the forward pass for the backward one, so that each is
    exponentiated once. Returns False, leaving the outputs partly written,
    as soon as a step is not safe in scaled form (some ``c_t`` tiny or zero,
    a scaled backward variable huge, or a step with no finite log-density).
    """
    n_steps, n_states = log_b.shape
    predicted = np.empty(n_states)
    # Forward: gamma[t] holds alpha^_t.
    for t in range(n_steps):
        top = -math.inf
        for k in range(n_states):
            top = max(top, log_b[t, k])
        if top == -math.inf:
            return False
        if t == 0:
            predicted[:] = startprob
        else:
            predicted[:] = 0.0
            for j in range(n_states):
                alpha_j = gamma[t - 1, j]
                for k in range(n_states):
                    predicted[k] += alpha_j * transmat[j, k]
        total = 0.0
        for k in range(n_states):
            scaled = math.exp(log_b[t, k] - top)
            emission[t, k] = scaled
            joint = predicted[k] * scaled
            gamma[t, k] = joint
            total += joint
        if not total >= _SMALLEST_SAFE_SCALE:
            return False
        inverse = 1.0 / total
        for k in range(n_states):
            gamma[t, k] *= inverse
        shift[t] = top
        scale[t] = total
    # Backward: beta^_{t+1} -> beta^_t, xi_t, then gamma[t] = alpha^_t beta^_t.
    beta = np.ones(n_states)
    next_beta = np.empty(n_states)
    weighted = np.empty(n_states)
    for t in range(n_steps - 2, -1, -1):
        inverse = 1.0 / scale[t + 1]
        for k in range(n_states):
            weighted[k] = emission[t + 1, k] * beta[k] * inverse
        for j in range(n_states):
            alpha_j = gamma[t, j]
            total = 0.0
            for k in range(n_states):
                term = transmat[j, k] * weighted[k]
                total += term
                xi_sum[j, k] += alpha_j * term
            if not total <= _LARGEST_SAFE_BACKWARD:
                return False
            next_beta[j] = total
        total = 0.0
        for j in range(n_states):
            gamma[t, j] *= next_beta[j]
            total += gamma[t, j]
        inverse = 1.0 / total
        for j in range(n_states):
            gamma[t, j] *= inverse
        beta, next_beta = next_beta, beta
    for t in range(n_steps):
        shift[t] += math.log(scale[t])
    return True


@numba.njit(nogil=True, cache=True)
def _log_space_forward_backward(log_start, log_trans, log_b, gamma, predictive, xi_sum):
    """The scaled recursion carried in logs, for sequences the scaled one cannot take.

    ``gamma`` holds ``log alpha^_t`` until the backward pass turns it into the
    posteriors; ``predictive`` receives ``log c_t`` (with ``s_t``). Returns the
    first step at which the sequence has probability zero, or -1.
    """
    n_steps, n_states = log_b.shape
    terms = np.empty(n_states)
    for t in range(n_steps):
        for k in range(n_states):
            if t == 0:
                log_predicted = log_start[k]
            else:
                for j in range(n_states):
                    terms[j] = gamma[t - 1, j] + log_trans[j, k]
                log_predicted = _log_sum_exp(terms)
            gamma[t, k] = log_predicted + log_b[t, k]
        log_scale = _log_sum_exp(gamma[t])
        if log_scale == -math.inf:
            return t
        for k in range(n_states):
            gamma[t, k] -= log_scale
        predictive[t] = log_scale
    xi_sum[:] = 0.0
    log_beta = np.zeros(n_states)
    next_log_beta = np.empty(n_states)
    log_weighted = np.empty(n_states)
    for t in range(n_steps - 2, -1, -1):
        for k in range(n_states):
            log_weighted[k] = log_b[t + 1, k] + log_beta[k] - predictive[t + 1]
        for j in range(n_states):
            for k in range(n_states):
                terms[k] = log_trans[j, k] + log_weighted[k]
                xi_sum[j, k] += math.exp(gamma[t, j] + terms[k])
            next_log_beta[j] = _log_sum_exp(terms)
        total = 0.0
        for j in range(n_states):
            gamma[t, j] = math.exp(gamma[t, j] + next_log_beta[j])
            total += gamma[t, j]
        for j in range(n_states):
            gamma[t, j] /= total
        log_beta, next_log_beta = next_log_beta, log_beta
    for k in range(n_states):
        gamma[n_steps - 1, k] = math.exp(gamma[n_steps - 1, k])
    return -1


@numba.njit(nogil=True, cache=True)
def _forward_backward_all(startprob, transmat, log_b, bounds, gamma, predictive, xi_sum, visits, scale, emission):
    """Forward-backward of every sequence ``log_b[bounds[s]:bounds[s + 1]]``.

    Adds each sequence's transition counts to ``xi_sum`` and its ``sum_t
    gamma_t`` to ``visits`` (in a pass over each sequence's posteriors
    while they are in cache). Returns, per sequence, the first step at
    which it has probability zero, or -1; and ``sum_t log max_k gamma_tk``
    over every row. ``scale`` (n_rows,) and ``emission`` (longest sequence,
    K) are scratch allocated by the caller: numpy backs large arrays with
    huge pages, where a compiled allocation pays a page fault per 4 KiB on
    first use.
    """
    n_states = startprob.shape[0]
    log_start = _log_of_probabilities(startprob)
    log_trans = _log_of_probabilities(transmat)
    sequence_xi = np.empty((n_states, n_states))
    impossible_at = np.full(bounds.shape[0] - 1, -1)
    class_log_likelihood = 0.0
    for s in range(bounds.shape[0] - 1):
        rows = slice(bounds[s], bounds[s + 1])
        sequence_xi[:] = 0.0
        if not _scaled_forward_backward(
            startprob, transmat, log_b[rows], gamma[rows], predictive[rows], scale[rows],
            sequence_xi, emission,
        ):
            impossible_at[s] = _log_space_forward_backward(
                log_start, log_trans, log_b[rows], gamma[rows], predictive[rows], sequence_xi
            )
            if impossible_at[s] >= 0:
                continue
        class_log_likelihood += _add_visits(gamma[rows], visits)
        xi_sum += sequence_xi
    return impossible_at, class_log_likelihood


@numba.njit(nogil=True, cache=True)
def _rows_are_probabilities(p):
    """Whether every row of ``p`` (n, K) is finite, non-negative and sums to 1 within the tolerance."""
    for row in p:
        total = 0.0
        for value in row:
            if not (0.0 <= value < math.inf):
                return False
            total += value
        if not abs(total - 1.0) <= _PROBABILITY_TOLERANCE:
            return False
    return True


@numba.njit(nogil=True, cache=True)
def _first_invalid_row(log_b):
    """The first row of ``log_b`` holding NaN or +inf, or -1."""
    for t in range(log_b.shape[0]):
        for k in range(log_b.shape[1]):
            value = log_b[t, k]
            if math.isnan(value) or value == math.inf:
                return t
    return -1


@numba.njit(nogil=True, cache=True)
def _viterbi_one(log_start, log_trans, log_b, states, back):
    """Best path of one sequence into ``states``; returns (log-probability, impossible step).

    ``back`` is scratch of at least (T, K). The impossible step is -1 when a
    path of positive probability exists.
    """
    n_steps, n_states = log_b.shape
    delta = np.empty(n_states)
    next_delta = np.empty(n_states)
    for k in range(n_states):
        delta[k] = log_start[k] + log_b[0, k]
    offset = 0.0
    compensation = 0.0
    for t in range(n_steps):
        if t > 0:
            for k in range(n_states):
                best = -math.inf
                best_j = 0
                for j in range(n_states):
                    candidate = delta[j] + log_trans[j, k]
                    if candidate > best:
                        best = candidate
                        best_j = j
                next_delta[k] = best + log_b[t, k]
                back[t, k] = best_j
            delta, next_delta = next_delta, delta
        top = -math.inf
        for k in range(n_states):
            top = max(top, delta[k])
        if top == -math.inf:
            return -math.inf, t
        for k in range(n_states):
            delta[k] -= top
        # Neumaier's compensated sum of the per-step maxima.
        new_offset = offset + top
        if abs(offset) >= abs(top):
            compensation += (offset - new_offset) + top
        else:
            compensation += (top - new_offset) + offset
        offset = new_offset
    state = 0
    for k in range(n_states):
        if delta[k] > delta[state]:
            state = k
    states[n_steps - 1] = state
    for t in range(n_steps - 1, 0, -1):
        state = back[t, state]
        states[t - 1] = state
    return offset + compensation, -1


@numba.njit(nogil=True, cache=True)
def _viterbi_all(startprob, transmat, log_b, bounds, states):
    """Best path of every sequence; returns per-sequence log-probabilities and impossible steps."""
    n_sequences = bounds.shape[0] - 1
    log_start = _log_of_probabilities(startprob)
    log_trans = _log_of_probabilities(transmat)
    longest = 0
    for s in range(n_sequences):
        longest = max(longest, bounds[s + 1] - bounds[s])
    back = np.empty((longest, startprob.shape[0]), dtype=np.int32)
    log_probability = np.empty(n_sequences)
    impossible_at = np.full(n_sequences, -1)
    for s in range(n_sequences):
        rows = slice(bounds[s], bounds[s + 1])
        log_probability[s], impossible_at[s] = _viterbi_one(
            log_start, log_trans, log_b[rows], states[rows], back
        )
    return log_probability, impossible_at


# ----------------------------------------------------------------------------
# Checked public functions
# ----------------------------------------------------------------------------


def _checked_log_densities(log_b):
    log_b = np.ascontiguousarray(log_b, dtype=np.float64)
    if log_b.ndim != 2 or log_b.shape[0] < 1 or log_b.shape[1] < 1:
        raise ValueError(
            f"log_b must be a 2-D array of shape (n_steps, n_states) with at least one "
            f"step and one state, got shape {log_b.shape}"
        )
    row = _first_invalid_row(log_b)
    if row >= 0:
        raise ValueError(
            f"log_b[{row}] contains NaN or +inf; emission log-densities must be finite "
            f"or -inf (state cannot emit)"
        )
    return log_b


def checked_probabilities(name, p, shape):
    """``p`` as float64 if it has ``shape``, is finite, non-negative and sums to 1 along its last axis; else ValueError.

    Examples
    --------
    >>> from emkit.latent.hmm_inference import checked_probabilities
    >>> checked_probabilities("startprob", [0.5, 0.6], (2,))
    Traceback (most recent call last):
    ...
    ValueError: startprob must sum to 1 along the last axis, but it sums to 1.1; normalise it first
    """
    p = np.ascontiguousarray(p, dtype=np.float64)
    if p.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (one entry per state), got {p.shape}")
    if _rows_are_probabilities(p.reshape(-1, shape[-1])):  # every chunk of every iteration checks: compiled
        return p
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite non-negative probabilities")
    sums = p.sum(axis=-1)
    if np.any(np.abs(sums - 1.0) > _PROBABILITY_TOLERANCE):
        what = "its rows" if p.ndim == 2 else "it"
        raise ValueError(
            f"{name} must sum to 1 along the last axis, but {what} sum{'s' if p.ndim == 1 else ''} to "
            f"{np.round(sums, 10).tolist()}; normalise it first"
        )
    return p


def _checked_model(startprob, transmat, log_b):
    log_b = _checked_log_densities(log_b)
    n_states = log_b.shape[1]
    startprob = checked_probabilities("startprob", startprob, (n_states,))
    transmat = checked_probabilities("transmat", transmat, (n_states, n_states))
    return startprob, transmat, log_b


def _sequence_bounds(lengths, n_rows):
    """Row offsets ``[0, l_1, l_1 + l_2, ..., n_rows]`` of the sequences."""
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.size == 0 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(
            f"lengths must be a non-empty 1-D sequence of integers, got {lengths!r}"
        )
    if np.any(lengths < 1):
        bad = int(np.flatnonzero(lengths < 1)[0])
        raise ValueError(
            f"lengths[{bad}] = {int(lengths[bad])}; every sequence needs at least one step"
        )
    if int(lengths.sum()) != n_rows:
        raise ValueError(
            f"lengths sum to {int(lengths.sum())} but log_b has {n_rows} rows; "
            f"they must describe every row exactly once"
        )
    return np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))


def _single_sequence(log_b):
    """Row offsets of ``log_b`` taken as one sequence."""
    return np.array([0, log_b.shape[0]], dtype=np.int64)


def _raise_if_impossible(impossible_at, bounds):
    failed = np.flatnonzero(impossible_at >= 0)
    if failed.size:
        s = int(failed[0])
        step = int(impossible_at[s])
        raise ValueError(
            f"sequence {s} has probability zero under the model: at its step {step} "
            f"(row {int(bounds[s]) + step}) no state that the start and transition "
            f"probabilities allow can emit the observation (log_b is -inf there)"
        )


def forward_backward_sequences(startprob, transmat, log_b, lengths):
    """Forward-backward over several independent sequences stacked row-wise.

    Each sequence ``log_b[l_1 + ... + l_{s-1} : l_1 + ... + l_s]`` runs the
    scaled recursions of the module docstring from ``startprob``; the
    log-likelihoods, start counts and transition counts add over sequences.

    Parameters
    ----------
    startprob : array_like, shape (K,)
        Initial state probabilities, summing to 1 (zeros allowed).
    transmat : array_like, shape (K, K)
        ``transmat[j, k] = P(z_{t+1} = k | z_t = j)``, rows summing to 1.
    log_b : array_like, shape (n_rows, K)
        Emission log-densities ``log p(x_t | z_t = k)``; ``-inf`` allowed.
    lengths : array_like of int
        Length (at least 1) of each sequence, in row order, summing to n_rows.

    Returns
    -------
    SequencePosteriors
        ``(log_likelihood, state_posteriors, start_counts, transition_counts,
        predictive_log_densities)``: the total log-likelihood, ``gamma`` for
        every row (n_rows, K), ``sum_s gamma`` at each sequence's first step
        (K,), ``xi_sum`` summed over sequences (K, K), and each row's
        ``log p(x_t | earlier rows of its sequence)`` (n_rows,).

    Raises
    ------
    ValueError
        On arrays of the wrong shape, probabilities that are negative or do
        not sum to 1, NaN or +inf in ``log_b``, lengths that are not
        positive or do not add up to n_rows, and when a sequence has
        probability zero under the model (the message names it and the step).

    Examples
    --------
    Two sequences of a sticky two-state chain; each contributes its first
    posterior to the start counts and its T - 1 transitions to the counts:

    >>> import numpy as np
    >>> from emkit.latent.hmm_inference import forward_backward_sequences
    >>> startprob = np.array([0.5, 0.5])
    >>> transmat = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> log_b = np.log([[0.9, 0.1], [0.8, 0.3], [0.1, 0.7], [0.2, 0.6], [0.5, 0.5]])
    >>> result = forward_backward_sequences(startprob, transmat, log_b, [3, 2])
    >>> result.start_counts.sum(), result.transition_counts.sum()
    (np.float64(2.0), np.float64(3.0))
    >>> one = forward_backward_sequences(startprob, transmat, log_b[:3], [3])
    >>> two = forward_backward_sequences(startprob, transmat, log_b[3:], [2])
    >>> bool(np.isclose(result.log_likelihood, one.log_likelihood + two.log_likelihood))
    True
    """
    startprob, transmat, log_b = _checked_model(startprob, transmat, log_b)
    return _posteriors_of_checked(
        startprob, transmat, log_b, _sequence_bounds(lengths, log_b.shape[0])
    )


def _posteriors_of_checked(startprob, transmat, log_b, bounds):
    """:func:`forward_backward_sequences` on checked arrays and sequence row offsets."""
    gamma, predictive, xi_sum, _, _ = _run_forward_backward(startprob, transmat, log_b, bounds)
    return SequencePosteriors(
        log_likelihood=float(predictive.sum()),
        state_posteriors=gamma,
        start_counts=gamma[bounds[:-1]].sum(axis=0),
        transition_counts=xi_sum,
        predictive_log_densities=predictive,
    )


def _run_forward_backward(startprob, transmat, log_b, bounds):
    """``(gamma, predictive log-densities, xi_sum, visits, class log-likelihood)``; ValueError if impossible."""
    n_states = log_b.shape[1]
    gamma = np.empty_like(log_b)
    predictive = np.empty(log_b.shape[0])
    xi_sum = np.zeros((n_states, n_states))
    visits = np.zeros(n_states)
    longest = int(np.diff(bounds).max())
    impossible_at, class_log_likelihood = _forward_backward_all(
        startprob, transmat, log_b, bounds, gamma, predictive, xi_sum, visits,
        np.empty(log_b.shape[0]), np.empty((longest, n_states)),
    )
    _raise_if_impossible(impossible_at, bounds)
    return gamma, predictive, xi_sum, visits, class_log_likelihood


class ChainStatistics(NamedTuple):
    """What :func:`chain_statistics` returns: all a Baum-Welch E-step needs from forward-backward."""

    #: Sum over sequences of ``log p(sequence)``.
    log_likelihood: float
    #: ``sum_t log max_k gamma_tk`` over every row.
    class_log_likelihood: float
    #: (n_rows, K): smoothed state posteriors ``gamma`` of every row.
    state_posteriors: np.ndarray
    #: (K,): ``sum_t gamma_tk``, the expected number of visits of each state.
    state_counts: np.ndarray
    #: (K,): sum over sequences of the posterior at their first step.
    start_counts: np.ndarray
    #: (K, K): expected transition counts summed over sequences.
    transition_counts: np.ndarray


def chain_statistics(startprob, transmat, log_b, lengths):
    """The sums a Baum-Welch E-step needs, from one compiled forward-backward pass.

    The recursions of :func:`forward_backward_sequences`; besides the
    posteriors, the counts and the log-likelihood, the pass adds up the
    classification log-likelihood ``sum_t log max_k gamma_tk`` while each
    ``gamma_t`` is computed, so that no second pass over the (n_rows, K)
    posteriors is needed.

    Parameters
    ----------
    startprob, transmat, log_b, lengths
        As in :func:`forward_backward_sequences`.

    Returns
    -------
    ChainStatistics
        ``(log_likelihood, class_log_likelihood, state_posteriors,
        state_counts, start_counts, transition_counts)``.

    Raises
    ------
    ValueError
        As :func:`forward_backward_sequences`.

    Examples
    --------
    The classification log-likelihood is the sum over steps of the log of
    the largest posterior:

    >>> import numpy as np
    >>> from emkit.latent.hmm_inference import chain_statistics, forward_backward_sequences
    >>> startprob = np.array([0.5, 0.5])
    >>> transmat = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> log_b = np.log([[0.9, 0.1], [0.8, 0.3], [0.1, 0.7], [0.2, 0.6], [0.5, 0.5]])
    >>> stats = chain_statistics(startprob, transmat, log_b, [3, 2])
    >>> gamma = forward_backward_sequences(startprob, transmat, log_b, [3, 2]).state_posteriors
    >>> bool(np.isclose(stats.class_log_likelihood, np.log(gamma.max(axis=1)).sum()))
    True
    >>> stats.state_counts.sum().round(12), stats.start_counts.sum().round(12)
    (np.float64(5.0), np.float64(2.0))
    """
    startprob, transmat, log_b = _checked_model(startprob, transmat, log_b)
    bounds = _sequence_bounds(lengths, log_b.shape[0])
    gamma, predictive, xi_sum, visits, class_log_likelihood = _run_forward_backward(startprob, transmat, log_b, bounds)
    return ChainStatistics(
        log_likelihood=float(predictive.sum()),
        class_log_likelihood=float(class_log_likelihood),
        state_posteriors=gamma,
        state_counts=visits,
        start_counts=gamma[bounds[:-1]].sum(axis=0),
        transition_counts=xi_sum,
    )


def forward_backward(startprob, transmat, log_b):
    r"""Smoothed state posteriors and expected transition counts of one sequence.

    The scaled (Rabiner) forward-backward recursions, written out in the
    module docstring: with ``b~_tk = exp(log b_tk - max_k log b_tk)``,

    * forward: ``alpha^_1 = pi * b~_1 / c_1``,
      ``alpha^_t = (alpha^_{t-1} A) * b~_t / c_t``, each ``c_t`` making
      ``alpha^_t`` sum to 1;
    * backward: ``beta^_T = 1``, ``beta^_t = A (b~_{t+1} * beta^_{t+1}) / c_{t+1}``;
    * ``gamma_t = alpha^_t * beta^_t``,
      ``xi_sum = sum_t alpha^_t[:, None] * A * (b~_{t+1} * beta^_{t+1})[None, :] / c_{t+1}``;
    * ``log L = sum_t (max_k log b_tk + log c_t)``.

    Compiled, O(T K^2) time, no (T, K, K) array; exact for log-densities of
    any magnitude, sequences of any length and structural zeros.

    Parameters
    ----------
    startprob : array_like, shape (K,)
        Initial state probabilities, summing to 1 (zeros allowed).
    transmat : array_like, shape (K, K)
        ``transmat[j, k] = P(z_{t+1} = k | z_t = j)``, rows summing to 1.
    log_b : array_like, shape (T, K)
        Emission log-densities ``log p(x_t | z_t = k)``; ``-inf`` where state
        k cannot emit ``x_t``.

    Returns
    -------
    Posteriors
        ``(log_likelihood, state_posteriors, transition_counts,
        predictive_log_densities)``: ``log p(x_1..x_T)``, ``gamma`` (T, K),
        ``xi_sum`` (K, K) (zeros when T = 1), and ``log p(x_t | x_1..x_{t-1})``
        (T,).

    Raises
    ------
    ValueError
        See :func:`forward_backward_sequences`.

    Examples
    --------
    A left-right chain keeps its structural zeros, and the posteriors of a
    state the data rule out are exactly zero:

    >>> import numpy as np
    >>> from emkit.latent.hmm_inference import forward_backward
    >>> startprob = np.array([1.0, 0.0, 0.0])
    >>> transmat = np.array([[0.6, 0.4, 0.0], [0.0, 0.7, 0.3], [0.0, 0.0, 1.0]])
    >>> log_b = np.log([[0.9, 0.1, 0.1], [0.5, 0.5, 0.1], [0.1, 0.3, 0.8]])
    >>> loglik, gamma, xi_sum, _ = forward_backward(startprob, transmat, log_b)
    >>> gamma[0].tolist()
    [1.0, 0.0, 0.0]
    >>> float(xi_sum[1, 0]), float(xi_sum[0, 2]), float(xi_sum.sum())
    (0.0, 0.0, 2.0)

    The log-likelihood is the sum over all K^T paths:

    >>> import itertools
    >>> paths = [np.log(startprob[z[0]]) + sum(np.log(transmat[a, b]) for a, b in zip(z, z[1:]))
    ...          + sum(log_b[t, k] for t, k in enumerate(z))
    ...          for z in itertools.product(range(3), repeat=3) if startprob[z[0]] > 0
    ...          and all(transmat[a, b] > 0 for a, b in zip(z, z[1:]))]
    >>> bool(np.isclose(loglik, np.logaddexp.reduce(paths)))
    True
    """
    startprob, transmat, log_b = _checked_model(startprob, transmat, log_b)
    result = _posteriors_of_checked(startprob, transmat, log_b, _single_sequence(log_b))
    return Posteriors(
        log_likelihood=result.log_likelihood,
        state_posteriors=result.state_posteriors,
        transition_counts=result.transition_counts,
        predictive_log_densities=result.predictive_log_densities,
    )


def viterbi_sequences(startprob, transmat, log_b, lengths):
    """Most probable state path of each of several sequences stacked row-wise.

    Parameters
    ----------
    startprob, transmat, log_b, lengths
        As in :func:`forward_backward_sequences`.

    Returns
    -------
    BestPath
        ``(log_probability, states)``: the sum over sequences of
        ``log p(x, z*)`` along each sequence's best path, and the states of
        every row (int64, n_rows).

    Raises
    ------
    ValueError
        As :func:`forward_backward_sequences`, including when a sequence has
        no path of positive probability.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.latent.hmm_inference import viterbi_sequences
    >>> startprob = np.array([0.5, 0.5])
    >>> transmat = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> log_b = np.log([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.2, 0.8]])
    >>> viterbi_sequences(startprob, transmat, log_b, [2, 2]).states.tolist()
    [0, 0, 1, 1]
    """
    startprob, transmat, log_b = _checked_model(startprob, transmat, log_b)
    return _best_path_of_checked(
        startprob, transmat, log_b, _sequence_bounds(lengths, log_b.shape[0])
    )


def _best_path_of_checked(startprob, transmat, log_b, bounds):
    """:func:`viterbi_sequences` on checked arrays and sequence row offsets."""
    states = np.empty(log_b.shape[0], dtype=np.int64)
    log_probability, impossible_at = _viterbi_all(startprob, transmat, log_b, bounds, states)
    _raise_if_impossible(impossible_at, bounds)
    return BestPath(float(log_probability.sum()), states)


def viterbi(startprob, transmat, log_b):
    r"""Most probable state path of one sequence (Viterbi, in log space).

    ``delta_1k = log pi_k + log b_1k``,
    ``delta_tk = max_j (delta_{t-1,j} + log A_jk) + log b_tk``, with
    back-pointers ``psi_tk = argmax_j (...)`` (smallest j on ties); the path
    ends in ``argmax_k delta_Tk`` and is read back through ``psi``. Each
    ``delta_t`` is kept relative to its maximum, so that long sequences lose
    no precision in the comparisons.

    Parameters
    ----------
    startprob, transmat, log_b
        As in :func:`forward_backward`.

    Returns
    -------
    BestPath
        ``(log_probability, states)``: ``max_z log p(x, z)`` and the maximising
        states (int64, T).

    Raises
    ------
    ValueError
        As :func:`forward_backward`, including when no path has positive
        probability.

    Examples
    --------
    The best path of a sticky chain ignores a single ambiguous observation,
    which the state-by-state most probable state would not:

    >>> import numpy as np
    >>> from emkit.latent.hmm_inference import viterbi
    >>> startprob = np.array([0.5, 0.5])
    >>> transmat = np.array([[0.95, 0.05], [0.05, 0.95]])
    >>> log_b = np.log([[0.9, 0.1], [0.4, 0.6], [0.9, 0.1]])
    >>> log_prob, states = viterbi(startprob, transmat, log_b)
    >>> states.tolist()
    [0, 0, 0]
    >>> bool(np.isclose(log_prob, np.log(0.5 * 0.9 * 0.95 * 0.4 * 0.95 * 0.9)))
    True
    """
    startprob, transmat, log_b = _checked_model(startprob, transmat, log_b)
    return _best_path_of_checked(startprob, transmat, log_b, _single_sequence(log_b))

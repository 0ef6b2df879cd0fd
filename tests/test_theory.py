"""docs/theory.md checked numerically: every M-step it derives maximises Q.

For each closed-form M-step, with random data and random responsibilities,
the family's own M-step (statistics of two chunks added, then ``m_step``) is
taken to a point of an unconstrained parametrisation, where Q, the weighted
complete-data log-likelihood ``sum_i sum_k r_ik log f(x_i | theta_k)``, is
written out independently with scipy.stats densities. There:

* the gradient of Q by central finite differences is zero (relative to the
  total weight ``sum_ik r_ik``: the data are of unit scale, so a wrong
  estimate leaves gradient entries of order 1);
* Q is lower a small step away along random directions (a maximum, not a
  saddle point).

The last test resolves every ``emkit.module.name`` the chapter cites.
"""

import importlib
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.special import log_softmax

import emkit as em
from emkit.latent.mixture import FiniteMixture
from oracles import STRUCTURE

DOC = Path(__file__).resolve().parents[1] / "docs" / "theory.md"

N, K, D = 40, 3, 3
STEP = 1e-5  # central differences: error about STEP^2 |Q'''| + eps |Q| / STEP, both far below 1e-6 n
GRADIENT_RTOL = 1e-6
PROBE = 1e-3  # the step of the second-order check
N_DIRECTIONS = 8


def responsibilities(rng: np.random.Generator) -> np.ndarray:
    """Random responsibilities (rows on the simplex) times random observation weights."""
    return rng.dirichlet(np.ones(K), size=N) * rng.uniform(0.5, 2.0, size=(N, 1))


def fitted(family, x: np.ndarray, resp: np.ndarray):
    """The family's M-step from the statistics of two chunks, added (they are additive)."""
    half = len(x) // 2
    return family.m_step(family.stats(x[:half], resp[:half]) + family.stats(x[half:], resp[half:]))


def check_maximum(q, theta: np.ndarray, resp: np.ndarray, rng: np.random.Generator) -> None:
    """Zero gradient of ``q`` at ``theta`` and a lower ``q`` a small step away in random directions."""
    eye = np.eye(theta.size)
    gradient = np.array([(q(theta + STEP * e) - q(theta - STEP * e)) / (2 * STEP) for e in eye])
    scale = resp.sum()
    assert np.max(np.abs(gradient)) / scale < GRADIENT_RTOL, gradient
    top = q(theta)
    for _ in range(N_DIRECTIONS):
        u = rng.normal(size=theta.size)
        assert q(theta + PROBE * u / np.linalg.norm(u)) < top


# -- Gaussian: means and the six closed-form covariance structures ----------------------------
# Free covariance parameters, for one covariance (shared structures) or one per component:
# full, the lower Cholesky factor with its diagonal as logarithms; diag, the log standard
# deviations; spherical, one log standard deviation.
def _full_free(matrix: np.ndarray) -> np.ndarray:
    factor = np.linalg.cholesky(matrix)
    factor[np.diag_indices(D)] = np.log(np.diag(factor))
    return factor[np.tril_indices(D)]


def _full_matrix(free: np.ndarray) -> np.ndarray:
    factor = np.zeros((D, D))
    factor[np.tril_indices(D)] = free
    factor[np.diag_indices(D)] = np.exp(np.diag(factor))
    return factor @ factor.T


CHARTS = {  # kind -> (covariance matrix to its free values, free values to the matrix)
    "full": (_full_free, _full_matrix),
    "diag": (lambda matrix: 0.5 * np.log(np.diag(matrix)), lambda free: np.diag(np.exp(2 * free))),
    "spherical": (lambda matrix: 0.5 * np.log(matrix[:1, 0]), lambda free: np.exp(2 * free[0]) * np.eye(D)),
}


def covariance_chart(name: str):
    """``(to_free, from_free)`` between the (K, d, d) covariances of a structure and its free vector."""
    shared, kind = STRUCTURE[name]
    one_free, one_matrix = CHARTS[kind]
    count = 1 if shared else K

    def to_free(covariances):
        return np.concatenate([one_free(c) for c in covariances[:count]])

    def from_free(vector):
        blocks = np.split(vector, count)
        return np.array([one_matrix(blocks[0 if shared else k]) for k in range(K)])

    return to_free, from_free


@pytest.mark.parametrize("name", list(STRUCTURE))
def test_gaussian_m_step_maximises_q(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.normal(size=(N, D)) @ rng.normal(size=(D, D)) + rng.normal(size=D)
    resp = responsibilities(rng)
    family = fitted(em.Gaussian(name, n_components=K, reg_covar=0.0), x, resp)
    to_free, from_free = covariance_chart(name)
    covariances = family.covariance_matrices()
    theta = np.concatenate([family.means.ravel(), to_free(covariances)])
    # the chart holds the structure: the answer is a point of it
    np.testing.assert_allclose(from_free(theta[K * D:]), covariances, rtol=1e-12, atol=1e-14)

    def q(v):
        means, cov = v[: K * D].reshape(K, D), from_free(v[K * D:])
        return sum(resp[:, k] @ stats.multivariate_normal(means[k], cov[k]).logpdf(x) for k in range(K))

    check_maximum(q, theta, resp, rng)


# -- the other closed-form families ------------------------------------------------------------
# Each maker draws data, runs the family's M-step and returns the free vector of its answer and
# log_density(v): the (K, n) array of log f(x_i | theta_k) at the free vector v.
def _poisson(rng, resp):
    x = rng.poisson([1.0, 4.0], size=(N, 2)).astype(float)
    rate = fitted(em.Poisson(K), x, resp).params["rate"]  # free: log rates
    return np.log(rate).ravel(), lambda v: stats.poisson(np.exp(v).reshape(K, 1, -1)).logpmf(x).sum(axis=2)


def _bernoulli(rng, resp):
    x = (rng.uniform(size=(N, 2)) < [0.3, 0.6]).astype(float)
    prob = fitted(em.Bernoulli(K), x, resp).params["prob"]  # free: logits
    return (np.log(prob / (1 - prob)).ravel(),
            lambda v: stats.bernoulli(1 / (1 + np.exp(-v.reshape(K, 1, -1)))).logpmf(x).sum(axis=2))


def _exponential(rng, resp):
    x = rng.exponential([1.0, 3.0], size=(N, 2))
    rate = fitted(em.Exponential(K), x, resp).params["rate"]  # free: log rates
    return np.log(rate).ravel(), lambda v: stats.expon(scale=np.exp(-v).reshape(K, 1, -1)).logpdf(x).sum(axis=2)


def _lognormal(rng, resp):
    x = rng.lognormal([0.0, 1.0], [0.5, 1.0], size=(N, 2))
    params = fitted(em.LogNormal(K, reg_var=0.0), x, resp).params  # free: mu and log sigma

    def log_density(v):
        mu, log_sigma = v[: 2 * K].reshape(K, 1, 2), v[2 * K:].reshape(K, 1, 2)
        return stats.lognorm(s=np.exp(log_sigma), scale=np.exp(mu)).logpdf(x).sum(axis=2)

    return np.concatenate([params["mu"].ravel(), np.log(params["sigma"]).ravel()]), log_density


SIZES = (3, 4)  # categories of the two Categorical columns


def _categorical(rng, resp):
    x = np.column_stack([rng.integers(0, c, size=N) for c in SIZES]).astype(float)
    probs = fitted(em.Categorical(K).bind(["a", "b"], data=x), x, resp).params["probs"]
    # free: logits against the last category of each column (no shift direction: a strict maximum)
    theta = np.concatenate([np.log(probs[:, j, : c - 1] / probs[:, j, c - 1: c]).ravel() for j, c in enumerate(SIZES)])
    onehot = [np.eye(c)[x[:, j].astype(int)] for j, c in enumerate(SIZES)]

    def log_density(v):
        total, start = np.zeros((K, N)), 0
        for j, c in enumerate(SIZES):
            logits = np.column_stack([v[start: start + K * (c - 1)].reshape(K, c - 1), np.zeros(K)])
            start += K * (c - 1)
            p = np.exp(log_softmax(logits, axis=1))
            total += np.array([stats.multinomial(1, p[k]).logpmf(onehot[j]) for k in range(K)])
        return total

    return theta, log_density


@pytest.mark.parametrize("make", [_poisson, _bernoulli, _categorical, _exponential, _lognormal],
                         ids=["Poisson", "Bernoulli", "Categorical", "Exponential", "LogNormal"])
def test_family_m_step_maximises_q(make):
    rng = np.random.default_rng(sum(map(ord, make.__name__)))
    resp = responsibilities(rng)
    theta, log_density = make(rng, resp)

    def q(v):
        return float(np.sum(resp.T * log_density(v)))

    check_maximum(q, theta, resp, rng)


def test_weights_m_step_maximises_q():
    rng = np.random.default_rng(7)
    x = rng.poisson(2.0, size=(N, 1)).astype(float)
    resp = responsibilities(rng)
    declaration = FiniteMixture([em.Poisson(K)])
    half = N // 2
    stats_sum = (declaration.stats_from_responsibilities(x[:half], resp[:half])
                 + declaration.stats_from_responsibilities(x[half:], resp[half:]))
    weights = declaration.m_step(stats_sum).weights
    theta = np.log(weights[:-1] / weights[-1])  # softmax logits against the last component

    def q(v):
        log_w = log_softmax(np.append(v, 0.0))
        return float(np.sum(resp * stats.multinomial(1, np.exp(log_w)).logpmf(np.eye(K))[None, :]))

    check_maximum(q, theta, resp, rng)


# -- the chapter's references ------------------------------------------------------------------
def resolve(dotted: str):
    """The object ``emkit.module.name[.attr...]`` names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_code_reference_in_the_chapter_resolves():
    references = set(re.findall(r"`(emkit(?:\.\w+)+)`", DOC.read_text()))
    assert len(references) >= 20, sorted(references)
    unresolved = []
    for dotted in sorted(references):
        try:
            resolve(dotted)
        except (ImportError, AttributeError):
            unresolved.append(dotted)
    assert not unresolved

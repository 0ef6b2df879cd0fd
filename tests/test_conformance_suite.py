"""The conformance suite of DESIGN.md, parametrised over every family.

One ``Case`` per family (the built-ins, ``from_scipy`` distributions and the
user-defined Rayleigh family of docs/custom_components.md) holds what the
generic checks need: an unfitted declaration, a simulator from known true
parameters, a scipy.stats oracle of the log-density, a perturbation that gives
valid nearby parameters, the closed-form M-step where there is one, and the
tolerances a family needs (numeric M-steps, asymptotic standard errors for
recovery). The checks themselves live in ``conformance.py``; family-specific
behaviour (support errors, special numerics, labels, ...) stays in the
``test_family_*.py`` files.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import i0, i1, polygamma

import emkit as em
from conformance import (
    aligned,
    check_chunk_additivity,
    check_integer_weights,
    check_log_prob,
    check_m_step_maximises_q,
    check_monotone,
    check_round_trip,
    check_sample_shape,
    fitted,
    param_arrays,
    params_dataset,
    q_function,
    with_param_arrays,
)

ALL_CHECKS = frozenset(
    {
        "log_prob",
        "chunk_additivity",
        "empty_component",
        "m_step",
        "integer_weights",
        "monotone",
        "recovery",
        "round_trip",
    }
)


# -- the table -------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """How a large-sample fit is compared with the truth.

    ``tolerance(n_k)`` gives, per compared parameter, the absolute tolerance
    (usually a few asymptotic standard errors with known labels, n_k the
    expected component sizes); ``view(params)`` picks the compared arrays
    (default: the true parameters' names); ``align(params)`` the array the
    components are matched on (default: the first compared parameter);
    ``diff(name, estimate, truth)`` the error (default: the difference).
    """

    n: int
    tolerance: Callable[[np.ndarray], dict]
    weights_atol: float
    n_params: int
    fit_kwargs: dict = field(default_factory=lambda: dict(n_init=3, random_state=0))
    view: Callable[[dict], dict] | None = None
    align: Callable[[dict], np.ndarray] | None = None
    diff: Callable[[str, np.ndarray, np.ndarray], np.ndarray] | None = None
    extra: Callable[[Any, np.ndarray], None] | None = None  # further claims on (fit, order)
    truth: dict | None = None  # the truth as ``view`` lays it out, if not view(case.truth)


@dataclass(frozen=True)
class Case:
    name: str
    family: Callable[[], Any]  # the unfitted declaration, with n_components = K
    simulate: Callable[[int, np.random.Generator], np.ndarray]
    truth: dict  # true parameters as laid out by to_dataset (component first)
    weights: np.ndarray
    logpdf: Callable[[np.ndarray, dict, int], np.ndarray]  # oracle: log-density of component k, from scipy.stats
    perturb: Callable[[dict, np.random.Generator], dict] | None  # valid nearby parameters
    recovery: Recovery | None
    closed_form: Callable[[np.ndarray, np.ndarray], dict] | None = None
    closed_form_rtol: float = 1e-8
    closed_form_atol: float = 1e-12
    m_step_family: Callable[[], Any] | None = None  # declaration for the M-step check (e.g. without ridge)
    q_trials: int = 30  # perturbations tried
    warm_start: bool = False  # numeric M-step: from perturbed parameters it lands on the same Q
    bind: Callable[[Any, np.ndarray], Any] = lambda family, x: family
    n_small: int = 400
    log_prob_tol: tuple = (1e-10, 1e-10)
    not_estimated: frozenset = frozenset()  # parameters no M-step changes (fixed, bookkeeping)
    integer_weights: dict = field(default_factory=dict)  # tolerances for check_integer_weights
    init: Callable[[np.ndarray], Any] | None = None  # default: the truth as an init Dataset
    monotone: dict = field(default_factory=dict)
    round_trip: dict = field(default_factory=lambda: dict(random_state=0))
    round_trip_family: Callable[[], Any] | None = None
    check_draws: Callable[[Any, Any], None] | None = None  # claims on draws; None: shape only
    n_draws: int = 20_000
    checks: frozenset = ALL_CHECKS

    @property
    def K(self):
        return len(self.weights)


def labels_of(n, rng, weights):
    return rng.choice(len(weights), size=n, p=weights)


def perturbation(kinds, scale):
    """Nearby parameters: ``kinds`` maps a parameter to real / positive / unit / simplex / spd."""

    def perturb(params, rng):
        out = dict(params)
        for name, kind in kinds.items():
            value = params[name]
            noise = rng.normal(scale=scale, size=value.shape)
            if kind == "real":
                out[name] = value + noise
            elif kind == "positive":
                out[name] = value * np.exp(noise)
            elif kind == "unit":
                out[name] = 1 / (1 + np.exp(-(np.log(value / (1 - value)) + noise)))
            elif kind == "simplex":
                p = value * np.exp(noise)
                out[name] = p / np.nansum(p, axis=-1, keepdims=True)
            elif kind == "spd":  # symmetric multiplicative noise, small enough to stay positive definite
                out[name] = value * np.exp((noise + np.swapaxes(noise, -1, -2)) / 2)
            else:
                raise ValueError(kind)
        return out

    return perturb


def moments_check(mean, spread, support=None, integer=False, of=lambda v: v):
    """Draws in ``support`` and per-component means within 5 standard errors of ``mean(params, k)``."""

    def check(fit, draws):
        values = draws.values
        if support is not None:
            assert np.all(support(values))
        if integer:
            assert np.all(values == np.round(values))
        params = {name: fit.params[name].values for name in fit.params.data_vars}
        for k in range(len(fit.params.weights)):
            rows = of(values[draws.component.values == k])
            se = spread(params, k) / np.sqrt(len(rows))
            assert np.all(np.abs(rows.mean(axis=0) - mean(params, k)) <= 5 * se + 1e-12)

    return check


# Gaussian (one structure; test_gaussian_conformance.py covers all six in depth)
G_MEANS = np.array([[0.0, 0.0], [5.0, 1.0], [1.0, 6.0]])
G_COVS = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.6, -0.2], [-0.2, 1.2]], [[0.8, 0.0], [0.0, 0.8]]])
G_WEIGHTS = np.array([0.3, 0.3, 0.4])


def simulate_gaussian(n, rng):
    labels = labels_of(n, rng, G_WEIGHTS)
    z = rng.standard_normal((n, 2))
    return G_MEANS[labels] + np.einsum("nij,nj->ni", np.linalg.cholesky(G_COVS)[labels], z)


def gaussian_closed_form(x, resp):
    n = resp.sum(axis=0)
    means = resp.T @ x / n[:, None]
    covs = np.stack([np.cov(x, rowvar=False, aweights=resp[:, k], bias=True) for k in range(resp.shape[1])])
    return {"means": means, "covariances": covs + 1e-6 * np.eye(x.shape[1])}


def gaussian_tolerance(n_k):
    var = np.diagonal(G_COVS, axis1=1, axis2=2)
    # Known-label standard errors: mean_j sqrt(S_jj / n); covariance_ij sqrt((S_ii S_jj + S_ij^2) / n).
    se_cov = np.sqrt((np.einsum("kii,kjj->kij", G_COVS, G_COVS) + G_COVS**2) / n_k[:, None, None])
    return {"means": 5 * np.sqrt(var / n_k[:, None]), "covariances": 6 * se_cov}


GAUSSIAN = Case(
    name="gaussian-VVV",
    family=lambda: em.Gaussian("VVV", n_components=3),
    simulate=simulate_gaussian,
    truth={"means": G_MEANS, "covariances": G_COVS},
    weights=G_WEIGHTS,
    logpdf=lambda x, p, k: st.multivariate_normal(p["means"][k], p["covariances"][k]).logpdf(x),
    perturb=perturbation({"means": "real", "covariances": "spd"}, 0.02),
    closed_form=gaussian_closed_form,
    recovery=Recovery(n=6000, tolerance=gaussian_tolerance, weights_atol=0.02, n_params=3 * 2 + 3 * 3 + 2),
    check_draws=moments_check(lambda p, k: p["means"][k], lambda p, k: np.sqrt(np.diagonal(p["covariances"][k]))),
    n_draws=5000,
)


# Student-t (the ECM specifics and the other structures are in test_family_student_t.py)
T_MEANS = np.array([[0.0, 0.0], [6.0, 3.0]])
T_SCALES = np.array([[[1.0, 0.5], [0.5, 2.0]], [[1.5, -0.4], [-0.4, 0.8]]])
T_DOF = np.array([4.0, 4.0])
T_WEIGHTS = np.array([0.4, 0.6])


def simulate_student_t(n, rng, means=T_MEANS, scales=T_SCALES, dof=T_DOF, weights=T_WEIGHTS):
    """t draws as a Gaussian scale mixture, written out independently of the family."""
    labels = labels_of(n, rng, weights)
    z = rng.standard_normal((n, means.shape[1]))
    noise = np.einsum("nij,nj->ni", np.linalg.cholesky(scales)[labels], z)
    tau = rng.gamma(dof[labels] / 2, 2 / dof[labels])
    return means[labels] + noise / np.sqrt(tau)[:, None]


def student_t_tolerance(n_k):
    d, nu = 2, T_DOF[0]
    # Asymptotic variances of the t MLE (Lange, Little & Taylor 1989):
    # location Sigma (nu + d + 2) / ((nu + d) n); scale entries about 2 Sigma_jj^2 (nu + 3) / (nu n)
    # (the univariate value); nu 1 / (n I_nu) with I_nu below. Five to six standard errors.
    se_mean = np.sqrt(np.diagonal(T_SCALES, axis1=1, axis2=2) * (nu + d + 2) / ((nu + d) * n_k[:, None]))
    scale_size = np.sqrt(np.einsum("kii,kjj->kij", T_SCALES, T_SCALES))
    se_scale = scale_size * np.sqrt(2 * (nu + 3) / (nu * n_k))[:, None, None]
    info_nu = 0.25 * (polygamma(1, nu / 2) - polygamma(1, (nu + d) / 2)) - d * (nu + d + 4) / (
        2 * nu * (nu + d) * (nu + d + 2)
    )
    return {"means": 5 * se_mean, "scales": 6 * se_scale, "dof": 6 / np.sqrt(n_k * info_nu)}


STUDENT_T = Case(
    name="student_t-VVV",
    family=lambda: em.StudentT("VVV", n_components=2),
    simulate=simulate_student_t,
    truth={"means": T_MEANS, "scales": T_SCALES, "dof": T_DOF},
    weights=T_WEIGHTS,
    logpdf=lambda x, p, k: st.multivariate_t(p["means"][k], p["scales"][k], df=float(p["dof"][k])).logpdf(x),
    # ECM: one CM cycle is not the maximiser of sum r log f; test_family_student_t.py checks
    # each CM step against its formula and the dof step against scipy.optimize.
    perturb=None,
    monotone=dict(seeds=(0,), max_iter=25),  # four structures, heavier tails: test_family_student_t.py
    init=lambda x: params_dataset(T_WEIGHTS, means=T_MEANS, scales=T_SCALES, dof=[3.0, 6.0]),
    recovery=Recovery(
        n=20_000,
        tolerance=student_t_tolerance,
        weights_atol=5 * np.sqrt(0.25 / 20_000),
        n_params=1 + 2 * 2 + 2 * 3 + 2,
        fit_kwargs=dict(n_init=2, random_state=0),
    ),
    # Round trip and sampling: VVI and a fixed dof (EEE) in test_family_student_t.py.
    checks=ALL_CHECKS - {"m_step", "round_trip"},
)


# Poisson
P_RATES = np.array([[1.5, 8.0], [12.0, 0.5], [30.0, 20.0]])
WEIGHTS3 = np.array([0.3, 0.3, 0.4])


def simulate_poisson(n, rng):
    return rng.poisson(P_RATES[labels_of(n, rng, WEIGHTS3)]).astype(float)


POISSON = Case(
    name="poisson",
    family=lambda: em.Poisson(n_components=3),
    simulate=simulate_poisson,
    truth={"rate": P_RATES},
    weights=WEIGHTS3,
    logpdf=lambda x, p, k: st.poisson(p["rate"][k]).logpmf(x).sum(axis=1),
    perturb=perturbation({"rate": "positive"}, 0.05),
    closed_form=lambda x, resp: {"rate": (resp.T @ x) / resp.sum(axis=0)[:, None]},
    recovery=Recovery(
        n=30_000,
        tolerance=lambda n_k: {"rate": 5 * np.sqrt(P_RATES / n_k[:, None])},
        weights_atol=0.02,
        n_params=3 * 2 + 2,
    ),
    check_draws=moments_check(
        lambda p, k: p["rate"][k], lambda p, k: np.sqrt(p["rate"][k]), support=lambda v: v >= 0, integer=True
    ),
)


# Bernoulli (latent class analysis)
B_PROBS = np.array(
    [
        [0.9, 0.8, 0.9, 0.1, 0.2, 0.5],
        [0.1, 0.2, 0.8, 0.9, 0.7, 0.1],
        [0.2, 0.9, 0.1, 0.2, 0.8, 0.9],
    ]
)


def simulate_bernoulli(n, rng):
    labels = labels_of(n, rng, WEIGHTS3)
    return (rng.random((n, B_PROBS.shape[1])) < B_PROBS[labels]).astype(float)


def binary_draws(fit, draws):
    assert set(np.unique(draws.values)) <= {0.0, 1.0}
    prob = fit.params.prob.values
    for k in range(3):
        rows = draws.values[draws.component.values == k]
        se = np.sqrt(prob[k] * (1 - prob[k]) / len(rows))
        assert np.all(np.abs(rows.mean(axis=0) - prob[k]) <= 5 * se + 1e-12)


BERNOULLI = Case(
    name="bernoulli",
    family=lambda: em.Bernoulli(n_components=3),
    simulate=simulate_bernoulli,
    truth={"prob": B_PROBS},
    weights=WEIGHTS3,
    logpdf=lambda x, p, k: st.bernoulli(p["prob"][k]).logpmf(x).sum(axis=1),
    perturb=perturbation({"prob": "unit"}, 0.05),
    closed_form=lambda x, resp: {"prob": (resp.T @ x) / resp.sum(axis=0)[:, None]},
    recovery=Recovery(
        n=20_000,
        # 5 standard errors of a proportion with known labels (latent labels inflate it a little).
        tolerance=lambda n_k: {"prob": 5 * np.sqrt(B_PROBS * (1 - B_PROBS) / n_k[:, None])},
        weights_atol=0.02,
        n_params=3 * 6 + 2,
    ),
    check_draws=binary_draws,
)


# Exponential
E_RATES = np.array([[0.2, 5.0], [5.0, 0.2], [1.0, 1.0]])

def simulate_exponential(n, rng):
    return rng.exponential(1.0 / E_RATES[labels_of(n, rng, WEIGHTS3)])


EXPONENTIAL = Case(
    name="exponential",
    family=lambda: em.Exponential(n_components=3),
    simulate=simulate_exponential,
    truth={"rate": E_RATES},
    weights=WEIGHTS3,
    logpdf=lambda x, p, k: st.expon(scale=1 / p["rate"][k]).logpdf(x).sum(axis=1),
    perturb=perturbation({"rate": "positive"}, 0.05),
    closed_form=lambda x, resp: {"rate": resp.sum(axis=0)[:, None] / (resp.T @ x)},
    recovery=Recovery(
        n=30_000,
        # Standard error of an exponential rate with known labels: rate / sqrt(n_k); latent
        # labels of overlapping exponentials inflate it, so allow 6 of them.
        tolerance=lambda n_k: {"rate": 6 * E_RATES / np.sqrt(n_k[:, None])},
        weights_atol=0.03,
        n_params=3 * 2 + 2,
        align=lambda p: np.log(p["rate"]),
    ),
    check_draws=moments_check(lambda p, k: 1 / p["rate"][k], lambda p, k: 1 / p["rate"][k], support=lambda v: v >= 0),
)


# Gamma (numeric shape equation; its numerics are in test_family_gamma.py)
GA_SHAPES = np.array([[2.0, 30.0], [30.0, 3.0], [8.0, 8.0]])
GA_RATES = np.array([[1.0, 3.0], [3.0, 0.3], [4.0, 0.4]])


def gamma_tolerance(n_k):
    # Standard errors with known labels from the inverse Fisher information of (a, b):
    # I = [[trigamma(a), -1/b], [-1/b, a/b^2]] per observation.
    det = (polygamma(1, GA_SHAPES) * GA_SHAPES / GA_RATES**2 - 1 / GA_RATES**2) * n_k[:, None]
    return {"shape": 5 * np.sqrt(GA_SHAPES / GA_RATES**2 / det), "rate": 5 * np.sqrt(polygamma(1, GA_SHAPES) / det)}


def simulate_gamma(n, rng):
    labels = labels_of(n, rng, WEIGHTS3)
    return rng.gamma(GA_SHAPES[labels], 1.0 / GA_RATES[labels])


GAMMA = Case(
    name="gamma",
    family=lambda: em.Gamma(n_components=3),
    simulate=simulate_gamma,
    truth={"shape": GA_SHAPES, "rate": GA_RATES},
    weights=WEIGHTS3,
    logpdf=lambda x, p, k: st.gamma(p["shape"][k], scale=1 / p["rate"][k]).logpdf(x).sum(axis=1),
    perturb=perturbation({"shape": "positive", "rate": "positive"}, 0.02),
    recovery=Recovery(
        n=20_000,
        tolerance=gamma_tolerance,
        weights_atol=0.02,
        n_params=3 * 4 + 2,
        fit_kwargs=dict(n_init=2, random_state=0),
        align=lambda p: np.concatenate([np.log(p["shape"]), np.log(p["rate"])], axis=1),
    ),
    check_draws=moments_check(
        lambda p, k: p["shape"][k] / p["rate"][k],
        lambda p, k: np.sqrt(p["shape"][k]) / p["rate"][k],
        support=lambda v: v > 0,
    ),
)


# Log-normal
L_MU = np.array([[0.0, 3.0], [3.0, 0.0], [1.5, 1.5]])
L_SIGMA = np.array([[0.3, 0.5], [0.4, 0.3], [0.2, 0.2]])


def simulate_lognormal(n, rng):
    labels = labels_of(n, rng, WEIGHTS3)
    return rng.lognormal(L_MU[labels], L_SIGMA[labels])


def lognormal_closed_form(x, resp):
    n = resp.sum(axis=0)[:, None]
    mu = resp.T @ np.log(x) / n
    var = np.stack([resp[:, k] @ (np.log(x) - mu[k]) ** 2 for k in range(resp.shape[1])]) / n
    return {"mu": mu, "sigma": np.sqrt(var)}


LOGNORMAL = Case(
    name="lognormal",
    family=lambda: em.LogNormal(n_components=3),
    simulate=simulate_lognormal,
    truth={"mu": L_MU, "sigma": L_SIGMA},
    weights=WEIGHTS3,
    logpdf=lambda x, p, k: st.lognorm(p["sigma"][k], scale=np.exp(p["mu"][k])).logpdf(x).sum(axis=1),
    perturb=perturbation({"mu": "real", "sigma": "positive"}, 0.02),
    closed_form=lognormal_closed_form,
    m_step_family=lambda: em.LogNormal(n_components=3, reg_var=0.0),
    recovery=Recovery(
        n=20_000,
        tolerance=lambda n_k: {
            "mu": 5 * L_SIGMA / np.sqrt(n_k[:, None]),
            "sigma": 5 * L_SIGMA / np.sqrt(2 * n_k[:, None]),
        },
        weights_atol=0.02,
        n_params=3 * 4 + 2,
        fit_kwargs=dict(n_init=2, random_state=0),
    ),
    round_trip_family=lambda: em.LogNormal(n_components=3, reg_var=1e-4),
    check_draws=moments_check(lambda p, k: p["mu"][k], lambda p, k: p["sigma"][k], support=lambda v: v > 0, of=np.log),
)


# von Mises (numeric kappa equation; wrap-around and its numerics in test_family_vonmises.py)
V_MU = np.array([[-2.0, 0.5], [1.0, 3.0], [2.5, -1.5]])
V_KAPPA = np.array([[8.0, 4.0], [3.0, 20.0], [15.0, 2.0]])


def simulate_vonmises(n, rng):
    labels = labels_of(n, rng, WEIGHTS3)
    return rng.vonmises(V_MU[labels], V_KAPPA[labels])


def on_circle(angle):
    """Angles as points on the unit circle, for comparisons that respect wrap-around."""
    return np.concatenate([np.cos(angle), np.sin(angle)], axis=-1)


def angle_diff(a, b):
    return np.angle(np.exp(1j * (a - b)))


def vonmises_tolerance(n_k):
    # Known-label standard errors from the Fisher information per observation:
    # kappa A(kappa) for mu, A'(kappa) = 1 - A/kappa - A^2 for kappa.
    a = i1(V_KAPPA) / i0(V_KAPPA)
    n_k = n_k[:, None]
    return {"mu": 5 / np.sqrt(n_k * V_KAPPA * a), "kappa": 5 / np.sqrt(n_k * (1 - a / V_KAPPA - a**2))}


def circular_draws(fit, draws):
    assert np.all(np.abs(draws.values) <= np.pi)
    mu, kappa = fit.params.mu.values, fit.params.kappa.values
    for k in range(3):
        rows = draws.values[draws.component.values == k]
        circular_mean = np.arctan2(np.sin(rows).mean(axis=0), np.cos(rows).mean(axis=0))
        se = 1 / np.sqrt(len(rows) * kappa[k] * i1(kappa[k]) / i0(kappa[k]))
        assert np.all(np.abs(angle_diff(circular_mean, mu[k])) <= 5 * se)


VONMISES = Case(
    name="vonmises",
    family=lambda: em.VonMises(n_components=3),
    simulate=simulate_vonmises,
    truth={"mu": V_MU, "kappa": V_KAPPA},
    weights=WEIGHTS3,
    logpdf=lambda x, p, k: st.vonmises(p["kappa"][k], loc=p["mu"][k]).logpdf(x).sum(axis=1),
    perturb=perturbation({"mu": "real", "kappa": "positive"}, 0.02),
    recovery=Recovery(
        n=20_000,
        tolerance=vonmises_tolerance,
        weights_atol=0.02,
        n_params=3 * 4 + 2,
        align=lambda p: on_circle(p["mu"]),
        diff=lambda name, a, b: angle_diff(a, b) if name == "mu" else a - b,
    ),
    check_draws=circular_draws,
)


# Categorical: four columns (3, 4, 3, 3 categories), three latent classes: identifiable
_A, _B = np.array([0.8, 0.1, 0.1]), np.array([0.7, 0.1, 0.1, 0.1])
C_PROBS = [
    (_A, _B, _A, np.roll(_A, 1)),
    (np.roll(_A, 1), np.roll(_B, 1), np.roll(_A, 1), np.roll(_A, 2)),
    (np.roll(_A, 2), np.roll(_B, 3), np.roll(_A, 2), _A),
]
C_SIZES = [len(p) for p in C_PROBS[0]]
C_TRUTH = np.full((3, len(C_SIZES), max(C_SIZES)), np.nan)  # padded with NaN, as in the Dataset
for _k, _row in enumerate(C_PROBS):
    for _j, _p in enumerate(_row):
        C_TRUTH[_k, _j, : len(_p)] = _p


def simulate_categorical(n, rng):
    labels = labels_of(n, rng, WEIGHTS3)
    x = np.empty((n, len(C_SIZES)))
    for k in range(3):
        rows = labels == k
        for j in range(len(C_SIZES)):
            x[rows, j] = rng.choice(len(C_PROBS[k][j]), size=rows.sum(), p=C_PROBS[k][j])
    return x


def categorical_logpdf(x, p, k):
    total = np.zeros(len(x))
    for j, size in enumerate(C_SIZES):
        total += st.multinomial(1, p["probs"][k, j, :size]).logpmf(np.eye(size)[x[:, j].astype(int)])
    return total


def categorical_closed_form(x, resp):
    probs = np.full((resp.shape[1], len(C_SIZES), max(C_SIZES)), np.nan)
    for j, size in enumerate(C_SIZES):
        probs[:, j, :size] = resp.T @ np.eye(size)[x[:, j].astype(int)] / resp.sum(axis=0)[:, None]
    return {"probs": probs}


def categorical_view(p):
    return {"probs": np.concatenate([p["probs"][:, j, :size] for j, size in enumerate(C_SIZES)], axis=1)}


CATEGORICAL = Case(
    name="categorical",
    family=lambda: em.Categorical(n_components=3),
    bind=lambda family, x: family.bind(np.arange(x.shape[1]), data=x),
    simulate=simulate_categorical,
    truth={"probs": C_TRUTH},
    weights=WEIGHTS3,
    n_small=500,
    logpdf=categorical_logpdf,
    perturb=perturbation({"probs": "simplex"}, 0.05),
    closed_form=categorical_closed_form,
    closed_form_rtol=1e-12,
    closed_form_atol=0.0,
    init=lambda x: em.Mixture(em.Categorical(), 3).fit(x, max_iter=2, tol=0, random_state=0).params,
    recovery=Recovery(
        n=40_000,
        tolerance=lambda n_k: {"probs": np.nextafter(0.03, 0)},  # max error below 0.03
        weights_atol=0.03,
        n_params=3 * sum(size - 1 for size in C_SIZES) + 2,
        # k-means++ on category codes is a poor start for latent classes; random responsibilities work well
        fit_kwargs=dict(n_init=5, init="random", random_state=0),
        view=categorical_view,
    ),
)


# Regression (mixtures of linear regressions): y = b0 + b1 x1 + b2 x2 + e
R_COEF = np.array([[1.0, 2.0, -1.0], [-3.0, -0.5, 1.5]])
R_SIGMA = np.array([0.5, 1.0])
R_WEIGHTS = np.array([0.4, 0.6])


def simulate_regression(n, rng):
    x = rng.uniform(-3, 3, size=(n, 2))
    labels = labels_of(n, rng, R_WEIGHTS)
    y = R_COEF[labels, 0] + np.einsum("ij,ij->i", x, R_COEF[labels, 1:]) + R_SIGMA[labels] * rng.standard_normal(n)
    return np.column_stack([x, y])


def regression_logpdf(x, p, k):
    z = np.column_stack([np.ones(len(x)), x[:, :2]])
    return st.norm(0.0, p["sigma"][k]).logpdf(x[:, 2] - z @ p["coefficients"][k])


def regression_closed_form(x, resp):
    """Weighted least squares per component (variance ridge 1e-6)."""
    z = np.column_stack([np.ones(len(x)), x[:, :2]])
    y = x[:, 2]
    coef, sigma = [], []
    for k in range(resp.shape[1]):
        w = np.sqrt(resp[:, k])
        beta = np.linalg.lstsq(z * w[:, None], y * w, rcond=None)[0]
        coef.append(beta)
        sigma.append(np.sqrt(np.sum(resp[:, k] * (y - z @ beta) ** 2) / resp[:, k].sum() + 1e-6))
    return {"coefficients": np.array(coef), "sigma": np.array(sigma)}


def regression_tolerance(n_k):
    # Standard errors of OLS with x ~ U(-3, 3) (variance 3): sigma / sqrt(n_k var(x)) for slopes.
    se = R_SIGMA[:, None] / np.sqrt(n_k)[:, None] * np.array([1.0, 1 / np.sqrt(3), 1 / np.sqrt(3)])
    return {"coefficients": 5 * se, "sigma": 5 * R_SIGMA / np.sqrt(2 * n_k)}


REGRESSION = Case(
    name="regression",
    family=lambda: em.Regression(target=2, features=[0, 1], n_components=2),
    simulate=simulate_regression,
    truth={"coefficients": R_COEF, "sigma": R_SIGMA},
    weights=R_WEIGHTS,
    n_small=300,
    logpdf=regression_logpdf,
    log_prob_tol=(1e-12, 1e-12),
    perturb=perturbation({"coefficients": "real", "sigma": "positive"}, 0.02),
    closed_form=regression_closed_form,
    closed_form_rtol=5e-11,  # sigma to 5e-11 is sigma^2 to 1e-10
    init=lambda x: np.eye(2)[(x[:, 0] > 0).astype(int)],
    integer_weights=dict(atol=0.0),
    not_estimated=frozenset({"column_role"}),
    recovery=Recovery(
        n=4000,
        tolerance=regression_tolerance,
        weights_atol=0.03,
        n_params=2 * (3 + 1) + 1,
        fit_kwargs=dict(n_init=5, init="random", random_state=0),
    ),
    # Round trip (with column names) and sampling given the features: test_family_regression.py.
    checks=ALL_CHECKS - {"round_trip"},
)


# Uniform (the noise family; one component, its box fixed after the first M-step)
UNIFORM = Case(
    name="uniform",
    family=lambda: em.Uniform(),
    simulate=lambda n, rng: rng.uniform([-1.0, 2.0, 0.0], [3.0, 5.0, 0.5], size=(n, 3)),
    truth={},
    weights=np.array([1.0]),
    n_small=200,
    logpdf=lambda x, p, k: st.uniform(p["lower"][k], p["upper"][k] - p["lower"][k]).logpdf(x).sum(axis=1),
    log_prob_tol=(1e-12, 0.0),
    perturb=None,
    recovery=None,
    # One component whose box is the data's: an empty component, Q, weights and EM
    # iterations do not apply; round trip, sampling and monotonicity of Gaussians + noise
    # are in test_family_uniform.py.
    checks=frozenset({"log_prob", "chunk_additivity"}),
)


# Independent: Gaussian (x1, x2) x Poisson (counts) x Categorical (codes)
I_WEIGHTS = np.array([0.5, 0.5])
I_MEANS = np.array([[160.0, 60.0], [180.0, 80.0]])
I_SD = np.array([5.0, 8.0])
I_RATE = np.array([2.0, 9.0])
I_COLOUR = np.array([[0.1, 0.3, 0.6], [0.8, 0.2, 0.0]])


def simulate_independent(n, rng):
    labels = labels_of(n, rng, I_WEIGHTS)
    colour = np.array([rng.choice(3, p=I_COLOUR[k]) for k in labels])
    return np.column_stack([rng.normal(I_MEANS[labels], I_SD), rng.poisson(I_RATE[labels]), colour]).astype(float)


def independent_logpdf(x, p, k):
    return (
        st.multivariate_normal(p["means"][k, :2], p["covariances"][k, :2, :2]).logpdf(x[:, :2])
        + st.poisson(p["rate"][k, 2]).logpmf(x[:, 2])
        # a probability estimated as 0 has log-density log(5e-324), emkit's documented floor
        + np.log(np.maximum(p["probs"][k, 3], np.nextafter(0, 1)))[x[:, 3].astype(int)]
    )


def independent_view(p):
    return {"means": p["means"][:, :2], "rate": p["rate"][:, 2], "probs": p["probs"][:, 3]}


INDEPENDENT = Case(
    name="independent",
    family=lambda: em.Independent({(0, 1): em.Gaussian("full"), 2: em.Poisson(), 3: em.Categorical()}, n_components=2),
    bind=lambda family, x: family.bind(np.arange(x.shape[1]), None, x),
    simulate=simulate_independent,
    truth={"means": I_MEANS, "rate": I_RATE, "probs": I_COLOUR},
    weights=I_WEIGHTS,
    logpdf=independent_logpdf,
    perturb=perturbation({"means": "real", "covariances": "spd", "rate": "positive", "probs": "simplex"}, 0.02),
    q_trials=10,
    init=lambda x: em.Mixture(INDEPENDENT.family()).fit(x, max_iter=2, tol=0, random_state=0).params,
    monotone=dict(seeds=(0, 1)),
    checks=ALL_CHECKS - {"round_trip"},  # round trip and sampling of a mixed data frame: test_family_independent.py
    recovery=Recovery(
        n=4000,
        tolerance=lambda n_k: {
            "means": 5 * I_SD / np.sqrt(n_k[:, None]),
            "rate": np.minimum(0.3, 5 * np.sqrt(I_RATE / n_k)),
            "probs": 0.03,
        },
        weights_atol=0.02,
        # Gaussian 2 x (2 + 3) + Poisson 2 + categorical 2 x 2 + 1 weight
        n_params=10 + 2 + 4 + 1,
        view=independent_view,
        truth={"means": I_MEANS, "rate": I_RATE, "probs": I_COLOUR},
    ),
)


# from_scipy: numeric M-steps
SCIPY_WEIGHTS = np.array([0.4, 0.6])
SCIPY = {
    "gamma": (st.gamma, {"loc": 0.0}, {"a": [[2.0, 5.0], [9.0, 1.5]], "scale": [[1.0, 0.5], [2.0, 3.0]]}),
    "weibull_min": (st.weibull_min, {"loc": 0.0}, {"c": [[1.5, 3.0], [6.0, 2.0]], "scale": [[2.0, 1.0], [10.0, 5.0]]}),
    "lognorm": (st.lognorm, {"loc": 0.0}, {"s": [[0.5, 0.3], [0.25, 0.8]], "scale": [[1.0, 2.0], [8.0, 20.0]]}),
    "nbinom": (st.nbinom, None, {"n": [[3.0, 10.0], [20.0, 2.0]], "p": [[0.5, 0.3], [0.4, 0.6]]}),
}


def scipy_truth(name):
    """All parameters (free and fixed), shape (K=2, d=2)."""
    _, fixed, free = SCIPY[name]
    params = {k: np.asarray(v, dtype=float) for k, v in free.items()}
    for k, v in ({"loc": 0.0} if fixed is None else fixed).items():
        params[k] = np.full((2, 2), v)
    return params


def scipy_family(name, K=2):
    dist, fixed, _ = SCIPY[name]
    return em.from_scipy(dist, fixed=fixed, n_components=K)


def scipy_frozen(name, params, k, j):
    return SCIPY[name][0](**{p: params[p][k, j] for p in scipy_family(name).param_names})


def scipy_simulate(name):
    def simulate(n, rng, d=2):
        params = scipy_truth(name)
        labels = labels_of(n, rng, SCIPY_WEIGHTS)
        x = np.empty((n, d))
        for k in range(2):
            for j in range(d):
                mask = labels == k
                x[mask, j] = scipy_frozen(name, params, k, j).rvs(size=mask.sum(), random_state=rng)
        return x

    return simulate


def scipy_logpdf(name):
    dist = SCIPY[name][0]
    logf = dist.logpmf if isinstance(dist, st.rv_discrete) else dist.logpdf
    names = scipy_family(name).param_names

    def oracle(x, p, k):
        return sum(logf(x[:, j], **{q: p[q][k, j] for q in names}) for j in range(x.shape[1]))

    return oracle


def scipy_moments(name):
    """Component means and standard deviations within 10 %, the free parameters within 30 %.

    (nbinom's n and p are strongly correlated; their moments are well determined.)
    """

    def extra(fit, order):
        fam = scipy_family(name)
        params = scipy_truth(name)
        got = {p: fit.params[p].values for p in fam.param_names}
        for moment in ("mean", "std"):
            want = np.array([[getattr(scipy_frozen(name, params, k, j), moment)() for j in range(2)] for k in range(2)])
            have = np.array([[getattr(scipy_frozen(name, got, k, j), moment)() for j in range(2)] for k in order])
            np.testing.assert_allclose(have, want, rtol=0.1, err_msg=moment)
        assert set(fit.params.data_vars) == {"weights", *fam.param_names}
        assert fit.params[next(iter(fam.free))].dims == ("component", "feature")

    return extra


def scipy_means(name):
    def means(p):
        p = {**scipy_truth(name), **p}  # the fixed parameters too
        return np.array([[scipy_frozen(name, p, k, j).mean() for j in range(2)] for k in range(2)])

    return means


def scipy_draws(name):
    def check(fit, draws):
        if name == "nbinom":
            assert np.all(draws.values >= 0) and np.all(draws.values == np.round(draws.values))

    return check


def scipy_case(name):
    fam = scipy_family(name)
    truth = scipy_truth(name)
    free = {p: truth[p] for p in fam.free}
    return Case(
        name=f"scipy-{name}",
        family=lambda: scipy_family(name),
        simulate=scipy_simulate(name),
        truth=free,
        weights=SCIPY_WEIGHTS,
        n_small=120,
        logpdf=scipy_logpdf(name),
        perturb=perturbation({p: ("unit" if c == "unit" else "positive") for p, c in fam.free.items()}, 0.05),
        warm_start=True,
        not_estimated=frozenset(fam.param_names) - set(fam.free),
        # Tolerances for a numeric M-step: the two routes sum Q in different orders, so the
        # optimiser stops at slightly different points (parameters agree to ~1e-6, nbinom n
        # along its flat ridge to ~1e-5). After 3 iterations the fit is not yet at the
        # likelihood's maximum, so the log-likelihood moves to first order with them: it
        # agrees to ~1e-10.
        integer_weights=dict(max_iter=3, rtol=1e-4, loglik_rtol=1e-9),
        # Each numeric M-step keeps the optimiser's answer only if the weighted Q did not
        # drop (generalised EM), but Q and the log-likelihood are summed in different orders
        # and the optimiser stops at a tolerance: decreases of rounding size near
        # convergence stay below 1e-8 relative.
        monotone=dict(seeds=(0,), max_iter=6, rtol=1e-8),
        round_trip=dict(max_iter=4, random_state=0),
        recovery=Recovery(
            n=2000,
            tolerance=lambda n_k: {p: 0.3 * np.abs(v) for p, v in free.items()},
            weights_atol=0.04,
            n_params=len(fam.free) * 2 * 2 + 1,
            fit_kwargs=dict(max_iter=60, tol=1e-7, random_state=0),
            align=scipy_means(name),
            extra=scipy_moments(name),
        ),
        check_draws=scipy_draws(name),
        n_draws=200,
    )


# The user-defined family of docs/custom_components.md, declared by the doc's own code.
DOC = Path(__file__).resolve().parents[1] / "docs" / "custom_components.md"


def doc_namespace():
    """The doc's first code block (imports and the Rayleigh family), executed as written."""
    first = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)[0]
    namespace = {"__name__": "custom_components_doc"}
    exec(compile(first, f"{DOC.name}[block 0]", "exec"), namespace)
    return namespace


Rayleigh = doc_namespace()["Rayleigh"]
RAY_SIGMA = np.array([[1.0], [6.0]])
RAY_WEIGHTS = np.array([0.5, 0.5])

def simulate_rayleigh(n, rng):
    return rng.rayleigh(RAY_SIGMA[labels_of(n, rng, RAY_WEIGHTS)])


RAYLEIGH = Case(
    name="doc-rayleigh",
    family=lambda: Rayleigh(n_components=2),
    simulate=simulate_rayleigh,
    truth={"sigma": RAY_SIGMA},
    weights=RAY_WEIGHTS,
    logpdf=lambda x, p, k: st.rayleigh(scale=p["sigma"][k]).logpdf(x).sum(axis=1),
    perturb=perturbation({"sigma": "positive"}, 0.05),
    closed_form=lambda x, resp: {"sigma": np.sqrt(resp.T @ x**2 / (2 * resp.sum(axis=0)[:, None]))},
    recovery=Recovery(
        n=6000,
        # Known-label standard error of the Rayleigh scale: sigma / (2 sqrt(n_k)).
        tolerance=lambda n_k: {"sigma": 5 * RAY_SIGMA / (2 * np.sqrt(n_k[:, None]))},
        weights_atol=0.02,
        n_params=2 + 1,
    ),
    n_draws=5000,
    check_draws=moments_check(
        lambda p, k: p["sigma"][k] * np.sqrt(np.pi / 2),
        lambda p, k: p["sigma"][k] * np.sqrt(2 - np.pi / 2),
        support=lambda v: v >= 0,
    ),
)


CASES = [
    GAUSSIAN,
    STUDENT_T,
    POISSON,
    BERNOULLI,
    CATEGORICAL,
    EXPONENTIAL,
    GAMMA,
    LOGNORMAL,
    VONMISES,
    REGRESSION,
    UNIFORM,
    INDEPENDENT,
    *[scipy_case(name) for name in SCIPY],
    RAYLEIGH,
]
BY_NAME = {case.name: case for case in CASES}


def cases_with(check):
    return [pytest.param(case, id=case.name) for case in CASES if check in case.checks]


# -- the checks ------------------------------------------------------------------


def soft_data(case):
    """``n_small`` rows from the true model, random soft responsibilities and the generator that made them."""
    rng = np.random.default_rng(0)
    x = case.simulate(case.n_small, rng)
    resp = rng.dirichlet(np.ones(case.K), size=len(x))
    return x, resp, rng


@pytest.fixture
def small(request):
    return (request.param, *soft_data(request.param))


def template(case, x, family=None):
    return case.bind((family or case.family)(), x)


@pytest.mark.parametrize("small", cases_with("log_prob"), indirect=True)
def test_log_prob_matches_scipy(small):
    case, x, resp, _ = small
    family = fitted(template(case, x), x, resp)
    params = param_arrays(family, x.shape[1])
    rtol, atol = case.log_prob_tol
    check_log_prob(family, x, lambda x, k: case.logpdf(x, params, k), rtol=rtol, atol=atol)


@pytest.mark.parametrize("small", cases_with("chunk_additivity"), indirect=True)
def test_chunk_additivity(small):
    case, x, resp, _ = small
    check_chunk_additivity(template(case, x), x, resp)


@pytest.mark.parametrize("small", cases_with("empty_component"), indirect=True)
def test_empty_component_keeps_its_parameters(small):
    case, x, resp, _ = small
    family = fitted(template(case, x), x, resp)
    before = param_arrays(family, x.shape[1])
    resp = resp.copy()
    resp[:, 1] = 0.0
    resp /= resp.sum(axis=1, keepdims=True)
    after = param_arrays(family.m_step(family.stats(x, resp)), x.shape[1])
    for name in before:
        np.testing.assert_array_equal(after[name][1], before[name][1], err_msg=name)
    # while the components that took the weight moved
    for name in set(before) - case.not_estimated:
        assert not np.array_equal(after[name][0], before[name][0], equal_nan=True), name


@pytest.mark.parametrize("small", cases_with("m_step"), indirect=True)
def test_m_step_maximises_q(small):
    case, x, resp, rng = small
    family = template(case, x, case.m_step_family)
    check_m_step_maximises_q(
        family,
        x,
        resp,
        case.perturb,
        rng,
        n_trials=case.q_trials,
        closed_form=case.closed_form,
        closed_form_rtol=case.closed_form_rtol,
        closed_form_atol=case.closed_form_atol,
    )
    if case.warm_start:
        # From a warm start the M-step also lands at the maximiser (same Q to 1e-10).
        best = fitted(family, x, resp)
        warm = with_param_arrays(best, case.perturb(param_arrays(best, x.shape[1]), rng), x.shape[1])
        again = warm.m_step(warm.stats(x, resp))
        q0, q1 = q_function(best, x, resp), q_function(again, x, resp)
        assert abs(q1 - q0) <= 1e-10 * abs(q0)


@pytest.mark.parametrize("small", cases_with("integer_weights"), indirect=True)
def test_integer_weights_equal_repeated_rows(small):
    case, x, _, rng = small
    w = rng.integers(0, 4, size=len(x))
    init = case.init(x) if case.init else params_dataset(case.weights, **case.truth)
    check_integer_weights(em.Mixture(case.family()), x, w, init, **case.integer_weights)


@pytest.mark.parametrize("small", cases_with("monotone"), indirect=True)
def test_log_likelihood_monotone(small):
    case, x, _, _ = small
    check_monotone(em.Mixture(case.family()), x, **case.monotone)


@pytest.mark.parametrize("case", cases_with("recovery"))
def test_recovery_from_a_large_sample(case):
    spec = case.recovery
    rng = np.random.default_rng(1)
    x = case.simulate(spec.n, rng)
    fit = em.Mixture(case.family()).fit(x, **spec.fit_kwargs)
    got = {name: fit.params[name].values for name in fit.params.data_vars if name != "weights"}
    view = spec.view or (lambda p: {name: p[name] for name in case.truth})
    truth, estimate = spec.truth if spec.truth is not None else view(case.truth), view(got)
    align = spec.align or (lambda p: p[next(iter(p))])
    order = aligned(align(estimate), align(truth))
    n_k = case.weights * spec.n
    diff = spec.diff or (lambda name, a, b: a - b)
    for name, tol in spec.tolerance(n_k).items():
        error = diff(name, estimate[name][order], truth[name])
        assert np.all(np.abs(error) <= tol), (name, estimate[name][order])
    np.testing.assert_allclose(fit.params.weights.values[order], case.weights, atol=spec.weights_atol)
    assert fit.n_params == spec.n_params
    if spec.extra:
        spec.extra(fit, order)


@pytest.mark.parametrize("small", cases_with("round_trip"), indirect=True)
def test_round_trip_and_sampling(small):
    case, x, _, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)  # a few iterations are enough here
        fit = em.Mixture((case.round_trip_family or case.family)()).fit(x, **case.round_trip)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    if case.check_draws is not None:
        case.check_draws(fit, fit.sample(case.n_draws, random_state=2))


def test_every_family_has_a_case():
    names = {case.name.split("-")[0] for case in CASES}
    assert names >= {
        "gaussian", "student_t", "poisson", "bernoulli", "categorical", "exponential", "gamma",
        "lognormal", "vonmises", "regression", "uniform", "independent", "scipy", "doc",
    }
    assert {case.name for case in CASES} >= {f"scipy-{name}" for name in SCIPY}

"""Student-t family: the ECM specifics, and the covariance structures beyond VVV.

The conformance checks of DESIGN.md run over VVV in test_conformance_suite.py; here
the same log-density and chunk checks run over the other structures, and monotonicity
over four structures on heavier-tailed data.
Expectations are derived independently: densities from scipy.stats.multivariate_t,
statistics and CM-steps from their definitions with direct linear algebra, the
degrees-of-freedom step by numerically maximising its part of Q with
scipy.optimize.
"""

import numpy as np
import pytest
import xarray as xr
from scipy import optimize, special, stats

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.student_t import DOF_BOUNDS, solve_dof
from conformance import (
    aligned,
    check_chunk_additivity,
    check_log_prob,
    check_monotone,
    check_round_trip,
    check_sample_shape,
)
from test_conformance_suite import T_MEANS as MEANS
from test_conformance_suite import T_SCALES as SCALES
from test_conformance_suite import T_WEIGHTS as WEIGHTS
from test_conformance_suite import simulate_student_t as simulate

OTHER_STRUCTURES = [name for name in COVARIANCE_NAMES if name != "VVV"]  # VVV: test_conformance_suite.py


def family_with(covariance, means, scales, dof, weights=WEIGHTS, fixed=None):
    params = xr.Dataset(
        {
            "means": (("component", "feature"), means),
            "scales": (("component", "feature", "feature2"), scales),
            "dof": ("component", dof),
        }
    )
    return em.StudentT(covariance, dof=fixed, n_components=len(means)).from_dataset(params, weights)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = simulate(400, rng)
    resp = rng.dirichlet(np.ones(2), size=len(x))
    return x, resp


def mahalanobis(x, mean, scale):
    diff = x - mean
    return np.einsum("ni,ni->n", diff, np.linalg.solve(scale, diff.T).T)


def direct_stats(family, x, resp):
    """Statistics from their definitions, with the family's parameters read from its Dataset."""
    ds = family.to_dataset(np.arange(x.shape[1]))
    d = x.shape[1]
    out = {"n": [], "sum_ru": [], "mean": [], "scatter": [], "dof_stat": []}
    for k in range(family.n_components):
        nu, r = float(ds.dof[k]), resp[:, k]
        delta = mahalanobis(x, ds.means.values[k], ds.scales.values[k])
        u = (nu + d) / (nu + delta)
        w = r * u
        mean = w @ x / w.sum()
        centred = x - mean
        e_log_tau = np.log(u) + special.digamma((nu + d) / 2) - np.log((nu + d) / 2)
        out["n"].append(r.sum())
        out["sum_ru"].append(w.sum())
        out["mean"].append(mean)
        out["scatter"].append((centred * w[:, None]).T @ centred)
        out["dof_stat"].append(r @ (e_log_tau - u))
    return {name: np.array(v) for name, v in out.items()}


@pytest.mark.parametrize("covariance", OTHER_STRUCTURES)
def test_log_prob_matches_scipy(data, covariance):
    x, _ = data
    family = family_with(covariance, MEANS, SCALES, np.array([3.0, 7.5]))
    ds = family.to_dataset(np.arange(2))

    def oracle(x, k):
        return stats.multivariate_t(ds.means.values[k], ds.scales.values[k], df=float(ds.dof[k])).logpdf(x)

    check_log_prob(family, x, oracle)


@pytest.mark.parametrize("covariance", OTHER_STRUCTURES)
def test_chunk_additivity(data, covariance):
    x, resp = data
    check_chunk_additivity(em.StudentT(covariance), x, resp)


@pytest.mark.parametrize("covariance", ["VVV", "EEI"])
def test_fused_statistics_add_over_chunks_and_match_their_definition(data, covariance):
    x, resp = data
    family = family_with(covariance, MEANS + 0.3, SCALES * 1.2, np.array([3.0, 6.0]))
    whole = family.evaluate(x).stats(resp)
    cuts = [0, 1, 7, 150, 151, len(x)]
    parts = [family.evaluate(x[a:b]).stats(resp[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    total = parts[3] + parts[0]
    for p in (parts[4], parts[1], parts[2]):
        total = p + total
    expected = direct_stats(family, x, resp)
    full = covariance == "VVV"
    scatter = expected["scatter"] if full else np.diagonal(expected["scatter"], axis1=1, axis2=2)
    for got in (whole, total):
        np.testing.assert_allclose(got.weight, expected["n"], rtol=1e-12)
        np.testing.assert_allclose(got.scaled.weight, expected["sum_ru"], rtol=1e-12)
        np.testing.assert_allclose(got.scaled.mean, expected["mean"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got.scaled.scatter, scatter, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got.dof_stat, expected["dof_stat"], rtol=1e-10)
    # a fitted family's stats() is the fused route
    again = family.stats(x, resp)
    np.testing.assert_allclose(again.dof_stat, whole.dof_stat, rtol=1e-12)


@pytest.mark.parametrize("covariance", ["VVV", "EEE", "VII"])
def test_cm_steps_equal_their_formulas(data, covariance):
    x, resp = data
    reg = 1e-6
    family = family_with(covariance, MEANS + 0.3, SCALES * 1.2, np.array([3.0, 6.0]))
    new = family.m_step(family.evaluate(x).stats(resp))
    s = direct_stats(family, x, resp)
    d = x.shape[1]
    np.testing.assert_allclose(new.means, s["mean"], rtol=1e-10, atol=1e-12)
    if covariance == "VVV":
        expected = s["scatter"] / s["n"][:, None, None] + reg * np.eye(d)
    elif covariance == "EEE":
        expected = np.repeat((s["scatter"].sum(axis=0) / s["n"].sum() + reg * np.eye(d))[None], 2, axis=0)
    else:
        trace = np.trace(s["scatter"], axis1=1, axis2=2)
        expected = (trace / (d * s["n"]) + reg)[:, None, None] * np.eye(d)
    np.testing.assert_allclose(new.scale_matrices(), expected, rtol=1e-10, atol=1e-14)

    # nu_k maximises the nu-part of Q: n_k [(nu/2) log(nu/2) - log Gamma(nu/2)] + (nu/2) s_k
    for k in range(2):
        n, s_k = s["n"][k], s["dof_stat"][k]

        def neg_q(nu):
            return -(n * (nu / 2 * np.log(nu / 2) - special.gammaln(nu / 2)) + nu / 2 * s_k)

        best = optimize.minimize_scalar(neg_q, bounds=DOF_BOUNDS, method="bounded", options={"xatol": 1e-9})
        np.testing.assert_allclose(new.dof[k], best.x, rtol=1e-6)
        # and it is the root of the estimating equation
        nu = new.dof[k]
        residual = -special.digamma(nu / 2) + np.log(nu / 2) + 1 + s_k / n
        assert abs(residual) < 1e-10


def test_dof_bounds_are_taken_without_a_root():
    # s/n = -1 is the Gaussian limit (u = 1): the equation has no finite root
    assert solve_dof(-1.0) == DOF_BOUNDS[1]
    lo = DOF_BOUNDS[0]
    below = np.log(lo / 2) - special.digamma(lo / 2) + 1  # the left side at the lower bound, minus s/n
    assert solve_dof(-below - 1.0) == lo


@pytest.mark.parametrize("covariance", ["VVV", "EEE", "VVI", "EII"])
def test_log_likelihood_monotone(covariance):
    rng = np.random.default_rng(3)
    x = simulate(300, rng, dof=np.array([2.5, 5.0]))
    check_monotone(em.Mixture(em.StudentT(covariance), 2), x, seeds=(0, 1), max_iter=25)


def test_fixed_dof_is_kept_and_not_counted(data):
    x, _ = data
    fixed = em.Mixture(em.StudentT(dof=4.0), 2).fit(x, random_state=0, max_iter=50)
    free = em.Mixture(em.StudentT(), 2).fit(x, random_state=0, max_iter=50)
    gauss = em.Mixture(em.Gaussian(), 2).fit(x, random_state=0, max_iter=50)
    np.testing.assert_array_equal(fixed.params.dof.values, [4.0, 4.0])
    assert free.n_params == gauss.n_params + 2
    assert fixed.n_params == gauss.n_params
    K, d = 2, 2
    assert free.n_params == (K - 1) + K * d + K * d * (d + 1) // 2 + K


def test_beats_a_gaussian_mixture_with_outliers():
    rng = np.random.default_rng(4)
    x = simulate(1500, rng, dof=np.array([3.0, 3.0]))
    outliers = rng.uniform(-40, 40, size=(30, 2))
    x = np.concatenate([x, outliers])
    t_fit = em.Mixture(em.StudentT(), 2).fit(x, n_init=2, random_state=0)
    g_fit = em.Mixture(em.Gaussian(), 2).fit(x, n_init=2, random_state=0)
    assert t_fit.log_likelihood > g_fit.log_likelihood
    assert t_fit.bic() < g_fit.bic()
    # the t locations are robust to the outliers
    t_means = t_fit.params.means.values[aligned(t_fit.params.means.values, MEANS)]
    g_means = g_fit.params.means.values[aligned(g_fit.params.means.values, MEANS)]
    assert np.abs(t_means - MEANS).max() < np.abs(g_means - MEANS).max()


def test_round_trip(data):
    x, _ = data
    fit = em.Mixture(em.StudentT("VVI"), 2).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    fixed = em.Mixture(em.StudentT("EEE", dof=5), 2).fit(x, random_state=0)
    check_round_trip(fixed, x)


def test_sampling_has_the_right_distribution():
    dof = np.array([5.0, 3.0])
    family = family_with("VVV", MEANS, SCALES, dof)
    rng = np.random.default_rng(5)
    component = np.repeat([0, 1], 5000)
    draws = family.sample(component, rng)
    d = 2
    for k in range(2):
        xk = draws[component == k]
        # delta / d ~ F(d, nu) for a t with scale matrix Sigma
        delta = mahalanobis(xk, MEANS[k], SCALES[k])
        assert stats.kstest(delta / d, stats.f(d, dof[k]).cdf).pvalue > 1e-3
        # each standardised coordinate ~ t_nu
        for j in range(d):
            std = (xk[:, j] - MEANS[k, j]) / np.sqrt(SCALES[k, j, j])
            assert stats.kstest(std, stats.t(dof[k]).cdf).pvalue > 1e-3


def test_initialised_from_responsibilities_without_dof_information(data):
    x, resp = data
    declared = em.StudentT("VVV", n_components=2)
    start = declared.m_step(declared.stats(x, resp))
    gauss = em.Gaussian("VVV", n_components=2)
    g = gauss.m_step(gauss.stats(x, resp))
    np.testing.assert_allclose(start.means, g.means, rtol=1e-12)
    np.testing.assert_allclose(start.scale_matrices(), g.covariance_matrices(), rtol=1e-12)
    assert np.all(np.isfinite(start.dof)) and np.all(start.dof > 0)

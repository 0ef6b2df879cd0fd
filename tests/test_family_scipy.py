"""from_scipy families: the conformance checks of DESIGN.md, plus errors and round trips."""

import os
import tempfile
import warnings

import numpy as np
import pytest
import scipy.stats as st
from scipy.optimize import brentq
from scipy.special import digamma

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
    params_dataset,
    q_function,
)
from emkit.models.mixture import FiniteMixture

WEIGHTS = np.array([0.4, 0.6])

# name -> (distribution, fixed, true free parameters (K=2, d=2))
CASES = {
    "gamma": (st.gamma, {"loc": 0.0}, {"a": [[2.0, 5.0], [9.0, 1.5]], "scale": [[1.0, 0.5], [2.0, 3.0]]}),
    "weibull_min": (st.weibull_min, {"loc": 0.0}, {"c": [[1.5, 3.0], [6.0, 2.0]], "scale": [[2.0, 1.0], [10.0, 5.0]]}),
    "lognorm": (st.lognorm, {"loc": 0.0}, {"s": [[0.5, 0.3], [0.25, 0.8]], "scale": [[1.0, 2.0], [8.0, 20.0]]}),
    "nbinom": (st.nbinom, None, {"n": [[3.0, 10.0], [20.0, 2.0]], "p": [[0.5, 0.3], [0.4, 0.6]]}),
}


def truth(name):
    dist, fixed, free = CASES[name]
    params = {k: np.asarray(v, dtype=float) for k, v in free.items()}
    for k, v in ({"loc": 0.0} if fixed is None else fixed).items():
        params[k] = np.full((2, 2), v)
    return params


def family(name, K=2):
    dist, fixed, _ = CASES[name]
    return em.from_scipy(dist, fixed=fixed, n_components=K)


def frozen(name, params, k, j):
    dist = CASES[name][0]
    fam = family(name)
    kwargs = {p: params[p][k, j] for p in fam.param_names}
    return dist(**kwargs)


def simulate(name, n, rng, d=2):
    params = truth(name)
    labels = rng.choice(2, size=n, p=WEIGHTS)
    x = np.empty((n, d))
    for k in range(2):
        for j in range(d):
            mask = labels == k
            x[mask, j] = frozen(name, params, k, j).rvs(size=mask.sum(), random_state=rng)
    return x


@pytest.fixture(params=list(CASES))
def case(request):
    rng = np.random.default_rng(0)
    x = simulate(request.param, 120, rng)
    resp = rng.dirichlet(np.ones(2), size=len(x))
    return request.param, x, resp, rng


def test_log_prob_matches_scipy(case):
    name, x, _, _ = case
    params = truth(name)
    fam = family(name).with_params(**params)
    dist = CASES[name][0]
    logf = dist.logpmf if isinstance(dist, st.rv_discrete) else dist.logpdf

    def oracle(x, k):
        return sum(logf(x[:, j], **{p: params[p][k, j] for p in fam.param_names}) for j in range(x.shape[1]))

    check_log_prob(fam, x, oracle)


def test_chunk_additivity(case):
    name, x, resp, _ = case
    check_chunk_additivity(family(name), x, resp)


def _perturb(fam):
    def perturb(params, rng):
        out = dict(params)
        for name, constraint in fam.free.items():
            noise = rng.normal(scale=0.05, size=params[name].shape)
            if constraint == "unit":
                u = np.log(params[name] / (1 - params[name])) + noise
                out[name] = 1 / (1 + np.exp(-u))
            else:
                out[name] = params[name] * np.exp(noise)
        return out

    return perturb


def test_m_step_maximises_weighted_q(case):
    name, x, resp, rng = case
    fam = family(name)
    check_m_step_maximises_q(fam, x, resp, _perturb(fam), rng)
    # From a warm start the M-step also lands at the maximiser (same Q to 1e-10).
    best = fitted(fam, x, resp)
    warm = best.with_params(**_perturb(fam)({k: v.copy() for k, v in best.params.items()}, rng))
    again = warm.m_step(warm.stats(x, resp))
    q0, q1 = q_function(best, x, resp), q_function(again, x, resp)
    assert abs(q1 - q0) <= 1e-10 * abs(q0)


def test_gamma_m_step_equals_the_weighted_mle():
    """Gamma with loc 0: the weighted MLE solves log a - digamma(a) = log(mean) - mean(log x)."""
    rng = np.random.default_rng(3)
    x = simulate("gamma", 300, rng)
    resp = rng.dirichlet(np.ones(2), size=len(x))
    got = fitted(family("gamma"), x, resp).params
    for k in range(2):
        w = resp[:, k]
        for j in range(2):
            mean = np.average(x[:, j], weights=w)
            target = np.log(mean) - np.average(np.log(x[:, j]), weights=w)
            a = brentq(lambda a: np.log(a) - digamma(a) - target, 1e-3, 1e4, xtol=1e-14, rtol=1e-14)
            np.testing.assert_allclose(got["a"][k, j], a, rtol=1e-6)
            np.testing.assert_allclose(got["scale"][k, j], mean / a, rtol=1e-6)


def test_integer_weights_equal_repeated_rows(case):
    name, x, _, rng = case
    w = rng.integers(0, 4, size=len(x))
    params = truth(name)
    init = params_dataset(WEIGHTS, **{p: params[p] for p in family(name).free})
    # Tolerances for a numeric M-step: the
    # two routes sum Q in different orders, so the optimiser stops at slightly
    # different points (parameters agree to ~1e-6, nbinom n along its flat ridge
    # to ~1e-5). After 3 iterations the fit is not yet at the likelihood's maximum, so
    # the log-likelihood moves to first order with them: it agrees to ~1e-10.
    check_integer_weights(em.Mixture(family(name)), x, w, init, max_iter=3, rtol=1e-4, loglik_rtol=1e-9)


def test_log_likelihood_monotone(case):
    """Decreases stay below 1e-8 relative.

    Each numeric M-step keeps the optimiser's answer only if the weighted Q
    did not drop, so every iteration is a generalised EM step and the
    log-likelihood cannot decrease in exact arithmetic. Q in the M-step and
    the log-likelihood in the E-step are summed in different orders
    (sorted rows per component versus chunks), and the optimiser stops at a
    tolerance, so a decrease of rounding size can appear near convergence;
    1e-8 relative bounds it comfortably.
    """
    name, x, _, _ = case
    check_monotone(em.Mixture(family(name)), x, seeds=(0,), max_iter=6, rtol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_recovery_from_a_large_sample(name):
    """Component means and standard deviations within 10 %, parameters within 30 %.

    (nbinom's n and p are strongly correlated; their moments are well determined.)
    """
    rng = np.random.default_rng(1)
    x = simulate(name, 2000, rng)
    fam = family(name)
    fit = em.Mixture(fam).fit(x, max_iter=60, tol=1e-7, random_state=0)
    params = truth(name)
    fitted_params = {p: fit.params[p].values for p in fam.param_names}
    means = np.array([[frozen(name, params, k, j).mean() for j in range(2)] for k in range(2)])
    got = np.array([[frozen(name, fitted_params, k, j).mean() for j in range(2)] for k in range(2)])
    order = aligned(got, means)
    for moment in ("mean", "std"):
        want = np.array([[getattr(frozen(name, params, k, j), moment)() for j in range(2)] for k in range(2)])
        have = np.array([[getattr(frozen(name, fitted_params, k, j), moment)() for j in range(2)] for k in order])
        np.testing.assert_allclose(have, want, rtol=0.1, err_msg=moment)
    for p in fam.free:
        np.testing.assert_allclose(fitted_params[p][order], params[p], rtol=0.3, err_msg=p)
    np.testing.assert_allclose(fit.params.weights.values[order], WEIGHTS, atol=0.04)
    assert fit.n_params == len(fam.free) * 2 * 2 + 1
    assert set(fit.params.data_vars) == {"weights", *fam.param_names}
    assert fit.params[next(iter(fam.free))].dims == ("component", "feature")


def test_round_trip_and_sampling(case):
    name, x, _, _ = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", em.ConvergenceWarning)
        fit = em.Mixture(family(name)).fit(x, max_iter=4, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    if name == "nbinom":
        draws = fit.sample(200, random_state=0).values
        assert np.all(draws >= 0) and np.all(draws == np.round(draws))


def test_spec_stores_the_name_and_the_fixed_values():
    fam = em.from_scipy(st.gamma, fixed={"loc": 0}, n_components=3, initial={"a": 2.0})
    spec = fam.spec()
    assert spec == {"kind": "scipy", "n_components": 3, "dist": "gamma", "fixed": {"loc": 0.0}, "initial": {"a": 2.0}}
    from emkit.components.registry import family_from_spec

    again = family_from_spec(spec)
    assert again.dist is st.gamma and again.fixed == {"loc": 0.0} and again.n_components == 3


def test_fixed_parameters_are_held_and_reported():
    rng = np.random.default_rng(5)
    x = st.gamma(3.0, scale=2.0).rvs(size=(400, 1), random_state=rng)
    fit = em.Mixture(em.from_scipy(st.gamma, fixed={"loc": 0.0, "a": 3.0})).fit(x, random_state=0)
    assert float(fit.params.a[0, 0]) == 3.0 and float(fit.params["loc"][0, 0]) == 0.0
    np.testing.assert_allclose(float(fit.params.scale[0, 0]), x.mean() / 3.0, rtol=1e-6)
    assert fit.n_params == 1


def test_zero_weight_component_keeps_its_parameters():
    x = simulate("gamma", 50, np.random.default_rng(0))
    fam = family("gamma").with_params(**truth("gamma"))
    resp = np.zeros((50, 2))
    resp[:, 0] = 1.0
    new = fam.m_step(fam.stats(x, resp))
    for p in fam.free:
        assert np.array_equal(new.params[p][1], fam.params[p][1])
        assert not np.array_equal(new.params[p][0], fam.params[p][0])


def test_constraints_inferred_and_overridden():
    assert em.from_scipy(st.nbinom).free == {"n": "positive", "p": "unit"}
    assert em.from_scipy(st.skewnorm).free == {"a": "real", "loc": "real", "scale": "positive"}
    assert em.from_scipy(st.nbinom, constraints={"n": "unit"}).free["n"] == "unit"
    assert em.from_scipy(st.binom, fixed={"n": 10}).free == {"p": "unit"}
    assert em.from_scipy("lognorm", fixed={"loc": 0}).dist is st.lognorm


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: em.from_scipy(st.pearsonr), TypeError, "univariate distribution"),
        (lambda: em.from_scipy(np.mean), TypeError, "univariate distribution"),
        (lambda: em.from_scipy(st.gamma(2.0)), TypeError, "not a frozen one"),
        (lambda: em.from_scipy(st.multivariate_normal), ValueError, "multivariate"),
        (lambda: em.from_scipy(st.gamma, fixed={"shape": 1}), ValueError, r"unknown parameter\(s\) \['shape'\]"),
        (lambda: em.from_scipy(st.gamma, constraints={"a": "bounded"}), ValueError, "unknown constraint"),
        (lambda: em.from_scipy(st.binom), ValueError, "integer values"),
        (lambda: em.from_scipy(st.nbinom, constraints={"loc": "real"}), ValueError, "always fixed"),
        (lambda: em.from_scipy("no_such_distribution"), ValueError, "no distribution named"),
    ],
)
def test_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "dist, fixed, bad, row",
    [
        (st.gamma, {"loc": 0.0}, [[1.0], [2.0], [-0.5]], 2),
        (st.weibull_min, {"loc": 1.0}, [[1.5], [0.5], [2.0]], 1),
        (st.nbinom, None, [[1.0], [2.5]], 1),
        (st.nbinom, None, [[-1.0], [2.0]], 0),
    ],
)
def test_data_outside_the_support_name_the_row(dist, fixed, bad, row):
    with pytest.raises(ValueError, match=f"row {row} .*outside the support of {dist.name}"):
        em.Mixture(em.from_scipy(dist, fixed=fixed)).fit(np.array(bad))


def test_free_loc_accepts_any_data():
    x = np.random.default_rng(0).normal(size=(30, 1)) - 5
    em.from_scipy(st.gamma).check_data(x)  # loc free: negative data are in reach


def test_from_dataset_rejects_invalid_values():
    fam = family("gamma")
    params = params_dataset(WEIGHTS, a=[[2.0, 1.0], [-1.0, 1.0]], scale=np.ones((2, 2)))
    with pytest.raises(ValueError, match="'a' must be positive"):
        FiniteMixture([fam]).from_dataset(params)


def test_logpdf_family_round_trip_and_errors():
    def laplace(x, loc, scale):
        return -np.log(2 * scale) - np.abs(x - loc) / scale

    declaration = {"loc": ("real", 0.0), "scale": ("positive", 1.0)}
    fam = em.from_logpdf(laplace, params=declaration, n_components=2, name="laplace")
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.laplace(-4, 1.0, (500, 1)), rng.laplace(4, 0.5, (500, 1))])
    fit = em.Mixture(fam).fit(x, random_state=0, max_iter=100)
    order = np.argsort(fit.params["loc"].values[:, 0])
    np.testing.assert_allclose(fit.params["loc"].values[order, 0], [-4, 4], atol=0.15)
    np.testing.assert_allclose(fit.params["scale"].values[order, 0], [1.0, 0.5], rtol=0.15)
    assert fit.n_params == 2 * 2 + 1
    # Same declaration + saved parameters rebuild the fit.
    again = FiniteMixture([em.from_logpdf(laplace, params=declaration, n_components=2)]).from_dataset(fit.params)
    np.testing.assert_allclose(again.families[0].log_prob(x), fit._mixture.families[0].log_prob(x))
    # Saving works, loading says why it cannot rebuild the function.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fit.nc")
        fit.to_netcdf(path)
        with pytest.raises(ValueError, match="cannot be rebuilt from a file"):
            em.load_fit(path)
    with pytest.raises(ValueError, match="unknown constraint"):
        em.from_logpdf(laplace, params={"loc": ("bounded", 0.0)})
    with pytest.raises(ValueError, match="not positive"):
        em.from_logpdf(laplace, params={"scale": ("positive", -1.0)})
    with pytest.raises(TypeError, match="callable"):
        em.from_logpdf("laplace", params=declaration)


def test_from_logpdf_samples_with_a_user_sampler():
    def laplace(x, loc, scale):
        return -np.log(2 * scale) - np.abs(x - loc) / scale

    def draw(rng, loc, scale):
        return rng.laplace(loc, scale)

    params = {"loc": ("real", 0.0), "scale": ("positive", 1.0)}
    x = np.random.default_rng(0).laplace(3.0, 2.0, size=(2000, 1))
    fit = em.Mixture(em.from_logpdf(laplace, params, sampler=draw)).fit(x, random_state=0)
    draws = fit.sample(20_000, random_state=1).values[:, 0]
    assert abs(np.median(draws) - fit.params["loc"].item()) < 0.1
    assert abs(np.mean(np.abs(draws - np.median(draws))) - fit.params["scale"].item()) < 0.1
    without = em.Mixture(em.from_logpdf(laplace, params)).fit(x, random_state=0)
    with pytest.raises(NotImplementedError, match="no sampler"):
        without.sample(5)

"""from_scipy and from_logpdf families: the weighted MLE, declarations, errors and round trips.

The conformance checks of DESIGN.md for the from_scipy families are in test_conformance_suite.py.
"""

import os
import tempfile

import numpy as np
import pytest
import scipy.stats as st
from scipy.optimize import brentq
from scipy.special import digamma

import emkit as em
from conformance import fitted, params_dataset
from emkit.latent.mixture import FiniteMixture
from test_conformance_suite import SCIPY_WEIGHTS as WEIGHTS
from test_conformance_suite import scipy_family as family
from test_conformance_suite import scipy_simulate


def test_gamma_m_step_equals_the_weighted_mle():
    """Gamma with loc 0: the weighted MLE solves log a - digamma(a) = log(mean) - mean(log x)."""
    rng = np.random.default_rng(3)
    x = scipy_simulate("gamma")(300, rng)
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

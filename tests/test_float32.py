"""float32 data: Gaussian and Student-t E-steps in float32, statistics and parameters in float64.

Tolerances follow from float32 rounding (unit roundoff u = 2^-24 ~ 6e-8):

* a whitened difference y = (x - mu) U is rounded once (the subtraction of a
  float64 reference point is done in float64 first), so each ``|y|^2`` carries
  a relative error of a few u, about 1e-7, and so do the log-densities;
* a chunk's ``sum_i r_ik y_ik y_ik^T`` is a float32 sum over the chunk's rows;
  BLAS accumulates it in blocks, so its relative error is about u times the
  square root of the block length, around 1e-6 (chunks are then summed in
  float64);
* at the maximum the log-likelihood is stationary in the parameters, so
  parameter differences of 1e-6 move it by far less than its own 1e-7
  rounding.

Hence the float32 and float64 fits of the same values must agree to 1e-6 in the
log-likelihood and 1e-4 in the means and covariances, with a margin of 10-100
over the errors above. Each comparison also requires the two fits to differ
by more than float64 rounding, so that a float32 path that silently ran in
float64 (or not at all) fails.

The one exception is the compiled one-pass E-step of a Gaussian mixture with
an axis-aligned covariance structure: its work is elementwise, so it reads the
float32 values and computes in float64, and the float32 fit must equal the
float64 one to float64 rounding.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import stats

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData
from emkit.em.driver import e_step
from emkit.latent.mixture import FiniteMixture

LL_RTOL = 1e-6
PARAM_RTOL = 1e-4
#: Differences below this could come from float64 rounding alone.
FLOAT64_NOISE = 1e-12
#: Structures whose one-pass E-step computes in float64 from float32 data: the axis-aligned ones.
FLOAT64_ONE_PASS = {"VVI", "EEI", "VII", "EII", "VEI", "EVI"}


def clusters(rng, n=6000, d=3, K=3, offset=0.0, dof=np.inf):
    """Separated, correlated Gaussian clusters (spreads about 1) as float32, the same values as float64, and labels.

    A finite ``dof`` makes them Student-t clusters with these degrees of freedom.

    Well separated, so that EM converges fast and its fixed point is well
    conditioned: rounding then moves the fitted parameters by about as much
    as it moves one iteration's statistics.
    """
    centres = 12.0 * np.eye(K, d) + rng.normal(size=(K, d))
    shapes = rng.normal(scale=0.4, size=(K, d, d)) + np.eye(d)
    labels = rng.integers(K, size=n)
    noise = np.einsum("ni,nij->nj", rng.normal(size=(n, d)), shapes[labels])
    noise *= np.sqrt(dof / rng.chisquare(dof, size=(n, 1))) if np.isfinite(dof) else 1.0
    x32 = (centres[labels] + noise + offset).astype(np.float32)
    return x32, x32.astype(np.float64), np.eye(K)[labels]


def fit_both(model, x32, x64, resp):
    """Fits of the float32 and the float64 data: 100 iterations from the same start.

    The float32 log-likelihood carries rounding of about 1e-7 relative and may
    go down by that much near convergence; the driver takes that as rounding,
    so neither fit may warn of a decrease.
    """
    options = dict(init=resp, tol=0.0, max_iter=100, chunk_size=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", em.LikelihoodDecreaseWarning)
        return model.fit(x32, **options), model.fit(x64, **options)


def relative(a, b, scale=None):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.abs(a - b).max() / (np.abs(b).max() if scale is None else scale))


def assert_float32_close(value32, value64, rtol, scale=None):
    error = relative(value32, value64, scale)
    assert error < rtol
    return error


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_float32_fit_matches_float64_fit(covariance, offset):
    # offset 1e4 with spread 1: the data keep only ~3 decimals in float32, and
    # a float32 product of uncentred data would lose the covariances entirely.
    x32, x64, resp = clusters(np.random.default_rng(0), offset=offset)
    fit32, fit64 = fit_both(em.GaussianMixture(3, covariance=covariance), x32, x64, resp)
    p32, p64 = fit32.params, fit64.params
    for p in (p32, p64):
        assert p.means.dtype == np.float64 and p.covariances.dtype == np.float64
        assert np.all(np.isfinite(p.covariances))
    ll_error = assert_float32_close(fit32.log_likelihood, fit64.log_likelihood, LL_RTOL)
    # means relative to the spread (1), not to the offset
    mean_error = assert_float32_close(p32.means, p64.means, PARAM_RTOL, scale=1.0)
    cov_error = assert_float32_close(p32.covariances, p64.covariances, PARAM_RTOL)
    if covariance in FLOAT64_ONE_PASS:
        assert max(ll_error, mean_error, cov_error) < FLOAT64_NOISE
    else:  # the float32 fit really rounded to float32 somewhere
        assert max(ll_error, mean_error, cov_error) > FLOAT64_NOISE


@pytest.mark.parametrize("one_pass", [True, False], ids=["one-pass", "per-family"])
@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
def test_float32_statistics_are_float32_products(covariance, one_pass):
    # One E-step from the same parameters: float64 results whose error is of
    # float32 size -- larger than float64 rounding, within the tolerances.
    # One Gaussian family takes the compiled one-pass E-step; two Gaussian
    # families (2 + 1 components) take the per-family blocked path (evaluate_into),
    # whose axis-aligned statistics are float64 sums as in the one-pass E-step.
    x32, x64, resp = clusters(np.random.default_rng(1), offset=1e4)
    families = [Gaussian(covariance, n_components=3)] if one_pass else [Gaussian(covariance, 2), Gaussian(covariance, 1)]
    mixture = FiniteMixture(families).fit_responsibilities(x64, resp)
    s32 = e_step(mixture, ChunkedData(x32, None, 1000))
    s64 = e_step(mixture, ChunkedData(x64, None, 1000))
    for g32, g64 in zip(s32.family_stats, s64.family_stats):
        assert g32.weight.dtype == g32.mean.dtype == g32.scatter.dtype == np.float64
        assert relative(g32.mean, g64.mean, scale=1.0) < PARAM_RTOL
        np.testing.assert_allclose(g32.weight, g64.weight, rtol=1e-5)
        if covariance in FLOAT64_ONE_PASS:
            assert relative(g32.scatter, g64.scatter) < FLOAT64_NOISE
        else:
            assert 1e-9 < relative(g32.scatter, g64.scatter) < PARAM_RTOL
    ll_error = relative(s32.log_likelihood, s64.log_likelihood)
    if covariance in FLOAT64_ONE_PASS:
        assert ll_error < FLOAT64_NOISE
    else:
        assert FLOAT64_NOISE < ll_error < LL_RTOL


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_float32_log_prob_matches_scipy(covariance, offset):
    rng = np.random.default_rng(2)
    x32, x64, resp = clusters(rng, n=500, offset=offset)
    family = FiniteMixture([Gaussian(covariance, n_components=3)]).fit_responsibilities(x64, resp).families[0]
    log_prob = family.log_prob(x32)
    assert log_prob.dtype == np.float64
    matrices = family.covariance_matrices()
    for k in range(3):
        expected = stats.multivariate_normal(family.means[k], matrices[k]).logpdf(x64)
        # Mahalanobis terms to a few float32 roundings (relative), plus the
        # normalising constant in float64
        np.testing.assert_allclose(log_prob[:, k], expected, rtol=1e-6, atol=1e-5)
    assert relative(log_prob, family.log_prob(x64)) > FLOAT64_NOISE


def test_float32_student_t_matches_float64():
    x32, x64, resp = clusters(np.random.default_rng(3), offset=1e3, dof=5.0)
    model = em.Mixture([em.StudentT("full", n_components=3)])
    fit32, fit64 = fit_both(model, x32, x64, resp)
    assert_float32_close(fit32.log_likelihood, fit64.log_likelihood, LL_RTOL)
    assert_float32_close(fit32.params.means, fit64.params.means, PARAM_RTOL, scale=1.0)
    assert_float32_close(fit32.params.scales, fit64.params.scales, PARAM_RTOL)
    assert_float32_close(fit32.params.dof, fit64.params.dof, PARAM_RTOL)


def test_mixed_families_on_float32_independent():
    # Gaussian and Poisson parts of one component: the Poisson part gets float64
    rng = np.random.default_rng(4)
    n = 2000
    labels = rng.integers(2, size=n)
    x32 = np.c_[rng.normal(size=(n, 2)) + 6.0 * labels[:, None], rng.poisson(np.where(labels, 8.0, 1.0))]
    model = em.Mixture(em.Independent({(0, 1): em.Gaussian("full"), 2: em.Poisson()}), n_components=2)
    check_mixed_fit(model, x32.astype(np.float32), np.eye(2)[labels])


def test_mixed_families_on_float32_heterogeneous():
    # a Gaussian component (float32) and a Poisson component (float64) side by side
    rng = np.random.default_rng(5)
    n = 2000
    labels = rng.integers(2, size=n)
    x32 = np.where(labels[:, None], np.round(rng.normal(40.0, 3.0, size=(n, 2))), rng.poisson(3.0, size=(n, 2)))
    model = em.Mixture([em.Gaussian("diag"), em.Poisson()])
    check_mixed_fit(model, x32.astype(np.float32), np.eye(2)[labels])


def check_mixed_fit(model, x32, resp):
    x64 = x32.astype(np.float64)
    fit32, fit64 = fit_both(model, x32, x64, resp)
    assert np.isfinite(fit32.log_likelihood)
    assert_float32_close(fit32.log_likelihood, fit64.log_likelihood, LL_RTOL)
    for name, values in fit32.params.data_vars.items():
        assert values.dtype == np.float64
        np.testing.assert_allclose(values, fit64.params[name], rtol=PARAM_RTOL, atol=PARAM_RTOL)
    assert fit32.predict_proba(x32).dtype == np.float64


def test_float32_e_step_memory_is_bounded_by_a_chunk():
    n, d, K, chunk = 60_000, 8, 8, 1000
    x32, x64, resp = clusters(np.random.default_rng(6), n=n, d=d, K=K)
    for covariance in ("full", "diag"):
        mixture = FiniteMixture([Gaussian(covariance, n_components=K)]).fit_responsibilities(x64, resp)
        data = ChunkedData(x32, None, chunk)
        e_step(mixture, data)  # warm caches (precision factors)
        tracemalloc.start()
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        e_step(mixture, data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak - before < n * K * d * 4 / 20
        assert peak - before < 8 * chunk * K * d * 8


def test_float32_input_stays_float32():
    from emkit._input import as_observations

    x = np.ones((3, 2), dtype=np.float32)
    assert as_observations(x).values.dtype == np.float32
    assert as_observations(np.asfortranarray(np.ones((3, 2), np.float32))).values.flags.c_contiguous
    assert as_observations(x.astype(np.float16)).values.dtype == np.float64
    assert as_observations(x.astype(int)).values.dtype == np.float64

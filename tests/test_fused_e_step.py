"""The compiled one-pass E-step of Gaussian mixtures against independent oracles.

The oracle takes log-densities from scipy.stats, responsibilities by
log-sum-exp and the statistics as closed-form weighted moments about the
weighted means, all in float64 from the data's values.
"""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.covariance.kernels import kernel_block_rows
from emkit.components.covariance.moments import affine_whitening
from emkit.components.gaussian import Gaussian
from emkit.components.gaussian_kernels import full_chunk
from emkit.em.chunks import ChunkedData
from emkit.em.driver import e_step
from emkit.latent.mixture import FiniteMixture

FLOAT32_RTOL = {"log_likelihood": 1e-6, "stats": 1e-4}


def oracle(mixture, x, sample_weight=None):
    """log-likelihood, ICL term, weights, means and full scatter matrices of the E-step, from scipy."""
    family = mixture.families[0]
    x = np.asarray(x, dtype=np.float64)
    covs = family.covariance_matrices()
    with np.errstate(divide="ignore"):
        joint = np.column_stack(
            [np.log(w) + stats.multivariate_normal(m, c).logpdf(x) for w, m, c in zip(mixture.weights, family.means, covs)]
        )
    density = logsumexp(joint, axis=1)
    resp = np.exp(joint - density[:, None])
    row_weight = np.ones(len(x)) if sample_weight is None else sample_weight
    class_ll = row_weight @ np.log(resp.max(axis=1))
    resp *= row_weight[:, None]
    weight = resp.sum(axis=0)
    means = resp.T @ x / np.where(weight > 0, weight, 1.0)[:, None]
    scatter = np.stack([(r[:, None] * (x - m)).T @ (x - m) for r, m in zip(resp.T, means)])
    return row_weight @ density, class_ll, weight, means, scatter


def assert_matches_oracle(result, expected, rtol):
    loglik, class_ll, weight, means, scatter = expected
    family_stats = result.family_stats[0]
    assert result.log_likelihood == pytest.approx(loglik, rel=rtol["log_likelihood"])
    assert result.classification_log_likelihood == pytest.approx(class_ll, rel=rtol["stats"], abs=1e-8)
    np.testing.assert_allclose(result.component_weight, weight, rtol=rtol["stats"])
    np.testing.assert_allclose(family_stats.weight, weight, rtol=rtol["stats"])
    spread = np.sqrt(np.abs(np.diagonal(scatter, axis1=1, axis2=2)).max() / weight.min())
    np.testing.assert_allclose(family_stats.mean, means, rtol=0, atol=rtol["stats"] * spread)
    got = family_stats.scatter
    expected_scatter = scatter if got.ndim == 3 else np.diagonal(scatter, axis1=1, axis2=2)
    np.testing.assert_allclose(got, expected_scatter, rtol=rtol["stats"], atol=rtol["stats"] * np.abs(expected_scatter).max())


def clustered(rng, n, d, K, offset=0.0):
    centres = 5.0 * rng.normal(size=(K, d))
    shapes = rng.normal(scale=0.5, size=(K, d, d)) + np.eye(d)
    labels = rng.integers(K, size=n)
    x = centres[labels] + np.einsum("ni,nij->nj", rng.normal(size=(n, d)), shapes[labels]) + offset
    return x, np.eye(K)[labels]


def perturbed_mixture(covariance, x, resp, rng):
    """A fitted mixture, moved off its fixed point so the E-step does real work."""
    mixture = FiniteMixture([Gaussian(covariance, n_components=resp.shape[1])]).fit_responsibilities(x, resp)
    family = mixture.families[0]
    means = family.means + rng.normal(scale=0.5, size=family.means.shape)
    moved = type(family)(covariance, family.n_components, means=means, _structure=family.covariance)
    return FiniteMixture([moved], weights=mixture.weights)


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_one_pass_matches_scipy_oracle(covariance, weighted):
    rng = np.random.default_rng(0)
    x, resp = clustered(rng, 3000, 4, 3)
    mixture = perturbed_mixture(covariance, x, resp, rng)
    sample_weight = rng.uniform(0.2, 3.0, size=len(x)) if weighted else None
    result = mixture.e_step(x, sample_weight)
    assert_matches_oracle(result, oracle(mixture, x, sample_weight), {"log_likelihood": 1e-12, "stats": 1e-9})


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
def test_one_pass_float32_matches_scipy_oracle(covariance):
    rng = np.random.default_rng(1)
    x, resp = clustered(rng, 3000, 4, 3, offset=1e3)
    x32 = x.astype(np.float32)
    mixture = perturbed_mixture(covariance, x32.astype(np.float64), resp, rng)
    result = mixture.e_step(x32)
    assert result.family_stats[0].scatter.dtype == np.float64
    assert_matches_oracle(result, oracle(mixture, x32), FLOAT32_RTOL)


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
def test_one_pass_equals_per_family_evaluation(covariance):
    # The same K = 3 components as one family (one compiled pass) and as two
    # families of 2 + 1 (log-densities per family, the mixture's posterior).
    rng = np.random.default_rng(2)
    x, resp = clustered(rng, 2000, 3, 3)
    one = perturbed_mixture(covariance, x, resp, rng)
    family = one.families[0]
    parts = [
        FiniteMixture([Gaussian(covariance, len(idx))]).fit_responsibilities(x, resp[:, idx]).families[0]
        for idx in ([0, 1], [2])
    ]
    split = FiniteMixture(
        [
            type(p)(covariance, p.n_components, means=family.means[idx], _structure=p.covariance._new(family.covariance.values[idx]))
            for p, idx in zip(parts, ([0, 1], [2]))
        ],
        weights=one.weights,
    )
    fused, per_family = one.e_step(x), split.e_step(x)
    assert fused.log_likelihood == pytest.approx(per_family.log_likelihood, rel=1e-12)
    assert fused.classification_log_likelihood == pytest.approx(per_family.classification_log_likelihood, rel=1e-10)
    np.testing.assert_allclose(fused.component_weight, per_family.component_weight, rtol=1e-10)
    a = fused.family_stats[0]
    b0, b1 = per_family.family_stats
    np.testing.assert_allclose(a.mean, np.concatenate([b0.mean, b1.mean]), rtol=1e-10)
    np.testing.assert_allclose(a.scatter, np.concatenate([b0.scatter, b1.scatter]), rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_chunk_of_many_blocks_equals_sum_of_its_parts(dtype):
    # A chunk longer than the kernel's block (and not a multiple of it) gives
    # the statistics of its parts added up, whatever the split.
    rng = np.random.default_rng(3)
    K, d = 4, 5
    block = kernel_block_rows(K, d)
    x, resp = clustered(rng, 3 * block + 17, d, K)
    x = x.astype(dtype)
    mixture = perturbed_mixture("VVV", x.astype(np.float64), resp, rng)
    whole = mixture.e_step(x)
    cut = block // 3
    parts = mixture.e_step(x[:cut]) + mixture.e_step(x[cut:2 * block + 5]) + mixture.e_step(x[2 * block + 5:])
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    assert whole.log_likelihood == pytest.approx(parts.log_likelihood, rel=1e-12 if dtype == np.float64 else 1e-7)
    for a, b in ((whole.family_stats[0].mean, parts.family_stats[0].mean), (whole.family_stats[0].scatter, parts.family_stats[0].scatter)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


@pytest.mark.parametrize("covariance", ["VVV", "VVI"])
def test_far_weighted_mean_is_recentred_exactly(covariance):
    # A component at 0 with unit spread whose responsibility falls on points
    # 40 spreads away, spread 0.01 among themselves: about mu_k the second
    # moment is 1600 n, the centred one 1e-4 n. Re-centring the first pass's
    # moments loses all of it in float32 (relative 6e-8 of 1600 is 1e-4); the
    # second pass about the first pass's mean recovers it.
    rng = np.random.default_rng(4)
    d = 2
    x32 = (40.0 + 0.01 * rng.normal(size=(500, d))).astype(np.float32)
    unit = em.FullCovariance(values=np.eye(d)[None]) if covariance == "VVV" else em.DiagonalCovariance(values=np.ones((1, d)))
    moved = Gaussian(covariance, 1, means=np.zeros((1, d)), _structure=unit)
    mixture = FiniteMixture([moved], weights=np.ones(1))
    result = mixture.e_step(x32)
    x = x32.astype(np.float64)
    exact = np.cov(x.T, bias=True) * len(x)
    got = result.family_stats[0].scatter[0]
    expected = exact if got.ndim == 2 else np.diagonal(exact)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())
    np.testing.assert_allclose(result.family_stats[0].mean[0], x.mean(axis=0), rtol=1e-9)
    if covariance == "VVV":
        # the first pass alone, re-centred naively, is far off: the test can fail
        cov = moved.covariance
        shift, affine, _ = affine_whitening(moved.means, cov.precision_cholesky)
        block = 512
        sums = full_chunk(
            np.ascontiguousarray(x32), shift, affine.astype(np.float32), np.zeros(1, bool), moved.means,
            np.zeros((1, d)), np.zeros(1), None, None, np.empty(0),
            np.empty((block, d + 1), np.float32), np.empty((block, d), np.float32), np.empty((1, block, d), np.float32),
        )
        weight, first, second = sums[6:]
        naive = second[0] - np.outer(first[0], first[0]) / weight[0]
        assert np.abs(naive - exact).max() > np.abs(exact).max()


@pytest.mark.parametrize("covariance", ["VVV", "EEE", "VVI"])
def test_components_far_from_the_shift_are_whitened_directly(covariance):
    # Two clusters 2e4 spreads apart: each is 1e4 spreads from the shift (the
    # mean of the means), beyond the expanded form's accuracy.
    rng = np.random.default_rng(5)
    labels = rng.integers(2, size=2000)
    x = rng.normal(size=(2000, 3)) + np.where(labels[:, None] == 0, -1e4, 1e4)
    mixture = perturbed_mixture(covariance, x, np.eye(2)[labels], rng)
    assert_matches_oracle(mixture.e_step(x), oracle(mixture, x), {"log_likelihood": 1e-12, "stats": 1e-8})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_far_from_a_component_give_no_subnormal_products(dtype):
    # Two unit components 40 apart in the first coordinate and rows spread
    # between them: the far component's responsibility for a row runs from 1
    # down to 0 through every magnitude, so some rows z = sqrt(r) (x - mu) are
    # below the square root of the smallest normal number, where z z^T is
    # subnormal (and a processor's arithmetic tens of times slower). Those
    # entries must be 0 in the whitened rows the Gram product reads, and the
    # statistics must still match the float64 oracle.
    rng = np.random.default_rng(10)
    n, d = 2000, 2
    x = np.column_stack([np.linspace(-3.0, 43.0, n), rng.normal(size=n)]).astype(dtype)
    means = np.array([[0.0, 0.0], [40.0, 0.0]])
    floor = np.sqrt(np.finfo(dtype).tiny)
    joint = np.column_stack([stats.multivariate_normal(m).logpdf(x.astype(np.float64)) for m in means])
    log_resp = joint - logsumexp(joint, axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_z = 0.5 * log_resp[:, :, None] + np.log(np.abs(x[:, None, :] - means[None]))
    subnormal_products = (log_z > np.log(np.finfo(dtype).smallest_subnormal)) & (log_z < np.log(floor))
    assert subnormal_products.sum() > 20  # the data do reach the range: the test can fail

    shift = means.mean(axis=0)
    affine = np.concatenate([np.eye(d)[None].repeat(2, axis=0), -(means - shift)[:, None, :]], axis=1)
    whitened = np.empty((2, n, d), dtype)
    full_chunk(
        x, shift, affine.astype(dtype), np.zeros(2, bool), means, np.zeros((2, d)), np.log([0.5, 0.5]) - np.log(2 * np.pi),
        None, None, np.empty(0), np.empty((n, d + 1), dtype), np.empty((n, d), dtype), whitened,
    )
    assert not np.any((whitened != 0) & (np.abs(whitened) < floor))

    unit = em.FullCovariance(values=np.eye(d)[None].repeat(2, axis=0))
    mixture = FiniteMixture([Gaussian("VVV", 2, means=means, _structure=unit)], weights=np.array([0.5, 0.5]))
    rtol = FLOAT32_RTOL if dtype == np.float32 else {"log_likelihood": 1e-12, "stats": 1e-9}
    assert_matches_oracle(mixture.e_step(x), oracle(mixture, x), rtol)


def test_zero_weight_component():
    rng = np.random.default_rng(6)
    x, resp = clustered(rng, 1000, 2, 3)
    fitted = FiniteMixture([Gaussian("VVV", 3)]).fit_responsibilities(x, resp)
    mixture = FiniteMixture(fitted.families, weights=np.array([0.5, 0.5, 0.0]))
    result = mixture.e_step(x)
    assert result.component_weight[2] == 0.0
    np.testing.assert_array_equal(result.family_stats[0].mean[2], fitted.families[0].means[2])
    loglik, _, weight, means, _ = oracle(mixture, x)
    assert result.log_likelihood == pytest.approx(loglik, rel=1e-12)
    np.testing.assert_allclose(result.family_stats[0].mean[:2], means[:2], rtol=1e-10)


@pytest.mark.parametrize("covariance", ["VVV", "VII"])
def test_non_finite_row_is_named_by_its_row_in_the_data(covariance):
    rng = np.random.default_rng(7)
    x, resp = clustered(rng, 600, 2, 2)
    mixture = FiniteMixture([Gaussian(covariance, 2)]).fit_responsibilities(x, resp)
    x[437] = 1e200  # its squared distance overflows under every component
    with pytest.raises(em.NonFiniteDensityError, match="observation 437 ") as caught:
        e_step(mixture, ChunkedData(x, None, chunk_size=200, n_workers=2))
    assert caught.value.row == 437


def test_fits_with_different_shapes_in_turn_reuse_scratch_correctly():
    # The per-thread scratch buffers are reused across chunks of other shapes
    # and types: alternating fits give the answers of fresh ones.
    rng = np.random.default_rng(8)
    data = [clustered(rng, 5000, d, K) for d, K in ((6, 4), (2, 2), (6, 4))]
    mixtures = [perturbed_mixture("VVV", x, resp, rng) for x, resp in data]
    first = [m.e_step(x).log_likelihood for m, (x, _) in zip(mixtures, data)]
    again = [m.e_step(x.astype(np.float32)).log_likelihood for m, (x, _) in zip(mixtures, data)]
    expected = [oracle(m, x)[0] for m, (x, _) in zip(mixtures, data)]
    np.testing.assert_allclose(first, expected, rtol=1e-12)
    np.testing.assert_allclose(again, expected, rtol=1e-6)


def test_blas_of_the_compiled_kernels_is_held_to_one_thread():
    # The kernels' matrix products call scipy's BLAS; chunks already run on
    # all cores, so inside a pass every BLAS library must use one thread.
    from threadpoolctl import threadpool_info

    from emkit.em.parallel import single_threaded_blas

    rng = np.random.default_rng(9)
    x, resp = clustered(rng, 500, 3, 2)
    perturbed_mixture("VVV", x, resp, rng).e_step(x)  # the kernels are loaded
    with single_threaded_blas():
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert any("scipy.libs" in pool["filepath"] or "scipy_openblas-" in pool["filepath"] for pool in blas)
        assert all(pool["num_threads"] == 1 for pool in blas)


@pytest.mark.parametrize("covariance", ["VVV", "VII"])
def test_fitted_results_pickle_after_e_steps(covariance):
    # A family caches its bound kernel after its first E-step; fits must
    # still pickle (multiprocessing, joblib, dask) and give the same answers.
    import pickle

    x = em.datasets.load("faithful")
    fit = em.GaussianMixture(2, covariance=covariance).fit(x, random_state=0)
    fit.score(x)
    again = pickle.loads(pickle.dumps(fit))
    assert again.score(x) == fit.score(x)
    np.testing.assert_array_equal(again.predict_proba(x).values, fit.predict_proba(x).values)
    stats = again.mixture.e_step(x.to_numpy())
    assert stats.log_likelihood == pytest.approx(fit.log_likelihood, rel=1e-12)


def t_oracle(mixture, x, sample_weight=None):
    """The Student-t E-step from scipy.stats.multivariate_t and closed-form u-weighted moments."""
    from scipy.special import digamma

    family = mixture.families[0]
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[1]
    scales, nu = family.scale_matrices(), family.dof
    with np.errstate(divide="ignore"):
        joint = np.column_stack(
            [
                np.log(w) + stats.multivariate_t(m, c, df=v).logpdf(x)
                for w, m, c, v in zip(mixture.weights, family.means, scales, nu)
            ]
        )
    density = logsumexp(joint, axis=1)
    row_weight = np.ones(len(x)) if sample_weight is None else sample_weight
    resp = np.exp(joint - density[:, None]) * row_weight[:, None]
    delta = np.column_stack([np.einsum("ni,ij,nj->n", x - m, np.linalg.inv(c), x - m) for m, c in zip(family.means, scales)])
    u = (nu + d) / (nu + delta)
    w = resp * u
    weight = w.sum(axis=0)
    means = w.T @ x / weight[:, None]
    scatter = np.stack([(c[:, None] * (x - m)).T @ (x - m) for c, m in zip(w.T, means)])
    half = 0.5 * (nu + d)
    dof_stat = (resp * (np.log(u) + digamma(half) - np.log(half) - u)).sum(axis=0)
    return row_weight @ density, resp.sum(axis=0), weight, means, scatter, dof_stat


def t_mixture(covariance, x, resp, dofs):
    family = em.StudentT(covariance, n_components=resp.shape[1])
    fitted = FiniteMixture([family]).fit_responsibilities(x, resp)
    start = fitted.families[0]
    return FiniteMixture([start._with(start.means, start.covariance, dofs=np.asarray(dofs, float))], weights=fitted.weights)


@pytest.mark.parametrize("covariance", COVARIANCE_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_one_pass_student_t_matches_scipy_oracle(covariance, weighted):
    rng = np.random.default_rng(10)
    x, resp = clustered(rng, 3000, 3, 3)
    x += rng.standard_t(3, size=x.shape)  # heavier tails than the clusters
    mixture = t_mixture(covariance, x, resp, [2.5, 7.0, 40.0])
    sample_weight = rng.uniform(0.2, 3.0, size=len(x)) if weighted else None
    result = mixture.e_step(x, sample_weight)
    loglik, count, weight, means, scatter, dof_stat = t_oracle(mixture, x, sample_weight)
    t_stats = result.family_stats[0]
    assert result.log_likelihood == pytest.approx(loglik, rel=1e-12)
    np.testing.assert_allclose(result.component_weight, count, rtol=1e-10)
    np.testing.assert_allclose(t_stats.weight, count, rtol=1e-10)
    np.testing.assert_allclose(t_stats.scaled.weight, weight, rtol=1e-10)
    np.testing.assert_allclose(t_stats.scaled.mean, means, rtol=1e-10, atol=1e-10)
    got = t_stats.scaled.scatter
    expected = scatter if got.ndim == 3 else np.diagonal(scatter, axis1=1, axis2=2)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    np.testing.assert_allclose(t_stats.dof_stat, dof_stat, rtol=1e-9)


@pytest.mark.parametrize("covariance", ["VVV", "VVI"])
def test_one_pass_student_t_equals_per_family_evaluation(covariance):
    # StudentT.stats of a fitted family is the per-family path (evaluate):
    # given the one-pass responsibilities it must give the same statistics.
    rng = np.random.default_rng(11)
    x, resp = clustered(rng, 2000, 3, 2)
    mixture = t_mixture(covariance, x, resp, [4.0, 12.0])
    fused = mixture.e_step(x)
    post = mixture.posterior(x)
    per_family = mixture.families[0].stats(x, post.resp)
    a = fused.family_stats[0]
    np.testing.assert_allclose(a.weight, per_family.weight, rtol=1e-10)
    np.testing.assert_allclose(a.scaled.mean, per_family.scaled.mean, rtol=1e-10)
    np.testing.assert_allclose(a.scaled.scatter, per_family.scaled.scatter, rtol=1e-9)
    np.testing.assert_allclose(a.dof_stat, per_family.dof_stat, rtol=1e-9)
    assert fused.log_likelihood == pytest.approx(post.log_density.sum(), rel=1e-12)


def test_bound_kernels_refuse_shapes_that_do_not_match_their_parameters():
    # The compiled kernels do not check bounds: the Python side must.
    kernel = em.FullCovariance(values=np.eye(2)[None].repeat(3, axis=0)).fused_kernel(np.zeros((3, 2)))
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        kernel(np.zeros((4, 3)), np.zeros(3), None, 0)
    with pytest.raises(ValueError, match=r"log_const must have shape \(3,\)"):
        kernel(x, np.zeros(8), None, 0)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(4,\)"):
        kernel(x, np.zeros(3), np.ones(3), 0)
    with pytest.raises(ValueError, match="dof must be 3 positive numbers"):
        em.DiagonalCovariance(values=np.ones((3, 2))).fused_kernel(np.zeros((3, 2)), dof=np.array([4.0]))

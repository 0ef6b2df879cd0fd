"""Conformance suite for the Gaussian family, over every covariance structure.

Every expectation is derived independently of emkit: densities from
``scipy.stats.multivariate_normal``, statistics and M-steps from
``np.average`` / ``np.cov`` with analytic weights, parameter counts from
mclust's formulas, sampling checks from the parameters' own standard errors.
"""

from __future__ import annotations

import warnings
from functools import reduce

import numpy as np
import pytest
import xarray as xr
from scipy import stats as sps

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.gaussian import Gaussian
from emkit.exceptions import LikelihoodDecreaseWarning
from emkit.latent.mixture import FiniteMixture

from oracles import MCLUST_COVARIANCE_COUNT, STRUCTURE

#: The structures with a closed-form M-step (the others: tests/test_covariance_models.py).
CLOSED_FORM = list(STRUCTURE)


def test_every_structure_is_covered():
    assert sorted(COVARIANCE_NAMES) == sorted(MCLUST_COVARIANCE_COUNT)
    assert set(CLOSED_FORM) <= set(COVARIANCE_NAMES)


# -- helpers -------------------------------------------------------------------


def random_data(seed, n=240, d=3, K=3, offset=0.0):
    """Data with a little cluster structure and random soft responsibilities."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(K, d))
    labels = rng.integers(K, size=n)
    mix = rng.normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    x = centres[labels] + rng.normal(size=(n, d)) @ mix + offset
    resp = rng.dirichlet(np.full(K, 0.7), size=n)
    return x, resp


def fitted_family(name, x, resp, reg_covar=1e-6):
    mixture = FiniteMixture([Gaussian(name, resp.shape[1], reg_covar=reg_covar)])
    return mixture.fit_responsibilities(x, resp)


def weighted_cov(x, w):
    """Weighted covariance normalised by sum(w), via numpy only."""
    return np.atleast_2d(np.cov(x, rowvar=False, aweights=w, bias=True))


def closed_form_mle(name, x, resp, reg_covar):
    """The weighted MLE of weights, means and covariances under a structure."""
    shared, shape = STRUCTURE[name]
    K, d = resp.shape[1], x.shape[1]
    nk = resp.sum(axis=0)
    weights = nk / nk.sum()
    means = np.stack([np.average(x, axis=0, weights=resp[:, k]) for k in range(K)])
    covs = np.stack([weighted_cov(x, resp[:, k]) for k in range(K)])
    if shared:
        pooled = np.einsum("k,kij->ij", nk, covs) / nk.sum()
        covs = np.repeat(pooled[None], K, axis=0)
    if shape == "diag":
        covs = np.stack([np.diag(np.diag(c)) for c in covs])
    elif shape == "spherical":
        covs = np.stack([np.mean(np.diag(c)) * np.eye(d) for c in covs])
    covs = covs + reg_covar * np.eye(d)
    return weights, means, covs


def mclust_n_params(name, K, d):
    """mclust's free-parameter count: K d means, K - 1 weights, the covariances."""
    return K * d + (K - 1) + MCLUST_COVARIANCE_COUNT[name](d, K)


def assert_stats_close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a.weight, b.weight, rtol=rtol, atol=atol)
    np.testing.assert_allclose(a.mean, b.mean, rtol=rtol, atol=atol)
    np.testing.assert_allclose(a.scatter, b.scatter, rtol=rtol, atol=atol)


def params_dataset(weights, means, covs):
    K, d = means.shape
    return xr.Dataset(
        {
            "weights": ("component", weights),
            "means": (("component", "feature"), means),
            "covariances": (("component", "feature", "feature2"), covs),
        },
        coords={"component": np.arange(K), "feature": np.arange(d), "feature2": np.arange(d)},
    )


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


# -- log-density -----------------------------------------------------------------


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_log_prob_matches_scipy(name, seed):
    x, resp = random_data(seed)
    family = fitted_family(name, x, resp).families[0]
    covs = family.covariance_matrices()
    # evaluate on fresh points too, not only the training rows
    points = np.vstack([x, np.random.default_rng(seed + 100).normal(scale=6.0, size=(50, x.shape[1]))])
    got = family.log_prob(points)
    assert got.shape == (len(points), family.n_components)
    for k in range(family.n_components):
        expected = sps.multivariate_normal(family.means[k], covs[k]).logpdf(points)
        np.testing.assert_allclose(got[:, k], expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_log_prob_one_feature(name):
    x, resp = random_data(3, d=1, K=2)
    family = fitted_family(name, x, resp).families[0]
    covs = family.covariance_matrices()
    for k in range(2):
        expected = sps.norm(family.means[k, 0], np.sqrt(covs[k, 0, 0])).logpdf(x[:, 0])
        np.testing.assert_allclose(family.log_prob(x)[:, k], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_mixture_log_likelihood_matches_scipy(name):
    """The E-step's log-likelihood is sum_i log sum_k w_k N(x_i | mu_k, Sigma_k)."""
    x, resp = random_data(4)
    mixture = fitted_family(name, x, resp)
    family = mixture.families[0]
    covs = family.covariance_matrices()
    dens = np.column_stack(
        [sps.multivariate_normal(family.means[k], covs[k]).logpdf(x) for k in range(3)]
    )
    expected = np.sum(np.logaddexp.reduce(dens + np.log(mixture.weights), axis=1))
    got = mixture.e_step(x).log_likelihood
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- chunk additivity -------------------------------------------------------------


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_stats_are_additive_over_any_split(name):
    x, resp = random_data(5, n=300, K=3)
    # Component 1 has (numerically) no responsibility in rows 40..99 and
    # exactly none in rows 100..129: those chunks carry ~zero weight for it.
    resp[40:100, 1] = 1e-250
    resp[100:130, 1] = 0.0
    resp /= resp.sum(axis=1, keepdims=True)
    family = Gaussian(name, 3)
    whole = family.stats(x, resp)

    bounds = [0, 1, 40, 100, 130, 137, 250, 299, 300]  # uneven, incl. single rows
    parts = [family.stats(x[a:b], resp[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    assert parts[2].weight[1] < 1e-240 and parts[3].weight[1] == 0.0

    orders = {
        "forward": parts,
        "reverse": parts[::-1],
        "shuffled": [parts[i] for i in np.random.default_rng(0).permutation(len(parts))],
    }
    for sequence in orders.values():
        assert_stats_close(reduce(lambda a, b: a + b, sequence), whole)
    # a tree grouping: pairs, then pairs of pairs
    level = parts
    while len(level) > 1:
        level = [level[i] + level[i + 1] if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    assert_stats_close(level[0], whole)
    # right-nested grouping a + (b + (c + ...))
    assert_stats_close(reduce(lambda acc, s: s + acc, parts[::-1]), whole)
    # the statistics of no data (an empty chunk) are an identity on both sides
    empty = family.stats(x[:0], resp[:0])
    assert_stats_close(empty + whole, whole, rtol=0, atol=0)
    assert_stats_close(whole + empty, whole, rtol=0, atol=0)


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_stats_equal_numpy_weighted_moments(name):
    x, resp = random_data(6)
    s = Gaussian(name, 3).stats(x, resp)
    for k in range(3):
        w = resp[:, k]
        np.testing.assert_allclose(s.weight[k], w.sum(), rtol=1e-13)
        np.testing.assert_allclose(s.mean[k], np.average(x, axis=0, weights=w), rtol=1e-12)
        scatter = weighted_cov(x, w) * w.sum()
        if s.scatter.ndim == 2:  # axis-aligned structures keep the diagonal only
            scatter = np.diag(scatter)
        np.testing.assert_allclose(s.scatter[k], scatter, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_chunk_merge_does_not_cancel_at_large_offset(name):
    """Mean 1e8, spread 1: raw second moments would lose every digit."""
    offset = 1e8
    rng = np.random.default_rng(7)
    n, d, K = 400, 2, 2
    x = offset + rng.normal(size=(n, d)) @ np.array([[1.0, 0.3], [0.0, 0.8]])
    centred = x - offset  # exact (Sterbenz), so this is the data the test reasons about
    resp = rng.dirichlet(np.ones(K), size=n)
    family = Gaussian(name, K)
    bounds = [0, 3, 90, 91, 250, 400]
    merged = reduce(
        lambda a, b: a + b, [family.stats(x[a:b], resp[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    )
    for k in range(K):
        w = resp[:, k]
        expected_scatter = weighted_cov(centred, w) * w.sum()
        if merged.scatter.ndim == 2:
            expected_scatter = np.diag(expected_scatter)
        # the data are only given to ulp(1e8) ~ 1.5e-8, so 1e-6 relative is
        # "no cancellation"; raw moments would be off by O(1) or worse.
        np.testing.assert_allclose(merged.scatter[k], expected_scatter, rtol=1e-6)
        np.testing.assert_allclose(merged.mean[k] - offset, np.average(centred, axis=0, weights=w), atol=1e-6)


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
@pytest.mark.parametrize("offset", [0.0, 1e8])
def test_e_step_stats_are_additive_and_match_numpy(name, offset):
    """The E-step's statistics (the path EM uses) against independent moments.

    Responsibilities are recomputed here with scipy; the chunks are uneven
    and summed in a shuffled order.
    """
    x, resp = random_data(16, n=300, offset=offset)
    centred = x - offset  # exact
    mixture = fitted_family(name, x, resp)
    family = mixture.families[0]
    covs = family.covariance_matrices()
    joint = np.column_stack(
        [
            np.log(mixture.weights[k]) + sps.multivariate_normal(family.means[k] - offset, covs[k]).logpdf(centred)
            for k in range(3)
        ]
    )
    log_density = np.logaddexp.reduce(joint, axis=1)
    post = np.exp(joint - log_density[:, None])

    bounds = [0, 1, 2, 77, 150, 151, 299, 300]
    parts = [mixture.e_step(x[a:b], offset=a) for a, b in zip(bounds[:-1], bounds[1:])]
    order = np.random.default_rng(17).permutation(len(parts))
    total = reduce(lambda a, b: a + b, [parts[i] for i in order])
    whole = mixture.e_step(x)

    # at offset 1e8 the data carry ~1.5e-8 absolute precision, so compare at that level
    rtol = 1e-10 if offset == 0 else 1e-6
    np.testing.assert_allclose(total.log_likelihood, log_density.sum(), rtol=rtol)
    np.testing.assert_allclose(whole.log_likelihood, log_density.sum(), rtol=rtol)
    np.testing.assert_allclose(total.component_weight, post.sum(axis=0), rtol=rtol)
    for got in (total.family_stats[0], whole.family_stats[0]):
        for k in range(3):
            w = post[:, k]
            np.testing.assert_allclose(got.weight[k], w.sum(), rtol=rtol)
            np.testing.assert_allclose(got.mean[k] - offset, np.average(centred, axis=0, weights=w),
                                       rtol=rtol, atol=1e-10 if offset == 0 else 1e-7)
            scatter = weighted_cov(centred, w) * w.sum()
            if got.scatter.ndim == 2:
                scatter = np.diag(scatter)
            np.testing.assert_allclose(got.scatter[k], scatter, rtol=rtol, atol=1e-9 * np.abs(scatter).max())


def one_step_from(name, init_mean, init_sd):
    """One component, so every responsibility is 1 whatever the parameters.

    Data N(1e8, ~1); after one EM step from any start the parameters must be
    the data's mean and covariance (plus reg_covar), as computed by numpy on
    the exactly centred data.
    """
    rng = np.random.default_rng(18)
    offset = 1e8
    x = offset + rng.normal(size=(1000, 2)) @ np.array([[1.0, 0.2], [0.0, 0.9]])
    init = params_dataset(np.array([1.0]), np.full((1, 2), init_mean), init_sd**2 * np.eye(2)[None])
    fit = em.GaussianMixture(1, covariance=name).fit(x, init=init, max_iter=1, tol=0)
    _, expected_means, expected = closed_form_mle(name, x - offset, np.ones((len(x), 1)), 1e-6)
    np.testing.assert_allclose(fit.params.means.values - offset, expected_means, atol=1e-6)
    np.testing.assert_allclose(fit.params.covariances.values, expected, rtol=1e-6)


@pytest.mark.parametrize("name", CLOSED_FORM)
@pytest.mark.parametrize(("init_mean", "init_sd"), [(0.0, 1.0), (1e8 + 10.0, 1e3), (1e8, 1e6)])
def test_e_step_stats_do_not_cancel_when_current_mean_is_far(name, init_mean, init_sd):
    """Start 1e8 (or 1e4 spreads) away from the data: no cancellation in the scatter.

    (0, 1) failed at 5620c99 (DegenerateComponentError for every structure).
    """
    one_step_from(name, init_mean, init_sd)


@pytest.mark.filterwarnings("ignore::emkit.LikelihoodDecreaseWarning")  # a symptom of the same bug
@pytest.mark.parametrize("name", CLOSED_FORM)
def test_e_step_stats_do_not_cancel_from_a_vague_far_start(name):
    """Mean 1e8 away but covariance (1e8)^2: whitened offset ~1, data spread ~1e-8 whitened."""
    one_step_from(name, 0.0, 1e8)


# -- sample weights -------------------------------------------------------------------


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_integer_sample_weights_equal_repeated_rows(name, faithful):
    X = faithful.to_numpy()
    w = np.random.default_rng(8).integers(0, 4, size=len(X))
    assert (w == 0).any() and (w > 1).any()
    model = em.GaussianMixture(3, covariance=name)
    start = model.fit(X, max_iter=2, tol=0, random_state=0).params
    kwargs = dict(init=start, tol=0, max_iter=15)
    weighted = model.fit(X, sample_weight=w, chunk_size=50, **kwargs)
    repeated = model.fit(np.repeat(X, w, axis=0), **kwargs)
    for var in ("weights", "means", "covariances"):
        np.testing.assert_allclose(weighted.params[var], repeated.params[var], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.log_likelihood, repeated.log_likelihood, rtol=1e-12)
    np.testing.assert_allclose(
        weighted.trace.log_likelihood.values, repeated.trace.log_likelihood.values, rtol=1e-12
    )
    assert weighted.n_obs == repeated.n_obs == w.sum()
    np.testing.assert_allclose(weighted.bic(), repeated.bic(), rtol=1e-12)


# -- M-step --------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLOSED_FORM)
@pytest.mark.parametrize("reg_covar", [0.0, 1e-6, 0.25])
def test_m_step_is_closed_form_weighted_mle(name, reg_covar):
    x, resp = random_data(9)
    mixture = fitted_family(name, x, resp, reg_covar)
    family = mixture.families[0]
    weights, means, covs = closed_form_mle(name, x, resp, reg_covar)
    np.testing.assert_allclose(mixture.weights, weights, rtol=1e-13)
    np.testing.assert_allclose(family.means, means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(family.covariance_matrices(), covs, rtol=1e-11, atol=1e-12)
    # the same through the family-level API: stats -> m_step
    direct = Gaussian(name, 3, reg_covar=reg_covar).m_step(Gaussian(name, 3).stats(x, resp))
    np.testing.assert_allclose(direct.covariance_matrices(), covs, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_m_step_maximises_expected_log_likelihood(name):
    """Q(theta) = sum_ik r_ik (log w_k + log N(x_i | theta_k)) is largest at the M-step.

    Checked numerically with scipy densities against random perturbations that
    stay inside the structure (so a wrong projection, e.g. mean of the diagonal
    versus something else, would be caught independently of the formulas above).
    """
    x, resp = random_data(10, n=150, d=2, K=2)
    mixture = fitted_family(name, x, resp, reg_covar=0.0)
    family = mixture.families[0]
    shared, shape = STRUCTURE[name]

    def q(weights, means, covs):
        total = 0.0
        for k in range(2):
            total += resp[:, k] @ (np.log(weights[k]) + sps.multivariate_normal(means[k], covs[k]).logpdf(x))
        return total

    best = q(mixture.weights, family.means, family.covariance_matrices())
    rng = np.random.default_rng(11)
    for _ in range(40):
        weights = mixture.weights + rng.normal(scale=0.02) * np.array([1.0, -1.0])
        means = family.means + rng.normal(scale=0.05, size=family.means.shape)
        covs = family.covariance_matrices().copy()
        if shape == "full":
            noise = rng.normal(scale=0.05, size=(1 if shared else 2, 2, 2))
            covs = covs + (noise + noise.transpose(0, 2, 1)) / 2
        elif shape == "diag":
            scale = np.exp(rng.normal(scale=0.05, size=(1 if shared else 2, 2)))
            covs = covs * (scale[:, :, None] * np.eye(2))  # stays diagonal
        else:
            covs = covs * np.exp(rng.normal(scale=0.05, size=(1 if shared else 2, 1, 1)))
        assert q(weights, means, covs) < best


# -- monotone log-likelihood ------------------------------------------------------------


def simulated_3d(seed, n=400):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [3.0, 1.0, -1.0], [-1.0, 4.0, 2.0]])
    labels = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    noise = rng.normal(size=(n, 3)) * rng.uniform(0.5, 1.5, size=(3, 3))[labels]
    return centres[labels] + noise


def assert_monotone(fit, n_init, max_iter):
    ll = fit.trace.log_likelihood.values
    assert ll.shape == (n_init, max_iter + 1)
    assert np.all(np.isfinite(ll)), "a restart failed"
    steps = np.diff(ll, axis=1)
    allowed = 1e-10 * np.abs(ll[:, :-1])
    worst = np.max(-steps - allowed)
    assert np.all(steps >= -allowed), f"log-likelihood decreased (by up to {worst:.3g} beyond rounding)"
    # the kept restart is the best one and its final value is the reported one
    assert fit.log_likelihood == ll[fit.best_restart, -1] == np.max(ll[:, -1])


@pytest.mark.parametrize("name", CLOSED_FORM)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dataset", ["faithful", "sim3d"])
def test_log_likelihood_never_decreases(name, seed, dataset, faithful):
    X = faithful if dataset == "faithful" else simulated_3d(seed)
    init = ["kmeans++", "random", "random_from_data"][seed]
    n_init, max_iter = 3, 30
    with warnings.catch_warnings():
        warnings.simplefilter("error", LikelihoodDecreaseWarning)
        fit = em.GaussianMixture(3, covariance=name).fit(
            X, n_init=n_init, init=init, tol=0, max_iter=max_iter, random_state=seed
        )
    assert_monotone(fit, n_init, max_iter)
    # the run must have actually moved, or the check says nothing
    ll = fit.trace.log_likelihood.values
    assert np.all(ll[:, -1] > ll[:, 0])


# -- parameter counts -------------------------------------------------------------------


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
@pytest.mark.parametrize(("K", "d"), [(1, 1), (3, 2), (2, 4), (5, 3)])
def test_n_params_matches_mclust(name, K, d):
    rng = np.random.default_rng(12)
    x = rng.normal(size=(50, d))
    resp = rng.dirichlet(np.ones(K), size=50)
    mixture = fitted_family(name, x, resp)
    expected = mclust_n_params(name, K, d)
    assert mixture.n_params() == expected
    assert mixture.families[0].n_params() == expected - (K - 1)


def test_n_params_examples_and_bic(faithful):
    # worked example of the formula: EEE, K=3, d=2 -> 3*2 means + 2 weights + 3 covariance
    assert mclust_n_params("EEE", 3, 2) == 3 * 2 + 2 + 3 == 11
    for name in COVARIANCE_NAMES:
        fit = em.GaussianMixture(3, covariance=name).fit(faithful, random_state=0)
        assert fit.n_params == mclust_n_params(name, 3, 2)
        n = len(faithful)
        np.testing.assert_allclose(fit.bic(), -2 * fit.log_likelihood + fit.n_params * np.log(n), rtol=1e-14)


# -- sampling --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COVARIANCE_NAMES)
def test_samples_have_component_moments(name):
    x, resp = random_data(13)
    mixture = fitted_family(name, x, resp)
    family = mixture.families[0]
    covs = family.covariance_matrices()
    rng = np.random.default_rng(14)
    n = 60000
    component = rng.integers(3, size=n)  # interleaved labels exercise the indexing
    draws = family.sample(component, rng)
    assert draws.shape == (n, x.shape[1])
    for k in range(3):
        rows = draws[component == k]
        m = len(rows)
        sigma = covs[k]
        mean_se = np.sqrt(np.diag(sigma) / m)
        assert np.all(np.abs(rows.mean(axis=0) - family.means[k]) < 5 * mean_se)
        cov_se = np.sqrt((np.outer(np.diag(sigma), np.diag(sigma)) + sigma**2) / m)
        assert np.all(np.abs(np.cov(rows, rowvar=False) - sigma) < 5 * cov_se)


@pytest.mark.parametrize("name", ["VVV", "EII"])
def test_mixture_sample_label_frequencies(name):
    x, resp = random_data(15)
    mixture = fitted_family(name, x, resp)
    n = 50000
    draws, labels = mixture.sample(n, np.random.default_rng(16))
    assert draws.shape == (n, x.shape[1])
    freq = np.bincount(labels, minlength=3) / n
    se = np.sqrt(mixture.weights * (1 - mixture.weights) / n)
    assert np.all(np.abs(freq - mixture.weights) < 5 * se)
    # rows drawn for component k follow component k
    family = mixture.families[0]
    for k in range(3):
        rows = draws[labels == k]
        se = np.sqrt(np.diag(family.covariance_matrices()[k]) / len(rows))
        assert np.all(np.abs(rows.mean(axis=0) - family.means[k]) < 5 * se)

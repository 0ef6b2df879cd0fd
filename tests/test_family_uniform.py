"""Uniform (noise) family: density, bounds from chunks, Gaussians + noise, round trip."""

import numpy as np
import pytest
from scipy import stats

import emkit as em
from conformance import (
    aligned, check_chunk_additivity, check_integer_weights, check_monotone, check_round_trip, check_sample_shape, fitted,
)

MEANS = np.array([[0.0, 0.0], [6.0, 6.0]])


def clusters_and_noise(rng, n=300, n_noise=60):
    x = np.concatenate([rng.normal(MEANS[0], 0.6, (n, 2)), rng.normal(MEANS[1], 0.6, (n, 2))])
    noise = rng.uniform(-6, 12, (n_noise, 2))
    return np.concatenate([x, noise]), np.r_[np.zeros(n), np.ones(n), np.full(n_noise, 2)].astype(int)


def test_density_matches_scipy_uniform_inside_and_zero_outside():
    rng = np.random.default_rng(0)
    x = rng.uniform([-1.0, 2.0, 0.0], [3.0, 5.0, 0.5], size=(200, 3))
    fam = fitted(em.Uniform(), x, np.ones((200, 1)))
    lo, hi = x.min(axis=0), x.max(axis=0)
    expected = stats.uniform(lo, hi - lo).logpdf(x).sum(axis=1)
    np.testing.assert_allclose(fam.log_prob(x)[:, 0], expected, rtol=1e-12)
    outside = np.array([[lo[0] - 1e-9, x[0, 1], x[0, 2]], [x[0, 0], hi[1] + 1.0, x[0, 2]]])
    assert np.all(fam.log_prob(outside) == -np.inf)
    assert fam.n_params() == 1


def test_expand_enlarges_the_box():
    x = np.array([[0.0, 0.0], [2.0, 4.0]])
    fam = fitted(em.Uniform(expand=0.25), x, np.ones((2, 1)))
    np.testing.assert_allclose(fam.params["lower"], [[-0.5, -1.0]])
    np.testing.assert_allclose(fam.params["upper"], [[2.5, 5.0]])
    np.testing.assert_allclose(fam.log_prob(x)[:, 0], -np.log(3.0 * 6.0))


def test_bounds_from_chunks_whatever_the_responsibilities():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(101, 2))
    resp = np.zeros((101, 1))
    resp[:10] = 1.0  # hard assignment of a few rows: the box is still the data's
    template = em.Uniform()
    total = template.stats(x[:7], resp[:7]) + template.stats(x[7:50], resp[7:50]) + template.stats(x[50:], resp[50:])
    fam = template.m_step(total)
    np.testing.assert_array_equal(fam.params["lower"][0], x.min(axis=0))
    np.testing.assert_array_equal(fam.params["upper"][0], x.max(axis=0))
    empty = template.stats(x[:0], resp[:0])
    assert (empty + total).lower.tolist() == total.lower.tolist()
    check_chunk_additivity(template, x, rng.random((101, 1)))


def test_box_is_held_fixed_after_the_first_m_step():
    x = np.array([[0.0, 0.0], [1.0, 2.0]])
    fam = fitted(em.Uniform(), x, np.ones((2, 1)))
    wider = np.array([[-5.0, -5.0], [5.0, 5.0]])
    again = fam.m_step(fam.stats(wider, np.ones((2, 1))))
    np.testing.assert_array_equal(again.params["lower"], fam.params["lower"])
    np.testing.assert_array_equal(again.params["upper"], fam.params["upper"])


def test_gaussians_plus_noise_recover_the_clusters_and_flag_the_noise():
    rng = np.random.default_rng(2)
    x, truth = clusters_and_noise(rng)
    model = em.Mixture([em.Gaussian("full"), em.Gaussian("full"), em.Uniform()])
    fit = model.fit(x, n_init=3, random_state=0)
    means = fit.params.means.values[:2]
    order = aligned(means, MEANS)
    np.testing.assert_allclose(means[order], MEANS, atol=0.15)
    cov = fit.params.covariances.values[:2][order]
    np.testing.assert_allclose(cov, np.broadcast_to(0.36 * np.eye(2), cov.shape), atol=0.1)
    proba = fit.predict_proba(x).values
    noise_proba = proba[:, 2]
    # Noise points far from both clusters go to the uniform; cluster points do not.
    far = (truth == 2) & (np.min(np.linalg.norm(x[:, None, :] - MEANS[None], axis=2), axis=1) > 3.0)
    assert far.sum() > 30
    assert np.all(noise_proba[far] > 0.99)
    assert np.mean(noise_proba[truth < 2] < 0.5) > 0.98
    np.testing.assert_allclose(fit.params.weights.values[2], 60 / 660, atol=0.03)
    assert fit.n_params == 2 + 2 * (2 + 3) + 1


def test_log_likelihood_monotone_with_noise():
    rng = np.random.default_rng(3)
    x, _ = clusters_and_noise(rng, n=150, n_noise=30)
    check_monotone(em.Mixture([em.Gaussian("full"), em.Gaussian("full"), em.Uniform()]), x)


def test_round_trip_and_sampling():
    rng = np.random.default_rng(4)
    x, _ = clusters_and_noise(rng, n=150, n_noise=30)
    fit = em.Mixture([em.Gaussian("diag"), em.Gaussian("diag"), em.Uniform()]).fit(x, random_state=0)
    check_round_trip(fit, x)
    check_sample_shape(fit)
    draws = fit.sample(5000, random_state=1)
    noise = draws.values[draws.component.values == 2]
    assert np.all(noise >= x.min(axis=0)) and np.all(noise <= x.max(axis=0))


def test_invalid_declarations_and_data():
    with pytest.raises(ValueError, match="one component"):
        em.Uniform(n_components=2)
    with pytest.raises(ValueError, match="expand"):
        em.Uniform(expand=-1.0)
    x = np.column_stack([np.arange(10.0), np.ones(10)])
    with pytest.raises(ValueError, match="feature 1 is constant"):
        em.Mixture([em.Gaussian("diag"), em.Uniform()]).fit(x)


def test_a_zero_weight_outlier_leaves_the_box_as_if_the_row_were_dropped():
    rng = np.random.default_rng(5)
    x, _ = clusters_and_noise(rng, n=150, n_noise=30)
    with_outlier = np.vstack([x[:100], [[100.0, 100.0]], x[100:]])
    weights = np.ones(len(with_outlier))
    weights[100] = 0.0
    model = em.Mixture([em.Gaussian("full"), em.Gaussian("full"), em.Uniform()])
    weighted = model.fit(with_outlier, sample_weight=weights, random_state=0)
    dropped = model.fit(x, random_state=0)
    np.testing.assert_array_equal(weighted.params.upper.values[2], x.max(axis=0))
    np.testing.assert_array_equal(weighted.params.lower.values[2], x.min(axis=0))
    for name in ("weights", "means", "covariances", "lower", "upper"):
        np.testing.assert_allclose(weighted.params[name], dropped.params[name], rtol=1e-10, err_msg=name)
    np.testing.assert_allclose(weighted.log_likelihood, dropped.log_likelihood, rtol=1e-12)


def test_integer_weights_equal_repeated_rows_with_noise():
    rng = np.random.default_rng(6)
    x, truth = clusters_and_noise(rng, n=60, n_noise=20)
    x[0] = [40.0, -40.0]  # an outlier of weight 0 would set the box if it counted
    weights = rng.integers(1, 4, size=len(x))
    weights[0] = 0
    init = np.eye(3)[truth]  # a hard partition: most rows have no responsibility for the uniform
    model = em.Mixture([em.Gaussian("full"), em.Gaussian("full"), em.Uniform()])
    check_integer_weights(model, x, weights, init)

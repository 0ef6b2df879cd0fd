"""Clear, early errors: data too large for float64 moments; a user log-density of the wrong shape."""

import numpy as np
import pytest

import emkit as em


def test_data_scaled_by_1e300_is_named_as_an_overflow_not_as_too_few_points():
    X = em.datasets.load("faithful") * 1e300
    with pytest.raises(ValueError, match=r"too large to compute with: feature 1 spans 5.3e\+301.*divide by about 1e\+301"):
        em.GaussianMixture(2).fit(X, random_state=0)
    with pytest.raises(ValueError, match="too large to compute with"):
        em.Mixture(em.StudentT(), n_components=2).fit(X, random_state=0)


def test_data_scaled_by_1e150_still_fit_like_the_unscaled_data():
    X = em.datasets.load("faithful")
    scaled = em.GaussianMixture(2).fit(X * 1e150, random_state=0)
    plain = em.GaussianMixture(2).fit(X, random_state=0)
    np.testing.assert_allclose(scaled.params.means.values, plain.params.means.values * 1e150, rtol=1e-3)  # reg_covar differs in effect


def summed_over_features(x, rate):
    return np.sum(np.log(rate) - rate * x, axis=-1)


def scalar_total(x, rate):
    return float(np.sum(np.log(rate) - rate * x))


@pytest.mark.parametrize("logpdf", [summed_over_features, scalar_total])
def test_a_log_density_of_the_wrong_shape_is_named_with_the_expected_shape(logpdf):
    x = np.random.default_rng(0).exponential(2.0, size=(200, 2))
    family = em.from_logpdf(logpdf, params={"rate": ("positive", 1.0)}, n_components=2)
    message = rf"from_logpdf function '{logpdf.__name__}' returned shape .*, expected \(200, 2, 2\)"
    with pytest.raises(TypeError, match=message):
        em.Mixture(family).fit(x, random_state=0)

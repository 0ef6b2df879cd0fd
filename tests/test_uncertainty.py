"""Standard errors from the observed information."""

import numpy as np
import pandas as pd
import pytest

import emkit as em
from emkit.diagnostics.uncertainty import free_parameters, with_free_parameters


def test_single_gaussian_matches_closed_form_standard_errors():
    # For one Gaussian the MLE's asymptotic SEs are sigma_j / sqrt(n) for the means and
    # sqrt(2 / n) sigma^2 for a 1-d variance, evaluated at the estimate.
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 1))
    fit = em.GaussianMixture(1, reg_covar=0.0).fit(x)
    table = em.summary(fit, x)
    var = fit.params.covariances.item()
    assert table.loc["means[0, 0]", "std_error"] == pytest.approx(np.sqrt(var / 500), rel=1e-4)
    assert table.loc["covariances[0, 0, 0]", "std_error"] == pytest.approx(np.sqrt(2 / 500) * var, rel=1e-4)
    assert np.isnan(table.loc["weights[0]", "std_error"])  # a single weight is fixed at 1


def test_single_poisson_matches_closed_form():
    x = np.random.default_rng(1).poisson(4.0, size=(800, 2)).astype(float)
    fit = em.Mixture(em.Poisson(), 1).fit(x)
    table = em.summary(fit, x)
    for j in range(2):
        rate = fit.params.rate.values[0, j]
        assert table.loc[f"rate[0, {j}]", "std_error"] == pytest.approx(np.sqrt(rate / 800), rel=1e-4)


def test_standard_errors_agree_with_a_parametric_bootstrap():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0.0, 1.0, (600, 1)), rng.normal(4.0, 1.5, (900, 1))])
    fit = em.GaussianMixture(2).fit(x, n_init=3, random_state=0)
    table = em.summary(fit, x)
    boot = em.bootstrap(fit, x, n_boot=150, kind="parametric", random_state=3)
    spread = pd.Series(
        {
            "weights[0]": boot.weights.isel(component=0).std().item(),
            "means[0, 0]": boot.means.isel(component=0, feature=0).std().item(),
            "means[1, 0]": boot.means.isel(component=1, feature=0).std().item(),
            "covariances[1, 0, 0]": boot.covariances.isel(component=1, feature=0, feature2=0).std().item(),
        }
    )
    # the spread of 150 replicates has a relative sampling error of about 6%
    ratio = table.loc[spread.index, "std_error"] / spread
    assert ratio.between(0.75, 1.33).all(), ratio


def test_intervals_and_levels():
    X = em.datasets.load("faithful")
    fit = em.GaussianMixture(2).fit(X, random_state=0)
    narrow, wide = em.summary(fit, X, level=0.5), em.summary(fit, X, level=0.99)
    assert (wide.upper - wide.lower >= narrow.upper - narrow.lower).all()
    np.testing.assert_allclose((wide.upper + wide.lower) / 2, wide.estimate)
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        em.summary(fit, X, level=95)
    with pytest.raises(ValueError, match="use em.bootstrap"):
        em.summary(fit, X, max_params=3)


FAMILIES = {
    "gaussian-VVV": lambda: em.Gaussian("VVV"),
    "gaussian-EEE": lambda: em.Gaussian("EEE"),
    "gaussian-VII": lambda: em.Gaussian("VII"),
    "student-t": lambda: em.StudentT("VVI"),
    "poisson": em.Poisson,
    "exponential": em.Exponential,
    "gamma": em.Gamma,
    "lognormal": em.LogNormal,
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_free_parameters_count_is_n_params_and_round_trips(name):
    rng = np.random.default_rng(4)
    x = rng.gamma(3.0, 1.0, size=(200, 2)) + 0.1
    if name == "poisson":
        x = np.round(x)
    fit = em.Mixture(FAMILIES[name](), 2).fit(x, random_state=0)
    theta = free_parameters(fit.mixture)
    assert theta.size == fit.n_params
    again = with_free_parameters(fit.mixture, theta)
    np.testing.assert_allclose(again.log_joint(x), fit.mixture.log_joint(x), rtol=1e-12)


def test_categorical_free_parameters_keep_probabilities_summing_to_one():
    x = np.random.default_rng(5).integers(0, 3, size=(300, 2)).astype(float)
    fit = em.Mixture(em.Categorical(), 2).fit(x, init="random", random_state=0)
    theta = free_parameters(fit.mixture)
    assert theta.size == fit.n_params
    moved = with_free_parameters(fit.mixture, theta + 0.01)
    np.testing.assert_allclose(np.nansum(moved.families[0].params["probs"], axis=2), 1.0)

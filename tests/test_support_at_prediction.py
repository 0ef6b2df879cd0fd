"""Data outside a family's support are refused by every method of a fitted result, as at fit time."""

import dask.array as da
import numpy as np
import pytest
import scipy.stats

import emkit as em

rng = np.random.default_rng(0)

# family, training data, a bad value, the error message (as at fit time)
CASES = {
    "Bernoulli": (
        em.Bernoulli(), rng.integers(0, 2, (60, 2)), [2.0, 0.0],
        r"Bernoulli components need binary data \(values 0 or 1\); row 1 is \[2.0, 0.0\]",
    ),
    "Bernoulli fraction": (
        em.Bernoulli(), rng.integers(0, 2, (60, 2)), [0.5, 1.0],
        r"Bernoulli components need binary data \(values 0 or 1\); row 1 is \[0.5, 1.0\]",
    ),
    "Poisson": (
        em.Poisson(), rng.poisson(3.0, (60, 1)), [1.5],
        r"Poisson components need non-negative integer counts; row 1 is \[1.5\]",
    ),
    "Poisson negative": (
        em.Poisson(), rng.poisson(3.0, (60, 1)), [-1.0],
        r"Poisson components need non-negative integer counts; row 1 is \[-1.0\]",
    ),
    "Exponential": (
        em.Exponential(), rng.exponential(2.0, (60, 1)), [-1.0],
        r"exponential components need finite non-negative data; row 1 is \[-1.0\]",
    ),
    "Gamma": (
        em.Gamma(), rng.gamma(2.0, 1.0, (60, 1)), [0.0],
        r"gamma components need finite positive data; row 1 is \[0.0\]",
    ),
    "LogNormal": (
        em.LogNormal(), rng.lognormal(0.0, 1.0, (60, 1)), [-2.0],
        r"log-normal components need finite positive data; row 1 is \[-2.0\]",
    ),
    "VonMises": (
        em.VonMises(), rng.vonmises(0.0, 2.0, (60, 1)), [90.0],
        r"von Mises components need finite angles in radians .*; row 1 is \[90.0\]",
    ),
    "scipy nbinom": (
        em.from_scipy(scipy.stats.nbinom, fixed={"n": 3}), rng.poisson(3.0, (60, 1)), [2.5],
        r"row 1 \(\[2.5\]\) lies outside the support of nbinom",
    ),
}

METHODS = {
    "predict": lambda fit, X: fit.predict(X),
    "predict_proba": lambda fit, X: fit.predict_proba(X),
    "score": lambda fit, X: fit.score(X),
    "score_samples": lambda fit, X: fit.score_samples(X),
    "summary": lambda fit, X: em.summary(fit, X),
    "report": lambda fit, X: em.report(fit, X, n_draws=2),
    "bootstrap": lambda fit, X: em.bootstrap(fit, X, n_boot=1, progress=False),
    "to_inference_data": lambda fit, X: fit.to_inference_data(X, n_draws=1),
    "compute_predictive": lambda fit, X: em.plot.compute_predictive(fit, X, n_draws=10, random_state=0),
}


@pytest.fixture(scope="module")
def fits():
    return {name: em.Mixture(family).fit(x.astype(float), random_state=0) for name, (family, x, _, _) in CASES.items()}


def with_bad_row(x, bad):
    return np.vstack([x[:1], [bad], x[1:5]]).astype(float)


@pytest.mark.parametrize("case", CASES)
def test_scores_outside_the_support_are_refused_with_the_fit_time_message(fits, case):
    family, x, bad, message = CASES[case]
    data = with_bad_row(x, bad)
    with pytest.raises(ValueError, match=message):
        em.Mixture(family).fit(data)
    with pytest.raises(ValueError, match=message):
        fits[case].score_samples(data)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", ["Bernoulli", "Poisson", "Exponential"])
def test_every_method_taking_data_checks_the_support(fits, case, method):
    _, x, bad, message = CASES[case]
    with pytest.raises(ValueError, match=message):
        METHODS[method](fits[case], with_bad_row(x, bad))


def test_partial_fit_checks_the_support():
    counts = rng.poisson(3.0, (200, 1)).astype(float)
    fit = em.Mixture(em.Poisson()).fit_online(np.array_split(counts, 4), random_state=0)
    with pytest.raises(ValueError, match=r"Poisson components need non-negative integer counts; row 1 is \[1.5\]"):
        fit.partial_fit(with_bad_row(counts, [1.5]))


def test_lazy_predictions_check_each_block_when_computed(fits):
    _, x, bad, _ = CASES["Poisson"]
    data = da.from_array(np.vstack([x[:4], [bad], x[4:8]]).astype(float), chunks=3)
    labels = fits["Poisson"].predict(data)  # lazy: nothing is read yet
    with pytest.raises(ValueError, match=r"row 1 is \[1.5\] \(rows counted from row 3, where this block starts\)"):
        labels.compute()
    with_nan = da.from_array(np.vstack([x[:4], [np.nan], x[4:8]]).astype(float), chunks=3)
    with pytest.raises(ValueError, match=r"X contains NaN values in 1 row\(s\) \[4\]"):
        fits["Poisson"].score_samples(with_nan).compute()


# -- fit-time requirements are not support: fitted models evaluate any rows -----------------------


def test_a_fitted_noise_component_scores_a_single_row():
    faithful = em.datasets.load("faithful").to_numpy()
    noise = rng.uniform(faithful.min(axis=0), faithful.max(axis=0), size=(30, 2))
    x = np.vstack([faithful, noise])
    fit = em.Mixture([em.Gaussian("full", 2), em.Uniform()]).fit(x, random_state=0)
    weights = fit.params.weights.values
    lower, upper = fit.params.lower.values[2], fit.params.upper.values[2]
    p = fit.params
    gaussian = [
        weights[k] * scipy.stats.multivariate_normal(p.means.values[k], p.covariances.values[k]).pdf(x[0])
        for k in (0, 1)
    ]
    expected = np.log(sum(gaussian) + weights[2] / np.prod(upper - lower))
    assert fit.score_samples(x[:1]).item() == pytest.approx(expected, rel=1e-10)


def test_a_fitted_regression_scores_fewer_rows_than_its_terms():
    x = rng.normal(size=(200, 1))
    data = np.hstack([x, 1.0 + 2.0 * x + rng.normal(size=(200, 1))])
    fit = em.Mixture(em.Regression(1, [0])).fit(data, random_state=0)
    coef, sigma = fit.params.coefficients.values[0], fit.params.sigma.values[0]
    expected = scipy.stats.norm(coef[0] + coef[1] * data[0, 0], sigma).logpdf(data[0, 1])
    assert fit.score_samples(data[:1]).item() == pytest.approx(expected, rel=1e-10)

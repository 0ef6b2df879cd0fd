"""Default initialisation declared by the families, and the warning when restarts disagree.

Reference log-likelihoods come from numpy/scipy: the latent class model's
likelihood at the true parameters, and the best optimum of a small numpy EM
run from many random starts.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp
from scipy.stats import poisson

import emkit as em
from emkit.components.base import declared_init
from emkit.em.chunks import ChunkedData
from emkit.em.driver import EMRun, RestartsOutcome, reach_tolerance
from emkit.em.init import check_init, initialise
from emkit.latent.mixture import FiniteMixture
from emkit.notices import collect

#: Three latent classes: weights and, per class, item and category, the response probabilities.
CLASS_WEIGHTS = np.array([0.5, 0.3, 0.2])
CLASS_PROBS = np.array(
    [
        [[0.70, 0.10, 0.10, 0.10], [0.60, 0.20, 0.10, 0.10], [0.10, 0.10, 0.10, 0.70]],
        [[0.10, 0.70, 0.10, 0.10], [0.10, 0.10, 0.70, 0.10], [0.60, 0.20, 0.10, 0.10]],
        [[0.10, 0.10, 0.10, 0.70], [0.10, 0.10, 0.10, 0.70], [0.10, 0.70, 0.10, 0.10]],
    ]
)


def lca_log_likelihood(x, weights, probs):
    """``sum_i log sum_k w_k prod_j p_{k, j, x_ij}`` for codes ``x`` (n, items)."""
    items = np.arange(x.shape[1])
    log_joint = np.log(weights) + np.log(probs[:, items, x]).sum(axis=2).T
    return float(logsumexp(log_joint, axis=1).sum())


def simulate_lca(seed, n=2000):
    """Codes of ``n`` respondents drawn from the three-class model above."""
    rng = np.random.default_rng(seed)
    classes = rng.choice(len(CLASS_WEIGHTS), size=n, p=CLASS_WEIGHTS)
    cumulative = np.cumsum(CLASS_PROBS[classes], axis=2)  # (n, items, categories)
    return (rng.random((n, CLASS_PROBS.shape[1], 1)) > cumulative).sum(axis=2)


def numpy_lca_best(x, n_classes, n_starts, seed, n_iter=300):
    """Best log-likelihood of latent class EM (numpy) from ``n_starts`` Dirichlet starts."""
    rng = np.random.default_rng(seed)
    n_categories = x.max() + 1
    onehot = np.eye(n_categories)[x]  # (n, items, categories)
    best = -np.inf
    for _ in range(n_starts):
        weights = np.full(n_classes, 1.0 / n_classes)
        probs = rng.dirichlet(np.ones(n_categories), size=(n_classes, x.shape[1]))
        for _ in range(n_iter):
            log_joint = np.log(weights) + np.einsum("nic,kic->nk", onehot, np.log(probs + 1e-300))
            resp = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
            weights = resp.mean(axis=0)
            counts = np.einsum("nk,nic->kic", resp, onehot)
            probs = counts / counts.sum(axis=2, keepdims=True)
        best = max(best, lca_log_likelihood(x, weights, probs))
    return best


@pytest.fixture(scope="module")
def anes():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.anes96.load_pandas().data
    return data[["TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "educ", "vote"]].astype(int).to_numpy()


@pytest.fixture(scope="module")
def anes_two_class_optimum(anes):
    codes = np.unique(anes, return_inverse=True)[1].reshape(anes.shape)  # any coding: categories are values
    return numpy_lca_best(codes, n_classes=2, n_starts=10, seed=0)


# -- what the families declare -------------------------------------------------------------------


@pytest.mark.parametrize(
    "families, expected",
    [
        ([em.Gaussian("full", 2)], "kmeans++"),
        ([em.StudentT(n_components=2)], "kmeans++"),
        ([em.Gamma(2)], "kmeans++"),
        ([em.Categorical(2)], "short_em"),
        ([em.Bernoulli(2)], "short_em"),
        ([em.Poisson(2)], "short_em"),
        ([em.Gaussian("full", 1), em.Poisson(1)], "short_em"),
        ([em.Independent({"h": em.Gaussian(), "c": em.Categorical()}, 2)], "short_em"),
        ([em.Independent({"h": em.Gaussian(), "w": em.Gamma()}, 2)], "kmeans++"),
    ],
)
def test_mixture_starts_as_its_families_declare(families, expected):
    assert FiniteMixture(families).default_init == expected


def test_a_family_declaring_an_unknown_start_is_refused():
    class Declares:
        default_init = "spectral"

    with pytest.raises(ValueError, match="default_init='spectral'"):
        declared_init([Declares()])


def test_auto_is_kmeans_plus_plus_for_gaussians():
    X = em.datasets.load("faithful")
    auto = em.GaussianMixture(2).fit(X, random_state=3)
    explicit = em.GaussianMixture(2).fit(X, init="kmeans++", random_state=3)
    assert auto.log_likelihood == explicit.log_likelihood
    np.testing.assert_array_equal(auto.params.means.values, explicit.params.means.values)


def test_auto_is_short_em_for_categorical_online_too():
    x = simulate_lca(0, n=600)
    model = em.Mixture(em.Categorical(), n_components=3)
    auto = model.fit_online(lambda: np.array_split(x, 3), random_state=1)
    explicit = model.fit_online(lambda: np.array_split(x, 3), init="short_em", random_state=1)
    assert auto.log_likelihood == explicit.log_likelihood


def test_explicit_names_still_choose_the_start():
    x = simulate_lca(2)
    model = em.Mixture(em.Categorical(), n_components=3)
    kmeans = model.fit(x, init="kmeans++", random_state=2)
    assert kmeans.log_likelihood < lca_log_likelihood(x, CLASS_WEIGHTS, CLASS_PROBS) - 10  # k-means++ stalls here


def test_unknown_init_names_auto_among_the_choices():
    with pytest.raises(ValueError, match="choose one of auto, kmeans\\+\\+"):
        check_init("kmeans", n_obs=4, n_features=1, n_components=2)


def test_initialise_refuses_short_em_which_the_driver_runs():
    data = ChunkedData(np.array([[0.0], [1.0]]), None, 64)
    with pytest.raises(ValueError, match="not 'short_em'"):
        initialise(FiniteMixture([em.Gaussian("full", 2)]), data, "short_em", np.random.default_rng(0))


# -- the default reaches the optimum on discrete data ----------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_default_latent_class_fit_reaches_the_true_parameters_likelihood(seed):
    x = simulate_lca(seed)
    fit = em.Mixture(em.Categorical(), n_components=3).fit(x, random_state=seed)
    assert fit.log_likelihood >= lca_log_likelihood(x, CLASS_WEIGHTS, CLASS_PROBS)


def test_short_em_does_not_depend_on_chunks_or_dask():
    da = pytest.importorskip("dask.array")
    x = simulate_lca(1, n=1500)
    model = em.Mixture(em.Categorical(), n_components=3)
    whole = model.fit(x, random_state=4)
    chunked = model.fit(x, chunk_size=128, random_state=4)
    for other in (chunked, model.fit(da.from_array(x, chunks=400), random_state=4)):
        assert other.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-12)
        np.testing.assert_allclose(other.params.probs.values, whole.params.probs.values, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [1, 8, 9])
def test_default_fit_on_anes_reaches_the_best_optimum(anes, anes_two_class_optimum, seed):
    fit = em.Mixture(em.Categorical(), n_components=2).fit(anes, random_state=seed)
    assert fit.log_likelihood == pytest.approx(anes_two_class_optimum, abs=0.1)


@pytest.mark.parametrize("seed", [3, 4])
def test_default_bernoulli_latent_class_fit_reaches_the_true_parameters_likelihood(seed):
    rng = np.random.default_rng(5)
    weights = np.array([0.45, 0.35, 0.2])
    prob = np.array([[0.9, 0.8, 0.8, 0.2, 0.1, 0.2], [0.2, 0.1, 0.8, 0.9, 0.8, 0.3], [0.1, 0.2, 0.1, 0.2, 0.9, 0.9]])
    classes = rng.choice(3, size=2000, p=weights)
    x = (rng.random((2000, 6)) < prob[classes]).astype(int)
    probs = np.stack([1 - prob, prob], axis=2)  # (class, item, {0, 1})
    fit = em.Mixture(em.Bernoulli(), n_components=3).fit(x, random_state=seed)
    assert fit.log_likelihood >= lca_log_likelihood(x, weights, probs)


@pytest.mark.parametrize("seed", [0, 2])
def test_default_poisson_fit_reaches_the_true_parameters_likelihood(seed):
    rng = np.random.default_rng(0)
    weights = np.array([0.5, 0.3, 0.2])
    rates = np.array([[0.5, 0.5, 3.0, 0.5, 8.0], [3.0, 0.5, 0.5, 3.0, 1.0], [0.5, 3.0, 0.5, 0.5, 1.0]])
    x = rng.poisson(rates[rng.choice(3, size=2000, p=weights)])
    true = logsumexp(np.log(weights) + poisson.logpmf(x[:, None, :], rates).sum(axis=2), axis=1).sum()
    fit = em.Mixture(em.Poisson(), n_components=3).fit(x, random_state=seed)
    assert fit.log_likelihood >= true


# -- restarts that disagree ---------------------------------------------------------------------


def final_log_likelihoods(fit):
    table = fit.trace.log_likelihood.values
    return np.array([row[np.isfinite(row)][-1] for row in table])


def test_restarts_that_disagree_warn_and_the_fit_keeps_the_message():
    X = em.datasets.load("faithful")
    with collect() as caught:
        fit = em.GaussianMixture(3).fit(X, n_init=10, random_state=0)
    finals = final_log_likelihoods(fit)
    within = 100 * 1e-6 * max(len(X), abs(finals.max()))  # 100 tolerances of the default tol
    reached = int(np.count_nonzero(finals >= finals.max() - within))
    assert 2 * reached < 10  # the data of this case: most restarts end elsewhere
    warned = [notice for notice in caught if notice.category is em.LocalOptimumWarning]
    assert len(warned) == 1
    assert warned[0].message.startswith(f"only {reached} of 10 restarts reached the best log-likelihood")
    assert warned[0].message.endswith("increase n_init")
    assert fit.trace.attrs["restart_warning"] == warned[0].message


def test_restarts_reaching_one_optimum_in_different_label_orders_agree():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0.0, 1.0, (150, 1)), rng.normal(8.0, 1.0, (150, 1))]
    with collect() as caught:
        fit = em.GaussianMixture(2).fit(x, n_init=8, init="random", random_state=0)
    first_mean = fit.trace.final_means.values[:, 0, 0]
    assert np.any(first_mean < 4) and np.any(first_mean > 4)  # both label orders occur
    assert not [notice for notice in caught if notice.category is em.LocalOptimumWarning]
    assert "restart_warning" not in fit.trace.attrs


def test_half_of_the_restarts_at_the_best_is_enough():
    def run(loglik):
        return EMRun(object(), None, np.array([loglik]), True)

    tolerance = reach_tolerance(1e-6, n_obs=1000, best_log_likelihood=-5000.0)
    assert tolerance == pytest.approx(0.5)
    outcome = RestartsOutcome([run(-5000.0), run(-5000.4), run(-5000.6), run(-5010.0)])
    assert outcome.n_reaching_best(tolerance) == 2
    failed = EMRun(None, None, np.array([np.nan]), False, "collapsed")
    assert RestartsOutcome([run(-5000.0), failed]).n_reaching_best(tolerance) == 1


def test_restart_warning_survives_save_and_load(tmp_path):
    with collect():
        fit = em.GaussianMixture(3).fit(em.datasets.load("faithful"), n_init=10, random_state=0)
    fit.to_netcdf(tmp_path / "fit.nc")
    loaded = em.load_fit(tmp_path / "fit.nc")
    assert loaded.trace.attrs["restart_warning"] == fit.trace.attrs["restart_warning"]


# -- random_state --------------------------------------------------------------------------------


def test_negative_random_state_is_a_one_line_error_naming_it():
    with pytest.raises(ValueError, match="^random_state must be a non-negative integer, got -1$"):
        em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=-1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_start_of_a_mixed_model_leaves_the_symmetric_saddle(seed):
    """A Gaussian column with two clusters beside an uninformative binary one.

    Random responsibilities start every component at the overall mean, a saddle
    EM leaves very slowly. A lower bound on the optimum, independent of emkit:
    scikit-learn's two-component fit of the Gaussian column, times the binary
    column's marginal likelihood (the same Bernoulli probability in both classes
    is one admissible parameter value).
    """
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(0, 1, 200), rng.normal(5, 1, 200)]
    b = rng.integers(0, 2, 400).astype(float)
    frame = pd.DataFrame({"x": x, "b": b})
    gaussian = GaussianMixture(2, n_init=5, random_state=0).fit(x[:, None]).score(x[:, None]) * len(x)
    p = b.mean()
    bound = gaussian + float(np.sum(b * np.log(p) + (1 - b) * np.log(1 - p)))
    model = em.Mixture(em.Independent({"x": em.Gaussian(), "b": em.Bernoulli()}), n_components=2)
    fit = model.fit(frame, random_state=seed)
    assert fit.log_likelihood >= bound - 1e-3

"""Conjugate priors (MAP EM): M-steps against Fraley & Raftery (2007), mclust's defaults, monotone objective."""

import json
import warnings

import numpy as np
import pytest
from scipy import stats

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.components.priors import check_prior_structure
from emkit.latent.mixture import FiniteMixture
from oracles import STRUCTURE

X_FAITHFUL = em.datasets.load("faithful").to_numpy()
STRUCTURES = list(STRUCTURE)


def _weighted_moments(x, resp):
    """n_k, xbar_k and W_k = sum_i r_ik (x_i - xbar_k)(x_i - xbar_k)^T, written out."""
    n = resp.sum(axis=0)
    xbar = resp.T @ x / n[:, None]
    W = np.stack([(resp[:, k, None] * (x - xbar[k])).T @ (x - xbar[k]) for k in range(resp.shape[1])])
    return n, xbar, W


def _paper_mode(name, x, resp, kappa, mu0, nu, scale):
    """The posterior mode of Fraley & Raftery (2007), table 2, one structure at a time."""
    n, xbar, W = _weighted_moments(x, resp)
    K, d = len(n), x.shape[1]
    mu = (n[:, None] * xbar + kappa * mu0) / (n + kappa)[:, None]
    B = W + np.stack([kappa * n[k] / (n[k] + kappa) * np.outer(xbar[k] - mu0, xbar[k] - mu0) for k in range(K)])
    if name == "VVV":
        sigma = np.stack([(scale + B[k]) / (nu + n[k] + d + 2) for k in range(K)])
    elif name == "EEE":
        sigma = np.repeat(((scale + B.sum(axis=0)) / (nu + n.sum() + d + K + 1))[None], K, axis=0)
    elif name == "VVI":
        sigma = np.stack([np.diag((scale + np.diag(B[k])) / (nu + n[k] + 3)) for k in range(K)])
    elif name == "EEI":
        pooled = (scale + np.diagonal(B, axis1=1, axis2=2).sum(axis=0)) / (nu + n.sum() + K + 2)
        sigma = np.repeat(np.diag(pooled)[None], K, axis=0)
    elif name == "VII":
        sigma = np.stack([(scale + np.trace(B[k])) / (nu + (n[k] + 1) * d + 2) * np.eye(d) for k in range(K)])
    else:  # EII
        variance = (scale + sum(np.trace(B[k]) for k in range(K))) / (nu + (n.sum() + K) * d + 2)
        sigma = np.repeat(variance * np.eye(d)[None], K, axis=0)
    return mu, sigma


def _oracle_log_prior(name, means, covariances, kappa, mu0, nu, scale):
    """log p(mu, Sigma) from scipy's normal, inverse-Wishart and inverse-gamma densities."""
    shared, shape = STRUCTURE[name]
    total = sum(stats.multivariate_normal(mu0, c / kappa).logpdf(m) for m, c in zip(means, covariances))
    distinct = covariances[:1] if shared else covariances
    for c in distinct:
        if shape == "full":
            total += stats.invwishart(df=nu, scale=scale).logpdf(c)
        elif shape == "diag":
            total += stats.invgamma(nu / 2, scale=scale / 2).logpdf(np.diag(c)).sum()
        else:
            total += stats.invgamma(nu / 2, scale=scale / 2).logpdf(c[0, 0])
    return total


def _hand_scale(name, x, K):
    """mclust's defaultPrior scale, from R's var (n - 1 denominator)."""
    d = x.shape[1]
    variance = np.cov(x.T, ddof=1)
    if STRUCTURE[name][1] == "full":
        return variance / K ** (2 / d)
    return np.trace(variance) / d / K ** (2 / d)


@pytest.mark.parametrize("name", STRUCTURES)
def test_map_m_step_is_the_posterior_mode_of_the_paper(name):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3)) * [1.0, 3.0, 0.5] + [0.0, 5.0, -2.0]
    resp = rng.dirichlet(np.ones(3), size=40)
    full = STRUCTURE[name][1] == "full"
    kappa, mu0, nu = 0.3, np.array([0.5, 4.0, -1.0]), 6.5
    scale = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 0.5]]) if full else 1.7
    prior = em.GaussianPrior(shrinkage=kappa, mean=mu0, dof=nu, scale=scale)
    family = em.Gaussian(name, n_components=3, reg_covar=0.0, prior=prior)
    fitted = family.m_step(family.stats(x, resp))
    mu, sigma = _paper_mode(name, x, resp, kappa, mu0, nu, scale)
    np.testing.assert_allclose(fitted.means, mu, rtol=1e-10)
    np.testing.assert_allclose(fitted.covariance_matrices(), sigma, rtol=1e-10)
    oracle = _oracle_log_prior(name, mu, sigma, kappa, mu0, nu, scale)
    assert fitted.log_prior() == pytest.approx(oracle, rel=1e-10)


@pytest.mark.parametrize("name", ["VVV", "VII"])
def test_one_component_fit_is_the_closed_form_mode_and_maximises_the_log_posterior(name):
    x = X_FAITHFUL
    n, d = x.shape
    fit = em.GaussianMixture(1, covariance=name, reg_covar=0.0, prior=em.GaussianPrior()).fit(x)
    W = (x - x.mean(axis=0)).T @ (x - x.mean(axis=0))
    kappa, mu0, nu, scale = 0.01, x.mean(axis=0), d + 2.0, _hand_scale(name, x, 1)
    if name == "VVV":  # mu0 = xbar: no shrinkage term; Sigma = (var(X) + W) / (nu + n + d + 2)
        sigma = (scale + W) / (nu + n + d + 2)
    else:
        sigma = (scale + np.trace(W)) / (nu + (n + 1) * d + 2) * np.eye(d)
    np.testing.assert_allclose(fit.params.means.values[0], x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fit.params.covariances.values[0], sigma, rtol=1e-10)

    def log_posterior(mu, cov):
        return stats.multivariate_normal(mu, cov).logpdf(x).sum() + _oracle_log_prior(
            name, mu[None], cov[None], kappa, mu0, nu, scale)

    best = log_posterior(x.mean(axis=0), sigma)
    rng = np.random.default_rng(0)
    for _ in range(20):
        step = rng.normal(size=d) * 0.01
        factor = 1 + rng.normal() * 0.01
        assert log_posterior(x.mean(axis=0) + step, sigma * factor) < best
    loglik = stats.multivariate_normal(x.mean(axis=0), sigma).logpdf(x).sum()
    assert fit.log_likelihood == pytest.approx(loglik, rel=1e-10)  # the log-likelihood at the MAP estimate
    assert fit.bic() == pytest.approx(-2 * loglik + fit.n_params * np.log(n), rel=1e-10)


@pytest.mark.parametrize("name", STRUCTURES)
def test_penalised_log_likelihood_never_decreases_and_is_log_likelihood_plus_log_prior(name):
    fit = em.GaussianMixture(3, covariance=name, reg_covar=0.0, prior=em.GaussianPrior()).fit(
        X_FAITHFUL, init="random", max_iter=60, tol=0.0, random_state=3)
    history = fit.trace.log_likelihood.values[fit.best_restart]
    history = history[np.isfinite(history)]
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[1:]))
    K, d = 3, 2
    oracle = _oracle_log_prior(name, fit.params.means.values, fit.params.covariances.values, 0.01,
                               X_FAITHFUL.mean(axis=0), d + 2.0, _hand_scale(name, X_FAITHFUL, K))
    assert history[-1] == pytest.approx(fit.log_likelihood + oracle, rel=1e-9)


@pytest.mark.parametrize("name", STRUCTURES)
def test_default_hyperparameters_are_mclusts_default_prior_on_old_faithful(name):
    K = 3
    fit = em.GaussianMixture(K, covariance=name, prior=em.GaussianPrior()).fit(X_FAITHFUL, random_state=0)
    hyper = fit.mixture.families[0].hyperparameters
    x = X_FAITHFUL
    assert hyper.shrinkage == 0.01
    np.testing.assert_allclose(hyper.mean, [x[:, 0].sum() / 272, x[:, 1].sum() / 272], rtol=1e-12)
    assert hyper.dof == 4.0
    var_eruptions, var_waiting = np.var(x[:, 0], ddof=1), np.var(x[:, 1], ddof=1)
    if STRUCTURE[name][1] == "full":  # var(data) / G^(2/d)
        covariance = np.sum((x[:, 0] - x[:, 0].mean()) * (x[:, 1] - x[:, 1].mean())) / 271
        expected = np.array([[var_eruptions, covariance], [covariance, var_waiting]]) / K
    else:  # sum(apply(data, 2, var)) / (d G^(2/d))
        expected = (var_eruptions + var_waiting) / 2 / K
    np.testing.assert_allclose(hyper.scale, expected, rtol=1e-10)


def test_defaults_from_chunks_equal_those_in_memory():
    whole = em.GaussianMixture(2, prior=em.GaussianPrior()).fit(X_FAITHFUL, random_state=0)
    chunked = em.GaussianMixture(2, prior=em.GaussianPrior()).fit(X_FAITHFUL, random_state=0, chunk_size=50)
    a, b = (f.mixture.families[0].hyperparameters for f in (whole, chunked))
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
    np.testing.assert_allclose(a.scale, b.scale, rtol=1e-10)
    assert chunked.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-9)


def test_a_start_from_parameters_counts_the_prior_from_the_first_objective():
    fit = em.GaussianMixture(2, prior=em.GaussianPrior()).fit(X_FAITHFUL, random_state=0)
    again = em.GaussianMixture(2, prior=em.GaussianPrior()).fit(X_FAITHFUL, init=fit.params)  # no decrease warned
    start = again.trace.log_likelihood.values[0][0]
    assert start == pytest.approx(fit.trace.log_likelihood.values[fit.best_restart][-1], rel=1e-9)


def test_poisson_gamma_mode_and_log_prior():
    x = np.array([[0.0, 3.0], [0.0, 5.0], [2.0, 0.0], [4.0, 1.0]])
    resp = np.array([[1.0, 0.0], [0.8, 0.2], [0.1, 0.9], [0.0, 1.0]])
    family = em.Poisson(2, prior=em.GammaPrior(2.5, 0.5))
    fitted = family.m_step(family.stats(x, resp))
    expected = (resp.T @ x + 1.5) / (resp.sum(axis=0)[:, None] + 0.5)
    np.testing.assert_allclose(fitted.params["rate"], expected, rtol=1e-12)
    assert np.all(fitted.params["rate"] > 0)  # component 0 never sees feature 0 above 0
    oracle = stats.gamma(2.5, scale=1 / 0.5).logpdf(expected).sum()
    assert fitted.log_prior() == pytest.approx(oracle, rel=1e-12)


def test_categorical_dirichlet_mode_removes_zero_probabilities():
    x = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 0.0]])
    resp = np.eye(2)[[0, 0, 0, 1, 1]]
    family = em.Categorical(2, prior=em.DirichletPrior(1.5)).bind(["a", "b"], data=x)
    probs = family.m_step(family.stats(x, resp)).params["probs"]
    counts_a = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    np.testing.assert_allclose(probs[:, 0, :], (counts_a + 0.5) / (resp.sum(axis=0)[:, None] + 3 * 0.5))
    counts_b = np.array([[1.0, 2.0], [2.0, 0.0]])
    np.testing.assert_allclose(probs[:, 1, :2], (counts_b + 0.5) / (resp.sum(axis=0)[:, None] + 2 * 0.5))
    assert np.isnan(probs[:, 1, 2]).all() and (probs[:, 0, :] > 0).all()
    fitted = family.m_step(family.stats(x, resp))
    oracle = sum(stats.dirichlet(np.full(size, 1.5)).logpdf(probs[k, j, :size])
                 for k in range(2) for j, size in enumerate([3, 2]))
    assert fitted.log_prior() == pytest.approx(oracle, rel=1e-12)


def test_latent_class_fit_with_dirichlet_prior_is_monotone_and_has_no_zero_probability():
    rng = np.random.default_rng(0)
    cls = rng.integers(2, size=300)
    x = np.where(rng.random((300, 4)) < np.where(cls[:, None] == 0, 0.95, 0.05), 1.0, 0.0)
    x[:, 3] += (x[:, 3] == 1) * (cls == 1)  # category 2 only ever in class 1
    fit = em.Mixture(em.Categorical(prior=em.DirichletPrior(2.0)), 2, weight_prior=2.0).fit(
        x, max_iter=50, tol=0.0, random_state=0)
    history = fit.trace.log_likelihood.values[0]
    assert np.all(np.diff(history[np.isfinite(history)]) >= -1e-9 * np.abs(history[-1]))
    probs = fit.params.probs.values
    assert np.nanmin(probs) > 0


def test_weight_prior_gives_the_dirichlet_mode():
    x = np.array([[0.0], [0.1], [0.2], [5.0]])
    resp = np.eye(2)[[0, 0, 0, 1]]
    mixture = FiniteMixture([em.Gaussian("VII", 2)], weight_prior=3.0).fit_responsibilities(x, resp)
    np.testing.assert_allclose(mixture.weights, [(3 + 2) / (4 + 4), (1 + 2) / (4 + 4)])
    assert mixture.log_prior() == pytest.approx(stats.dirichlet([3.0, 3.0]).logpdf(mixture.weights), rel=1e-12)


def test_select_with_prior_has_no_degenerate_cells_on_old_faithful():
    grid = dict(n_components=[5, 6, 7], covariance=["VVI"], random_state=2)
    without = em.select(X_FAITHFUL, **grid)
    assert without.grid.degenerate.values.all()  # components collapse on tied eruption times
    with_prior = em.select(X_FAITHFUL, prior=em.GaussianPrior(), **grid)
    assert not with_prior.grid.degenerate.values.any()
    assert (with_prior.grid.error.values == "").all()
    assert np.isfinite(with_prior.grid.bic.values).all()


def test_prior_is_saved_in_the_spec():
    family = em.Gaussian("EEI", 2, prior=em.GaussianPrior(shrinkage=0.1, dof=7, scale=3.0))
    spec = json.loads(json.dumps(family.spec()))
    again = em.Gaussian.from_spec(spec)
    assert (again.prior.shrinkage, again.prior.dof, again.prior.scale) == (0.1, 7.0, 3.0)
    poisson = em.Poisson(2, prior=em.GammaPrior(2.0, 1.0))
    assert em.Poisson.from_spec(json.loads(json.dumps(poisson.spec()))).prior.shape == 2.0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: em.GaussianPrior(shrinkage=-1.0), "shrinkage must be a finite non-negative number"),
        (lambda: em.GaussianPrior(dof=0.0), "dof must be a finite positive number"),
        (lambda: em.GaussianPrior(scale=-2.0), "scale must be a finite positive number"),
        (lambda: em.GaussianPrior(mean=[[1.0]]), r"mean must be a vector \(d,\)"),
        (lambda: em.GammaPrior(0.5, 1.0), "shape must be at least 1"),
        (lambda: em.GammaPrior(2.0, 0.0), "rate must be a finite positive number"),
        (lambda: em.DirichletPrior(0.5), "concentration must be Dirichlet concentrations of at least 1"),
        (lambda: em.GaussianMixture(2, weight_prior=0.5), "weight_prior must be Dirichlet concentrations"),
        (lambda: em.select(X_FAITHFUL, model=em.Gaussian(), prior=em.GaussianPrior()), "select takes prior only"),
    ],
)
def test_bad_prior_arguments_raise_clearly(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_prior_arguments_found_at_fit_raise_clearly():
    with pytest.raises(ValueError, match="the prior mean has 3 values, the data have 2 features"):
        em.GaussianMixture(2, prior=em.GaussianPrior(mean=[0.0, 0.0, 0.0])).fit(X_FAITHFUL)
    with pytest.raises(ValueError, match="prior scale of VII is one positive number"):
        em.GaussianMixture(2, "VII", prior=em.GaussianPrior(scale=np.eye(2))).fit(X_FAITHFUL)
    with pytest.raises(ValueError, match="symmetric positive-definite 2 x 2"):
        em.GaussianMixture(2, "VVV", prior=em.GaussianPrior(scale=[[1.0, 2.0], [2.0, 1.0]])).fit(X_FAITHFUL)
    with pytest.raises(ValueError, match="dof must exceed d - 1 = 1"):
        em.GaussianMixture(2, "VVV", prior=em.GaussianPrior(dof=0.5)).fit(X_FAITHFUL)
    with pytest.raises(TypeError, match="prior must be a GammaPrior"):
        em.Poisson(prior=2.0)


def test_structures_without_a_map_step_are_refused_naming_the_supported_ones():
    with pytest.raises(ValueError, match="available for the covariance structures EII, VII, EEI, VVI, EEE, VVV, not VEV"):
        check_prior_structure("VEV")
    for name in set(COVARIANCE_NAMES) - set(STRUCTURES):
        with pytest.raises(ValueError, match=f"not {name}"):
            em.Gaussian(name, prior=em.GaussianPrior())


def test_select_with_prior_grids_the_structures_with_a_map_step_and_refuses_others_before_fitting():
    from emkit.selection import _declarations

    assert sorted(_declarations(None, None, None, [1], em.GaussianPrior())) == sorted(STRUCTURES)
    others = sorted(set(COVARIANCE_NAMES) - set(STRUCTURES))
    for name in others[:1]:
        with pytest.raises(ValueError, match=f"not {name}"):
            em.select(X_FAITHFUL, n_components=[1], covariance=["VVV", name], prior=em.GaussianPrior())


def _history(fit):
    """The objective EM climbed in the best restart, iterations run."""
    history = fit.trace.log_likelihood.values[fit.best_restart]
    return history[np.isfinite(history)]


def _assert_monotone(history):
    assert len(history) > 10
    assert np.all(np.diff(history) >= -1e-10 * np.abs(history[1:]))


def test_independent_log_prior_is_its_parts_and_its_fit_is_the_part_fitted_alone():
    df = em.datasets.load("faithful")
    options = dict(init="random", max_iter=80, tol=0.0, random_state=1)
    inside = em.Mixture(em.Independent({"waiting": em.Gaussian(prior=em.GaussianPrior())}), 2).fit(df, **options)
    alone = em.GaussianMixture(2, prior=em.GaussianPrior()).fit(df[["waiting"]], **options)
    np.testing.assert_allclose(inside.params.means.values, alone.params.means.values, rtol=1e-10)
    np.testing.assert_allclose(inside.params.covariances.values, alone.params.covariances.values, rtol=1e-10)
    np.testing.assert_allclose(_history(inside), _history(alone), rtol=1e-12)
    _assert_monotone(_history(inside))
    waiting = df[["waiting"]].to_numpy()
    oracle = _oracle_log_prior("VVV", inside.params.means.values, inside.params.covariances.values, 0.01,
                               waiting.mean(axis=0), 3.0, _hand_scale("VVV", waiting, 2))
    assert _history(inside)[-1] == pytest.approx(inside.log_likelihood + oracle, rel=1e-10)


def test_independent_of_parts_with_priors_climbs_the_sum_of_their_log_priors():
    rng = np.random.default_rng(4)
    z = rng.integers(2, size=150)
    height = rng.normal(np.where(z == 0, 0.0, 3.0), 1.0)
    counts = rng.poisson(np.where(z == 0, 0.2, 4.0))  # zeros almost only in component 0
    x = np.column_stack([height, counts]).astype(float)
    gamma = em.GammaPrior(2.0, 0.5)
    parts = {0: em.Gaussian(prior=em.GaussianPrior()), 1: em.Poisson(prior=gamma)}
    fit = em.Mixture(em.Independent(parts), 2).fit(x, init="random", max_iter=60, tol=0.0, random_state=0)
    history = _history(fit)
    _assert_monotone(history)
    params = fit.params
    gaussian = _oracle_log_prior("VVV", params.means.values[:, :1], params.covariances.values[:, :1, :1], 0.01,
                                 x[:, :1].mean(axis=0), 3.0, _hand_scale("VVV", x[:, :1], 2))
    poisson = stats.gamma(2.0, scale=1 / 0.5).logpdf(params.rate.values[:, 1]).sum()
    assert history[-1] == pytest.approx(fit.log_likelihood + gaussian + poisson, rel=1e-10)


def test_hidden_markov_model_with_a_prior_on_its_emissions_climbs_the_penalised_log_likelihood():
    waiting = em.datasets.load("faithful")[["waiting"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", em.LikelihoodDecreaseWarning)
        fit = em.HiddenMarkovModel(em.Gaussian(prior=em.GaussianPrior()), n_states=3).fit(
            waiting, init="random", max_iter=60, tol=0.0, random_state=0)
    history = _history(fit)
    _assert_monotone(history)
    x = waiting.to_numpy()
    oracle = _oracle_log_prior("VVV", fit.params.means.values, fit.params.covariances.values, 0.01,
                               x.mean(axis=0), 3.0, _hand_scale("VVV", x, 3))
    assert history[-1] == pytest.approx(fit.log_likelihood + oracle, rel=1e-10)  # no prior on the chain


def test_weight_prior_is_saved_with_the_fit(tmp_path):
    x = X_FAITHFUL
    fit = em.GaussianMixture(2, weight_prior=[3.0, 5.0]).fit(x, random_state=0)
    path = tmp_path / "fit.nc"
    fit.to_netcdf(path)
    loaded = em.load_fit(path).mixture
    np.testing.assert_array_equal(loaded.weight_prior, [3.0, 5.0])
    resp = fit.predict_proba(x).values
    n = resp.sum(axis=0)
    refitted = loaded.fit_responsibilities(x, resp)  # the loaded declaration's M-step: the Dirichlet mode
    np.testing.assert_allclose(refitted.weights, (n + [2.0, 4.0]) / (len(x) + 6.0), rtol=1e-12)
    oracle = stats.dirichlet([3.0, 5.0]).logpdf(loaded.weights)
    assert loaded.log_prior() == pytest.approx(oracle, rel=1e-12)
    em.GaussianMixture(2).fit(x, random_state=0).to_netcdf(tmp_path / "plain.nc")
    assert em.load_fit(tmp_path / "plain.nc").mixture.weight_prior is None

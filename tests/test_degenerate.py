"""Collapsing components: regularised, frozen or reported, never NaN."""

import warnings

import numpy as np
import pytest
import xarray as xr

import emkit as em


def spike_data(rng):
    """A Gaussian cloud plus ten identical rows: a component can sit on the spike."""
    return np.concatenate([rng.normal(size=(100, 2)), np.tile([[5.0, 5.0]], (10, 1))])


@pytest.mark.parametrize("covariance", em.COVARIANCE_NAMES)
def test_spike_is_regularised_to_finite_parameters(covariance):
    x = spike_data(np.random.default_rng(0))
    fit = em.GaussianMixture(2, covariance=covariance).fit(x, n_init=3, random_state=0)
    assert np.isfinite(fit.log_likelihood)
    for name in ("weights", "means", "covariances"):
        assert np.isfinite(fit.params[name].values).all()
    covariances = fit.params.covariances.values
    # The ridge enters the scatter (W_k + n_k reg I), so every volume det(Sigma_k)^(1/d) is at
    # least reg_covar (AM-GM on the shape's inverse); the six closed-form structures keep it on
    # every diagonal entry too.
    volumes = np.linalg.det(covariances) ** (1 / covariances.shape[-1])
    assert (volumes >= 1e-6 * (1 - 1e-12)).all()
    if covariance in ("EII", "VII", "EEI", "VVI", "EEE", "VVV"):
        assert (np.diagonal(covariances, axis1=1, axis2=2) >= 1e-6 * (1 - 1e-12)).all()


def test_without_regularisation_the_collapse_is_named():
    x = spike_data(np.random.default_rng(0))
    with pytest.raises(em.DegenerateComponentError, match=r"component\(s\) \d+ .*reg_covar"):
        em.GaussianMixture(2, covariance="VVV", reg_covar=0.0).fit(x, n_init=2, random_state=0)


def test_a_failed_restart_is_recorded_and_skipped(monkeypatch):
    import emkit.em.driver as driver

    real_initialise = driver.initialise
    calls = []

    def first_restart_collapses(declaration, data, init, rng):
        calls.append(1)
        if len(calls) == 1:
            raise em.DegenerateComponentError("component 0 collapsed (simulated)")
        return real_initialise(declaration, data, init, rng)

    monkeypatch.setattr(driver, "initialise", first_restart_collapses)
    X = em.datasets.load("faithful")
    with pytest.warns(UserWarning, match="1 of 3 restarts failed.*simulated"):
        fit = em.GaussianMixture(2).fit(X, n_init=3, random_state=0)
    assert fit.trace.error.values[0] == "component 0 collapsed (simulated)"
    assert np.isnan(fit.trace.log_likelihood.values[0]).all()
    assert fit.best_restart in (1, 2) and np.isfinite(fit.log_likelihood)


def test_component_without_weight_keeps_its_parameters_and_is_reported():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 1))
    init = xr.Dataset(
        {
            "weights": ("component", [0.5, 0.5]),
            "means": (("component", "feature"), [[0.0], [1e3]]),
            "covariances": (("component", "feature", "feature2"), [[[1.0]], [[1e-4]]]),
        }
    )
    with pytest.warns(UserWarning, match=r"component\(s\) 1 ended with zero weight"):
        fit = em.GaussianMixture(2).fit(x, init=init, max_iter=5, tol=0)
    assert fit.params.weights.values[1] == 0.0
    assert fit.params.means.values[1, 0] == 1e3
    assert np.isfinite(fit.log_likelihood)
    assert np.isfinite(fit.predict_proba(x).values).all()
    np.testing.assert_allclose(fit.log_likelihood, fit.score_samples(x).sum().item(), rtol=1e-12)


def test_many_components_on_few_points_stay_finite():
    X = em.datasets.load("faithful")
    fit = em.GaussianMixture(12, covariance="VVV").fit(X, n_init=2, random_state=0)
    assert np.isfinite(fit.log_likelihood)
    assert np.isfinite(fit.params.covariances.values).all()
    assert np.isfinite(fit.trace.log_likelihood.values[fit.best_restart, : fit.n_iter + 1]).all()


@pytest.mark.parametrize("init", ["kmeans++", "random_from_data"])
def test_fewer_distinct_rows_than_components_is_a_clear_error(init):
    x = np.repeat([[0.0, 0.0], [1.0, 1.0]], 10, axis=0)
    with pytest.raises(em.DegenerateComponentError, match="distinct"):
        em.GaussianMixture(3).fit(x, init=init, n_init=2, random_state=0)


@pytest.mark.parametrize("covariance", em.COVARIANCE_NAMES)
@pytest.mark.parametrize("scale", [1e8, 1e20, 1e150])
def test_far_outlier_keeps_em_monotone_and_finite(covariance, scale):
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(size=(300, 2)), [[scale, -scale]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", em.LikelihoodDecreaseWarning)
        fit = em.GaussianMixture(2, covariance=covariance).fit(x, random_state=0, max_iter=20, tol=0)
    history = fit.trace.log_likelihood.values[0]
    assert np.isfinite(history).all()
    assert np.all(np.diff(history) >= -1e-10 * np.abs(history[:-1]))


def test_collinear_data_without_regularisation_is_singular():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    with pytest.raises(em.DegenerateComponentError, match="singular|not positive definite"):
        em.GaussianMixture(1, reg_covar=0.0).fit(x)


def test_nearest_seed_assignment_survives_a_large_offset():
    from emkit.em.init import _nearest

    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 3))
    seeds = x[:4].copy()
    np.testing.assert_array_equal(_nearest(x + 1e9, seeds + 1e9), _nearest(x, seeds))


# -- which components are degenerate, family by family ---------------------------------------
def fit_quietly(model, data, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(data, **options)
    degenerate_warnings = [w for w in caught if issubclass(w.category, em.DegenerateComponentWarning)]
    return fit, degenerate_warnings


def effective_sizes(fit, data):
    """n_k = sum_i r_ik from the fit's posterior probabilities on its training data."""
    return fit.predict_proba(data).values.sum(axis=0)


@pytest.mark.parametrize(
    "name, target, features, k, n_init, seed",
    [("engel", "foodexp", ["income"], 4, 3, 0), ("grunfeld", "invest", ["value", "capital"], 5, 1, 1)],
)
def test_regression_components_on_a_few_points_are_flagged(name, target, features, k, n_init, seed):
    sm = pytest.importorskip("statsmodels.api")
    data = getattr(sm.datasets, name).load_pandas().data[[target, *features]]
    model = em.Mixture(em.Regression(target, features), n_components=k)
    fit, caught = fit_quietly(model, data, n_init=n_init, random_state=seed)
    sizes = effective_sizes(fit, data)
    parameters = len(features) + 2  # intercept, slopes and sigma
    expected = set(np.flatnonzero(sizes < parameters).tolist())
    assert expected, "the seed no longer leads to a component on a few points"
    assert set(fit.degenerate_components) == expected
    assert np.all(fit.params.sigma.values[sorted(expected)] < 0.01)  # fitted exactly: sigma at sqrt(reg_var)
    assert len(caught) == 1
    for component in expected:
        assert f"component {component}: effective sample size" in str(caught[0].message)


def test_lognormal_component_on_tied_values_is_flagged():
    rng = np.random.default_rng(0)
    x = np.r_[rng.lognormal(1.0, 0.5, (80, 1)), np.full((12, 1), 40.0)]
    fit, caught = fit_quietly(em.Mixture(em.LogNormal(), n_components=2), x, n_init=3, random_state=0)
    on_ties = int(np.argmax(fit.params.mu.values[:, 0]))
    np.testing.assert_allclose(fit.params.mu.values[on_ties, 0], np.log(40.0))
    np.testing.assert_allclose(fit.params.sigma.values[on_ties, 0], np.sqrt(1e-6))  # the floor sqrt(reg_var)
    assert list(fit.degenerate_components) == [on_ties]
    assert "spread of log x in feature 0" in fit.degenerate_components[on_ties]
    assert len(caught) == 1 and f"component {on_ties}: spread of log x" in str(caught[0].message)


def test_a_large_ridge_does_not_make_a_genuine_component_degenerate():
    X = em.datasets.load("faithful")
    fit, caught = fit_quietly(em.GaussianMixture(2, covariance="VVV", reg_covar=0.1), X, random_state=0)
    # the smallest eigenvalue is below twice the ridge (the former rule flagged it) ...
    assert np.linalg.eigvalsh(fit.params.covariances.values)[:, 0].min() <= 0.2
    # ... but every component has ~100 points and a spread of its own far above 1e-3 of the data's
    assert effective_sizes(fit, X).min() > 50
    assert fit.degenerate_components == {} and caught == []


def test_collapse_along_a_slanted_direction_is_flagged():
    rng = np.random.default_rng(4)
    t = rng.uniform(-1.0, 1.0, 40)
    line = np.column_stack([10.0 + t, 10.0 + t])  # spread in each feature, none across the line
    x = np.r_[rng.normal(size=(100, 2)), line]
    g = em.Gaussian("full", 2)
    g = g.m_step(g.stats(x, np.eye(2)[[0] * 100 + [1] * 40]))
    assert np.diagonal(g.covariance_matrices()[1]).min() > 0.1
    assert g.degenerate_components(np.array([100.0, 40.0])) == {
        1: "spread along some direction is below 0.001 of the data's"
    }


def test_a_shared_variance_split_over_single_points_is_flagged():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 2))
    g = em.Gaussian("EII", 12)
    g = g.m_step(g.stats(x, np.eye(12)))  # one point per component
    # per component: two means plus a twelfth of the shared variance, against n_k = 1 row of two values
    assert sorted(g.degenerate_components(np.ones(12))) == list(range(12))


def test_families_without_the_capability_get_the_count_rule():
    from emkit.components.base import family_degenerate_components

    class TwoRates:
        n_components = 3

        def n_params(self):
            return 6

    # nothing says how many values a row gives such a family: one, the strictest count
    assert family_degenerate_components(TwoRates(), np.array([1.0, 2.0, 5.0])) == {
        0: "effective sample size 1 x 1 value(s) per row is below its 2 free parameter(s)"
    }


# -- the count rule counts values, rows times the values each row gives ------------------------
@pytest.mark.parametrize("covariance", ["VVV", "EEE", "EVE"])
def test_wine_components_with_far_more_rows_than_features_are_not_degenerate(covariance):
    from sklearn.datasets import load_wine

    X = load_wine().data  # 178 rows, 13 features
    d = X.shape[1]
    fit, caught = fit_quietly(em.GaussianMixture(3, covariance=covariance), X, random_state=0)
    sizes = effective_sizes(fit, X)
    # about 60 rows each: far above the d + 1 that a nonsingular covariance needs ...
    assert sizes.min() > 3 * (d + 1)
    # ... and below a VVV component's d + d (d + 1) / 2 = 104 parameters, which rows alone would flag
    assert sizes.max() < d + d * (d + 1) // 2
    assert fit.degenerate_components == {} and caught == []


@pytest.mark.parametrize("n_points, reason", [
    (2, "effective sample size 2 x 5 value(s) per row is below its 20 free parameter(s)"),  # 10 values
    (5, "spread along some direction is below 0.001 of the data's"),  # 25 values, but singular
    (6, None),
])
def test_a_full_gaussian_on_d_or_fewer_points_is_flagged(n_points, reason):
    rng = np.random.default_rng(6)
    d = 5
    x = np.r_[rng.normal(size=(200, d)), 4.0 + rng.normal(size=(n_points, d))]
    # independent oracle: the few points' centred scatter is singular iff they are d or fewer
    few = x[200:] - x[200:].mean(axis=0)
    assert (np.linalg.matrix_rank(few.T @ few) < d) == (n_points <= d)
    g = em.Gaussian("VVV", 2)
    resp = np.eye(2)[[0] * 200 + [1] * n_points]
    g = g.m_step(g.stats(x, resp))
    expected = {} if reason is None else {1: reason}
    assert g.degenerate_components(resp.sum(axis=0)) == expected


def test_one_feature_families_count_rows_against_parameters():
    counts = np.array([0.5, 1.0, 1.9, 2.0, 7.0])
    families = [
        em.Poisson(5).with_params(rate=np.arange(1.0, 6.0)[:, None]),  # one rate per component
        em.LogNormal(5).with_params(mu=np.arange(5.0)[:, None], sigma=np.ones((5, 1))),  # mu and sigma
    ]
    for family in families:
        per_component = family.n_params() / family.n_components
        assert set(family.degenerate_components(counts)) == set(np.flatnonzero(counts < per_component).tolist())


def test_product_families_count_one_value_per_feature():
    # three Poisson rates per component, three counts per row: one row holds as many values as rates
    poisson = em.Poisson(2).with_params(rate=np.ones((2, 3)))
    assert list(poisson.degenerate_components(np.array([0.9, 1.0]))) == [0]
    # two categorical columns of three categories: four probabilities, two values per row
    x = np.array([[0, 0], [1, 1], [2, 2], [0, 1], [1, 2], [2, 0]], dtype=float)
    categorical = em.Categorical(2).bind(["a", "b"], data=x)
    categorical = categorical.m_step(categorical.stats(x, np.eye(2)[[0, 0, 0, 1, 1, 1]]))
    assert categorical.n_params() == 2 * (2 + 2)
    assert list(categorical.degenerate_components(np.array([1.9, 2.0]))) == [0]


def test_a_regression_counts_its_response_not_its_covariates():
    # intercept, two slopes and sigma: four parameters, from one response value per row
    regression = em.Regression(target=2, features=[0, 1], n_components=2).with_params(
        coefficients=np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]]), sigma=np.array([0.5, 1.0]))
    assert regression.degenerate_components(np.array([3.5, 4.0])) == {
        0: "effective sample size 3.5 x 1 value(s) per row is below its 4 free parameter(s)"
    }


def test_independent_parts_are_counted_each_on_its_own_columns():
    x = np.array([[0.0, 1.0, 2.0], [2.0, 3.0, 0.0], [1.0, 2.0, 1.0], [10.0, 5.0, 4.0], [12.0, 7.0, 6.0]])
    parts = {"h": em.Gaussian(), ("u", "v"): em.Poisson()}
    family = em.Independent(parts, n_components=2).bind(["h", "u", "v"], data=x)
    family = family.m_step(family.stats(x, np.eye(2)[[0, 0, 0, 1, 1]]))
    # the Gaussian part needs two rows for its mean and variance, the Poisson part one for its two rates
    assert family.degenerate_components(np.array([2.0, 1.0])) == {
        1: "effective sample size 1 x 1 value(s) per row is below its 2 free parameter(s) (columns h)"
    }
    assert family.degenerate_components(np.array([2.0, 2.0])) == {}

"""Standard errors from the observed information."""

import numpy as np
import pandas as pd
import pytest

import emkit as em


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


def _one_gaussian_covariance_errors(covariance):
    """Closed-form standard errors of one Gaussian's covariance matrix on Old Faithful, by label.

    At the MLE the observed information of one Gaussian is its expected one:
    ``se(s_ij)^2 = (s_ii s_jj + s_ij^2) / n`` for a full matrix (``2 s_ii^2 / n``
    on the diagonal), ``2 s_ii^2 / n`` on the diagonal of a diagonal one and,
    for one variance ``s^2 = tr(S) / d`` shared by the ``d`` features,
    ``2 s^4 / (n d)``. Off the diagonal of an axis-aligned matrix there is
    no error (a fixed 0).
    """
    x = em.datasets.load("faithful")
    n, d = x.shape
    scatter = np.cov(x.to_numpy().T, bias=True)
    variances = np.diag(scatter)
    if covariance in ("VVV", "EEE"):
        errors = np.sqrt((np.outer(variances, variances) + scatter**2) / n)
    elif covariance == "VVI":
        errors = np.diag(np.sqrt(2 / n) * variances)
    else:
        errors = np.eye(d) * np.sqrt(2 / (n * d)) * variances.mean()
    return pd.Series(
        {f"covariances[0, {a}, {b}]": errors[i, j] for i, a in enumerate(x.columns) for j, b in enumerate(x.columns)}
    ).replace(0.0, np.nan)


@pytest.mark.parametrize("covariance", ["VVV", "EEE", "VVI", "VII"])
def test_one_gaussian_on_correlated_data_matches_the_closed_form_covariance_errors(covariance):
    # Eruptions and waiting correlate at 0.9: the entries of the covariance matrix are strongly
    # correlated free parameters, whose finite-difference information must still invert to 1e-4.
    x = em.datasets.load("faithful")
    fit = em.GaussianMixture(1, covariance=covariance).fit(x, random_state=0)
    expected = _one_gaussian_covariance_errors(covariance)
    std_error = em.summary(fit, x).loc[expected.index, "std_error"]
    np.testing.assert_allclose(std_error, expected, rtol=1e-4)


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
    assert ((wide.lower < narrow.lower) & (narrow.lower < narrow.estimate)).all()
    assert ((wide.upper > narrow.upper) & (narrow.upper > narrow.estimate)).all()
    means = wide.index.str.startswith("means")  # no bound: the plain Wald interval, symmetric
    np.testing.assert_allclose(wide.upper[means] - wide.estimate[means], 2.5758293 * wide.std_error[means])
    np.testing.assert_allclose((wide.upper + wide.lower)[means] / 2, wide.estimate[means])
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
    theta = fit.mixture.free_parameters()
    assert theta.size == fit.n_params
    again = fit.mixture.with_free_parameters(theta)
    np.testing.assert_allclose(again.log_joint(x), fit.mixture.log_joint(x), rtol=1e-12)


def test_categorical_free_parameters_keep_probabilities_summing_to_one():
    x = np.random.default_rng(5).integers(0, 3, size=(300, 2)).astype(float)
    fit = em.Mixture(em.Categorical(), 2).fit(x, init="random", random_state=0)
    theta = fit.mixture.free_parameters()
    assert theta.size == fit.n_params
    moved = fit.mixture.with_free_parameters(theta + 0.01)
    np.testing.assert_allclose(np.nansum(moved.families[0].params["probs"], axis=2), 1.0)


def test_single_categorical_matches_multinomial_errors_and_fixes_an_unseen_category():
    # One component: the MLE is the multinomial frequencies, SE sqrt(p (1 - p) / n) for every
    # category, the largest (the dependent one) included. The declared category "d" never
    # occurs: its probability is 0 whatever the others, not estimated, and the others keep
    # the multinomial errors of a three-category table.
    codes = np.random.default_rng(6).choice(3, size=500, p=[0.5, 0.3, 0.2])
    frame = pd.DataFrame({"c": pd.Categorical(np.array(["a", "b", "c"])[codes], categories=list("abcd"))})
    fit = em.Mixture(em.Categorical(), 1).fit(frame)
    table = em.summary(fit, frame)
    for category, count in zip("abc", np.bincount(codes)):
        p = count / 500
        row = table.loc[f"probs[0, c, {category}]"]
        assert row.estimate == pytest.approx(p)
        assert row.std_error == pytest.approx(np.sqrt(p * (1 - p) / 500), rel=1e-3)
        assert row.note == ""
    unseen = table.loc["probs[0, c, d]"]
    assert unseen.estimate == 0 and np.isnan(unseen.std_error)
    assert unseen.note == "not estimated by the likelihood (fixed)"
    assert fit.n_params == 2
    assert table.loc["weights[0]", "note"] == "not estimated by the likelihood (fixed)"


def test_poisson_rate_estimated_at_zero_is_on_the_boundary():
    rng = np.random.default_rng(7)
    x = np.column_stack([rng.poisson(3.0, 400), np.zeros(400)])
    fit = em.Mixture(em.Poisson(), 1).fit(x)
    table = em.summary(fit, x)
    rate = fit.params.rate.values[0, 0]
    assert table.loc["rate[0, 0]", "std_error"] == pytest.approx(np.sqrt(rate / 400), rel=1e-3)
    assert np.isnan(table.loc["rate[0, 1]", "std_error"])
    assert table.loc["rate[0, 1]", "note"] == "on or near a bound (rate = 0): no standard error"


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_difference_steps_follow_the_parameter_scale_not_its_value(scale):
    # Centred data put the mean's estimate at (almost) 0, whatever the units: the steps must
    # follow the standard error, not |theta|.
    x = np.random.default_rng(8).normal(0.0, 2.0, size=(400, 1))
    x = (x - x.mean()) * scale
    fit = em.GaussianMixture(1, reg_covar=0.0).fit(x)
    table = em.summary(fit, x)
    var = fit.params.covariances.item()
    assert table.loc["means[0, 0]", "std_error"] == pytest.approx(np.sqrt(var / 400), rel=1e-4)
    assert table.loc["covariances[0, 0, 0]", "std_error"] == pytest.approx(np.sqrt(2 / 400) * var, rel=1e-4)


def test_unidentified_parameters_get_nan_with_a_reason_not_garbage():
    # Two identical components: EM keeps them identical, the weight does not change the
    # likelihood, and the information is singular.
    x = np.random.default_rng(9).normal(0.0, 1.0, size=(300, 1))
    init = em.GaussianMixture(2).fit(x, random_state=0).params.copy(deep=True)
    init["means"].values[:] = x.mean()
    init["covariances"].values[:] = x.var()
    init["weights"].values[:] = [0.3, 0.7]
    fit = em.GaussianMixture(2).fit(x, init=init, max_iter=5)
    with pytest.warns(UserWarning, match="see the note column"):
        table = em.summary(fit, x)
    assert table.std_error.isna().all()
    assert table.loc["weights[0]", "note"].startswith("log-likelihood flat")
    assert (table.note != "").all()


def test_report_shows_why_a_standard_error_is_missing():
    rng = np.random.default_rng(7)
    x = np.column_stack([rng.poisson(3.0, 400), np.zeros(400)])
    text = em.report(em.Mixture(em.Poisson(), 1).fit(x), x, n_draws=2)
    assert "the note says why a standard error is missing" in text
    assert "<td>on or near a bound (rate = 0): no standard error</td>" in text


def test_student_t_degrees_of_freedom_indistinguishable_from_their_limit_are_on_the_boundary():
    # Gaussian data: the likelihood hardly changes between the estimated dof and the upper
    # limit of DOF_BOUNDS, so dof has no standard error; location and scale keep theirs.
    x = np.random.default_rng(10).normal(0.0, 1.0, size=(500, 1))
    fit = em.Mixture(em.StudentT("VVV"), 1).fit(x, random_state=0)
    table = em.summary(fit, x)
    assert np.isnan(table.loc["dof[0]", "std_error"])
    assert table.loc["dof[0]", "note"].startswith("on or near a bound (dof = ")
    assert table.loc[["means[0, 0]", "scales[0, 0, 0]"], "std_error"].notna().all()


def test_summary_of_a_weighted_fit_equals_that_of_repeated_rows():
    X = em.datasets.load("faithful")
    weighted = em.GaussianMixture(2).fit(X, sample_weight=np.full(len(X), 2.0), random_state=0)
    doubled = pd.concat([X, X], ignore_index=True)
    repeated = em.GaussianMixture(2).fit(doubled, init=weighted.params, random_state=0)
    a = em.summary(weighted, X, sample_weight=np.full(len(X), 2.0))
    b = em.summary(repeated, doubled)
    np.testing.assert_allclose(a.std_error.values, b.std_error.values, rtol=2e-3)


Z95 = 1.959963984540054


def logit_interval(p, se):
    """The 95% Wald interval of a probability on the logit scale, by hand."""
    half = Z95 * se / (p * (1 - p))
    return tuple(1 / (1 + np.exp(-(np.log(p / (1 - p)) + sign * half))) for sign in (-1, 1))


def test_an_interval_for_a_rare_category_stays_inside_zero_one_on_the_logit_scale():
    # 3 of 300 rows take "rare": p = 0.01, SE 0.0057, so the plain Wald lower limit is below 0.
    frame = pd.DataFrame({"c": ["rare"] * 3 + ["common"] * 297})
    fit = em.Mixture(em.Categorical(), 1).fit(frame)
    row = em.summary(fit, frame).loc["probs[0, c, rare]"]
    p = 3 / 300
    assert row.std_error == pytest.approx(np.sqrt(p * (1 - p) / 300), rel=1e-3)
    assert row.estimate - Z95 * row.std_error < 0  # what the plain interval would give
    assert 0 < row.lower < p < row.upper < 1
    np.testing.assert_allclose([row.lower, row.upper], logit_interval(p, np.sqrt(p * (1 - p) / 300)), rtol=1e-3)


def test_hidden_markov_transitions_near_zero_and_one_keep_their_intervals_inside_zero_one():
    # Blocks of 100 steps in states 0, 1, 0, 1, with emissions 8 SDs apart (the states are all
    # but observed): 2 switches in 200 steps out of state 0, 1 in 199 out of state 1.
    states = np.repeat([0, 1, 0, 1], 100)
    x = np.random.default_rng(11).normal(np.array([0.0, 8.0])[states], 1.0)[:, None]
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, n_init=2, random_state=0)
    table = em.summary(fit, x)
    first = int(fit.params.means.values.argmin())  # the state of the first block
    rows = table.loc[[f"transmat[{first}, {1 - first}]", f"transmat[{1 - first}, {first}]"]]
    switches, steps = np.array([2, 1]), np.array([200, 199])
    np.testing.assert_allclose(rows.estimate, switches / steps, rtol=1e-3)
    binomial = np.sqrt(switches / steps * (1 - switches / steps) / steps)
    np.testing.assert_allclose(rows.std_error, binomial, rtol=0.05)
    rows = table.loc[table.index.str.startswith("transmat")]
    assert ((rows.estimate - Z95 * rows.std_error < 0) | (rows.estimate + Z95 * rows.std_error > 1)).any()
    assert ((0 < rows.lower) & (rows.lower < rows.estimate) & (rows.estimate < rows.upper) & (rows.upper < 1)).all()
    np.testing.assert_allclose(rows[["lower", "upper"]].values.T, logit_interval(rows.estimate, rows.std_error), rtol=1e-9)


def test_a_small_variance_interval_stays_positive_on_the_log_scale():
    # n = 6: the variance's SE sqrt(2 / n) sigma^2 is 0.58 times the estimate, so the plain lower limit is negative.
    x = np.random.default_rng(12).normal(0.0, 0.01, size=(6, 1))
    fit = em.GaussianMixture(1, reg_covar=0.0).fit(x)
    row = em.summary(fit, x).loc["covariances[0, 0, 0]"]
    var = x.var()
    assert row.estimate - Z95 * row.std_error < 0
    assert 0 < row.lower < var < row.upper
    np.testing.assert_allclose([row.lower, row.upper], var * np.exp([-Z95 * np.sqrt(2 / 6), Z95 * np.sqrt(2 / 6)]), rtol=1e-3)


def test_well_determined_parameters_get_the_plain_wald_interval():
    # Large n: the transformed scale is locally linear over the interval, so the limits agree
    # with estimate -/+ z SE (closed-form SEs as the oracle) to well within 1%.
    rng = np.random.default_rng(13)
    n = 20_000
    x = rng.normal(5.0, 2.0, size=(n, 1))
    table = em.summary(em.GaussianMixture(1, reg_covar=0.0).fit(x), x)
    var = x.var()
    plain = var + np.array([-1, 1]) * Z95 * np.sqrt(2 / n) * var
    np.testing.assert_allclose(table.loc["covariances[0, 0, 0]", ["lower", "upper"]].values.astype(float), plain, rtol=1e-3)
    frame = pd.DataFrame({"c": rng.choice(["a", "b"], size=n, p=[0.3, 0.7])})
    row = em.summary(em.Mixture(em.Categorical(), 1).fit(frame), frame).loc["probs[0, c, a]"]
    p = (frame.c == "a").mean()
    plain = p + np.array([-1, 1]) * Z95 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose([row.lower, row.upper], plain, rtol=1e-2)


@pytest.mark.parametrize("p, n", [(0.05, 100), (0.01, 500), (0.1, 50)])
def test_logit_intervals_cover_a_binomial_probability_better_than_plain_wald(p, n):
    """Exact coverage over the binomial distribution of the count (scipy.stats.binom as the oracle)."""
    from scipy import stats
    from emkit.diagnostics.uncertainty import interval_on_domain

    count = np.arange(n + 1)
    estimate = count / n
    se = np.sqrt(estimate * (1 - estimate) / n)
    lower, upper = interval_on_domain(estimate, se, Z95, np.zeros(n + 1), np.ones(n + 1))
    probability = stats.binom.pmf(count, n, p)
    coverage = probability[(lower < p) & (p < upper)].sum()
    plain = probability[(estimate - Z95 * se < p) & (p < estimate + Z95 * se)].sum()
    assert plain < 0.89 and 0.95 <= coverage <= 0.975
    assert abs(coverage - 0.95) < abs(plain - 0.95)

"""EM with values missing at random (missing="marginalize"), checked against independent oracles."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import optimize, special, stats
from scipy.stats import multivariate_normal

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES


def _two_clusters(n=120, seed=0, rate=0.25):
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 1.5, 0.4], [0.2, 0.4, 0.8]])
    x = np.r_[rng.multivariate_normal([0, 0, 0], cov, n), rng.multivariate_normal([3, 4, -2], cov * 0.7, n)]
    x[rng.random(x.shape) < rate] = np.nan
    return x


def _start(x, K=2):
    """Starting parameters as a Dataset: split by the first observed coordinate's sign of the row mean."""
    means = np.array([[0.5, 0.5, 0.5], [2.5, 3.5, -1.5]])[:K]
    covs = np.repeat(np.eye(3)[None] * 2.0, K, axis=0)
    return xr.Dataset(
        {"weights": ("component", np.full(K, 1.0 / K)), "means": (("component", "feature"), means),
         "covariances": (("component", "feature", "feature2"), covs)},
        coords={"component": np.arange(K), "feature": np.arange(3), "feature2": np.arange(3)},
    )


def _reference_em(x, weights, means, covs, n_iter):
    """Conditional-expectation EM for a full-covariance Gaussian mixture with NaN, row by row (plain numpy)."""
    trace = []
    K, d = means.shape
    for it in range(n_iter + 1):
        n = len(x)
        logj = np.zeros((n, K))
        xhat = np.zeros((K, n, d))
        corr = np.zeros((K, n, d, d))
        for i in range(n):
            o = ~np.isnan(x[i])
            m = ~o
            for k in range(K):
                s = covs[k]
                xhat[k, i] = means[k]
                xhat[k, i, o] = x[i, o]
                if o.any():
                    logj[i, k] = multivariate_normal(means[k, o], s[np.ix_(o, o)]).logpdf(x[i, o])
                    b = s[np.ix_(m, o)] @ np.linalg.inv(s[np.ix_(o, o)])
                    xhat[k, i, m] = means[k, m] + b @ (x[i, o] - means[k, o])
                    c = s[np.ix_(m, m)] - b @ s[np.ix_(o, m)]
                else:
                    c = s
                corr[k, i][np.ix_(m, m)] = c
                logj[i, k] += np.log(weights[k])
        top = logj.max(axis=1, keepdims=True)
        ll = top.ravel() + np.log(np.exp(logj - top).sum(axis=1))
        trace.append(ll.sum())
        if it == n_iter:
            break
        r = np.exp(logj - ll[:, None])
        nk = r.sum(axis=0)
        weights = nk / n
        means = np.einsum("nk,knd->kd", r, xhat) / nk[:, None]
        covs = np.empty((K, d, d))
        for k in range(K):
            diff = xhat[k] - means[k]
            covs[k] = (np.einsum("n,ni,nj->ij", r[:, k], diff, diff) + np.einsum("n,nij->ij", r[:, k], corr[k])) / nk[k]
    return np.array(trace), weights, means, covs


def test_em_matches_a_plain_numpy_reference():
    x = _two_clusters(n=40, seed=1)
    x = x[~np.isnan(x).all(axis=1)]
    start = _start(x)
    fit = em.GaussianMixture(2, reg_covar=0.0).fit(x, missing="marginalize", init=start, tol=0, max_iter=8)
    trace, weights, means, covs = _reference_em(
        x, start.weights.values, start.means.values, start.covariances.values, 8
    )
    np.testing.assert_allclose(fit.trace.log_likelihood.values.ravel(), trace, rtol=1e-10)
    np.testing.assert_allclose(fit.params.weights.values, weights, atol=1e-8)
    np.testing.assert_allclose(fit.params.means.values, means, atol=1e-8)
    np.testing.assert_allclose(fit.params.covariances.values, covs, atol=1e-8)


def test_monotone_bivariate_pattern_gives_the_closed_form_mle():
    """Little & Rubin (2002) section 7.2: y1 complete, y2 missing for some rows."""
    rng = np.random.default_rng(3)
    n, n_complete = 200, 120
    y = rng.multivariate_normal([1.0, -2.0], [[2.0, 0.8], [0.8, 1.0]], n)
    y[n_complete:, 1] = np.nan
    y1, y1c, y2c = y[:, 0], y[:n_complete, 0], y[:n_complete, 1]
    mu1 = y1.mean()
    s11 = y1.var()
    beta = np.cov(y1c, y2c, bias=True)[0, 1] / y1c.var()
    alpha = y2c.mean() - beta * y1c.mean()
    resid_var = np.mean((y2c - alpha - beta * y1c) ** 2)
    mu2 = alpha + beta * mu1
    s12 = beta * s11
    s22 = resid_var + beta**2 * s11
    fit = em.GaussianMixture(1, reg_covar=0.0).fit(y, missing="marginalize", tol=1e-14, max_iter=5000)
    np.testing.assert_allclose(fit.params.means.values[0], [mu1, mu2], atol=1e-7)
    np.testing.assert_allclose(fit.params.covariances.values[0], [[s11, s12], [s12, s22]], atol=1e-7)


def test_equal_to_plain_em_when_nothing_is_missing():
    x = np.nan_to_num(_two_clusters(rate=0.0))
    plain = em.GaussianMixture(2).fit(x, random_state=0)
    marginal = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    assert marginal.log_likelihood == pytest.approx(plain.log_likelihood, abs=1e-9)
    np.testing.assert_allclose(marginal.params.means.values, plain.params.means.values, atol=1e-10)


MCLUST_NAMES = sorted(name for name in COVARIANCE_NAMES if len(name) == 3 and name.isupper())


@pytest.mark.parametrize("covariance", MCLUST_NAMES)
def test_log_likelihood_never_decreases(covariance):
    """Every structure takes its M-step from the completed scatter; the observed-data likelihood climbs."""
    x = _two_clusters(seed=2, rate=0.3)
    fit = em.GaussianMixture(2, covariance=covariance).fit(x, missing="marginalize", tol=0, max_iter=30, random_state=0)
    trace = fit.trace.log_likelihood.values.ravel()
    assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:]))
    # the final log-likelihood is that of the observed entries, by scipy
    resp_free = sum(
        w * np.exp([multivariate_normal(m[~np.isnan(r)], c[np.ix_(~np.isnan(r), ~np.isnan(r))]).logpdf(r[~np.isnan(r)])
                    if (~np.isnan(r)).any() else 0.0 for r in x])
        for w, m, c in zip(fit.params.weights.values, fit.params.means.values, fit.params.covariances.values)
    )
    assert fit.log_likelihood == pytest.approx(np.log(resp_free).sum(), rel=1e-10)


def test_row_with_nothing_observed_gets_the_weights_and_contributes_nothing():
    x = _two_clusters(seed=4)
    x[7] = np.nan
    fit = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    np.testing.assert_allclose(fit.predict_proba(x[[7]], missing="marginalize")[0], fit.params.weights, atol=1e-15)
    assert fit.score_samples(x[[7]], missing="marginalize")[0] == 0.0
    same = {"missing": "marginalize", "init": _start(x), "tol": 0, "max_iter": 10}
    with_row = em.GaussianMixture(2).fit(x, **same)
    without = em.GaussianMixture(2).fit(np.delete(x, 7, axis=0), **same)
    np.testing.assert_allclose(with_row.trace.log_likelihood, without.trace.log_likelihood, rtol=1e-12)
    np.testing.assert_allclose(with_row.params.means, without.params.means, atol=1e-12)


def test_chunked_equals_in_memory():
    x = _two_clusters(seed=5)
    start = _start(x)
    whole = em.GaussianMixture(2).fit(x, missing="marginalize", init=start, tol=0, max_iter=15)
    chunked = em.GaussianMixture(2).fit(x, missing="marginalize", init=start, tol=0, max_iter=15, chunk_size=17)
    np.testing.assert_allclose(chunked.trace.log_likelihood, whole.trace.log_likelihood, rtol=1e-12)
    np.testing.assert_allclose(chunked.params.covariances, whole.params.covariances, atol=1e-10)


def test_impute_is_the_posterior_weighted_conditional_mean():
    x = _two_clusters(seed=6)
    fit = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    row = np.array([[1.0, np.nan, np.nan]])
    w, mu, cov = fit.params.weights.values, fit.params.means.values, fit.params.covariances.values
    dens = np.array([w[k] * multivariate_normal(mu[k, :1], cov[k, :1, :1]).pdf(row[0, :1]) for k in range(2)])
    post = dens / dens.sum()
    expected = sum(post[k] * (mu[k, 1:] + cov[k, 1:, :1] @ np.linalg.solve(cov[k, :1, :1], row[0, :1] - mu[k, :1]))
                   for k in range(2))
    np.testing.assert_allclose(fit.impute(row)[0, 1:], expected, atol=1e-12)
    frame = pd.DataFrame(row, columns=[0, 1, 2], index=["a"])
    assert isinstance(fit.impute(frame), pd.DataFrame) and list(fit.impute(frame).index) == ["a"]
    draws = fit.impute(np.repeat(row, 4000, axis=0), n_draws=2, random_state=0)
    assert len(draws) == 2
    np.testing.assert_allclose(draws[0][:, 1:].mean(axis=0), expected, atol=0.1)


def test_nan_without_the_option_names_rows_and_option():
    x = _two_clusters(seed=7)
    rows = np.flatnonzero(np.isnan(x).any(axis=1))
    with pytest.raises(ValueError, match=rf'row\(s\) \[{rows[0]}, .*missing="marginalize"'):
        em.GaussianMixture(2).fit(x)
    complete = em.GaussianMixture(2).fit(x[~np.isnan(x).any(axis=1)], random_state=0)
    assert complete.missing is None
    with pytest.raises(ValueError, match='missing="marginalize"'):
        complete.predict_proba(x)
    assert np.isfinite(complete.predict_proba(x, missing="marginalize")).all()  # the argument overrides the fit's


def _observed_joint_densities(fit, x):
    """``w_k N(x_io | mu_ko, Sigma_koo)`` of every row and component by scipy (the weights for a row with nothing seen)."""
    w, mu, cov = fit.params.weights.values, fit.params.means.values, fit.params.covariances.values
    out = np.tile(w, (len(x), 1))
    for i, seen in enumerate(~np.isnan(x)):
        if seen.any():
            out[i] *= [multivariate_normal(mu[k, seen], cov[k][np.ix_(seen, seen)]).pdf(x[i, seen]) for k in range(len(w))]
    return out


def test_a_fit_remembers_the_option_for_predictions():
    x = _two_clusters(seed=7)
    fit = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    assert fit.missing == "marginalize"
    expected = _observed_joint_densities(fit, x)
    np.testing.assert_allclose(fit.score_samples(x), np.log(expected.sum(axis=1)), rtol=1e-10)
    np.testing.assert_allclose(fit.predict_proba(x), expected / expected.sum(axis=1, keepdims=True), atol=1e-10)
    np.testing.assert_array_equal(fit.predict(x), expected.argmax(axis=1))


def test_the_option_survives_saving_and_loading(tmp_path):
    x = _two_clusters(seed=12)
    fit = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    fit.to_netcdf(tmp_path / "fit.nc")
    loaded = em.load_fit(tmp_path / "fit.nc")
    assert loaded.missing == "marginalize"
    np.testing.assert_allclose(loaded.predict_proba(x), fit.predict_proba(x), rtol=1e-12)
    complete = em.GaussianMixture(2).fit(np.nan_to_num(x), random_state=0)
    complete.to_netcdf(tmp_path / "complete.nc")
    assert em.load_fit(tmp_path / "complete.nc").missing is None


@pytest.fixture(scope="module")
def faithful_with_holes():
    """Old Faithful with 15% of its values missing, and a fit on it with the option."""
    X = em.datasets.load("faithful")
    holes = X.mask(np.random.default_rng(0).random(X.shape) < 0.15)
    return holes, em.GaussianMixture(2, covariance="VVV").fit(holes, missing="marginalize", random_state=0)


def test_inference_data_of_a_missing_value_fit_scores_the_observed_entries(faithful_with_holes):
    X, fit = faithful_with_holes
    idata = fit.to_inference_data(X, n_draws=3, random_state=0)
    dens = _observed_joint_densities(fit, X.to_numpy()).sum(axis=1)
    np.testing.assert_allclose(idata.log_likelihood.x.values[0, 0], np.log(dens), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.isnan(idata.observed_data.waiting.values), X.waiting.isna())


def test_summary_of_a_missing_value_fit_has_finite_standard_errors(faithful_with_holes):
    X, fit = faithful_with_holes
    table = em.summary(fit, X, progress=False)
    assert np.isfinite(table.std_error.to_numpy()).all() and (table.note == "").all()


def test_summary_standard_errors_count_only_the_observed_values():
    """One normal, one feature: rows with NaN carry no information, SE(mu) = sigma / sqrt(n_o), SE(sigma^2) = sigma^2 sqrt(2 / n_o)."""
    rng = np.random.default_rng(13)
    x = rng.normal(3.0, 2.0, (400, 1))
    x[rng.random(400) < 0.3] = np.nan
    seen = x[~np.isnan(x)]
    fit = em.GaussianMixture(1).fit(x, missing="marginalize", random_state=0)
    table = em.summary(fit, x, progress=False)
    variance = seen.var()
    assert table.loc["means[0, 0]", "estimate"] == pytest.approx(seen.mean(), rel=1e-9)
    assert table.loc["means[0, 0]", "std_error"] == pytest.approx(np.sqrt(variance / seen.size), rel=1e-4)
    assert table.loc["covariances[0, 0, 0]", "std_error"] == pytest.approx(variance * np.sqrt(2 / seen.size), rel=1e-4)


@pytest.mark.parametrize("kind", ["nonparametric", "parametric"])
def test_bootstrap_refits_a_missing_value_fit_with_its_option(faithful_with_holes, kind):
    X, fit = faithful_with_holes
    boot = em.bootstrap(fit, X, n_boot=4, kind=kind, random_state=0, progress=False)
    assert (boot.error == "").all()
    assert np.isfinite(boot.means).all() and np.isfinite(boot.covariances).all()
    # a replicate's spread is a sampling spread: its means stay within a few standard errors of the fit's
    assert float(abs(boot.means - fit.params.means).max()) < 5.0


def test_cluster_plots_of_a_missing_value_fit_draw_the_observed_pairs(faithful_with_holes):
    import matplotlib.pyplot as plt

    X, fit = faithful_with_holes
    both = X.notna().all(axis=1).to_numpy()
    data = em.plot.compute_clusters(fit, X)
    np.testing.assert_array_equal(data.points, X.to_numpy()[both])
    np.testing.assert_array_equal(data.labels, fit.predict(X).values[both])
    ax = em.plot.plot_uncertainty(fit, X)
    assert len(ax.collections[0].get_offsets()) == both.sum()
    fig = em.plot.plot_pairs(fit, X)
    for row in range(2):  # each histogram counts its feature's observed values
        assert sum(patch.get_height() for patch in fig.axes[3 * row].patches) == X.iloc[:, row].notna().sum()
    em.plot.plot_clusters(fit, X)
    plt.close("all")


def test_report_of_a_missing_value_fit_counts_the_missing_values(faithful_with_holes, tmp_path):
    X, fit = faithful_with_holes
    page = em.report(fit, X, path=tmp_path / "report.html")
    counts = X.isna().sum()
    assert f"{counts.sum()} value(s) missing (eruptions: {counts.eruptions}, waiting: {counts.waiting})" in page
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == page


def _answers_with_holes(seed=14):
    rng = np.random.default_rng(seed)
    group = rng.random(300) < 0.4
    answers = pd.DataFrame({
        f"q{j}": np.where(group, rng.choice(["a", "b", "c"], 300, p=[0.7, 0.2, 0.1]),
                          rng.choice(["a", "b", "c"], 300, p=[0.1, 0.3, 0.6])) for j in range(4)
    })
    holes = rng.random(answers.shape) < 0.2
    codes = answers.apply(lambda column: column.map({"a": 0.0, "b": 1.0, "c": 2.0})).mask(holes)
    return answers, holes, codes


@pytest.mark.parametrize("missing_value", ["nan", "none", "na", "categorical"])
@pytest.mark.parametrize("independent", [False, True], ids=["categorical", "independent"])
def test_text_categories_with_missing_values_equal_codes_with_nan(missing_value, independent):
    answers, holes, codes = _answers_with_holes()
    if missing_value == "categorical":
        text = answers.astype("category").mask(holes)
    else:
        hole = {"nan": np.nan, "none": None, "na": pd.NA}[missing_value]
        text = answers.astype(object).where(~holes, hole)
    parts = {column: em.Categorical() for column in answers.columns}
    family = (lambda: em.Independent(parts)) if independent else em.Categorical
    same = {"missing": "marginalize", "random_state": 0, "tol": 1e-10}
    fit = em.Mixture(family(), 2).fit(text, **same)
    by_hand = em.Mixture(family(), 2).fit(codes, **same)
    assert fit.categories == {column: ["a", "b", "c"] for column in answers.columns}
    assert fit.log_likelihood == pytest.approx(by_hand.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(fit.params.probs, by_hand.params.probs, atol=1e-12)
    np.testing.assert_allclose(fit.predict_proba(text), by_hand.predict_proba(codes), atol=1e-12)
    with pytest.raises(ValueError, match=r"column 'q0' is missing in row \d+; pass missing=\"marginalize\""):
        em.Mixture(family(), 2).fit(text, random_state=0)


def test_family_without_marginalisation_says_so():
    with pytest.raises(TypeError, match="cannot marginalise missing values"):
        em.Mixture(em.Uniform()).fit([[0.0], [np.nan], [1.0]], missing="marginalize")


def _counts_with_holes(seed=8):
    rng = np.random.default_rng(seed)
    x = np.r_[rng.poisson([1.0, 3.0, 6.0], (250, 3)), rng.poisson([7.0, 2.0, 12.0], (250, 3))].astype(float)
    x[rng.random(x.shape) < 0.25] = np.nan
    return x


@pytest.mark.parametrize(
    "family, data, mle",
    [
        (em.Poisson(), lambda x: x, lambda x: {"rate": np.nanmean(x, axis=0)}),
        (em.Bernoulli(), lambda x: np.where(np.isnan(x), np.nan, x > 3), lambda x: {"prob": np.nanmean(x, axis=0)}),
    ],
    ids=["poisson", "bernoulli"],
)
def test_one_component_of_a_product_family_is_the_observed_mean(family, data, mle):
    x = data(_counts_with_holes()).astype(float)
    fit = em.Mixture(family, 1).fit(x, missing="marginalize", tol=0, max_iter=100)
    (name, expected), = mle(x).items()
    np.testing.assert_allclose(fit.params[name].values[0], expected, rtol=1e-9)


def test_one_categorical_component_is_the_observed_frequencies():
    rng = np.random.default_rng(9)
    x = rng.choice(3, (400, 2), p=[0.2, 0.5, 0.3]).astype(float)
    x[rng.random(x.shape) < 0.3] = np.nan
    fit = em.Mixture(em.Categorical(), 1).fit(x, missing="marginalize", tol=0, max_iter=100)
    for j in range(2):
        seen = x[~np.isnan(x[:, j]), j]
        np.testing.assert_allclose(fit.params.probs.values[0, j], np.bincount(seen.astype(int)) / seen.size, rtol=1e-9)


def test_poisson_mixture_reaches_a_stationary_point_of_the_observed_likelihood():
    """At the fit, an EM step that drops missing entries (per-feature weights, plain numpy) moves nothing."""
    x = _counts_with_holes()
    fit = em.Mixture(em.Poisson(), 2).fit(x, missing="marginalize", tol=0, max_iter=1000, random_state=0)
    w, rate = fit.params.weights.values, fit.params.rate.values
    observed = ~np.isnan(x)
    filled = np.where(observed, x, 0.0)
    from scipy.stats import poisson

    log_joint = np.log(w) + np.stack(
        [np.where(observed, poisson(rate[k]).logpmf(filled), 0.0).sum(axis=1) for k in range(2)], axis=1
    )
    top = log_joint.max(axis=1, keepdims=True)
    log_p = top.ravel() + np.log(np.exp(log_joint - top).sum(axis=1))
    assert fit.log_likelihood == pytest.approx(log_p.sum(), rel=1e-12)
    r = np.exp(log_joint - log_p[:, None])
    dropped = (r.T @ filled) / (r.T @ observed)
    np.testing.assert_allclose(dropped, rate, rtol=1e-6)
    np.testing.assert_allclose(r.mean(axis=0), w, rtol=1e-6)


def test_independent_parts_marginalise_their_own_entries():
    rng = np.random.default_rng(10)
    h = np.r_[rng.normal(0, 1, 300), rng.normal(5, 1, 300)]
    v = np.r_[rng.poisson(2, 300), rng.poisson(8, 300)].astype(float)
    x = np.c_[h, v]
    x[rng.random(600) < 0.2, 0] = np.nan
    x[rng.random(600) < 0.2, 1] = np.nan
    model = em.Mixture(em.Independent({0: em.Gaussian(), 1: em.Poisson()}), 2)
    fit = model.fit(x, missing="marginalize", tol=0, max_iter=40, random_state=0)
    trace = fit.trace.log_likelihood.values.ravel()
    assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:]))
    from scipy.stats import norm, poisson

    params = fit.params
    comps = []
    for k in range(2):
        g = norm(params.means.values[k, 0], np.sqrt(params.covariances.values[k, 0, 0])).logpdf(np.nan_to_num(x[:, 0]))
        p = poisson(params.rate.values[k, 1]).logpmf(np.nan_to_num(x[:, 1]))
        comps.append(np.log(params.weights.values[k]) + np.where(np.isnan(x[:, 0]), 0, g) + np.where(np.isnan(x[:, 1]), 0, p))
    joint = np.stack(comps, axis=1)
    expected = np.log(np.exp(joint).sum(axis=1)).sum()
    assert fit.log_likelihood == pytest.approx(expected, rel=1e-12)


def test_select_fits_every_cell_on_the_observed_entries():
    x = _two_clusters(seed=11)
    selection = em.select(x, n_components=[1, 2], covariance=["VVV"], missing="marginalize", random_state=0,
                          progress=False)
    direct = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    assert selection.grid.log_likelihood.sel(covariance="VVV", n_components=2).item() == direct.log_likelihood


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_dask_fit_equals_the_in_memory_fit(weighted):
    da = pytest.importorskip("dask.array")
    x = _two_clusters(seed=12)
    x[[3, 50]] = np.nan
    weight = np.random.default_rng(12).integers(1, 4, len(x)).astype(float) if weighted else None
    lazy_weight = None if weight is None else da.from_array(weight, chunks=45)
    same = {"missing": "marginalize", "random_state": 0, "chunk_size": 16, "tol": 0, "max_iter": 20}
    whole = em.GaussianMixture(2).fit(x, sample_weight=weight, **same)
    lazy = em.GaussianMixture(2).fit(da.from_array(x, chunks=45), sample_weight=lazy_weight, **same)
    np.testing.assert_allclose(lazy.trace.log_likelihood, whole.trace.log_likelihood, rtol=1e-10)
    assert lazy.n_obs == whole.n_obs
    for name in ("weights", "means", "covariances"):
        np.testing.assert_allclose(lazy.params[name].values, whole.params[name].values, atol=1e-10)


def test_dask_predictions_and_imputations_equal_the_in_memory_ones():
    """predict_proba, score_samples and impute of a fit read dask blocks with NaN as they read an array."""
    da = pytest.importorskip("dask.array")
    x = _two_clusters(seed=13)
    x[[3, 50, 51]] = np.nan
    fit = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    lazy = da.from_array(x, chunks=45)
    np.testing.assert_allclose(np.asarray(fit.predict_proba(lazy, missing="marginalize")),
                               np.asarray(fit.predict_proba(x, missing="marginalize")), atol=1e-12)
    np.testing.assert_allclose(np.asarray(fit.score_samples(lazy, missing="marginalize")),
                               np.asarray(fit.score_samples(x, missing="marginalize")), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fit.impute(lazy)), np.asarray(fit.impute(x)), rtol=1e-12)


def test_dask_starts_read_the_same_filled_values():
    da = pytest.importorskip("dask.array")
    from emkit._dask_input import filled_for_starts_lazily
    from emkit._missing_input import filled_for_starts
    from emkit.em.dask_data import DaskData

    x = _two_clusters(seed=14, rate=0.4)
    x[:, 2] = np.where(np.arange(len(x)) < 100, np.nan, x[:, 2])  # nothing observed in the first blocks
    weight = np.random.default_rng(14).random(len(x))
    weight[::7] = 0.0
    lazy = filled_for_starts_lazily(DaskData(da.from_array(x, chunks=30), da.from_array(weight, chunks=30), 64))
    kept = weight > 0
    np.testing.assert_array_equal(lazy.compute()[kept], filled_for_starts(x[kept], weight[kept]))


def test_dask_data_with_nan_need_the_option():
    da = pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match=r'row\(s\) \[.*missing="marginalize"'):
        em.GaussianMixture(2).fit(da.from_array(_two_clusters(seed=15), chunks=50))


def test_dask_predictions_check_blocks_with_the_option():
    da = pytest.importorskip("dask.array")
    from emkit._dask_input import checked_when_computed

    x = _counts_with_holes()
    lazy = checked_when_computed(da.from_array(x, chunks=64), em.Poisson().check_data, missing="marginalize")
    np.testing.assert_array_equal(lazy.compute(), x)
    x[70, 1] = np.inf
    with pytest.raises(ValueError, match=r"infinite values in 1 row\(s\) \[70\]"):
        checked_when_computed(da.from_array(x, chunks=64), em.Poisson().check_data, missing="marginalize").compute()
    x[70, 1] = 2.5
    with pytest.raises(ValueError, match="rows counted from row 64"):
        checked_when_computed(da.from_array(x, chunks=64), em.Poisson().check_data, missing="marginalize").compute()


def test_non_finite_density_names_the_row_in_the_whole_data():
    """In a chunk with NaN the complete and the incomplete rows are evaluated apart; the error counts rows in the data."""
    fit = em.Mixture(em.Poisson(), 1).fit([[1.0, 2.0], [3.0, 1.0]])
    chunk = np.array([[1.0, np.nan], [2.0, 2.0], [np.nan, np.nan], [1.0, -1.0], [np.nan, -3.0]])
    with pytest.raises(em.NonFiniteDensityError, match="observation 13 ") as caught:
        fit.mixture.e_step(chunk, offset=10)
    assert caught.value.row == 13
    with pytest.raises(em.NonFiniteDensityError, match="observation 14 "):
        fit.mixture.e_step(np.delete(chunk, 3, axis=0), offset=11)


def test_online_fit_with_missing_values_approaches_the_batch_fit():
    rng = np.random.default_rng(13)
    x = np.r_[rng.normal(0, 1, (3000, 2)), rng.normal(5, 1, (3000, 2))]
    rng.shuffle(x)
    x[rng.random(x.shape) < 0.2] = np.nan
    batches = lambda: (x[i : i + 500] for i in range(0, len(x), 500))  # noqa: E731
    online = em.GaussianMixture(2).fit_online(batches, passes=3, missing="marginalize", random_state=0)
    batch = em.GaussianMixture(2).fit(x, missing="marginalize", random_state=0)
    assert online.log_likelihood == pytest.approx(batch.log_likelihood, rel=1e-4)
    assert online.log_likelihood <= batch.log_likelihood + 1e-6
    newer = online.partial_fit(x[:100], missing="marginalize")
    assert np.isfinite(newer.log_likelihood)


def _positive_with_holes(draw, seed=16, rate=0.25):
    rng = np.random.default_rng(seed)
    x = np.r_[draw(rng, 0, (300, 2)), draw(rng, 1, (300, 2))]
    x[rng.random(x.shape) < rate] = np.nan
    return x


#: family, its scipy distribution from one component's parameters (per feature), data of two clusters.
PRODUCT_FAMILIES = {
    "exponential": (
        em.Exponential(), lambda p, k, j: stats.expon(scale=1 / p.rate.values[k, j]),
        lambda rng, c, shape: rng.exponential([1.0, 4.0][c], shape),
    ),
    "gamma": (
        em.Gamma(), lambda p, k, j: stats.gamma(p.shape.values[k, j], scale=1 / p.rate.values[k, j]),
        lambda rng, c, shape: rng.gamma([2.0, 9.0][c], 1.0, shape),
    ),
    "lognormal": (
        em.LogNormal(reg_var=0.0), lambda p, k, j: stats.lognorm(p.sigma.values[k, j], scale=np.exp(p.mu.values[k, j])),
        lambda rng, c, shape: rng.lognormal([0.0, 2.0][c], 0.5, shape),
    ),
    "vonmises": (
        em.VonMises(), lambda p, k, j: stats.vonmises(p.kappa.values[k, j], loc=p.mu.values[k, j]),
        lambda rng, c, shape: rng.vonmises([0.0, 2.5][c], 4.0, shape),
    ),
}


@pytest.mark.parametrize("name", list(PRODUCT_FAMILIES))
def test_product_family_climbs_the_observed_likelihood_by_scipy(name):
    family, scipy_of, draw = PRODUCT_FAMILIES[name]
    x = _positive_with_holes(draw)
    x[11] = np.nan
    fit = em.Mixture(family, 2).fit(x, missing="marginalize", tol=0, max_iter=40, random_state=0)
    trace = fit.trace.log_likelihood.values.ravel()
    assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:]))
    observed = ~np.isnan(x)
    joint = np.log(fit.params.weights.values) + np.stack([
        sum(np.where(observed[:, j], scipy_of(fit.params, k, j).logpdf(np.where(observed[:, j], x[:, j], 1.0)), 0.0)
            for j in range(2))
        for k in range(2)
    ], axis=1)
    top = joint.max(axis=1, keepdims=True)
    assert fit.log_likelihood == pytest.approx((top.ravel() + np.log(np.exp(joint - top).sum(axis=1))).sum(), rel=1e-10)
    np.testing.assert_allclose(fit.predict_proba(x[[11]], missing="marginalize")[0], fit.params.weights, atol=1e-15)


def _observed_mle(name, column):
    """The maximum-likelihood estimate of one feature from its observed values (scipy special functions and brentq)."""
    if name == "exponential":
        return {"rate": 1 / column.mean()}
    if name == "lognormal":
        return {"mu": np.log(column).mean(), "sigma": np.log(column).std()}
    if name == "gamma":
        delta = np.log(column.mean()) - np.log(column).mean()
        shape = optimize.brentq(lambda a: np.log(a) - special.digamma(a) - delta, 1e-3, 1e4, xtol=1e-14)
        return {"shape": shape, "rate": shape / column.mean()}
    c, s = np.cos(column).mean(), np.sin(column).mean()
    r_bar = np.hypot(c, s)
    kappa = optimize.brentq(lambda k: special.i1e(k) / special.i0e(k) - r_bar, 1e-9, 1e4, xtol=1e-14)
    return {"mu": np.arctan2(s, c), "kappa": kappa}


@pytest.mark.parametrize("name", list(PRODUCT_FAMILIES))
def test_one_component_of_a_product_family_is_the_observed_mle(name):
    family, _, draw = PRODUCT_FAMILIES[name]
    x = _positive_with_holes(lambda rng, c, shape: draw(rng, 0, shape), seed=17)
    fit = em.Mixture(family, 1).fit(x, missing="marginalize", tol=0, max_iter=300)
    for j in range(2):
        for param, expected in _observed_mle(name, x[~np.isnan(x[:, j]), j]).items():
            assert fit.params[param].values[0, j] == pytest.approx(expected, rel=1e-6), (param, j)

"""Partial labels: semi-supervised EM and supervised fits, checked against plain numpy estimates."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

import emkit as em
from emkit.latent.mixture import FiniteMixture


def simulated(n=300, seed=0):
    """Three overlapping bivariate Gaussian classes."""
    rng = np.random.default_rng(seed)
    means = np.array([[0.0, 0.0], [2.0, 1.0], [0.5, 2.5]])
    covs = np.array([[[1.0, 0.3], [0.3, 0.8]], [[0.6, -0.2], [-0.2, 1.2]], [[0.9, 0.0], [0.0, 0.5]]])
    z = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    x = np.array([rng.multivariate_normal(means[k], covs[k]) for k in z])
    return x, z


def partial(z, fraction, seed=1):
    """``z`` with all but about ``fraction`` of the labels replaced by -1 (each class keeps a label)."""
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(len(z)) < fraction, z, -1)
    for k in np.unique(z):
        labels[np.flatnonzero(z == k)[0]] = k
    return labels


def class_estimates(x, resp):
    """Weighted proportions, means and (biased) covariances of each column of ``resp``."""
    n_k = resp.sum(axis=0)
    means = resp.T @ x / n_k[:, None]
    covs = np.array([(resp[:, k, None] * (x - means[k])).T @ (x - means[k]) / n_k[k] for k in range(len(n_k))])
    return n_k / n_k.sum(), means, covs


def log_joint(x, weights, means, covs):
    """``log pi_k + log N(x_i | mu_k, Sigma_k)``, (n, K), by scipy."""
    return np.column_stack([
        np.log(w) + multivariate_normal(m, c).logpdf(x) for w, m, c in zip(weights, means, covs)
    ])


def reference_semi_supervised_em(x, labels, n_iter):
    """Plain semi-supervised EM (VVV): labelled rows one-hot, unlabelled rows by Bayes; start from the labelled rows."""
    K = labels.max() + 1
    known = labels >= 0
    onehot = np.zeros((len(x), K))
    onehot[known, labels[known]] = 1.0
    params = class_estimates(x, onehot)  # one M-step from the labelled rows alone
    for _ in range(n_iter):
        joint = log_joint(x, *params)
        resp = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
        resp[known] = onehot[known]
        params = class_estimates(x, resp)
    joint = log_joint(x, *params)
    objective = joint[known, labels[known]].sum() + logsumexp(joint[~known], axis=1).sum()
    return params, objective


def test_semi_supervised_fit_equals_a_numpy_reference_implementation():
    x, z = simulated()
    labels = partial(z, 0.1)
    fit = em.GaussianMixture(3, "VVV", reg_covar=0.0).fit(x, labels=labels, tol=0, max_iter=25)
    (weights, means, covs), objective = reference_semi_supervised_em(x, labels, 25)
    np.testing.assert_allclose(fit.params.weights.values, weights, rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.params.means.values, means, rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.params.covariances.values, covs, rtol=0, atol=1e-8)
    assert fit.log_likelihood == pytest.approx(objective, abs=1e-8)
    assert np.all(np.diff(fit.trace.log_likelihood.values.ravel()) > -1e-9)  # EM never lowers the objective


def test_labelled_rows_enter_the_statistics_with_weight_one_in_their_class():
    x, z = simulated(60)
    labels = partial(z, 0.3)
    mixture = FiniteMixture([em.Gaussian("full", 3, reg_covar=0.0)]).fit_responsibilities(x, np.eye(3)[z])
    stats = mixture.e_step(x, labels=labels)
    params = mixture.to_dataset(np.array(["a", "b"]))
    weights, means, covs = (params[name].values for name in ("weights", "means", "covariances"))
    joint = log_joint(x, weights, means, covs)
    resp = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    known = labels >= 0
    resp[known] = np.eye(3)[labels[known]]
    np.testing.assert_allclose(stats.component_weight, resp.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.family_stats[0].mean, resp.T @ x / resp.sum(axis=0)[:, None], rtol=1e-10)
    expected = joint[known, labels[known]].sum() + logsumexp(joint[~known], axis=1).sum()
    assert stats.log_likelihood == pytest.approx(expected, rel=1e-12)
    assert stats.classification_log_likelihood == pytest.approx(np.log(resp[~known].max(axis=1)).sum(), rel=1e-10)


def test_fully_labelled_vvv_fit_is_the_per_class_estimate():
    x, z = simulated()
    fit = em.GaussianMixture(3, "VVV", reg_covar=0.0).fit(x, labels=z)
    for k in range(3):
        rows = x[z == k]
        assert fit.params.weights.values[k] == pytest.approx(len(rows) / len(x), abs=1e-12)
        np.testing.assert_allclose(fit.params.means.values[k], rows.mean(axis=0), rtol=0, atol=1e-10)
        np.testing.assert_allclose(fit.params.covariances.values[k], np.cov(rows.T, bias=True), rtol=0, atol=1e-10)


def test_fully_labelled_eee_fit_pools_the_within_class_covariance():
    x, z = simulated()
    fit = em.GaussianMixture(3, "EEE", reg_covar=0.0).fit(x, labels=z)
    pooled = sum(len(x[z == k]) * np.cov(x[z == k].T, bias=True) for k in range(3)) / len(x)
    for k in range(3):
        np.testing.assert_allclose(fit.params.means.values[k], x[z == k].mean(axis=0), rtol=0, atol=1e-10)
        np.testing.assert_allclose(fit.params.covariances.values[k], pooled, rtol=0, atol=1e-10)


def test_iris_with_thirty_percent_of_labels_classifies_the_others():
    iris = pytest.importorskip("sklearn.datasets").load_iris(as_frame=True)
    species = pd.Series(pd.Categorical.from_codes(iris.target, iris.target_names))
    hidden = np.random.default_rng(0).random(len(species)) >= 0.3
    fit = em.GaussianMixture(3, "VVV").fit(iris.data, labels=species.mask(hidden))
    predicted = fit.predict(iris.data).values
    assert np.mean(predicted[hidden] == species.to_numpy()[hidden]) > 0.9


def test_named_labels_name_the_components_everywhere(tmp_path):
    x, z = simulated(120)
    names = np.array(["alpha", "beta", "gamma"])
    labels = pd.Categorical(np.where(partial(z, 0.5) >= 0, names[z], None), categories=["gamma", "alpha", "beta"])
    fit = em.GaussianMixture(3).fit(x, labels=labels)
    assert fit.params.component.values.tolist() == ["gamma", "alpha", "beta"]
    assert fit.predict_proba(x).component.values.tolist() == ["gamma", "alpha", "beta"]
    # the category order decides the components: "gamma" is component 0, whose labelled rows are class 2
    np.testing.assert_allclose(fit.params.means.sel(component="gamma"), x[(z == 2) & (partial(z, 0.5) >= 0)].mean(axis=0),
                               atol=0.5)
    assert set(fit.predict(x).values.tolist()) <= set(names)
    path = tmp_path / "fit.nc"
    fit.to_netcdf(path)
    assert em.load_fit(path).predict_proba(x).component.values.tolist() == ["gamma", "alpha", "beta"]


def test_string_labels_take_sorted_names_and_missing_values_of_every_kind():
    x, z = simulated(90)
    text = np.array(["b", "a", "c"], dtype=object)[z]
    text[::3] = None
    text[1::6] = np.nan
    fit = em.GaussianMixture(3).fit(x, labels=text)
    assert fit.params.component.values.tolist() == ["a", "b", "c"]
    integers = pd.array(np.where(text == None, pd.NA, z), dtype="Int64")  # noqa: E711
    assert em.GaussianMixture(3).fit(x, labels=integers).n_components == 3


def test_chunked_threaded_and_dask_fits_equal_the_in_memory_fit():
    x, z = simulated()
    labels = partial(z, 0.1)
    options = dict(labels=labels, tol=0, max_iter=15)
    whole = em.GaussianMixture(3).fit(x, **options)
    chunked = em.GaussianMixture(3).fit(x, chunk_size=7, **options)
    lazy = em.GaussianMixture(3).fit(da.from_array(x, chunks=(41, 2)), chunk_size=5, **options)
    for other in (chunked, lazy):
        np.testing.assert_allclose(other.params.means, whole.params.means, rtol=0, atol=1e-10)
        np.testing.assert_allclose(other.params.covariances, whole.params.covariances, rtol=0, atol=1e-10)
        assert other.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-12)


def test_a_weight_of_two_equals_a_repeated_labelled_row_and_zero_drops_it():
    x, z = simulated(80)
    labels = partial(z, 0.4)
    weight = np.ones(len(x))
    weight[:5], weight[5:8] = 2.0, 0.0
    keep = np.r_[np.arange(5), np.arange(5), np.arange(8, len(x))]
    weighted = em.GaussianMixture(3).fit(x, labels=labels, sample_weight=weight, tol=0, max_iter=10)
    repeated = em.GaussianMixture(3).fit(x[keep], labels=labels[keep], tol=0, max_iter=10)
    np.testing.assert_allclose(weighted.params.means, repeated.params.means, rtol=0, atol=1e-10)


def test_a_component_without_labelled_rows_is_seeded_among_the_rest():
    rng = np.random.default_rng(3)
    z = rng.choice(3, size=300)
    x = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])[z] + rng.normal(size=(300, 2))  # separated classes
    labels = np.where(z == 2, -1, partial(z, 0.2))
    fit = em.GaussianMixture(3).fit(x, labels=labels, random_state=0)
    again = em.GaussianMixture(3).fit(x, labels=labels, random_state=0)
    np.testing.assert_array_equal(fit.params.means, again.params.means)
    assert np.mean(fit.predict(x).values == z) > 0.95


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.r_[np.zeros(299, int), 3], "component indices 0..2 or -1"),
        (np.zeros(10, int), "one entry per row"),
        (np.full(300, -1), "every label is missing"),
        (np.r_[np.zeros(299), 0.5], "integer component indices"),
        (np.array(["a", "b", "c", "d"] * 75, dtype=object), "must name the 3 components"),
        (pd.Categorical([None] * 300, categories=["a", "b", "c"]), "every label is missing"),
    ],
)
def test_bad_labels_raise_naming_the_problem(labels, message):
    x, _ = simulated()
    with pytest.raises(ValueError, match=message):
        em.GaussianMixture(3).fit(x, labels=labels)


def test_hidden_markov_models_refuse_labels():
    from emkit.estimators import fit_latent_model
    from emkit.latent.hmm import HiddenMarkovChain

    x, z = simulated(50)
    with pytest.raises(NotImplementedError, match="mixtures only"):
        fit_latent_model(
            HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 3)])), x, em.FitResult, n_init=1, init="kmeans++",
            max_iter=5, tol=1e-6, chunk_size=None, sample_weight=None, random_state=0, progress=False, labels=z,
        )


def test_select_passes_labels_to_every_cell():
    x, z = simulated()
    selection = em.select(x, n_components=[2, 3], covariance=["VVV", "EEE"], labels=partial(z, 0.2))
    assert "component indices 0..1" in str(selection.grid.error.sel(covariance="VVV", n_components=2).item())
    supervised = em.GaussianMixture(3, "EEE").fit(x, labels=partial(z, 0.2))
    assert selection.grid.log_likelihood.sel(covariance="EEE", n_components=3).item() == pytest.approx(
        supervised.log_likelihood, rel=1e-9
    )


# -- what the report says about the labels -------------------------------------------------------------------------
def test_fit_records_the_labelled_rows_of_each_component_and_the_report_states_them(tmp_path):
    from emkit.report.labels import labels_sentence

    x, z = simulated(120)
    names = np.array(["gamma", "alpha", "beta"])
    given = partial(z, 0.3)
    labels = pd.Categorical(np.where(given >= 0, names[z], None), categories=names)
    fit = em.GaussianMixture(3).fit(x, labels=labels)
    oracle = pd.Series(given[given >= 0]).value_counts()  # class k is named names[k]
    assert fit.labelled_rows.to_dict() == {names[k]: oracle.get(k, 0) for k in range(3)}
    per_component = ", ".join(f"component {names[k]}: {oracle.get(k, 0)}" for k in range(3))
    sentence = labels_sentence(fit, len(x))
    assert sentence.startswith(f"<p>Semi-supervised fit: {oracle.sum()} of 120 rows labelled ({per_component})")
    assert "compare them only with fits given the same labels" in sentence
    assert f"labels          {oracle.sum()} rows labelled" in fit.summary_text()
    fit.to_netcdf(tmp_path / "fit.nc")
    assert em.load_fit(tmp_path / "fit.nc").labelled_rows.equals(fit.labelled_rows)


def test_report_of_a_fully_labelled_fit_and_of_a_fit_without_labels():
    from emkit.report.labels import labels_sentence

    x, z = simulated(30)
    supervised = em.GaussianMixture(3).fit(x, labels=z)
    counts = np.bincount(z, minlength=3)
    assert labels_sentence(supervised, len(z)).startswith(
        f"<p>Supervised fit: all 30 rows labelled (component 0: {counts[0]}, component 1: {counts[1]}, "
        f"component 2: {counts[2]})")
    unlabelled = em.GaussianMixture(3).fit(x, random_state=0)
    assert unlabelled.labelled_rows is None and labels_sentence(unlabelled, len(z)) == ""
    assert "labels " not in unlabelled.summary_text()

"""Bootstrap replicates with label alignment, and the ArviZ export."""

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import emkit as em
from emkit.diagnostics.alignment import align

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def fit(faithful):
    return em.GaussianMixture(2).fit(faithful, n_init=3, random_state=0)


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]])
def test_alignment_undoes_a_permutation(faithful, order):
    reference = em.GaussianMixture(3).fit(faithful, n_init=3, random_state=0).params
    shuffled = reference.isel(component=order)
    restored = shuffled.isel(component=align(reference, shuffled))
    np.testing.assert_array_equal(restored.means.values, reference.means.values)


def test_alignment_survives_noise(faithful):
    reference = em.GaussianMixture(3).fit(faithful, n_init=3, random_state=0).params
    rng = np.random.default_rng(0)
    noisy = reference.copy(deep=True)
    noisy["means"].values += rng.normal(scale=0.05, size=noisy.means.shape) * noisy.means.std("component").values
    shuffled = noisy.isel(component=[1, 2, 0])
    np.testing.assert_allclose(shuffled.isel(component=align(reference, shuffled)).means, noisy.means)


def test_nonparametric_bootstrap_spread_matches_the_sampling_spread():
    # Known truth: the spread of the bootstrap means of a well-separated component is
    # close to sigma / sqrt(n_k).
    rng = np.random.default_rng(1)
    n = 2000
    x = np.concatenate([rng.normal(0.0, 1.0, (n // 2, 1)), rng.normal(8.0, 2.0, (n // 2, 1))])
    fit = em.GaussianMixture(2).fit(x, random_state=0)
    boot = em.bootstrap(fit, x, n_boot=60, random_state=2)
    assert (boot.error == "").all()
    low = int(np.argmin(fit.params.means.values[:, 0]))
    spread = boot.means.isel(component=low, feature=0).std("draw").item()
    expected = 1.0 / np.sqrt(n / 2)
    assert 0.6 * expected < spread < 1.5 * expected
    # aligned: every replicate keeps the low component in place
    assert (boot.means.isel(component=low, feature=0) < 4).all()


def test_parametric_bootstrap_and_errors(fit, faithful):
    boot = em.bootstrap(fit, faithful, n_boot=4, kind="parametric", random_state=3)
    assert boot.weights.dims == ("draw", "component")
    np.testing.assert_allclose(boot.weights.sum("component"), 1.0)
    with pytest.raises(ValueError, match="kind must be one of"):
        em.bootstrap(fit, faithful, kind="jackknife")
    with pytest.raises(ValueError, match="n_boot must be a positive integer"):
        em.bootstrap(fit, faithful, n_boot=0)


def test_inference_data_groups_and_arviz_functions(fit, faithful, tmp_path):
    import arviz as az

    boot = em.bootstrap(fit, faithful, n_boot=20, random_state=4)
    idata = fit.to_inference_data(faithful, bootstrap=boot, n_draws=15, random_state=5)
    assert idata.posterior.means.shape == (1, 20, 2, 2)
    assert [idata.posterior_predictive[n].shape for n in faithful.columns] == [(1, 15, 272)] * 2
    np.testing.assert_array_equal(idata.observed_data.to_dataframe()[faithful.columns].to_numpy(), faithful.to_numpy())
    assert idata.log_likelihood.x.shape == (1, 20, 272)  # one draw per replicate
    np.testing.assert_array_equal(
        idata.sample_stats.lp.values, fit.trace.log_likelihood.values
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        summary = az.summary(idata, var_names=["means"])
        np.testing.assert_allclose(summary["sd"].values, boot.means.std("draw", ddof=1).values.ravel(), atol=1e-3)
        az.plot_ppc(idata, num_pp_samples=5)
        az.plot_trace(idata.sample_stats, var_names=["lp"])
        az.plot_forest(idata, var_names=["means"])
    path = tmp_path / "idata.nc"
    idata.to_netcdf(str(path))
    back = az.from_netcdf(str(path))
    for group in idata.groups():
        assert back[group].identical(idata[group]) or back[group].equals(idata[group]), group


def test_inference_data_without_bootstrap_holds_the_estimate(fit, faithful):
    idata = fit.to_inference_data(faithful, n_draws=3, random_state=0)
    np.testing.assert_array_equal(idata.posterior.means.values[0, 0], fit.params.means.values)


def _clusters_with_noise():
    rng = np.random.default_rng(0)
    values = np.r_[rng.normal(0, 1, (150, 2)), rng.normal(6, 1, (150, 2)), rng.uniform(-5, 11, (15, 2))]
    return pd.DataFrame(values, columns=["a", "b"])


def test_bootstrap_keeps_components_of_each_family_in_their_slots():
    X = _clusters_with_noise()
    fit = em.Mixture([em.Gaussian("full", n_components=2), em.Uniform()]).fit(X, n_init=3, random_state=0)
    boot = em.bootstrap(fit, X, n_boot=12, random_state=1)
    means = boot.means.sel(feature="a").values[:, :2]
    reference = fit.params.means.sel(feature="a").values[:2]
    # each Gaussian slot stays within a few standard errors (about 0.1) of its reference mean
    np.testing.assert_allclose(means, np.broadcast_to(reference, means.shape), atol=0.6)


def test_bootstrap_resamples_the_weights_with_the_rows():
    X = pd.concat([em.datasets.load("faithful"), pd.DataFrame({"eruptions": [50.0], "waiting": [500.0]})],
                  ignore_index=True)
    weight = np.r_[np.ones(272), 0.0]
    fit = em.GaussianMixture(2).fit(X, sample_weight=weight, random_state=0)
    boot = em.bootstrap(fit, X, n_boot=8, random_state=1, sample_weight=weight)
    assert (boot.error == "").all()
    # the weight-0 outlier at waiting = 500 never pulls a component: every mean is within the data's range
    assert float(boot.means.sel(feature="waiting").max()) < 100
    parametric = em.bootstrap(fit, X, n_boot=2, random_state=1, kind="parametric", sample_weight=weight)
    assert (parametric.error == "").all()

"""Bootstrap summaries: percentile intervals, SD and the MAD-based SD, and their resistance to outlying replicates."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emkit as em

N_OBS = 200
N_BOOT = 100


@pytest.fixture(scope="module")
def normal_data():
    return pd.DataFrame({"x": np.random.default_rng(3).normal(10.0, 2.0, N_OBS)})


@pytest.fixture(scope="module")
def fit(normal_data):
    return em.GaussianMixture(1).fit(normal_data, random_state=0)


@pytest.fixture(scope="module")
def boot(fit, normal_data):
    return em.bootstrap(fit, normal_data, n_boot=N_BOOT, random_state=1, progress=False)


def _with_outlier(boot, shift: float):
    """``boot`` with replicate 0's mean moved by ``shift``: one gross outlier among the replicates."""
    spoiled = boot.copy(deep=True)
    spoiled["means"][0, 0, 0] = spoiled["means"][0, 0, 0] + shift
    return spoiled


def test_summary_columns_match_numpy_and_scipy(boot, fit):
    row = em.plot.compute_bootstrap_intervals(boot, fit, level=0.9).loc["means[0, x]"]
    replicates = boot.means.values[:, 0, 0]
    assert row.sd == pytest.approx(np.std(replicates, ddof=1), rel=1e-12)
    assert row.mad_sd == pytest.approx(stats.median_abs_deviation(replicates, scale="normal"), rel=1e-12)
    assert (row.lower, row.upper) == (pytest.approx(np.percentile(replicates, 5)),
                                      pytest.approx(np.percentile(replicates, 95)))
    assert row.n_ok == N_BOOT


def test_both_scales_estimate_the_standard_error_of_a_mean(boot, fit, normal_data):
    # the nonparametric bootstrap SE of a mean is the plug-in s / sqrt(n) (ddof=0); with 100
    # replicates the SD is within about 7% of it and the MAD-based SD within about 12% (sd of each)
    x = normal_data["x"].to_numpy()
    plug_in_se = np.std(x) / np.sqrt(len(x))
    row = em.plot.compute_bootstrap_intervals(boot, fit).loc["means[0, x]"]
    assert row.sd == pytest.approx(plug_in_se, rel=0.25)
    assert row.mad_sd == pytest.approx(plug_in_se, rel=0.35)


def test_one_outlying_replicate_triples_the_sd_but_not_the_mad_sd_or_interval(boot, fit):
    clean = em.plot.compute_bootstrap_intervals(boot, fit).loc["means[0, x]"]
    # one replicate 40 SDs away: the SD becomes about sqrt(1 + 40^2 / 100) = 4.1 times larger
    spoiled_boot = _with_outlier(boot, 40 * clean.sd)
    spoiled = em.plot.compute_bootstrap_intervals(spoiled_boot, fit).loc["means[0, x]"]
    replicates = spoiled_boot.means.values[:, 0, 0]
    assert spoiled.sd == pytest.approx(np.std(replicates, ddof=1), rel=1e-12)
    assert spoiled.sd > 3 * clean.sd
    assert spoiled.mad_sd == pytest.approx(stats.median_abs_deviation(replicates, scale="normal"), rel=1e-12)
    assert spoiled.mad_sd == pytest.approx(clean.mad_sd, rel=0.1)
    assert spoiled.lower == pytest.approx(np.percentile(replicates, 2.5))
    assert spoiled.upper == pytest.approx(np.percentile(replicates, 97.5))
    assert abs(spoiled.lower - clean.lower) < 0.25 * clean.sd
    assert abs(spoiled.upper - clean.upper) < 0.25 * clean.sd
    assert spoiled.estimate == clean.estimate == fit.params.means.values[0, 0]


def test_failed_replicates_are_left_out_of_every_column(boot, fit):
    broken = boot.copy(deep=True)
    broken["means"][:3] = np.nan
    row = em.plot.compute_bootstrap_intervals(broken, fit).loc["means[0, x]"]
    kept = boot.means.values[3:, 0, 0]
    assert row.n_ok == N_BOOT - 3
    assert row.sd == pytest.approx(np.std(kept, ddof=1))
    assert row.mad_sd == pytest.approx(stats.median_abs_deviation(kept, scale="normal"))


def test_one_replicate_has_no_sd_and_none_has_no_summary(boot, fit):
    one = boot.isel(draw=[0])
    row = em.plot.compute_bootstrap_intervals(one, fit).loc["means[0, x]"]
    assert np.isnan(row.sd) and row.mad_sd == 0.0 and row.lower == row.upper == one.means.values[0, 0, 0]
    none = one.copy(deep=True)
    none["means"][:] = np.nan
    empty = em.plot.compute_bootstrap_intervals(none, fit).loc["means[0, x]"]
    assert empty.n_ok == 0
    assert np.isnan(empty[["lower", "upper", "sd", "mad_sd"]].to_numpy(dtype=float)).all()

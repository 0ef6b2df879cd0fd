"""Saving a fit to netCDF and loading it back is exact; foreign or missing files fail clearly."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import emkit as em

COVARIANCES = ["VVV", "EEE", "VVI", "EEI", "VII", "EII"]


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


def data_of_kind(faithful, kind):
    """Faithful as a DataFrame (string feature coords) or a numpy array (integer feature coords)."""
    return faithful if kind == "strings" else faithful.to_numpy()


def assert_same_fit(a, b, X):
    assert a.params.identical(b.params)
    assert a.trace.identical(b.trace)
    assert a.log_likelihood == b.log_likelihood
    assert a.classification_log_likelihood == b.classification_log_likelihood
    assert a.n_obs == b.n_obs
    assert a.n_params == b.n_params
    assert a.bic() == b.bic() and a.aic() == b.aic() and a.icl() == b.icl()
    assert a.converged == b.converged
    assert a.n_iter == b.n_iter
    assert a.best_restart == b.best_restart
    assert a.features.dtype == b.features.dtype
    np.testing.assert_array_equal(a.features, b.features)
    assert a.predict_proba(X).identical(b.predict_proba(X))
    assert a.score_samples(X).identical(b.score_samples(X))
    assert a.summary_text() == b.summary_text()


@pytest.mark.parametrize("kind", ["strings", "numbers"])
@pytest.mark.parametrize("covariance", COVARIANCES)
def test_round_trip_is_exact(tmp_path, faithful, covariance, kind):
    X = data_of_kind(faithful, kind)
    fit = em.GaussianMixture(3, covariance=covariance).fit(X, n_init=2, tol=1e-4, random_state=0)
    assert fit.trace.log_likelihood.isnull().any()  # restarts of unequal length: the trace is NaN-padded
    path = tmp_path / "fit.nc"
    fit.to_netcdf(path)
    loaded = em.load_fit(path)
    assert_same_fit(fit, loaded, X)
    assert loaded.params.covariances.attrs == fit.params.covariances.attrs
    assert loaded.params.attrs == fit.params.attrs


def test_feature_coordinate_types(tmp_path, faithful):
    for X, expected in [(faithful, ["eruptions", "waiting"]), (faithful.to_numpy(), [0, 1])]:
        path = tmp_path / "fit.nc"
        em.GaussianMixture(2).fit(X, random_state=0).to_netcdf(path)
        assert em.load_fit(path).params.feature.values.tolist() == expected


def test_float_feature_coordinates(tmp_path, faithful):
    X = faithful.set_axis([0.5, 1.5], axis=1)
    fit = em.GaussianMixture(2).fit(X, random_state=0)
    fit.to_netcdf(tmp_path / "fit.nc")
    assert_same_fit(fit, em.load_fit(tmp_path / "fit.nc"), X)


def test_weighted_fit_round_trip(tmp_path, faithful):
    weight = np.linspace(0.5, 2.0, len(faithful))
    fit = em.GaussianMixture(2).fit(faithful, sample_weight=weight, random_state=0)
    fit.to_netcdf(str(tmp_path / "fit.nc"))
    loaded = em.load_fit(str(tmp_path / "fit.nc"))
    assert loaded.n_obs == fit.n_obs == pytest.approx(weight.sum())
    assert_same_fit(fit, loaded, faithful)


def test_loaded_fit_saves_and_initialises(tmp_path, faithful):
    fit = em.GaussianMixture(2, covariance="VVI").fit(faithful, random_state=0)
    fit.to_netcdf(tmp_path / "a.nc")
    loaded = em.load_fit(tmp_path / "a.nc")
    loaded.to_netcdf(tmp_path / "b.nc")
    assert_same_fit(fit, em.load_fit(tmp_path / "b.nc"), faithful)
    again = em.GaussianMixture(2, covariance="VVI").fit(faithful, init=loaded.params)
    assert again.log_likelihood == pytest.approx(fit.log_likelihood, rel=1e-6)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        em.load_fit(tmp_path / "missing.nc")


def test_netcdf_that_is_not_an_emkit_fit(tmp_path):
    path = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", [1.0, 2.0])}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(ValueError, match="is not an emkit fit"):
        em.load_fit(path)


def test_emkit_header_without_groups(tmp_path):
    path = tmp_path / "partial.nc"
    xr.Dataset(attrs={"format": "emkit.FitResult/1"}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(ValueError, match="has no group.*'params'"):
        em.load_fit(path)


@pytest.mark.parametrize("content", ["eruptions,waiting\n1,2\n", b"\x00\x01binary"], ids=["csv", "binary"])
def test_file_that_is_not_netcdf(tmp_path, content):
    path = tmp_path / "fit.nc"
    (path.write_text if isinstance(content, str) else path.write_bytes)(content)
    with pytest.raises(ValueError, match="is not a netCDF-4 file"):
        em.load_fit(path)


def test_directory_is_not_a_fit(tmp_path):
    with pytest.raises(ValueError, match="is not a netCDF-4 file"):
        em.load_fit(tmp_path)

"""Saving a fit to netCDF and loading it back is exact; foreign or missing files fail clearly."""

from __future__ import annotations

import os
import re
import stat

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


# -- damaged files -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_bytes(tmp_path_factory, faithful):
    path = tmp_path_factory.mktemp("saved") / "fit.nc"
    em.GaussianMixture(2).fit(faithful, random_state=0).to_netcdf(path)
    return path.read_bytes()


def assert_refused_naming(path):
    with pytest.raises(ValueError) as refused:
        em.load_fit(path)
    assert str(path) in str(refused.value)
    return str(refused.value)


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.4, 0.8, 0.99])
def test_truncated_file_is_a_value_error_naming_it(tmp_path, saved_bytes, fraction):
    path = tmp_path / "fit.nc"
    path.write_bytes(saved_bytes[: int(fraction * len(saved_bytes))])
    assert_refused_naming(path)


def test_files_with_flipped_bytes_are_value_errors_naming_them(tmp_path, saved_bytes):
    rng = np.random.default_rng(0)
    path = tmp_path / "fit.nc"
    for _ in range(15):
        damaged = bytearray(saved_bytes)
        for position in rng.integers(0, len(damaged), size=4):
            damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            em.load_fit(path)  # a flip in unused padding may leave the file intact
        except ValueError as err:
            assert str(path) in str(err)


def edited_copy(tmp_path, saved_bytes, edit):
    """A saved fit changed with h5py (an independent writer)."""
    import h5py

    path = tmp_path / "fit.nc"
    path.write_bytes(saved_bytes)
    with h5py.File(path, "r+") as handle:
        edit(handle)
    return path


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda h: h.attrs.__delitem__("best_restart"), "best_restart"),
        (lambda h: h.attrs.__setitem__("categories", "{not json"), "damaged"),
        (lambda h: h.__delitem__("trace"), "no group.*'trace'"),
        (lambda h: h["params"].attrs.__delitem__("model"), "model"),
        (lambda h: h["params"].__delitem__("covariances"), "covariances"),
    ],
    ids=["root attribute", "bad json", "group", "model attribute", "variable"],
)
def test_missing_or_garbled_parts_are_value_errors_naming_the_file(tmp_path, saved_bytes, edit, reason):
    message = assert_refused_naming(edited_copy(tmp_path, saved_bytes, edit))
    assert re.search(reason, message)


# -- parameters that must be numbers ----------------------------------------------------------
def set_first_entry_nan(name):
    def edit(handle):
        values = handle["params"][name][()]
        values.reshape(-1)[0] = np.nan
        handle["params"][name][...] = values

    return edit


@pytest.mark.parametrize("name", ["means", "covariances", "weights"])
def test_nan_parameter_is_refused_naming_file_and_variable(tmp_path, saved_bytes, name):
    message = assert_refused_naming(edited_copy(tmp_path, saved_bytes, set_first_entry_nan(name)))
    assert name in message


def test_padding_nan_still_loads_but_nan_in_a_family_own_values_does_not(tmp_path):
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 2, 200), rng.integers(0, 4, 200)]).astype(float)
    categorical = em.Mixture(em.Categorical(), n_components=2).fit(x, random_state=0)
    assert np.isnan(categorical.params.probs.values).any()  # column 0 lacks categories 2 and 3
    mixed = em.Mixture([em.Gaussian(), em.Poisson()]).fit(rng.poisson(4.0, (200, 2)).astype(float), random_state=0)
    assert np.isnan(mixed.params.rate.values[0]).all() and np.isnan(mixed.params.means.values[1]).all()
    # (component 1, column 1, category 0) is a real probability; component 1 is the Poisson one
    for fit, name, own_entry in [(categorical, "probs", (1, 1, 0)), (mixed, "rate", (1, 0))]:
        path = tmp_path / "fit.nc"
        fit.to_netcdf(path)
        assert em.load_fit(path).params.identical(fit.params)
        with h5py_file(path) as handle:
            values = handle["params"][name][()]
            values[own_entry] = np.nan
            handle["params"][name][...] = values
        assert name in assert_refused_naming(path)


def h5py_file(path):
    import h5py

    return h5py.File(path, "r+")


# -- file mode and error paths -----------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o000, 0o077])
def test_saved_fits_are_mode_0600_whatever_the_umask(tmp_path, faithful, umask):
    fit = em.GaussianMixture(1).fit(faithful)
    existing = tmp_path / "existing.nc"
    existing.write_bytes(b"")
    existing.chmod(0o664)
    previous = os.umask(umask)
    try:
        fit.to_netcdf(tmp_path / "new.nc")
        fit.to_netcdf(existing)
    finally:
        os.umask(previous)
    for path in (tmp_path / "new.nc", existing):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_uid == os.getuid()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.nc", "new.nc"]  # no temporary file left


def test_cli_fit_out_writes_mode_0600(tmp_path):
    from emkit.cli import main

    path = tmp_path / "fit.nc"
    assert main(["fit", "--dataset", "faithful", "-k", "2", "--seed", "0", "--out", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert em.load_fit(path).n_components == 2


def test_write_errors_name_the_users_path_not_a_temporary_file(tmp_path, faithful):
    fit = em.GaussianMixture(1).fit(faithful)
    for path, error in [(tmp_path / "missing" / "fit.nc", FileNotFoundError), (tmp_path, IsADirectoryError)]:
        with pytest.raises(error) as failed:
            fit.to_netcdf(path)
        assert str(path) in str(failed.value) and "partial" not in str(failed.value)
    assert list(tmp_path.iterdir()) == []


# -- stepwise EM continues from a loaded fit ---------------------------------------------------------
ONLINE_MODELS = {
    "gaussian EEE": (lambda: em.GaussianMixture(2, covariance="EEE"), "continuous"),
    "categorical": (lambda: em.Mixture(em.Categorical(), n_components=2), "codes"),
    "gaussian + noise": (lambda: em.Mixture([em.Gaussian(), em.Gaussian(), em.Uniform()]), "continuous"),
    "independent": (lambda: em.Mixture(em.Independent({0: em.Gaussian(), 1: em.Exponential()}), n_components=2), "continuous"),
}


def online_data(kind, rng, n):
    if kind == "codes":
        return rng.integers(0, 3, (n, 2)).astype(float)
    return rng.gamma(2.0, [1.0, 3.0], (n, 2))


@pytest.mark.parametrize("name", list(ONLINE_MODELS))
def test_partial_fit_of_a_loaded_fit_equals_that_of_the_fit(tmp_path, name):
    model, kind = ONLINE_MODELS[name]
    rng = np.random.default_rng(1)
    x = online_data(kind, rng, 900)
    fit = model().fit_online(np.array_split(x[:600], 4), random_state=0)
    path = tmp_path / "fit.nc"
    fit.to_netcdf(path)
    loaded = em.load_fit(path)
    batch = x[600:]
    if name == "gaussian + noise":  # the noise box is fixed: keep the batch inside it
        inside = np.all((batch >= fit.params.lower.values[2]) & (batch <= fit.params.upper.values[2]), axis=1)
        batch = batch[inside]
    for step in range(2):
        fit, loaded = fit.partial_fit(batch), loaded.partial_fit(batch)
        assert fit.params.identical(loaded.params)
        assert fit.log_likelihood == loaded.log_likelihood
    assert loaded.online_state.n_steps == fit.online_state.n_steps == 6


def test_batch_fit_has_no_online_state_after_loading(tmp_path, faithful):
    path = tmp_path / "fit.nc"
    em.GaussianMixture(2).fit(faithful, random_state=0).to_netcdf(path)
    with pytest.raises(ValueError, match="fit with Mixture.fit_online first"):
        em.load_fit(path).partial_fit(faithful)


def test_online_group_that_does_not_match_the_model_is_refused(tmp_path, faithful):
    path = tmp_path / "fit.nc"
    em.GaussianMixture(2).fit_online(np.array_split(faithful.values, 4), random_state=0).to_netcdf(path)
    with h5py_file(path) as handle:
        del handle["online"]["family_stats.0.scatter"]
    assert "family_stats.0.scatter" in assert_refused_naming(path)


def test_saving_through_a_symbolic_link_writes_its_target_as_open_would(tmp_path, faithful):
    target, link = tmp_path / "target.nc", tmp_path / "link.nc"
    target.write_bytes(b"")
    link.symlink_to(target)
    em.GaussianMixture(1).fit(faithful).to_netcdf(link)
    assert link.is_symlink() and em.load_fit(target).n_components == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

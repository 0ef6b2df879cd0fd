"""Fits on dask data equal fits on the same data in memory, under any scheduler."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import emkit as em

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

RTOL = 1e-10


def blobs(n=6000, d=3, K=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5.0, size=(K, d))
    labels = rng.integers(K, size=n)
    return centres[labels] + rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d)


#: Structures whose M-step is an inner loop (Celeux & Govaert; Browne & McNicholas).
ITERATIVE_M_STEP = {"VEI", "VEE", "VEV", "EVE", "VVE"}


def assert_same_fit(a, b, rtol=RTOL):
    assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=rtol)
    assert a.n_iter == b.n_iter
    assert a.best_restart == b.best_restart
    for name in a.params.data_vars:
        np.testing.assert_allclose(a.params[name].values, b.params[name].values, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(
        a.trace.log_likelihood.values, b.trace.log_likelihood.values, rtol=rtol, equal_nan=True
    )


#: The executors never see the structure; these cover the compiled full and diagonal kernels,
#: a shared projection, and an inner-loop M-step on each kernel. Chunked against in-memory for
#: all fourteen: tests/test_recovery.py.
DASK_STRUCTURES = ("VVV", "EII", "VEI", "EVE")


@pytest.mark.parametrize("covariance", DASK_STRUCTURES)
def test_dask_fit_equals_in_memory_and_chunked_fit(covariance):
    x = blobs()
    model = em.GaussianMixture(3, covariance=covariance)
    iterative = covariance in ITERATIVE_M_STEP
    kwargs = dict(n_init=1 if iterative else 3, random_state=5, tol=1e-8)
    in_memory = model.fit(x, **kwargs)
    chunked = model.fit(x, chunk_size=701, **kwargs)
    lazy = model.fit(da.from_array(x, chunks=(1100, 2)), **kwargs)
    # An iterative M-step (an inner loop stopping on its tolerance or its cap of updates)
    # may stop one update earlier or later when the statistics differ by rounding, and EM
    # then follows a slightly different path: agreement to 1e-6 there (EM's tol is 1e-8).
    rtol = 1e-6 if iterative else RTOL
    assert_same_fit(chunked, in_memory, rtol)
    assert_same_fit(lazy, in_memory, rtol)


@pytest.mark.parametrize("init", ["kmeans++", "random_from_data", "random"])
def test_every_init_draws_the_same_start_on_dask(init):
    x = blobs(seed=1)
    model = em.GaussianMixture(3, covariance="VVI")
    kwargs = dict(n_init=2, random_state=11, init=init, max_iter=3, tol=0)
    assert_same_fit(model.fit(da.from_array(x, chunks=777), **kwargs), model.fit(x, **kwargs))


def test_weighted_fit_on_dask_with_dask_or_numpy_weights():
    x = blobs(seed=2)
    w = np.random.default_rng(3).integers(0, 4, size=len(x)).astype(float)
    model = em.GaussianMixture(3)
    expected = model.fit(x, sample_weight=w, random_state=0)
    X = da.from_array(x, chunks=1000)
    assert_same_fit(model.fit(X, sample_weight=w, random_state=0), expected)
    assert_same_fit(model.fit(X, sample_weight=da.from_array(w, chunks=1500), random_state=0), expected)


def test_poisson_and_categorical_families_on_dask():
    rng = np.random.default_rng(4)
    counts = np.concatenate([rng.poisson(2.0, (3000, 2)), rng.poisson(9.0, (3000, 2))]).astype(float)
    codes = np.concatenate([rng.choice(3, 3000, p=[0.7, 0.2, 0.1]), rng.choice(3, 3000, p=[0.1, 0.2, 0.7])])
    x = np.column_stack([counts, codes]).astype(float)
    model = em.Mixture(em.Independent({(0, 1): em.Poisson(), 2: em.Categorical()}), 2)
    kwargs = dict(random_state=0, init="random", n_init=2)
    lazy = model.fit(da.from_array(x, chunks=1234), **kwargs)
    assert lazy.params.sizes["category"] == 3  # bound from the dask data's range
    assert_same_fit(lazy, model.fit(x, **kwargs))


def test_dask_backed_dataarray_keeps_coordinates(tmp_path):
    x = blobs(seed=6)
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    expected = em.GaussianMixture(3).fit(frame, random_state=1)
    array = xr.DataArray(x, dims=("row", "feature"), coords={"feature": ["a", "b", "c"]})
    path = tmp_path / "data.nc"
    array.to_dataset(name="x").to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf", chunks={"row": 1000}) as stored:
        assert stored.x.chunks is not None
        lazy = em.GaussianMixture(3).fit(stored.x, random_state=1)
    assert lazy.params.feature.values.tolist() == ["a", "b", "c"]
    assert_same_fit(lazy, expected)


def test_zarr_store_opened_by_xarray(tmp_path):
    zarr = pytest.importorskip("zarr")  # noqa: F841
    x = blobs(seed=7, d=2)
    xr.Dataset({"x": (("row", "feature"), x)}).to_zarr(tmp_path / "data.zarr")
    stored = xr.open_zarr(tmp_path / "data.zarr", chunks={"row": 700})
    assert_same_fit(em.GaussianMixture(3).fit(stored.x, random_state=2), em.GaussianMixture(3).fit(x, random_state=2))


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit="1GiB"
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_distributed_local_cluster_fit_equals_in_memory(client):
    x = blobs(seed=8, n=8000)
    model = em.GaussianMixture(3, covariance="VVV")
    kwargs = dict(n_init=2, random_state=3)
    X = da.from_array(x, chunks=1500).persist()
    before = sum(client.run(lambda dask_worker: len(dask_worker.state.log)).values())
    lazy = model.fit(X, **kwargs)
    after = sum(client.run(lambda dask_worker: len(dask_worker.state.log)).values())
    assert after > before  # the workers did the passes
    assert_same_fit(lazy, model.fit(x, **kwargs))


def test_fit_reads_dask_data_block_by_block():
    # 32 MB of data generated lazily in 0.8 MB blocks: the fit (k-means++
    # seeding included) never holds more than a few blocks.
    n, d = 1_000_000, 4
    X = da.random.default_rng(9).normal(size=(n, d), chunks=(25_000, d))
    tracemalloc.start()
    try:
        em.GaussianMixture(4).fit(X, random_state=0, max_iter=2, tol=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n * d * 8 / 4


def test_bad_dask_data_is_named():
    x = blobs(seed=10, n=3000)
    x[2500, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN values in 1 row\(s\) \[2500\]"):
        em.GaussianMixture(2).fit(da.from_array(x, chunks=1000))
    counts = np.ones((3000, 1))
    counts[2100] = 0.5
    with pytest.raises(ValueError, match="row 100 is \\[0.5\\] \\(rows counted from row 2000"):
        em.Mixture(em.Poisson(), 2).fit(da.from_array(counts, chunks=1000))
    unknown = da.from_array(np.abs(x[:100]), chunks=10)
    unknown = unknown[unknown[:, 0] > 0]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        em.GaussianMixture(2).fit(unknown)
    with pytest.raises(ValueError, match="sample_weight has 5 values for 3000 observations"):
        em.GaussianMixture(2).fit(da.from_array(np.ones((3000, 1))), sample_weight=da.ones(5))
    with pytest.raises(ValueError, match="non-negative"):
        em.GaussianMixture(2).fit(da.from_array(np.ones((3000, 1))), sample_weight=-da.ones(3000))
    with pytest.raises(TypeError, match="complex"):
        em.GaussianMixture(2).fit(da.from_array(np.ones((30, 1), dtype=complex)))


def test_predictions_on_dask_data_are_lazy_and_equal_in_memory_ones():
    x = blobs(seed=12, n=5000)
    fit = em.GaussianMixture(3).fit(x, random_state=0)
    X = da.from_array(x, chunks=1300)
    resp = fit.predict_proba(X)
    assert resp.chunks is not None  # nothing computed yet
    np.testing.assert_allclose(resp.values, fit.predict_proba(x).values, rtol=1e-12)
    np.testing.assert_array_equal(fit.predict(X).values, fit.predict(x).values)
    np.testing.assert_allclose(fit.score_samples(X).values, fit.score_samples(x).values, rtol=1e-12)
    assert fit.score(X) == pytest.approx(fit.score(x), rel=1e-12)
    with pytest.raises(ValueError, match="X has 2 features; the model was fitted to 3"):
        fit.predict(X[:, :2])


def test_model_selection_on_dask_data_equals_in_memory():
    x = blobs(seed=13, n=3000, d=2)
    kwargs = dict(n_components=[2, 3], covariance=["VVV", "EII"], random_state=0)
    lazy = em.select(da.from_array(x, chunks=700), **kwargs)
    expected = em.select(x, **kwargs)
    assert lazy.best_key == expected.best_key
    np.testing.assert_allclose(lazy.grid.bic.values, expected.grid.bic.values, rtol=RTOL)

"""
Out of core: a zarr store fitted on dask workers
================================================

A Gaussian mixture fitted to a zarr store larger than the memory of the dask workers.
The data are simulated block by block straight into a zarr store (they are never
whole in memory), then fitted on a ``dask.distributed`` LocalCluster whose workers
each get ``--memory-limit``. Every EM pass reads the store block by block on the
workers and sends back only the sufficient statistics.

Run as a script, ``--rows 20000000 --memory-limit 512MiB`` writes 1.28 GB (20 million
rows x 8 features, float64) and fits it with two workers of 512 MiB each (see
:doc:`/scale` for the figures of that run). Without arguments, as here, it runs a
small version of the same job in a temporary directory.
"""

import argparse
import pathlib
import resource
import tempfile
import time

import dask.array as da
import numpy as np
import xarray as xr
from dask.distributed import Client, LocalCluster

import emkit as em

# %%
# Simulating the store block by block
# -----------------------------------
# Each block of rows is drawn from a random stream seeded by the block's position,
# so the data do not depend on how many workers write them.

TRUE_WEIGHTS = np.array([0.4, 0.3, 0.2, 0.1])


def true_means(n_features: int) -> np.ndarray:
    """Well-separated component means, one row per component."""
    return np.random.default_rng(0).normal(scale=6.0, size=(len(TRUE_WEIGHTS), n_features))


def simulate_block(block, block_info=None):
    """Rows of one block of the mixture, drawn from a stream seeded by the block's position."""
    (start, stop), _ = block_info[None]["array-location"]
    rng = np.random.default_rng([1, start])
    labels = rng.choice(len(TRUE_WEIGHTS), size=stop - start, p=TRUE_WEIGHTS)
    return true_means(block.shape[1])[labels] + rng.normal(size=block.shape)


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# %%
# Writing and fitting on a local cluster
# --------------------------------------
# The store is opened lazily as a dask-backed DataArray; ``fit`` maps the E-step
# over its blocks on the workers and adds up their statistics.


def main(argv=None):
    """Write the store, fit it on a local cluster, print what the fit recovered; return the fit."""
    parser = argparse.ArgumentParser(description="Fit a Gaussian mixture to a zarr store on dask workers of limited memory.")
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--block-rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="512MiB", help="memory of each dask worker")
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--n-init", type=int, default=3, help="k-means++ restarts (one may merge two clusters)")
    parser.add_argument("--store", type=pathlib.Path, default=None, help="zarr store path (default: a temporary one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch, LocalCluster(
        n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        store = args.store or pathlib.Path(scratch) / "mixture.zarr"
        template = da.zeros((args.rows, args.features), chunks=(args.block_rows, args.features))
        started = time.perf_counter()
        xr.Dataset({"x": (("row", "feature"), template.map_blocks(simulate_block, dtype=float))}).to_zarr(
            store, mode="w", consolidated=False
        )
        size_mb = args.rows * args.features * 8 / 1e6
        print(f"wrote {size_mb:,.1f} MB to {store.name} in {time.perf_counter() - started:.1f} s")

        X = xr.open_zarr(store, consolidated=False).x  # lazy: a DataArray backed by dask, one block per zarr chunk
        started = time.perf_counter()
        fit = em.GaussianMixture(len(TRUE_WEIGHTS)).fit(X, n_init=args.n_init, random_state=0, max_iter=args.max_iter)
        seconds = time.perf_counter() - started

        worker_peaks = client.run(peak_memory_mb)
        order = np.argsort(-fit.params.weights.values)
        error = np.abs(fit.params.means.values[order] - true_means(args.features)).max()
        print(
            f"fitted {args.rows:,} rows x {args.features} features in {seconds:.1f} s: {args.n_init} restarts, "
            f"{fit.trace.n_iter.sum().item()} EM iterations in all, best log-likelihood {fit.log_likelihood:.6g}"
        )
        print(f"weights {np.round(fit.params.weights.values[order], 4).tolist()} (true {TRUE_WEIGHTS.tolist()})")
        print(f"largest error of a mean coordinate: {error:.4f}")
        print(
            f"memory limit {args.memory_limit} per worker; peak resident memory of the workers "
            f"{', '.join(f'{mb:.0f} MB' for mb in worker_peaks.values())}, of this process {peak_memory_mb():.0f} MB"
        )
    return fit


# %%
# The log-likelihood of each restart over the EM passes (each pass one read of the store):
if __name__ == "__main__":
    em.plot.plot_convergence(main())

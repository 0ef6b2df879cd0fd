"""Per-iteration time and peak memory of emkit's Gaussian-mixture EM against scikit-learn.

Both libraries start from the same parameters on the same data in the same
process. One EM iteration is an E-step over all the data plus an M-step:

* emkit: ``emkit.em.driver.e_step`` (chunked, fused statistics, chunks on
  all cores as in ``fit``) then ``FiniteMixture.m_step``;
* scikit-learn: ``GaussianMixture._e_step`` then ``_m_step`` (the two calls
  its ``fit`` loop makes per iteration).

Times are the best of ``--repeats`` iterations; peak memory is the largest
extra allocation during one iteration, traced with ``tracemalloc`` (numpy
reports its buffers to it). Run::

    python benchmarks/bench_gmm.py            # default cases
    python benchmarks/bench_gmm.py --quick    # small cases only
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.mixture import GaussianMixture as SklearnGMM

from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData, auto_chunk_size
from emkit.em.driver import e_step
from emkit.em.parallel import default_workers
from emkit.models.mixture import FiniteMixture

SKLEARN_NAMES = {"VVV": "full", "VVI": "diag", "VII": "spherical", "EEE": "tied"}

DEFAULT_CASES = [
    # (n, d, K, covariance)
    (10_000, 2, 3, "VVV"),
    (1_000_000, 16, 8, "VVV"),
    (1_000_000, 16, 8, "VVI"),
    (1_000_000, 16, 8, "VII"),
    (1_000_000, 16, 8, "EEE"),
]
QUICK_CASES = [(10_000, 2, 3, "VVV"), (100_000, 16, 8, "VVV")]


def simulate(n: int, d: int, K: int, rng: np.random.Generator):
    """Well-separated Gaussian clusters and a random partition to start from."""
    centres = rng.normal(scale=4.0, size=(K, d))
    labels = rng.integers(K, size=n)
    x = centres[labels] + rng.normal(size=(n, d))
    start = rng.integers(K, size=n)
    return x, np.eye(K)[start]


def emkit_iteration(mixture: FiniteMixture, data: ChunkedData):
    return mixture.m_step(e_step(mixture, data))


def sklearn_model(mixture: FiniteMixture, covariance: str) -> SklearnGMM:
    """A scikit-learn GaussianMixture holding ``mixture``'s parameters."""
    family = mixture.families[0]
    kind = SKLEARN_NAMES[covariance]
    gm = SklearnGMM(len(mixture.weights), covariance_type=kind)
    covs = family.covariance_matrices()
    if kind == "full":
        gm.covariances_ = covs
    elif kind == "diag":
        gm.covariances_ = np.diagonal(covs, axis1=1, axis2=2).copy()
    elif kind == "spherical":
        gm.covariances_ = covs[:, 0, 0].copy()
    else:
        gm.covariances_ = covs[0]
    gm.weights_ = mixture.weights.copy()
    gm.means_ = family.means.copy()
    from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

    gm.precisions_cholesky_ = _compute_precision_cholesky(gm.covariances_, kind)
    return gm


def sklearn_iteration(gm: SklearnGMM, x: np.ndarray):
    _, log_resp = gm._e_step(x)
    gm._m_step(x, log_resp)


def best_time(step, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(step) -> float:
    """Peak bytes allocated (beyond what was live before) while ``step`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


def run_case(n: int, d: int, K: int, covariance: str, repeats: int, rng) -> dict:
    x, resp = simulate(n, d, K, rng)
    declaration = FiniteMixture([Gaussian(covariance, n_components=K)])
    mixture = declaration.fit_responsibilities(x, resp)
    del resp
    data = ChunkedData(x, None, auto_chunk_size(mixture.working_floats_per_row(d)), default_workers())
    gm = sklearn_model(mixture, covariance)

    emkit_time = best_time(lambda: emkit_iteration(mixture, data), repeats)
    sklearn_time = best_time(lambda: sklearn_iteration(sklearn_model(mixture, covariance), x), repeats)
    emkit_peak = peak_memory(lambda: emkit_iteration(mixture, data))
    sklearn_peak = peak_memory(lambda: sklearn_iteration(gm, x))
    return {
        "case": f"n={n:.0e} d={d} K={K} {covariance}",
        "emkit_s": emkit_time,
        "sklearn_s": sklearn_time,
        "ratio": sklearn_time / emkit_time,
        "emkit_peak_mb": emkit_peak / 2**20,
        "sklearn_peak_mb": sklearn_peak / 2**20,
        "nkd_mb": n * K * d * 8 / 2**20,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    cases = QUICK_CASES if args.quick else DEFAULT_CASES
    header = (
        f"{'case':32s} {'emkit s/iter':>12s} {'sklearn s/iter':>14s} {'speed-up':>9s} "
        f"{'emkit peak MB':>13s} {'sklearn peak MB':>15s} {'n*K*d MB':>9s}"
    )
    print(header)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            row = run_case(*case, repeats=args.repeats, rng=rng)
            print(
                f"{row['case']:32s} {row['emkit_s']:12.4f} {row['sklearn_s']:14.4f} {row['ratio']:8.2f}x "
                f"{row['emkit_peak_mb']:13.1f} {row['sklearn_peak_mb']:15.1f} {row['nkd_mb']:9.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

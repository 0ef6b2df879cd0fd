"""Per-iteration time and peak memory of emkit's Gaussian-mixture EM against scikit-learn.

Both libraries start from the same parameters on the same data in the same
process. One EM iteration is an E-step over all the data plus an M-step:

* emkit: ``emkit.em.driver.e_step`` (chunked, fused statistics, chunks on
  all cores as in ``fit``) then ``FiniteMixture.m_step``;
* scikit-learn: ``GaussianMixture._e_step`` then ``_m_step`` (the two calls
  its ``fit`` loop makes per iteration).

float32 data are passed as they are to both: emkit runs its Gaussian E-step
products in float32 and accumulates the statistics in float64;
scikit-learn keeps float32 input as float32.

Every measurement starts with one untimed, untraced iteration (emkit's
compiled E-step is loaded, or compiled once per machine, on its first call),
then one iteration traced by ``tracemalloc`` (numpy reports its buffers to
it): its peak, beyond what was live before, is the peak memory. emkit's
per-thread scratch buffers (one block of whitened rows, about 2.5 MB per
thread at d=16, K=8) are made by the warm-up and reused, so they are not in
that peak. Then untraced iterations run, at least one and at most
``--iters``, while the time spent on the cell stays within ``--budget``
seconds; the time reported is the best of them (tracing slows numpy's
allocations, so the traced iteration is never timed). The start is a
random partition of the first 100,000 rows, so that large cells do not pay
for an initialisation over all the data.

scikit-learn is first run on the first ``--sklearn-rows`` rows (once per
d, K, covariance and dtype: larger n reuse that measurement); where its
time or memory scaled to all rows would exceed ``--sklearn-max-seconds`` or
``--sklearn-max-gib``, it is not run on all rows and its figures are those
scaled ones, marked ``~`` (both libraries are linear in n).
The ``iters`` column counts the iterations run by each library (``-`` where
scikit-learn's figures are scaled).

The sweep ends with a linearity check: seconds per million rows across n for
each (d, K, covariance, dtype). Run::

    python benchmarks/bench_gmm.py            # default cases (the target case also in float32)
    python benchmarks/bench_gmm.py --quick    # small cases only
    python benchmarks/bench_gmm.py --sweep    # n x d x K x {VVV, VVI}, float32 for the target case
    python benchmarks/bench_gmm.py --n 1e5 1e6 --d 16 --k 8 --covariance VVV --dtype float32 float64
"""

from __future__ import annotations

import argparse
import itertools
import time
import tracemalloc
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.mixture import GaussianMixture as SklearnGMM
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData, auto_chunk_size
from emkit.em.driver import e_step
from emkit.em.parallel import default_workers
from emkit.models.mixture import FiniteMixture

SKLEARN_NAMES = {"VVV": "full", "VVI": "diag", "VII": "spherical", "EEE": "tied"}

#: The target case: emkit at least 8x faster than scikit-learn in float32, 5x in float64.
TARGET = (1_000_000, 16, 8, "VVV")

DEFAULT_CASES = [
    # (n, d, K, covariance, dtype)
    (10_000, 2, 3, "VVV", "float64"),
    TARGET + ("float64",),
    TARGET + ("float32",),
    (1_000_000, 16, 8, "VVI", "float64"),
    (1_000_000, 16, 8, "VII", "float64"),
    (1_000_000, 16, 8, "EEE", "float64"),
]
QUICK_CASES = [(10_000, 2, 3, "VVV", "float64"), (100_000, 16, 8, "VVV", "float64")]

SWEEP = {"n": [100_000, 1_000_000, 10_000_000], "d": [2, 16, 64], "k": [4, 8, 16], "covariance": ["VVV", "VVI"]}

#: Rows of the random partition the start is fitted to.
START_ROWS = 100_000
#: Rows generated at a time (bounds the memory of simulating large data).
BLOCK_ROWS = 1_000_000


def simulate(n: int, d: int, K: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of K well-separated Gaussian clusters in d dimensions (float64)."""
    centres = rng.normal(scale=4.0, size=(K, d))
    x = np.empty((n, d))
    for start in range(0, n, BLOCK_ROWS):
        block = x[start:start + BLOCK_ROWS]
        block[:] = rng.normal(size=block.shape)
        block += centres[rng.integers(K, size=len(block))]
    return x


def start_mixture(x: np.ndarray, K: int, covariance: str, rng: np.random.Generator) -> FiniteMixture:
    """Parameters from a random partition of the first rows of ``x`` (in float64)."""
    head = np.asarray(x[:START_ROWS], dtype=np.float64)
    resp = np.eye(K)[rng.integers(K, size=len(head))]
    return FiniteMixture([Gaussian(covariance, n_components=K)]).fit_responsibilities(head, resp)


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
    gm.precisions_cholesky_ = _compute_precision_cholesky(gm.covariances_, kind)
    return gm


def sklearn_iteration(mixture: FiniteMixture, covariance: str, x: np.ndarray):
    # a fresh model each time: _m_step overwrites the parameters
    gm = sklearn_model(mixture, covariance)
    _, log_resp = gm._e_step(x)
    gm._m_step(x, log_resp)


@dataclass
class Measurement:
    seconds: float  # per iteration, the best measured
    peak_bytes: float  # beyond what was live before one iteration
    iterations: int  # iterations run (the traced one included)
    scaled: bool = False  # scaled from fewer rows, not measured on all

    def scale(self, factor: float) -> "Measurement":
        return Measurement(self.seconds * factor, self.peak_bytes * factor, self.iterations, scaled=True)


def measure(step, iters: int, budget: float) -> Measurement:
    """One traced iteration (peak memory), then untraced ones (the time): at least one, at most
    ``iters``, and no further one once ``budget`` seconds are spent; tracing slows numpy down, so
    the traced iteration is never timed. A first, warm-up iteration is neither traced nor timed."""
    step()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    start = time.perf_counter()
    step()
    traced = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    spent, times = traced, []
    while not times or len(times) < iters and spent + min(times) <= budget:
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return Measurement(min(times) if times else traced, peak - before, 1 + len(times))


def run_case(x: np.ndarray, K: int, covariance: str, args, rng, sampled: dict) -> dict:
    """Both libraries on ``x`` from the same start; scikit-learn scaled from fewer rows if too costly.

    ``sampled`` keeps scikit-learn's measurement on ``--sklearn-rows`` rows by
    (d, K, covariance, dtype), so that larger n reuse it.
    """
    n, d = x.shape
    mixture = start_mixture(x, K, covariance, rng)
    data = ChunkedData(x, None, auto_chunk_size(mixture.fit_floats_per_row(d)), default_workers())
    ours = measure(lambda: emkit_iteration(mixture, data), args.iters, args.budget)

    def theirs(rows, iters):
        return measure(lambda: sklearn_iteration(mixture, covariance, x[:rows]), iters, args.budget)

    note = ""
    key = (d, K, covariance, x.dtype.name)
    if n <= args.sklearn_rows:
        sklearn = theirs(n, args.iters)
        if n == args.sklearn_rows:
            sampled[key] = sklearn
    else:
        if key not in sampled:  # one iteration on fewer rows is enough to scale from
            sampled[key] = theirs(args.sklearn_rows, 1)
        predicted = sampled[key].scale(n / args.sklearn_rows)
        too_slow = predicted.seconds > args.sklearn_max_seconds
        too_large = predicted.peak_bytes + x.nbytes > args.sklearn_max_gib * 2**30
        if too_slow or too_large:
            sklearn = predicted
            why = f"{predicted.seconds:.1f} s/iter" if too_slow else f"{predicted.peak_bytes / 2**30:.1f} GiB"
            note = f"sklearn ~ from {args.sklearn_rows:.0e} rows ({why})"
        else:
            sklearn = theirs(n, args.iters)
    return {
        "n": n, "d": d, "K": K, "covariance": covariance, "dtype": x.dtype.name,
        "emkit": ours, "sklearn": sklearn, "note": note,
    }


HEADER = (
    f"{'case':38s} {'iters':>5s} {'emkit s/iter':>12s} {'sklearn s/iter':>14s} {'speed-up':>9s} "
    f"{'emkit peak MB':>13s} {'sklearn peak MB':>15s} {'n*K*d MB':>9s}  note"
)


def format_row(row: dict) -> str:
    ours, theirs = row["emkit"], row["sklearn"]
    mark = "~" if theirs.scaled else " "
    case = f"n={row['n']:.0e} d={row['d']} K={row['K']} {row['covariance']} {row['dtype']}"
    iters = f"{ours.iterations}/{'-' if theirs.scaled else theirs.iterations}"
    return (
        f"{case:38s} {iters:>5s} {ours.seconds:12.4f} {mark}{theirs.seconds:13.4f} "
        f"{mark}{theirs.seconds / ours.seconds:7.2f}x {ours.peak_bytes / 2**20:13.1f} "
        f"{mark}{theirs.peak_bytes / 2**20:14.1f} {row['n'] * row['K'] * row['d'] * 8 / 2**20:9.0f}  {row['note']}"
    )


def linearity(rows: list[dict]) -> None:
    """Seconds per million rows across n, per (d, K, covariance, dtype): flat if time is linear in n."""
    groups = {}
    for row in rows:
        groups.setdefault((row["d"], row["K"], row["covariance"], row["dtype"]), []).append(row)
    print("\nlinearity: seconds per million rows at each n (max/min near 1 if linear in n)")
    for (d, K, covariance, dtype), group in sorted(groups.items()):
        for library in ("emkit", "sklearn"):
            measured = [r for r in sorted(group, key=lambda r: r["n"]) if not r[library].scaled]
            if len(measured) < 2:
                print(f"  d={d:<3d} K={K:<3d} {covariance} {dtype:8s} {library:8s} (measured at fewer than two n)")
                continue
            per_million = [r[library].seconds / (r["n"] / 1e6) for r in measured]
            cells = "  ".join(f"n={r['n']:.0e}: {s:.4f}" for r, s in zip(measured, per_million))
            spread = max(per_million) / min(per_million)
            print(f"  d={d:<3d} K={K:<3d} {covariance} {dtype:8s} {library:8s} {cells}  max/min {spread:.2f}")


def sweep_cases(args) -> list[tuple]:
    """The grid of cells, ordered so that one data set of each (n, d) serves all its K and covariances."""
    chosen = {axis: getattr(args, axis) or values for axis, values in SWEEP.items()}
    cases = []
    for n, d, K, covariance in itertools.product(*(chosen[a] for a in ("n", "d", "k", "covariance"))):
        if args.dtype:
            dtypes = args.dtype
        else:
            dtypes = ["float64", "float32"] if (n, d, K, covariance) == TARGET else ["float64"]
        cases += [(n, d, K, covariance, dtype) for dtype in dtypes]
    return cases


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Full sweep (about 15-20 minutes on 2 cores): python benchmarks/bench_gmm.py --sweep",
    )
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument(
        "--sweep", action="store_true",
        help="the grid n in {1e5, 1e6, 1e7}, d in {2, 16, 64}, K in {4, 8, 16}, VVV and VVI, float64 "
        "(and float32 for n=1e6 d=16 K=8 VVV); --n/--d/--k/--covariance/--dtype restrict it",
    )
    parser.add_argument("--n", type=lambda s: int(float(s)), nargs="+", help="rows (e.g. 1e6); implies --sweep")
    parser.add_argument("--d", type=int, nargs="+", help="features; implies --sweep")
    parser.add_argument("--k", type=int, nargs="+", help="components; implies --sweep")
    parser.add_argument(
        "--covariance", nargs="+", choices=sorted(SKLEARN_NAMES), help="covariance structures; implies --sweep"
    )
    parser.add_argument(
        "--dtype", nargs="+", choices=["float64", "float32"],
        help="data types of every cell (default: float64, and also float32 for the target case)",
    )
    parser.add_argument(
        "--iters", "--repeats", type=int, default=3,
        help="untraced iterations per library and cell, at most (default 3)",
    )
    parser.add_argument(
        "--budget", type=float, default=10.0,
        help="seconds per library and cell after which no further iteration starts (default 10)",
    )
    parser.add_argument(
        "--sklearn-rows", type=lambda s: int(float(s)), default=START_ROWS,
        help="rows scikit-learn is first run on (default 1e5)",
    )
    parser.add_argument(
        "--sklearn-max-seconds", type=float, default=10.0,
        help="scaled scikit-learn seconds per iteration beyond which it is not run on all rows (default 10)",
    )
    parser.add_argument(
        "--sklearn-max-gib", type=float, default=12.0,
        help="scaled scikit-learn peak plus data (GiB) beyond which it is not run on all rows (default 12)",
    )
    args = parser.parse_args(argv)
    args.sweep = args.sweep or any(v is not None for v in (args.n, args.d, args.k, args.covariance))
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.sweep:
        cases = sweep_cases(args)
    else:
        cases = QUICK_CASES if args.quick else DEFAULT_CASES
        if args.dtype:
            cases = [case[:4] + (dtype,) for case in dict.fromkeys(c[:4] for c in cases) for dtype in args.dtype]
    rng = np.random.default_rng(0)
    print(HEADER)
    rows, sampled = [], {}
    data_key, x64 = None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n, d, K, covariance, dtype in cases:
            if data_key != (n, d):
                data_key, x64 = None, None  # free the previous data first
                x64 = simulate(n, d, max(c[2] for c in cases if c[:2] == (n, d)), np.random.default_rng([n, d]))
                data_key = (n, d)
            x = x64 if dtype == "float64" else x64.astype(dtype)
            rows.append(run_case(x, K, covariance, args, rng, sampled))
            del x
            print(format_row(rows[-1]), flush=True)
    if args.sweep:
        linearity(rows)


if __name__ == "__main__":
    main()

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
each (d, K, covariance, dtype).

``--whole-fit`` times ``fit`` end to end instead, from ordinary starts
(k-means++ and random_from_data in both libraries), ``tol=0`` and the same
K, covariance type and ``max_iter``: the seconds per iteration are
``(t(12 iterations) - t(2 iterations)) / 10``, each time the best of
``--repeats`` fits, so that the initialisation cancels. It runs on the
simulated clusters (means drawn from N(0, 4^2) per coordinate, so no cluster
is centred at zero) and on the same data standardised (each column to mean 0
and variance 1), in float64 and float32; the two libraries alternate on the
same data in the same process, and the table ends with each library's
float32/float64 ratio. Run::

    python benchmarks/bench_gmm.py            # default cases (the target case also in float32)
    python benchmarks/bench_gmm.py --quick    # small cases only
    python benchmarks/bench_gmm.py --sweep    # n x d x K x {VVV, VVI}, float32 for the target case
    python benchmarks/bench_gmm.py --n 1e5 1e6 --d 16 --k 8 --covariance VVV --dtype float32 float64
    python benchmarks/bench_gmm.py --whole-fit            # fit end to end, n=1e6 d=16 K=8 VVV
    python benchmarks/bench_gmm.py --whole-fit --n 2e5 --repeats 2
"""

from __future__ import annotations

import argparse
import functools
import itertools
import time
import tracemalloc
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.mixture import GaussianMixture as SklearnGMM
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

import emkit as em
from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData, auto_chunk_size
from emkit.em.driver import e_step
from emkit.em.parallel import default_workers
from emkit.latent.mixture import FiniteMixture

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

#: Whole-fit mode: the starts, by emkit's name and scikit-learn's.
WHOLE_FIT_INITS = {"kmeans++": "k-means++", "random_from_data": "random_from_data"}
#: Whole-fit mode: the two ``max_iter`` whose time difference gives the time per iteration.
WHOLE_FIT_ITERS = (2, 12)

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


def standardised(x: np.ndarray) -> np.ndarray:
    """Each column of ``x`` shifted to mean 0 and scaled to variance 1."""
    return (x - x.mean(axis=0)) / x.std(axis=0)


def emkit_fit(x: np.ndarray, K: int, covariance: str, init: str, max_iter: int) -> None:
    em.GaussianMixture(K, covariance=covariance).fit(x, init=init, max_iter=max_iter, tol=0, random_state=0)


def sklearn_fit(x: np.ndarray, K: int, covariance: str, init: str, max_iter: int) -> None:
    SklearnGMM(
        K, covariance_type=SKLEARN_NAMES[covariance], init_params=WHOLE_FIT_INITS[init],
        max_iter=max_iter, tol=0, random_state=0,
    ).fit(x)


def seconds_per_iteration(fits: dict, repeats: int) -> dict:
    """``fits`` maps a library to ``fit(max_iter)``; its wall seconds per iteration, from the best of ``repeats``.

    The libraries alternate within each repeat, so that both meet the same
    load from other processes.
    """
    short, long = WHOLE_FIT_ITERS
    best = {}
    for _ in range(repeats):
        for library, fit in fits.items():
            for max_iter in WHOLE_FIT_ITERS:
                start = time.perf_counter()
                fit(max_iter)
                spent = time.perf_counter() - start
                best[library, max_iter] = min(best.get((library, max_iter), np.inf), spent)
    return {library: (best[library, long] - best[library, short]) / (long - short) for library in fits}


WHOLE_FIT_HEADER = (
    f"{'case':22s} {'data':13s} {'dtype':8s} {'init':17s} {'emkit ms/iter':>13s} {'sklearn ms/iter':>15s} "
    f"{'emkit/sklearn':>13s}"
)


def format_whole_fit_row(row: dict) -> str:
    ours, theirs = row["emkit"], row["sklearn"]
    return (
        f"{row['case']:22s} {row['data']:13s} {row['dtype']:8s} {row['init']:17s} "
        f"{ours * 1e3:13.1f} {theirs * 1e3:15.1f} {ours / theirs:13.2f}"
    )


def whole_fit(args) -> None:
    """The ``--whole-fit`` table: fit end to end, emkit against scikit-learn, and each one's float32/float64."""
    n_values, d_values = args.n or [TARGET[0]], args.d or [TARGET[1]]
    k_values, covariances = args.k or [TARGET[2]], args.covariance or [TARGET[3]]
    dtypes = args.dtype or ["float64", "float32"]
    print(f"seconds per iteration = (t(max_iter={WHOLE_FIT_ITERS[1]}) - t(max_iter={WHOLE_FIT_ITERS[0]})) / "
          f"{WHOLE_FIT_ITERS[1] - WHOLE_FIT_ITERS[0]}, best of {args.iters} fits each, tol=0")
    print(WHOLE_FIT_HEADER)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n, d in itertools.product(n_values, d_values):
            clustered = simulate(n, d, max(k_values), np.random.default_rng([n, d]))
            for kind, x64 in (("clusters", clustered), ("standardised", standardised(clustered))):
                for K, covariance, dtype, init in itertools.product(k_values, covariances, dtypes, WHOLE_FIT_INITS):
                    x = x64.astype(dtype, copy=False)
                    fits = {
                        "emkit": functools.partial(emkit_fit, x, K, covariance, init),
                        "sklearn": functools.partial(sklearn_fit, x, K, covariance, init),
                    }
                    for fit in fits.values():  # warm-up: emkit's compiled kernels load on first use
                        fit(1)
                    case = f"n={n:.0e} d={d} K={K} {covariance}"
                    rows.append({"case": case, "data": kind, "dtype": dtype, "init": init,
                                 **seconds_per_iteration(fits, args.iters)})
                    print(format_whole_fit_row(rows[-1]), flush=True)
            del clustered
    float32_against_float64(rows)


def float32_against_float64(rows: list[dict]) -> None:
    """Each library's float32 time per iteration over its float64 one, for every case, data and init."""
    by_key = {(r["case"], r["data"], r["init"], r["dtype"]): r for r in rows}
    pairs = [
        (key[:3], by_key[key[:3] + ("float64",)], r)
        for key, r in by_key.items() if key[3] == "float32" and key[:3] + ("float64",) in by_key
    ]
    if not pairs:
        return
    print("\nfloat32 / float64 time per iteration (below 1: float32 faster)")
    for (case, kind, init), r64, r32 in pairs:
        print(
            f"  {case:22s} {kind:13s} {init:17s} emkit {r32['emkit'] / r64['emkit']:5.2f}   "
            f"sklearn {r32['sklearn'] / r64['sklearn']:5.2f}"
        )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Full sweep (about 15-20 minutes on 2 cores): python benchmarks/bench_gmm.py --sweep",
    )
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument(
        "--whole-fit", action="store_true",
        help="time fit end to end from k-means++ and random_from_data starts, on clustered and standardised "
        "data, float64 and float32 (default n=1e6 d=16 K=8 VVV; --n/--d/--k/--covariance/--dtype choose)",
    )
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
        help="untraced iterations per library and cell, at most; with --whole-fit, fits of each length (default 3)",
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
    if args.whole_fit:
        whole_fit(args)
        return
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

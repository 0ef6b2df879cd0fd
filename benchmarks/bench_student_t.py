"""Per-iteration time of Student-t mixture EM: the compiled one-pass E-step against the per-family path.

No other Python library fits multivariate Student-t mixtures, so the
reference is emkit's own per-family path, run in the same process on the
same data from the same parameters: the same K components held as two
``StudentT`` families (K/2 + K/2), which evaluates each family with numpy
(``StudentT.evaluate``), takes the mixture's log-sum-exp over the
concatenated log-densities and then the statistics. One iteration is
``emkit.em.driver.e_step`` (chunks on all cores, as in ``fit``) plus
``FiniteMixture.m_step``; the time is the best of ``--iters`` after one
warm-up iteration. Run::

    python benchmarks/bench_student_t.py                  # n = 1e6, d = 16, K = 8, VVV and VVI
    python benchmarks/bench_student_t.py --n 100000 --covariance VVV
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import emkit as em
from emkit.em.chunks import ChunkedData, auto_chunk_size
from emkit.em.driver import e_step
from emkit.em.parallel import default_workers
from emkit.latent.mixture import FiniteMixture

#: Rows of the random partition the start is fitted to.
START_ROWS = 100_000


def simulate(n: int, d: int, K: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of K separated clusters with Student-t (3 degrees of freedom) noise."""
    centres = rng.normal(scale=6.0, size=(K, d))
    return centres[rng.integers(K, size=n)] + rng.standard_t(3.0, size=(n, d))


def seconds_per_iteration(mixture: FiniteMixture, x: np.ndarray, iters: int) -> float:
    data = ChunkedData(x, None, auto_chunk_size(mixture.fit_floats_per_row(x.shape[1])), default_workers())
    mixture.m_step(e_step(mixture, data))  # warm-up: loads (or compiles) the kernels
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        mixture.m_step(e_step(mixture, data))
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: int(float(s)), default=1_000_000)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--k", type=int, default=8, help="components (even: the reference splits them in two)")
    parser.add_argument("--covariance", nargs="+", default=["VVV", "VVI"])
    parser.add_argument("--iters", type=int, default=3)
    args = parser.parse_args(argv)
    if args.k < 2 or args.k % 2:
        parser.error("--k must be an even number of at least 2")
    rng = np.random.default_rng(0)
    x = simulate(args.n, args.d, args.k, rng)
    resp = np.eye(args.k)[rng.integers(args.k, size=min(START_ROWS, args.n))]
    half = args.k // 2
    print(f"{'case':34s} {'one-pass s/iter':>15s} {'per-family s/iter':>17s} {'speed-up':>9s}")
    for covariance in args.covariance:
        head = x[: len(resp)]
        one = FiniteMixture([em.StudentT(covariance, n_components=args.k)]).fit_responsibilities(head, resp)
        two = FiniteMixture(
            [em.StudentT(covariance, n_components=half), em.StudentT(covariance, n_components=half)]
        ).fit_responsibilities(head, resp)
        fused = seconds_per_iteration(one, x, args.iters)
        per_family = seconds_per_iteration(two, x, args.iters)
        case = f"n={args.n:.0e} d={args.d} K={args.k} {covariance}"
        print(f"{case:34s} {fused:15.4f} {per_family:17.4f} {per_family / fused:8.2f}x")


if __name__ == "__main__":
    main()

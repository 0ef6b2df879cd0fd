"""Stepwise (online) EM against batch EM on the same simulated data.

Prints, for batch EM (to convergence, 5 restarts) and for stepwise EM (5
restarts of a short EM on the first mini-batch, then the stream) after each
of up to three passes over mini-batches, the wall time and the relative gap
of the final log-likelihood to the batch optimum. Run::

    python benchmarks/bench_online.py                 # n = 1e6
    python benchmarks/bench_online.py --n 10000000    # n = 1e7 (about 1.2 GB of data)
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import emkit as em


def simulate(n: int, d: int, K: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(scale=4.0, size=(K, d))
    return centres[rng.integers(K, size=n)] + rng.normal(size=(n, d))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=4)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args(argv)
    x = simulate(args.n, args.d, args.k, np.random.default_rng(0))
    model = em.GaussianMixture(args.k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        batch = model.fit(x, n_init=5, random_state=0)
        batch_time = time.perf_counter() - start
        print(f"n={args.n:.0e} d={args.d} K={args.k}, {args.batches} mini-batches")
        print(f"{'method':22s} {'seconds':>8s} {'log-likelihood gap':>20s}")
        print(f"{'batch EM, 5 restarts':22s} {batch_time:8.2f} {0.0:20.2e}")
        for passes in (1, 2, 3):
            start = time.perf_counter()
            online = model.fit_online(
                lambda: np.array_split(x, args.batches), passes=passes, n_init=5, random_state=0
            )
            elapsed = time.perf_counter() - start
            gap = (batch.log_likelihood - online.log_likelihood) / abs(batch.log_likelihood)
            print(f"{'stepwise, ' + str(passes) + ' pass(es)':22s} {elapsed:8.2f} {gap:20.2e}")


if __name__ == "__main__":
    main()

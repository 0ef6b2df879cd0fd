"""``fit`` end to end: emkit.sklearn.GaussianMixture against sklearn.mixture.GaussianMixture.

Both estimators get the same data (simulated clusters whose means are drawn
from N(100, 4^2) per coordinate, so the data are far from zero), the same
constructor arguments (``init_params="kmeans"``, which both draw by
scikit-learn's ``KMeans`` for the same ``random_state``, ``tol=0`` so that
both run exactly ``max_iter`` iterations) and alternate in the same process.
Each time is the best of ``--repeats`` fits; the ratio below 1 means emkit
is faster. The time includes validation, the k-means start, EM and, for
emkit, building its ``FitResult``. Run::

    python benchmarks/bench_sklearn.py > benchmarks/results_sklearn.txt
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn import mixture
from sklearn.exceptions import ConvergenceWarning

from emkit.sklearn import GaussianMixture

CASES = [  # n, d, K, covariance_type
    (2_000, 2, 3, "full"),
    (20_000, 8, 4, "full"),
    (200_000, 16, 8, "full"),
    (200_000, 16, 8, "diag"),
]


def clusters(n: int, d: int, K: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows from K unit-variance Gaussian clusters with means drawn from N(100, 4^2)."""
    means = rng.normal(100, 4, (K, d))
    return means[rng.integers(K, size=n)] + rng.normal(size=(n, d))


def best_time(cls, X, repeats: int, **kwargs) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0: neither converges, by design
            cls(**kwargs).fit(X)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-iter", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"# python benchmarks/bench_sklearn.py --repeats {args.repeats} --max-iter {args.max_iter}")
    print(f"# {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; best of {args.repeats} fits")
    print(f"{'case':<28}{'emkit s':>10}{'sklearn s':>11}{'emkit/sklearn':>15}")
    for n, d, K, covariance_type in CASES:
        X = clusters(n, d, K, rng)
        kwargs = {"n_components": K, "covariance_type": covariance_type, "tol": 0.0, "max_iter": args.max_iter,
                  "random_state": 0}
        best_time(GaussianMixture, X[: 50 * K * d], 1, **kwargs)  # emkit's compiled kernels loaded before timing
        ours = best_time(GaussianMixture, X, args.repeats, **kwargs)
        theirs = best_time(mixture.GaussianMixture, X, args.repeats, **kwargs)
        case = f"n={n:.0e} d={d} K={K} {covariance_type}"
        print(f"{case:<28}{ours:>10.3f}{theirs:>11.3f}{ours / theirs:>15.2f}", flush=True)


if __name__ == "__main__":
    main()

"""Per-iteration time and peak memory of emkit's EM for non-Gaussian mixtures against peers.

Families: Poisson (and Bernoulli when ``emkit.Bernoulli`` exists; skipped
otherwise), each a product over d independent features, K components.

Peers, in the same process, on the same data, from the same parameters:

* pomegranate 1.x ``GeneralMixtureModel`` (PyTorch, CPU, float64): one
  iteration is ``summarize(X)`` plus ``from_summaries()``, the two calls its
  ``fit`` loop makes; skipped with a note if pomegranate is not installed;
* a direct vectorised numpy baseline written here: dense ``(n, K)``
  log-densities, responsibilities by log-sum-exp over the full matrix, and
  the M-step ``r' x / n_k`` -- what one writes without chunking.

One emkit iteration is ``emkit.em.driver.e_step`` (chunked as in ``fit``,
chunks on all cores with single-threaded BLAS) plus ``FiniteMixture.m_step``.
Times are the best of ``--repeats`` iterations. Peak memory is the growth of
the process's resident-set high-water mark during one iteration (Linux
``VmHWM``, reset before each measurement; ``tracemalloc`` does not see
PyTorch's buffers), with glibc's mmap threshold fixed so freed buffers are
returned to the system. Run::

    python benchmarks/bench_families.py            # n = 1e6, d = 10, K = 4
    python benchmarks/bench_families.py --quick    # n = 1e5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
from scipy.special import gammaln, logsumexp

import emkit as em
from emkit.em.chunks import ChunkedData, auto_chunk_size
from emkit.em.driver import e_step
from emkit.em.parallel import default_workers, single_threaded_blas
from emkit.latent.mixture import FiniteMixture

try:  # optional peer
    import torch
    from pomegranate import distributions as pg_dist
    from pomegranate.gmm import GeneralMixtureModel

    POMEGRANATE = True
except ImportError:  # pragma: no cover - depends on the machine
    POMEGRANATE = False


# -- data and starting parameters -------------------------------------------------------
def simulate(kind: str, n: int, d: int, K: int, rng: np.random.Generator) -> np.ndarray:
    labels = rng.integers(K, size=n)
    if kind == "poisson":
        rates = rng.gamma(2.0, 3.0, size=(K, d))
        return rng.poisson(rates[labels]).astype(float)
    probs = rng.beta(1.0, 1.0, size=(K, d))
    return (rng.random((n, d)) < probs[labels]).astype(float)


def parameter(mixture: FiniteMixture) -> np.ndarray:
    """The family's (component, feature) parameter array (rate or probability)."""
    family = mixture.families[0]
    ds = family.to_dataset(np.arange(next(iter(family.params.values())).shape[1]))
    name = next(v for v in ds.data_vars if ds[v].dims == ("component", "feature"))
    return ds[name].values


# -- the dense numpy baseline ------------------------------------------------------------
def dense_log_prob(kind: str, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    if kind == "poisson":
        return x @ np.log(theta).T - theta.sum(axis=1) - gammaln(x + 1.0).sum(axis=1, keepdims=True)
    return x @ np.log(theta).T + (1.0 - x) @ np.log1p(-theta).T


def dense_iteration(kind: str, x: np.ndarray, weights: np.ndarray, theta: np.ndarray):
    joint = dense_log_prob(kind, x, theta) + np.log(weights)
    log_density = logsumexp(joint, axis=1, keepdims=True)
    resp = np.exp(joint - log_density)
    n_k = resp.sum(axis=0)
    return n_k / n_k.sum(), (resp.T @ x) / n_k[:, None], float(log_density.sum())


# -- pomegranate ---------------------------------------------------------------------------
def pomegranate_model(kind: str, weights: np.ndarray, theta: np.ndarray):
    make = pg_dist.Poisson if kind == "poisson" else pg_dist.Bernoulli
    if kind == "poisson":
        dists = [make(lambdas=torch.tensor(t, dtype=torch.float64)) for t in theta]
    else:
        dists = [make(probs=torch.tensor(t, dtype=torch.float64)) for t in theta]
    return GeneralMixtureModel(dists, priors=torch.tensor(weights, dtype=torch.float64), max_iter=1)


def pomegranate_iteration(model, x_t):
    logp = model.summarize(x_t)
    model.from_summaries()
    return logp


# -- measurement -------------------------------------------------------------------------------
def best_time(step, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def peak_memory(step) -> float:
    """Growth of the resident set's high-water mark (bytes) while ``step`` runs.

    The kernel's peak (``VmHWM``) is reset through ``/proc/self/clear_refs``
    before the step, so the peak is exact, not sampled. ``main`` runs the
    benchmark with glibc's mmap threshold fixed at 64 KiB, so every large
    buffer (numpy's or PyTorch's) is mapped fresh and returned on free, and
    the resident set measures live buffers rather than recycled heap pages.
    """
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status("VmRSS")
    step()
    return _status("VmHWM") - before


def run_case(kind: str, n: int, d: int, K: int, repeats: int, rng) -> list[dict]:
    x = simulate(kind, n, d, K, rng)
    family = em.Poisson() if kind == "poisson" else em.Bernoulli()
    declaration = FiniteMixture([family.with_components(K)])
    start = declaration.fit_responsibilities(x, np.eye(K)[rng.integers(K, size=n)])
    weights, theta = start.weights.copy(), parameter(start).copy()
    data = ChunkedData(x, None, auto_chunk_size(start.working_floats_per_row(d)), default_workers())

    def emkit_step():
        with single_threaded_blas():  # as in fit: chunks on the cores, one BLAS thread each
            return start.m_step(e_step(start, data))

    rows = []
    t = best_time(emkit_step, repeats)
    rows.append(("emkit", t, peak_memory(emkit_step)))
    rows.append(("numpy dense", best_time(lambda: dense_iteration(kind, x, weights, theta), repeats),
                 peak_memory(lambda: dense_iteration(kind, x, weights, theta))))
    if POMEGRANATE:
        x_t = torch.from_numpy(x)

        def pg_step():
            return pomegranate_iteration(pomegranate_model(kind, weights, theta), x_t)

        rows.append(("pomegranate", best_time(pg_step, repeats), peak_memory(pg_step)))
        # Same parameters, same answer: compare one iteration's log-likelihood.
        ll_pg = float(pg_step())
        ll_em = e_step(start, data).log_likelihood
        assert abs(ll_pg - ll_em) <= 1e-8 * abs(ll_em), (ll_pg, ll_em)
    ll_dense = dense_iteration(kind, x, weights, theta)[2]
    assert abs(ll_dense - e_step(start, data).log_likelihood) <= 1e-8 * abs(ll_dense)
    emkit_time = rows[0][1]
    return [
        {"case": f"{kind} n={n:.0e} d={d} K={K}", "impl": impl, "s": s, "ratio": s / emkit_time,
         "peak_mb": peak / 2**20}
        for impl, s, peak in rows
    ]


def main(argv=None) -> None:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None and argv is None:
        # Re-run with large allocations always mmapped, so the resident set tracks live buffers.
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="65536")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1e5 instead of 1e6")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else 1_000_000
    kinds = ["poisson"] + (["bernoulli"] if hasattr(em, "Bernoulli") else [])
    print(f"workers {default_workers()}, torch threads {torch.get_num_threads() if POMEGRANATE else '-'}")
    if not POMEGRANATE:
        print("pomegranate is not installed: comparing against the dense numpy baseline only")
    if "bernoulli" not in kinds:
        print("emkit has no Bernoulli family yet: Bernoulli skipped")
    print(f"{'case':28s} {'implementation':14s} {'s/iter':>8s} {'time / emkit':>12s} {'peak extra MB':>13s}")
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in kinds:
            for row in run_case(kind, n, 10, 4, args.repeats, rng):
                print(f"{row['case']:28s} {row['impl']:14s} {row['s']:8.4f} {row['ratio']:11.2f}x "
                      f"{row['peak_mb']:13.1f}", flush=True)
    print(f"(n*K floats = {n * 4 * 8 / 2**20:.0f} MB, the dense responsibility matrix)")


if __name__ == "__main__":
    main()

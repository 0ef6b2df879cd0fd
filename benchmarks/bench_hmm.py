"""Per-iteration time and E-step memory of emkit's Gaussian hidden Markov model against hmmlearn.

Both libraries run Baum-Welch from the same parameters on the same data in
the same process: ``em.HiddenMarkovModel(em.Gaussian("VVV", reg_covar=0), K)``
against hmmlearn's ``GaussianHMM(covariance_type="full")`` with
``init_params=""`` (its parameters are set by hand) and its covariance prior
switched off (``covars_prior=0, covars_weight=0``), so that both run the
maximum-likelihood EM; the table checks that their log-likelihoods agree.

Cases (the default run):

* many sequences: 100 sequences of 1,000 steps, d=8, K=8;
* one long sequence: 10^6 steps, d=4, K=8, the data centred near 100, not 0.

The data come from a K-state chain that stays in a state with probability
0.95 and otherwise moves to another state at random, with Gaussian emissions
whose means overlap (so that EM keeps moving for many iterations). The start
is the truth perturbed: means moved by N(0, 0.5^2), covariances times 1.5,
uniform ``startprob``, ``transmat`` 0.8 I + 0.2 / K.

Time per iteration. Whole fits from the start, with ``tol=0`` and a fixed
number of iterations (each library checked to run exactly that many): the
seconds per iteration are ``(t(n iterations) - t(1 iteration)) / (n - 1)``,
each time the best of ``--repeats`` fits, the libraries alternating on the
same data so that both meet the same load from other processes (a first,
untimed emkit fit loads its compiled kernels). emkit runs as a user
gets it (chunks of whole sequences on threads, one per core); it is also
timed held to one core (the process pinned to one CPU, BLAS on one thread).
hmmlearn is timed with its default ``implementation="log"`` and with
``"scaling"``; its compiled recursions run in one thread, and its BLAS calls
(triangular solves of the log-densities) are held to one thread too: on a
loaded machine BLAS's second thread made hmmlearn up to ten times slower and
erratic, and never faster (measured here on 2 cores).

Time split (emkit, one iteration, one thread): the pieces of the E-step timed
directly, chunk by chunk as the fit cuts the data, as ``chain.e_step`` runs
them for a Gaussian emission: the emission log-densities written into the
(T, K) array in compiled blocks (``Gaussian.log_prob_into``), forward-backward
with the counts and the classification log-likelihood
(``emkit.latent.hmm_inference.chain_statistics``) and the emission
statistics from the state posteriors in blocks (``Gaussian.stats_in_blocks``);
then the whole E-step (``chain.e_step``, which adds the bookkeeping) and the
M-step (``chain.m_step``).

Growth: the same split on one sequence (d=4) for T = 10^4, 10^5, 10^6 at
K=8, and for K = 2, 4, 8, 16 at T = 10^5.

Memory: the peak traced by ``tracemalloc`` during one E-step over all the
data (``emkit.em.driver.e_step`` on the fit's chunks), beyond what was live
before, against ``T K 8`` bytes (one float64 per step and state, T the total
number of steps). numba's arrays are traced too.

Run::

    python benchmarks/bench_hmm.py            # the two cases, the split, growth and memory (a few minutes)
    python benchmarks/bench_hmm.py --quick    # smaller data (under a minute)
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import tracemalloc
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from hmmlearn import __version__ as hmmlearn_version
from hmmlearn.hmm import GaussianHMM
from threadpoolctl import threadpool_limits

import emkit as em
from emkit.em.chunks import ChunkedData, auto_chunk_size
from emkit.em.driver import e_step
from emkit.em.parallel import default_workers
from emkit._sequence_input import sequence_bounds
from emkit.latent.hmm_inference import chain_statistics

#: Probability that the simulated chain stays in its state at each step.
STAY = 0.95
#: Rows simulated at a time for the emissions (bounds the memory of simulating).
BLOCK_ROWS = 250_000


@dataclass(frozen=True)
class Case:
    name: str
    n_sequences: int
    length: int
    d: int
    K: int
    offset: float  # where the data are centred
    n_iter: int  # iterations of the long fit: per iteration = (t(n_iter) - t(1)) / (n_iter - 1)

    @property
    def n_steps(self) -> int:
        return self.n_sequences * self.length

    @property
    def lengths(self) -> list[int]:
        return [self.length] * self.n_sequences

    def label(self) -> str:
        return f"{self.n_sequences}x{self.length:.0e} d={self.d} K={self.K} at {self.offset:g}"


CASES = [
    Case("many sequences", 100, 1_000, 8, 8, 0.0, n_iter=6),
    Case("one long sequence", 1, 1_000_000, 4, 8, 100.0, n_iter=4),
]
QUICK_CASES = [
    Case("many sequences", 20, 1_000, 8, 8, 0.0, n_iter=4),
    Case("one long sequence", 1, 100_000, 4, 8, 100.0, n_iter=4),
]
#: Growth: one sequence, d=4, offset 100; T at K=8, then K at the middle T.
T_GRID, K_GRID = [10_000, 100_000, 1_000_000], [2, 4, 8, 16]
QUICK_T_GRID, QUICK_K_GRID = [10_000, 100_000], [2, 8]
#: The T of the K grid.
K_GRID_T = 100_000


@dataclass(frozen=True)
class Simulated:
    x: np.ndarray
    lengths: list[int]
    means: np.ndarray
    covariances: np.ndarray


def sticky_states(n: int, K: int, rng: np.random.Generator) -> np.ndarray:
    """A path of the chain that stays with probability ``STAY`` and otherwise moves to another state
    uniformly (``transmat = STAY I + (1 - STAY) / (K - 1) (1 - I)``), drawn as runs of geometric length."""
    if K == 1:
        return np.zeros(n, dtype=np.int64)
    runs = rng.geometric(1 - STAY, size=int(n * (1 - STAY) * 1.5) + 100)
    while runs.sum() < n:
        runs = np.concatenate([runs, rng.geometric(1 - STAY, size=len(runs))])
    moves = np.concatenate([[rng.integers(K)], rng.integers(1, K, size=len(runs) - 1)])
    return np.repeat(np.cumsum(moves) % K, runs)[:n]


def simulate(lengths: list[int], d: int, K: int, offset: float, rng: np.random.Generator) -> Simulated:
    """Sequences of ``lengths`` steps (one path cut into them) of a sticky K-state chain with overlapping
    full-covariance Gaussian emissions."""
    n_steps = sum(lengths)
    means = offset + rng.normal(scale=1.5, size=(K, d))
    factors = rng.normal(size=(K, d, d))
    covariances = factors @ factors.transpose(0, 2, 1) / d + 0.5 * np.eye(d)
    cholesky = np.linalg.cholesky(covariances)
    states = sticky_states(n_steps, K, rng)
    x = np.empty((n_steps, d))
    for start in range(0, n_steps, BLOCK_ROWS):
        block = states[start:start + BLOCK_ROWS]
        noise = rng.normal(size=(len(block), d))
        x[start:start + len(block)] = means[block] + np.einsum("nij,nj->ni", cholesky[block], noise)
    return Simulated(x, list(lengths), means, covariances)


def emkit_model(K: int) -> em.HiddenMarkovModel:
    return em.HiddenMarkovModel(em.Gaussian("VVV", reg_covar=0.0), K)


def starting_params(sim: Simulated, rng: np.random.Generator):
    """The truth perturbed, laid out as emkit's parameters (a ``max_iter=0`` fit on a few rows gives the layout)."""
    K = len(sim.means)
    head = sim.x[:2_000]
    with warnings.catch_warnings():  # the template only gives the layout; its values are replaced
        warnings.simplefilter("ignore")
        template = emkit_model(K).fit(head, lengths=[len(head)], max_iter=0, random_state=0).params
    values = {
        "startprob": np.full(K, 1.0 / K),
        "transmat": 0.8 * np.eye(K) + 0.2 / K,
        "means": sim.means + rng.normal(scale=0.5, size=sim.means.shape),
        "covariances": 1.5 * sim.covariances,
    }
    return template.assign({name: (template[name].dims, value) for name, value in values.items()})


def emkit_fit(x, lengths, start, n_iter):
    """emkit's fit from ``start``; returns its log-likelihood after 0 .. n_iter M-steps."""
    fit = emkit_model(start.sizes["state"]).fit(x, lengths=lengths, init=start, max_iter=n_iter, tol=0)
    if fit.n_iter != n_iter:
        raise RuntimeError(f"emkit ran {fit.n_iter} iterations, not {n_iter}")
    trace = fit.trace.log_likelihood.values[fit.best_restart]
    return trace[np.isfinite(trace)]


def hmmlearn_fit(x, lengths, start, n_iter, implementation):
    """hmmlearn's fit from ``start``; returns its log-likelihood after 0 .. n_iter - 1 M-steps."""
    model = GaussianHMM(
        start.sizes["state"], covariance_type="full", init_params="", params="stmc", n_iter=n_iter, tol=0,
        covars_prior=0.0, covars_weight=0.0, implementation=implementation,
    )
    model.startprob_ = start.startprob.values
    model.transmat_ = start.transmat.values
    model.means_ = start.means.values
    model.covars_ = start.covariances.values
    with threadpool_limits(1):
        model.fit(x, lengths)
    if model.monitor_.iter != n_iter:
        raise RuntimeError(
            f"hmmlearn ({implementation}) stopped after {model.monitor_.iter} of {n_iter} iterations "
            "(with tol=0 it stops when the log-likelihood drops by rounding); use fewer iterations"
        )
    return np.asarray(model.monitor_.history)


@contextmanager
def one_core():
    """This thread (and the threads it starts) on one CPU, BLAS on one thread: emkit then uses one worker."""
    cpus = os.sched_getaffinity(0)
    # BLAS threads (re)started while this thread is pinned would stay pinned to its CPU: the
    # affinity is restored before BLAS is given back its threads.
    with threadpool_limits(1):
        os.sched_setaffinity(0, {min(cpus)})
        try:
            yield
        finally:
            os.sched_setaffinity(0, cpus)


def emkit_one_core(x, lengths, start, n_iter):
    with one_core():
        return emkit_fit(x, lengths, start, n_iter)


LIBRARIES = {
    "emkit": emkit_fit,
    "emkit 1 core": emkit_one_core,
    "hmmlearn log": lambda x, lengths, start, n: hmmlearn_fit(x, lengths, start, n, "log"),
    "hmmlearn scaling": lambda x, lengths, start, n: hmmlearn_fit(x, lengths, start, n, "scaling"),
}


def seconds_per_iteration(x, lengths, start, n_iter: int, repeats: int):
    """Each library's ``(best t(n_iter) - best t(1)) / (n_iter - 1)``, and its log-likelihood trace."""
    best, traces = {}, {}
    emkit_fit(x, lengths, start, 1)  # warm-up: emkit's compiled kernels load on first use
    for _ in range(repeats):
        for library, fit in LIBRARIES.items():
            for n in (1, n_iter):
                begin = time.perf_counter()
                traces[library] = fit(x, lengths, start, n)
                spent = time.perf_counter() - begin
                best[library, n] = min(best.get((library, n), np.inf), spent)
    per_iteration = {library: (best[library, n_iter] - best[library, 1]) / (n_iter - 1) for library in LIBRARIES}
    return per_iteration, traces


def trace_disagreement(traces: dict) -> float:
    """Largest relative difference between emkit's and hmmlearn's log-likelihoods after the same M-steps."""
    ours = traces["emkit"]
    worst = 0.0
    for library in ("hmmlearn log", "hmmlearn scaling"):
        theirs = traces[library]
        worst = max(worst, float(np.max(np.abs(ours[:len(theirs)] - theirs) / np.abs(theirs))))
    return worst


# -- emkit's time split and memory --------------------------------------------------


def chunked(chain, x, lengths) -> ChunkedData:
    """``x`` in chunks of whole sequences, as the fit cuts it, on every core."""
    bounds = sequence_bounds(lengths, len(x))
    size = auto_chunk_size(chain.fit_floats_per_row(x.shape[1]))
    return ChunkedData(x, None, size, default_workers(), sequence_bounds=bounds)


def fitted_chain(x, lengths, start):
    """emkit's latent model holding ``start`` (a ``max_iter=0`` fit)."""
    return emkit_model(start.sizes["state"]).fit(x, lengths=lengths, init=start, max_iter=0).mixture


def timed(work):
    begin = time.perf_counter()
    value = work()
    return value, time.perf_counter() - begin


def log_densities(chain, x) -> np.ndarray:
    """The (T, K) emission log-densities, each family writing its states' columns (as ``chain.e_step``)."""
    log_b = np.empty((len(x), chain.n_components))
    for family, part in zip(chain.emissions.families, chain.emissions.component_slices()):
        family.log_prob_into(x, log_b[:, part])
    return log_b


def emission_statistics(chain, x, gamma) -> list:
    """Each family's statistics from its states' columns of ``gamma``, in blocks (as ``chain.e_step``)."""
    parts = chain.emissions.component_slices()
    return [family.stats_in_blocks(x, gamma[:, part]) for family, part in zip(chain.emissions.families, parts)]


def split_once(chain, data: ChunkedData) -> dict:
    """Seconds of each piece of one iteration, chunk after chunk in this thread."""
    spent = dict.fromkeys(["log-densities", "forward-backward", "statistics", "E-step", "M-step"], 0.0)
    total = None
    for offset, x, _ in data.chunks():
        lengths = data.lengths_within(offset, len(x))
        log_b, seconds = timed(lambda: log_densities(chain, x))
        spent["log-densities"] += seconds
        post, seconds = timed(lambda: chain_statistics(chain.startprob, chain.transmat, log_b, lengths))
        spent["forward-backward"] += seconds
        spent["statistics"] += timed(lambda: emission_statistics(chain, x, post.state_posteriors))[1]
        stats, seconds = timed(lambda: chain.e_step(x, None, offset, lengths))
        spent["E-step"] += seconds
        total = stats if total is None else total + stats
    spent["M-step"] = timed(lambda: chain.m_step(total))[1]
    return spent


def time_split(chain, data: ChunkedData, repeats: int) -> dict:
    """The best of ``repeats`` for each piece (:func:`split_once`), BLAS on one thread."""
    with threadpool_limits(1):
        runs = [split_once(chain, data) for _ in range(repeats)]
    return {piece: min(run[piece] for run in runs) for piece in runs[0]}


def e_step_peak(chain, data: ChunkedData) -> int:
    """Bytes allocated at the peak of one E-step over ``data``, beyond what was live before."""
    e_step(chain, data)  # warm-up: compiled kernels, thread pool
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    e_step(chain, data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


# -- output ----------------------------------------------------------------------------

RATIO_HEADER = (
    f"{'case':36s} {'iters':>5s} {'emkit':>8s} {'emkit 1core':>11s} {'hl log':>8s} {'hl scaling':>10s} "
    f"{'log/emkit':>9s} {'scal/emkit':>10s} {'log/1core':>9s} {'scal/1core':>10s} {'max rel dLL':>11s}"
)


def format_ratio_row(case: Case, seconds: dict, disagreement: float) -> str:
    ours, single = seconds["emkit"], seconds["emkit 1 core"]
    log, scaling = seconds["hmmlearn log"], seconds["hmmlearn scaling"]
    return (
        f"{case.label():36s} {case.n_iter:5d} {ours * 1e3:8.1f} {single * 1e3:11.1f} {log * 1e3:8.1f} "
        f"{scaling * 1e3:10.1f} {log / ours:8.1f}x {scaling / ours:9.1f}x {log / single:8.1f}x "
        f"{scaling / single:9.1f}x {disagreement:11.1e}"
    )


SPLIT_PIECES = ["log-densities", "forward-backward", "statistics"]
SPLIT_HEADER = (
    f"{'case':36s} {'log-dens':>9s} {'fwd-bwd':>9s} {'stats':>9s} {'E-step':>9s} {'M-step':>8s} "
    f"{'fit/iter':>8s}   {'% of E+M: log-dens / fwd-bwd / stats':36s}"
)


def format_split_row(label: str, split: dict, fit_seconds: float) -> str:
    """Milliseconds per piece, of the whole E-step (``chain.e_step``, timed on its own) and of the M-step."""
    pieces = [split[p] for p in SPLIT_PIECES]
    whole = split["E-step"] + split["M-step"]
    shares = " / ".join(f"{100 * p / whole:4.1f}" for p in pieces)
    return (
        f"{label:36s} {pieces[0] * 1e3:9.1f} {pieces[1] * 1e3:9.1f} {pieces[2] * 1e3:9.1f} "
        f"{split['E-step'] * 1e3:9.1f} {split['M-step'] * 1e3:8.2f} {fit_seconds * 1e3:8.1f}   {shares}"
    )


GROWTH_HEADER = (
    f"{'T':>9s} {'K':>3s} {'log-dens ns/(T K)':>17s} {'fwd-bwd ns/(T K^2)':>18s} {'stats ns/(T K)':>14s} "
    f"{'E+M ms':>9s} {'E+M us/step':>11s} {'peak MB':>9s} {'peak/(T K 8)':>12s}"
)


def growth_row(T: int, K: int, rng: np.random.Generator, repeats: int, sim: Simulated | None = None) -> str:
    sim = sim or simulate([T], 4, K, 100.0, rng)
    x = sim.x[:T]
    start = starting_params(sim, rng)
    chain = fitted_chain(x, [T], start)
    data = chunked(chain, x, [T])
    split = time_split(chain, data, repeats)
    peak = e_step_peak(chain, data)
    whole = split["E-step"] + split["M-step"]
    return (
        f"{T:9.0e} {K:3d} {split['log-densities'] / (T * K) * 1e9:17.2f} "
        f"{split['forward-backward'] / (T * K * K) * 1e9:18.2f} {split['statistics'] / (T * K) * 1e9:14.2f} "
        f"{whole * 1e3:9.1f} {whole / T * 1e6:11.3f} {peak / 2**20:9.1f} {peak / (T * K * 8):12.1f}"
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def ratio_section(cases: list[Case], repeats: int) -> list[tuple]:
    """The table against hmmlearn; returns, per case, what the split and memory sections print."""
    print(f"\nms per Baum-Welch iteration = (t(iters) - t(1)) / (iters - 1), best of {repeats} fits each, "
          "tol=0; 'x' = hmmlearn time / emkit time; max rel dLL: emkit against hmmlearn, same M-steps")
    print(RATIO_HEADER)
    measured = []
    for index, case in enumerate(cases):
        rng = np.random.default_rng(index)
        sim = simulate(case.lengths, case.d, case.K, case.offset, rng)
        start = starting_params(sim, rng)
        seconds, traces = seconds_per_iteration(sim.x, sim.lengths, start, case.n_iter, repeats)
        print(format_ratio_row(case, seconds, trace_disagreement(traces)), flush=True)
        chain = fitted_chain(sim.x, sim.lengths, start)
        data = chunked(chain, sim.x, sim.lengths)
        measured.append((case, time_split(chain, data, repeats), seconds["emkit 1 core"],
                         e_step_peak(chain, data), data.n_chunks))
    return measured


def split_section(measured: list[tuple]) -> None:
    print("\nemkit, one iteration in one thread, ms per piece (chunk by chunk as the fit cuts the data); "
          "fit/iter: the 1-core fit's ms per iteration")
    print(SPLIT_HEADER)
    for case, split, fit_seconds, _, _ in measured:
        print(format_split_row(case.label(), split, fit_seconds))


def memory_section(measured: list[tuple]) -> None:
    print("\nemkit E-step peak memory (tracemalloc, beyond what was live before; chunks on every core), "
          "against T K 8 bytes")
    for case, _, _, peak, n_chunks in measured:
        posteriors = case.n_steps * case.K * 8
        print(f"  {case.label():36s} {n_chunks:4d} chunks  peak {peak / 2**20:8.1f} MB  = "
              f"{peak / posteriors:5.1f} x T K 8 ({posteriors / 2**20:.1f} MB)")


def growth_section(t_grid: list[int], k_grid: list[int], repeats: int) -> None:
    print(f"\ngrowth: one sequence, d=4, data at 100, one thread; best of {repeats}; T at K=8, then K at "
          f"T={K_GRID_T:.0e}")
    print(GROWTH_HEADER)
    rng = np.random.default_rng(100)
    largest = simulate([max(t_grid)], 4, 8, 100.0, rng)
    for T in t_grid:
        print(growth_row(T, 8, rng, repeats, largest), flush=True)
    del largest
    for K in k_grid:
        print(growth_row(K_GRID_T, K, rng, repeats), flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data: 20 sequences, T up to 1e5")
    parser.add_argument("--repeats", type=int, default=3, help="fits (and splits) of each kind; the best counts")
    args = parser.parse_args(argv)
    logging.getLogger("hmmlearn").setLevel(logging.ERROR)
    began = time.perf_counter()
    print(f"emkit {em.__version__}, hmmlearn {hmmlearn_version}, numpy {np.__version__}; {load()}; "
          f"emkit workers {default_workers()}")
    measured = ratio_section(QUICK_CASES if args.quick else CASES, args.repeats)
    split_section(measured)
    memory_section(measured)
    growth_section(QUICK_T_GRID if args.quick else T_GRID, QUICK_K_GRID if args.quick else K_GRID, args.repeats)
    print(f"\ntotal {time.perf_counter() - began:.0f} s; {load()}")


if __name__ == "__main__":
    main()

"""The EM driver: moves statistics between the E-step and the M-step.

One EM run alternates

* E-step: ``stats = sum over chunks of model.e_step(chunk)``, which also
  yields the log-likelihood of the current parameters;
* M-step: ``model = model.m_step(stats)``.

The model is any latent model (:class:`~emkit.latent.protocol.LatentModel`:
a finite mixture, a hidden Markov chain); the driver knows nothing of it
beyond that protocol, nor of the families inside it. Each run starts
with an E-step of the initial parameters and ends with one of the final
parameters, so the reported log-likelihood is that of the returned
parameters. Restarts draw independent random streams from one seed.

Restarts that end at different log-likelihoods stopped in different local
optima. When fewer than half of them reach the best one (within
:func:`reach_tolerance`), the fit warns (:class:`~emkit.exceptions.LocalOptimumWarning`):
the best may be local too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .. import notices
from ..exceptions import ConvergenceWarning, DegenerateComponentError, LikelihoodDecreaseWarning, LocalOptimumWarning
from ..latent.protocol import LatentModel, LatentStats
from .chunks import ChunkedData
from .convergence import ConvergenceMonitor
from .init import initialise
from .progress import NO_PROGRESS, ProgressReporter

#: Starts of the ``"short_em"`` initialisation by method, and the EM iterations
#: run from each before the best is kept (Biernacki, Celeux & Govaert, 2003).
#: Random responsibilities suit discrete data; k-means++ partitions let a
#: continuous part of a mixed model leave the symmetric start where random
#: responsibilities put every component at the overall mean.
SHORT_EM_STARTS = {"random": 10, "kmeans++": 5}
SHORT_EM_ITER = 10

#: Restarts within ``REACH_FACTOR`` convergence tolerances of the best
#: log-likelihood count as having reached it (:func:`reach_tolerance`).
REACH_FACTOR = 100


@dataclass(frozen=True)
class EMRun:
    """Outcome of one EM restart.

    Attributes
    ----------
    model : LatentModel or None
        Final parameters (None if the restart failed).
    stats : LatentStats or None
        E-step statistics of the final parameters on the training data.
    log_likelihood : ndarray
        Observed-data log-likelihood after 0, 1, ... M-steps.
    converged : bool
        Whether the run met the tolerance before ``max_iter``.
    error : str
        Why the restart failed, empty otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import EMRun, run_em
    >>> x = np.random.default_rng(0).normal(size=(200, 1)); x[100:] += 6
    >>> start = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[(x[:, 0] > 3).astype(int)])
    >>> run = run_em(start, ChunkedData(x, None, 64), tol=1e-8, max_iter=100)
    >>> run.n_iter == len(run.log_likelihood) - 1, run.final_log_likelihood == run.stats.log_likelihood
    (True, True)

    A failed restart has no parameters and a log-likelihood of minus infinity:

    >>> failed = EMRun(None, None, np.array([np.nan]), False, "component 0 collapsed")
    >>> failed.n_iter, failed.final_log_likelihood
    (0, -inf)
    """

    model: LatentModel | None
    stats: LatentStats | None
    log_likelihood: np.ndarray
    converged: bool
    error: str = ""

    @property
    def n_iter(self) -> int:
        """M-steps taken: one fewer than the recorded log-likelihoods."""
        return max(0, len(self.log_likelihood) - 1)

    @property
    def final_log_likelihood(self) -> float:
        """Log-likelihood of the final parameters, ``-inf`` for a failed restart."""
        return float(self.log_likelihood[-1]) if self.model is not None else -np.inf


def e_step(mixture: LatentModel, data: ChunkedData) -> LatentStats:
    """Sum the E-step statistics of ``mixture`` over all chunks of ``data``.

    Parameters
    ----------
    mixture : LatentModel
        Fitted latent model (a mixture, a hidden Markov chain) whose parameters are evaluated.
    data : ChunkedData
        Observations (and weights) read in chunks.

    Returns
    -------
    LatentStats
        Statistics of the whole data set; they do not depend on the chunk
        size beyond rounding. Data with labels (``data.labels``) hand each
        chunk's labels to the model's E-step, whose labelled rows keep their
        component.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import e_step
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
    >>> stats = e_step(mixture, ChunkedData(x, None, chunk_size=3))
    >>> stats.n_obs, stats.component_weight.round(6).tolist()
    (4.0, [2.0, 2.0])
    >>> math.isclose(stats.log_likelihood, mixture.e_step(x).log_likelihood)
    True
    """
    return data.reduce(
        lambda offset, x, w, lengths, **labels: mixture.e_step(x, w, offset, lengths, **labels),
        with_lengths=True, with_labels=data.labels is not None,
    )


def run_em(
    model: LatentModel, data: ChunkedData, tol: float, max_iter: int, *, progress: ProgressReporter = NO_PROGRESS
) -> EMRun:
    """Iterate EM from fitted initial parameters until convergence or ``max_iter``.

    ``progress`` is told the log-likelihood after every E-step
    (:meth:`~emkit.em.progress.ProgressReporter.iteration`); by default
    nothing is shown.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import run_em
    >>> x = np.random.default_rng(0).normal(size=(200, 1)); x[100:] += 6
    >>> start = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[(x[:, 0] > 3).astype(int)])
    >>> run = run_em(start, ChunkedData(x, None, 64), tol=1e-8, max_iter=100)
    >>> run.converged
    True
    """
    monitor = ConvergenceMonitor(tol, max_iter, data.total_weight, data.values.dtype)
    stats = e_step(model, data)
    monitor.update(model.objective(stats))
    progress.iteration(monitor.n_iter, monitor.history[-1])
    while not monitor.done:
        model = model.m_step(stats)
        stats = e_step(model, data)
        monitor.update(model.objective(stats))
        progress.iteration(monitor.n_iter, monitor.history[-1])
    if monitor.decreases:
        iteration, amount = max(monitor.decreases, key=lambda item: item[1])
        notices.warn(
            f"the log-likelihood decreased by {amount:.3g} at iteration {iteration} "
            f"({len(monitor.decreases)} decrease(s) in all): a covariance may be near-singular, or "
            "a regularisation (such as a reg_covar large against the data's variances) keeps the "
            "M-step from maximising the likelihood exactly",
            LikelihoodDecreaseWarning,
            stacklevel=2,
        )
    return EMRun(model, stats, np.asarray(monitor.history), monitor.converged)


def attempt_em(make_start, data: ChunkedData, tol: float, max_iter: int, *, progress=NO_PROGRESS) -> EMRun:
    """:func:`run_em` from ``make_start()``, or a failed :class:`EMRun` if a component degenerates.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import attempt_em
    >>> from emkit.exceptions import DegenerateComponentError
    >>> def collapsing():
    ...     raise DegenerateComponentError("component 0 collapsed")
    >>> failed = attempt_em(collapsing, ChunkedData(np.zeros((3, 1)), None, 64), tol=1e-6, max_iter=10)
    >>> failed.error, failed.final_log_likelihood
    ('component 0 collapsed', -inf)
    """
    try:
        return run_em(make_start(), data, tol, max_iter, progress=progress)
    except DegenerateComponentError as err:
        return EMRun(None, None, np.array([np.nan]), False, str(err))


def short_em_start(
    declaration: LatentModel, data: ChunkedData, rng: np.random.Generator, tol: float,
    starts: dict | None = None, n_iter: int = SHORT_EM_ITER,
) -> LatentModel:
    """The best of ``SHORT_EM_STARTS`` short EM runs from random and k-means++ starts.

    Each run starts from ``"random"`` responsibilities or a ``"kmeans++"``
    partition (``starts``, by default ``SHORT_EM_STARTS``, says how many of
    each; it may name any method of :func:`~emkit.em.init.initialise`) and takes at most
    ``n_iter`` (``SHORT_EM_ITER``) EM iterations (fewer if it meets ``tol``); the run with
    the highest log-likelihood gives the start of the full EM run
    (Biernacki, Celeux & Govaert, 2003, "short runs of EM"). A few
    iterations separate starts heading for poor optima from the others at a
    fraction of the cost of full restarts. The short runs' warnings are
    dropped: what matters is reported by the full run.

    Raises
    ------
    DegenerateComponentError
        If every short run fails.

    Examples
    --------
    Three items of four categories, two latent classes:

    >>> import numpy as np
    >>> from emkit.components.categorical import Categorical
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import short_em_start
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.choice(4, (300, 3), p=[0.7, 0.1, 0.1, 0.1]), rng.choice(4, (300, 3), p=[0.1, 0.1, 0.1, 0.7])]
    >>> declaration = FiniteMixture([Categorical(2)]).bind(np.array(["a", "b", "c"]), data=x.astype(float))
    >>> start = short_em_start(declaration, ChunkedData(x.astype(float), None, 256), rng, tol=1e-6)
    >>> np.sort(start.families[0].params["probs"][:, 0, 0]).round(1).tolist()
    [0.1, 0.7]
    """
    starts = [
        functools.partial(initialise, declaration, data, method, rng)
        for method, count in (SHORT_EM_STARTS if starts is None else starts).items()
        for _ in range(count)
    ]
    with notices.collect():
        runs = [attempt_em(start, data, tol, n_iter) for start in starts]
    best = max(runs, key=lambda run: run.final_log_likelihood)
    if best.model is None:
        raise DegenerateComponentError(f"every short EM run failed; first error: {runs[0].error}")
    return best.model


@dataclass(frozen=True)
class Screening:
    """How every restart chooses its start: the best of short EM runs (``"short_em"``, ``"screened"``).

    Attributes
    ----------
    starts : dict
        Short runs by the method they start from (``{"kmeans++": 5, "random": 5}``).
    n_iter : int
        EM iterations of each short run at most (fewer if it meets ``tol``).

    Examples
    --------
    >>> from emkit.em.driver import Screening
    >>> Screening({"kmeans++": 5, "random": 5}, 20).trace_attrs()
    {'screened_starts': 10, 'screening_iter': 20, 'screening_methods': 'kmeans++ 5, random 5'}
    """

    starts: dict
    n_iter: int

    def trace_attrs(self) -> dict:
        """The trace's record: ``screened_starts`` per restart, ``screening_iter``, ``screening_methods``."""
        return {
            "screened_starts": sum(self.starts.values()),
            "screening_iter": self.n_iter,
            "screening_methods": ", ".join(f"{method} {count}" for method, count in self.starts.items()),
        }


def screening(declaration: LatentModel, init, max_iter: int | None = None) -> Screening | None:
    """The short runs each restart of ``init`` screens (see :func:`starting_mixture`), None for a single start.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.driver import screening
    >>> screening(FiniteMixture([em.Categorical(2)]), "short_em")
    Screening(starts={'random': 10, 'kmeans++': 5}, n_iter=10)
    >>> screening(FiniteMixture([em.Gaussian("full", 2)]), "kmeans++") is None
    True
    """
    if isinstance(init, str) and init == "short_em":
        return Screening(dict(SHORT_EM_STARTS), SHORT_EM_ITER)
    if isinstance(init, str) and init == "screened":
        n_iter = declaration.screening_iter if max_iter is None else min(declaration.screening_iter, max_iter)
        return Screening(dict(declaration.screening_starts), n_iter)
    return None


def starting_mixture(
    declaration: LatentModel, data: ChunkedData, init, rng: np.random.Generator, tol: float, max_iter: int | None = None
):
    """The initial fitted model of one restart: ``"short_em"`` here, the rest by :func:`~emkit.em.init.initialise`.

    Short EM runs are those of the mixture of the model's families
    (``declaration.mixture_for_starts()``), rows taken as independent; the
    latent model then starts from the best (``start_from_mixture``): a
    hidden Markov model with those emissions, whose chain starts as the
    mixture (every row of ``transmat`` the mixing weights), so that symmetric
    starts of a chain over discrete emissions are avoided. ``"screened"``
    (models of sequences only) keeps the best of short EM runs of the model
    itself from the starts its ``screening_starts`` name (``screening_iter``
    iterations each, at most ``max_iter``: ``max_iter=0`` keeps the start of
    highest likelihood).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import starting_mixture
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> start = starting_mixture(FiniteMixture([Gaussian("spherical", 2)]), ChunkedData(x, None, 64),
    ...                          "kmeans++", np.random.default_rng(0), tol=1e-6)
    >>> sorted(start.families[0].means.ravel().round(2).tolist())
    [0.05, 5.05]
    """
    plan = screening(declaration, init, max_iter)
    if plan is None:
        return initialise(declaration, data, init, rng)
    if init == "short_em":  # short runs of the mixture over the latent model's families
        return declaration.start_from_mixture(
            short_em_start(declaration.mixture_for_starts(), data, rng, tol, plan.starts, plan.n_iter)
        )
    return short_em_start(declaration, data, rng, tol, plan.starts, plan.n_iter)  # a model of sequences itself


def reach_tolerance(tol: float, n_obs: float, best_log_likelihood: float) -> float:
    """How far below the best log-likelihood a restart may end and still count as reaching it.

    ``REACH_FACTOR * tol * max(n, |L_best|)``: ``REACH_FACTOR`` times the
    change at which EM stops (``tol * max(1, |l|)`` in the mean
    per-observation log-likelihood ``l = L / n``, see
    :class:`~emkit.em.convergence.ConvergenceMonitor`), in units of ``L``.
    EM converges linearly, so a run that stops when an iteration gains that
    little can still be ``rho / (1 - rho)`` such gains below its optimum at
    a rate ``rho``; 100 covers rates up to 0.99. On Old Faithful with the
    default ``tol``, restarts that reach the same optimum end within 4
    tolerances of each other, distinct optima at least 290 apart.

    Examples
    --------
    >>> from emkit.em.driver import reach_tolerance
    >>> round(reach_tolerance(1e-6, n_obs=272, best_log_likelihood=-1130.0), 6)
    0.113
    """
    return REACH_FACTOR * tol * max(n_obs, abs(best_log_likelihood))


@dataclass
class RestartsOutcome:
    """All restarts of a fit and the index of the best one.

    Attributes
    ----------
    runs : list of EMRun
        One entry per restart, failed restarts included.
    warning : str
        Why the restarts' best may be a local optimum (see
        :func:`fit_restarts`), empty otherwise.
    screening : Screening or None
        The short runs every restart screened before its EM run (see
        :func:`screening`), None when each restart ran from one start.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import fit_restarts
    >>> x = np.random.default_rng(0).normal(size=(200, 1)); x[100:] += 6
    >>> outcome = fit_restarts(
    ...     FiniteMixture([Gaussian("full", 2)]), ChunkedData(x, None, 64),
    ...     init="kmeans++", n_init=3, tol=1e-8, max_iter=100, random_state=0,
    ... )
    >>> len(outcome.runs), outcome.best is outcome.runs[outcome.best_index]
    (3, True)
    >>> outcome.best.final_log_likelihood == max(run.final_log_likelihood for run in outcome.runs)
    True
    >>> outcome.n_reaching_best(tolerance=1e-3), outcome.warning
    (3, '')
    """

    runs: list[EMRun] = field(default_factory=list)
    warning: str = ""
    screening: Screening | None = None

    def n_reaching_best(self, tolerance: float) -> int:
        """Restarts whose final log-likelihood is within ``tolerance`` of the best one's.

        Restarts that found the same optimum with the components in another
        order have the same log-likelihood, so they count; failed restarts
        do not.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.driver import EMRun, RestartsOutcome
        >>> runs = [EMRun(object(), None, np.array([loglik]), True) for loglik in (-100.0, -100.05, -103.0)]
        >>> RestartsOutcome(runs).n_reaching_best(tolerance=0.1)
        2
        """
        finals = np.array([run.final_log_likelihood for run in self.runs])
        return int(np.count_nonzero(finals >= finals.max() - tolerance))

    @property
    def best_index(self) -> int:
        """Index of the restart with the highest final log-likelihood."""
        return int(np.argmax([run.final_log_likelihood for run in self.runs]))

    @property
    def best(self) -> EMRun:
        """The restart with the highest final log-likelihood."""
        return self.runs[self.best_index]


def restart_generators(random_state, n_init: int) -> list[np.random.Generator]:
    """Independent random generators, one per restart, from one seed.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        Seed; a Generator is advanced by one draw to seed the restarts, None
        takes fresh entropy from the operating system.
    n_init : int
        Number of restarts.

    Returns
    -------
    list of numpy.random.Generator

    Raises
    ------
    TypeError
        For any other type of ``random_state``.
    ValueError
        For a negative integer.

    Examples
    --------
    >>> from emkit.em.driver import restart_generators
    >>> first = [int(rng.integers(10**6)) for rng in restart_generators(0, 3)]
    >>> again = [int(rng.integers(10**6)) for rng in restart_generators(0, 3)]
    >>> first == again, len(set(first))
    (True, 3)
    >>> restart_generators(-1, 3)
    Traceback (most recent call last):
    ...
    ValueError: random_state must be a non-negative integer, got -1
    """
    if isinstance(random_state, np.random.Generator):
        seed = np.random.SeedSequence(random_state.integers(0, 2**63))
    elif random_state is None or isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state is not None and random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        seed = np.random.SeedSequence(random_state)
    else:
        raise TypeError(f"random_state must be None, an int or a numpy Generator, not {type(random_state).__name__}")
    return [np.random.default_rng(child) for child in seed.spawn(n_init)]


def fit_restarts(
    declaration: LatentModel,
    data: ChunkedData,
    *,
    init,
    n_init: int,
    tol: float,
    max_iter: int,
    random_state=None,
    progress: ProgressReporter = NO_PROGRESS,
    start_data: ChunkedData | None = None,
) -> RestartsOutcome:
    """Run ``n_init`` EM restarts and keep them all.

    A restart whose components degenerate is recorded as failed (with the
    reason); if every restart fails, the first error is raised. With
    ``n_init > 1``, ``tol > 0`` and ``max_iter > 0``, fewer than half of the
    restarts ending within :func:`reach_tolerance` of the best log-likelihood
    is reported in ``outcome.warning`` and as a
    :class:`~emkit.exceptions.LocalOptimumWarning`.

    Parameters
    ----------
    declaration : LatentModel
        The (unfitted) model declaration.
    data : ChunkedData
        Training observations.
    init : str, xarray.Dataset or ndarray
        Initialisation, already validated by :func:`emkit.em.init.check_init`
        (see :func:`starting_mixture`).
    n_init : int
        Number of restarts.
    tol, max_iter
        Stopping rule (see :class:`~emkit.em.convergence.ConvergenceMonitor`).
    random_state : int, numpy.random.Generator or None
        Seed of the restarts (see :func:`restart_generators`).
    progress : ProgressReporter, optional
        Told of every restart and iteration (:mod:`emkit.em.progress`); by
        default nothing is shown.
    start_data : ChunkedData, optional
        The data the starts are drawn from, if not ``data`` (with missing
        values, :func:`~emkit.em.missing_starts.data_for_starts`).

    Returns
    -------
    RestartsOutcome
        Every restart, and the short runs each screened (``screening``).

    Raises
    ------
    DegenerateComponentError
        If every restart fails.

    Warns
    -----
    UserWarning
        If some restarts failed, or the best one has components with zero weight.
    ConvergenceWarning
        If the best restart did not converge.
    LocalOptimumWarning
        If fewer than half of the restarts reached the best log-likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.driver import fit_restarts
    >>> x = np.random.default_rng(0).normal(size=(200, 1)); x[100:] += 6
    >>> outcome = fit_restarts(
    ...     FiniteMixture([Gaussian("full", 2)]), ChunkedData(x, None, 64),
    ...     init="kmeans++", n_init=3, tol=1e-8, max_iter=100, random_state=0,
    ... )
    >>> [run.converged for run in outcome.runs]
    [True, True, True]
    >>> np.sort(outcome.best.model.families[0].means.ravel()).round().tolist()
    [0.0, 6.0]
    """
    outcome = RestartsOutcome(screening=screening(declaration, init, max_iter))
    for index, rng in enumerate(restart_generators(random_state, n_init)):
        progress.round_started(index, n_init)
        make_start = functools.partial(
            starting_mixture, declaration, data if start_data is None else start_data, init, rng, tol, max_iter
        )
        outcome.runs.append(attempt_em(make_start, data, tol, max_iter, progress=progress))
        progress.round_finished()
    failures = [run.error for run in outcome.runs if run.error]
    if len(failures) == len(outcome.runs):
        raise DegenerateComponentError(f"every restart failed; first error: {failures[0]}")
    if failures:
        notices.warn(
            f"{len(failures)} of {n_init} restarts failed and were skipped; first error: {failures[0]}",
            UserWarning,
            stacklevel=2,
        )
    empty = np.flatnonzero(outcome.best.model.weights <= np.finfo(float).eps)
    if empty.size:
        notices.warn(
            f"{declaration.latent_dim}(s) {', '.join(map(str, empty))} ended with zero weight and explain no "
            f"observations; their parameters are those of their last update; consider fewer {declaration.latent_dim}s",
            UserWarning,
            stacklevel=2,
        )
    if not outcome.best.converged and max_iter > 0 and tol > 0:
        notices.warn(
            f"the best restart did not converge in {max_iter} iterations (tol={tol:g}); "
            "increase max_iter or tol",
            ConvergenceWarning,
            stacklevel=2,
        )
    if n_init > 1 and max_iter > 0 and tol > 0:
        tolerance = reach_tolerance(tol, data.total_weight, outcome.best.final_log_likelihood)
        outcome.warning = _disagreement(outcome, tolerance)
    if outcome.warning:
        notices.warn(outcome.warning, LocalOptimumWarning, stacklevel=2)
    return outcome


def _disagreement(outcome: RestartsOutcome, tolerance: float) -> str:
    """Why the best restart may be a local optimum (fewer than half reached it), or ''."""
    reached = outcome.n_reaching_best(tolerance)
    if 2 * reached >= len(outcome.runs):
        return ""
    return (
        f"only {reached} of {len(outcome.runs)} restarts reached the best log-likelihood "
        f"({outcome.best.final_log_likelihood:.6g}, within {tolerance:.2g}); the others stopped in "
        "other local optima, so the best may be local too; increase n_init"
    )

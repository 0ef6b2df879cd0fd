"""The user-facing hidden Markov model declaration with ``fit``.

Like :class:`~emkit.Mixture`, it names the component families (here the
emission of each state) and fits by the same EM driver
(:func:`emkit.estimators.fit_latent_model`); the latent model is a Markov
chain of states (:class:`~emkit.latent.hmm.HiddenMarkovChain`) instead of
independent mixture labels.
"""

from __future__ import annotations

import numpy as np

from . import notices
from ._sequence_input import split_sequences
from .estimators import DEFAULT_MAX_ITER, DEFAULT_TOL, declared_families, fit_latent_model
from .exceptions import LocalOptimumWarning
from .latent.hmm import IDENTICAL_STATES_GAP, HiddenMarkovChain
from .latent.mixture import FiniteMixture
from .results.hmm_result import HMMFitResult

#: Restarts of :meth:`HiddenMarkovModel.fit` by default: each screened restart tries 10 starts.
DEFAULT_N_INIT = 2

#: Restarts by default when each restart is a single random start (``"kmeans++"``, ``"random"``...).
DEFAULT_N_INIT_SINGLE_STARTS = 10

#: Starts that draw nothing at random: a restart would repeat them.
DETERMINISTIC_INITS = ("segments",)

#: Starts that already keep the best of several short runs in each restart.
SCREENING_INITS = ("auto", "screened", "short_em")


def default_n_init(init) -> int:
    """Restarts of :meth:`HiddenMarkovModel.fit` when ``n_init`` is not given: never a silent single random start.

    ``DEFAULT_N_INIT`` for starts that screen several short runs in each
    restart (the default), ``DEFAULT_N_INIT_SINGLE_STARTS`` for one random
    start per restart, 1 for starts that draw nothing at random (given
    parameters or responsibilities, ``"segments"``).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.hidden_markov import default_n_init
    >>> default_n_init("auto"), default_n_init("random"), default_n_init(np.eye(2))
    (2, 10, 1)
    """
    if not isinstance(init, str) or init in DETERMINISTIC_INITS:
        return 1
    return DEFAULT_N_INIT if init in SCREENING_INITS else DEFAULT_N_INIT_SINGLE_STARTS


class HiddenMarkovModel:
    """A hidden Markov model whose states emit from any component family.

    Parameters
    ----------
    emission : Family or list of Family
        One family used as the template of every state's emission (any
        family: Gaussian of any covariance structure, Student-t, Poisson,
        Categorical, Bernoulli, Gamma, ``Independent`` for mixed columns,
        ``from_scipy``, ``from_logpdf``...), or a list of families whose
        components are the states in order.
    n_states : int, optional
        Number of hidden states K (with a template family; with a list,
        optional and equal to the total).
    startprob : array_like of shape (K,), optional
        Starting initial-state probabilities (uniform by default). Zeros
        stay zero.
    transmat : array_like of shape (K, K), optional
        Starting transition probabilities, rows summing to 1 (by default
        0.9 on the diagonal, the rest shared evenly: a sticky start, see
        :meth:`~emkit.latent.hmm.HiddenMarkovChain.sticky_start`). Zeros stay zero: a left-right model is declared by the
        zeros of its ``transmat``.
    fixed : str or list of str, default ()
        Parameters kept at their starting values: ``"startprob"``,
        ``"transmat"``, ``"emissions"``.
    start_prior, transition_prior : float or array, default 1.0
        Dirichlet concentrations (at least 1) on ``startprob`` and on each
        row of ``transmat``; above 1 gives MAP estimates (EM then climbs the
        log-likelihood plus the log prior density, which is what the
        ``trace`` records).

    Examples
    --------
    Old Faithful's rows are consecutive eruptions; the waiting times follow
    a two-state chain that alternates between short and long waits:

    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, n_init=5, random_state=0)
    >>> short = int(fit.params.means.values.argmin())
    >>> fit.params.means.values.ravel()[short].round(), fit.params.transmat.values[short, 1 - short].round(2)
    (np.float64(55.0), np.float64(0.93))

    A short wait is followed by a long one with probability 0.93.
    """

    def __init__(
        self,
        emission,
        n_states: int | None = None,
        *,
        startprob=None,
        transmat=None,
        fixed=(),
        start_prior=1.0,
        transition_prior=1.0,
    ):
        emissions = FiniteMixture(declared_families(emission, n_states, "n_states"))
        self._declaration = HiddenMarkovChain(emissions, startprob, transmat, fixed, start_prior, transition_prior)

    @property
    def n_states(self) -> int:
        """Number of hidden states.

        Examples
        --------
        >>> import emkit as em
        >>> em.HiddenMarkovModel(em.Poisson(), n_states=3).n_states
        3
        """
        return self._declaration.n_components

    @property
    def families(self) -> tuple:
        """The (unfitted) emission families.

        Examples
        --------
        >>> import emkit as em
        >>> em.HiddenMarkovModel(em.Poisson(), n_states=3).families
        (Poisson(n_components=3),)
        """
        return self._declaration.families

    @property
    def latent_model(self) -> HiddenMarkovChain:
        """The unfitted chain this declares: its ``startprob``/``transmat`` (None when not declared), ``fixed`` and priors.

        Examples
        --------
        >>> import emkit as em
        >>> chain = em.HiddenMarkovModel(em.Poisson(), 2, transmat=[[0.9, 0.1], [0.0, 1.0]]).latent_model
        >>> chain.is_left_right, chain.startprob is None
        (True, True)
        """
        return self._declaration

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.families)!r}, n_states={self.n_states})"

    def fit(
        self,
        X,
        lengths=None,
        *,
        sequence_column=None,
        n_init: int | None = None,
        init="auto",
        max_iter: int = DEFAULT_MAX_ITER,
        tol: float = DEFAULT_TOL,
        chunk_size: int | None = None,
        random_state=None,
        progress: bool | None = None,
        missing=None,
    ) -> HMMFitResult:
        """Fit by EM (Baum-Welch) and return the best of ``n_init`` restarts.

        Parameters
        ----------
        X : data, or list of data
            Rows of all sequences in order (array, DataFrame, DataArray,
            dask array), or a list with one array or DataFrame per sequence.
        lengths : array_like of int, optional
            Length of each sequence, in row order, summing to the number of
            rows (as hmmlearn). Without it (and without a list or
            ``sequence_column``), all rows are one sequence.
        sequence_column : str, optional
            A DataFrame column of sequence ids; each sequence's rows must be
            consecutive. The column is not modelled.
        n_init : int, optional
            Number of restarts, the best kept (as in :meth:`emkit.Mixture.fit`).
            By default as :func:`default_n_init` says for ``init``: 2
            screened restarts (20 starts) for ``"auto"``, 10 for a single
            random start, 1 for a deterministic one. An explicit value is
            kept as given.
        init : str, xarray.Dataset or array, default "auto"
            ``"auto"`` is ``"screened"``: each restart runs 10 short EM runs
            (20 iterations each) from k-means++ emissions and random state
            weights (5 of each; random state weights only for discrete
            emissions, with the flat ``"segments"`` start for a left-right
            chain: :attr:`~emkit.latent.hmm.HiddenMarkovChain.screening_starts`)
            and continues the best to convergence. The default fit so tries
            20 starts for the cost of at most 400 EM iterations plus two
            full runs (see ``docs/hmm.md``, "Starting values"). Also any ``init`` of :meth:`emkit.Mixture.fit` (one start
            per restart), ``"segments"``, responsibilities (n, K), or a
            parameters Dataset as :attr:`HMMFitResult.params` lays out (then
            ``max_iter=0`` scores exactly those parameters). The chain
            starts from ``startprob``/``transmat`` of the declaration, or
            sticky (:meth:`~emkit.latent.hmm.HiddenMarkovChain.sticky_start`).
        max_iter, tol, chunk_size, random_state, progress
            As in :meth:`emkit.Mixture.fit`.
            Chunks hold whole sequences (a sequence longer than
            ``chunk_size`` is a chunk of its own), and so do dask blocks
            (the data are rechunked at sequence ends); chunks run on
            threads.
        missing : {None, "marginalize"}, default None
            ``"marginalize"`` takes NaN as values missing at random: each
            row's emission density is that of its observed entries, a row
            with nothing observed has emission density 1 in every state
            (the chain carries through it), and EM climbs the observed-data
            log-likelihood (``docs/missing_values.md``). Without it a NaN is
            a ``ValueError`` naming the rows.

        Returns
        -------
        HMMFitResult

        Raises
        ------
        ValueError
            For lengths that do not cover the rows, a sequence column with
            gaps, data out of an emission family's support, or a sequence
            with probability zero under the starting parameters.

        Examples
        --------
        Two sequences of a two-state Poisson chain:

        >>> import numpy as np, emkit as em
        >>> rng = np.random.default_rng(0)
        >>> states = np.r_[np.repeat([0, 1, 0, 1], 100), np.repeat([1, 0], 150)]
        >>> counts = rng.poisson(np.where(states == 0, 2.0, 12.0))[:, None]
        >>> fit = em.HiddenMarkovModel(em.Poisson(), n_states=2).fit(counts, lengths=[400, 300], random_state=0)
        >>> sorted(fit.params.rate.values.ravel().round().tolist())
        [2.0, 12.0]
        """
        if n_init is None:
            n_init = default_n_init(init)
        data, lengths = split_sequences(X, lengths, sequence_column)
        fit = fit_latent_model(
            _without_transitions_fixed(self._declaration, lengths), data, HMMFitResult, lengths=lengths,
            n_init=n_init, init=init, max_iter=max_iter, tol=tol, chunk_size=chunk_size, sample_weight=None,
            random_state=random_state, progress=progress, missing=missing,
        )
        _warn_if_identical_states(fit, data, missing)
        return fit


def _without_transitions_fixed(declaration: HiddenMarkovChain, lengths) -> HiddenMarkovChain:
    """The declaration, with ``transmat`` fixed (and a warning) when every sequence has length 1.

    Such data hold no transition: ``transmat`` keeps its starting value and
    counts no free parameter, and the model is the mixture whose weights
    are ``startprob``.
    """
    if lengths is None or "transmat" in declaration.fixed or declaration.n_components == 1:
        return declaration
    if not np.all(np.asarray(lengths) == 1):
        return declaration
    notices.warn(
        "every sequence has length 1, so the data carry no information on transitions: transmat keeps its "
        "starting value, is reported as fixed and counts no parameter (the fit is the mixture whose weights "
        "are startprob); give longer sequences to estimate it",
        UserWarning,
        stacklevel=3,
    )
    return declaration.with_fixed("transmat")


#: Rows on which a fit's states are compared (:func:`_warn_if_identical_states`).
IDENTICAL_CHECK_ROWS = 100_000


def _warn_if_identical_states(fit: HMMFitResult, data, missing=None) -> None:
    """A ``LocalOptimumWarning`` when the first ``IDENTICAL_CHECK_ROWS`` rows cannot tell two fitted states apart.

    Such a fit is one with fewer states, a saddle point where EM stalled
    (:meth:`~emkit.latent.hmm.HiddenMarkovChain.identical_states`). Restarts
    are ranked by log-likelihood, so any restart that reaches a true
    K-state optimum beats it; the warning says when none did.
    """
    rows = np.asarray(fit.observations(data, missing=missing).values[:IDENTICAL_CHECK_ROWS])
    pairs = fit.mixture.identical_states(rows)
    if pairs:
        named = ", ".join(f"{j} and {k}" for j, k in pairs)
        notices.warn(
            f"states {named} have the same emissions (their log-densities differ by less than "
            f"{IDENTICAL_STATES_GAP} on every observation): this is a fit with fewer states, a saddle point "
            "where EM stalled; use more restarts (n_init), the default init, or fewer states",
            LocalOptimumWarning,
            stacklevel=3,
        )

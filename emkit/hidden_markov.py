"""The user-facing hidden Markov model declaration with ``fit``.

Like :class:`~emkit.Mixture`, it names the component families (here the
emission of each state) and fits by the same EM driver
(:func:`emkit.estimators.fit_latent_model`); the latent model is a Markov
chain of states (:class:`~emkit.latent.hmm.HiddenMarkovChain`) instead of
independent mixture labels.
"""

from __future__ import annotations

from ._sequence_input import split_sequences
from .estimators import DEFAULT_MAX_ITER, DEFAULT_TOL, declared_families, fit_latent_model
from .latent.hmm import HiddenMarkovChain
from .latent.mixture import FiniteMixture
from .results.hmm_result import HMMFitResult


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
        """Number of hidden states."""
        return self._declaration.n_components

    @property
    def families(self) -> tuple:
        """The (unfitted) emission families."""
        return self._declaration.families

    @property
    def latent_model(self) -> HiddenMarkovChain:
        """The unfitted chain this declares: its ``startprob``/``transmat`` (None when not declared), ``fixed`` and priors."""
        return self._declaration

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.families)!r}, n_states={self.n_states})"

    def fit(
        self,
        X,
        lengths=None,
        *,
        sequence_column=None,
        n_init: int = 1,
        init="auto",
        max_iter: int = DEFAULT_MAX_ITER,
        tol: float = DEFAULT_TOL,
        chunk_size: int | None = None,
        random_state=None,
        progress: bool | None = None,
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
        n_init, init, max_iter, tol, chunk_size, random_state, progress
            As in :meth:`emkit.Mixture.fit`. The emissions start as a
            mixture's would (``"auto"``: k-means++, or short EM runs for
            discrete families; or responsibilities (n, K); or a parameters
            Dataset as :attr:`HMMFitResult.params` lays out, then
            ``max_iter=0`` scores exactly those parameters). The chain
            starts from ``startprob``/``transmat`` of the declaration, or
            sticky (:meth:`~emkit.latent.hmm.HiddenMarkovChain.sticky_start`).
            Chunks hold whole sequences (a sequence longer than
            ``chunk_size`` is a chunk of its own), and so do dask blocks
            (the data are rechunked at sequence ends); chunks run on
            threads.

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
        data, lengths = split_sequences(X, lengths, sequence_column)
        return fit_latent_model(
            self._declaration, data, HMMFitResult, lengths=lengths, n_init=n_init, init=init,
            max_iter=max_iter, tol=tol, chunk_size=chunk_size, sample_weight=None,
            random_state=random_state, progress=progress,
        )

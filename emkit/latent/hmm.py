r"""The hidden Markov model as a latent model: a Markov chain of states over emission families.

A hidden Markov model (HMM) with K states has

* ``startprob`` (K,): ``pi_k = P(z_1 = k)``;
* ``transmat`` (K, K): ``A_jk = P(z_{t+1} = k | z_t = j)``;
* emissions: component k of the families gives ``p(x_t | z_t = k)``.

It is a latent model like the finite mixture, and the EM driver
(:mod:`emkit.em.driver`) fits it unchanged (Baum-Welch is EM):

E-step (one chunk of whole sequences)
    The families give the emission log-densities ``log b_tk``; the scaled
    forward-backward recursions (:mod:`emkit.latent.hmm_inference`) give the
    log-likelihood, the smoothed state posteriors ``gamma_tk``, the start
    counts ``sum_s gamma_{s,1,k}`` and the expected transition counts
    ``xi_jk = sum_t P(z_t = j, z_{t+1} = k | x)``. The families turn
    ``gamma`` into their statistics exactly as they turn a mixture's
    responsibilities: they never see the chain.

M-step
    .. math::

        \pi_k = \frac{N^{start}_k + a_k - 1}{\sum_l (N^{start}_l + a_l - 1)}, \qquad
        A_{jk} = \frac{\xi_{jk} + b_{jk} - 1}{\sum_l (\xi_{jl} + b_{jl} - 1)},

    with Dirichlet concentrations ``a`` (``start_prior``) and ``b``
    (``transition_prior``); 1, the default, gives the maximum-likelihood
    estimate, larger values a MAP estimate. Entries that are zero stay zero
    (structural zeros: a left-right model keeps its shape), the prior being
    applied to the others only. Each state's emission parameters are its
    family's M-step with weights ``gamma_tk``; a state no observation visits
    keeps its parameters, and a transition row of a state never left keeps
    its values.

Parameters can be kept fixed (``fixed``): the chain's start or transition
probabilities, or the emissions, keep their starting values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..components.capabilities import capabilities, working_floats
from .._missing_input import observed_row_count
from ..components.parametric import simplex_from_free, simplex_to_free
from ..components.priors import check_concentration, map_probabilities
from .mixture import FiniteMixture, MixtureStats
from .hmm_inference import chain_statistics, checked_probabilities, forward_backward_sequences, viterbi_sequences

#: What ``fixed`` may name.
FIXABLE = ("startprob", "transmat", "emissions")

#: Probability of staying in a state in the starting ``transmat`` when none is declared.
STICKY_START = 0.9

#: Starts of each kind in a ``"screened"`` restart (:attr:`HiddenMarkovChain.screening_starts`).
SCREENING_STARTS = 5

#: States whose emission log-densities differ by less than this on every row are identical
#: (:meth:`HiddenMarkovChain.identical_states`).
IDENTICAL_STATES_GAP = 0.1

#: The attribute of a parameters Dataset that marks it as a hidden Markov model's.
LATENT_ATTR = "latent_model"


@dataclass(frozen=True)
class HMMStats:
    """Additive statistics of a hidden Markov model on some sequences.

    Attributes
    ----------
    emission : MixtureStats
        Log-likelihood, number of observations, ``sum_t log max_k gamma_tk``,
        state occupancies ``sum_t gamma_tk`` and the families' statistics
        from the weights ``gamma``.
    start_counts : ndarray of shape (K,) or None
        ``sum over sequences of gamma`` at their first step; None when the
        statistics come from responsibilities without a chain (initialisation).
    transition_counts : ndarray of shape (K, K) or None
        Expected transition counts ``xi``; None as ``start_counts``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.latent.mixture import MixtureStats
    >>> from emkit.latent.hmm import HMMStats
    >>> one = HMMStats(MixtureStats(-1.0, 2.0, 0.0, np.ones(2), ()), np.array([1.0, 0.0]), np.eye(2) * 0.5)
    >>> total = one + one
    >>> total.log_likelihood, total.start_counts.tolist(), total.n_obs
    (-2.0, [2.0, 0.0], 4.0)
    """

    emission: MixtureStats
    start_counts: np.ndarray | None
    transition_counts: np.ndarray | None

    @property
    def log_likelihood(self) -> float:
        """Log-likelihood of the sequences under the parameters evaluated."""
        return self.emission.log_likelihood

    @property
    def n_obs(self) -> float:
        """Number of observations (time steps over all sequences)."""
        return self.emission.n_obs

    @property
    def classification_log_likelihood(self) -> float:
        """``sum_t log max_k gamma_tk`` (for ICL)."""
        return self.emission.classification_log_likelihood

    @property
    def component_weight(self) -> np.ndarray:
        """State occupancies ``sum_t gamma_tk``."""
        return self.emission.component_weight

    def __add__(self, other: "HMMStats") -> "HMMStats":
        return HMMStats(
            self.emission + other.emission,
            _sum_or_none(self.start_counts, other.start_counts),
            _sum_or_none(self.transition_counts, other.transition_counts),
        )


def _sum_or_none(a, b):
    if a is None or b is None:
        return a if b is None else b
    return a + b


class HiddenMarkovChain:
    """A hidden Markov model as the EM driver updates it: chain probabilities plus emission families.

    Parameters
    ----------
    emissions : FiniteMixture
        The emission families (component k of their concatenated component
        axis is state k). Its ``weights``, when fitted, are the state
        occupancies of the last E-step, ``sum_t gamma_tk / T``.
    startprob : ndarray of shape (K,), optional
        Initial state probabilities; None while unfitted (uniform at the
        first M-step). Zeros stay zero.
    transmat : ndarray of shape (K, K), optional
        Transition probabilities, rows summing to 1; None while unfitted
        (:meth:`sticky_start` at the first M-step). Zeros stay zero.
    fixed : iterable of str, default ()
        Parameters kept at their starting values: any of ``"startprob"``,
        ``"transmat"``, ``"emissions"``.
    start_prior, transition_prior : float or array, default 1.0
        Dirichlet concentrations on ``startprob`` (K,) and on each row of
        ``transmat`` (K, K); 1 is no prior.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.latent.hmm import HiddenMarkovChain
    >>> x = np.r_[np.zeros(50), np.full(50, 5.0)][:, None] + np.random.default_rng(0).normal(size=(100, 1))
    >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]))
    >>> start = chain.m_step(chain.stats_from_responsibilities(x, np.eye(2)[(x[:, 0] > 2.5).astype(int)]))
    >>> start.transmat.round(6).tolist()
    [[0.9, 0.1], [0.1, 0.9]]
    >>> fitted = start.m_step(start.e_step(x, lengths=[100]))
    >>> bool(fitted.transmat[0, 0] > 0.9)
    True
    """

    #: Name of the latent dimension in results.
    latent_dim = "state"

    #: Rows form sequences: chunks and dask blocks hold whole sequences.
    sequential = True

    #: EM iterations of each short run of a ``"screened"`` restart (see :attr:`screening_starts`).
    screening_iter = 20

    def __init__(
        self,
        emissions: FiniteMixture,
        startprob=None,
        transmat=None,
        fixed=(),
        start_prior=1.0,
        transition_prior=1.0,
    ):
        self.emissions = emissions
        K = emissions.n_components
        self.startprob = None if startprob is None else checked_probabilities("startprob", startprob, (K,))
        self.transmat = None if transmat is None else checked_probabilities("transmat", transmat, (K, K))
        fixed = (fixed,) if isinstance(fixed, str) else tuple(fixed)
        unknown = [name for name in fixed if name not in FIXABLE]
        if unknown:
            raise ValueError(f"fixed may name {', '.join(FIXABLE)}; got {', '.join(map(repr, unknown))}")
        self.fixed = tuple(name for name in FIXABLE if name in fixed)
        self.start_prior = check_concentration("start_prior", start_prior, (K,))
        self.transition_prior = check_concentration("transition_prior", transition_prior, (K, K))
        #: Entries that may be non-zero: the zeros of the declared ``startprob``/``transmat`` are
        #: structural (they count no parameter); zeros EM reaches from positive values are estimates.
        self.start_structure = np.ones(K, bool) if startprob is None else self.startprob > 0
        self.transition_structure = np.ones((K, K), bool) if transmat is None else self.transmat > 0

    def _with(self, emissions, startprob, transmat, fixed=None) -> "HiddenMarkovChain":
        chain = HiddenMarkovChain(
            emissions, startprob, transmat, self.fixed if fixed is None else fixed, self.start_prior,
            self.transition_prior,
        )
        chain.start_structure, chain.transition_structure = self.start_structure, self.transition_structure
        return chain

    def with_fixed(self, name: str) -> "HiddenMarkovChain":
        """This declaration with ``name`` (one of ``FIXABLE``) also kept at its starting value.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), fixed="startprob").with_fixed("transmat").fixed
        ('startprob', 'transmat')
        """
        return self._with(self.emissions, self.startprob, self.transmat, (*self.fixed, name))

    # -- what the driver and results ask of every latent model -----------------------
    @property
    def families(self) -> tuple:
        """The emission families.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.families
        (Gaussian(covariance='VVV', n_components=2, reg_covar=1e-06),)
        """
        return self.emissions.families

    @property
    def n_components(self) -> int:
        """Number of states K.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.n_components
        2
        """
        return self.emissions.n_components

    @property
    def weights(self) -> np.ndarray | None:
        """State occupancies ``sum_t gamma_tk / T`` of the last E-step (None while unfitted).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.weights.tolist()  # the starting state weights' shares
        [0.5, 0.5]
        """
        return self.emissions.weights

    @property
    def is_fitted(self) -> bool:
        """Whether the chain and the emissions hold parameters.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.is_fitted, HiddenMarkovChain(FiniteMixture([em.Poisson(2)])).is_fitted
        (True, False)
        """
        return self.startprob is not None and self.transmat is not None and self.emissions.is_fitted

    def component_slices(self) -> tuple[slice, ...]:
        """Each emission family's states as a slice of the state axis.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Poisson(2), em.Gaussian("full", 1)])).component_slices()
        (slice(0, 2, None), slice(2, 3, None))
        """
        return self.emissions.component_slices()

    def log_emissions(self, x: np.ndarray) -> np.ndarray:
        """Emission log-densities ``log p(x_t | z_t = k)``, shape (n, K).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]))
        >>> chain.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).log_emissions(x).shape
        (4, 2)
        """
        return self._emission_terms(x)[0]

    def identical_states(self, x: np.ndarray) -> list[tuple[int, int]]:
        """Pairs of states ``(j, k)`` whose emissions the rows ``x`` cannot tell apart.

        Two states are identical on ``x`` when their emission log-densities
        differ by less than ``IDENTICAL_STATES_GAP`` (0.1) on every row: no
        observation is even 10% likelier under one than under the other.
        A fit with identical states is a fit with fewer states, a saddle
        point of the likelihood where EM can stall (random state weights
        start close to it); distinct states of a real optimum differ by
        several units on some rows.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [0.5], [4.0], [5.0], [4.5]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 3)]))
        >>> halves = np.array([[0.5, 0.5, 0.0]] * 3 + [[0.0, 0.0, 1.0]] * 3)  # states 0 and 1 share rows
        >>> chain.fit_responsibilities(x, halves).identical_states(x)
        [(0, 1)]
        >>> chain.fit_responsibilities(x, np.eye(3)[[0, 0, 1, 1, 2, 2]]).identical_states(x)
        []
        """
        log_b = self.log_emissions(x)
        pairs = []
        for j in range(self.n_components):
            for k in range(j + 1, self.n_components):
                same = log_b[:, j] == log_b[:, k]  # both -inf included
                gap = np.abs(np.where(same, 0.0, log_b[:, j] - log_b[:, k]))
                if gap.max(initial=0.0) < IDENTICAL_STATES_GAP:
                    pairs.append((j, k))
        return pairs

    def e_step(self, x: np.ndarray, sample_weight=None, offset: int = 0, lengths=None) -> HMMStats:
        """Statistics of a chunk of whole sequences (forward-backward on each).

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Rows of whole sequences, in order.
        sample_weight : None
            Observations of a sequence are not exchangeable, so they take
            no weights; anything but None is a ``ValueError``.
        offset : int, default 0
            Index of the chunk's first row, to name rows in errors.
        lengths : array_like of int, optional
            Lengths of the sequences in ``x``; None: one sequence.

        Returns
        -------
        HMMStats

        Raises
        ------
        ValueError
            If a sequence has probability zero (no allowed state can emit
            some observation); the message names the row.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> stats = chain.e_step(x, lengths=[2, 2])
        >>> stats.n_obs, stats.start_counts.sum().round(6), stats.transition_counts.sum().round(6)
        (4.0, np.float64(2.0), np.float64(2.0))
        """
        if sample_weight is not None:
            raise ValueError("a hidden Markov model takes no sample weights: its observations are not exchangeable")
        log_b, family_stats = self._emission_terms(x)
        try:
            chain = chain_statistics(self.startprob, self.transmat, log_b, [len(x)] if lengths is None else lengths)
        except ValueError as err:
            raise ValueError(f"{err} (the chunk starts at row {offset} of the data)") from None
        del log_b  # freed before the statistics, which need only the posteriors
        emission = MixtureStats(  # a row with nothing observed is no observation (its emissions integrate to 1)
            chain.log_likelihood, float(observed_row_count(x)), chain.class_log_likelihood, chain.state_counts,
            family_stats(chain.state_posteriors),
        )
        return HMMStats(emission, chain.start_counts, chain.transition_counts)

    def _emission_terms(self, x: np.ndarray):
        """The emission log-densities ``log_b`` (n, K) of a chunk and ``family_stats(gamma)``.

        The emissions evaluated as a mixture's components
        (:meth:`~emkit.latent.mixture.FiniteMixture.evaluate_components`):
        each family writes its states' columns of ``log_b``, a family with
        the ``blocked`` capability in compiled cache-sized blocks and its
        statistics from ``gamma`` likewise, so that it keeps no array of
        shape (K, n, d) between the two.
        """
        return self.emissions.evaluate_components(x)

    def stats_from_responsibilities(self, x: np.ndarray, resp: np.ndarray) -> HMMStats:
        """Emission statistics from given state weights (no chain counts): how EM is initialised.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> stats = chain.stats_from_responsibilities(x, np.eye(2)[[0, 1, 1, 1]])
        >>> stats.component_weight.tolist(), stats.transition_counts is None
        ([1.0, 3.0], True)
        """
        return HMMStats(self.emissions.stats_from_responsibilities(x, resp), None, None)

    def m_step(self, stats: HMMStats) -> "HiddenMarkovChain":
        """New parameters: the chain's (MAP) counts normalised, each state's emission M-step (see the module docstring).

        Without chain counts (statistics from responsibilities), the start
        and transition probabilities are the current ones, or uniform and
        :meth:`sticky_start`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> updated = chain.m_step(chain.e_step(x, lengths=[4]))  # steps 0 -> 0, 0 -> 1, 1 -> 1
        >>> updated.transmat.round(3).tolist()
        [[0.5, 0.5], [0.0, 1.0]]
        """
        keep = "emissions" in self.fixed and self.emissions.is_fitted  # fixed at the values they start from
        emissions = self.emissions if keep else self.emissions.m_step(stats.emission)
        startprob = self._updated("startprob", stats.start_counts, self.start_prior, self.startprob)
        transmat = self._updated("transmat", stats.transition_counts, self.transition_prior, self.transmat)
        return self._with(emissions, startprob, transmat)

    def _updated(self, name, counts, concentration, current):
        if name in self.fixed or counts is None:
            if current is not None:
                return current
            return np.full(self.n_components, 1.0 / self.n_components) if name == "startprob" else self.sticky_start()
        return map_probabilities(counts, concentration, current)

    def sticky_start(self) -> np.ndarray:
        """The starting ``transmat`` when none is declared: ``STICKY_START`` on the diagonal, the rest shared evenly.

        States that start with nearly the same emissions (random state
        weights, discrete data) and a uniform ``transmat`` are close to a
        fixed point of EM, where every state explains the data alike; a
        chain that starts sticky lets runs of similar observations pull the
        states apart (in the dishonest casino, a uniform start stays at the
        one-die fit for every seed, a sticky start finds the two dice).

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Poisson(3)])).sticky_start().round(2).tolist()
        [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]]
        """
        K = self.n_components
        if K == 1:
            return np.ones((1, 1))
        off = (1.0 - STICKY_START) / (K - 1)
        return np.full((K, K), off) + np.eye(K) * (STICKY_START - off)

    def mixture_for_starts(self) -> FiniteMixture:
        """The mixture of the emission families, whose short EM runs (rows independent) start the chain.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> type(chain.mixture_for_starts()).__name__, chain.mixture_for_starts().n_components
        ('FiniteMixture', 2)
        """
        return self.emissions

    def start_from_mixture(self, mixture: FiniteMixture) -> "HiddenMarkovChain":
        """The chain started from a fitted mixture of its emission families.

        The emissions are the mixture's components; ``startprob`` and every
        row of ``transmat`` are the mixing weights (floored at 1e-3 and
        renormalised, so that no transition starts at zero), unless the
        declaration gives them: the HMM then starts with the mixture's
        likelihood.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0], [6.0]])
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1, 1]])
        >>> HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).start_from_mixture(mixture).transmat.tolist()
        [[0.4, 0.6], [0.4, 0.6]]
        """
        weights = np.maximum(mixture.weights, 1e-3)
        weights /= weights.sum()
        startprob = weights if self.startprob is None else self.startprob
        transmat = np.tile(weights, (self.n_components, 1)) if self.transmat is None else self.transmat
        return self._with(mixture, startprob, transmat)

    def fit_responsibilities(self, x: np.ndarray, resp: np.ndarray) -> "HiddenMarkovChain":
        """One M-step from state weights (n, K) on ``x``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.families[0].means.ravel().tolist(), chain.transmat.round(12).tolist()  # sticky when undeclared
        ([0.5, 4.5], [[0.9, 0.1], [0.1, 0.9]])
        """
        return self.m_step(self.stats_from_responsibilities(x, resp))

    def log_prior(self) -> float:
        """``sum_k (a_k - 1) log pi_k + sum_jk (b_jk - 1) log A_jk`` over the entries that are not zero.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), [0.5, 0.5], [[0.9, 0.1], [0.0, 1.0]],
        ...                           transition_prior=2.0)
        >>> bool(np.isclose(chain.log_prior(), np.log(0.9) + np.log(0.1) + np.log(1.0)))
        True
        """
        total = 0.0
        for probabilities, concentration in ((self.startprob, self.start_prior), (self.transmat, self.transition_prior)):
            if probabilities is None:
                continue
            kept = probabilities > 0
            total += float(((concentration - 1.0)[kept] * np.log(probabilities[kept])).sum())
        return total

    def objective(self, stats: HMMStats) -> float:
        """What EM climbs: the log-likelihood plus the log prior density (MAP EM).

        The log prior is the chain's (:meth:`log_prior`) plus the emission
        families' (:meth:`~emkit.latent.mixture.FiniteMixture.families_log_prior`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> stats = chain.e_step(x, lengths=[4])
        >>> chain.objective(stats) == stats.log_likelihood  # no prior: the log-likelihood
        True
        """
        return stats.log_likelihood + self.log_prior() + self.emissions.families_log_prior(stats.emission)

    def n_params(self) -> int:
        """Free parameters: the chain's probabilities that are not structural zeros, less one per row, plus the emissions'.

        Structural zeros are those of the declared ``startprob`` and
        ``transmat``; fixed parameters do not count. Without structural zeros this is
        ``(K - 1) + K (K - 1) + emission parameters``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.n_params()  # 1 start + 2 transitions + 2 means + 2 variances
        7
        """
        count = 0
        if "startprob" not in self.fixed:
            count += int(np.count_nonzero(self.start_structure)) - 1
        if "transmat" not in self.fixed:
            count += int(np.count_nonzero(self.transition_structure)) - self.n_components
        if "emissions" not in self.fixed:
            count += sum(f.n_params() for f in self.families)
        return count

    def working_floats_per_row(self, n_features: int) -> int:
        """Floats of E-step temporaries per row, to size chunks: ``3 K + 2`` for the chain, plus the families' own.

        Forward-backward on a chunk holds, per row, the emission
        log-densities ``log_b`` (K floats), the posteriors ``gamma`` (K),
        the scaled emissions the forward pass keeps for the backward one
        (K: scratch of the longest sequence's rows, at most the chunk's),
        and the scaling constant and predictive log-density (2). A family
        with the ``blocked`` capability writes its columns of ``log_b`` and
        its statistics in cache-sized blocks, keeping at most the chunk as
        it evaluates it (d floats, say centred) until its statistics are
        computed; another family holds its own temporaries for its states
        (:func:`~emkit.components.capabilities.working_floats`) while the
        chunk is evaluated.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 3)])).working_floats_per_row(2)  # 3 K + 2 + d
        13
        >>> HiddenMarkovChain(FiniteMixture([em.Poisson(3)])).working_floats_per_row(2)  # 3 K + 2 + K d
        17
        """
        families = sum(
            n_features if capabilities(f).blocked else working_floats(f, n_features) for f in self.families
        )
        return 3 * self.n_components + 2 + families

    fit_floats_per_row = working_floats_per_row

    # -- sampling --------------------------------------------------------------------
    def sample_states(self, n_steps: int, n_sequences: int, rng: np.random.Generator) -> np.ndarray:
        """Simulated state paths, shape (n_sequences, n_steps).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), [1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]])
        >>> chain.sample_states(5, 2, np.random.default_rng(0)).tolist()
        [[0, 1, 0, 1, 0], [0, 1, 0, 1, 0]]
        """
        states = np.empty((n_sequences, n_steps), dtype=np.int64)
        if n_steps == 0:
            return states
        cumulative = np.cumsum(self.transmat, axis=1)
        cumulative[:, -1] = 1.0
        start = np.cumsum(self.startprob)
        start[-1] = 1.0
        states[:, 0] = np.searchsorted(start, rng.random(n_sequences), side="right")
        for t in range(1, n_steps):
            draws = rng.random(n_sequences)
            rows = cumulative[states[:, t - 1]]
            states[:, t] = (rows <= draws[:, None]).sum(axis=1)
        return states

    def sample(self, n_steps: int, n_sequences: int, rng: np.random.Generator):
        """Simulate ``n_sequences`` sequences of ``n_steps``: ``(x, states)``, rows sequence by sequence.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [0.1], [50.0], [50.1]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]), [1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]])
        >>> chain = chain.m_step(chain.stats_from_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> draws, states = chain.sample(4, 1, np.random.default_rng(0))
        >>> states.tolist(), draws.round(-1).ravel().tolist()
        ([0, 1, 0, 1], [0.0, 50.0, 0.0, 50.0])
        """
        states = self.sample_states(n_steps, n_sequences, rng).ravel()
        return self.emissions.sample_components(states, rng), states

    # -- inference on data ------------------------------------------------------------
    def posteriors(self, x: np.ndarray, lengths):
        """Forward-backward on ``x`` (:func:`~emkit.latent.hmm_inference.forward_backward_sequences`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.posteriors(x, [2, 2]).state_posteriors.argmax(axis=1).tolist()
        [0, 0, 1, 1]
        """
        return forward_backward_sequences(self.startprob, self.transmat, self.log_emissions(x), lengths)

    def best_path(self, x: np.ndarray, lengths):
        """Viterbi on ``x`` (:func:`~emkit.latent.hmm_inference.viterbi_sequences`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.best_path(x, [4]).states.tolist()
        [0, 0, 1, 1]
        """
        return viterbi_sequences(self.startprob, self.transmat, self.log_emissions(x), lengths)

    # -- declaration, data and parameters -------------------------------------------
    def spec(self) -> list[dict]:
        """JSON-serialisable declaration of the emission families.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> [spec["kind"] for spec in HiddenMarkovChain(FiniteMixture([em.Poisson(2)])).spec()]
        ['poisson']
        """
        return self.emissions.spec()

    def latent_spec(self) -> dict:
        """JSON-serialisable settings of the chain (what ``fixed`` and the priors are).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> spec = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), fixed="startprob").latent_spec()
        >>> spec["kind"], spec["fixed"], spec["transition_structure"]
        ('hidden_markov', ['startprob'], [[1, 1], [1, 1]])
        """
        return {
            "kind": "hidden_markov",
            "fixed": list(self.fixed),
            "start_prior": self.start_prior.tolist(),
            "transition_prior": self.transition_prior.tolist(),
            "start_structure": self.start_structure.astype(int).tolist(),
            "transition_structure": self.transition_structure.astype(int).tolist(),
        }

    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """Parameters over ``state``: ``startprob(state)``, ``transmat(state, next_state)``, the emissions' variables.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> params = chain.to_dataset(np.array(["x"]))
        >>> list(params.data_vars), params.transmat.dims
        (['startprob', 'transmat', 'means', 'covariances'], ('state', 'next_state'))
        """
        emission = self.emissions.to_dataset(features).drop_vars("weights").rename({"component": "state"})
        K = self.n_components
        chain = xr.Dataset(
            {"startprob": ("state", self.startprob), "transmat": (("state", "next_state"), self.transmat)},
            coords={"state": np.arange(K), "next_state": np.arange(K)},
        )
        params = xr.merge([chain, emission], combine_attrs="override")
        params.attrs = dict(emission.attrs)
        params.attrs[LATENT_ATTR] = json.dumps(self.latent_spec())
        return params

    def from_dataset(self, params: xr.Dataset) -> "HiddenMarkovChain":
        """A fitted copy of this declaration holding the parameters in ``params`` (laid out by :meth:`to_dataset`).

        Raises
        ------
        ValueError
            If ``startprob`` or ``transmat`` is missing, not probabilities
            of the right shape, or non-zero where the declaration has a
            structural zero; or the emission families reject theirs.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> declaration = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]))
        >>> params = declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).to_dataset(np.array(["x"]))
        >>> declaration.from_dataset(params.assign(transmat=params.transmat * 2))
        Traceback (most recent call last):
        ...
        ValueError: transmat must sum to 1 along the last axis, but its rows sum to [2.0, 2.0]; normalise it first
        """
        K = self.n_components
        for name in ("startprob", "transmat"):
            if name not in params:
                raise ValueError(f"initial parameters lack the variable {name!r} of a hidden Markov model")
        startprob = checked_probabilities("startprob", params["startprob"].values, (K,))
        transmat = checked_probabilities("transmat", params["transmat"].values, (K, K))
        for name, values, allowed in (
            ("startprob", startprob, self.start_structure), ("transmat", transmat, self.transition_structure)
        ):
            if np.any((values > 0) & ~allowed):
                at = tuple(int(i) for i in np.argwhere((values > 0) & ~allowed)[0])
                raise ValueError(
                    f"the starting {name} is non-zero at {at if len(at) > 1 else at[0]}, a structural zero of the "
                    f"declared {name}; give zeros there (or declare the model without them)"
                )
        emissions = self.emissions.from_dataset(emission_dataset(params))
        return self._with(emissions, startprob, transmat)

    @classmethod
    def from_params(cls, params: xr.Dataset) -> "HiddenMarkovChain":
        """Rebuild a fitted chain from a Dataset written by :meth:`to_dataset`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]), fixed=["startprob"])
        >>> chain = chain.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> rebuilt = HiddenMarkovChain.from_params(chain.to_dataset(np.array(["x"])))
        >>> rebuilt.fixed, rebuilt.to_dataset(np.array(["x"])).identical(chain.to_dataset(np.array(["x"])))
        (('startprob',), True)
        """
        settings = json.loads(params.attrs[LATENT_ATTR])
        emissions = FiniteMixture.from_params(emission_dataset(params))
        declaration = cls(
            FiniteMixture(emissions.families),
            fixed=settings["fixed"],
            start_prior=settings["start_prior"],
            transition_prior=settings["transition_prior"],
        )
        declaration.start_structure = np.asarray(settings["start_structure"], dtype=bool)
        declaration.transition_structure = np.asarray(settings["transition_structure"], dtype=bool)
        return declaration.from_dataset(params)

    def bind(self, features: np.ndarray, categories: dict | None = None, data: np.ndarray | None = None):
        """This declaration with the emission families bound to the data (see :meth:`FiniteMixture.bind`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> bound = HiddenMarkovChain(FiniteMixture([em.Categorical(2)])).bind(["face"], data=np.array([[0.0], [2.0]]))
        >>> bound.families[0].n_params()  # two states, two categories seen: one free probability each
        2
        """
        return self._with(self.emissions.bind(features, categories, data), self.startprob, self.transmat)

    @property
    def used_columns(self) -> tuple | None:
        """The columns the emission families name (see :attr:`FiniteMixture.used_columns`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Independent({"rt": em.Gaussian(), "ok": em.Bernoulli()}, 2)])).used_columns
        ('rt', 'ok')
        >>> HiddenMarkovChain(FiniteMixture([em.Poisson(2)])).used_columns is None  # every column
        True
        """
        return self.emissions.used_columns

    @property
    def accepts_categorical(self) -> bool:
        """Whether some emission family takes category codes.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Categorical(2)])).accepts_categorical
        True
        """
        return self.emissions.accepts_categorical

    @property
    def default_init(self) -> str:
        """``"screened"``: each restart keeps the best of short EM runs from the starts :attr:`screening_starts` names.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).default_init
        'screened'
        """
        return "screened"

    @property
    def screening_starts(self) -> dict:
        """The starts of a ``"screened"`` restart by method, each run for a few EM iterations before the best is kept.

        A single kind of start misses optima a chain reaches from another
        kind: on quarterly US GDP growth (three Gaussian states) no k-means++
        start reaches the best optimum, random state weights do in about
        four runs in ten; on Old Faithful's waiting times (two states) no
        random start does, every k-means++ start does. So continuous
        emissions take ``SCREENING_STARTS`` of both kinds; discrete
        emissions (whose families would start a mixture with ``"short_em"``:
        Euclidean seeds mean nothing on category codes) random state
        weights only; a left-right chain its ``"segments"`` (flat) start
        and random state weights.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).screening_starts
        {'kmeans++': 5, 'random': 5}
        >>> HiddenMarkovChain(FiniteMixture([em.Categorical(2)])).screening_starts
        {'random': 10}
        >>> HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]), [1, 0], [[0.9, 0.1], [0, 1]]).screening_starts
        {'segments': 1, 'random': 9}
        """
        if self.is_left_right:
            return {"segments": 1, "random": 2 * SCREENING_STARTS - 1}
        if self.emissions.default_init == "short_em":
            return {"random": 2 * SCREENING_STARTS}
        return {self.emissions.default_init: SCREENING_STARTS, "random": SCREENING_STARTS}

    @property
    def is_left_right(self) -> bool:
        """Whether the declared ``transmat`` allows no move to an earlier state (zeros below the diagonal).

        Such a chain visits its states in order, so its screened starts
        include the ``"segments"`` partition (each sequence cut into K
        consecutive parts).

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> banded = [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 3)]), [1, 0, 0], banded)
        >>> chain.is_left_right, chain.screening_starts["segments"]
        (True, 1)
        """
        below = np.tril(np.ones_like(self.transition_structure), k=-1)
        return self.n_components > 1 and not np.any(self.transition_structure & below)

    def check_data(self, x: np.ndarray) -> None:
        """``ValueError`` if ``x`` is out of some emission family's support.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Poisson(2)])).check_data(np.array([[1.5]]))
        Traceback (most recent call last):
        ...
        ValueError: ...
        """
        self.emissions.check_data(x)

    # -- free parameters (standard errors) ------------------------------------------
    def _free_rows(self, startprob: np.ndarray, transmat: np.ndarray) -> list:
        """``(vector, allowed entries)`` for ``startprob`` and each row of ``transmat`` that is estimated (views)."""
        rows = [] if "startprob" in self.fixed else [(startprob, self.start_structure)]
        if "transmat" not in self.fixed:
            rows += list(zip(transmat, self.transition_structure))
        return rows

    def free_parameters(self) -> np.ndarray:
        """The free parameters: each estimated probability vector's entries but its largest, then the emissions'.

        A probability vector is ``startprob`` or a row of ``transmat``
        restricted to its entries that are not structural zeros; its largest
        entry is one minus the others
        (:func:`~emkit.components.parametric.simplex_to_free`, as for a
        mixture's weights). Fixed parameters are not free. There are
        :meth:`n_params` of them.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), [0.3, 0.7], [[0.8, 0.2], [0.0, 1.0]])
        >>> chain = chain.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> chain.free_parameters().tolist(), chain.n_params()  # startprob[0], transmat[0, 1], two rates
        ([0.3, 0.2, 0.5, 4.5], 4)
        """
        chain = [simplex_to_free(p[allowed]) for p, allowed in self._free_rows(self.startprob, self.transmat)]
        emissions = [] if "emissions" in self.fixed else [self.emissions.family_free_parameters()]
        return np.concatenate(chain + emissions + [np.zeros(0)])

    def with_free_parameters(self, vector: np.ndarray) -> "HiddenMarkovChain":
        """This chain holding ``vector`` (the inverse of :meth:`free_parameters` here).

        Raises
        ------
        ValueError
            If ``vector`` puts a probability below 0 (outside the domain).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), [0.3, 0.7], [[0.8, 0.2], [0.0, 1.0]])
        >>> chain = chain.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> moved = chain.with_free_parameters(np.array([0.4, 0.1, 0.5, 4.5]))
        >>> moved.startprob.tolist(), moved.transmat.tolist()
        ([0.4, 0.6], [[0.9, 0.1], [0.0, 1.0]])
        """
        vector = np.asarray(vector, dtype=float)
        startprob, transmat = self.startprob.copy(), self.transmat.copy()
        start = 0
        for p, allowed in self._free_rows(startprob, transmat):
            size = int(allowed.sum()) - 1
            p[allowed] = simplex_from_free(vector[start: start + size], p[allowed])
            start += size
        emissions = self.emissions
        if "emissions" not in self.fixed:
            emissions = emissions.with_family_free_parameters(vector[start:])
        return self._with(emissions, startprob, transmat)

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of every entry of :meth:`free_parameters`: probabilities in [0, 1], the families' own.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), fixed="startprob")
        >>> lower, upper = chain.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).free_parameter_bounds()
        >>> lower.tolist(), upper.tolist()
        ([0.0, 0.0, 0.0, 0.0], [1.0, 1.0, inf, inf])
        """
        size = sum(int(allowed.sum()) - 1 for _, allowed in self._free_rows(self.startprob, self.transmat))
        emissions = [] if "emissions" in self.fixed else self.emissions.family_free_parameter_bounds()
        bounds = [(np.zeros(size), np.ones(size))] + emissions
        return tuple(np.concatenate([np.asarray(b[side], dtype=float) for b in bounds]) for side in (0, 1))

    def declaration_options(self) -> dict:
        """Keyword arguments of :class:`emkit.HiddenMarkovModel` declaring this chain's shape, fixed values and priors.

        Structural zeros are declared as zeros of ``startprob`` and
        ``transmat`` (uniform over the other entries); a fit started from
        a parameters Dataset (``init=``) takes its values from there.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Poisson(2)]), [1.0, 0.0], [[0.8, 0.2], [0.0, 1.0]],
        ...                           fixed="startprob")
        >>> options = chain.declaration_options()
        >>> options["startprob"].tolist(), options["transmat"].tolist(), options["fixed"]
        ([1.0, 0.0], [[0.5, 0.5], [0.0, 1.0]], ('startprob',))
        """
        return {
            "startprob": self.start_structure / self.start_structure.sum(),
            "transmat": self.transition_structure / self.transition_structure.sum(axis=1, keepdims=True),
            "fixed": self.fixed,
            "start_prior": self.start_prior,
            "transition_prior": self.transition_prior,
        }


def emission_dataset(params: xr.Dataset) -> xr.Dataset:
    """The emission part of an HMM's parameters in a mixture's layout (``component``, uniform ``weights``).

    The weights only serve families that pool parameters over components
    when rebuilt; an HMM's states have no mixing weights.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.latent.hmm import emission_dataset
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> params = em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0).params
    >>> emission = emission_dataset(params)
    >>> sorted(emission.data_vars), emission.weights.values.tolist()
    (['covariances', 'means', 'weights'], [0.5, 0.5])
    """
    emission = params.drop_vars(["startprob", "transmat", "next_state"], errors="ignore").rename({"state": "component"})
    K = emission.sizes["component"]
    emission["weights"] = ("component", np.full(K, 1.0 / K))
    emission.attrs = {key: value for key, value in params.attrs.items() if key != LATENT_ATTR}
    return emission

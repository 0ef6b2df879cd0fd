"""The result of a hidden Markov model fit: a FitResult whose latent dimension is ``state``.

Everything that does not depend on the order of the rows (parameters,
criteria, the iteration history, saving and loading, summaries) is
:class:`~emkit.results.FitResult`'s. What an HMM adds reads whole sequences:
smoothed state posteriors, the Viterbi path, the log-likelihood of
sequences, and simulation of new sequences.
"""

from __future__ import annotations

import re
import numpy as np
import pandas as pd
import xarray as xr

from .._dask_input import is_dask_data
from .._sequence_input import checked_bounds, split_sequences
from ..components.capabilities import description
from ..em.dask_data import aligned_blocks
from ..em.sequences import lengths_within
from .fit_result import RESULT_TYPES, FitResult, _observation_coord
from .inference_data import sequences_to_inference_data


#: Fields of one pass over whole sequences that are totals over the sequences (the others are per row).
_TOTALS = ("log_likelihood", "log_probability")


def _sequences_field(x: np.ndarray, chain, bounds: np.ndarray, field: str, start: int = 0):
    """``field`` of the rows ``x`` (whole sequences from row ``start``): of the Viterbi path or of forward-backward.

    ``states`` and ``log_probability`` are the best path's
    (:class:`~emkit.latent.hmm_inference.BestPath`); the other fields are
    forward-backward's (:class:`~emkit.latent.hmm_inference.SequencePosteriors`).
    """
    lengths = lengths_within(bounds, start, start + len(x))
    if field in ("states", "log_probability"):
        return getattr(chain.best_path(x, lengths), field)
    return getattr(chain.posteriors(x, lengths), field)


def _block_field(block, chain, bounds, field, block_info=None):
    """:func:`_sequences_field` of one dask block of whole sequences; a total as a one-element array."""
    start = block_info[0]["array-location"][0][0] if block_info else 0
    value = _sequences_field(np.asarray(block), chain, bounds, field, start)
    return np.array([value]) if field in _TOTALS else value


def _one_state(text: str, n_states: int) -> str:
    """A family's description of its ``n_states`` components as the emission of one state.

    ``"2 Gaussian components, covariance VVV (full)"`` becomes
    ``"Gaussian, covariance VVV (full)"`` (the states are counted once, by
    the chain), as do the parts of an :class:`~emkit.Independent` emission.

    Examples
    --------
    >>> from emkit.results.hmm_result import _one_state
    >>> _one_state("3 independent-parts components (rt: 3 Gaussian components; acc: 3 categorical components)", 3)
    'independent-parts (rt: Gaussian; acc: categorical)'
    >>> _one_state("2 components, each a mixture of 3 Gaussians, covariance VVI (diagonal)", 2)
    'a mixture of 3 Gaussians, covariance VVI (diagonal)'
    """
    text = re.sub(rf"\b{n_states} components?, each ", "", text)
    return re.sub(rf"\b{n_states} ([^,;()]+?) components?\b", r"\1", text)


class HMMFitResult(FitResult):
    """A fitted hidden Markov model with its iteration history.

    Built by :meth:`emkit.HiddenMarkovModel.fit`. Parameters are in
    :attr:`params`: ``startprob(state)``, ``transmat(state, next_state)``
    and the emission families' variables over ``state``. The methods that
    take data take the sequences as the fit did: ``lengths``, a list with
    one item per sequence, or a DataFrame's ``sequence_column``; without
    them, all rows are one sequence.

    Examples
    --------
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, n_init=3, random_state=0)
    >>> fit.params.transmat.dims, fit.n_states
    (('state', 'next_state'), 2)
    """

    display_name = "Hidden Markov model"

    @property
    def n_states(self) -> int:
        """Number of hidden states."""
        return self.n_components

    def sequences(self, X, lengths=None, sequence_column=None, missing=None):
        """``(observations, lengths)``: ``X`` read for this fit, and its sequence lengths.

        ``missing="marginalize"`` accepts NaN as values missing at random
        (see :meth:`emkit.HiddenMarkovModel.fit`); so do the methods below
        that take data.

        Raises
        ------
        ValueError
            For data the fit cannot read (see :meth:`observations`) and for
            lengths that do not cover the rows (see
            :func:`~emkit._sequence_input.sequence_bounds`).

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> obs, lengths = fit.sequences(waiting, lengths=[200, 72])
        >>> obs.n_obs, lengths.tolist()
        (272, [200, 72])
        """
        data, lengths = split_sequences(X, lengths, sequence_column)
        obs = self.observations(data, missing=missing)
        return obs, np.diff(checked_bounds(lengths, obs.n_obs))

    def _field(self, obs, lengths: np.ndarray, field: str):
        """``field`` (see :func:`_sequences_field`) of the observations ``obs`` in sequences of ``lengths``.

        For dask data the blocks are first moved to sequence ends
        (:func:`~emkit.em.dask_data.aligned_blocks`, a sequence is never
        split) and each block is computed on its own: a per-row field is a
        lazy dask array, a total is computed block by block and summed.
        """
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        if not is_dask_data(obs.values):
            return _sequences_field(obs.values, self.mixture, bounds, field)
        values = aligned_blocks(obs.values, bounds)
        rows = values.chunks[0]
        if field == "state_posteriors":
            layout = {"chunks": (rows, (self.n_states,))}
        else:
            layout = {"chunks": ((1,) * len(rows),) if field in _TOTALS else (rows,), "drop_axis": 1}
        dtype = np.intp if field == "states" else np.float64
        result = values.map_blocks(_block_field, self.mixture, bounds, field, dtype=dtype, **layout)
        return float(result.sum().compute()) if field in _TOTALS else result

    def predict_proba(self, X, lengths=None, *, sequence_column=None, missing=None) -> xr.DataArray:
        """Smoothed state posteriors ``P(z_t = k | the whole sequence)``, over ``(observation, state)``.

        For dask data (a dask array or a DataArray backed by one), as for a
        mixture, the result is lazy and computed block by block when used;
        the blocks are first moved to sequence ends, so each holds whole
        sequences (a block then holds at least its longest sequence). The
        same holds for :meth:`predict`, :meth:`score_samples` and the states
        of :meth:`decode`; :meth:`score` and the path's log-probability are
        computed block by block and summed.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> proba = fit.predict_proba(waiting)
        >>> proba.dims, bool(abs(proba.sum("state") - 1).max() < 1e-12)
        (('observation', 'state'), True)
        """
        obs, lengths = self.sequences(X, lengths, sequence_column, missing)
        gamma = self._field(obs, lengths, "state_posteriors")
        coords = {**_observation_coord(obs), "state": np.arange(self.n_states)}
        return xr.DataArray(gamma, dims=("observation", "state"), coords=coords, name="state_probability")

    def decode(self, X, lengths=None, *, sequence_column=None, missing=None):
        """The most probable state sequence (Viterbi): ``(log_probability, states)``.

        Returns
        -------
        log_probability : float
            ``log p(x, z*)`` of the best path (summed over sequences).
        states : xarray.DataArray
            The states of the best path, over ``observation``.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> log_probability, states = fit.decode(waiting)
        >>> log_probability <= fit.log_likelihood, states.sizes["observation"]
        (True, 272)
        """
        obs, lengths = self.sequences(X, lengths, sequence_column, missing)
        if is_dask_data(obs.values):
            log_probability, path = (self._field(obs, lengths, field) for field in ("log_probability", "states"))
        else:
            log_probability, path = self.mixture.best_path(obs.values, lengths)
        states = xr.DataArray(path, dims="observation", coords=_observation_coord(obs), name="state")
        return log_probability, states

    def predict(self, X, lengths=None, *, sequence_column=None, missing=None) -> xr.DataArray:
        """The states of the most probable path (:meth:`decode`), over ``observation``.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> bool((fit.predict(waiting) == fit.decode(waiting)[1]).all())
        True
        """
        return self.decode(X, lengths, sequence_column=sequence_column, missing=missing)[1]

    def score(self, X, lengths=None, *, sequence_column=None, missing=None) -> float:
        """Total log-likelihood ``sum over sequences of log p(sequence)`` (hmmlearn's ``score``).

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> round(fit.score(waiting) - fit.log_likelihood, 8)
        0.0
        """
        obs, lengths = self.sequences(X, lengths, sequence_column, missing)
        return self._field(obs, lengths, "log_likelihood")

    def score_samples(self, X, lengths=None, *, sequence_column=None, missing=None) -> xr.DataArray:
        """Each row's one-step predictive log-density ``log p(x_t | earlier rows of its sequence)``.

        They sum to :meth:`score`; ArviZ's pointwise log-likelihood for
        sequential data.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> round(float(fit.score_samples(waiting).sum()) - fit.log_likelihood, 8)
        0.0
        """
        obs, lengths = self.sequences(X, lengths, sequence_column, missing)
        predictive = self._field(obs, lengths, "predictive_log_densities")
        return xr.DataArray(predictive, dims="observation", coords=_observation_coord(obs), name="log_density")

    def sample(self, n_steps: int, n_sequences: int = 1, random_state=None, *, as_frame: bool = True):
        """Simulate sequences from the fitted model: observations with their states.

        Parameters
        ----------
        n_steps : int
            Length of each sequence, at least 1.
        n_sequences : int, default 1
            Number of independent sequences, each started from ``startprob``;
            at least 1.
        random_state : int, numpy Generator or None
        as_frame : bool, default True
            True: a pandas DataFrame, whatever the emission families. False:
            the DataArray of the numbers the fit works on (a label's position
            among its column's categories), as computations need.

        Returns
        -------
        pandas.DataFrame or xarray.DataArray
            Rows sequence by sequence. By default a DataFrame with index
            ``observation``, one column per feature in the data's types
            (columns with labels are pandas categoricals with the fitted
            categories, as :meth:`labelled` makes them), then the columns
            ``state``, ``sequence`` and ``step``: it can be given back to the
            fit's methods with ``sequence_column="sequence"``. With
            ``as_frame=False``, a DataArray over ``(observation, feature)``
            with the coordinates ``state``, ``sequence`` and ``step``.

        Raises
        ------
        ValueError
            For ``n_steps`` or ``n_sequences`` not a positive integer, and for
            a DataFrame asked for when a feature is named ``state``,
            ``sequence`` or ``step``.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> draws = fit.sample(100, n_sequences=3, random_state=1)
        >>> draws.columns.tolist(), draws.shape, sorted(set(draws["sequence"]))
        (['waiting', 'state', 'sequence', 'step'], (300, 4), [0, 1, 2])
        >>> round(fit.score(draws, sequence_column="sequence") / 300, 1) > -5
        True
        >>> fit.sample(100, random_state=1, as_frame=False).dims
        ('observation', 'feature')
        """
        for name, value in (("n_steps", n_steps), ("n_sequences", n_sequences)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer (at least one step in at least one sequence), "
                                 f"got {value!r}")
        if as_frame not in (True, False):
            raise ValueError(f"as_frame must be True or False, got {as_frame!r}")
        x, states = self.mixture.sample(int(n_steps), int(n_sequences), np.random.default_rng(random_state))
        where = {"state": states, "sequence": np.repeat(np.arange(n_sequences), n_steps),
                 "step": np.tile(np.arange(n_steps), n_sequences)}
        if as_frame:
            clash = set(where) & {str(f) for f in self.features}
            if clash:
                raise ValueError(
                    f"a feature is named {sorted(clash)[0]!r}, a column the DataFrame of draws adds: sample with "
                    "as_frame=False"
                )
            return self.labelled(x).assign(**where)
        coords = {"observation": np.arange(len(x)), "feature": self.features}
        coords.update({name: ("observation", values) for name, values in where.items()})
        return xr.DataArray(x, dims=("observation", "feature"), coords=coords, name="sample")

    def describe_model(self) -> str:
        """One line naming the model: the number of states and the emission families.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0).describe_model()
        'hidden Markov model with 2 states; emissions: Gaussian, covariance VVV (full)'
        """
        parts = " + ".join(_one_state(description(f), self.n_states) for f in self.mixture.families)
        return f"hidden Markov model with {self.n_states} states; emissions: {parts}"

    def transition_table(self) -> pd.DataFrame:
        """``transmat`` as a DataFrame: rows the state left, columns the next state.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> table = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0).transition_table()
        >>> table.index.name, table.columns.name, bool(abs(table.sum(axis=1) - 1).max() < 1e-12)
        ('state', 'next_state', True)
        """
        return self.params["transmat"].to_pandas()

    def _unavailable(self, what: str):
        raise NotImplementedError(f"{what} is not available for hidden Markov models")

    def predict_response(self, X, by_component: bool = False):
        """Not available: hidden Markov models have no regression emissions yet (``NotImplementedError``)."""
        self._unavailable("predict_response")

    def partial_fit(self, X):
        """Not available: stepwise EM for hidden Markov models is not implemented (``NotImplementedError``)."""
        self._unavailable("partial_fit (stepwise EM)")

    def to_inference_data(self, X, lengths=None, *, sequence_column=None, bootstrap=None, n_draws: int = 100,
                          random_state=None):
        """The fit as an ArviZ ``InferenceData`` (see :mod:`emkit.results.inference_data`).

        Groups: ``posterior`` (the parameters, or bootstrap replicates as
        draws), ``observed_data``, ``posterior_predictive`` (``n_draws``
        data sets of sequences simulated from the fit, one per observed
        sequence with its length), ``log_likelihood`` and ``sample_stats``
        (the log-likelihood trace of every restart). ``log_likelihood``
        holds each row's one-step predictive log-density
        ``log p(x_t | x_1 .. x_{t-1})`` (:meth:`score_samples`): the rows of
        a sequence are not independent, so these terms, which sum to the
        sequence's log-likelihood, are not pointwise likelihoods of
        exchangeable observations, and ``az.loo``/``az.waic`` on them do not
        estimate what they estimate for a mixture.

        Parameters
        ----------
        X : data
            The sequences the model was fitted to.
        lengths, sequence_column
            The sequences of ``X``, as for :meth:`predict_proba`.
        bootstrap : xarray.Dataset, optional
            Replicates from :func:`emkit.bootstrap` of this fit, stored as the
            posterior draws (each scoring ``X`` in ``log_likelihood``).
        n_draws : int, default 100
            Simulated data sets in ``posterior_predictive``.
        random_state : int, Generator or None

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> idata = fit.to_inference_data(waiting, n_draws=5, random_state=0)
        >>> sorted(idata.groups())
        ['log_likelihood', 'observed_data', 'posterior', 'posterior_predictive', 'sample_stats']
        >>> round(float(idata.log_likelihood.x.sum()) - fit.log_likelihood, 8)
        0.0
        """
        return sequences_to_inference_data(self, X, lengths, sequence_column, bootstrap, n_draws, random_state)


RESULT_TYPES["hidden_markov"] = HMMFitResult

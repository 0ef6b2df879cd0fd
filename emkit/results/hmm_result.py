"""The result of a hidden Markov model fit: a FitResult whose latent dimension is ``state``.

Everything that does not depend on the order of the rows (parameters,
criteria, the iteration history, saving and loading, summaries) is
:class:`~emkit.results.FitResult`'s. What an HMM adds reads whole sequences:
smoothed state posteriors, the Viterbi path, the log-likelihood of
sequences, and simulation of new sequences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .._sequence_input import checked_bounds, split_sequences
from ..components.capabilities import description
from .fit_result import RESULT_TYPES, FitResult, _observation_coord
from .inference_data import sequences_to_inference_data


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

    @property
    def n_states(self) -> int:
        """Number of hidden states."""
        return self.n_components

    def sequences(self, X, lengths=None, sequence_column=None):
        """``(observations, lengths)``: ``X`` read for this fit, and its sequence lengths.

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
        obs = self.observations(data)
        return obs, np.diff(checked_bounds(lengths, obs.n_obs))

    def predict_proba(self, X, lengths=None, *, sequence_column=None) -> xr.DataArray:
        """Smoothed state posteriors ``P(z_t = k | the whole sequence)``, over ``(observation, state)``.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> proba = fit.predict_proba(waiting)
        >>> proba.dims, bool(abs(proba.sum("state") - 1).max() < 1e-12)
        (('observation', 'state'), True)
        """
        obs, lengths = self.sequences(X, lengths, sequence_column)
        gamma = self.mixture.posteriors(obs.values, lengths).state_posteriors
        coords = {**_observation_coord(obs), "state": np.arange(self.n_states)}
        return xr.DataArray(gamma, dims=("observation", "state"), coords=coords, name="state_probability")

    def decode(self, X, lengths=None, *, sequence_column=None):
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
        obs, lengths = self.sequences(X, lengths, sequence_column)
        path = self.mixture.best_path(obs.values, lengths)
        states = xr.DataArray(path.states, dims="observation", coords=_observation_coord(obs), name="state")
        return path.log_probability, states

    def predict(self, X, lengths=None, *, sequence_column=None) -> xr.DataArray:
        """The states of the most probable path (:meth:`decode`), over ``observation``.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> bool((fit.predict(waiting) == fit.decode(waiting)[1]).all())
        True
        """
        return self.decode(X, lengths, sequence_column=sequence_column)[1]

    def score(self, X, lengths=None, *, sequence_column=None) -> float:
        """Total log-likelihood ``sum over sequences of log p(sequence)`` (hmmlearn's ``score``).

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> round(fit.score(waiting) - fit.log_likelihood, 8)
        0.0
        """
        obs, lengths = self.sequences(X, lengths, sequence_column)
        return self.mixture.posteriors(obs.values, lengths).log_likelihood

    def score_samples(self, X, lengths=None, *, sequence_column=None) -> xr.DataArray:
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
        obs, lengths = self.sequences(X, lengths, sequence_column)
        predictive = self.mixture.posteriors(obs.values, lengths).predictive_log_densities
        return xr.DataArray(predictive, dims="observation", coords=_observation_coord(obs), name="log_density")

    def sample(self, n_steps: int, n_sequences: int = 1, random_state=None, *, as_frame: bool | None = None):
        """Simulate sequences from the fitted model: observations with their states.

        Parameters
        ----------
        n_steps : int
            Length of each sequence.
        n_sequences : int, default 1
            Number of independent sequences, each started from ``startprob``.
        random_state : int, numpy Generator or None
        as_frame : bool, optional
            None: a DataFrame when the fit has :attr:`categories`, otherwise
            a DataArray; True/False force one (see :meth:`FitResult.sample`).

        Returns
        -------
        xarray.DataArray or pandas.DataFrame
            Rows sequence by sequence: a DataArray over ``(observation,
            feature)`` with the coordinates ``state``, ``sequence`` and
            ``step``; or a DataFrame with those as columns after the features.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
        >>> draws = fit.sample(100, n_sequences=3, random_state=1)
        >>> draws.shape, sorted(set(draws.sequence.values.tolist()))
        ((300, 1), [0, 1, 2])
        """
        for name, value in (("n_steps", n_steps), ("n_sequences", n_sequences)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if as_frame not in (None, True, False):
            raise ValueError(f"as_frame must be None, True or False, got {as_frame!r}")
        x, states = self.mixture.sample(int(n_steps), int(n_sequences), np.random.default_rng(random_state))
        sequence = np.repeat(np.arange(n_sequences), n_steps)
        step = np.tile(np.arange(n_steps), n_sequences)
        if as_frame or (as_frame is None and self.has_categories):
            clash = {"state", "sequence", "step"} & {str(f) for f in self.features}
            if clash:
                raise ValueError(
                    f"a feature is named {sorted(clash)[0]!r}, a column the DataFrame of draws adds: sample with "
                    "as_frame=False"
                )
            return self.labelled(x).assign(state=states, sequence=sequence, step=step)
        coords = {
            "observation": np.arange(len(x)),
            "feature": self.features,
            "state": ("observation", states),
            "sequence": ("observation", sequence),
            "step": ("observation", step),
        }
        return xr.DataArray(x, dims=("observation", "feature"), coords=coords, name="sample")

    def describe_model(self) -> str:
        """One line naming the model: the number of states and the emission families.

        Examples
        --------
        >>> import emkit as em
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0).describe_model()
        'hidden Markov model with 2 states; emissions: 2 Gaussian components, covariance VVV (full)'
        """
        parts = " + ".join(description(f) for f in self.mixture.families)
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

"""The data a fit is evaluated on again: rows read as the fit read them, with their weights and sequences.

Tools that recompute a fit's likelihood on data (standard errors, bootstrap
resampling) read ``X`` through :func:`fit_data`, so a hidden Markov model's
sequences and a mixture's weighted rows are told apart in one place.
"""

from __future__ import annotations

from .._input import as_sample_weight


def fit_data(fit, X, sample_weight=None, lengths=None, sequence_column=None, what: str = "summary"):
    """``(observations, weights, lengths)``: ``X`` read for ``fit``, its row weights and sequence lengths.

    A hidden Markov model fit reads sequences as its ``fit`` did
    (:meth:`~emkit.results.HMMFitResult.sequences`) and takes no weights; a
    mixture's rows are independent, so ``lengths`` and ``sequence_column``
    are refused and its lengths are None.

    Parameters
    ----------
    fit : FitResult
        A mixture's or a hidden Markov model's fit.
    X : data
        Data with the fit's columns (a list with one item per sequence for
        a hidden Markov model).
    sample_weight : array-like of shape (n,), optional
        Row weights of a mixture's data.
    lengths, sequence_column
        A hidden Markov model's sequences, as its ``fit`` took them.
    what : str, default "summary"
        The caller, as error messages name it.

    Returns
    -------
    observations : Observations
        ``X`` read with the fit's columns.
    weights : ndarray of shape (n,) or None
    lengths : ndarray of int or None
        The sequence lengths of a hidden Markov model's data; None for a mixture.

    Raises
    ------
    ValueError
        Sample weights given for a hidden Markov model, or sequences for a mixture.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.results.fit_data import fit_data
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0)
    >>> obs, weight, lengths = fit_data(fit, waiting, lengths=[200, 72])
    >>> obs.n_obs, weight, lengths.tolist()
    (272, None, [200, 72])
    >>> fit_data(em.GaussianMixture(2).fit(waiting, random_state=0), waiting, lengths=[272])
    Traceback (most recent call last):
    ...
    ValueError: summary takes lengths and sequence_column for hidden Markov model fits only: a mixture's rows are independent
    """
    if fit.mixture.sequential:
        if sample_weight is not None:
            raise ValueError(
                f"{what}: a hidden Markov model takes no sample weights (its observations are not exchangeable)"
            )
        obs, lengths = fit.sequences(X, lengths, sequence_column)
        return obs, None, lengths
    if lengths is not None or sequence_column is not None:
        raise ValueError(
            f"{what} takes lengths and sequence_column for hidden Markov model fits only: a mixture's rows are "
            "independent"
        )
    obs = fit.observations(X)
    return obs, as_sample_weight(sample_weight, obs.n_obs), None

"""Replicate data sets drawn from a fit, for posterior-predictive checks.

A replicate data set has one row per observed row. Families that model
every column draw whole rows. Families that model a response given
covariates (:class:`emkit.Regression`) draw conditionally: each replicate row
keeps the observed row's covariates and draws the response given them
(``fit.sample(given=X)``), so a replicate differs from the data only in the
columns the model describes. :func:`drawn_features` names those columns.

For an EM point estimate these are draws from the fitted model (plug-in
predictive, no parameter uncertainty).
"""

from __future__ import annotations

import numpy as np

from ..components.regression import Regression


def positive_int(name: str, value) -> int:
    """``value`` as a positive int; a TypeError or ValueError naming ``name`` otherwise.

    Examples
    --------
    >>> from emkit.results.replicates import positive_int
    >>> positive_int("n_draws", 3)
    3
    >>> positive_int("n_draws", 0)
    Traceback (most recent call last):
    ...
    ValueError: n_draws must be positive, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be positive, got {value}")
    return int(value)


def draw_replicates(fit, rows: np.ndarray, n_draws: int, random_state=None) -> np.ndarray:
    """``n_draws`` replicate data sets of the observed ``rows``, shape ``(n_draws, n, d)``.

    The draws are ``fit.sample(given=rows repeated n_draws times)`` cut into
    consecutive blocks of ``n`` rows: each row draws a component from the
    mixing weights, then the row from that component; families that sample
    conditionally draw the response given the observed row's covariates
    (see the module docstring), the others ignore ``given``, so their data
    sets are ``fit.sample(n_draws * n)`` cut into blocks.

    Parameters
    ----------
    fit : FitResult
    rows : ndarray of shape (n, d)
        The observed data as the fit reads them (``fit.observations(X).values``).
    n_draws : int
        Number of data sets.
    random_state : int, Generator or None

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.results.replicates import draw_replicates
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> draw_replicates(fit, fit.observations(X).values, 3, random_state=0).shape
    (3, 272, 2)
    """
    n_draws = positive_int("n_draws", n_draws)
    rows = np.asarray(rows, dtype=float)
    given = np.tile(rows, (n_draws, 1))
    draws, _ = fit.mixture.sample(len(given), np.random.default_rng(random_state), given=given)
    return draws.reshape(n_draws, len(rows), -1)


def drawn_features(fit) -> list[int]:
    """Positions of the features a replicate draws; the others keep the observed values.

    A regression family draws its response and keeps every other column of
    the given row, so a mixture of regressions draws only the response; a
    family that draws whole rows (a Gaussian beside a regression) draws
    every feature.

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> from emkit.results.replicates import drawn_features
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": rng.uniform(0, 1, 50), "y": rng.normal(size=50)})
    >>> drawn_features(em.Mixture(em.Regression("y", ["x"])).fit(data, random_state=0))
    [1]
    >>> drawn_features(em.GaussianMixture(1).fit(data, random_state=0))
    [0, 1]
    """
    every = range(len(fit.features))
    drawn = set()
    for family in fit.mixture.families:
        drawn |= {family.columns[0]} if isinstance(family, Regression) else set(every)
    return sorted(drawn)

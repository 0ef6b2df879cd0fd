"""Missing values in the data: the ``missing`` option, rows and patterns holding NaN, and filled copies for starts.

With ``missing="marginalize"`` a NaN is a value missing at random
(:mod:`emkit.components.missing` turns a family's densities and statistics
into those of the observed entries). This module only reads the data: which
rows and patterns hold NaN, and a copy with every NaN replaced by an
observed value, which the starts (k-means++ distances, short EM runs) read.

Examples
--------
>>> import numpy as np
>>> from emkit._missing_input import incomplete_rows
>>> incomplete_rows(np.array([[1.0, np.nan], [2.0, 3.0]])).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np

#: The values of the ``missing`` option: None (NaN is an error) or "marginalize".
MISSING_OPTIONS = (None, "marginalize")

def check_missing(missing) -> str | None:
    """Validate the ``missing`` option.

    Examples
    --------
    >>> from emkit._missing_input import check_missing
    >>> check_missing("marginalize") is not None, check_missing(None) is None
    (True, True)
    >>> check_missing("drop")
    Traceback (most recent call last):
    ...
    ValueError: missing must be None or 'marginalize', got 'drop'
    """
    if missing not in MISSING_OPTIONS:
        raise ValueError(f"missing must be None or 'marginalize', got {missing!r}")
    return missing


def incomplete_rows(x: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows holding a NaN.

    A sum over the chunk finds complete data in one cheap pass; only a NaN
    sum (NaN present, or infinities of both signs) looks at the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import incomplete_rows
    >>> incomplete_rows(np.array([[1.0, np.nan], [2.0, 3.0]])).tolist()
    [True, False]
    """
    if not np.isnan(np.add.reduce(x, axis=None)):
        return np.zeros(len(x), dtype=bool)
    return np.isnan(x).any(axis=1)


def observed_row_count(x: np.ndarray) -> int:
    """Number of rows with some observed (non-NaN) value: the observations a chunk counts.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import observed_row_count
    >>> observed_row_count(np.array([[1.0, np.nan], [np.nan, np.nan], [2.0, 3.0]]))
    2
    """
    incomplete = incomplete_rows(x)
    if not incomplete.any():
        return len(x)
    return len(x) - int(np.isnan(x[incomplete]).all(axis=1).sum())


def missingness_patterns(x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The rows of ``x`` grouped by which entries are observed: ``[(observed (d,), rows), ...]``.

    Patterns come in the order of their first row.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import missingness_patterns
    >>> x = np.array([[np.nan, 1.0], [2.0, 3.0], [np.nan, 0.0]])
    >>> [(observed.tolist(), rows.tolist()) for observed, rows in missingness_patterns(x)]
    [([False, True], [0, 2]), ([True, True], [1])]
    """
    observed = ~np.isnan(x)
    patterns, inverse = np.unique(observed, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort([np.flatnonzero(inverse == p)[0] for p in range(len(patterns))], kind="stable")
    return [(patterns[p], np.flatnonzero(inverse == p)) for p in order]


def filled_for_starts(x: np.ndarray, sample_weight: np.ndarray | None = None) -> np.ndarray:
    """``x`` with every NaN replaced by its column's observed value nearest the column's (weighted) mean, a copy.

    The data starting values are drawn from (k-means++ distances and a first
    M-step from a partition need complete rows) and that the families bind
    to and check: an observed value is in every family's support (a count, a
    category). EM itself runs on the data with their NaN. A column with
    nothing observed is filled with 1, a value in the support of every
    family that marginalises (a count, a binary value, a positive value, an
    angle, a category code when there are two). Dask data are filled by the same two
    passes, block by block (:func:`emkit._dask_input.filled_for_starts_lazily`).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import filled_for_starts
    >>> x = np.array([[1.0, np.nan], [3.0, 4.0], [5.0, 6.0], [7.0, 11.0]])
    >>> filled_for_starts(x)[0].tolist()  # the mean 7 of 4, 6, 11 is nearest 6
    [1.0, 6.0]
    >>> filled_for_starts(x, np.array([1.0, 1.0, 1.0, 5.0]))[0].tolist()
    [1.0, 11.0]
    """
    means = column_means(*observed_sums(x, sample_weight))
    distance, nearest = nearest_observed(x, means, sample_weight)
    return fill_missing(x, start_fill(distance, nearest))


def observed_sums(x: np.ndarray, sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Each column's (weighted) sum and count of observed values, stacked as (2, d): the first pass of the fill.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import observed_sums
    >>> observed_sums(np.array([[1.0, np.nan], [3.0, 4.0]])).tolist()
    [[4.0, 4.0], [2.0, 1.0]]
    """
    missing = np.isnan(x)
    weights = (~missing).astype(float) if sample_weight is None else (~missing) * sample_weight[:, None]
    return np.stack([(np.where(missing, 0.0, x) * weights).sum(axis=0), weights.sum(axis=0)])


def column_means(totals: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``totals / counts``, 0 for a column with nothing observed.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import column_means
    >>> column_means(np.array([4.0, 0.0]), np.array([2.0, 0.0])).tolist()
    [2.0, 0.0]
    """
    return np.divide(totals, counts, out=np.zeros_like(totals), where=counts > 0)


def nearest_observed(x: np.ndarray, target: np.ndarray, sample_weight: np.ndarray | None = None):
    """Each column's distance to ``target`` and observed value nearest it (first on ties): the second pass.

    Rows of weight 0 are left out; a column with no value left has distance
    ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import nearest_observed
    >>> distance, value = nearest_observed(np.array([[1.0, np.nan], [3.0, 5.0]]), np.array([2.4, 4.0]))
    >>> distance.round(6).tolist(), value.tolist()
    ([0.6, 1.0], [3.0, 5.0])
    """
    if not len(x):
        return np.full(x.shape[1], np.inf), np.zeros(x.shape[1])
    missing = np.isnan(x) if sample_weight is None else np.isnan(x) | (sample_weight[:, None] <= 0)
    with np.errstate(invalid="ignore"):  # an infinite value is refused by the checks that follow
        distance = np.where(missing, np.inf, np.abs(x - target))
    rows, columns = np.argmin(distance, axis=0), np.arange(x.shape[1])
    return distance[rows, columns], x[rows, columns]


def start_fill(distance: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """The fill of each column: its nearest observed value, 1 where nothing is observed (infinite distance).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import start_fill
    >>> start_fill(np.array([0.5, np.inf]), np.array([3.0, np.nan])).tolist()
    [3.0, 1.0]
    """
    return np.where(np.isfinite(distance), nearest, 1.0)


def fill_missing(x: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """``x`` with the NaN of column j replaced by ``fill[j]``, a copy of the same dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._missing_input import fill_missing
    >>> fill_missing(np.array([[1.0, np.nan]]), np.array([0.0, 7.0])).tolist()
    [[1.0, 7.0]]
    """
    return np.where(np.isnan(x), fill, x).astype(x.dtype)

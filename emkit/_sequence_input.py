"""Sequential data: the rows of several sequences and where each sequence ends.

A hidden Markov model reads its data as :func:`emkit._input.as_observations`
does, plus the sequence each row belongs to, given one of three ways:

* ``lengths``: the length of each sequence, in row order (as hmmlearn);
* a list of arrays or DataFrames, one per sequence: DataFrames' columns are
  matched by name (their order may differ; the first sequence's is kept),
  arrays' by position, and every sequence must have the same columns;
* a DataFrame column of sequence ids (``sequence_column``): each sequence's
  rows must be consecutive.

Without any of these, all rows form one sequence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd



def sequence_bounds(lengths, n_obs: int) -> np.ndarray:
    """Row offsets ``[0, l_1, l_1 + l_2, ..., n_obs]`` of the sequences, checked.

    Parameters
    ----------
    lengths : array_like of int
        Length (at least 1) of each sequence, in row order.
    n_obs : int
        Number of rows the lengths must cover.

    Returns
    -------
    ndarray of int64, shape (n_sequences + 1,)

    Raises
    ------
    ValueError
        If ``lengths`` is empty, not integers, has a length below 1, or does
        not sum to ``n_obs``.

    Examples
    --------
    >>> from emkit._sequence_input import sequence_bounds
    >>> sequence_bounds([3, 1, 2], 6).tolist()
    [0, 3, 4, 6]
    >>> sequence_bounds([3, 2], 6)
    Traceback (most recent call last):
    ...
    ValueError: lengths sum to 5, but the data have 6 rows; they must cover every row exactly once
    """
    values = np.asarray(lengths)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"lengths must be a non-empty 1-D sequence of integers, got {lengths!r}")
    if values.dtype.kind == "f" and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        values = values.astype(np.int64)
    if values.dtype.kind not in "iu":
        raise ValueError(f"lengths must be integers, got {values.dtype} values")
    if np.any(values < 1):
        bad = int(np.flatnonzero(values < 1)[0])
        raise ValueError(f"lengths[{bad}] = {int(values[bad])}; every sequence needs at least one row")
    if int(values.sum()) != n_obs:
        raise ValueError(
            f"lengths sum to {int(values.sum())}, but the data have {n_obs} rows; "
            "they must cover every row exactly once"
        )
    return np.concatenate(([0], np.cumsum(values, dtype=np.int64)))


def split_sequences(X, lengths=None, sequence_column=None, name: str = "X"):
    """``(data, lengths)``: the rows of all sequences, and their lengths (None when not given).

    Parameters
    ----------
    X : data, or list of data
        All rows (arrays, DataFrames, DataArrays...), or one item per sequence.
    lengths : array_like of int, optional
        Sequence lengths in row order.
    sequence_column : str, optional
        Name of a DataFrame column holding each row's sequence id; the
        column is removed from the data returned.
    name : str, default "X"
        How error messages name the data.

    Returns
    -------
    data : the rows, as given or concatenated
    lengths : ndarray of int64, or None (one sequence)

    Raises
    ------
    ValueError
        If more than one way is used, a sequence id's rows are not
        consecutive (a gap), the column is missing, the list is empty, or
        its sequences do not have the same columns (by name for DataFrames,
        by count for arrays).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from emkit._sequence_input import split_sequences
    >>> data, lengths = split_sequences([np.zeros((3, 1)), np.ones((2, 1))])
    >>> data.shape, lengths.tolist()
    ((5, 1), [3, 2])
    >>> frame = pd.DataFrame({"id": ["a", "a", "b"], "y": [1.0, 2.0, 3.0]})
    >>> data, lengths = split_sequences(frame, sequence_column="id")
    >>> data.columns.tolist(), lengths.tolist()
    (['y'], [2, 1])
    >>> split_sequences(pd.DataFrame({"id": ["a", "b", "a"], "y": [1.0, 2.0, 3.0]}), sequence_column="id")
    Traceback (most recent call last):
    ...
    ValueError: X: the rows of sequence 'a' are not consecutive (rows 0 and 2 with another sequence between them); sort the rows by sequence first

    DataFrames' columns are matched by name:

    >>> data, _ = split_sequences([pd.DataFrame({"y": [1.0], "z": [2.0]}), pd.DataFrame({"z": [4.0], "y": [3.0]})])
    >>> data.to_numpy().tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    >>> split_sequences([np.zeros((3, 1)), np.ones((2, 2))])
    Traceback (most recent call last):
    ...
    ValueError: X: sequence 1 has 2 columns, but sequence 0 has 1; every sequence needs the same columns
    """
    ways = [lengths is not None, sequence_column is not None, isinstance(X, list) and _is_list_of_sequences(X)]
    if sum(ways) > 1:
        raise ValueError(
            f"{name}: give the sequences one way only: lengths, sequence_column, or a list with one item per sequence"
        )
    if sequence_column is not None:
        return _by_column(X, sequence_column, name)
    if ways[2]:
        if not X:
            raise ValueError(f"{name} is an empty list: it needs at least one sequence")
        empty = [index for index, item in enumerate(X) if len(item) == 0]
        if empty:
            raise ValueError(f"{name}: sequence {empty[0]} has no rows; every sequence needs at least one row")
        data = _frames_by_name(X, name) if all(isinstance(item, pd.DataFrame) for item in X) else _arrays_by_position(X, name)
        return data, np.array([len(item) for item in X], dtype=np.int64)
    return X, None if lengths is None else np.asarray(lengths)


def _frames_by_name(frames: list, name: str) -> pd.DataFrame:
    """The rows of DataFrames with the same column names (in any order), in the first frame's column order."""
    expected = list(frames[0].columns)
    for index, frame in enumerate(frames[1:], start=1):
        found = list(frame.columns)
        if len(found) != len(expected) or set(found) != set(expected):
            missing = [c for c in expected if c not in found]
            extra = [c for c in found if c not in expected]
            raise ValueError(
                f"{name}: sequence {index} has the columns {found}, but sequence 0 has {expected} "
                f"(missing {missing}, not expected {extra}); every sequence needs the same columns, matched by name"
            )
    return pd.concat([frame[expected] for frame in frames], ignore_index=True)


def _arrays_by_position(items: list, name: str) -> np.ndarray:
    """The rows of arrays (or frames among arrays, read as arrays) with the same number of columns, as one 2-D array."""
    arrays = [np.asarray(item) for item in items]
    arrays = [array[:, None] if array.ndim == 1 else array for array in arrays]
    for index, array in enumerate(arrays):
        if array.ndim != 2:
            raise ValueError(f"{name}: sequence {index} is a {array.ndim}-D array; each sequence needs rows and columns (2-D)")
        if array.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"{name}: sequence {index} has {array.shape[1]} columns, but sequence 0 has {arrays[0].shape[1]}; "
                "every sequence needs the same columns"
            )
    return np.concatenate(arrays)


def _is_list_of_sequences(X: list) -> bool:
    """Whether a list holds one array or frame per sequence (rather than rows of numbers)."""
    return bool(X) and all(isinstance(item, (np.ndarray, pd.DataFrame)) and np.ndim(item) >= 1 for item in X)


def _by_column(X, column, name: str):
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"sequence_column={column!r} needs {name} to be a DataFrame, not {type(X).__name__}")
    if column not in X.columns:
        raise ValueError(f"{name} has no column {column!r} (its columns: {', '.join(map(str, X.columns))})")
    ids = X[column].to_numpy()
    if pd.isna(ids).any():
        raise ValueError(f"{name}: the sequence column {column!r} has missing ids (row {int(np.flatnonzero(pd.isna(ids))[0])})")
    starts = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1]
    seen = {}
    for start in starts.tolist():
        key = ids[start].item() if isinstance(ids[start], np.generic) else ids[start]
        if key in seen:
            raise ValueError(
                f"{name}: the rows of sequence {key!r} are not consecutive (rows {seen[key]} and {start} with "
                "another sequence between them); sort the rows by sequence first"
            )
        seen[key] = start
    lengths = np.diff(np.r_[starts, len(ids)]).astype(np.int64)
    return X.drop(columns=[column]), lengths


def checked_bounds(lengths, n_obs: int) -> np.ndarray:
    """Sequence row offsets from ``lengths`` (None: one sequence of all rows); see :func:`sequence_bounds`.

    Examples
    --------
    >>> from emkit._sequence_input import checked_bounds
    >>> checked_bounds(None, 4).tolist(), checked_bounds([1, 3], 4).tolist()
    ([0, 4], [0, 1, 4])
    """
    return sequence_bounds([n_obs] if lengths is None else lengths, n_obs)

"""Rows that form sequences: their boundaries, and chunks that never split one.

A hidden Markov model's E-step runs forward-backward over whole sequences,
so an executor that walks sequential data in chunks (or dask blocks) cuts
only at sequence boundaries. Sequences are given as hmmlearn gives them: by
their ``lengths``, in row order, summing to the number of rows. Independent
rows (a mixture) have no lengths, and chunks cut anywhere.
"""

from __future__ import annotations

import numpy as np


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
    >>> from emkit.em.sequences import sequence_bounds
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


def packed_chunk_bounds(bounds: np.ndarray | None, n_obs: int, chunk_size: int) -> np.ndarray:
    """Row offsets of chunks of about ``chunk_size`` rows that cut only at sequence boundaries.

    Whole sequences are packed greedily into a chunk while it stays within
    ``chunk_size`` rows; a sequence longer than ``chunk_size`` is a chunk of
    its own. Without sequences (``bounds`` None), chunks of exactly
    ``chunk_size`` rows (the last may be shorter).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.em.sequences import packed_chunk_bounds
    >>> packed_chunk_bounds(np.array([0, 3, 4, 10, 12]), 12, chunk_size=4).tolist()
    [0, 4, 10, 12]
    >>> packed_chunk_bounds(None, 10, chunk_size=4).tolist()
    [0, 4, 8, 10]
    """
    if bounds is None:
        return np.append(np.arange(0, n_obs, chunk_size, dtype=np.int64), n_obs)
    cuts = [0]
    for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if end - cuts[-1] > chunk_size and begin > cuts[-1]:
            cuts.append(begin)  # this sequence would overfill the chunk: it starts the next one
        if end - cuts[-1] >= chunk_size:
            cuts.append(end)
    if cuts[-1] != n_obs:
        cuts.append(n_obs)
    return np.asarray(cuts, dtype=np.int64)


def lengths_within(bounds: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Lengths of the sequences filling rows ``start:stop``; ValueError if the rows split one.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.em.sequences import lengths_within
    >>> bounds = np.array([0, 3, 4, 10])
    >>> lengths_within(bounds, 3, 10).tolist()
    [1, 6]
    >>> lengths_within(bounds, 2, 10)
    Traceback (most recent call last):
    ...
    ValueError: rows 2:10 split a sequence (sequence 0 holds rows 0:3); chunks and dask blocks must end at sequence ends
    """
    first, last = np.searchsorted(bounds, [start, stop])
    for row, index in ((start, first), (stop, last)):
        if index >= len(bounds) or bounds[index] != row:
            sequence = int(index) - 1
            raise ValueError(
                f"rows {start}:{stop} split a sequence (sequence {sequence} holds rows "
                f"{int(bounds[sequence])}:{int(bounds[sequence + 1])}); chunks and dask blocks must end "
                "at sequence ends"
            )
    return np.diff(bounds[first : last + 1])

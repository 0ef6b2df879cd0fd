"""Rows that form sequences: their boundaries, and chunks that never split one.

A hidden Markov model's E-step runs forward-backward over whole sequences,
so an executor that walks sequential data in chunks (or dask blocks) cuts
only at sequence boundaries. Sequences are given as hmmlearn gives them: by
their ``lengths``, in row order, summing to the number of rows. Independent
rows (a mixture) have no lengths, and chunks cut anywhere.
"""

from __future__ import annotations

import numpy as np


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

"""The in-memory executor: walk the data in chunks and sum their statistics.

Every pass of EM over the data is a sum of per-chunk statistics, so memory
beyond the data itself is bounded by one chunk's temporaries: about
``chunk_size x K x d`` floats for the log-densities of K components.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterator

import numpy as np

from .parallel import map_chunks, single_threaded_blas
from .sequences import lengths_within, packed_chunk_bounds

#: Target number of floats in one chunk's temporaries (4 MiB): small enough
#: for the caches, large enough that per-call overhead does not dominate.
_WORKING_SET = 1 << 19


def auto_chunk_size(floats_per_row: int) -> int:
    """Rows per chunk so that a chunk's temporaries stay near 4 MiB.

    ``floats_per_row`` is what one row costs in temporaries during the E-step
    (``FiniteMixture.working_floats_per_row``).

    Examples
    --------
    >>> from emkit.em.chunks import auto_chunk_size
    >>> auto_chunk_size(272)
    1927
    """
    return max(256, _WORKING_SET // max(1, int(floats_per_row)))


@dataclass(frozen=True)
class ChunkedData:
    """Observations (with optional weights) read in chunks of ``chunk_size`` rows.

    ``n_workers`` threads process chunks in parallel (see :mod:`emkit.em.parallel`);
    the sum is taken in chunk order, so it does not depend on ``n_workers``.

    Parameters
    ----------
    values : ndarray of shape (n, d)
        Observations in rows.
    sample_weight : ndarray of shape (n,) or None
        Observation weights, None for unit weights.
    chunk_size : int
        Rows per chunk (the last chunk may be shorter).
    n_workers : int, default 1
        Threads used by :meth:`reduce`.
    sequence_bounds : ndarray of int, optional
        Row offsets ``[0, l_1, l_1 + l_2, ..., n]`` of sequences
        (:func:`~emkit._sequence_input.sequence_bounds`): chunks then hold whole
        sequences (:func:`~emkit.em.sequences.packed_chunk_bounds`), and
        :meth:`lengths_within` gives a chunk's sequence lengths. None for
        independent rows.
    labels : ndarray of int of shape (n,), optional
        The known component of each row, -1 where it is unknown
        (:mod:`emkit._labels`); they travel with the rows, as the weights do:
        :meth:`reduce` with ``with_labels`` hands each chunk its labels. None
        when no row has a label.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.em.chunks import ChunkedData
    >>> data = ChunkedData(np.arange(10.0).reshape(5, 2), None, chunk_size=2)
    >>> data.n_obs, [len(x) for _, x, _ in data.chunks()]
    (5, [2, 2, 1])

    Sequences of 3 and 2 rows are never split:

    >>> sequences = ChunkedData(np.arange(10.0).reshape(5, 2), None, 2, sequence_bounds=np.array([0, 3, 5]))
    >>> [(offset, len(x), sequences.lengths_within(offset, len(x)).tolist()) for offset, x, _ in sequences.chunks()]
    [(0, 3, [3]), (3, 2, [2])]
    """

    #: Rows; a lazy array (dask) is read one chunk at a time.
    values: np.ndarray
    sample_weight: np.ndarray | None
    chunk_size: int
    n_workers: int = 1
    sequence_bounds: np.ndarray | None = None
    labels: np.ndarray | None = None

    @property
    def n_obs(self) -> int:
        """Number of observations (rows)."""
        return self.values.shape[0]

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return self.values.shape[1]

    @property
    def total_weight(self) -> float:
        """Sum of the observation weights (``n_obs`` without weights)."""
        return float(self.n_obs if self.sample_weight is None else self.sample_weight.sum())

    def chunk(self, index: int) -> tuple[int, np.ndarray, np.ndarray | None]:
        """The ``index``-th chunk as ``(offset, x_chunk, weight_chunk)``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.chunks import ChunkedData
        >>> offset, x, w = ChunkedData(np.arange(10.0).reshape(5, 2), None, chunk_size=2).chunk(2)
        >>> offset, x.tolist(), w
        (4, [[8.0, 9.0]], None)
        """
        start, stop = int(self._chunk_bounds[index]), int(self._chunk_bounds[index + 1])
        weight = None if self.sample_weight is None else np.asarray(self.sample_weight[start:stop])
        return start, np.asarray(self.values[start:stop]), weight

    def chunks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        """Yield ``(offset, x_chunk, weight_chunk)`` covering all rows in order.

        ``offset`` is the index of the chunk's first row; ``weight_chunk`` is
        None when the data have no weights.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.chunks import ChunkedData
        >>> data = ChunkedData(np.arange(10.0).reshape(5, 2), np.array([1.0, 1.0, 2.0, 2.0, 3.0]), chunk_size=2)
        >>> [(offset, x[:, 0].tolist(), w.tolist()) for offset, x, w in data.chunks()]
        [(0, [0.0, 2.0], [1.0, 1.0]), (2, [4.0, 6.0], [2.0, 2.0]), (4, [8.0], [3.0])]
        """
        for index in range(self.n_chunks):
            yield self.chunk(index)

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return len(self._chunk_bounds) - 1

    @cached_property
    def _chunk_bounds(self) -> np.ndarray:
        return packed_chunk_bounds(self.sequence_bounds, self.n_obs, self.chunk_size)

    def lengths_within(self, offset: int, n_rows: int) -> np.ndarray | None:
        """Lengths of the sequences in rows ``offset:offset + n_rows``, None for independent rows.

        Raises
        ------
        ValueError
            If those rows split a sequence.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.chunks import ChunkedData
        >>> data = ChunkedData(np.zeros((6, 1)), None, 4, sequence_bounds=np.array([0, 1, 3, 6]))
        >>> data.lengths_within(1, 5).tolist(), ChunkedData(np.zeros((6, 1)), None, 4).lengths_within(0, 6)
        ([2, 3], None)
        """
        if self.sequence_bounds is None:
            return None
        return lengths_within(self.sequence_bounds, offset, offset + n_rows)

    def labels_within(self, offset: int, n_rows: int) -> np.ndarray | None:
        """The labels of rows ``offset:offset + n_rows``, None for data without labels.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.chunks import ChunkedData
        >>> ChunkedData(np.zeros((4, 1)), None, 2, labels=np.array([0, -1, 1, 1])).labels_within(1, 2).tolist()
        [-1, 1]
        """
        return None if self.labels is None else self.labels[offset : offset + n_rows]

    def map(self, chunk_value: Callable[[int, np.ndarray, np.ndarray | None], object]) -> list:
        """``chunk_value(offset, x, w)`` of every chunk, in chunk order.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.chunks import ChunkedData
        >>> ChunkedData(np.arange(10.0).reshape(5, 2), None, chunk_size=2).map(lambda offset, x, w: len(x))
        [2, 2, 1]
        """
        with single_threaded_blas():
            return list(map_chunks(lambda chunk: chunk_value(*chunk), self.chunks(), self._workers()))

    def _workers(self) -> int:
        return min(self.n_workers, self.n_chunks)

    def reduce(self, chunk_stats: Callable[..., object], with_lengths: bool = False, with_labels: bool = False):
        """Sum ``chunk_stats(offset, x, w)`` over all chunks, in chunk order.

        Parameters
        ----------
        chunk_stats : callable
            ``chunk_stats(offset, x_chunk, weight_chunk)`` returns a value
            supporting ``+`` (such as :class:`~emkit.latent.mixture.MixtureStats`).
        with_lengths : bool, default False
            Call ``chunk_stats(offset, x_chunk, weight_chunk, lengths)`` with
            the chunk's sequence lengths (:meth:`lengths_within`; None for
            independent rows), as a latent model's E-step takes them.
        with_labels : bool, default False
            Also pass the chunk's labels as the keyword ``labels``
            (:meth:`labels_within`; None for data without labels).

        Returns
        -------
        object
            The sum of the per-chunk values.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.em.chunks import ChunkedData
        >>> data = ChunkedData(np.arange(10.0).reshape(5, 2), None, chunk_size=2, n_workers=2)
        >>> data.reduce(lambda offset, x, w: x.sum(axis=0)).tolist()
        [20.0, 25.0]
        >>> labelled = ChunkedData(np.zeros((5, 1)), None, 2, labels=np.array([0, -1, 1, 1, -1]))
        >>> labelled.reduce(lambda offset, x, w, labels: int((labels >= 0).sum()), with_labels=True)
        3
        """

        def call(chunk):
            offset, x, _ = chunk
            lengths = (self.lengths_within(offset, len(x)),) if with_lengths else ()
            labels = {"labels": self.labels_within(offset, len(x))} if with_labels else {}
            return chunk_stats(*chunk, *lengths, **labels)

        total = None
        with single_threaded_blas():
            for part in map_chunks(call, self.chunks(), self._workers()):
                total = part if total is None else total + part
        return total


def check_chunk_size(chunk_size, floats_per_row: int) -> int:
    """Validate a user chunk size (None chooses one with :func:`auto_chunk_size`).

    Parameters
    ----------
    chunk_size : int or None
        Rows per chunk requested by the user.
    floats_per_row : int
        Temporaries per row, used when ``chunk_size`` is None.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``chunk_size`` is not a positive integer or None.

    Examples
    --------
    >>> from emkit.em.chunks import check_chunk_size
    >>> check_chunk_size(100, 272), check_chunk_size(None, 272)
    (100, 1927)
    """
    if chunk_size is None:
        return auto_chunk_size(floats_per_row)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    return int(chunk_size)

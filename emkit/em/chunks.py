"""The in-memory executor: walk the data in chunks and sum their statistics.

Every pass of EM over the data is a sum of per-chunk statistics, so memory
beyond the data itself is bounded by one chunk's temporaries: about
``chunk_size x K x d`` floats for the log-densities of K components.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .parallel import map_chunks, single_threaded_blas

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

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.em.chunks import ChunkedData
    >>> data = ChunkedData(np.arange(10.0).reshape(5, 2), None, chunk_size=2)
    >>> data.n_obs, [len(x) for _, x, _ in data.chunks()]
    (5, [2, 2, 1])
    """

    values: np.ndarray
    sample_weight: np.ndarray | None
    chunk_size: int
    n_workers: int = 1

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
        start = index * self.chunk_size
        stop = start + self.chunk_size
        weight = None if self.sample_weight is None else self.sample_weight[start:stop]
        return start, self.values[start:stop], weight

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
        return -(-self.n_obs // self.chunk_size)

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

    def reduce(self, chunk_stats: Callable[[int, np.ndarray, np.ndarray | None], object]):
        """Sum ``chunk_stats(offset, x, w)`` over all chunks, in chunk order.

        Parameters
        ----------
        chunk_stats : callable
            ``chunk_stats(offset, x_chunk, weight_chunk)`` returns a value
            supporting ``+`` (such as :class:`~emkit.models.mixture.MixtureStats`).

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
        """
        total = None
        with single_threaded_blas():
            for part in map_chunks(lambda chunk: chunk_stats(*chunk), self.chunks(), self._workers()):
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

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
    """

    values: np.ndarray
    sample_weight: np.ndarray | None
    chunk_size: int
    n_workers: int = 1

    @property
    def n_obs(self) -> int:
        return self.values.shape[0]

    def chunks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        """Yield ``(offset, x_chunk, weight_chunk)`` covering all rows in order."""
        for start in range(0, self.n_obs, self.chunk_size):
            stop = start + self.chunk_size
            weight = None if self.sample_weight is None else self.sample_weight[start:stop]
            yield start, self.values[start:stop], weight

    def reduce(self, chunk_stats: Callable[[int, np.ndarray, np.ndarray | None], object]):
        """Sum ``chunk_stats(offset, x, w)`` over all chunks, in chunk order."""
        workers = min(self.n_workers, -(-self.n_obs // self.chunk_size))
        total = None
        with single_threaded_blas():
            for part in map_chunks(lambda chunk: chunk_stats(*chunk), self.chunks(), workers):
                total = part if total is None else total + part
        return total


def check_chunk_size(chunk_size, floats_per_row: int) -> int:
    """Validate a user chunk size (None chooses one with :func:`auto_chunk_size`)."""
    if chunk_size is None:
        return auto_chunk_size(floats_per_row)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    return int(chunk_size)

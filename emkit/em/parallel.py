"""Use every core for chunk work: Python threads over chunks, single-threaded BLAS.

numpy releases the GIL inside its array loops and matrix products, so chunks
processed by a few threads run in parallel. Each thread calls BLAS on small
matrices, where BLAS's own threads cost more than they bring, so BLAS is
held to one thread while chunks are processed (:func:`emkit._blas.single_threaded_blas`,
shared safely by concurrent fits). Results are combined in chunk
order, so a fit is the same whatever the number of threads.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Callable, Iterable, Iterator

from .._blas import single_threaded_blas

__all__ = ["default_workers", "map_chunks", "single_threaded_blas"]


def default_workers() -> int:
    """Threads used for chunk work: the cores this process may run on.

    Examples
    --------
    >>> from emkit.em.parallel import default_workers
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@cache
def _pool(n_workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="emkit-chunks")


def map_chunks(work: Callable, items: Iterable, n_workers: int) -> Iterator:
    """``work(item)`` for every item, in order, on up to ``n_workers`` threads.

    Examples
    --------
    >>> from emkit.em.parallel import map_chunks
    >>> list(map_chunks(lambda v: v * v, range(4), n_workers=2))
    [0, 1, 4, 9]
    """
    if n_workers <= 1:
        return map(work, items)
    return _pool(n_workers).map(work, items)

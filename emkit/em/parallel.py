"""Use every core for chunk work: Python threads over chunks, single-threaded BLAS.

numpy releases the GIL inside its array loops and matrix products, so chunks
processed by a few threads run in parallel. Each thread calls BLAS on small
matrices, where BLAS's own threads cost more than they bring, so BLAS is
held to one thread while chunks are processed. Results are combined in chunk
order, so a fit is the same whatever the number of threads.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Callable, Iterable, Iterator

from threadpoolctl import ThreadpoolController


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
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


@cache
def _pool(n_workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="emkit-chunks")


@contextmanager
def single_threaded_blas():
    """Hold BLAS to one thread inside the block.

    A context manager; the previous limits are restored on exit.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from emkit.em.parallel import single_threaded_blas
    >>> with single_threaded_blas():
    ...     print(all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas"))
    True
    """
    with _controller().limit(limits=1, user_api="blas"):
        yield


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

"""One process-wide hold of BLAS to a single thread, shared by every thread that asks.

BLAS thread limits are process-wide, but threads enter and leave their
``with`` blocks in any order. Nested ``threadpoolctl`` limit contexts that
exit out of order restore stale limits: the thread that entered second may
leave last and "restore" the one-thread limit the first one set, so BLAS
stays at one thread for the rest of the process. Here the limit is
reference-counted under a lock instead: the first block entered sets it, and
the last block left restores the limits found by the first.

threadpoolctl lets only one thread at a time change a process-wide pool
(OpenBLAS without OpenMP): the thread that set a limit must also lift it.
So every change is made by one small emkit thread, which sets the limit
and lifts it as a pair, whichever user threads entered and left.

Some libraries keep their limit per thread instead (MKL, and any BLAS on
the OpenMP threading layer): for those, each block also limits its own
thread, which nests properly because a thread leaves its blocks in order.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    """One cached controller (creating one inspects every loaded library)."""
    return ThreadpoolController()


@cache
def _per_thread_libraries() -> ThreadpoolController:
    """The loaded BLAS libraries whose thread limit applies to the calling thread only."""
    return _controller().select(internal_api="mkl", threading_layer="openmp")


def _limit_to_one_thread() -> ExitStack:
    """Set the limit (on the calling thread); closing the returned stack lifts it."""
    held = ExitStack()
    held.enter_context(_controller().limit(limits=1, user_api="blas"))
    return held


class _SharedLimit:
    """A BLAS limit of one thread held while at least one holder is inside."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """No holder, no limit set, no changer thread yet (also in a forked child, which has no threads)."""
        self._lock = threading.Lock()
        self._holders = 0
        self._held = None
        self._changer = None

    def enter(self) -> None:
        with self._lock:
            if self._holders == 0:
                if self._changer is None:
                    self._changer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emkit-blas")
                self._held = self._changer.submit(_limit_to_one_thread).result()
            self._holders += 1

    def leave(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                self._changer.submit(self._held.close).result()
                self._held = None


_SHARED = _SharedLimit()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_SHARED.reset)


@contextmanager
def single_threaded_blas():
    """Hold BLAS to one thread inside the block (thread-safe, re-entrant).

    The limits found when the first of any concurrent or nested blocks was
    entered are restored when the last one is left.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from emkit._blas import single_threaded_blas
    >>> def blas_threads():
    ...     return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    >>> before = blas_threads()
    >>> with single_threaded_blas():
    ...     with single_threaded_blas():
    ...         print(all(n == 1 for n in blas_threads()))
    True
    >>> blas_threads() == before
    True
    """
    _SHARED.enter()
    try:
        with _per_thread_libraries().limit(limits=1, user_api="blas"):
            yield
    finally:
        _SHARED.leave()

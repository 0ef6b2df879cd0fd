"""Fits from several threads: BLAS limits restored, no warning filter changed or warning swallowed."""

import threading
import time
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import emkit as em
from emkit.em.parallel import single_threaded_blas
from emkit.notices import collect, warn

FAITHFUL = em.datasets.load("faithful")


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.fixture
def multithreaded_blas():
    """Skip unless BLAS runs several threads (else a stale one-thread limit cannot show)."""
    if not blas_threads() or min(blas_threads()) < 2:
        pytest.skip("no multi-threaded BLAS under threadpoolctl's control")


def run_in_threads(target, n_threads: int) -> None:
    """``target(index)`` in ``n_threads`` threads; re-raises the first error."""
    errors = []

    def guarded(index):
        try:
            target(index)
        except BaseException as err:  # noqa: BLE001 (reported in the main thread)
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_limits_left_out_of_order_restore_the_original_blas_threads(multithreaded_blas):
    # The first thread in leaves first: with nested threadpoolctl contexts the second
    # would then restore the one-thread limit it found on entry.
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    inside = []

    def first(_):
        with single_threaded_blas():
            first_in.set()
            second_in.wait()
            inside.append(blas_threads())
        first_out.set()

    def second(_):
        first_in.wait()
        with single_threaded_blas():
            second_in.set()
            first_out.wait()
            inside.append(blas_threads())

    before = blas_threads()
    run_in_threads(lambda i: (first, second)[i](i), 2)
    assert inside == [[1] * len(before)] * 2
    assert blas_threads() == before


def test_concurrent_fits_leave_blas_as_it_was(multithreaded_blas):
    before = blas_threads()
    barrier = threading.Barrier(4)

    def batches():
        # Every thread is inside its fit (BLAS held) before any goes on.
        yield FAITHFUL.iloc[:136]
        barrier.wait(timeout=30)
        yield FAITHFUL.iloc[136:]

    def fit(index):
        em.GaussianMixture(2).fit_online(batches(), random_state=index)
        em.GaussianMixture(2).fit(FAITHFUL, random_state=index)

    run_in_threads(fit, 4)
    assert blas_threads() == before


def emit_until(stop: threading.Event, emitted: list) -> None:
    while not stop.is_set():
        warnings.warn(f"tick {len(emitted)}", UserWarning)
        emitted.append(1)
        time.sleep(0.0005)


def warnings_of_another_thread_during(work) -> tuple[int, list]:
    """Run ``work()`` while another thread warns in a loop; (ticks emitted, warnings the user saw)."""
    stop, emitted = threading.Event(), []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        emitter = threading.Thread(target=emit_until, args=(stop, emitted))
        emitter.start()
        try:
            work()
        finally:
            stop.set()
            emitter.join()
    return len(emitted), seen


def select_with_warning_cells():
    selection = em.select(FAITHFUL, n_components=[1, 2], covariance=["VVV", "EII"], max_iter=2, random_state=0)
    assert "did not converge" in str(selection.grid.warning.sel(covariance="VVV", n_components=2).values)


def concurrent_fit_online():
    run_in_threads(lambda i: em.GaussianMixture(2).fit_online(np.array_split(FAITHFUL.values, 4), random_state=i), 3)


@pytest.mark.parametrize("work", [select_with_warning_cells, concurrent_fit_online])
def test_another_threads_warnings_all_reach_the_user_and_filters_stay(work):
    filters = list(warnings.filters)
    emitted, seen = warnings_of_another_thread_during(work)
    ticks = [w for w in seen if str(w.message).startswith("tick")]
    assert emitted > 0 and len(ticks) == emitted
    # select keeps its cells' warnings in its grid: none reaches the user.
    assert not [w for w in seen if issubclass(w.category, em.ConvergenceWarning)]
    assert warnings.filters == filters


def test_collect_sees_only_its_own_threads_emkit_warnings():
    other_thread_started, other_thread_done = threading.Event(), threading.Event()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")

        def elsewhere():
            other_thread_started.wait()
            warn("from another thread", em.ConvergenceWarning)
            other_thread_done.set()

        thread = threading.Thread(target=elsewhere)
        thread.start()
        with collect() as notices:
            other_thread_started.set()
            other_thread_done.wait()
            warn("from this thread", em.ConvergenceWarning)
        thread.join()
    assert [(n.message, n.category) for n in notices] == [("from this thread", em.ConvergenceWarning)]
    assert [str(w.message) for w in seen] == ["from another thread"]

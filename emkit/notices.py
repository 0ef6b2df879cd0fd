"""emkit's warnings, emitted to the user or collected by the caller as data.

Every warning emkit raises goes through :func:`warn`. Normally it is an
ordinary Python warning. Inside a :func:`collect` block it is appended to the
block's list instead, and not emitted: this is how :func:`emkit.select` keeps
each model's warning in its grid, how :func:`emkit.report` lists them, and how
a short seeding fit stays quiet.

``warnings.catch_warnings`` cannot do this safely: it swaps the process-wide
filter list, so while one thread records or ignores warnings, every other
thread's warnings are recorded or ignored too, and blocks that overlap in two
threads can leave a changed filter list behind. :func:`collect` keeps its
list in a :class:`contextvars.ContextVar` instead, so it only sees the
warnings emkit raises in the same thread (and context); warnings from other
threads, and warnings that are not emkit's, go to the user untouched.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Notice:
    """One collected warning.

    Attributes
    ----------
    message : str
    category : type
        A subclass of ``Warning``.

    Examples
    --------
    >>> from emkit.notices import Notice
    >>> Notice("3 of 10 restarts failed", UserWarning).category.__name__
    'UserWarning'
    """

    message: str
    category: type


_COLLECTING: ContextVar[list | None] = ContextVar("emkit_notices", default=None)


def warn(message: str, category: type = UserWarning, stacklevel: int = 2) -> None:
    """Emit an emkit warning, or hand it to the enclosing :func:`collect` block.

    Parameters
    ----------
    message : str
    category : type, default UserWarning
        A subclass of ``Warning``.
    stacklevel : int, default 2
        As for :func:`warnings.warn`, counted from the caller of :func:`warn`.

    Examples
    --------
    >>> import warnings
    >>> from emkit.notices import collect, warn
    >>> with collect() as notices:
    ...     warn("collected, not emitted")
    >>> [notice.message for notice in notices]
    ['collected, not emitted']
    """
    sink = _COLLECTING.get()
    if sink is None:
        warnings.warn(message, category, stacklevel=stacklevel + 1)
    else:
        sink.append(Notice(str(message), category))


@contextmanager
def collect() -> Iterator[list]:
    """Collect emkit's warnings raised in this block, in this thread, as a list of :class:`Notice`.

    Nothing process-wide changes: other threads' warnings, and warnings
    that are not emkit's (numpy's, say), are emitted as usual. Blocks nest;
    the innermost collects.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.notices import collect
    >>> with collect() as notices:
    ...     fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), max_iter=1, random_state=0)
    >>> [notice.category.__name__ for notice in notices]
    ['ConvergenceWarning']
    """
    notices: list[Notice] = []
    token = _COLLECTING.set(notices)
    try:
        yield notices
    finally:
        _COLLECTING.reset(token)

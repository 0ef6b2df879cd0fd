"""Progress of long fits with tqdm: restarts, iterations and the log-likelihood.

The EM driver reports to a :class:`ProgressReporter`, which shows nothing;
:class:`FitProgress` draws a tqdm bar instead. Whether to show progress follows
:func:`resolve_progress`: by default only on a terminal or in a Jupyter kernel.
How a bar is drawn follows :func:`new_bar`: text on standard error outside
Jupyter; in a Jupyter kernel a widget when ipywidgets is installed, otherwise
one line of text updated in place (:class:`DisplayLine`), so a notebook gets
neither tqdm's warning about ipywidgets nor a stream of redrawn lines.
"""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
from tqdm.std import tqdm


def resolve_progress(progress) -> bool:
    """Decide whether to show progress.

    Parameters
    ----------
    progress : bool or None
        None shows progress when standard error is a terminal or the code runs
        in an IPython/Jupyter kernel; True always; False never. How the bar
        is drawn is :func:`new_bar`'s choice.

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        If ``progress`` is neither None nor a bool.

    Examples
    --------
    >>> from emkit.em.progress import resolve_progress
    >>> resolve_progress(True), resolve_progress(False)
    (True, False)
    >>> resolve_progress(None)  # standard error is not a terminal under doctest
    False
    >>> resolve_progress("yes")
    Traceback (most recent call last):
    ...
    TypeError: progress must be None (show on a terminal or in Jupyter), True or False, not str
    """
    if progress is None:
        return _stderr_is_terminal() or _in_jupyter_kernel()
    if isinstance(progress, (bool, np.bool_)):
        return bool(progress)
    raise TypeError(
        f"progress must be None (show on a terminal or in Jupyter), True or False, not {type(progress).__name__}"
    )


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False


def _in_jupyter_kernel() -> bool:
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has imported it already
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _widgets_installed() -> bool:
    return importlib.util.find_spec("ipywidgets") is not None


class DisplayLine:
    """A text file for tqdm in a Jupyter kernel: the last line written, shown as one output updated in place.

    tqdm redraws its bar by writing a carriage return and the new line. On
    standard error each redraw becomes a new line of the saved notebook; here
    the output is created at the first line and then replaced, so the cell
    keeps the final state of the bar and nothing on standard error.

    Parameters
    ----------
    display : callable, optional
        ``IPython.display.display`` (taken from IPython, which a kernel has
        imported, when not given).

    Examples
    --------
    >>> from emkit.em.progress import DisplayLine
    >>> shown = []
    >>> class Handle:
    ...     def update(self, bundle, raw):
    ...         shown[-1] = bundle["text/plain"]
    >>> def display(bundle, raw, display_id):
    ...     shown.append(bundle["text/plain"])
    ...     return Handle()
    >>> line = DisplayLine(display)
    >>> for text in ["\\rfit:   0%| 0/2", "\\rfit:  50%| 1/2", "\\rfit: 100%| 2/2", "\\n"]:
    ...     _ = line.write(text)
    >>> shown
    ['fit: 100%| 2/2']
    """

    encoding = "utf-8"

    def __init__(self, display=None):
        self._display = display
        self._handle = None

    def write(self, text: str) -> int:
        """Show the last non-blank line of ``text`` in place of the previous one."""
        line = next((piece.strip() for piece in reversed(text.split("\r")) if piece.strip()), "")
        if line:
            bundle = {"text/plain": line}
            if self._handle is None:
                display = self._display or sys.modules["IPython"].display.display
                self._handle = display(bundle, raw=True, display_id=True)
            else:
                self._handle.update(bundle, raw=True)
        return len(text)

    def flush(self) -> None:
        """Nothing to flush: every line is shown when written."""


def new_bar(file=None, **options):
    """A tqdm bar drawn as suits where the code runs.

    Parameters
    ----------
    file : file-like, optional
        Where a text bar is written. When not given: standard error, or in a
        Jupyter kernel a widget (``tqdm.notebook``) if ipywidgets is
        installed, else a :class:`DisplayLine`.
    **options
        Passed to tqdm (``iterable``, ``total``, ``desc``, ``unit``, ``disable``...).

    Returns
    -------
    tqdm.tqdm

    Examples
    --------
    >>> import io
    >>> from emkit.em.progress import new_bar
    >>> out = io.StringIO()
    >>> with new_bar(file=out, total=2, desc="steps") as bar:
    ...     bar.update(2)
    >>> "steps: 100%" in out.getvalue()
    True
    """
    if file is None and not options.get("disable") and _in_jupyter_kernel():
        if _widgets_installed():
            from tqdm.notebook import tqdm as widget_bar  # imports ipywidgets: only where it is used

            return widget_bar(**options)
        file = DisplayLine()
    return tqdm(file=file, **options)


def progress_bar(iterable, progress, *, total: int | None = None, desc: str, unit: str, file=None, delay: float = 0.0):
    """A tqdm bar over ``iterable``, shown as :func:`resolve_progress` decides.

    Parameters
    ----------
    iterable : iterable
        What the bar iterates over.
    progress : bool or None
        See :func:`resolve_progress`.
    total : int, optional
        Number of items, when ``iterable`` has no length.
    desc, unit : str
        Label of the bar and name of one item.
    file : file-like, optional
        Where the text bar is written (see :func:`new_bar`).
    delay : float, default 0
        Seconds before the bar appears: a task done sooner shows nothing.

    Returns
    -------
    tqdm.tqdm
        Iterates over ``iterable``; ``set_postfix_str`` names the current item.

    Examples
    --------
    >>> import io
    >>> from emkit.em.progress import progress_bar
    >>> out = io.StringIO()
    >>> [item * 2 for item in progress_bar([1, 2, 3], True, desc="models", unit="model", file=out)]
    [2, 4, 6]
    >>> "models: 100%" in out.getvalue() and "3/3" in out.getvalue()
    True
    """
    shown = resolve_progress(progress)
    return new_bar(file, iterable=iterable, total=total, desc=desc, unit=unit, delay=delay, disable=not shown)


class ProgressReporter:
    """What the EM driver reports to; this base class shows nothing.

    A fit is made of rounds (restarts of batch EM, passes of online EM) of
    iterations (E-steps, mini-batches). The fitting code calls
    :meth:`round_started` before each round, :meth:`iteration` after each
    iteration and :meth:`round_finished` after each round; whoever made the
    reporter calls :meth:`close` (or uses it as a context manager) at the end.

    Examples
    --------
    >>> from emkit.em.progress import NO_PROGRESS, ProgressReporter
    >>> with ProgressReporter() as reporter:
    ...     reporter.round_started(0, 1)
    ...     reporter.iteration(0, -120.5)
    ...     reporter.round_finished()
    >>> isinstance(NO_PROGRESS, ProgressReporter)
    True
    """

    def round_started(self, index: int, n_rounds: int) -> None:
        """Round ``index`` (from 0) of ``n_rounds`` begins."""

    def iteration(self, n_iter: int, log_likelihood: float) -> None:
        """The log-likelihood after ``n_iter`` iterations of the current round."""

    def round_finished(self) -> None:
        """The current round has ended (converged, stopped or failed)."""

    def close(self) -> None:
        """Release the display."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


#: The reporter that shows nothing: the driver's default.
NO_PROGRESS = ProgressReporter()


class FitProgress(ProgressReporter):
    """A tqdm bar over the rounds of a fit, with the iteration and log-likelihood as postfix.

    The bar reads, for the third of ten restarts::

        restart 3/10:  20%|##        | 2/10 [00:01<00:04, 2.0restart/s, iter=41, loglik=-1130.24, change=+0.0021]

    ``change`` is the log-likelihood's change since the previous iteration of
    the round.

    Parameters
    ----------
    file : file-like, optional
        Where the text bar is written; standard error by default.
    rounds : str, default "restart"
        Name of a round.
    iterations : str, default "iter"
        Name of an iteration.

    Examples
    --------
    >>> import io
    >>> from emkit.em.progress import FitProgress
    >>> out = io.StringIO()
    >>> with FitProgress(file=out) as reporter:
    ...     for index in range(2):
    ...         reporter.round_started(index, 2)
    ...         for n_iter, loglik in enumerate([-130.0, -121.5, -121.25]):
    ...             reporter.iteration(n_iter, loglik)
    ...         reporter.round_finished()
    >>> final = out.getvalue().split("\\r")[-1]
    >>> "restart 2/2" in final, "2/2" in final, "iter=2, loglik=-121.25, change=+0.25" in final
    (True, True, True)
    """

    def __init__(self, file=None, *, rounds: str = "restart", iterations: str = "iter"):
        self._file = file
        self._rounds = rounds
        self._iterations = iterations
        self._bar = None
        self._previous = math.nan

    def round_started(self, index: int, n_rounds: int) -> None:
        """Name the round on the bar (created at the first round)."""
        desc = f"{self._rounds} {index + 1}/{n_rounds}"
        if self._bar is None:
            # miniters=0: update(0) redraws whenever mininterval has passed, so iterations show live
            self._bar = new_bar(self._file, total=n_rounds, desc=desc, unit=self._rounds, miniters=0)
        else:
            self._bar.set_description_str(desc, refresh=False)
        self._previous = math.nan

    def iteration(self, n_iter: int, log_likelihood: float) -> None:
        """Show the iteration count, the log-likelihood and its change."""
        postfix = {self._iterations: n_iter, "loglik": f"{log_likelihood:.2f}"}
        if not math.isnan(self._previous):
            postfix["change"] = f"{log_likelihood - self._previous:+.2g}"
        self._previous = log_likelihood
        self._bar.set_postfix(postfix, refresh=False)
        self._bar.update(0)

    def round_finished(self) -> None:
        """Advance the bar by one round."""
        self._bar.update(1)

    def close(self) -> None:
        """Draw the final state and release the bar."""
        if self._bar is not None:
            self._bar.close()


def fit_progress(progress, *, rounds: str = "restart", iterations: str = "iter", file=None) -> ProgressReporter:
    """The reporter of a fit: a :class:`FitProgress` if progress is shown, else :data:`NO_PROGRESS`.

    Parameters
    ----------
    progress : bool or None
        See :func:`resolve_progress`.
    rounds, iterations : str
        Names of a round and an iteration (see :class:`FitProgress`).
    file : file-like, optional
        Where the text bar is written; standard error by default.

    Returns
    -------
    ProgressReporter

    Examples
    --------
    >>> from emkit.em.progress import NO_PROGRESS, FitProgress, fit_progress
    >>> fit_progress(False) is NO_PROGRESS, isinstance(fit_progress(True), FitProgress)
    (True, True)
    """
    if resolve_progress(progress):
        return FitProgress(file, rounds=rounds, iterations=iterations)
    return NO_PROGRESS

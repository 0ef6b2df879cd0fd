"""Shared helpers for the data-support checks of the one-file families."""

from __future__ import annotations

import numpy as np


def reject_rows(x: np.ndarray, bad: np.ndarray, requirement: str) -> None:
    """Raise a ``ValueError`` naming the first row of ``x`` where ``bad`` (same shape) holds.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        The data.
    bad : ndarray of bool, shape (n, d)
        Entries outside the support. NaN entries should be flagged here too.
    requirement : str
        What the family needs, e.g. ``"Bernoulli components need values 0 or 1"``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components._support import reject_rows
    >>> x = np.array([[1.0], [-2.0]])
    >>> try:
    ...     reject_rows(x, x < 0, "need non-negative data")
    ... except ValueError as err:
    ...     print(err)
    need non-negative data; row 1 is [-2.0] (1 bad row(s), rows counted from 0)
    """
    rows = np.flatnonzero(np.any(bad, axis=1))
    if rows.size:
        first = int(rows[0])
        raise ValueError(
            f"{requirement}; row {first} is {x[first].tolist()} ({rows.size} bad row(s), rows counted from 0)"
        )

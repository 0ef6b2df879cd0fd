"""Small data sets shipped with emkit.

``faithful``
    Old Faithful geyser eruptions (R's ``datasets::faithful``; Azzalini &
    Bowman, 1990): 272 eruptions, ``eruptions`` (duration, minutes) and
    ``waiting`` (time to the next eruption, minutes).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

_DESCRIPTIONS = {
    "faithful": "Old Faithful geyser: 272 eruptions x (eruptions, waiting), minutes",
}


def names() -> list[str]:
    """Names of the embedded data sets.

    Examples
    --------
    >>> import emkit as em
    >>> em.datasets.names()
    ['faithful']
    """
    return sorted(_DESCRIPTIONS)


def describe(name: str) -> str:
    """One-line description of an embedded data set.

    Examples
    --------
    >>> import emkit as em
    >>> em.datasets.describe("faithful").startswith("Old Faithful")
    True
    """
    _check(name)
    return _DESCRIPTIONS[name]


def load(name: str) -> pd.DataFrame:
    """Load an embedded data set as a pandas DataFrame.

    Examples
    --------
    >>> import emkit as em
    >>> em.datasets.load("faithful").shape
    (272, 2)
    """
    _check(name)
    with resources.files(__name__).joinpath(f"{name}.csv").open("r") as handle:
        return pd.read_csv(handle)


def _check(name: str) -> None:
    if name not in _DESCRIPTIONS:
        raise ValueError(f"unknown data set {name!r}; embedded: {', '.join(names())}")

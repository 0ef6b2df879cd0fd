"""The family protocol: what a batch of K components of one kind must provide.

A *family* holds the parameters of K components of one kind, stacked on a
leading component axis, so that one call evaluates or updates all of them.
The EM driver never looks inside a family; it only asks for

* ``log_prob(x)`` -- the ``(n, K)`` matrix of log-densities,
* ``stats(x, resp)`` -- weighted sufficient statistics, an additive value,
* ``m_step(stats)`` -- a *new* family maximising the expected complete-data
  log-likelihood given those statistics.

Statistics are immutable values with an associative, commutative ``+``, so
the statistics of a data set are the sum of the statistics of its chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np
import xarray as xr


@runtime_checkable
class Stats(Protocol):
    """Weighted sufficient statistics of one family, an additive value.

    ``a + b`` must equal the statistics of the union of the data behind ``a``
    and ``b``, for any split of the data; ``+`` returns a new object.
    """

    def __add__(self, other: Any) -> "Stats": ...


@runtime_checkable
class Family(Protocol):
    """K components of one kind, batched over a leading component axis.

    Components whose statistics carry (numerically) zero weight keep their
    current parameters in ``m_step``: with no data there is nothing to
    estimate, and keeping them is still a (generalised) EM step.
    """

    n_components: int

    @property
    def is_fitted(self) -> bool: ...

    def log_prob(self, x: np.ndarray) -> np.ndarray: ...

    def stats(self, x: np.ndarray, resp: np.ndarray) -> Stats: ...

    def m_step(self, stats: Stats) -> "Family": ...

    def n_params(self) -> int: ...

    def sample(self, component: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...

    def with_components(self, n_components: int) -> "Family": ...

    def to_dataset(self, features: np.ndarray) -> xr.Dataset: ...

    def from_dataset(self, params: xr.Dataset, weights: np.ndarray) -> "Family": ...

    def spec(self) -> dict: ...


@dataclass(frozen=True)
class Evaluation:
    """A family evaluated on one chunk: log-densities now, statistics later.

    The E-step needs every family's log-densities before any responsibility
    is known; ``stats(resp)`` then turns the chunk's responsibilities into
    statistics, reusing whatever the family computed for ``log_prob``.
    """

    log_prob: np.ndarray
    stats: Callable[[np.ndarray], Stats]


def evaluate(family, x: np.ndarray) -> Evaluation:
    """``family.evaluate(x)`` if the family fuses the two passes, else both protocol calls.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import evaluate
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.models.mixture import FiniteMixture
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> g = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).families[0]
    >>> evaluate(g, x).log_prob.shape
    (4, 2)
    """
    fused = getattr(family, "evaluate", None)
    if fused is not None:
        return fused(x)
    return Evaluation(family.log_prob(x), lambda resp: family.stats(x, resp))

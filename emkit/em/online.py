"""Stepwise (online) EM (Cappé & Moulines, 2009).

The running statistics are a stepwise average of mini-batch statistics,
each normalised per observation::

    s_{t+1} = (1 - g_t) s_t + g_t S(batch_t) / m_t,    g_t = (t + 2)^(-alpha),  1/2 < alpha <= 1

and every mini-batch is followed by an M-step on ``s_{t+1}``. M-steps are
ratios of statistics, so the normalisation does not change them. It needs
statistics that can be scaled (``stats * c``), which every closed-form family
has; families whose statistics are the data (numeric M-steps) cannot run
online.

Saving the state
----------------
:meth:`OnlineState.to_dataset` writes the running statistics exactly, for any
family: statistics are (nested) dataclasses, tuples and dicts whose leaves
are arrays or numbers, so each leaf becomes one variable named by its path
(``family_stats.0.scatter``) and the counters become attributes.
:meth:`OnlineState.from_dataset` walks the statistics of the rebuilt model on
no data (same classes, same fields) and puts the saved leaves back in place,
so a file only ever supplies arrays, never which classes to build.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..latent.mixture import FiniteMixture, MixtureStats
from .chunks import ChunkedData
from .driver import e_step


def check_alpha(alpha) -> float:
    """Validate the step-size exponent: ``1/2 < alpha <= 1``.

    Examples
    --------
    >>> from emkit.em.online import check_alpha
    >>> check_alpha(0.6)
    0.6
    """
    alpha = float(alpha)
    if not 0.5 < alpha <= 1.0:
        raise ValueError(f"alpha must satisfy 0.5 < alpha <= 1 (Cappe & Moulines), got {alpha}")
    return alpha


@dataclass(frozen=True)
class OnlineState:
    """Where stepwise EM stands: the mixture, its running statistics and the step count.

    Attributes
    ----------
    mixture : FiniteMixture
    running : MixtureStats
        Per-observation running statistics (their ``n_obs`` is 1).
    n_steps : int
        Mini-batches processed.
    alpha : float
        Step-size exponent.
    n_seen : float
        Observations (total weight) processed.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> x = np.random.default_rng(0).normal(size=(1000, 1))
    >>> fit = em.GaussianMixture(1).fit_online(np.array_split(x, 5), random_state=0)
    >>> fit.online_state.n_steps, fit.online_state.n_seen
    (5, 1000.0)
    """

    mixture: FiniteMixture
    running: MixtureStats | None
    n_steps: int
    alpha: float
    n_seen: float

    def step(self, data: ChunkedData) -> tuple["OnlineState", float]:
        """Process one mini-batch; returns the new state and the batch's log-likelihood.

        The log-likelihood is that of the batch under the parameters before the update.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.em.chunks import ChunkedData
        >>> from emkit.em.online import OnlineState
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.random.default_rng(0).normal(size=(100, 1))
        >>> start = FiniteMixture([Gaussian("full", 1)]).fit_responsibilities(x, np.ones((100, 1)))
        >>> state, loglik = OnlineState(start, None, 0, 0.6, 0.0).step(ChunkedData(x, None, 50))
        >>> state.n_steps, state.n_seen
        (1, 100.0)
        """
        batch = e_step(self.mixture, data)
        try:
            normalised = batch * (1.0 / batch.n_obs)
        except TypeError:
            raise TypeError(
                "online EM needs statistics that can be scaled; a family with a numeric M-step keeps "
                "the data as its statistics and can only be fitted in batch"
            ) from None
        gamma = (self.n_steps + 2.0) ** (-self.alpha)
        running = normalised if self.running is None else self.running * (1.0 - gamma) + normalised * gamma
        state = OnlineState(self.mixture.m_step(running), running, self.n_steps + 1, self.alpha, self.n_seen + batch.n_obs)
        return state, batch.log_likelihood

    def to_dataset(self) -> xr.Dataset:
        """The running statistics as variables named by their path; the counters as attributes.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.random.default_rng(0).normal(size=(1000, 1))
        >>> state = em.GaussianMixture(1).fit_online(np.array_split(x, 5), random_state=0).online_state
        >>> ds = state.to_dataset()
        >>> sorted(ds.data_vars)[:3], ds.attrs["n_steps"]
        (['classification_log_likelihood', 'component_weight', 'family_stats.0.mean'], 5)
        """
        leaves = {} if self.running is None else dict(_leaves(self.running, ""))
        variables = {
            path: xr.Variable(tuple(f"{path}.axis{i}" for i in range(np.ndim(leaf))), np.asarray(leaf))
            for path, leaf in leaves.items()
            if leaf is not None
        }
        attrs = {
            "n_steps": self.n_steps, "alpha": self.alpha, "n_seen": self.n_seen,
            "has_running": int(self.running is not None),
        }
        return xr.Dataset(variables, attrs=attrs)

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, mixture: FiniteMixture, n_features: int) -> "OnlineState":
        """The state written by :meth:`to_dataset`, continuing from ``mixture`` (fitted to ``n_features`` columns).

        Raises
        ------
        ValueError
            If the variables do not match the statistics of ``mixture``'s
            families (a missing or extra variable, or one of another shape).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.em.online import OnlineState
        >>> x = np.random.default_rng(0).normal(size=(1000, 1))
        >>> state = em.GaussianMixture(1).fit_online(np.array_split(x, 5), random_state=0).online_state
        >>> copy = OnlineState.from_dataset(state.to_dataset(), state.mixture, n_features=1)
        >>> scatter = state.running.family_stats[0].scatter
        >>> copy.n_steps, bool(np.array_equal(copy.running.family_stats[0].scatter, scatter))
        (5, True)
        """
        running = None
        if int(ds.attrs["has_running"]):
            template = mixture.stats_from_responsibilities(
                np.empty((0, n_features)), np.empty((0, mixture.n_components))
            )
            saved = {str(name): var.values for name, var in ds.data_vars.items()}
            running = _rebuilt(template, saved, "")
            if saved:
                raise ValueError(f"the running statistics have variables the model does not use: {', '.join(saved)}")
        return cls(mixture, running, int(ds.attrs["n_steps"]), float(ds.attrs["alpha"]), float(ds.attrs["n_seen"]))


def _leaves(value, path: str):
    """``(path, leaf)`` for every array, number or None inside dataclasses, tuples and dicts."""
    if dataclasses.is_dataclass(value):
        for f in _init_fields(value):
            yield from _leaves(getattr(value, f.name), _joined(path, f.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, _joined(path, key))
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _leaves(item, _joined(path, str(index)))
    elif value is None or isinstance(value, (np.ndarray, float, int, np.number)):
        yield path, value
    else:
        raise TypeError(f"cannot save running statistics holding a {type(value).__name__} at {path!r}")


def _rebuilt(template, saved: dict, path: str):
    """``template`` with every leaf replaced by ``saved.pop(path)`` (inverse of :func:`_leaves`)."""
    if dataclasses.is_dataclass(template):
        parts = {f.name: getattr(template, f.name) for f in _init_fields(template)}
        return dataclasses.replace(
            template, **{name: _rebuilt(part, saved, _joined(path, name)) for name, part in parts.items()}
        )
    if isinstance(template, dict):
        return {key: _rebuilt(item, saved, _joined(path, key)) for key, item in template.items()}
    if isinstance(template, (tuple, list)):
        return type(template)(_rebuilt(item, saved, _joined(path, str(i))) for i, item in enumerate(template))
    if template is None:
        return None
    if path not in saved:
        raise ValueError(f"the running statistics lack the variable {path!r}")
    value = saved.pop(path)
    if isinstance(template, np.ndarray):
        if value.shape != template.shape:
            raise ValueError(
                f"the running statistic {path!r} has shape {value.shape}, the model's has {template.shape}"
            )
        return np.asarray(value, dtype=template.dtype)
    return type(template)(value.item())


def _init_fields(value) -> list:
    """The fields a dataclass is built from (the others are derived)."""
    return [f for f in dataclasses.fields(value) if f.init]


def _joined(path: str, key) -> str:
    if not isinstance(key, str) or "." in key or "/" in key:
        raise TypeError(f"cannot save running statistics with the key {key!r} (a name without '.' or '/')")
    return f"{path}.{key}" if path else key

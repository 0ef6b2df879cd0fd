"""A base class for families whose parameters are a few named arrays.

A subclass declares its parameters once, as names with their dimensions
after the leading ``component`` axis (``{"rate": ("feature",)}``), and
implements the maths: ``log_prob``, ``stats``, ``m_step``, ``n_params``,
``sample``. The base class provides the rest of the family protocol:
unfitted copies, results as an xarray Dataset and back, a JSON description
for saved fits, and the data checks hook.

Most such families have statistics that are plain weighted sums
(``sum_i r_ik T(x_i)``); :class:`SumStats` holds them.

Examples
--------
>>> import numpy as np
>>> from emkit.components.parametric import ParametricFamily, SumStats
>>> class Exp1(ParametricFamily):
...     '''Exponential components with one rate per feature.'''
...     kind = "doc-exp"
...     param_dims = {"rate": ("feature",)}
...     def log_prob(self, x):
...         rate = self.params["rate"]
...         return (np.log(rate)[None] - x[:, None, :] * rate[None]).sum(axis=2)
...     def stats(self, x, resp):
...         return SumStats.of(resp, total=resp.T @ x)
...     def m_step(self, stats):
...         return self.with_params(rate=stats.weight[:, None] / stats.sums["total"])
...     def n_params(self):
...         return self.params["rate"].size
...     def sample(self, component, rng):
...         return rng.exponential(1.0 / self.params["rate"][component])
>>> x = np.array([[1.0], [3.0]])
>>> fam = Exp1(n_components=1).m_step(Exp1(n_components=1).stats(x, np.ones((2, 1))))
>>> fam.params["rate"].tolist()
[[0.5]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from .base import too_few_observations


def log_probability(p: np.ndarray) -> np.ndarray:
    """``log p`` elementwise, ``-inf`` where ``p`` is 0 (without a divide-by-zero warning).

    A value of probability 0 is impossible: its log-density is ``-inf``, so
    a row or a sequence that no component or state can emit is refused
    rather than given a finite log-likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.parametric import log_probability
    >>> log_probability(np.array([1.0, 0.5, 0.0])).round(3).tolist()
    [0.0, -0.693, -inf]
    """
    p = np.asarray(p, dtype=float)
    return np.log(p, out=np.full(p.shape, -np.inf), where=p > 0)


def xlogy_product(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``sum_j x_ij log p_kj``, shape (n, K), with ``0 log 0 = 0`` (as ``scipy.special.xlogy``).

    A positive ``x_ij`` where ``p_kj`` is 0 makes the entry ``-inf``: the
    row is impossible under component k. Zeros of ``p`` that meet only
    zeros of ``x`` add nothing, so the product is exact and finite wherever
    the data are possible.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Non-negative data (counts, indicators).
    p : ndarray of shape (K, d)
        Non-negative parameters (rates, probabilities).

    Returns
    -------
    ndarray of shape (n, K)

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import xlogy
    >>> from emkit.components.parametric import xlogy_product
    >>> x, p = np.array([[0.0, 2.0], [1.0, 2.0]]), np.array([[0.0, 0.5], [0.2, 0.5]])
    >>> xlogy_product(x, p).round(3).tolist()
    [[-1.386, -1.386], [-inf, -2.996]]
    >>> xlogy(x[:, None, :], p[None]).sum(axis=2).round(3).tolist()
    [[-1.386, -1.386], [-inf, -2.996]]
    """
    zero = p == 0
    out = x @ np.log(np.where(zero, 1.0, p)).T
    if zero.any():
        impossible = (x != 0).astype(float) @ zero.T.astype(float) > 0
        out[impossible] = -np.inf
    return out


def simplex_to_free(probs: np.ndarray) -> np.ndarray:
    """Every probability of each vector but its largest, the free coordinates of a simplex.

    The largest entry (at least ``1 / C``) is the one written as one minus
    the others, so no free coordinate is tied to a probability that may be 0.

    Parameters
    ----------
    probs : ndarray of shape (..., C)
        Probability vectors along the last axis.

    Returns
    -------
    ndarray of shape (..., C - 1)

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.parametric import simplex_to_free
    >>> simplex_to_free(np.array([[0.0, 0.7, 0.3], [0.5, 0.2, 0.3]])).tolist()
    [[0.0, 0.3], [0.2, 0.3]]
    """
    probs = np.asarray(probs, dtype=float)
    return probs[_not_reference(probs)].reshape(probs.shape[:-1] + (probs.shape[-1] - 1,))


def simplex_from_free(free: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Probability vectors holding ``free`` (inverse of :func:`simplex_to_free` at ``like``).

    Parameters
    ----------
    free : ndarray of shape (..., C - 1)
    like : ndarray of shape (..., C)
        The probabilities whose largest entries are the dependent ones.

    Returns
    -------
    ndarray of shape (..., C)

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.parametric import simplex_from_free
    >>> simplex_from_free(np.array([0.1, 0.3]), np.array([0.0, 0.7, 0.3])).round(12).tolist()
    [0.1, 0.6, 0.3]
    """
    like = np.asarray(like, dtype=float)
    free = np.asarray(free, dtype=float).reshape(like.shape[:-1] + (like.shape[-1] - 1,))
    others = _not_reference(like)
    probs = np.empty(like.shape)
    probs[others] = free.ravel()
    probs[~others] = 1.0 - free.sum(axis=-1).ravel()
    return probs


def _not_reference(probs: np.ndarray) -> np.ndarray:
    return np.arange(probs.shape[-1]) != np.argmax(probs, axis=-1)[..., None]


def check_n_components(n_components, name: str = "n_components") -> int:
    """Validate a number of components (a positive integer); ``name`` is how errors call it.

    Examples
    --------
    >>> from emkit.components.parametric import check_n_components
    >>> check_n_components(3)
    3
    """
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, not {type(n_components).__name__}")
    if n_components < 1:
        raise ValueError(f"{name} must be at least 1, got {n_components}")
    return int(n_components)


def check_finite_parameter(name: str, values) -> np.ndarray:
    """``values`` as floats if every entry is finite, else a ``ValueError`` naming the parameter.

    Families call it on the parameters they are given (``from_dataset``), so
    a damaged saved fit or a bad initial value is refused where it enters.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.parametric import check_finite_parameter
    >>> check_finite_parameter("rate", [[2.0], [4.0]]).tolist()
    [[2.0], [4.0]]
    >>> check_finite_parameter("rate", [[2.0], [np.nan]])
    Traceback (most recent call last):
    ...
    ValueError: parameter 'rate' is not finite for component 1: [nan]
    """
    values = np.asarray(values, dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        component = int(np.argwhere(bad)[0][0])
        raise ValueError(f"parameter {name!r} is not finite for component {component}: {values[component].tolist()}")
    return values


@dataclass(frozen=True)
class SumStats:
    """Weighted sums ``n_k = sum_i r_ik`` and ``sum_i r_ik T(x_i)`` for named T.

    Addition adds every array, so chunk statistics combine in any order.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.parametric import SumStats
    >>> r = np.ones((2, 1)); x = np.array([[1.0], [2.0]])
    >>> s = SumStats.of(r[:1], total=r[:1].T @ x[:1]) + SumStats.of(r[1:], total=r[1:].T @ x[1:])
    >>> s.weight.tolist(), s.sums["total"].tolist()
    ([2.0], [[3.0]])
    """

    weight: np.ndarray
    sums: dict = field(default_factory=dict)

    @classmethod
    def of(cls, resp: np.ndarray, **sums: np.ndarray) -> "SumStats":
        """Statistics with ``weight = resp.sum(axis=0)`` and the given sums.

        Parameters
        ----------
        resp : ndarray of shape (n, K)
            Responsibilities.
        **sums : ndarray
            Named weighted sums, each with the component axis first.

        Returns
        -------
        SumStats

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.parametric import SumStats
        >>> x = np.array([[1.0], [2.0], [4.0]])
        >>> resp = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
        >>> s = SumStats.of(resp, total=resp.T @ x)
        >>> s.weight.tolist(), s.sums["total"].tolist()
        ([1.5, 1.5], [[2.0], [5.0]])
        """
        return cls(resp.sum(axis=0), {name: np.asarray(value, dtype=float) for name, value in sums.items()})

    def __add__(self, other: "SumStats") -> "SumStats":
        if not isinstance(other, SumStats):
            return NotImplemented
        return SumStats(self.weight + other.weight, {k: v + other.sums[k] for k, v in self.sums.items()})

    def __mul__(self, factor: float) -> "SumStats":
        """Every sum multiplied by ``factor`` (stepwise EM averages statistics).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.parametric import SumStats
        >>> (SumStats(np.array([2.0]), {"total": np.array([[6.0]])}) * 0.5).sums["total"].tolist()
        [[3.0]]
        """
        return SumStats(self.weight * factor, {k: v * factor for k, v in self.sums.items()})

    __rmul__ = __mul__

    def empty(self, relative: float = np.finfo(float).eps) -> np.ndarray:
        """Components whose weight is numerically zero (they keep their parameters).

        Parameters
        ----------
        relative : float, default machine epsilon
            A component is empty when its weight is at most ``relative`` times
            the total weight.

        Returns
        -------
        ndarray of bool, shape (K,)

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.parametric import SumStats
        >>> SumStats(np.array([3.0, 0.0, 1e-20])).empty().tolist()
        [False, True, True]
        """
        return self.weight <= relative * self.weight.sum()


class ParametricFamily:
    """Base class of families described by a few named parameter arrays.

    Subclasses set ``kind`` (the registry name), ``param_dims`` (parameter
    name -> dimensions after ``component``; ``"feature"`` takes the data's
    column names; a property where the names depend on options, as for
    :func:`emkit.from_scipy`) and implement ``log_prob``, ``stats``, ``m_step``,
    ``n_params`` and ``sample``. Options given to ``__init__`` as keyword
    arguments are kept in ``self.options`` and saved with the fit.

    Parameters
    ----------
    n_components : int, default 1
        Number of components in this batch.
    **options
        Family-specific, JSON-serialisable settings.

    Examples
    --------
    >>> import emkit as em
    >>> em.Poisson(n_components=2).is_fitted
    False
    """

    kind: str = ""
    param_dims: dict = {}
    #: Name used in summaries.
    label: str = ""
    #: Parameter name -> (lower, upper) bounds of its domain; undeclared ones are unbounded.
    param_bounds: dict = {}
    #: The initialisation that suits the family's data (:func:`~emkit.components.base.declared_init`).
    default_init: str = "kmeans++"

    def __init__(self, n_components: int = 1, *, params: dict | None = None, **options):
        self.n_components = check_n_components(n_components)
        self.options = options
        self.params = None if params is None else {k: np.asarray(v, dtype=float) for k, v in params.items()}

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"{type(self).__name__}(n_components={self.n_components}{opts})"

    def describe(self) -> str:
        """A short description for summaries.

        Examples
        --------
        >>> import emkit as em
        >>> em.Poisson(n_components=2).describe()
        '2 Poisson components'
        """
        plural = "s" if self.n_components > 1 else ""
        return f"{self.n_components} {self.label or type(self).__name__} component{plural}"

    @property
    def is_fitted(self) -> bool:
        """Whether the family holds parameters."""
        return self.params is not None

    @property
    def n_features(self) -> int:
        """Number of data columns the fitted parameters describe: the length of their ``feature`` axis.

        1 for a family none of whose parameters has a ``feature`` axis.

        Examples
        --------
        >>> import emkit as em
        >>> em.Poisson(2).with_params(rate=[[2.0, 1.0, 5.0], [4.0, 3.0, 1.0]]).n_features
        3
        >>> em.Categorical().with_params(probs=[[[0.5, 0.5], [0.2, 0.8]]]).n_features
        2
        """
        if self.params is None:
            raise ValueError(f"{type(self).__name__} components are not fitted yet")
        for name, dims in self.param_dims.items():
            if "feature" in dims:
                return self.params[name].shape[1 + dims.index("feature")]
        return 1

    def with_params(self, **params) -> "ParametricFamily":
        """A fitted copy holding ``params`` (same options and number of components).

        Examples
        --------
        >>> import emkit as em
        >>> fam = em.Poisson(n_components=2).with_params(rate=[[2.0], [4.0]])
        >>> fam.is_fitted, fam.params["rate"].tolist()
        (True, [[2.0], [4.0]])
        """
        return type(self)(self.n_components, params=params, **self.options)

    def with_components(self, n_components: int) -> "ParametricFamily":
        """An unfitted copy with ``n_components`` components.

        Options are kept, parameters dropped.

        Examples
        --------
        >>> import emkit as em
        >>> fam = em.LogNormal(reg_var=0.01).with_params(mu=[[0.0]], sigma=[[1.0]])
        >>> copy = fam.with_components(3)
        >>> copy, copy.is_fitted
        (LogNormal(n_components=3, reg_var=0.01), False)
        """
        return type(self)(n_components, **self.options)

    def free_parameters(self) -> np.ndarray:
        """The free parameters as one vector: every declared parameter, flattened in order.

        Families with constrained or fixed parameters override this (and
        :meth:`with_free_parameters`) so that the vector holds exactly the
        ``n_params`` free ones.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> p = em.Poisson(2).with_params(rate=np.array([[1.0], [4.0]]))
        >>> p.free_parameters().tolist()
        [1.0, 4.0]
        """
        return np.concatenate([self.params[name].ravel() for name in self._free_names()])

    def with_free_parameters(self, vector: np.ndarray) -> "ParametricFamily":
        """A fitted copy holding ``vector`` (inverse of :meth:`free_parameters`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> p = em.Poisson(2).with_params(rate=np.array([[1.0], [4.0]]))
        >>> p.with_free_parameters(np.array([2.0, 5.0])).params["rate"].tolist()
        [[2.0], [5.0]]
        """
        params = {k: v.copy() for k, v in self.params.items()}
        start = 0
        for name in self._free_names():
            size = params[name].size
            params[name] = np.asarray(vector[start: start + size], dtype=float).reshape(params[name].shape)
            start += size
        return self.with_params(**params)

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the domain of every entry of :meth:`free_parameters`.

        Taken from the class's ``param_bounds``; the standard errors hold an
        estimate that cannot be told from one of them fixed (:func:`emkit.summary`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> p = em.Poisson(2).with_params(rate=np.array([[0.0], [4.0]]))
        >>> [bound.tolist() for bound in p.free_parameter_bounds()]
        [[0.0, 0.0], [inf, inf]]
        """
        unbounded = (-np.inf, np.inf)
        sizes = [self.params[name].size for name in self._free_names()]
        bounds = [self.param_bounds.get(name, unbounded) for name in self._free_names()]
        return tuple(np.repeat([b[side] for b in bounds], sizes).astype(float) for side in (0, 1))

    def _free_names(self) -> list[str]:
        return list(self.param_dims)

    def keep_empty(self, new_params: dict, stats: SumStats) -> dict:
        """Components without weight keep their current values in ``new_params``.

        ``new_params`` is modified in place and returned.

        Examples
        --------
        Component 1 has no weight, so it keeps its current rate of 4:

        >>> import numpy as np, emkit as em
        >>> from emkit.components.parametric import SumStats
        >>> fam = em.Poisson(n_components=2).with_params(rate=[[2.0], [4.0]])
        >>> stats = SumStats(np.array([3.0, 0.0]), {"counts": np.array([[9.0], [0.0]])})
        >>> fam.keep_empty({"rate": np.array([[3.0], [0.0]])}, stats)["rate"].tolist()
        [[3.0], [4.0]]
        """
        empty = stats.empty()
        if empty.any() and self.params is not None:
            for name, value in new_params.items():
                value[empty] = self.params[name][empty]
        return new_params

    def check_data(self, x: np.ndarray) -> None:
        """Raise a ``ValueError`` if ``x`` lies outside the family's support (default: no check).

        Examples
        --------
        The default accepts anything; families override it (see
        :meth:`emkit.Poisson.check_data`):

        >>> import numpy as np
        >>> from emkit.components.parametric import ParametricFamily
        >>> ParametricFamily().check_data(np.array([[-1.5]])) is None
        True
        """

    def degenerate_components(self, counts: np.ndarray) -> dict[int, str]:
        """Components whose data hold fewer values than their free parameters: ``n_k d < p_k``.

        The count rule of every family (see
        :func:`~emkit.components.base.too_few_observations`), each row giving
        one value per feature (:attr:`n_features`, ``d``); families with a
        scale parameter that can collapse add a rule on it.

        Parameters
        ----------
        counts : ndarray of shape (K,)
            Effective sample sizes ``n_k = sum_i r_ik``.

        Returns
        -------
        dict
            ``{component: reason}``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Poisson(2).with_params(rate=[[2.0], [4.0]]).degenerate_components(np.array([9.0, 0.2]))
        {1: 'effective sample size 0.2 x 1 value(s) per row is below its 1 free parameter(s)'}
        """
        return too_few_observations(self, counts, self.n_features)

    # -- results ---------------------------------------------------------------------
    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """Parameters as a Dataset over ``component`` and the declared dimensions.

        Parameters
        ----------
        features : ndarray of shape (d,)
            Names of the data's columns, the ``feature`` coordinate.

        Returns
        -------
        xarray.Dataset

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Poisson(n_components=2).with_params(rate=[[2.0], [4.0]])
        >>> params = fam.to_dataset(np.array(["count"]))
        >>> params.rate.dims, params.rate.values.tolist(), params.feature.values.tolist()
        (('component', 'feature'), [[2.0], [4.0]], ['count'])
        """
        data = {name: (("component",) + dims, self.params[name]) for name, dims in self.param_dims.items()}
        coords = {}
        if any("feature" in dims for dims in self.param_dims.values()):
            coords["feature"] = features
        return xr.Dataset(data, coords=coords)

    def from_dataset(self, params: xr.Dataset, weights: np.ndarray) -> "ParametricFamily":
        """A fitted copy holding the parameters in ``params``.

        Parameters
        ----------
        params : xarray.Dataset
            Parameters laid out as by :meth:`to_dataset`.
        weights : ndarray of shape (K,)
            Mixing weights (unused by these families).

        Returns
        -------
        ParametricFamily

        Raises
        ------
        ValueError
            If a parameter is missing, has the wrong number of components or
            is not finite.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fitted = em.Poisson(n_components=2).with_params(rate=[[2.0], [4.0]])
        >>> params = fitted.to_dataset(np.array(["count"]))
        >>> em.Poisson(n_components=2).from_dataset(params, np.array([0.5, 0.5])).params["rate"].tolist()
        [[2.0], [4.0]]
        >>> em.Poisson(n_components=3).from_dataset(params, np.ones(3) / 3)
        Traceback (most recent call last):
        ...
        ValueError: initial parameters have 2 components, the family has 3
        """
        values = {}
        for name, dims in self.param_dims.items():
            if name not in params:
                raise ValueError(f"initial parameters lack the variable {name!r}")
            values[name] = check_finite_parameter(name, params[name].transpose("component", *dims).values)
            if values[name].shape[0] != self.n_components:
                raise ValueError(
                    f"initial parameters have {values[name].shape[0]} components, the family has {self.n_components}"
                )
        return self.with_params(**values)

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy.

        Examples
        --------
        >>> import emkit as em
        >>> em.LogNormal(n_components=2, reg_var=0.01).spec()
        {'kind': 'lognormal', 'n_components': 2, 'reg_var': 0.01}
        """
        return {"kind": self.kind, "n_components": self.n_components, **self.options}

    @classmethod
    def from_spec(cls, spec: dict) -> "ParametricFamily":
        """Inverse of :meth:`spec`.

        Examples
        --------
        >>> import emkit as em
        >>> em.LogNormal.from_spec({"kind": "lognormal", "n_components": 2, "reg_var": 0.01})
        LogNormal(n_components=2, reg_var=0.01)
        """
        options = {k: v for k, v in spec.items() if k not in ("kind", "n_components")}
        return cls(spec["n_components"], **options)

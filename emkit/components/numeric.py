"""Families whose M-step maximises the weighted Q-function numerically.

For most distributions the M-step has no closed form. For component ``k``
and feature ``j`` it maximises

``Q_kj(theta) = sum_i r_ik log f(x_ij; theta)``

over the named scalar parameters ``theta`` of a univariate density ``f``,
with :func:`scipy.optimize.minimize` (L-BFGS-B, forward-difference
gradients computed for all components and features at once) on an unconstrained parametrisation:

==============  ===================  ====================
constraint      parameter            optimised over
==============  ===================  ====================
``"real"``      any real ``theta``   ``u = theta``
``"positive"``  ``theta > 0``        ``u = log theta``
``"unit"``      ``0 < theta < 1``    ``u = logit theta``
==============  ===================  ====================

The optimiser starts from the current parameters (warm start) and the new
value is kept only if it does not lower ``Q``, so every iteration is at
least a generalised EM step and the log-likelihood cannot decrease beyond
the rounding of the sums. An unfitted family starts from
:meth:`NumericFamily.start_values` (a method-of-moments guess or the
user's ``initial`` values).

Features are independent: ``log f_k(x) = sum_j log f(x_j; theta_kj)``, so
every parameter has dimensions ``(component, feature)``.

Memory
------
A numeric M-step needs the data, not a few sums: the statistics of these
families are a :class:`WeightedSample`, which keeps every row and its
responsibilities. Their memory is O(n (d + K)), unlike the O(K d^2) of
families with sufficient statistics, and chunking the E-step does not
reduce it.

Examples
--------
A subclass names its parameters with their constraints and gives a
vectorised log-density:

>>> import numpy as np
>>> from emkit.components.numeric import NumericFamily
>>> class Laplace(NumericFamily):
...     kind = "doc-laplace"
...     free = {"loc": "real", "scale": "positive"}
...     def logpdf(self, x, loc, scale):
...         return -np.log(2 * scale) - np.abs(x - loc) / scale
>>> x = np.array([[0.0], [1.0], [2.0], [4.0], [9.0]])
>>> fam = Laplace().m_step(Laplace().stats(x, np.ones((5, 1))))
>>> fam.params["loc"].round(4).tolist(), fam.params["scale"].round(4).tolist()
([[2.0]], [[2.4]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit

from .._blas import single_threaded_blas
from .parametric import ParametricFamily

#: Constraint names and what they mean.
CONSTRAINTS = ("real", "positive", "unit")
#: Starting value of a parameter when nothing better is known.
DEFAULT_START = {"real": 0.0, "positive": 1.0, "unit": 0.5}
#: The (lower, upper) bounds of each constraint's domain.
CONSTRAINT_BOUNDS = {"real": (-np.inf, np.inf), "positive": (0.0, np.inf), "unit": (0.0, 1.0)}
#: Objective value standing in for an infinite one (parameters outside the support).
_HUGE = 1e100
_UNIT_CLIP = 1e-12
#: Relative step of the forward differences (square root of the float epsilon).
_FD_STEP = np.sqrt(np.finfo(float).eps)


def check_constraint(name: str, constraint: str) -> str:
    """Validate a constraint name.

    Examples
    --------
    >>> from emkit.components.numeric import check_constraint
    >>> check_constraint("rate", "positive")
    'positive'
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(f"parameter {name!r}: unknown constraint {constraint!r}; choose one of {', '.join(CONSTRAINTS)}")
    return constraint


def to_unconstrained(value, constraint: str) -> np.ndarray:
    """Map constrained values to the real line (identity, log or logit).

    Examples
    --------
    >>> from emkit.components.numeric import to_unconstrained, from_unconstrained
    >>> float(from_unconstrained(to_unconstrained(0.25, "unit"), "unit"))
    0.25
    """
    value = np.asarray(value, dtype=float)
    if constraint == "positive":
        return np.log(np.maximum(value, np.finfo(float).tiny))
    if constraint == "unit":
        return logit(np.clip(value, _UNIT_CLIP, 1 - _UNIT_CLIP))
    return value


def from_unconstrained(u, constraint: str) -> np.ndarray:
    """Inverse of :func:`to_unconstrained`.

    Examples
    --------
    >>> from emkit.components.numeric import from_unconstrained
    >>> float(from_unconstrained(0.0, "positive")), float(from_unconstrained(0.0, "unit"))
    (1.0, 0.5)
    """
    u = np.asarray(u, dtype=float)
    if constraint == "positive":
        with np.errstate(over="ignore"):
            return np.exp(u)
    if constraint == "unit":
        return expit(u)
    return u


def satisfies(value, constraint: str) -> np.ndarray:
    """Whether values are finite and satisfy ``constraint``.

    Examples
    --------
    >>> from emkit.components.numeric import satisfies
    >>> satisfies([0.5, 1.5, -1.0], "unit").tolist()
    [True, False, False]
    """
    value = np.asarray(value, dtype=float)
    ok = np.isfinite(value)
    if constraint == "positive":
        ok &= value > 0
    elif constraint == "unit":
        ok &= (value > 0) & (value < 1)
    return ok


@dataclass(frozen=True)
class WeightedSample:
    """The weighted data themselves, as the statistics of a numeric M-step.

    Holds the chunks of observations ``x`` (n_c, d) and responsibilities
    ``resp`` (n_c, K) it was built from. ``a + b`` concatenates the chunks,
    which is exactly associative; the M-step sorts the rows into a canonical
    order, so the result does not depend on the order or grouping of the
    chunks either. Memory is O(n (d + K)): the whole data set is kept.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.numeric import WeightedSample
    >>> x = np.array([[1.0], [2.0], [3.0]]); r = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    >>> s = WeightedSample.of(x[:1], r[:1]) + WeightedSample.of(x[1:], r[1:])
    >>> s.n_rows, s.weight.tolist()
    (3, [1.5, 1.5])
    >>> s.arrays()[0].ravel().tolist()
    [1.0, 2.0, 3.0]
    """

    parts: tuple

    @classmethod
    def of(cls, x: np.ndarray, resp: np.ndarray) -> "WeightedSample":
        """Statistics of one chunk (the responsibilities are copied).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import WeightedSample
        >>> x = np.array([[3.0], [1.0], [2.0]])
        >>> resp = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
        >>> s = WeightedSample.of(x, resp)
        >>> s.n_rows, s.weight.tolist()
        (3, [1.5, 1.5])
        """
        return cls(((np.asarray(x, dtype=float), np.array(resp, dtype=float)),))

    def __add__(self, other: "WeightedSample") -> "WeightedSample":
        if not isinstance(other, WeightedSample):
            return NotImplemented
        return WeightedSample(self.parts + other.parts)

    @property
    def n_rows(self) -> int:
        """Number of rows held."""
        return sum(len(x) for x, _ in self.parts)

    @property
    def weight(self) -> np.ndarray:
        """``n_k = sum_i r_ik``, shape (K,) (summed per chunk: rounding may depend on the order)."""
        return sum(resp.sum(axis=0) for _, resp in self.parts)

    def empty(self, relative: float = np.finfo(float).eps) -> np.ndarray:
        """Components whose weight is numerically zero (they keep their parameters).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import WeightedSample
        >>> x = np.array([[3.0], [1.0], [2.0]])
        >>> resp = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
        >>> WeightedSample.of(x, resp).empty().tolist()
        [False, False]
        >>> WeightedSample.of(x, np.array([[1.0, 0.0]] * 3)).empty().tolist()
        [False, True]
        """
        weight = self.weight
        return weight <= relative * weight.sum()

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x, resp)`` of all chunks, rows in a canonical (sorted) order.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import WeightedSample
        >>> x = np.array([[3.0], [1.0], [2.0]])
        >>> resp = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
        >>> xs, rs = (WeightedSample.of(x[:1], resp[:1]) + WeightedSample.of(x[1:], resp[1:])).arrays()
        >>> xs.ravel().tolist(), rs.tolist()
        ([1.0, 2.0, 3.0], [[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]])
        """
        x = np.concatenate([p[0] for p in self.parts], axis=0)
        resp = np.concatenate([p[1] for p in self.parts], axis=0)
        keys = np.concatenate([x, resp], axis=1)
        order = np.lexsort(keys.T[::-1]) if len(keys) else np.arange(0)
        return x[order], resp[order]


class NumericFamily(ParametricFamily):
    """Base class of families with independent features and a numeric M-step.

    A subclass sets ``kind`` and ``free`` (free parameter name ->
    constraint, ``"real"``, ``"positive"`` or ``"unit"``), optionally
    ``fixed`` (name -> value, parameters held constant) and implements
    ``logpdf(x, **params)``: the elementwise log-density of a univariate
    distribution, broadcasting like a numpy ufunc. It may override
    :meth:`start_values` and :meth:`sample`. Free and fixed parameters are
    all stored, each with dimensions ``(component, feature)``.

    Parameters
    ----------
    n_components : int, default 1
        Number of components.
    initial : dict, optional
        Starting values of free parameters for an unfitted family (name ->
        float), overriding :meth:`start_values`.
    maxiter : int, default 200
        Maximum L-BFGS-B iterations per component, feature and M-step.
    **options
        Further JSON-serialisable settings of a subclass.

    Notes
    -----
    Statistics are a :class:`WeightedSample`: memory is O(n) (see the
    module documentation).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.numeric import NumericFamily
    >>> class Exp(NumericFamily):
    ...     kind = "doc-exp-numeric"
    ...     free = {"rate": "positive"}
    ...     def logpdf(self, x, rate):
    ...         return np.log(rate) - rate * x
    >>> x = np.array([[1.0], [3.0]])
    >>> fam = Exp().m_step(Exp().stats(x, np.ones((2, 1))))
    >>> fam.params["rate"].round(6).tolist(), fam.n_params()
    ([[0.5]], 1)
    """

    free: dict = {}
    fixed: dict = {}

    @property
    def param_dims(self) -> dict:
        """Every parameter (free and fixed) over ``feature`` after ``component``."""
        return {name: ("feature",) for name in self.param_names}

    @property
    def param_bounds(self) -> dict:
        """Each free parameter's domain bounds, from its constraint."""
        return {name: CONSTRAINT_BOUNDS[constraint] for name, constraint in self.free.items()}

    @property
    def param_names(self) -> tuple:
        """Free then fixed parameter names."""
        return tuple(self.free) + tuple(name for name in self.fixed if name not in self.free)

    def logpdf(self, x, **params):
        """Elementwise log-density; subclasses implement it.

        Examples
        --------
        A subclass's ``logpdf`` takes the parameters by name:

        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> fam.logpdf(np.array([0.0, 1.0]), rate=2.0).round(4).tolist()
        [0.6931, -1.3069]

        The base class has none:

        >>> NumericFamily().logpdf(np.zeros(1))
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    # -- evaluation -------------------------------------------------------------------
    def log_prob(self, x):
        """``sum_j logpdf(x_ij; theta_kj)``, shape (n, K); -inf outside the support.

        Examples
        --------
        >>> import numpy as np, scipy.stats, emkit as em
        >>> fam = em.from_scipy(scipy.stats.expon, fixed={"loc": 0}).with_params(
        ...     scale=np.array([[2.0, 1.0]]), loc=np.zeros((1, 2)))
        >>> fam.log_prob(np.array([[1.0, 1.0], [-1.0, 1.0]])).round(4).tolist()
        [[-2.1931], [-inf]]
        """
        params = {name: value[None] for name, value in self.params.items()}
        with np.errstate(all="ignore"):
            out = np.asarray(self.logpdf(x[:, None, :], **params), dtype=float)
        out = np.broadcast_to(out, (len(x), self.n_components, x.shape[1])).sum(axis=2)
        return np.where(np.isnan(out), -np.inf, out)

    def stats(self, x, resp):
        """The weighted sample itself (see :class:`WeightedSample`).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> type(s).__name__, s.n_rows, s.weight.tolist()
        ('WeightedSample', 4, [2.0, 2.0])
        """
        return WeightedSample.of(x, resp)

    # -- M-step -----------------------------------------------------------------------
    def start_values(self, x: np.ndarray, w: np.ndarray) -> dict:
        """Starting free parameters for one component and feature of an unfitted family.

        The default: the user's ``initial`` values, else 0 for real, 1 for
        positive and 0.5 for unit-interval parameters. Subclasses may use
        the weighted data ``x`` (1-D) with weights ``w`` (method of moments).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> fam.start_values(x[:, 0], np.ones(4))
        {'rate': 1.0}
        >>> Exp(initial={"rate": 0.3}).start_values(x[:, 0], np.ones(4))
        {'rate': 0.3}
        """
        initial = self.options.get("initial") or {}
        return {name: float(initial.get(name, DEFAULT_START[c])) for name, c in self.free.items()}

    def weighted_q(self, x: np.ndarray, w: np.ndarray, values: dict) -> float:
        """``sum_i w_i log f(x_i; values)`` (may be -inf).

        Examples
        --------
        ``2 log 0.5 - 0.5 (1 + 3)`` for the rows 1 and 3 at rate 0.5:

        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> round(fam.weighted_q(np.array([1.0, 3.0]), np.ones(2), {"rate": 0.5}), 4)
        -3.3863
        >>> fam.weighted_q(np.array([1.0]), np.ones(1), {"rate": 0.0})
        -inf
        """
        params = {**{n: float(v) for n, v in self.fixed.items()}, **values}
        with np.errstate(all="ignore"):
            lp = np.asarray(self.logpdf(x, **params), dtype=float)
        total = float(np.sum(w * lp))
        return total if np.isfinite(total) else -np.inf

    def block_objectives(self, x: np.ndarray, w: np.ndarray, values: dict) -> np.ndarray:
        """``-sum_i w_ik log f(x_ij; theta_kj) / n_k`` for every block (k, j), shape (K', d).

        ``x`` is (n, d), ``w`` (n, K') and ``values`` holds free parameters of
        shape (K', d). Blocks with a non-finite value get a huge finite one
        (parameters outside the support), which the optimiser backs away from.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> fam.block_objectives(x, resp, {"rate": np.array([[0.5], [0.25]])}).round(4).tolist()
        [[1.6931], [2.3863]]
        >>> fam.block_objectives(x, resp, {"rate": np.array([[-1.0], [0.25]])}).round(4).tolist()
        [[1e+100], [2.3863]]
        """
        params = {**{n: float(v) for n, v in self.fixed.items()}, **{n: v[None] for n, v in values.items()}}
        weight = w[:, :, None]
        with np.errstate(all="ignore"):
            lp = np.asarray(self.logpdf(x[:, None, :], **params), dtype=float)
            lp = np.broadcast_to(lp, (x.shape[0], w.shape[1], x.shape[1]))
            terms = np.where(weight > 0, weight * lp, 0.0)
            out = -terms.sum(axis=0) / weight.sum(axis=0)
        return np.where(np.isfinite(out), out, _HUGE)

    def maximise_q(self, x: np.ndarray, w: np.ndarray, start: dict) -> dict:
        """Free parameters maximising every block's weighted Q, from ``start``.

        ``x`` (n, d), ``w`` (n, K') weights of K' components, ``start`` free
        parameters of shape (K', d). Q is separable over components and
        features, so one L-BFGS-B run on the unconstrained parameters of all
        blocks finds every block's maximiser; its forward-difference
        gradient perturbs one parameter of all blocks at once, so a gradient
        costs ``p + 1`` vectorised log-density evaluations whatever K and
        d (the optimum is located to about 1e-8 relative). A block keeps its
        start unless its Q did not drop.

        Examples
        --------
        The exponential rates maximising Q are the reciprocal weighted means:

        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> best = fam.maximise_q(x, resp, {"rate": np.ones((2, 1))})
        >>> best["rate"].round(6).tolist()
        [[0.5], [0.25]]
        """
        names = list(self.free)
        constraints = [self.free[n] for n in names]
        shape = (len(names),) + start[names[0]].shape

        def unpack(U):
            return {n: from_unconstrained(U[i], c) for i, (n, c) in enumerate(zip(names, constraints))}

        def fun_and_grad(flat):
            U = flat.reshape(shape)
            f0 = self.block_objectives(x, w, unpack(U))
            grad = np.zeros(shape)
            for i in range(len(names)):
                h = _FD_STEP * np.maximum(1.0, np.abs(U[i]))
                step = U.copy()
                step[i] += h
                forward = self.block_objectives(x, w, unpack(step))
                grad[i] = (forward - f0) / h
                outside = forward >= _HUGE
                if outside.any():  # at the edge of the support: the backward difference
                    step[i] -= 2 * h
                    backward = self.block_objectives(x, w, unpack(step))
                    grad[i] = np.where(outside, np.where(backward < _HUGE, (f0 - backward) / h, 0.0), grad[i])
            return float(f0.sum()), grad.ravel()

        U0 = np.stack([to_unconstrained(start[n], c) for n, c in zip(names, constraints)])
        f_start = self.block_objectives(x, w, unpack(U0))
        with np.errstate(all="ignore"):  # per thread, unlike a warnings filter
            result = minimize(
                fun_and_grad, U0.ravel(), jac=True, method="L-BFGS-B",
                options={"maxiter": int(self.options.get("maxiter", 200)), "ftol": 1e-15, "gtol": 1e-10},
            )
        U = result.x.reshape(shape)
        found = unpack(U)
        better = np.all(np.isfinite(U), axis=0) & (self.block_objectives(x, w, found) <= f_start)
        return {n: np.where(better, found[n], start[n]) for n in names}

    def m_step(self, stats):
        """Per component and feature, the numeric maximiser of the weighted Q.

        Components without weight keep their parameters; an unfitted family
        starts from :meth:`start_values`.

        Examples
        --------
        >>> import numpy as np, scipy.stats, emkit as em
        >>> fam = em.from_scipy(scipy.stats.norm, n_components=2)
        >>> x = np.array([[0.0], [2.0], [10.0], [14.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.params["loc"].round(6).tolist(), fitted.params["scale"].round(6).tolist()
        ([[1.0], [12.0]], [[1.0], [2.0]])
        >>> only_first = fitted.m_step(fitted.stats(x[:2] + 1, resp[:2]))
        >>> only_first.params["loc"].round(6).tolist()
        [[2.0], [12.0]]
        """
        # Tiny problems: BLAS threads only add overhead to the optimiser's vector updates.
        with single_threaded_blas():
            return self._m_step(stats)

    def _m_step(self, stats):
        x, resp = stats.arrays()
        K, d = self.n_components, x.shape[1]
        empty = stats.empty()
        if self.is_fitted:
            new = {name: self.params[name].copy() for name in self.free}
        else:
            new = {name: np.empty((K, d)) for name in self.free}
            initial = self.options.get("initial") or {}
            for k in range(K):
                # A component without weight starts from the unweighted data.
                w = np.ones(len(x)) if empty[k] else resp[:, k]
                rows = w > 0
                for j in range(d):
                    start = self.start_values(x[rows, j], w[rows])
                    start.update({n: float(v) for n, v in initial.items() if n in self.free})
                    for name in self.free:
                        new[name][k, j] = start[name]
        active = np.flatnonzero(~empty)
        if len(active):
            best = self.maximise_q(x, resp[:, active], {n: v[active] for n, v in new.items()})
            for name in self.free:
                new[name][active] = best[name]
        for name, value in self.fixed.items():
            if name not in self.free:
                new[name] = np.full((K, d), float(value))
        return self.with_params(**new)

    def _free_names(self) -> list[str]:
        return list(self.free)

    def n_params(self):
        """Free parameters times features times components.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.numeric import NumericFamily
        >>> class Exp(NumericFamily):
        ...     kind = "doc-exp-numeric"
        ...     free = {"rate": "positive"}
        ...     def logpdf(self, x, rate):
        ...         return np.log(rate) - rate * x
        >>> x = np.array([[1.0], [3.0], [2.0], [6.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = Exp(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        2
        """
        first = next(iter(self.params.values()))
        return int(len(self.free) * first.size)

    # -- results ----------------------------------------------------------------------
    def from_dataset(self, params, weights):
        """A fitted copy from ``params``; fixed parameters may be omitted (declared values are used).

        Raises
        ------
        ValueError
            If a free parameter violates its constraint.

        Examples
        --------
        An exponential with ``loc`` fixed at 0 needs only its ``scale``:

        >>> import numpy as np, scipy.stats, xarray as xr, emkit as em
        >>> fam = em.from_scipy(scipy.stats.expon, fixed={"loc": 0})
        >>> params = xr.Dataset({"scale": (("component", "feature"), [[2.0]])}, coords={"feature": ["t"]})
        >>> fitted = fam.from_dataset(params, np.ones(1))
        >>> fitted.params["scale"].tolist(), fitted.params["loc"].tolist()
        ([[2.0]], [[0.0]])
        >>> fam.from_dataset(-params, np.ones(1))
        Traceback (most recent call last):
        ...
        ValueError: parameter 'scale' must be positive (finite), got [-2.0]
        """
        import xarray as xr

        params = params.copy()
        K = self.n_components
        for name, value in self.fixed.items():
            if name not in params and name not in self.free:
                d = params.sizes.get("feature", 1)
                params[name] = xr.DataArray(np.full((K, d), float(value)), dims=("component", "feature"))
        fitted = super().from_dataset(params, weights)
        for name, constraint in self.free.items():
            bad = ~satisfies(fitted.params[name], constraint)
            if bad.any():
                raise ValueError(f"parameter {name!r} must be {constraint} (finite), got {fitted.params[name][bad].tolist()}")
        return fitted

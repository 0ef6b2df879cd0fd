"""Any univariate scipy.stats distribution as a component family.

``em.from_scipy(scipy.stats.gamma, fixed={"loc": 0})`` makes a family whose
components are gamma distributions, one set of parameters per component and
feature (features are independent: the log-density sums over features). The
M-step is numeric (:mod:`emkit.components.numeric`).

Parameters
----------
The parameters are the distribution's shapes (``dist.shapes``), then
``loc`` and ``scale`` for a continuous distribution, ``loc`` for a discrete
one. A discrete ``loc`` is always held fixed (at 0 unless ``fixed`` says
otherwise): an integer shift is not a smooth parameter.

Constraints
-----------
``loc`` is real and ``scale`` positive. A shape's constraint is read from
the distribution's own argument check (``dist._argcheck``), probed at a
few values with the other shapes held at valid values:

* accepted at negative values: ``"real"`` (skewnorm ``a``, genpareto ``c``);
* accepted at large values but not between integers: an integer shape
  (binom ``n``), which must be given in ``fixed``;
* accepted at large values: ``"positive"`` (gamma ``a``, nbinom ``n``);
* accepted only below 1: ``"unit"`` (nbinom ``p``, geom ``p``).

The probe is a heuristic (interdependent constraints, as in norminvgauss,
are seen only one at a time); ``constraints={"p": "unit"}`` overrides it.

Saved fits
----------
The distribution is saved by its ``scipy.stats`` name and rebuilt with
``getattr(scipy.stats, name)``, so only distributions that live in
``scipy.stats`` can be reloaded.

Examples
--------
>>> import numpy as np, scipy.stats, emkit as em
>>> x = scipy.stats.gamma(3.0, scale=2.0).rvs(size=(2000, 1), random_state=0)
>>> fit = em.Mixture(em.from_scipy(scipy.stats.gamma, fixed={"loc": 0.0})).fit(x, random_state=0)
>>> round(float(fit.params.a[0, 0])), round(float(fit.params.scale[0, 0])), fit.n_params
(3, 2, 2)
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.stats
from scipy.optimize import minimize

from .numeric import DEFAULT_START, NumericFamily, check_constraint, from_unconstrained, to_unconstrained
from .registry import register_family

_PROBES = {"real": (-2.0, -0.5, 0.0, 0.5, 2.0), "positive": (0.5, 1.0, 2.0, 5.0), "unit": (0.1, 0.5, 0.9)}


def resolve_distribution(dist):
    """The scipy.stats distribution object named or given by ``dist``.

    Raises
    ------
    TypeError
        If ``dist`` is not a scipy.stats univariate distribution (or is a
        frozen one).
    ValueError
        If ``dist`` is multivariate, or a name unknown to scipy.stats.

    Examples
    --------
    >>> import scipy.stats
    >>> from emkit.components.scipy_dist import resolve_distribution
    >>> resolve_distribution("gamma") is scipy.stats.gamma
    True
    """
    if isinstance(dist, str):
        obj = getattr(scipy.stats, dist, None)
        if obj is None:
            raise ValueError(f"scipy.stats has no distribution named {dist!r}")
        dist = obj
    if isinstance(dist, (scipy.stats.rv_continuous, scipy.stats.rv_discrete)):
        return dist
    if isinstance(dist, scipy.stats.distributions.rv_frozen):
        raise TypeError(
            "from_scipy needs the distribution itself (such as scipy.stats.gamma), not a frozen one "
            "such as scipy.stats.gamma(2.0); hold parameters constant with fixed={...}"
        )
    module = type(dist).__module__ or ""
    if "_multivariate" in module:
        raise ValueError(
            f"{type(dist).__name__} is a multivariate distribution and cannot be adapted: from_scipy takes "
            "univariate distributions (each feature gets its own parameters)"
        )
    raise TypeError(
        f"from_scipy needs a scipy.stats univariate distribution (rv_continuous or rv_discrete instance), "
        f"not {type(dist).__name__}"
    )


def shape_names(dist) -> list[str]:
    """Names of the shape parameters of ``dist``.

    Examples
    --------
    >>> import scipy.stats
    >>> from emkit.components.scipy_dist import shape_names
    >>> shape_names(scipy.stats.nbinom), shape_names(scipy.stats.norm)
    (['n', 'p'], [])
    """
    return [s.strip() for s in dist.shapes.split(",")] if dist.shapes else []


def _accepts(dist, args) -> bool:
    try:
        with np.errstate(all="ignore"):
            return bool(np.all(dist._argcheck(*[np.asarray(a, dtype=float) for a in args])))
    except Exception:
        return False


def infer_shape_constraints(dist) -> dict:
    """Constraint of each shape of ``dist`` from its argument check (see the module notes).

    Values are ``"real"``, ``"positive"``, ``"unit"``, ``"integer"`` or
    None (undetermined).

    Examples
    --------
    >>> import scipy.stats
    >>> from emkit.components.scipy_dist import infer_shape_constraints
    >>> infer_shape_constraints(scipy.stats.nbinom), infer_shape_constraints(scipy.stats.skewnorm)
    ({'n': 'positive', 'p': 'unit'}, {'a': 'real'})
    >>> infer_shape_constraints(scipy.stats.binom)
    {'n': 'integer', 'p': 'unit'}
    """
    names = shape_names(dist)
    base = next((c for c in itertools.product((0.5, 2.0, 1.0, 3.0), repeat=len(names)) if _accepts(dist, c)), None)
    out = {}
    for j, name in enumerate(names):
        if base is None:
            out[name] = None
            continue

        def ok(value):
            args = list(base)
            args[j] = value
            return _accepts(dist, args)

        if ok(-0.5) and ok(-3.0):
            out[name] = "real"
        elif ok(7.0) and ok(30.0):
            out[name] = "positive" if ok(2.5) and ok(7.5) else "integer"
        elif ok(0.5) or ok(0.25):
            out[name] = "unit"
        else:
            out[name] = None
    return out


@register_family
class ScipyFamily(NumericFamily):
    """Components following a univariate scipy.stats distribution, per feature.

    Build it with :func:`from_scipy`. Parameters have dimensions
    ``(component, feature)``; ``log_prob`` sums over features; the M-step
    maximises the weighted log-likelihood numerically.

    Parameters
    ----------
    n_components : int, default 1
        Number of components.
    dist : str or scipy.stats distribution
        The distribution (saved by its scipy.stats name).
    fixed : dict, optional
        Parameters held at the given values.
    constraints : dict, optional
        Overrides of inferred constraints (name -> "real", "positive", "unit").
    initial : dict, optional
        Starting values of free parameters for an unfitted family.
    maxiter : int, optional
        L-BFGS-B iterations per component, feature and M-step (default 200).

    Examples
    --------
    >>> import scipy.stats, emkit as em
    >>> fam = em.from_scipy(scipy.stats.nbinom, n_components=2)
    >>> fam.free, fam.fixed
    ({'n': 'positive', 'p': 'unit'}, {'loc': 0.0})
    """

    kind = "scipy"

    def __init__(self, n_components: int = 1, *, params=None, dist=None, fixed=None, constraints=None,
                 initial=None, maxiter=None):
        if dist is None:
            raise TypeError("ScipyFamily needs a distribution: use em.from_scipy(scipy.stats.<name>)")
        self.dist = resolve_distribution(dist)
        self.discrete = isinstance(self.dist, scipy.stats.rv_discrete)
        self.shapes = shape_names(self.dist)
        names = self.shapes + (["loc"] if self.discrete else ["loc", "scale"])
        fixed = {} if fixed is None else dict(fixed)
        constraints = {} if constraints is None else dict(constraints)
        initial = {} if initial is None else dict(initial)
        label = self.dist.name
        for what, given in (("fixed", fixed), ("constraints", constraints), ("initial", initial)):
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise ValueError(f"{what} names unknown parameter(s) {unknown} of {label}; its parameters are {names}")
        try:
            fixed = {k: float(v) for k, v in fixed.items()}
        except (TypeError, ValueError):
            raise TypeError(f"fixed values must be numbers, got {fixed!r}") from None
        if self.discrete:
            if "loc" in constraints:
                raise ValueError(f"loc of the discrete {label} is always fixed (an integer shift); set it with fixed=")
            fixed.setdefault("loc", 0.0)
        inferred = infer_shape_constraints(self.dist)
        free = {}
        for name in names:
            if name in fixed:
                continue
            if name in constraints:
                free[name] = check_constraint(name, constraints[name])
            elif name == "loc":
                free[name] = "real"
            elif name == "scale":
                free[name] = "positive"
            elif inferred[name] == "integer":
                raise ValueError(
                    f"shape {name!r} of {label} takes integer values and cannot be optimised; "
                    f"hold it fixed: fixed={{{name!r}: ...}}"
                )
            elif inferred[name] is None:
                raise ValueError(
                    f"cannot infer the constraint of shape {name!r} of {label}; "
                    f"give it: constraints={{{name!r}: 'real' | 'positive' | 'unit'}}"
                )
            else:
                free[name] = inferred[name]
        if not free:
            raise ValueError(f"every parameter of {label} is fixed: nothing to estimate")
        self.free = free
        self.fixed = fixed
        options = {"dist": label}
        if fixed:
            options["fixed"] = dict(fixed)
        if constraints:
            options["constraints"] = constraints
        if initial:
            options["initial"] = {k: float(v) for k, v in initial.items()}
        if maxiter is not None:
            options["maxiter"] = int(maxiter)
        super().__init__(n_components, params=params, **options)
        self.label = f"scipy.stats.{label}"

    def with_params(self, **params):
        """A fitted copy holding ``params`` (same distribution, options and number of components).

        Examples
        --------
        >>> import numpy as np, scipy.stats, emkit as em
        >>> fam = em.from_scipy(scipy.stats.norm, n_components=2)
        >>> fitted = fam.with_params(loc=[[0.0], [10.0]], scale=[[1.0], [2.0]])
        >>> fitted.is_fitted, fitted.dist.name, fitted.params["scale"].tolist()
        (True, 'norm', [[1.0], [2.0]])
        """
        return type(self)(self.n_components, params=params, **{**self.options, "dist": self.dist})

    def with_components(self, n_components):
        """An unfitted copy with ``n_components`` components (same distribution and options).

        Examples
        --------
        >>> import scipy.stats, emkit as em
        >>> em.from_scipy(scipy.stats.gamma, fixed={"loc": 0}).with_components(3)
        ScipyFamily(n_components=3, dist='gamma', fixed={'loc': 0.0})
        """
        return type(self)(n_components, **{**self.options, "dist": self.dist})

    def spec(self):
        """JSON description; the distribution by its scipy.stats name.

        Examples
        --------
        >>> import scipy.stats, emkit as em
        >>> em.from_scipy(scipy.stats.gamma, fixed={"loc": 0}, n_components=2).spec()
        {'kind': 'scipy', 'n_components': 2, 'dist': 'gamma', 'fixed': {'loc': 0.0}}
        """
        return {"kind": self.kind, "n_components": self.n_components, **self.options}

    # -- maths ------------------------------------------------------------------------
    def logpdf(self, x, **params):
        """``dist.logpdf`` (``logpmf`` if discrete) with named parameters, broadcasting.

        Examples
        --------
        >>> import scipy.stats, emkit as em
        >>> fam = em.from_scipy(scipy.stats.nbinom)
        >>> bool(fam.logpdf(3.0, n=5.0, p=0.4, loc=0.0) == scipy.stats.nbinom.logpmf(3, 5, 0.4))
        True
        """
        shapes = [params[s] for s in self.shapes]
        if self.discrete:
            return self.dist.logpmf(x, *shapes, loc=params["loc"])
        return self.dist.logpdf(x, *shapes, loc=params["loc"], scale=params["scale"])

    def _moments(self, values: dict):
        shapes = [values[s] for s in self.shapes]
        kwargs = {"loc": values["loc"]} if self.discrete else {"loc": values["loc"], "scale": values["scale"]}
        with np.errstate(all="ignore"):
            try:
                mean, var = self.dist.stats(*shapes, moments="mv", **kwargs)
            except Exception:
                return np.nan, np.nan
        return float(mean), float(var)

    def _location_scale_start(self, shapes: dict, m: float, s: float) -> dict:
        """Free loc and scale matching the weighted mean and sd, given shape values."""
        values = {**self.fixed, **shapes}
        if self.discrete:
            return values
        values.setdefault("loc", 0.0)
        values.setdefault("scale", 1.0)
        mu0, var0 = self._moments({**values, "loc": 0.0, "scale": 1.0})
        sd0 = np.sqrt(var0) if np.isfinite(var0) and var0 > 0 else 1.0
        mu0 = mu0 if np.isfinite(mu0) else 0.0
        if "scale" in self.free:
            if "loc" not in self.free and mu0 > 0 and m > values["loc"]:
                values["scale"] = (m - values["loc"]) / mu0
            else:
                values["scale"] = s / sd0
        if "loc" in self.free:
            values["loc"] = m - values["scale"] * mu0
        return values

    def start_values(self, x, w):
        """A method-of-moments start for one component and feature.

        Shapes start at the user's ``initial`` values, else 1 (positive),
        0.5 (unit) or each of -1, 0, 1 (real: 0 is often a symmetric saddle
        point, as for skewnorm); ``loc`` and ``scale`` then match the
        weighted mean and standard deviation. The best of these by weighted
        Q is refined by matching mean and variance with all free parameters
        (Nelder-Mead), and the better of the two is returned.

        Examples
        --------
        For the normal distribution the start is the weighted mean and
        standard deviation:

        >>> import numpy as np, scipy.stats, emkit as em
        >>> x = np.array([1.0, 3.0, 2.0, 6.0])
        >>> start = em.from_scipy(scipy.stats.norm).start_values(x, np.ones(4))
        >>> {name: round(float(value), 4) for name, value in start.items()}
        {'loc': 3.0, 'scale': 1.8708}
        """
        initial = self.options.get("initial") or {}
        m = float(np.average(x, weights=w)) if w.sum() > 0 else 0.0
        v = float(np.average((x - m) ** 2, weights=w)) if w.sum() > 0 else 1.0
        s = np.sqrt(v) if v > 0 else 1.0
        free_shapes = [n for n in self.shapes if n in self.free]
        grids = [
            (float(initial[n]),) if n in initial
            else ((-1.0, 0.0, 1.0) if self.free[n] == "real" else (DEFAULT_START[self.free[n]],))
            for n in free_shapes
        ]
        names = list(self.free)
        heuristics = []
        for combo in itertools.product(*grids):
            values = self._location_scale_start(dict(zip(free_shapes, combo)), m, s)
            values.update({n: float(initial[n]) for n in self.free if n in initial})
            heuristics.append(values)
        values = max(heuristics, key=lambda c: self.weighted_q(x, w, {n: c[n] for n in names}))
        heuristic = {name: values[name] for name in names}

        def mismatch(u):
            trial = {**values, **{n: float(from_unconstrained(ui, self.free[n])) for n, ui in zip(names, u)}}
            mean, var = self._moments(trial)
            if not (np.isfinite(mean) and np.isfinite(var) and var >= 0):
                return 1e100
            return (mean - m) ** 2 / (s * s) + (np.sqrt(var) - s) ** 2 / (s * s)

        u0 = np.array([float(to_unconstrained(heuristic[n], self.free[n])) for n in names])
        with np.errstate(all="ignore"):
            result = minimize(
                mismatch, u0, method="Nelder-Mead",
                options={"maxiter": 40 * len(names), "xatol": 1e-3, "fatol": 1e-6},
            )
        matched = {n: float(from_unconstrained(ui, self.free[n])) for n, ui in zip(names, result.x)}
        return max([heuristic, matched], key=lambda c: self.weighted_q(x, w, c))

    def sample(self, component, rng):
        """Draws from ``dist.rvs`` with the parameters of ``component[i]`` in row i.

        Examples
        --------
        >>> import numpy as np, scipy.stats, emkit as em
        >>> fam = em.from_scipy(scipy.stats.norm, n_components=2)
        >>> fitted = fam.with_params(loc=[[0.0], [10.0]], scale=[[1.0], [2.0]])
        >>> fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0)).shape
        (3, 1)

        Draws of a discrete distribution are whole numbers, returned as floats:

        >>> counts = em.from_scipy(scipy.stats.poisson).with_params(mu=[[3.0]], loc=[[0.0]])
        >>> draws = counts.sample(np.zeros(4, dtype=int), np.random.default_rng(0))
        >>> draws.dtype.name, bool(np.all(draws == np.round(draws)))
        ('float64', True)
        """
        component = np.asarray(component, dtype=int)
        d = next(iter(self.params.values())).shape[1]
        p = {name: value[component] for name, value in self.params.items()}
        shapes = [p[s] for s in self.shapes]
        if len(component) == 0:
            return np.empty((0, d))
        if self.discrete:
            draws = self.dist.rvs(*shapes, loc=p["loc"], size=(len(component), d), random_state=rng)
        else:
            draws = self.dist.rvs(*shapes, loc=p["loc"], scale=p["scale"], size=(len(component), d), random_state=rng)
        return np.asarray(draws, dtype=float)

    # -- support ----------------------------------------------------------------------
    def support_bounds(self) -> tuple[float, float]:
        """Bounds outside which the density is 0 for every allowed value of the free parameters.

        Examples
        --------
        >>> import scipy.stats, emkit as em
        >>> em.from_scipy(scipy.stats.gamma, fixed={"loc": 0}).support_bounds()
        (0.0, inf)
        >>> em.from_scipy(scipy.stats.gamma).support_bounds()  # loc free: anything is reachable
        (-inf, inf)
        >>> em.from_scipy(scipy.stats.beta, fixed={"loc": 0, "scale": 1}).support_bounds()
        (0.0, 1.0)
        """
        grids = []
        for name in self.shapes:
            grids.append((self.fixed[name],) if name in self.fixed else _PROBES[self.free[name]])
        lows, highs = [], []
        with np.errstate(all="ignore"):
            for combo in itertools.product(*grids):
                if not _accepts(self.dist, combo):
                    continue
                a, b = self.dist._get_support(*combo)
                lows.append(float(np.min(a)))
                highs.append(float(np.max(b)))
        if not lows:
            return -np.inf, np.inf
        a, b = min(lows), max(highs)
        loc_free = "loc" in self.free
        scale_free = (not self.discrete) and "scale" in self.free
        loc = self.fixed.get("loc", 0.0)
        scale = 1.0 if self.discrete else self.fixed.get("scale", 1.0)

        def bound(end, sign):
            if not np.isfinite(end) or loc_free:
                return sign * np.inf
            if end == 0 or not scale_free:
                return loc + scale * end
            return loc if np.sign(end) != sign else sign * np.inf

        return bound(a, -1.0), bound(b, 1.0)

    def check_data(self, x):
        """``ValueError`` naming the first row where the density is 0 for all parameter values.

        Examples
        --------
        >>> import numpy as np, scipy.stats, emkit as em
        >>> em.from_scipy(scipy.stats.gamma, fixed={"loc": 0}).check_data(np.array([[1.0], [-2.0]]))
        Traceback (most recent call last):
        ...
        ValueError: row 1 ([-2.0]) lies outside the support of gamma with fixed {'loc': 0.0}: the density is 0 there for every parameter value (support [0, inf])
        """
        low, high = self.support_bounds()
        outside = (x < low) | (x > high)
        what = f"[{low:g}, {high:g}]"
        if self.discrete:
            outside |= (x - self.fixed["loc"]) != np.round(x - self.fixed["loc"])
            what = f"the integers in {what}"
        if np.any(outside):
            bad = int(np.flatnonzero(np.any(outside, axis=1))[0])
            fixed = f" with fixed {self.fixed}" if self.fixed else ""
            raise ValueError(
                f"row {bad} ({x[bad].tolist()}) lies outside the support of {self.dist.name}{fixed}: "
                f"the density is 0 there for every parameter value (support {what})"
            )


def from_scipy(dist, fixed: dict | None = None, n_components: int = 1, *, constraints: dict | None = None,
               initial: dict | None = None, maxiter: int | None = None) -> ScipyFamily:
    """A component family from a univariate scipy.stats distribution.

    Parameters
    ----------
    dist : scipy.stats.rv_continuous or rv_discrete instance, or its name
        Such as ``scipy.stats.gamma``, ``weibull_min``, ``lognorm``, ``nbinom``.
    fixed : dict, optional
        Parameters held at the given values, such as ``{"loc": 0}``. A
        discrete distribution's ``loc`` is always fixed (0 by default).
    n_components : int, default 1
        Number of components.
    constraints : dict, optional
        Override inferred shape constraints: name -> ``"real"``,
        ``"positive"`` or ``"unit"``.
    initial : dict, optional
        Starting values of free parameters (otherwise method of moments).
    maxiter : int, optional
        L-BFGS-B iterations per component, feature and M-step (default 200).

    Returns
    -------
    ScipyFamily
        Parameters: the shapes, ``loc`` and (continuous) ``scale``, each over
        ``(component, feature)``; ``n_params`` counts the free ones.

    Raises
    ------
    TypeError
        If ``dist`` is not a univariate scipy.stats distribution (or is frozen).
    ValueError
        For a multivariate distribution, unknown names in ``fixed``,
        ``constraints`` or ``initial``, or an integer shape left free.

    Notes
    -----
    The M-step is numeric and keeps the data (memory O(n)); see
    :mod:`emkit.components.numeric`. Saved fits store the distribution by
    its scipy.stats name.

    Examples
    --------
    >>> import numpy as np, scipy.stats, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.weibull(2.0, 600) * 2.0, rng.weibull(6.0, 600) * 10.0])[:, None]
    >>> model = em.Mixture(em.from_scipy(scipy.stats.weibull_min, fixed={"loc": 0}), n_components=2)
    >>> fit = model.fit(x, random_state=0, max_iter=200)
    >>> np.sort(fit.params.c.values.ravel()).round(0).tolist()
    [2.0, 6.0]
    >>> em.from_scipy(scipy.stats.gamma, fixed={"shape": 1.0})
    Traceback (most recent call last):
    ...
    ValueError: fixed names unknown parameter(s) ['shape'] of gamma; its parameters are ['a', 'loc', 'scale']
    """
    return ScipyFamily(n_components, dist=dist, fixed=fixed, constraints=constraints, initial=initial, maxiter=maxiter)

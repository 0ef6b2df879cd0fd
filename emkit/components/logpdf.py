"""A component family from a user's log-density: the numeric M-step for any density.

``em.from_logpdf(logpdf, params={"loc": ("real", 0.0), "scale": ("positive", 1.0)})``
declares components whose log-density is ``logpdf(x, loc=..., scale=...)``,
one set of parameters per component and feature (features are independent).
The M-step maximises the weighted log-likelihood numerically
(:mod:`emkit.components.numeric`).

Saved fits
----------
A Python function cannot be rebuilt from a file: a saved fit of this family
records the parameter declaration but loading it raises a ``ValueError``.
Declare the family again with the same ``from_logpdf(...)`` call and give
the saved parameters to it (``FiniteMixture.from_dataset`` or
``Mixture.fit(X, init=saved_params)``).

Examples
--------
>>> import numpy as np, emkit as em
>>> def laplace(x, loc, scale):
...     return -np.log(2 * scale) - np.abs(x - loc) / scale
>>> family = em.from_logpdf(laplace, params={"loc": ("real", 0.0), "scale": ("positive", 1.0)}, name="laplace")
>>> x = np.random.default_rng(0).laplace(3.0, 2.0, size=(3000, 1))
>>> fit = em.Mixture(family).fit(x, random_state=0)
>>> round(float(fit.params["loc"][0, 0]), 1), round(float(fit.params["scale"][0, 0]), 1)
(3.0, 2.0)
"""

from __future__ import annotations

import numpy as np

from .numeric import NumericFamily, check_constraint
from .registry import register_family


def _declaration(params) -> dict:
    if not isinstance(params, dict) or not params:
        raise TypeError('params must be a non-empty dict: {"name": ("real" | "positive" | "unit", initial_value)}')
    out = {}
    for name, entry in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"parameter names must be Python identifiers, got {name!r}")
        try:
            constraint, initial = entry
            initial = float(initial)
        except (TypeError, ValueError):
            raise TypeError(f"parameter {name!r}: expected (constraint, initial_value), got {entry!r}") from None
        check_constraint(name, constraint)
        from .numeric import satisfies

        if not satisfies(initial, constraint):
            raise ValueError(f"parameter {name!r}: initial value {initial} is not {constraint}")
        out[name] = [constraint, initial]
    return out


@register_family
class LogpdfFamily(NumericFamily):
    """Components with a user-given vectorised log-density; build with :func:`from_logpdf`.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> fam = em.from_logpdf(lambda x, rate: np.log(rate) - rate * x, params={"rate": ("positive", 1.0)})
    >>> fam.free, fam.spec()
    ({'rate': 'positive'}, {'kind': 'logpdf', 'n_components': 1, 'name': 'logpdf', 'parameters': {'rate': ['positive', 1.0]}})
    """

    kind = "logpdf"

    def __init__(self, n_components: int = 1, *, params=None, logpdf=None, parameters=None, name="logpdf",
                 maxiter=None, sampler=None):
        if not callable(logpdf):
            raise TypeError(f"logpdf must be a callable logpdf(x, **params), not {type(logpdf).__name__}")
        if sampler is not None and not callable(sampler):
            raise TypeError(f"sampler must be a callable sampler(rng, **params), not {type(sampler).__name__}")
        parameters = _declaration(parameters)
        self.free = {n: c for n, (c, _) in parameters.items()}
        self.fixed = {}
        self._logpdf = logpdf
        options = {"logpdf": logpdf, "parameters": parameters, "name": str(name), "sampler": sampler}
        if maxiter is not None:
            options["maxiter"] = int(maxiter)
        super().__init__(n_components, params=params, **options)
        self.label = str(name)

    def __repr__(self):
        return f"LogpdfFamily(n_components={self.n_components}, name={self.options['name']!r}, parameters={self.options['parameters']!r})"

    def logpdf(self, x, **params):
        """The user's log-density.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> def expo(x, rate):
        ...     return np.log(rate) - rate * x
        >>> fam = em.from_logpdf(expo, params={"rate": ("positive", 2.0)})
        >>> fam.logpdf(np.array([0.0, 1.0]), rate=2.0).round(4).tolist()
        [0.6931, -1.3069]

        A function that does not work elementwise is named in a ``TypeError``:

        >>> summed = em.from_logpdf(lambda x, rate: expo(x, rate).sum(), params={"rate": ("positive", 2.0)})
        >>> summed.logpdf(np.array([0.0, 1.0]), rate=2.0)
        Traceback (most recent call last):
        ...
        TypeError: the from_logpdf function '<lambda>' returned shape (), expected (2,): the broadcast shape of x and its parameters (it must work elementwise, like a numpy ufunc)
        """
        out = np.asarray(self._logpdf(x, **params), dtype=float)
        expected = np.broadcast_shapes(np.shape(x), *(np.shape(value) for value in params.values()))
        if out.shape != expected:
            name = getattr(self._logpdf, "__name__", type(self._logpdf).__name__)
            raise TypeError(
                f"the from_logpdf function {name!r} returned shape {out.shape}, expected {expected}: the "
                "broadcast shape of x and its parameters (it must work elementwise, like a numpy ufunc)"
            )
        return out

    def start_values(self, x, w):
        """The declared initial values.

        The data ``x`` and weights ``w`` are not used.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> def expo(x, rate):
        ...     return np.log(rate) - rate * x
        >>> fam = em.from_logpdf(expo, params={"rate": ("positive", 2.0)})
        >>> fam.start_values(np.array([1.0, 3.0]), np.ones(2))
        {'rate': 2.0}
        """
        return {n: float(initial) for n, (_, initial) in self.options["parameters"].items()}

    def sample(self, component, rng):
        """Draws from the user's ``sampler(rng, **params)`` with each row's parameters.

        Each parameter is passed as an array of shape (n, d), one row per draw;
        the sampler returns (n, d) draws. Without a sampler a log-density
        alone does not say how to draw, and this raises ``NotImplementedError``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> def expo(x, rate):
        ...     return np.log(rate) - rate * x
        >>> def draw(rng, rate):
        ...     return rng.exponential(1 / rate)
        >>> fam = em.from_logpdf(expo, params={"rate": ("positive", 1.0)}, n_components=2, sampler=draw)
        >>> fitted = fam.with_params(rate=[[0.5], [100.0]])
        >>> fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0)).shape
        (3, 1)
        >>> no_sampler = em.from_logpdf(expo, params={"rate": ("positive", 1.0)}, name="expo")
        >>> no_sampler.with_params(rate=[[0.5]]).sample(np.array([0]), np.random.default_rng(0))
        Traceback (most recent call last):
        ...
        NotImplementedError: the 'expo' family has no sampler: pass from_logpdf(..., sampler=f) with f(rng, **params) returning draws
        """
        sampler = self.options["sampler"]
        if sampler is None:
            raise NotImplementedError(
                f"the {self.label!r} family has no sampler: pass from_logpdf(..., sampler=f) "
                "with f(rng, **params) returning draws"
            )
        component = np.asarray(component, dtype=int)
        return np.asarray(sampler(rng, **{n: self.params[n][component] for n in self.free}), dtype=float)

    def spec(self):
        """The declaration without the function (which cannot be saved).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> def expo(x, rate):
        ...     return np.log(rate) - rate * x
        >>> em.from_logpdf(expo, params={"rate": ("positive", 2.0)}, name="expo").spec()
        {'kind': 'logpdf', 'n_components': 1, 'name': 'expo', 'parameters': {'rate': ['positive', 2.0]}}
        """
        return {
            "kind": self.kind, "n_components": self.n_components, "name": self.options["name"],
            "parameters": self.options["parameters"],
        }

    @classmethod
    def from_spec(cls, spec):
        """Always raises: the Python function is not in the saved description.

        Raises
        ------
        ValueError
            Always; declare the family again with :func:`from_logpdf`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> def expo(x, rate):
        ...     return np.log(rate) - rate * x
        >>> fam = em.from_logpdf(expo, params={"rate": ("positive", 2.0)}, name="expo")
        >>> type(fam).from_spec(fam.spec())
        Traceback (most recent call last):
        ...
        ValueError: the saved model uses the user log-density 'expo' (from_logpdf), which cannot be rebuilt from a file; declare it again with em.from_logpdf(...) and pass the saved parameters (fit.params) as init= or to FiniteMixture.from_dataset
        """
        raise ValueError(
            f"the saved model uses the user log-density {spec.get('name')!r} (from_logpdf), which cannot be "
            "rebuilt from a file; declare it again with em.from_logpdf(...) and pass the saved parameters "
            "(fit.params) as init= or to FiniteMixture.from_dataset"
        )


def from_logpdf(logpdf, params: dict, n_components: int = 1, name: str = "logpdf", *,
                maxiter: int | None = None, sampler=None) -> LogpdfFamily:
    """A component family from a vectorised univariate log-density.

    Parameters
    ----------
    logpdf : callable
        ``logpdf(x, **params)``: the log-density at ``x`` elementwise,
        broadcasting like a numpy ufunc (it is called with ``x`` of shape
        ``(n, 1, d)`` and parameters of shape ``(1, K, d)``, and with 1-D
        ``x`` and scalar parameters in the M-step). Return ``-inf`` outside
        the support.
    params : dict
        ``{"name": (constraint, initial_value)}`` with constraint
        ``"real"``, ``"positive"`` or ``"unit"`` (0 < value < 1).
    n_components : int, default 1
        Number of components.
    name : str, default "logpdf"
        Name used in summaries and saved descriptions.
    maxiter : int, optional
        L-BFGS-B iterations per component, feature and M-step (default 200).
    sampler : callable, optional
        ``sampler(rng, **params)`` returning draws, each parameter an (n, d)
        array; without it the family cannot sample (``fit.sample`` raises).

    Returns
    -------
    LogpdfFamily

    Notes
    -----
    Each feature gets its own parameters; ``n_params`` is parameters x
    features x components. Fits can be saved but not reloaded (see the
    module notes). Sampling needs ``sampler``.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> fam = em.from_logpdf(lambda x, rate: np.log(rate) - rate * x, params={"rate": ("positive", 1.0)})
    >>> x = np.array([[1.0], [3.0]])
    >>> fam.m_step(fam.stats(x, np.ones((2, 1)))).params["rate"].round(6).tolist()
    [[0.5]]
    """
    return LogpdfFamily(n_components, logpdf=logpdf, parameters=params, name=name, maxiter=maxiter, sampler=sampler)

"""Mixtures of linear regressions with Gaussian errors (flexmix's ``FLXMRglm(family="gaussian")``).

Component k models a response column ``y`` given feature columns ``x`` as::

    y_i = z_i' beta_k + e_i,   e_i ~ N(0, sigma_k^2),   z_i = (1, x_i)  (or x_i without intercept)

so ``log f_k(y_i | x_i) = -log(2 pi sigma_k^2) / 2 - (y_i - z_i' beta_k)^2 / (2 sigma_k^2)``.
The family sees the whole data matrix and picks its columns; column names are
resolved against the data's feature names by :meth:`Regression.bind`.

Statistics: the square-root information form
-------------------------------------------------
Weighted least squares needs ``Z'WZ``, ``Z'Wy`` and ``y'Wy`` per component.
Rather than these raw cross-products, the statistics hold, per component, the
upper-triangular factor ``R_k`` (positive diagonal) of the QR decomposition of
``sqrt(r_k) * [Z, y]`` (rows weighted by the square roots of the
responsibilities), plus ``n_k = sum_i r_ik``. ``R_k' R_k`` equals the
weighted cross-product matrix of ``[Z, y]``, so ``R_k`` is a sufficient
statistic; two chunks combine by re-triangularising the stacked factors,
``R = qr([R_a; R_b])``, which is associative and commutative up to rounding
(the positive-diagonal factor of a full-rank Gram matrix is unique). This is
the bounded-memory updating regression of Miller (1992, AS 274), used by R's
``biglm``.

Why this is safe: with ``R = [[R_zz, r_zy], [0, rho]]``,

* ``beta_k`` solves the triangular system ``R_zz beta = r_zy`` (no normal
  equations, so the conditioning of ``Z`` is not squared: a large offset in a
  feature costs ``cond(Z)`` digits, not ``cond(Z)^2``);
* the weighted residual sum of squares is ``rho^2``, produced by orthogonal
  transformations; it is never formed as ``y'Wy - beta'Z'Wy``, the difference
  that cancels catastrophically when the fit is good or ``y`` has a large
  mean.

M-step: ``beta_k = argmin sum_i r_ik (y_i - z_i' beta)^2`` and
``sigma_k^2 = RSS_k / n_k + reg_var``. A component whose design is rank
deficient gets the minimum-norm least-squares solution.

References
----------
Miller, A. J. (1992). Algorithm AS 274: Least squares routines to supplement
those of Gentleman. Applied Statistics 41(2), 458-478.
Leisch, F. (2004). FlexMix: a general framework for finite mixture models and
latent class regression in R. Journal of Statistical Software 11(8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.linalg import solve_triangular

from .._input import close_match_hint
from .base import collapsed_variances, pooled_variance, too_few_observations, with_collapsed_spread
from .parametric import check_finite_parameter, check_n_components
from .registry import register_family

DEFAULT_REG_VAR = 1e-6
_LOG_2PI = float(np.log(2.0 * np.pi))


def _positive_diagonal(r: np.ndarray) -> np.ndarray:
    """Flip row signs of stacked triangular factors (..., q, q) so diagonals are >= 0."""
    sign = np.where(np.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)
    return r * sign[..., :, None]


def triangular_factor(a: np.ndarray) -> np.ndarray:
    """The (q, q) upper-triangular factor (positive diagonal) of stacked matrices ``a`` (..., m, q).

    Rows beyond ``m`` are zero when ``m < q``, so ``R' R == a' a`` always.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.regression import triangular_factor
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> r = triangular_factor(a)
    >>> bool(np.allclose(r.T @ r, a.T @ a)), bool(np.all(np.diag(r) >= 0))
    (True, True)
    >>> triangular_factor(a[:1]).tolist()
    [[1.0, 2.0], [0.0, 0.0]]
    """
    m, q = a.shape[-2:]
    if m == 0:
        return np.zeros(a.shape[:-2] + (q, q))
    r = np.linalg.qr(a, mode="r")
    if m < q:
        pad = np.zeros(a.shape[:-2] + (q - m, q))
        r = np.concatenate([r, pad], axis=-2)
    return _positive_diagonal(r)


@dataclass(frozen=True)
class RegressionStats:
    """Per-component weight and triangular factor of ``sqrt(r_k) [Z, y]``.

    Attributes
    ----------
    weight : ndarray of shape (K,)
        ``n_k = sum_i r_ik``.
    factor : ndarray of shape (K, q, q)
        Upper-triangular ``R_k`` with ``R_k' R_k = [Z, y]' diag(r_k) [Z, y]``;
        ``q`` is the number of regression terms plus one (the response).

    Examples
    --------
    Two chunks combine into the statistics of the whole:

    >>> import numpy as np
    >>> from emkit.components.regression import Regression
    >>> data = np.array([[0.0, 1.0], [1.0, 3.1], [2.0, 4.9], [3.0, 7.0]])
    >>> fam = Regression(target=1, features=[0])
    >>> r = np.ones((4, 1))
    >>> whole = fam.stats(data, r)
    >>> parts = fam.stats(data[:1], r[:1]) + fam.stats(data[1:], r[1:])
    >>> bool(np.allclose(parts.factor, whole.factor)), parts.weight.tolist()
    (True, [4.0])
    """

    weight: np.ndarray
    factor: np.ndarray

    def __add__(self, other: "RegressionStats") -> "RegressionStats":
        if not isinstance(other, RegressionStats):
            return NotImplemented
        stacked = np.concatenate([self.factor, other.factor], axis=-2)
        return RegressionStats(self.weight + other.weight, triangular_factor(stacked))

    def __mul__(self, factor: float) -> "RegressionStats":
        """Weights multiplied by ``factor``: the triangular factor scales by ``sqrt(factor)``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.regression import RegressionStats
        >>> s = RegressionStats(np.array([4.0]), np.array([[[2.0]]])) * 0.25
        >>> s.weight.tolist(), s.factor.tolist()
        ([1.0], [[[1.0]]])
        """
        return RegressionStats(self.weight * factor, self.factor * np.sqrt(factor))

    __rmul__ = __mul__

    def empty(self, relative: float = np.finfo(float).eps) -> np.ndarray:
        """Components whose weight is numerically zero (they keep their parameters).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.regression import RegressionStats
        >>> RegressionStats(np.array([3.0, 0.0]), np.zeros((2, 3, 3))).empty().tolist()
        [False, True]
        """
        return self.weight <= relative * self.weight.sum()


def solve_factor(factor: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares coefficients and residual sum of squares from one ``R = [[R_zz, r_zy], [0, rho]]``.

    ``beta`` solves ``R_zz beta = r_zy`` (minimum-norm least squares if
    ``R_zz`` is numerically singular); ``RSS = rho^2 + |R_zz beta - r_zy|^2``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.regression import solve_factor, triangular_factor
    >>> z = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([1.0, 2.0, 4.0])
    >>> beta, rss = solve_factor(triangular_factor(np.column_stack([z, y])))
    >>> beta.round(6).tolist(), round(rss, 6)
    ([0.833333, 1.5], 0.166667)
    """
    p = factor.shape[0] - 1
    r_zz, r_zy, rho = factor[:p, :p], factor[:p, p], factor[p, p]
    diag = np.abs(np.diag(r_zz))
    if p and diag.min() > max(p, 1) * np.finfo(float).eps * max(diag.max(), np.finfo(float).tiny):
        beta = solve_triangular(r_zz, r_zy, lower=False)
        return beta, float(rho * rho)
    beta = np.linalg.lstsq(r_zz, r_zy, rcond=None)[0] if p else np.zeros(0)
    resid = r_zz @ beta - r_zy
    return beta, float(rho * rho + resid @ resid)


@register_family
class Regression:
    """Mixture-of-regressions components: ``y | x ~ N(z' beta_k, sigma_k^2)``, ``z = (1, x)``.

    Parameters
    ----------
    target : str or int
        The response column: a name of the data's features (DataFrame
        column), or for numpy input an integer column position.
    features : list of str or int, optional
        The regressor columns; by default every column but the target. Given
        by name, the target and the features are the only columns a fit reads
        (:attr:`used_columns`): other columns of the data are ignored.
    intercept : bool, default True
        Include a constant term.
    n_components : int, default 1
        Number of regression components.
    reg_var : float, default 1e-6
        Added to every residual variance in the M-step (squared response
        units), so a component fitting a few points exactly keeps a positive
        variance.

    Notes
    -----
    Parameters: ``coefficients(component, term)`` with terms
    ``["intercept", *features]`` (labels as strings), ``sigma(component)``,
    the residual standard deviation, and ``column_role(component, feature)``
    (0 unused, 1 regressor, 2 response; bookkeeping, not estimated). ``n_params() = K (p + 1)`` with ``p``
    terms.

    The components model ``y`` *given* ``x``: the mixture density is a
    conditional density, and the log-likelihood is the conditional
    log-likelihood ``sum_i log sum_k w_k f_k(y_i | x_i)`` (flexmix's). The
    features carry no distribution, so ``FitResult.sample`` cannot draw whole
    rows and :meth:`sample` raises a ``TypeError``; :meth:`simulate` draws
    responses for given features, and ``FitResult.sample(given=X)`` for the
    rows of ``X``. ``FitResult.predict_response`` gives the conditional mean
    of the response (each component's is :meth:`conditional_mean`).

    Statistics are triangular factors of the weighted design (see the module
    documentation for why they are numerically safe).

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 10, 600); line = rng.integers(0, 2, 600)
    >>> y = np.where(line == 0, 1.0 + 2.0 * x, 8.0 - 1.0 * x) + rng.normal(0, 0.5, 600)
    >>> data = pd.DataFrame({"x": x, "y": y})
    >>> fit = em.Mixture(em.Regression("y", ["x"]), n_components=2).fit(data, n_init=5, random_state=0)
    >>> coef = fit.params.coefficients.values
    >>> sorted(coef[:, 1].round(1).tolist())
    [-1.0, 2.0]
    >>> fit.params.coefficients.coords["term"].values.tolist()
    ['intercept', 'x']
    """

    kind = "regression"
    label = "regression"

    def __init__(
        self,
        target,
        features=None,
        *,
        intercept: bool = True,
        n_components: int = 1,
        reg_var: float = DEFAULT_REG_VAR,
        params: dict | None = None,
        columns: tuple | None = None,
    ):
        self.target = _column_ref(target, "target")
        if features is not None:
            if isinstance(features, (str, int, np.integer)):
                features = [features]
            features = [_column_ref(f, "feature") for f in features]
            if self.target in features:
                raise ValueError(f"the target {self.target!r} is also listed among the features")
            if len(set(features)) != len(features):
                raise ValueError(f"features are repeated: {features}")
        self.features = features
        self.intercept = bool(intercept)
        self.n_components = check_n_components(n_components)
        reg_var = float(reg_var)
        if not np.isfinite(reg_var) or reg_var < 0:
            raise ValueError(f"reg_var must be a finite non-negative number, got {reg_var}")
        self.reg_var = reg_var
        self.params = None if params is None else {k: np.asarray(v, dtype=float) for k, v in params.items()}
        #: (target index, feature indices, feature labels) once bound to data.
        self._columns = columns

    # -- declaration -----------------------------------------------------------------
    @property
    def options(self) -> dict:
        """The settings saved with a fit."""
        return {"target": self.target, "features": self.features, "intercept": self.intercept, "reg_var": self.reg_var}

    def __repr__(self) -> str:
        return (
            f"Regression(target={self.target!r}, features={self.features!r}, intercept={self.intercept}, "
            f"n_components={self.n_components}, reg_var={self.reg_var!r})"
        )

    def describe(self) -> str:
        """A short description for summaries.

        Examples
        --------
        >>> import emkit as em
        >>> em.Regression("y", ["x"], n_components=2).describe()
        '2 linear regression components (y ~ x)'
        """
        plural = "s" if self.n_components > 1 else ""
        rhs = " + ".join(map(str, self.features)) if self.features is not None else "."
        return f"{self.n_components} linear regression component{plural} ({self.target} ~ {rhs})"

    @property
    def is_fitted(self) -> bool:
        """Whether the family holds parameters."""
        return self.params is not None

    def _copy(self, n_components=None, params=None, columns=None) -> "Regression":
        return Regression(
            self.target, self.features, intercept=self.intercept,
            n_components=self.n_components if n_components is None else n_components,
            reg_var=self.reg_var, params=params, columns=columns,
        )

    def with_params(self, **params) -> "Regression":
        """A fitted copy holding ``coefficients`` (K, p) and ``sigma`` (K,).

        The column binding is kept.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.with_params(coefficients=[[1.0, 2.0], [8.0, -1.0]], sigma=[1.0, 0.5])
        >>> fitted.is_fitted, fitted.columns
        (True, (1, (0,), ('x',)))
        """
        return self._copy(params=params, columns=self._columns)

    def with_components(self, n_components: int) -> "Regression":
        """An unfitted copy with ``n_components`` components.

        The column binding is kept, the parameters dropped.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.m_step(fam.stats(data, resp))
        >>> copy = fitted.with_components(3)
        >>> copy.n_components, copy.is_fitted, copy.columns
        (3, False, (1, (0,), ('x',)))
        """
        return self._copy(n_components=check_n_components(n_components), columns=self._columns)

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy.

        Examples
        --------
        >>> import emkit as em
        >>> em.Regression("y", ["x"], n_components=2).spec()
        {'kind': 'regression', 'n_components': 2, 'target': 'y', 'features': ['x'], 'intercept': True, 'reg_var': 1e-06}
        """
        return {"kind": self.kind, "n_components": self.n_components, **self.options}

    @classmethod
    def from_spec(cls, spec: dict) -> "Regression":
        """Inverse of :meth:`spec`.

        Examples
        --------
        >>> import emkit as em
        >>> em.Regression.from_spec({"kind": "regression", "n_components": 2, "target": "y", "features": ["x"]})
        Regression(target='y', features=['x'], intercept=True, n_components=2, reg_var=1e-06)
        """
        return cls(
            spec["target"], spec.get("features"), intercept=spec.get("intercept", True),
            n_components=spec["n_components"], reg_var=spec.get("reg_var", DEFAULT_REG_VAR),
        )

    # -- columns -----------------------------------------------------------------------
    def bind(self, features) -> "Regression":
        """An unfitted copy whose target and features are resolved to column indices of the data.

        Parameters
        ----------
        features : ndarray of shape (d,)
            The data's feature coordinate (DataFrame column names, or
            ``0 .. d - 1`` for numpy input).

        Raises
        ------
        ValueError
            If the target or a feature is not a column of the data, or no
            regression term remains.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Regression("y", ["x2"]).bind(np.array(["x1", "x2", "y"]))
        >>> fam.columns
        (2, (1,), ('x2',))
        >>> em.Regression("y", ["z"]).bind(np.array(["x", "y"]))
        Traceback (most recent call last):
        ...
        ValueError: regression feature 'z' is not a column of the data; columns are ['x', 'y']
        """
        return self._copy(columns=self._resolve(list(np.asarray(features).tolist())))

    def _resolve(self, names: list) -> tuple:
        def index(ref, role):
            for j, name in enumerate(names):
                if name == ref or str(name) == str(ref):
                    return j
            raise ValueError(
                f"regression {role} {ref!r} is not a column of the data{close_match_hint(ref, names)}; "
                f"columns are {names}"
            )

        target = index(self.target, "target")
        if self.features is None:
            cols = [j for j in range(len(names)) if j != target]
        else:
            cols = [index(f, "feature") for f in self.features]
        if not cols and not self.intercept:
            raise ValueError("a regression needs at least one term: give features or keep the intercept")
        return target, tuple(cols), tuple(str(names[j]) for j in cols)

    @property
    def used_columns(self) -> tuple | None:
        """The target and features a fit reads, or None (every column) if the features are not given.

        Examples
        --------
        >>> import emkit as em
        >>> em.Regression("y", ["x1", "x2"]).used_columns, em.Regression("y").used_columns
        (('y', 'x1', 'x2'), None)
        """
        return None if self.features is None else (self.target, *self.features)

    @property
    def columns(self) -> tuple | None:
        """``(target index, feature indices, feature labels)`` once bound, else None."""
        return self._columns

    def _bound(self, d: int) -> tuple:
        if self._columns is not None:
            return self._columns
        refs = [self.target] + list(self.features or [])
        if all(isinstance(r, int) for r in refs):  # numpy positions work without bind
            return self._resolve(list(range(d)))
        raise ValueError("Regression refers to columns by name: call bind(features) with the data's column names first")

    @property
    def terms(self) -> list[str]:
        """Term labels ``["intercept", *features]`` (needs the family to be bound or to use positions)."""
        if self._columns is None:
            feats = [str(f) for f in self.features] if self.features is not None else None
            if feats is None:
                raise ValueError("the terms are known once the family is bound to data")
        else:
            feats = list(self._columns[2])
        return (["intercept"] if self.intercept else []) + feats

    def _terms(self, covariates: np.ndarray) -> np.ndarray:
        """The design matrix ``Z`` (n, p): a column of ones (with an intercept), then the covariates."""
        if not self.intercept:
            return covariates
        return np.concatenate([np.ones((len(covariates), 1)), covariates], axis=1)

    def _design(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Z, y)``: the design matrix (n, p) and the response (n,)."""
        target, cols, _ = self._bound(x.shape[1])
        return self._terms(x[:, list(cols)]), x[:, target]

    def check_data(self, x: np.ndarray) -> None:
        """Raise a ``ValueError`` if there are fewer rows to fit than regression terms per component.

        A regression with ``p`` terms needs at least ``p + 1`` rows to be
        fitted; a fitted one evaluates any number of rows.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fam.check_data(data)
        >>> fam.check_data(data[:2])
        Traceback (most recent call last):
        ...
        ValueError: a regression with 2 terms needs at least 3 observations, got 2
        """
        p = len(self._bound(x.shape[1])[1]) + self.intercept
        if len(x) < p + 1 and not self.is_fitted:
            raise ValueError(
                f"a regression with {p} terms needs at least {p + 1} observations, got {len(x)}"
            )

    def working_floats_per_row(self, n_features: int) -> int:
        """E-step temporaries per observation: the weighted design of every component.

        ``K (p + 3) + p + 1`` floats for ``p`` terms.

        Examples
        --------
        Two components with an intercept and one feature (``p = 2``):

        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fam.working_floats_per_row(2)
        13
        """
        p = (len(self.features) if self.features is not None else n_features - 1) + self.intercept
        return self.n_components * (p + 3) + p + 1

    # -- maths -------------------------------------------------------------------------
    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """``-log(2 pi sigma_k^2) / 2 - (y_i - z_i' beta_k)^2 / (2 sigma_k^2)``, shape (n, K).

        Examples
        --------
        The lines ``y = 1 + 2 x`` (``sigma = 1``) and ``y = 8 - x``
        (``sigma = 0.5``) at ``x = 1, y = 3``, on the first line:

        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.with_params(coefficients=[[1.0, 2.0], [8.0, -1.0]], sigma=[1.0, 0.5])
        >>> fitted.log_prob(np.array([[1.0, 3.0]])).round(4).tolist()
        [[-0.9189, -32.2258]]
        """
        z, y = self._design(x)
        resid = y[:, None] - z @ self.params["coefficients"].T
        var = np.square(self.params["sigma"])
        return -0.5 * (_LOG_2PI + np.log(var))[None, :] - 0.5 * np.square(resid) / var[None, :]

    def conditional_mean(self, x: np.ndarray) -> np.ndarray:
        """Each component's mean response given the covariates, ``z_i' beta_k``, shape (n, K).

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Whole data rows, as for :meth:`log_prob`; the target column is
            not read (it may hold NaN: rows of covariates only).

        Examples
        --------
        The lines ``y = 1 + 2 x`` and ``y = 8 - x`` at ``x = 0`` and ``x = 2``:

        >>> import numpy as np, emkit as em
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.with_params(coefficients=[[1.0, 2.0], [8.0, -1.0]], sigma=[1.0, 0.5])
        >>> fitted.conditional_mean(np.array([[0.0, np.nan], [2.0, np.nan]])).tolist()
        [[1.0, 8.0], [5.0, 6.0]]
        """
        _, cols, _ = self._bound(x.shape[1])
        return self._terms(x[:, list(cols)]) @ self.params["coefficients"].T

    def stats(self, x: np.ndarray, resp: np.ndarray) -> RegressionStats:
        """``n_k`` and the triangular factor of ``sqrt(r_k) [Z, y]`` per component.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> s = fam.stats(data, resp)
        >>> s.weight.tolist(), s.factor.shape
        ([3.0, 3.0], (2, 3, 3))
        >>> z = np.column_stack([np.ones(3), data[:3]])  # intercept, x, y of component 0
        >>> bool(np.allclose(s.factor[0].T @ s.factor[0], z.T @ z))
        True
        """
        z, y = self._design(x)
        zy = np.concatenate([z, y[:, None]], axis=1)  # (n, q)
        weighted = np.sqrt(resp.T)[:, :, None] * zy[None, :, :]  # (K, n, q)
        return RegressionStats(resp.sum(axis=0), triangular_factor(weighted))

    def m_step(self, stats: RegressionStats) -> "Regression":
        """Weighted least squares per component; ``sigma_k^2 = RSS_k / n_k + reg_var``.

        Raises
        ------
        DegenerateComponentError
            If a component fits its rows exactly and ``reg_var`` is 0.

        Examples
        --------
        Component 0's rows lie on ``y = 1 + 2 x``, so its ``sigma`` is
        ``sqrt(reg_var)``:

        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.m_step(fam.stats(data, resp))
        >>> fitted.params["coefficients"].round(6).tolist()
        [[1.0, 2.0], [8.166667, -1.0]]
        >>> fitted.params["sigma"].round(6).tolist()
        [0.001, 0.235704]
        """
        K, q = stats.factor.shape[:2]
        coef = np.empty((K, q - 1))
        var = np.empty(K)
        empty = stats.empty()
        for k in range(K):
            if empty[k]:
                coef[k], var[k] = 0.0, 1.0
                continue
            coef[k], rss = solve_factor(stats.factor[k])
            var[k] = max(rss, 0.0) / stats.weight[k] + self.reg_var
        if np.any(var <= 0):
            k = int(np.flatnonzero(var <= 0)[0])
            from ..exceptions import DegenerateComponentError

            raise DegenerateComponentError(
                f"regression component {k} fits its observations exactly (zero residual variance); "
                "set reg_var > 0"
            )
        sigma = np.sqrt(var)
        if empty.any() and self.params is not None:
            coef[empty] = self.params["coefficients"][empty]
            sigma[empty] = self.params["sigma"][empty]
        return self.with_params(coefficients=coef, sigma=sigma)

    def free_parameters(self) -> np.ndarray:
        """Coefficients, then residual standard deviations, as one vector.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Regression(target=1, features=[0]).with_params(
        ...     coefficients=np.array([[1.0, 2.0]]), sigma=np.array([0.5]))
        >>> fam.free_parameters().tolist()
        [1.0, 2.0, 0.5]
        """
        return np.concatenate([self.params["coefficients"].ravel(), self.params["sigma"].ravel()])

    def with_free_parameters(self, vector: np.ndarray) -> "Regression":
        """A fitted copy holding ``vector`` (inverse of :meth:`free_parameters`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Regression(target=1, features=[0]).with_params(
        ...     coefficients=np.array([[1.0, 2.0]]), sigma=np.array([0.5]))
        >>> fam.with_free_parameters(np.array([0.0, 3.0, 1.0])).params["coefficients"].tolist()
        [[0.0, 3.0]]
        """
        coef = self.params["coefficients"]
        return self.with_params(
            coefficients=np.asarray(vector[: coef.size], dtype=float).reshape(coef.shape),
            sigma=np.asarray(vector[coef.size:], dtype=float),
        )

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of :meth:`free_parameters`: coefficients are unbounded, standard deviations positive.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Regression(target=1, features=[0]).with_params(
        ...     coefficients=np.array([[1.0, 2.0]]), sigma=np.array([0.5]))
        >>> [bound.tolist() for bound in fam.free_parameter_bounds()]
        [[-inf, -inf, 0.0], [inf, inf, inf]]
        """
        n_coef, n_sigma = self.params["coefficients"].size, self.params["sigma"].size
        return np.repeat([-np.inf, 0.0], [n_coef, n_sigma]), np.full(n_coef + n_sigma, np.inf)

    def n_params(self) -> int:
        """``K (p + 1)``: p coefficients and one residual variance per component.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.m_step(fam.stats(data, resp))
        >>> fitted.n_params()
        6
        """
        return int(self.params["coefficients"].size + self.params["sigma"].size)

    def degenerate_components(self, counts: np.ndarray) -> dict[int, str]:
        """Components fitting too few observations, or whose residual spread has collapsed.

        Besides the count rule of every family, counting one value per row
        (the response; the covariates are given, not modelled: a component
        with ``p`` coefficients and a ``sigma`` needs ``n_k >= p + 1``, on
        ``p`` points it fits exactly), component k is degenerate when its
        residual variance from the data, ``sigma_k^2 - reg_var``, is below
        ``(1e-3)^2`` times the pooled residual variance
        ``sum_k w_k sigma_k^2`` (the response's spread given the features, as
        the fit sees it): its ``sigma`` is then set by ``reg_var``, and its
        likelihood grows without bound as ``reg_var`` shrinks.

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
        Component 0's three rows lie on a line, so its ``sigma`` is
        ``sqrt(reg_var)``:

        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.m_step(fam.stats(data, np.repeat(np.eye(2), 3, axis=0)))
        >>> fitted.degenerate_components(np.array([3.0, 3.0]))
        {0: "spread of the residuals is below 0.001 of the data's"}
        """
        variance = np.square(self.params["sigma"])[:, None]
        reference = pooled_variance(counts, np.zeros_like(variance), variance)
        collapsed = collapsed_variances(variance - self.reg_var, reference)
        return with_collapsed_spread(too_few_observations(self, counts), collapsed, "of the residuals")

    def sample(self, component, rng, given=None):
        """Rows of ``given`` with the response replaced by a draw from ``component[i]``.

        Regression components model ``y`` given ``x``, so they sample
        conditionally: ``given`` holds whole data rows (the features are
        used, the target column is overwritten). ``FitResult.sample(given=X)``
        passes them.

        Raises
        ------
        TypeError
            Without ``given``: the features cannot be drawn.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Regression(target=1, features=[0]).with_params(
        ...     coefficients=np.array([[1.0, 2.0]]), sigma=np.array([1e-9]))
        >>> fam.sample(np.array([0, 0]), np.random.default_rng(0), given=np.array([[0.0, 9.0], [1.0, 9.0]])).round(6).tolist()
        [[0.0, 1.0], [1.0, 3.0]]
        """
        if given is None:
            raise TypeError(
                "regression components model the response given the features: sample conditionally "
                "with fit.sample(given=X), whose rows supply the features"
            )
        given = np.asarray(given, dtype=float)
        target, cols, _ = self._bound(given.shape[1])
        out = given.copy()
        out[:, target] = self.simulate(given[:, list(cols)], component, rng)
        return out

    def simulate(self, x, component, rng: np.random.Generator) -> np.ndarray:
        """Draw responses ``y_i ~ N(z_i' beta_c, sigma_c^2)`` with ``c = component[i]``.

        Parameters
        ----------
        x : array-like of shape (n, p_features)
            Feature values, in the order of the family's features (no
            intercept column, no target column).
        component : int or array of int, shape (n,)
            Component of every draw.
        rng : numpy.random.Generator

        Returns
        -------
        ndarray of shape (n,)

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Regression(target=1, features=[0]).with_params(
        ...     coefficients=np.array([[1.0, 2.0]]), sigma=np.array([1e-9]))
        >>> fam.simulate(np.array([[0.0], [1.0]]), 0, np.random.default_rng(0)).round(6).tolist()
        [1.0, 3.0]
        """
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        p = self.params["coefficients"].shape[1] - self.intercept
        if x.shape[1] != p:
            raise ValueError(f"x must have {p} feature columns, got {x.shape[1]}")
        component = np.broadcast_to(np.asarray(component, dtype=int), (len(x),))
        mean = np.einsum("ij,ij->i", self._terms(x), self.params["coefficients"][component])
        return mean + self.params["sigma"][component] * rng.standard_normal(len(x))

    # -- results -------------------------------------------------------------------------
    def to_dataset(self, features) -> xr.Dataset:
        """``coefficients(component, term)``, ``sigma(component)`` and ``column_role(component, feature)``.

        ``column_role`` records how the model uses each data column (0 unused,
        1 regressor, 2 response). It keeps the data's ``feature`` coordinate in
        the parameters, so a saved fit binds its columns again when loaded; its
        attribute ``kind="metadata"`` says it is no parameter (parameter tables
        leave it out).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.m_step(fam.stats(data, resp))
        >>> params = fitted.to_dataset(np.array(["x", "y"]))
        >>> params.term.values.tolist(), params.column_role.values.tolist()
        (['intercept', 'x'], [[1.0, 2.0], [1.0, 2.0]])
        """
        features = np.asarray(features)
        role = np.zeros((self.n_components, len(features)))
        if self._columns is not None and len(features):
            role[:, list(self._columns[1])] = 1.0
            role[:, self._columns[0]] = 2.0
        return xr.Dataset(
            {
                "coefficients": (("component", "term"), self.params["coefficients"]),
                "sigma": (("component",), self.params["sigma"]),
                "column_role": (("component", "feature"), role, {"kind": "metadata"}),
            },
            coords={"term": np.array(self.terms, dtype=str), "feature": features},
        )

    def from_dataset(self, params: xr.Dataset, weights) -> "Regression":
        """A fitted copy holding ``coefficients`` and ``sigma`` from ``params``.

        Raises
        ------
        ValueError
            If a variable is missing, the terms or the number of components do
            not match, or a ``sigma`` is not positive.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> data = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [0.0, 8.0], [1.0, 7.5], [2.0, 6.0]])
        >>> resp = np.repeat(np.eye(2), 3, axis=0)
        >>> fam = em.Regression("y", ["x"], n_components=2).bind(np.array(["x", "y"]))
        >>> fitted = fam.m_step(fam.stats(data, resp))
        >>> params = fitted.to_dataset(np.array(["x", "y"]))
        >>> fam.from_dataset(params, np.array([0.5, 0.5])).params["coefficients"].round(6).tolist()
        [[1.0, 2.0], [8.166667, -1.0]]
        >>> fam.with_components(3).from_dataset(params, np.ones(3) / 3)
        Traceback (most recent call last):
        ...
        ValueError: initial parameters have 2 components, the family has 3
        """
        for name in ("coefficients", "sigma"):
            if name not in params:
                raise ValueError(f"initial parameters lack the variable {name!r}")
        coef = params["coefficients"].transpose("component", "term")
        if "term" in coef.coords and self._columns is not None:
            labels = [str(t) for t in coef.coords["term"].values]
            if labels != self.terms:
                coef = coef.sel(term=self.terms) if set(self.terms) <= set(labels) else None
                if coef is None:
                    raise ValueError(f"initial coefficients have terms {labels}, the model has {self.terms}")
        coef = check_finite_parameter("coefficients", coef.values)
        sigma = np.asarray(params["sigma"].values, dtype=float)
        if coef.shape[0] != self.n_components:
            raise ValueError(f"initial parameters have {coef.shape[0]} components, the family has {self.n_components}")
        if not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
            raise ValueError(f"initial sigma must be positive and finite, got {sigma}")
        return self.with_params(coefficients=coef, sigma=sigma)


def _column_ref(ref, role):
    if isinstance(ref, bool):
        raise TypeError(f"regression {role} must be a column name or position, not a bool")
    if isinstance(ref, (int, np.integer)):
        return int(ref)
    if isinstance(ref, str):
        return ref
    raise TypeError(f"regression {role} must be a column name (str) or position (int), not {type(ref).__name__}")

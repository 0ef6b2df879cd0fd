"""Multivariate Student-t components, batched over K components.

Log-density of component k at x (d features), with location ``mu_k``, scale
matrix ``Sigma_k`` and degrees of freedom ``nu_k``::

    log t(x | mu, Sigma, nu) = log Gamma((nu + d) / 2) - log Gamma(nu / 2) - d/2 log(nu pi)
                               - 1/2 log|Sigma| - (nu + d)/2 log(1 + delta / nu),

    delta = (x - mu)^T Sigma^{-1} (x - mu).

The t is a Gaussian scale mixture: ``x | tau ~ N(mu, Sigma / tau)`` with
``tau ~ Gamma(nu / 2, rate nu / 2)``. EM treats ``tau`` as a second hidden
variable (McLachlan & Peel 2000, ch. 7; Liu & Rubin 1995). Given the current
parameters, component k and observation i,

    u_ik = E[tau_ik | x_i, k] = (nu_k + d) / (nu_k + delta_ik),
    E[log tau_ik | x_i, k] = log u_ik + digamma((nu_k + d)/2) - log((nu_k + d)/2).

The statistics of component k (:class:`StudentTStats`) are

* ``n_k = sum_i r_ik``;
* the ``r_ik u_ik``-weighted :class:`~emkit.components.gaussian.GaussianStats`
  (weight ``sum_i r_ik u_ik``, mean ``m_k`` and centred scatter ``S_uk``), so
  chunks merge with Chan's pairwise update;
* ``s_k = sum_i r_ik (E[log tau_ik] - u_ik)``, for the degrees of freedom.

The M-step (the CM-steps of ECM) sets ``mu_k = m_k``, ``Sigma_k`` from the
covariance structure's projection of ``S_uk / n_k`` (plus ``reg_covar``; shared
structures pool ``sum_k S_uk / sum_k n_k``), and ``nu_k`` as the root of

    -digamma(nu / 2) + log(nu / 2) + 1 + s_k / n_k = 0,

which is the stationarity condition of the (concave in ``nu``) part of Q. The
left side decreases in ``nu``; the root is found by :func:`scipy.optimize.brentq`
on ``DOF_BOUNDS = (1e-2, 1e4)``. If there is no root inside the bounds (the
data of a component look Gaussian: the root is beyond ``1e4``; or extremely
heavy-tailed: below ``1e-2``), the nearer bound is taken, which is then the
maximiser of Q over the bounded range, so the step stays monotone.

Because ``u`` and ``E[log tau]`` depend on the current parameters, the statistics
are computed in the fused E-step (:meth:`StudentT.evaluate`). ``StudentT.stats``
of a *fitted* family computes the same statistics under its parameters; an
*unfitted* family (initialisation from responsibilities) has no parameters and
takes ``u = 1``, that is Gaussian statistics, and carries no information on
``nu``: the M-step then starts ``nu`` at ``dof`` if fixed, else ``INITIAL_DOF``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.optimize import brentq
from scipy.special import digamma, gammaln

from ..exceptions import DegenerateComponentError
from .base import Evaluation
from .covariance import DESCRIPTIONS, CovarianceStructure, covariance_structure
from .gaussian import DEFAULT_REG_COVAR, GaussianStats
from .parametric import check_n_components

#: Range searched for the degrees of freedom; the nearer bound is taken when
#: the estimating equation has no root inside it.
DOF_BOUNDS = (1e-2, 1e4)

#: Degrees of freedom after initialisation from responsibilities (which carry
#: no information on them) when ``dof`` is estimated.
INITIAL_DOF = 10.0


def _dof_equation(nu: float, mean_stat: float) -> float:
    """``-digamma(nu/2) + log(nu/2) + 1 + s_k / n_k``: decreasing in ``nu``."""
    half = 0.5 * nu
    return np.log(half) - digamma(half) + 1.0 + mean_stat


def solve_dof(mean_stat: float, bounds: tuple[float, float] = DOF_BOUNDS) -> float:
    """Degrees of freedom maximising Q given ``s_k / n_k``, within ``bounds``.

    Solves ``-digamma(nu/2) + log(nu/2) + 1 + mean_stat = 0`` by Brent's
    method. The left side decreases from ``+inf`` (as ``nu -> 0``) to
    ``1 + mean_stat <= 0``, and Q is concave in ``nu``, so when there is no root
    inside ``bounds`` the nearer bound is the constrained maximiser.

    Parameters
    ----------
    mean_stat : float
        ``s_k / n_k = sum_i r_ik (E[log tau_ik] - E[tau_ik]) / n_k``.
    bounds : (float, float)
        Search range for ``nu``.

    Returns
    -------
    float

    Examples
    --------
    >>> from emkit.components.student_t import _dof_equation, solve_dof
    >>> nu = solve_dof(-1.2)
    >>> bool(abs(_dof_equation(nu, -1.2)) < 1e-10)
    True
    >>> solve_dof(-1.0)  # Gaussian-looking data: no finite root, upper bound
    10000.0
    """
    lo, hi = bounds
    f_lo, f_hi = _dof_equation(lo, mean_stat), _dof_equation(hi, mean_stat)
    if f_hi >= 0:
        return float(hi)
    if f_lo <= 0:
        return float(lo)
    return float(brentq(_dof_equation, lo, hi, args=(mean_stat,), xtol=1e-12, rtol=4 * np.finfo(float).eps))


@dataclass(frozen=True)
class StudentTStats:
    """Weighted sufficient statistics of K Student-t components.

    Attributes
    ----------
    weight : ndarray (K,)
        ``n_k = sum_i r_ik``.
    scaled : GaussianStats
        Statistics with weights ``r_ik u_ik``: ``sum_i r_ik u_ik``, the
        u-weighted mean and the centred u-weighted scatter.
    dof_stat : ndarray (K,) or None
        ``s_k = sum_i r_ik (E[log tau_ik] - u_ik)``; None for statistics
        computed without parameters (then ``u = 1`` and the degrees of
        freedom are not updated). The sum with None is None.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.student_t import StudentT
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> s = StudentT("full", n_components=2).stats(x, resp)
    >>> s.weight.tolist(), s.scaled.mean.tolist(), s.dof_stat is None
    ([2.0, 2.0], [[0.5], [4.5]], True)
    """

    weight: np.ndarray
    scaled: GaussianStats
    dof_stat: np.ndarray | None

    def __add__(self, other: "StudentTStats") -> "StudentTStats":
        if not isinstance(other, StudentTStats):
            return NotImplemented
        dof_stat = None if self.dof_stat is None or other.dof_stat is None else self.dof_stat + other.dof_stat
        return StudentTStats(self.weight + other.weight, self.scaled + other.scaled, dof_stat)


class StudentT:
    """A batch of K multivariate Student-t components.

    Parameters
    ----------
    covariance : str or CovarianceStructure, default "full"
        Structure of the scale matrices ``Sigma_k`` (the covariance is
        ``nu / (nu - 2) Sigma_k`` for ``nu > 2``): any of the six structures of
        :mod:`emkit.components.covariance`.
    dof : float, optional
        Fixed degrees of freedom for every component; by default they are
        estimated, one per component.
    n_components : int, default 1
        Number of components in this batch.
    reg_covar : float, default 1e-6
        Added to every scale-matrix diagonal in the M-step.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_t(3, size=(2000, 2))
    >>> fit = em.Mixture(em.StudentT(), 1).fit(x, random_state=0)
    >>> 2 < float(fit.params.dof[0]) < 4.5
    True
    """

    kind = "student_t"

    def __init__(
        self,
        covariance: "str | CovarianceStructure" = "full",
        dof: float | None = None,
        n_components: int = 1,
        reg_covar: float = DEFAULT_REG_COVAR,
        *,
        means: np.ndarray | None = None,
        dofs: np.ndarray | None = None,
        _structure: CovarianceStructure | None = None,
    ):
        self.covariance = _structure if _structure is not None else covariance_structure(covariance)
        self.n_components = check_n_components(n_components)
        reg_covar = float(reg_covar)
        if not np.isfinite(reg_covar) or reg_covar < 0:
            raise ValueError(f"reg_covar must be a finite non-negative number, got {reg_covar}")
        self.reg_covar = reg_covar
        if dof is not None:
            dof = float(dof)
            if not np.isfinite(dof) or dof <= 0:
                raise ValueError(f"dof must be a positive finite number or None, got {dof}")
        self.fixed_dof = dof
        self.means = None if means is None else np.asarray(means, dtype=float)
        self.dof = None if dofs is None else np.asarray(dofs, dtype=float)

    def __repr__(self) -> str:
        return (
            f"StudentT(covariance={self.covariance.name!r}, dof={self.fixed_dof!r}, "
            f"n_components={self.n_components}, reg_covar={self.reg_covar:g})"
        )

    def describe(self) -> str:
        """A short description for summaries.

        Examples
        --------
        >>> import emkit as em
        >>> em.StudentT("EEE", n_components=3).describe()
        '3 Student-t components, covariance EEE (full, shared), degrees of freedom estimated'
        >>> em.StudentT("diag", dof=4).describe()
        '1 Student-t component, covariance VVI (diagonal), 4 degrees of freedom'
        """
        plural = "s" if self.n_components > 1 else ""
        name = self.covariance.name
        dof = "degrees of freedom estimated" if self.fixed_dof is None else f"{self.fixed_dof:g} degrees of freedom"
        return f"{self.n_components} Student-t component{plural}, covariance {name} ({DESCRIPTIONS[name]}), {dof}"

    @property
    def is_fitted(self) -> bool:
        """Whether the family holds parameters."""
        return self.means is not None

    @property
    def n_features(self) -> int:
        """Dimension of the data the components are fitted to."""
        return self.means.shape[1]

    def _with(self, means, structure, dofs) -> "StudentT":
        return StudentT(
            dof=self.fixed_dof,
            n_components=self.n_components,
            reg_covar=self.reg_covar,
            means=means,
            dofs=dofs,
            _structure=structure,
        )

    def with_components(self, n_components: int) -> "StudentT":
        """An unfitted copy with ``n_components`` components.

        Examples
        --------
        >>> from emkit.components.student_t import StudentT
        >>> StudentT("EII", dof=3).with_components(4)
        StudentT(covariance='EII', dof=3.0, n_components=4, reg_covar=1e-06)
        """
        return StudentT(
            dof=self.fixed_dof,
            n_components=n_components,
            reg_covar=self.reg_covar,
            _structure=self.covariance.unfitted(),
        )

    # -- the protocol ------------------------------------------------------------
    def _log_norm(self) -> np.ndarray:
        """The terms of ``log t`` that do not depend on x, shape (K,)."""
        d, nu = self.n_features, self.dof
        return (
            gammaln(0.5 * (nu + d))
            - gammaln(0.5 * nu)
            - 0.5 * d * np.log(nu * np.pi)
            - 0.5 * self.covariance.log_det(d)
        )

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """Log-density of every row of ``x`` under every component, shape (n, K).

        Examples
        --------
        >>> import numpy as np
        >>> from scipy import stats
        >>> from emkit.components.student_t import StudentT
        >>> import xarray as xr
        >>> params = xr.Dataset({"means": (("component", "feature"), [[0.0]]),
        ...     "scales": (("component", "feature", "feature2"), [[[4.0]]]), "dof": ("component", [3.0])})
        >>> family = StudentT("spherical").from_dataset(params, np.array([1.0]))
        >>> x = np.array([[0.0], [3.0]])
        >>> bool(np.allclose(family.log_prob(x)[:, 0], stats.t(3, scale=2.0).logpdf(x[:, 0])))
        True
        """
        return self.evaluate(x).log_prob

    def stats(self, x: np.ndarray, resp: np.ndarray) -> StudentTStats:
        """Weighted sufficient statistics of ``x`` given responsibilities (n, K).

        A fitted family computes the scale weights ``u`` under its parameters
        (the same as ``evaluate(x).stats(resp)``). An unfitted family has none
        and takes ``u = 1``: Gaussian statistics, without a degrees-of-freedom
        statistic; this is how EM is initialised from responsibilities.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> stats = StudentT("full", n_components=2).stats(x, resp)
        >>> stats.weight.tolist(), stats.scaled.scatter.tolist()
        ([2.0, 2.0], [[[0.5]], [[0.5]]])
        """
        if self.is_fitted:
            return self.evaluate(x).stats(resp)
        resp = np.asarray(resp, dtype=float)
        return StudentTStats(
            resp.sum(axis=0), GaussianStats.from_data(x, resp, self.covariance.scatter_kind), None
        )

    def evaluate(self, x: np.ndarray) -> Evaluation:
        """Log-densities of a chunk, and its statistics from the same Mahalanobis terms.

        The covariance structure computes ``delta_ik`` and, from the same work,
        the weighted mean and scatter for any weights; the statistics use the
        weights ``r_ik u_ik`` with ``u_ik = (nu_k + d) / (nu_k + delta_ik)``.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.

        Returns
        -------
        Evaluation
            ``log_prob`` of shape (n, K) and ``stats(resp)`` giving the chunk's
            :class:`StudentTStats`.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = StudentT("full", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> ev = fitted.evaluate(x)
        >>> ev.log_prob.shape, ev.stats(resp).dof_stat.shape
        ((4, 2), (2,))
        """
        d = self.n_features
        maha, centred = self.covariance.chunk_terms(x, self.means)  # (K, n)
        nu = self.dof[:, None]
        log1p = np.log1p(maha / nu)
        log_prob = self._log_norm()[:, None] - 0.5 * (nu + d) * log1p
        half = 0.5 * (nu + d)
        log_tau_offset = digamma(half) - np.log(half)

        def stats(resp):
            r = np.asarray(resp, dtype=float).T
            u = (nu + d) / (nu + maha)
            log_u = np.log1p(d / nu) - log1p  # log((nu + d) / nu) - log((nu + delta) / nu)
            weight, offset, scatter = centred(r * u)
            dof_stat = np.einsum("kn,kn->k", r, log_u + log_tau_offset - u)
            return StudentTStats(r.sum(axis=1), GaussianStats(weight, self.means + offset, scatter), dof_stat)

        return Evaluation(log_prob.T, stats)

    def m_step(self, stats: StudentTStats) -> "StudentT":
        """The CM-steps of ECM: location, scale matrix, then degrees of freedom.

        ``mu_k = sum r u x / sum r u``, ``Sigma_k`` from the structure given
        the u-weighted scatter and the weights ``n_k``, and ``nu_k`` from
        :func:`solve_dof` (unless fixed, or the statistics carry no
        information on it). Components without weight keep their parameters.

        Raises
        ------
        DegenerateComponentError
            If an unfitted family gets a component without weight, or a scale
            matrix is singular.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = StudentT("spherical", n_components=2, reg_covar=0.0)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> fitted.means.tolist(), fitted.covariance.values.tolist(), fitted.dof.tolist()
        ([[0.5], [4.5]], [0.25, 0.25], [10.0, 10.0])
        """
        weight = stats.weight
        empty = weight <= np.finfo(float).eps * weight.sum()
        means = stats.scaled.mean.copy()
        if empty.any():
            if self.means is None:
                raise DegenerateComponentError(
                    f"component(s) {', '.join(map(str, np.flatnonzero(empty)))} received no "
                    "weight at initialisation; use fewer components or another init"
                )
            means[empty] = self.means[empty]
        structure = self.covariance.estimate(stats.scaled.scatter, weight, self.reg_covar, empty)
        K = self.n_components
        if self.fixed_dof is not None:
            dofs = np.full(K, self.fixed_dof)
        else:
            dofs = self.dof.copy() if self.dof is not None else np.full(K, INITIAL_DOF)
        if self.fixed_dof is None and stats.dof_stat is not None:
            for k in np.flatnonzero(~empty):
                dofs[k] = solve_dof(stats.dof_stat[k] / weight[k])
        return self._with(means, structure, dofs)

    def working_floats_per_row(self, n_features: int) -> int:
        """Floats of E-step temporaries per observation (sizes chunks).

        The structure's own, plus the scale weights and their logarithms.

        Examples
        --------
        >>> from emkit.components.student_t import StudentT
        >>> StudentT("full", n_components=3).working_floats_per_row(2)
        27
        """
        return self.covariance.working_floats_per_row(self.n_components, n_features) + 3 * self.n_components

    def n_params(self) -> int:
        """Free parameters: ``K d`` locations, the structure's count, and K dof if estimated.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [4.0, 4.0], [5.0, 4.0], [4.0, 5.0]])
        >>> resp = np.eye(2)[[0, 0, 0, 1, 1, 1]]
        >>> [StudentT("full", dof, 2).m_step(StudentT("full", dof, 2).stats(x, resp)).n_params() for dof in (None, 4)]
        [12, 10]
        """
        K, d = self.n_components, self.n_features
        return K * d + self.covariance.n_params(K, d) + (K if self.fixed_dof is None else 0)

    def sample(self, component: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One draw from component ``component[i]`` in row i, shape (n, d).

        ``mu_k + L_k z / sqrt(u)`` with ``z ~ N(0, I)`` and
        ``u ~ Gamma(nu_k / 2, rate nu_k / 2)``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = StudentT("spherical", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0)).shape
        (3, 1)
        """
        component = np.asarray(component, dtype=int)
        nu = self.dof[component]
        noise = self.covariance.draw(component, rng, self.n_features)
        u = rng.gamma(0.5 * nu, 2.0 / nu)
        return self.means[component] + noise / np.sqrt(u)[:, None]

    # -- results -----------------------------------------------------------------
    def scale_matrices(self) -> np.ndarray:
        """Full scale matrices ``Sigma_k``, shape (K, d, d)."""
        return self.covariance.matrices(self.n_features)

    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """Parameters: ``means(component, feature)``, ``scales(component, feature, feature2)``, ``dof(component)``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0], [0.0, 4.0], [2.0, 6.0]])
        >>> resp = np.eye(2)[[0, 0, 1, 1]]
        >>> family = StudentT("full", dof=5, n_components=2)
        >>> params = family.m_step(family.stats(x, resp)).to_dataset(np.array(["a", "b"]))
        >>> params.scales.dims, params.dof.values.tolist()
        (('component', 'feature', 'feature2'), [5.0, 5.0])
        """
        return xr.Dataset(
            {
                "means": (("component", "feature"), self.means),
                "scales": (("component", "feature", "feature2"), self.scale_matrices()),
                "dof": ("component", self.dof),
            },
            coords={"feature": features, "feature2": np.asarray(features)},
        )

    def from_dataset(self, params: xr.Dataset, weights: np.ndarray) -> "StudentT":
        """A fitted copy holding the parameters in ``params`` (as from :meth:`to_dataset`).

        ``dof`` may be missing (then ``dof`` if fixed, else ``INITIAL_DOF``); a
        fixed ``dof`` overrides the values given.

        Raises
        ------
        ValueError
            If ``means`` or ``scales`` is missing or the number of components differs.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> from emkit.components.student_t import StudentT
        >>> params = xr.Dataset({
        ...     "means": (("component", "feature"), [[0.0, 0.0], [5.0, 5.0]]),
        ...     "scales": (("component", "feature", "feature2"), [np.eye(2), 3 * np.eye(2)]),
        ...     "dof": ("component", [3.0, 7.0]),
        ... })
        >>> family = StudentT("VII", n_components=2).from_dataset(params, np.array([0.5, 0.5]))
        >>> family.covariance.values.tolist(), family.dof.tolist()
        ([1.0, 3.0], [3.0, 7.0])
        """
        for name in ("means", "scales"):
            if name not in params:
                raise ValueError(f"initial parameters lack the variable {name!r}")
        means = np.asarray(params["means"].transpose("component", "feature").values, dtype=float)
        scales = params["scales"].transpose("component", "feature", "feature2").values
        K = self.n_components
        if means.shape[0] != K:
            raise ValueError(f"initial parameters have {means.shape[0]} components, the model has {K}")
        if self.fixed_dof is not None:
            dofs = np.full(K, self.fixed_dof)
        elif "dof" in params:
            dofs = np.asarray(params["dof"].values, dtype=float).reshape(K)
            if not np.all(np.isfinite(dofs) & (dofs > 0)):
                raise ValueError(f"degrees of freedom must be positive, got {dofs}")
        else:
            dofs = np.full(K, INITIAL_DOF)
        return self._with(means, self.covariance.from_matrices(scales, weights), dofs)

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy.

        Examples
        --------
        >>> from emkit.components.student_t import StudentT
        >>> StudentT("diag", n_components=2).spec()
        {'kind': 'student_t', 'covariance': 'VVI', 'dof': None, 'n_components': 2, 'reg_covar': 1e-06}
        """
        return {
            "kind": self.kind,
            "covariance": self.covariance.name,
            "dof": self.fixed_dof,
            "n_components": self.n_components,
            "reg_covar": self.reg_covar,
        }

    @classmethod
    def from_spec(cls, spec: dict) -> "StudentT":
        """Inverse of :meth:`spec`.

        Examples
        --------
        >>> from emkit.components.student_t import StudentT
        >>> StudentT.from_spec(StudentT("tied", dof=4, n_components=3).spec())
        StudentT(covariance='EEE', dof=4.0, n_components=3, reg_covar=1e-06)
        """
        return cls(
            spec["covariance"], dof=spec.get("dof"), n_components=spec["n_components"], reg_covar=spec["reg_covar"]
        )

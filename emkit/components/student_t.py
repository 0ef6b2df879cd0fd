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

from .base import Evaluation
from .covariance import CovarianceStructure
from .gaussian import GaussianStats
from .location_scale import DEFAULT_REG_COVAR, LocationScaleFamily
from .registry import register_family

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

    def __mul__(self, factor: float) -> "StudentTStats":
        """Every sum multiplied by ``factor`` (stepwise EM averages statistics).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> s = StudentT("full", n_components=1).stats(np.array([[0.0], [2.0]]), np.ones((2, 1))) * 0.5
        >>> s.weight.tolist(), s.scaled.mean.tolist()
        ([1.0], [[1.0]])
        """
        dof_stat = None if self.dof_stat is None else self.dof_stat * factor
        return StudentTStats(self.weight * factor, self.scaled * factor, dof_stat)

    __rmul__ = __mul__


@register_family
class StudentT(LocationScaleFamily):
    """A batch of K multivariate Student-t components.

    Parameters
    ----------
    covariance : str or CovarianceStructure, default "full"
        Structure of the scale matrices ``Sigma_k`` (the covariance is
        ``nu / (nu - 2) Sigma_k`` for ``nu > 2``): any of the fourteen structures of
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
    _label = "Student-t"
    _matrix_name = "scales"

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
        super().__init__(covariance, n_components, reg_covar, means=means, _structure=_structure)
        if dof is not None:
            dof = float(dof)
            if not np.isfinite(dof) or dof <= 0:
                raise ValueError(f"dof must be a positive finite number or None, got {dof}")
        self.fixed_dof = dof
        self.dof = None if dofs is None else np.asarray(dofs, dtype=float)

    def _options(self) -> dict:
        return {"dof": self.fixed_dof}

    @classmethod
    def _options_from_spec(cls, spec: dict) -> dict:
        return {"dof": spec.get("dof")}

    def _dataset_variables(self) -> dict:
        return {"dof": ("component", self.dof)}

    def _dataset_params(self, params: xr.Dataset) -> dict:
        K = self.n_components
        if self.fixed_dof is not None:
            dofs = np.full(K, self.fixed_dof)
        elif "dof" in params:
            dofs = np.asarray(params["dof"].values, dtype=float).reshape(K)
            if not np.all(np.isfinite(dofs) & (dofs > 0)):
                raise ValueError(f"degrees of freedom must be positive, got {dofs}")
        else:
            dofs = np.full(K, INITIAL_DOF)
        return {"dofs": dofs}

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
        dof = "degrees of freedom estimated" if self.fixed_dof is None else f"{self.fixed_dof:g} degrees of freedom"
        return f"{super().describe()}, {dof}"

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

    def _kernel_dof(self):
        return self.dof

    def _fused_stats(self, chunk) -> StudentTStats:
        scaled = GaussianStats(chunk.weight, self.means + chunk.offset, chunk.scatter)
        return StudentTStats(chunk.count, scaled, chunk.dof_stat)

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
        means, structure, empty = self._estimate(weight, stats.scaled.mean, stats.scaled.scatter)
        K = self.n_components
        if self.fixed_dof is not None:
            dofs = np.full(K, self.fixed_dof)
        else:
            dofs = self.dof.copy() if self.dof is not None else np.full(K, INITIAL_DOF)
        if self.fixed_dof is None and stats.dof_stat is not None:
            for k in np.flatnonzero(~empty):
                dofs[k] = solve_dof(stats.dof_stat[k] / weight[k])
        return self._with(means, structure, dofs=dofs)

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

    def free_parameters(self) -> np.ndarray:
        """Locations, the structure's free values and, if estimated, the degrees of freedom.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [2.0], [10.0], [12.0]])
        >>> t = em.StudentT("spherical", dof=4, n_components=2)
        >>> t = t.m_step(t.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> t.free_parameters().size   # 2 locations + 2 scales; dof fixed
        4
        """
        own = super().free_parameters()
        return own if self.fixed_dof is not None else np.concatenate([own, self.dof])

    def with_free_parameters(self, vector: np.ndarray) -> "StudentT":
        """A fitted copy holding ``vector`` (inverse of :meth:`free_parameters`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [2.0], [10.0], [12.0]])
        >>> t = em.StudentT("spherical", n_components=2)
        >>> t = t.m_step(t.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> t.with_free_parameters(np.r_[t.free_parameters()[:-2], 5.0, 6.0]).dof.tolist()
        [5.0, 6.0]
        """
        if self.fixed_dof is None:
            vector, dofs = vector[: -self.n_components], vector[-self.n_components:]
        else:
            dofs = self.dof
        size = self.means.size
        structure = self.covariance.with_free_values(vector[size:])
        return self._with(vector[:size].reshape(self.means.shape), structure, dofs=np.asarray(dofs, dtype=float))

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of :meth:`free_parameters`; estimated degrees of freedom lie in ``DOF_BOUNDS``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [2.0], [10.0], [12.0]])
        >>> t = em.StudentT("spherical", n_components=2)
        >>> t = t.m_step(t.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> [bound[-2:].tolist() for bound in t.free_parameter_bounds()]
        [[0.01, 0.01], [10000.0, 10000.0]]
        """
        lower, upper = super().free_parameter_bounds()
        if self.fixed_dof is not None:
            return lower, upper
        count = self.n_components
        return np.append(lower, np.full(count, DOF_BOUNDS[0])), np.append(upper, np.full(count, DOF_BOUNDS[1]))

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
        return super().n_params() + (self.n_components if self.fixed_dof is None else 0)

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
        """Full scale matrices ``Sigma_k``, shape (K, d, d).

        Examples
        --------
        A diagonal structure gives diagonal matrices:

        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [0.0, 1.0]])
        >>> family = StudentT("diag", n_components=2)
        >>> resp = np.eye(2)[[0, 0, 0, 1, 1]]
        >>> scales = family.m_step(family.stats(x, resp)).scale_matrices()
        >>> scales.shape, float(scales[0, 0, 1]), bool(np.all(np.diagonal(scales, axis1=1, axis2=2) > 0))
        ((2, 2, 2), 0.0, True)
        """
        return self.covariance.matrices(self.n_features)

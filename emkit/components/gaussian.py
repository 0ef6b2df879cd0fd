"""Multivariate Gaussian components, batched over K components.

Log-density of component k at x (d features)::

    log N(x | mu_k, Sigma_k) = -1/2 (d log 2 pi + log|Sigma_k| + (x - mu_k)^T Sigma_k^{-1} (x - mu_k))

Sufficient statistics of component k given responsibilities r_ik are the
weight ``n_k = sum_i r_ik``, the weighted mean ``m_k = sum_i r_ik x_i / n_k``
and the centred scatter ``S_k = sum_i r_ik (x_i - m_k)(x_i - m_k)^T``. Two
sets of statistics merge with the pairwise update of Chan, Golub & LeVeque::

    n = n_a + n_b,  delta = m_b - m_a,  m = m_a + delta n_b / n,
    S = S_a + S_b + delta delta^T n_a n_b / n

which never forms raw second moments, so it does not cancel when the mean is
large against the spread. The M-step sets ``mu_k = m_k`` and hands ``S_k`` and
``n_k`` to the covariance structure (see :mod:`emkit.components.covariance`).

With a conjugate prior (``prior=GaussianPrior()``) the M-step is the
posterior mode instead (:mod:`emkit.components.covariance.map_steps`); the
prior's data-dependent defaults come from the statistics of the first M-step,
pooled over the components (:meth:`GaussianStats.pooled`): in a mixture of
this family alone they are the data's mean and scatter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import Evaluation, too_few_observations
from .covariance import CovarianceStructure, DiagonalCovariance, FullCovariance
from .covariance.map_steps import map_estimate
from .missing import GaussianConditionals
from .location_scale import DEFAULT_REG_COVAR, LocationScaleFamily  # noqa: F401 (DEFAULT_REG_COVAR: public here)
from .priors import (
    GaussianHyperparameters,
    GaussianPrior,
    check_prior_structure,
    declared_prior,
    gaussian_log_prior,
)
from .registry import register_family

_LOG_2PI = np.log(2.0 * np.pi)


@dataclass(frozen=True)
class GaussianStats:
    """Weighted sufficient statistics of K Gaussian components.

    Attributes
    ----------
    weight : ndarray (K,)
        ``n_k = sum_i r_ik``.
    mean : ndarray (K, d)
        Weighted means ``m_k`` (zero where ``n_k = 0``).
    scatter : ndarray (K, d, d) or (K, d)
        Centred scatter ``S_k`` about ``m_k``, or only its diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import GaussianStats
    >>> x = np.array([[0.0], [2.0]]); r = np.ones((2, 1))
    >>> s = GaussianStats.from_data(x, r, scatter_kind="full")
    >>> float(s.mean[0, 0]), float(s.scatter[0, 0, 0])
    (1.0, 2.0)
    """

    weight: np.ndarray
    mean: np.ndarray
    scatter: np.ndarray

    @classmethod
    def from_data(cls, x: np.ndarray, resp: np.ndarray, scatter_kind: str) -> "GaussianStats":
        """Statistics of the rows of ``x`` weighted by ``resp`` (n, K).

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.
        resp : ndarray of shape (n, K)
            Responsibilities (already multiplied by any observation weights).
        scatter_kind : {"full", "diag"}
            Whether to compute the full scatter matrices ``(K, d, d)`` or only
            their diagonals ``(K, d)``.

        Returns
        -------
        GaussianStats

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import GaussianStats
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        >>> stats = GaussianStats.from_data(x, resp, scatter_kind="full")
        >>> stats.weight.tolist(), stats.mean.tolist()
        ([2.0, 2.0], [[1.0, 1.0], [3.0, 1.0]])
        >>> stats.scatter.tolist()
        [[[2.0, 2.0], [2.0, 2.0]], [[2.0, -2.0], [-2.0, 2.0]]]
        >>> GaussianStats.from_data(x, resp, scatter_kind="diag").scatter.tolist()
        [[2.0, 2.0], [2.0, 2.0]]
        """
        weight = resp.sum(axis=0)
        safe = np.where(weight > 0, weight, 1.0)
        mean = (resp.T @ x) / safe[:, None]
        scatter_of = _SCATTER[scatter_kind]
        return cls(weight, mean, scatter_of(x, resp, mean))

    def __add__(self, other: "GaussianStats") -> "GaussianStats":
        if not isinstance(other, GaussianStats):
            return NotImplemented
        total = self.weight + other.weight
        share = np.divide(other.weight, total, out=np.zeros_like(total), where=total > 0)
        delta = other.mean - self.mean
        mean = self.mean + delta * share[:, None]
        correction = _weighted_outer(self.weight * share, delta, self.scatter.ndim == 3)  # n_a n_b / n
        return GaussianStats(total, mean, self.scatter + other.scatter + correction)

    def __mul__(self, factor: float) -> "GaussianStats":
        """The statistics of the data with every weight multiplied by ``factor``.

        Stepwise EM averages statistics, ``(1 - g) s + g s_new``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import GaussianStats
        >>> s = GaussianStats(np.array([2.0]), np.array([[1.0]]), np.array([[[4.0]]])) * 0.5
        >>> s.weight.tolist(), s.mean.tolist(), s.scatter.tolist()
        ([1.0], [[1.0]], [[[2.0]]])
        """
        return GaussianStats(self.weight * factor, self.mean, self.scatter * factor)

    __rmul__ = __mul__

    def pooled(self) -> "GaussianStats":
        """The statistics of all components together, as one component.

        ``n = sum_k n_k``, ``m = sum_k n_k m_k / n`` and
        ``S = sum_k (S_k + n_k (m_k - m)(m_k - m)^T)``: when every row's
        weights sum to 1 over the components, the data's weight, mean and
        scatter.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import GaussianStats
        >>> x = np.array([[0.0], [2.0], [4.0]])
        >>> s = GaussianStats.from_data(x, np.eye(2)[[0, 0, 1]], scatter_kind="full").pooled()
        >>> s.weight.tolist(), s.mean.tolist(), s.scatter.tolist()
        ([3.0], [[2.0]], [[[8.0]]])
        """
        total = self.weight.sum()
        mean = self.weight @ self.mean / total
        spread = _weighted_outer(self.weight, self.mean - mean, self.scatter.ndim == 3).sum(axis=0)
        return GaussianStats(total[None], mean[None], (self.scatter.sum(axis=0) + spread)[None])


def _weighted_outer(weight: np.ndarray, delta: np.ndarray, full: bool) -> np.ndarray:
    """``w_k delta_k delta_k^T`` (K, d, d), or its diagonal (K, d) if not ``full``."""
    if full:
        return np.einsum("k,ki,kj->kij", weight, delta, delta)
    return weight[:, None] * np.square(delta)


_SCATTER = {"full": FullCovariance.scatter, "diag": DiagonalCovariance.scatter}


@register_family
class Gaussian(LocationScaleFamily):
    """A batch of K multivariate Gaussian components.

    Parameters
    ----------
    covariance : str or CovarianceStructure, default "full"
        Covariance structure: mclust's ``"VVV"``, ``"EEE"``, ``"VVI"``,
        ``"EEI"``, ``"VII"``, ``"EII"``, or ``"full"``, ``"tied"``, ``"diag"``,
        ``"spherical"``.
    n_components : int, default 1
        Number of components in this batch.
    reg_covar : float, default 1e-6
        Added to every covariance diagonal in the M-step (squared data
        units), so covariances stay positive definite when a component sits
        on few points.
    prior : GaussianPrior, optional
        A conjugate prior (Fraley & Raftery, 2007): the M-step returns the
        posterior mode, and EM climbs the log-likelihood plus
        :meth:`log_prior`. For EII, VII, EEI, VVI, EEE and VVV. Its defaults
        left to the data are computed from the first M-step's statistics
        pooled over this family's components, so in a mixture of several
        families give ``mean`` and ``scale``.
    hyperparameters : GaussianHyperparameters, optional
        The prior's resolved values, set by the M-step (keyword only).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> g = em.Gaussian("diag", n_components=2)
    >>> g.n_components, g.covariance.name, g.is_fitted
    (2, 'VVI', False)
    >>> em.Gaussian("VVV", prior=em.GaussianPrior(dof=4))
    Gaussian(covariance='VVV', prior=GaussianPrior(shrinkage=0.01, dof=4.0), n_components=1, reg_covar=1e-06)
    """

    kind = "gaussian"
    _label = "Gaussian"
    _matrix_name = "covariances"

    def __init__(
        self,
        covariance: "str | CovarianceStructure" = "full",
        n_components: int = 1,
        reg_covar: float = DEFAULT_REG_COVAR,
        *,
        prior: "GaussianPrior | dict | None" = None,
        means: np.ndarray | None = None,
        hyperparameters: GaussianHyperparameters | None = None,
        _structure: CovarianceStructure | None = None,
    ):
        super().__init__(covariance, n_components, reg_covar, means=means, _structure=_structure)
        self.prior = declared_prior(GaussianPrior, prior)
        if self.prior is not None:
            check_prior_structure(self.covariance.name)
        self.hyperparameters = hyperparameters

    def _options(self) -> dict:
        return {} if self.prior is None else {"prior": self.prior}

    @classmethod
    def _options_from_spec(cls, spec: dict) -> dict:
        return {"prior": spec.get("prior")}

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy (the prior as its ``spec``).

        Examples
        --------
        >>> import emkit as em
        >>> em.Gaussian("EII", prior=em.GaussianPrior(scale=2.0)).spec()["prior"]
        {'shrinkage': 0.01, 'mean': None, 'dof': None, 'scale': 2.0}
        >>> em.Gaussian.from_spec(em.Gaussian("EII", prior=em.GaussianPrior(scale=2.0)).spec()).prior
        GaussianPrior(shrinkage=0.01, scale=2.0)
        """
        spec = super().spec()
        if self.prior is not None:
            spec["prior"] = self.prior.spec()
        return spec

    # -- the protocol ------------------------------------------------------------
    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """Log-density of every row of ``x`` under every component, shape (n, K).

        ``log N(x_i | mu_k, Sigma_k)``; see :meth:`evaluate`.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2, reg_covar=0.0)
        >>> fitted = family.m_step(family.stats(x, resp))  # means 0.5, 4.5; variances 0.25
        >>> fitted.log_prob(np.array([[0.5], [2.5]])).round(4).tolist()
        [[-0.2258, -32.2258], [-8.2258, -8.2258]]
        """
        return self.evaluate(x).log_prob

    def stats(self, x: np.ndarray, resp: np.ndarray) -> GaussianStats:
        """Weighted sufficient statistics of ``x`` given responsibilities (n, K).

        Computed directly about the weighted means, so it needs no parameters.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.
        resp : ndarray of shape (n, K)
            Responsibilities (already multiplied by any observation weights).

        Returns
        -------
        GaussianStats

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> stats = Gaussian("full", n_components=2).stats(x, resp)
        >>> stats.weight.tolist(), stats.mean.tolist(), stats.scatter.tolist()
        ([2.0, 2.0], [[0.5], [4.5]], [[[0.5]], [[0.5]]])
        """
        return GaussianStats.from_data(x, resp, self.covariance.scatter_kind)

    def evaluate(self, x: np.ndarray) -> Evaluation:
        """Log-densities of a chunk, and its statistics from the same intermediate terms.

        ``log f_k(x_i) = -1/2 (d log 2 pi + log|Sigma_k| + maha_ik)``; the
        covariance structure computes the Mahalanobis terms and, from the same
        work, the chunk's statistics (see ``CovarianceStructure.chunk_terms``).
        A float32 chunk has its products computed in float32; the
        log-densities and statistics are float64 either way.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.

        Returns
        -------
        Evaluation
            ``log_prob`` of shape (n, K) and ``stats(resp)`` giving the
            chunk's :class:`GaussianStats`.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("full", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> ev = fitted.evaluate(x)
        >>> bool(np.allclose(ev.log_prob, fitted.log_prob(x)))
        True
        >>> stats = ev.stats(resp)
        >>> stats.weight.tolist(), stats.mean.round(12).tolist(), stats.scatter.round(12).tolist()
        ([2.0, 2.0], [[0.5], [4.5]], [[[0.5]], [[0.5]]])
        >>> ev32 = fitted.evaluate(x.astype(np.float32))
        >>> ev32.log_prob.dtype, bool(np.allclose(ev32.log_prob, ev.log_prob, rtol=1e-6))
        (dtype('float64'), True)
        """
        maha, centred = self.covariance.chunk_terms(x, self.means)
        maha *= -0.5
        maha += self._log_norm()[:, None]

        def stats(resp):
            weight, offset, scatter = centred(resp.T)
            return GaussianStats(weight, self.means + offset, scatter)

        return Evaluation(maha.T, stats)

    def evaluate_observed(self, x: np.ndarray) -> Evaluation:
        """Rows with NaN: log-densities of their observed entries and completed statistics.

        ``log N(x_o | mu_ko, Sigma_koo)``, and statistics in which each row is
        completed by its conditional mean under each component, with the
        conditional covariance of its missing block added to the scatter, so
        that every covariance structure takes its M-step from the completed
        scatter (see :mod:`emkit.components.missing`).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0], [1.0, 3.0]])
        >>> fitted = Gaussian("full").m_step(Gaussian("full").stats(x, np.ones((3, 1))))
        >>> ev = fitted.evaluate_observed(np.array([[1.0, np.nan]]))
        >>> from scipy.stats import norm
        >>> bool(np.isclose(ev.log_prob[0, 0], norm(1.0, np.sqrt(fitted.covariance_matrices()[0, 0, 0])).logpdf(1.0)))
        True
        >>> ev.stats(np.ones((1, 1))).mean.round(6).tolist()  # x_1 at its mean: E[x_2 | x_1] = mu_2
        [[1.0, 1.666667]]
        """
        pieces = GaussianConditionals(x, self.means, self.covariance_matrices())

        def stats(resp):
            weight, mean, scatter = pieces.moments(resp)
            if self.covariance.scatter_kind == "diag":
                scatter = np.diagonal(scatter, axis1=1, axis2=2).copy()
            return GaussianStats(weight, mean, scatter)

        return Evaluation(pieces.log_prob, stats)

    def log_prob_into(self, x: np.ndarray, out: np.ndarray) -> None:
        """Writes the log-densities of a chunk into ``out`` (n, K), in compiled blocks.

        The same values as :meth:`log_prob` (to rounding), computed by the
        whitening of the compiled E-step (see
        :meth:`~emkit.components.covariance.CovarianceStructure.fused_kernel`)
        a few thousand rows at a time, so that the only array of the size of
        the data is ``out``. A float32 chunk has its products in float32.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.
        out : ndarray of shape (n, K), float64
            Receives ``log N(x_i | mu_k, Sigma_k)``; it may be a column slice
            of a wider array.

        Raises
        ------
        ValueError
            If ``x`` or ``out`` has the wrong shape, or ``out`` is not float64.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> family = Gaussian("full", n_components=2)
        >>> fitted = family.m_step(family.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> out = np.empty((4, 2))
        >>> fitted.log_prob_into(x, out)
        >>> bool(np.allclose(out, fitted.log_prob(x)))
        True
        """
        kernel, log_norm = self._blocked_pass
        kernel.log_densities_into(x, log_norm, out)

    def stats_in_blocks(self, x: np.ndarray, weights: np.ndarray) -> GaussianStats:
        """The statistics of a chunk for given weights (n, K), in compiled blocks.

        The same statistics as :meth:`stats` (to rounding): moments about each
        component's current mean, re-centred on the chunk's weighted means
        (the shifted-data algorithm: no raw second moments, so a large common
        offset of the data does not cancel), computed a few thousand rows at a
        time with no array of shape (K, n, d). Needs a fitted family.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.
        weights : ndarray of shape (n, K), float64
            Per-observation weights of each component (responsibilities,
            smoothed state posteriors).

        Returns
        -------
        GaussianStats

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]]) + 1e4
        >>> resp = np.eye(2)[[0, 0, 1, 1]]
        >>> family = Gaussian("full", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> stats = fitted.stats_in_blocks(x, resp)
        >>> stats.weight.tolist(), (stats.mean - 1e4).round(9).tolist(), stats.scatter.round(9).tolist()
        ([2.0, 2.0], [[0.5], [4.5]], [[[0.5]], [[0.5]]])
        """
        kernel, _ = self._blocked_pass
        return self._fused_stats(kernel.weighted_moments(x, weights))

    @cached_property
    def _blocked_pass(self) -> tuple:
        """The compiled kernel bound to these parameters and the log-density terms free of x, made once.

        A hidden Markov E-step calls :meth:`log_prob_into` and
        :meth:`stats_in_blocks` on every chunk of every iteration with the
        same fitted family; a fitted family's parameters never change.
        """
        return self.covariance.fused_kernel(self.means), self._log_norm()

    def _log_norm(self) -> np.ndarray:
        """The terms of ``log N`` that do not depend on x, ``-1/2 (d log 2 pi + log|Sigma_k|)``, shape (K,)."""
        d = self.n_features
        return -0.5 * (self.covariance.log_det(d) + d * _LOG_2PI)

    def _fused_stats(self, chunk) -> GaussianStats:
        return GaussianStats(chunk.weight, self.means + chunk.offset, chunk.scatter)

    def m_step(self, stats: GaussianStats) -> "Gaussian":
        """Maximise the expected complete-data log-likelihood.

        ``mu_k = m_k`` and the covariance from the structure's projection of
        ``S_k / n_k``; components with no weight keep their parameters.

        Parameters
        ----------
        stats : GaussianStats
            Statistics from :meth:`stats` or :meth:`evaluate` (or a sum of them).

        Returns
        -------
        Gaussian
            A new fitted family; ``self`` is not modified.

        Raises
        ------
        DegenerateComponentError
            If an unfitted family gets a component without weight, or a
            covariance is singular.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2, reg_covar=0.0)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> fitted.means.tolist(), fitted.covariance.values.tolist()
        ([[0.5], [4.5]], [0.25, 0.25])

        A component without weight keeps its parameters:

        >>> all_first = np.array([[1.0, 0.0]] * 4)
        >>> refit = fitted.m_step(fitted.stats(x, all_first))
        >>> refit.means.tolist(), refit.covariance.values.tolist()
        ([[2.5], [4.5]], [4.25, 0.25])
        """
        if self.prior is not None:
            return self._map_step(stats)
        means, structure, _ = self._estimate(stats.weight, stats.mean, stats.scatter)
        return self._with(means, structure)

    def _map_step(self, stats: GaussianStats) -> "Gaussian":
        """The posterior mode, under the hyperparameters :meth:`resolved_prior` gives."""
        hyper = self.resolved_prior(stats)
        means, structure = map_estimate(self.covariance, stats.weight, stats.mean, stats.scatter, hyper, self.reg_covar)
        return self._with(means, structure, hyperparameters=hyper)

    def resolved_prior(self, stats: GaussianStats) -> GaussianHyperparameters:
        """The prior's hyperparameters: those already resolved, else the defaults from ``stats`` pooled.

        The pooled statistics of any E-step of a mixture of this family alone
        are the data's weight, mean and scatter, so the first M-step (or the
        first objective, when EM starts from given parameters) fixes them,
        and every later step keeps them.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> family = em.Gaussian("VII", n_components=2, prior=em.GaussianPrior())
        >>> hyper = family.resolved_prior(family.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> hyper.mean.tolist(), hyper.dof, round(hyper.scale, 6)  # var(x) / 2^2
        ([2.5], 3.0, 1.416667)
        """
        if self.hyperparameters is not None:
            return self.hyperparameters
        data = stats.pooled()
        return self.prior.resolve(
            self.covariance.name, self.n_components, float(data.weight[0]), data.mean[0], data.scatter[0]
        )

    def log_prior(self, stats: GaussianStats | None = None) -> float:
        """The log prior density of the parameters; 0 without a prior.

        ``sum_k log N(mu_k | mu_P, Sigma_k / kappa_P)`` plus the inverse-Wishart
        (or inverse-gamma) log density of each distinct covariance parameter
        (once for a shared covariance); see :mod:`emkit.components.priors`.

        Parameters
        ----------
        stats : GaussianStats, optional
            Statistics of the data (an E-step's), for a family whose
            hyperparameters no M-step has resolved yet (see
            :meth:`resolved_prior`); without them such a family gives 0.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> family = em.Gaussian("VII", n_components=2, reg_covar=0.0, prior=em.GaussianPrior())
        >>> fitted = family.m_step(family.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> round(fitted.log_prior(), 4), em.Gaussian().log_prior()
        (-4.7409, 0.0)
        """
        if self.prior is None or (self.hyperparameters is None and stats is None):
            return 0.0
        structure = self.covariance
        distinct = structure.values[:1] if structure.shared else structure.values
        return gaussian_log_prior(self.resolved_prior(stats), self.means, self.covariance_matrices(), distinct)

    def degenerate_components(self, counts: np.ndarray) -> dict[int, str]:
        """Components whose fit is an artefact; with a prior, only those whose spread collapsed.

        Without a prior, the rules of every location-scale family: fewer
        observed values ``n_k d`` than free parameters, or a spread below a
        thousandth of the data's. With a prior the posterior mode is proper whatever a
        component's count (a component the data leave nearly empty sits near
        the prior's mode, and the information criteria count its
        parameters), so the count rule does not apply.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.random.default_rng(0).normal(size=(50, 2))
        >>> resp = np.eye(2)[[0] * 48 + [1] * 2]
        >>> for prior in (None, em.GaussianPrior()):
        ...     g = em.Gaussian("full", 2, prior=prior)
        ...     print(g.m_step(g.stats(x, resp)).degenerate_components(resp.sum(axis=0)))
        {1: 'effective sample size 2 x 2 value(s) per row is below its 5 free parameter(s)'}
        {}
        """
        reasons = super().degenerate_components(counts)
        if self.prior is None:
            return reasons
        too_few = too_few_observations(self, counts, self.n_features)
        return {k: why for k, why in reasons.items() if k not in too_few}

    def working_floats_per_row(self, n_features: int) -> int:
        """Floats of E-step temporaries per observation (sizes chunks).

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> Gaussian("full", n_components=3).working_floats_per_row(2)
        18
        """
        return self.covariance.working_floats_per_row(self.n_components, n_features)

    def sample(self, component: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One draw from component ``component[i]`` in row i, shape (n, d).

        Parameters
        ----------
        component : array-like of int, shape (n,)
            Component of each draw, in ``0 .. K - 1``.
        rng : numpy.random.Generator
            Source of randomness.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))  # means 0.5 and 4.5
        >>> draws = fitted.sample(np.repeat([0, 1], 1000), np.random.default_rng(0))
        >>> draws.shape, round(float(draws[:1000].mean()), 1), round(float(draws[1000:].mean()), 1)
        ((2000, 1), 0.5, 4.5)
        """
        component = np.asarray(component, dtype=int)
        return self.means[component] + self.covariance.draw(component, rng, self.n_features)

    # -- results -----------------------------------------------------------------
    def covariance_matrices(self) -> np.ndarray:
        """Full covariance matrices, shape (K, d, d).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0], [0.0, 4.0], [2.0, 6.0]])
        >>> resp = np.eye(2)[[0, 0, 1, 1]]
        >>> family = Gaussian("diag", n_components=2, reg_covar=0.0)
        >>> family.m_step(family.stats(x, resp)).covariance_matrices().tolist()
        [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]]
        """
        return self.covariance.matrices(self.n_features)

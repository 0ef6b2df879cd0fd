"""Components that are each a mixture of M Gaussians (the emission of a GMM-HMM).

Component k holds M Gaussians with weights ``c_km`` (summing to 1 over m),
means ``mu_km`` and covariances ``Sigma_km`` of one covariance structure::

    log f_k(x) = logsumexp_m (log c_km + log N(x | mu_km, Sigma_km))

The K M Gaussians are one :class:`~emkit.components.gaussian.Gaussian` family
with ``K M`` components (Gaussian ``k M + m`` is mixture component m of
component k), so densities, statistics, covariance structures and the
M-step are the Gaussian family's own.

Statistics, given the weights ``w_tk`` of the components (a mixture's
responsibilities, an HMM's state posteriors), split each weight over the
mixture components by their posterior at the current parameters::

    r_tkm = w_tk P(m | x_t, k),    P(m | x_t, k) = c_km N(x_t | mu_km, Sigma_km) / f_k(x_t)

and are the Gaussian statistics of the ``K M`` Gaussians with weights
``r_tkm``; their weights ``n_km = sum_t r_tkm`` are the counts of ``c_km``.
The M-step is the Gaussian M-step and ``c_km = n_km / sum_m n_km``.

This is EM for the model with the mixture component as a second latent
variable: the joint posterior of (component, mixture component) is
``w_tk P(m | x_t, k)``, so one step maximises the expected complete-data
log-likelihood over all parameters at once. The inner posteriors come from
the current parameters, as any E-step's do, so each iteration is (at least)
a generalised EM step for the model: the log-likelihood does not decrease.

Start (an unfitted family): the statistics of each component's data are its
weighted mean ``m_k`` and covariance ``V_k``; mixture component m starts at
``mu_km = m_k + s_m sqrt(lambda_k) v_k`` with ``(lambda_k, v_k)`` the largest
eigenvalue and its eigenvector of ``V_k`` (for the axis-aligned structures,
of its diagonal: the widest feature), ``s_m`` evenly spaced from -1 to 1
(0 for M = 1), covariance ``V_k`` (projected on the structure, plus
``reg_covar``) and weight ``1 / M``. The mixture components thus start one
standard deviation apart along the component's widest direction, never
identical, and the start is deterministic given the component weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.special import logsumexp

from ..exceptions import DegenerateComponentError
from .base import Evaluation, evaluate, family_degenerate_components
from .covariance import DESCRIPTIONS
from .gaussian import Gaussian, GaussianStats
from .location_scale import DEFAULT_REG_COVAR
from .parametric import check_finite_parameter, check_n_components, simplex_from_free, simplex_to_free
from .registry import register_family


@dataclass(frozen=True)
class GaussianMixtureStats:
    """Statistics of the ``K M`` Gaussians behind K Gaussian-mixture components.

    Attributes
    ----------
    gaussians : GaussianStats
        Statistics of Gaussian ``k M + m`` with weights ``r_tkm``; its
        ``weight`` holds the counts ``n_km`` of the mixture weights.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import GaussianStats
    >>> from emkit.components.gaussian_mixture_family import GaussianMixtureStats
    >>> one = GaussianStats(np.array([1.0, 3.0]), np.array([[0.0], [2.0]]), np.array([[[0.0]], [[6.0]]]))
    >>> total = GaussianMixtureStats(one) + GaussianMixtureStats(one) * 0.5
    >>> total.gaussians.weight.tolist(), total.gaussians.mean.tolist()
    ([1.5, 4.5], [[0.0], [2.0]])
    """

    gaussians: GaussianStats

    def __add__(self, other: "GaussianMixtureStats") -> "GaussianMixtureStats":
        if not isinstance(other, GaussianMixtureStats):
            return NotImplemented
        return GaussianMixtureStats(self.gaussians + other.gaussians)

    def __mul__(self, factor: float) -> "GaussianMixtureStats":
        """The statistics with every weight multiplied by ``factor`` (stepwise EM).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import GaussianStats
        >>> from emkit.components.gaussian_mixture_family import GaussianMixtureStats
        >>> s = GaussianMixtureStats(GaussianStats(np.array([2.0]), np.array([[1.0]]), np.array([[[4.0]]])))
        >>> (s * 0.5).gaussians.weight.tolist()
        [1.0]
        """
        return GaussianMixtureStats(self.gaussians * factor)

    __rmul__ = __mul__


@register_family
class GaussianMixtureEmission:
    """K components, each a mixture of ``n_mixture`` Gaussians (a GMM per HMM state).

    Parameters
    ----------
    covariance : str, default "full"
        Structure of the ``K M`` covariance matrices, as for
        :class:`~emkit.components.gaussian.Gaussian`. The shared structures
        (``"EEE"``, ``"EEI"``, ``"EII"``) share one matrix among all ``K M``
        Gaussians (hmmlearn's ``"tied"`` shares one per state instead).
    n_mixture : int, default 2
        Number of Gaussians M in each component.
    n_components : int, default 1
        Number of components K (HMM states, or mixture components).
    reg_covar : float, default 1e-6
        Added to every covariance diagonal in the M-step (squared data units).

    Examples
    --------
    Two states, each a mixture of two Gaussians:

    >>> import numpy as np, emkit as em
    >>> family = em.GaussianMixtureEmission("diag", n_mixture=3, n_components=2)
    >>> family
    GaussianMixtureEmission(covariance='VVI', n_mixture=3, n_components=2, reg_covar=1e-06)
    >>> family.describe()
    '2 components, each a mixture of 3 Gaussians, covariance VVI (diagonal)'
    """

    kind = "gaussian_mixture"

    def __init__(
        self,
        covariance: str = "full",
        n_mixture: int = 2,
        n_components: int = 1,
        reg_covar: float = DEFAULT_REG_COVAR,
        *,
        gaussians: Gaussian | None = None,
        mixture_weights: np.ndarray | None = None,
    ):
        self.n_mixture = check_n_components(n_mixture, "n_mixture")
        self.n_components = check_n_components(n_components)
        self.gaussians = (
            gaussians
            if gaussians is not None
            else Gaussian(covariance, n_components=self.n_components * self.n_mixture, reg_covar=reg_covar)
        )
        self.mixture_weights = None if mixture_weights is None else np.asarray(mixture_weights, dtype=float)

    # -- declaration -----------------------------------------------------------------
    @property
    def covariance(self) -> str:
        """The name of the covariance structure (mclust's letters)."""
        return self.gaussians.covariance.name

    @property
    def reg_covar(self) -> float:
        """The ridge added to covariance diagonals in the M-step."""
        return self.gaussians.reg_covar

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(covariance={self.covariance!r}, n_mixture={self.n_mixture}, "
            f"n_components={self.n_components}, reg_covar={self.reg_covar:g})"
        )

    def describe(self) -> str:
        """A short description for summaries.

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianMixtureEmission(n_mixture=2).describe()
        '1 component, each a mixture of 2 Gaussians, covariance VVV (full)'
        """
        plural = "s" if self.n_components > 1 else ""
        return (
            f"{self.n_components} component{plural}, each a mixture of {self.n_mixture} Gaussians, "
            f"covariance {self.covariance} ({DESCRIPTIONS[self.covariance]})"
        )

    @property
    def is_fitted(self) -> bool:
        """Whether the family holds parameters."""
        return self.mixture_weights is not None

    @property
    def n_features(self) -> int:
        """Dimension of the data the components are fitted to."""
        return self.gaussians.n_features

    def with_components(self, n_components: int) -> "GaussianMixtureEmission":
        """An unfitted copy with ``n_components`` components (structure, M and ``reg_covar`` kept).

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianMixtureEmission("VII", n_mixture=3).with_components(4).gaussians.n_components
        12
        """
        return type(self)(self.covariance, self.n_mixture, n_components, self.reg_covar)

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy.

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianMixtureEmission(n_mixture=2, n_components=3).spec()
        {'kind': 'gaussian_mixture', 'covariance': 'VVV', 'n_mixture': 2, 'n_components': 3, 'reg_covar': 1e-06}
        """
        return {
            "kind": self.kind,
            "covariance": self.covariance,
            "n_mixture": self.n_mixture,
            "n_components": self.n_components,
            "reg_covar": self.reg_covar,
        }

    @classmethod
    def from_spec(cls, spec: dict) -> "GaussianMixtureEmission":
        """Inverse of :meth:`spec`.

        Examples
        --------
        >>> import emkit as em
        >>> family = em.GaussianMixtureEmission("diag", n_mixture=3, n_components=2)
        >>> em.GaussianMixtureEmission.from_spec(family.spec())
        GaussianMixtureEmission(covariance='VVI', n_mixture=3, n_components=2, reg_covar=1e-06)
        """
        return cls(spec["covariance"], spec["n_mixture"], spec["n_components"], spec["reg_covar"])

    def check_data(self, x: np.ndarray) -> None:
        """The Gaussian family's check: a ``ValueError`` if the data overflow their second moments.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.GaussianMixtureEmission().check_data(np.array([[0.0], [1.0]]))
        """
        self.gaussians.check_data(x)

    # -- densities and statistics -------------------------------------------------------
    def _log_mixture_weights(self) -> np.ndarray:
        with np.errstate(divide="ignore"):  # a mixture component of weight 0 has log-weight -inf
            return np.log(self.mixture_weights)

    def evaluate(self, x: np.ndarray) -> Evaluation:
        """Log-densities of a chunk, and its statistics from the same Gaussian log-densities.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.

        Returns
        -------
        Evaluation
            ``log_prob`` of shape (n, K), and ``stats(weights)`` giving the
            :class:`GaussianMixtureStats` for component weights ``(n, K)``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission("VVV", n_mixture=2, reg_covar=0.0)
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))  # starts at -/+ 1 sd
        >>> fitted.gaussians.means.ravel().round(4).tolist()
        [-1.5811, 1.5811]
        >>> ev = fitted.evaluate(x)
        >>> bool(np.allclose(ev.log_prob, fitted.log_prob(x)))
        True
        >>> ev.stats(np.ones((4, 1))).gaussians.weight.round(4).tolist()
        [2.0, 2.0]
        """
        gaussians = evaluate(self.gaussians, x)
        log_joint = gaussians.log_prob.reshape(len(x), self.n_components, self.n_mixture)
        log_joint = log_joint + self._log_mixture_weights()
        log_density = logsumexp(log_joint, axis=2)

        def stats(weights: np.ndarray) -> GaussianMixtureStats:
            within = np.exp(log_joint - log_density[:, :, None])  # P(m | x_t, k)
            split = weights[:, :, None] * within
            return GaussianMixtureStats(gaussians.stats(split.reshape(len(x), self.gaussians.n_components)))

        return Evaluation(log_density, stats)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """``log f_k(x_t) = logsumexp_m (log c_km + log N(x_t | mu_km, Sigma_km))``, shape (n, K).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission(n_mixture=2)
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> fitted.log_prob(np.array([[0.0]])).shape
        (1, 1)
        """
        return self.evaluate(x).log_prob

    def stats(self, x: np.ndarray, resp: np.ndarray) -> "GaussianMixtureStats | GaussianStats":
        """Statistics given the components' weights ``resp`` (n, K).

        A fitted family returns :class:`GaussianMixtureStats` (the weights
        split over the mixture components by their posterior at the current
        parameters). An unfitted family has no mixture components to split
        over: it returns the Gaussian statistics of each component's data,
        from which :meth:`m_step` starts the mixtures (see the module
        docstring).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission(n_mixture=2)
        >>> type(family.stats(x, np.ones((4, 1)))).__name__
        'GaussianStats'
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> type(fitted.stats(x, np.ones((4, 1)))).__name__
        'GaussianMixtureStats'
        """
        if not self.is_fitted:
            return self.gaussians.with_components(self.n_components).stats(x, resp)
        return self.evaluate(x).stats(resp)

    # -- M-step ----------------------------------------------------------------------------
    def m_step(self, stats: "GaussianMixtureStats | GaussianStats") -> "GaussianMixtureEmission":
        """The Gaussian M-step for the ``K M`` Gaussians and ``c_km = n_km / sum_m n_km``.

        A component with no weight keeps its mixture weights (and the
        Gaussian family keeps its Gaussians). Statistics of the components'
        data (from an unfitted family) start the mixtures instead.

        Raises
        ------
        DegenerateComponentError
            If a component without weight has no parameters to keep.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission(n_mixture=2)
        >>> start = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> start.mixture_weights.tolist()
        [[0.5, 0.5]]
        >>> step = start.m_step(start.stats(x, np.ones((4, 1))))
        >>> bool(np.allclose(step.mixture_weights.sum(axis=1), 1.0)), step.is_fitted
        (True, True)
        """
        if isinstance(stats, GaussianStats):
            return self._start(stats)
        counts = stats.gaussians.weight.reshape(self.n_components, self.n_mixture)
        totals = counts.sum(axis=1)
        empty = totals <= np.finfo(float).eps * totals.sum()
        mixture_weights = counts / np.where(empty, 1.0, totals)[:, None]
        if empty.any():
            if not self.is_fitted:
                raise _no_weight_error(empty)
            mixture_weights[empty] = self.mixture_weights[empty]
        return self._fitted(self.gaussians.m_step(stats.gaussians), mixture_weights)

    def _fitted(self, gaussians: Gaussian, mixture_weights: np.ndarray) -> "GaussianMixtureEmission":
        return type(self)(
            n_mixture=self.n_mixture,
            n_components=self.n_components,
            gaussians=gaussians,
            mixture_weights=mixture_weights,
        )

    def _start(self, moments: GaussianStats) -> "GaussianMixtureEmission":
        """Mixtures started from each component's mean and covariance (see the module docstring)."""
        K, M = self.n_components, self.n_mixture
        empty = moments.weight <= np.finfo(float).eps * moments.weight.sum()
        if empty.any():
            raise _no_weight_error(empty)
        full = moments.scatter if moments.scatter.ndim == 3 else _diagonal_matrices(moments.scatter)
        eigenvalues, eigenvectors = np.linalg.eigh(full / moments.weight[:, None, None])
        widest = eigenvectors[:, :, -1] * np.sqrt(np.maximum(eigenvalues[:, -1], 0.0))[:, None]  # (K, d)
        steps = np.linspace(-1.0, 1.0, M) if M > 1 else np.zeros(1)
        means = moments.mean[:, None, :] + steps[None, :, None] * widest[:, None, :]  # (K, M, d)
        split = GaussianStats(
            np.repeat(moments.weight / M, M),
            means.reshape(K * M, -1),
            np.repeat(moments.scatter / M, M, axis=0),
        )
        return self._fitted(self.gaussians.m_step(split), np.full((K, M), 1.0 / M))

    # -- counts, degeneracy, sampling ----------------------------------------------------------
    def n_params(self) -> int:
        """The Gaussians' free parameters plus ``K (M - 1)`` mixture weights.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.random.default_rng(0).normal(size=(20, 2))
        >>> family = em.GaussianMixtureEmission("VVV", n_mixture=2, n_components=3)
        >>> fitted = family.m_step(family.stats(x, np.eye(3)[np.arange(20) % 3]))
        >>> fitted.n_params()  # 6 Gaussians x (2 means + 3 covariance values) + 3 x 1 weight
        33
        """
        return self.gaussians.n_params() + self.n_components * (self.n_mixture - 1)

    def free_parameters(self) -> np.ndarray:
        """The Gaussians' free values, then each component's mixture weights but its largest.

        The largest weight of each component is one minus the others
        (:func:`~emkit.components.parametric.simplex_to_free`), so the
        vector holds exactly the :meth:`n_params` free values.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission("VII", n_mixture=2, reg_covar=0.0)
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> fitted.free_parameters().round(4).tolist()  # 2 means, 2 variances, 1 weight
        [-1.5811, 1.5811, 2.5, 2.5, 0.5]
        >>> len(fitted.free_parameters()) == fitted.n_params()
        True
        """
        return np.concatenate([self.gaussians.free_parameters(), simplex_to_free(self.mixture_weights).ravel()])

    def with_free_parameters(self, vector: np.ndarray) -> "GaussianMixtureEmission":
        """A fitted copy holding ``vector`` (inverse of :meth:`free_parameters`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission("VII", n_mixture=2, reg_covar=0.0)
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> fitted.with_free_parameters(np.array([-1.0, 1.0, 1.0, 1.0, 0.25])).mixture_weights.tolist()
        [[0.75, 0.25]]

        (Both weights start at 0.5; the first, taken as the largest, is one minus the free second.)
        """
        size = len(self.gaussians.free_parameters())
        gaussians = self.gaussians.with_free_parameters(np.asarray(vector[:size], dtype=float))
        return self._fitted(gaussians, simplex_from_free(vector[size:], self.mixture_weights))

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of :meth:`free_parameters`: the Gaussians', then 0 and 1 for the weights.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission("VII", n_mixture=2)
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> [bound.tolist() for bound in fitted.free_parameter_bounds()]
        [[-inf, -inf, 1e-06, 1e-06, 0.0], [inf, inf, inf, inf, 1.0]]
        """
        lower, upper = self.gaussians.free_parameter_bounds()
        n_weights = self.n_components * (self.n_mixture - 1)
        return np.concatenate([lower, np.zeros(n_weights)]), np.concatenate([upper, np.ones(n_weights)])

    def degenerate_components(self, counts: np.ndarray) -> dict[int, str]:
        """Components with a degenerate Gaussian, by the Gaussian family's rules.

        Gaussian ``k M + m`` is given the count ``counts[k] c_km``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.r_[np.random.default_rng(0).normal(size=(40, 1)), np.full((10, 1), 5.0)]
        >>> family = em.GaussianMixtureEmission("VVI", n_mixture=2)
        >>> fitted = family.m_step(family.stats(x, np.ones((50, 1))))
        >>> fitted.degenerate_components(np.array([50.0]))
        {}
        >>> collapsed = fitted.gaussians.m_step(fitted.gaussians.stats(x, np.eye(2)[[0] * 40 + [1] * 10]))
        >>> em.GaussianMixtureEmission(gaussians=collapsed, mixture_weights=[[0.8, 0.2]]).degenerate_components([50.0])
        {0: "Gaussian 1: spread along some direction is below 0.001 of the data's"}
        """
        inner_counts = (np.asarray(counts, dtype=float)[:, None] * self.mixture_weights).ravel()
        reasons: dict[int, str] = {}
        for index, reason in family_degenerate_components(self.gaussians, inner_counts).items():
            reasons.setdefault(index // self.n_mixture, f"Gaussian {index % self.n_mixture}: {reason}")
        return reasons

    def working_floats_per_row(self, n_features: int) -> int:
        """Floats of E-step temporaries per observation: the Gaussians', plus three ``(n, K M)`` arrays.

        The arrays hold the joint log-densities, the posteriors ``P(m | x_t, k)`` and the split weights.

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianMixtureEmission("VVV", n_mixture=2, n_components=3).working_floats_per_row(2)
        54
        """
        return self.gaussians.working_floats_per_row(n_features) + 3 * self.gaussians.n_components

    def sample(self, component: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One draw from component ``component[i]`` in row i: a mixture component by ``c_k``, then its Gaussian.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> family = em.GaussianMixtureEmission(n_mixture=2)
        >>> fitted = family.m_step(family.stats(x, np.ones((4, 1))))
        >>> fitted.sample(np.zeros(5, dtype=int), np.random.default_rng(0)).shape
        (5, 1)
        """
        component = np.asarray(component, dtype=int)
        cumulative = np.cumsum(self.mixture_weights[component], axis=1)
        draws = rng.random(len(component))
        which = np.minimum((cumulative < draws[:, None] * cumulative[:, -1:]).sum(axis=1), self.n_mixture - 1)
        return self.gaussians.sample(component * self.n_mixture + which, rng)

    # -- results -------------------------------------------------------------------------------
    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """The parameters over ``(component, mixture_component, ...)``: weights, means and covariances.

        The variables are ``mixture_weights``, ``mixture_means`` and
        ``mixture_covariances`` (full matrices), named apart from a Gaussian
        family's ``means`` and ``covariances`` so both fit in one Dataset.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.random.default_rng(0).normal(size=(20, 2))
        >>> family = em.GaussianMixtureEmission(n_mixture=3)
        >>> params = family.m_step(family.stats(x, np.ones((20, 1)))).to_dataset(np.array(["a", "b"]))
        >>> {name: params[name].dims for name in params.data_vars}  # doctest: +NORMALIZE_WHITESPACE
        {'mixture_weights': ('component', 'mixture_component'),
         'mixture_means': ('component', 'mixture_component', 'feature'),
         'mixture_covariances': ('component', 'mixture_component', 'feature', 'feature2')}
        """
        K, M, d = self.n_components, self.n_mixture, self.n_features
        gaussians = self.gaussians.to_dataset(features)
        over = ("component", "mixture_component")
        return xr.Dataset(
            {
                "mixture_weights": (over, self.mixture_weights),
                "mixture_means": (over + ("feature",), gaussians["means"].values.reshape(K, M, d)),
                "mixture_covariances": (
                    over + ("feature", "feature2"),
                    gaussians["covariances"].values.reshape(K, M, d, d),
                ),
            },
            coords={"mixture_component": np.arange(M), "feature": features, "feature2": np.asarray(features)},
        )

    def from_dataset(self, params: xr.Dataset, weights: np.ndarray) -> "GaussianMixtureEmission":
        """A fitted copy holding the parameters in ``params`` (as from :meth:`to_dataset`).

        ``weights`` (K,) times the mixture weights weigh the Gaussians'
        matrices when a shared structure averages them.

        Raises
        ------
        ValueError
            If a variable is missing, the numbers of components or mixture
            components differ, or mixture weights are negative or do not sum to 1.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.random.default_rng(0).normal(size=(20, 1))
        >>> family = em.GaussianMixtureEmission(n_mixture=2)
        >>> fitted = family.m_step(family.stats(x, np.ones((20, 1))))
        >>> copy = family.from_dataset(fitted.to_dataset(np.array(["x"])), np.ones(1))
        >>> bool(np.array_equal(copy.gaussians.means, fitted.gaussians.means))
        True
        >>> one_gaussian = fitted.to_dataset(np.array(["x"])).isel(mixture_component=[0])
        >>> family.from_dataset(one_gaussian, np.ones(1))
        Traceback (most recent call last):
        ...
        ValueError: initial parameters have 1 mixture components per component, the model has 2 (n_mixture)
        """
        for name in ("mixture_weights", "mixture_means", "mixture_covariances"):
            if name not in params:
                raise ValueError(f"initial parameters lack the variable {name!r}")
        mixture_weights = self._checked_mixture_weights(params["mixture_weights"])
        K, M = mixture_weights.shape
        means = params["mixture_means"].transpose("component", "mixture_component", "feature").values
        covariances = params["mixture_covariances"].transpose(
            "component", "mixture_component", "feature", "feature2"
        ).values
        d = means.shape[-1]
        gaussians = xr.Dataset(
            {
                "means": (("component", "feature"), means.reshape(K * M, d)),
                "covariances": (("component", "feature", "feature2"), covariances.reshape(K * M, d, d)),
            }
        )
        inner_weights = (np.asarray(weights, dtype=float)[:, None] * mixture_weights).ravel()
        return self._fitted(self.gaussians.from_dataset(gaussians, inner_weights), mixture_weights)

    def _checked_mixture_weights(self, values: xr.DataArray) -> np.ndarray:
        mixture_weights = check_finite_parameter(
            "mixture_weights", values.transpose("component", "mixture_component").values
        )
        K, M = mixture_weights.shape
        if K != self.n_components:
            raise ValueError(f"initial parameters have {K} components, the model has {self.n_components}")
        if M != self.n_mixture:
            raise ValueError(
                f"initial parameters have {M} mixture components per component, the model has "
                f"{self.n_mixture} (n_mixture)"
            )
        if np.any(mixture_weights < 0) or not np.allclose(mixture_weights.sum(axis=1), 1.0, rtol=0, atol=1e-8):
            raise ValueError(
                "mixture_weights must be non-negative and sum to 1 over mixture_component, "
                f"got {mixture_weights.tolist()}"
            )
        return mixture_weights


def _no_weight_error(empty: np.ndarray) -> DegenerateComponentError:
    """The error for components that start without weight (an unfitted family has nothing to keep)."""
    return DegenerateComponentError(
        f"component(s) {', '.join(map(str, np.flatnonzero(empty)))} received no weight "
        "at initialisation; use fewer components or another init"
    )


def _diagonal_matrices(variances: np.ndarray) -> np.ndarray:
    """Diagonal matrices (K, d, d) from their diagonals (K, d)."""
    return variances[:, :, None] * np.eye(variances.shape[1])

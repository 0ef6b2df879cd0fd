"""A base class for multivariate location-scale families, batched over K components.

Families such as :class:`~emkit.components.gaussian.Gaussian` and
:class:`~emkit.components.student_t.StudentT` hold, for each component k, a
location ``mu_k`` (the rows of ``means``, shape (K, d)) and a matrix
``Sigma_k`` kept by a covariance structure (see
:mod:`emkit.components.covariance`), regularised by ``reg_covar`` in the
M-step. :class:`LocationScaleFamily` provides what does not depend on the
density: validation, unfitted copies, the reprs, the shared M-step rule for
locations (``mu_k = m_k``, and components with no weight keep their
parameters), results as an xarray Dataset and back, and the JSON description.

A subclass sets ``kind`` (the registry name), ``_label`` (the noun of
:meth:`~LocationScaleFamily.describe`) and ``_matrix_name`` (the Dataset
variable of the matrices), implements the maths, and declares any extra
parameters through the hooks ``_options`` (constructor options kept by
unfitted copies and specs), ``_options_from_spec``, ``_dataset_variables``
and ``_dataset_params``.
"""

from __future__ import annotations


import numpy as np
import xarray as xr

from ..exceptions import DegenerateComponentError
from .base import (
    OnePassKernel,
    collapsed_variances,
    pooled_variance,
    too_few_observations,
    with_collapsed_spread,
)
from .covariance import DESCRIPTIONS, CovarianceStructure, covariance_structure
from .parametric import check_finite_parameter, check_n_components

#: Default ridge added to covariance diagonals, in squared data units.
DEFAULT_REG_COVAR = 1e-6


class LocationScaleFamily:
    """Base class of K multivariate components with locations and structured matrices.

    Parameters
    ----------
    covariance : str or CovarianceStructure, default "full"
        Structure of the matrices ``Sigma_k``: any of the fourteen structures of
        :mod:`emkit.components.covariance`.
    n_components : int, default 1
        Number of components in this batch.
    reg_covar : float, default 1e-6
        Added to every matrix diagonal in the M-step (squared data units).
    means : ndarray of shape (K, d), optional
        Locations of a fitted family (keyword only).

    Examples
    --------
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.components.location_scale import LocationScaleFamily
    >>> g = Gaussian("VII", n_components=2)
    >>> isinstance(g, LocationScaleFamily), g.reg_covar, g.covariance.name
    (True, 1e-06, 'VII')
    """

    #: Registry name, set by subclasses.
    kind: str
    #: Noun used by :meth:`describe` ("Gaussian", "Student-t").
    _label: str
    #: Name of the matrices' variable in :meth:`to_dataset`.
    _matrix_name: str
    #: float32 chunks are evaluated in float32 (see ``CovarianceStructure.chunk_terms``).
    supports_float32 = True

    def __init__(
        self,
        covariance: "str | CovarianceStructure" = "full",
        n_components: int = 1,
        reg_covar: float = DEFAULT_REG_COVAR,
        *,
        means: np.ndarray | None = None,
        _structure: CovarianceStructure | None = None,
    ):
        self.covariance = _structure if _structure is not None else covariance_structure(covariance)
        self.n_components = check_n_components(n_components)
        reg_covar = float(reg_covar)
        if not np.isfinite(reg_covar) or reg_covar < 0:
            raise ValueError(f"reg_covar must be a finite non-negative number, got {reg_covar}")
        self.reg_covar = reg_covar
        self.means = None if means is None else np.asarray(means, dtype=float)

    # -- hooks for subclasses ------------------------------------------------------
    def _options(self) -> dict:
        """Constructor options besides the structure, K and ``reg_covar`` (kept by copies and specs)."""
        return {}

    @classmethod
    def _options_from_spec(cls, spec: dict) -> dict:
        """The :meth:`_options` of an unfitted family, read from its :meth:`spec`."""
        return {}

    def _dataset_variables(self) -> dict:
        """Variables of :meth:`to_dataset` after ``means`` and the matrices."""
        return {}

    def _dataset_params(self, params: xr.Dataset) -> dict:
        """Fitted constructor arguments besides ``means``, read by :meth:`from_dataset`."""
        return {}

    def _log_norm(self) -> np.ndarray:
        """The terms of each component's log-density that do not depend on x, shape (K,)."""
        raise NotImplementedError

    def _kernel_dof(self) -> np.ndarray | None:
        """Degrees of freedom for the compiled E-step: None for Gaussian components."""
        return None

    def _fused_stats(self, chunk):
        """The family's statistics from a :class:`~emkit.components.covariance.FusedChunk`."""
        raise NotImplementedError

    # -- shared behaviour ------------------------------------------------------------
    def __repr__(self) -> str:
        options = "".join(f"{name}={value!r}, " for name, value in self._options().items())
        return (
            f"{type(self).__name__}(covariance={self.covariance.name!r}, {options}"
            f"n_components={self.n_components}, reg_covar={self.reg_covar:g})"
        )

    def describe(self) -> str:
        """A short description for summaries: K, the kind and the structure.

        Returns
        -------
        str

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> Gaussian("VVI").describe()
        '1 Gaussian component, covariance VVI (diagonal)'
        """
        plural = "s" if self.n_components > 1 else ""
        name = self.covariance.name
        return f"{self.n_components} {self._label} component{plural}, covariance {name} ({DESCRIPTIONS[name]})"

    def check_data(self, x: np.ndarray) -> None:
        """Raise a ``ValueError`` if the data are too large for their second moments in float64.

        Scatter matrices (and k-means++ distances) sum squared differences
        over rows: with ``n`` rows, ``d`` features and a largest feature
        range ``s``, ``n d s^2`` must be a finite float64.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> Gaussian().check_data(np.array([[0.0, 1e150], [1.0, -1e150]]))
        >>> Gaussian().check_data(np.array([[0.0, 1e300], [1.0, -1e300]]))
        Traceback (most recent call last):
        ...
        ValueError: the data are too large to compute with: feature 1 spans 2e+300, and sums of squared differences over 2 rows overflow float64 (largest 1.8e+308); rescale the data (divide by about 1e+300)
        """
        if len(x) == 0:
            return
        with np.errstate(over="ignore", invalid="ignore"):
            span = np.max(x, axis=0).astype(np.float64) - np.min(x, axis=0)
            total = len(x) * x.shape[1] * np.square(np.max(span))
        if not np.isfinite(total):
            widest = int(np.argmax(span))
            raise ValueError(
                f"the data are too large to compute with: feature {widest} spans {span[widest]:.3g}, and sums of "
                f"squared differences over {len(x)} rows overflow float64 (largest {np.finfo(np.float64).max:.2g}); "
                f"rescale the data (divide by about {10.0 ** np.floor(np.log10(np.abs(x).max())):.0e})"
            )

    @property
    def is_fitted(self) -> bool:
        """Whether the family holds parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> family = Gaussian("full")
        >>> x = np.array([[0.0], [2.0]])
        >>> family.is_fitted, family.m_step(family.stats(x, np.ones((2, 1)))).is_fitted
        (False, True)
        """
        return self.means is not None

    @property
    def n_features(self) -> int:
        """Dimension of the data the components are fitted to.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> family = StudentT("diag", dof=3)
        >>> x = np.array([[0.0, 1.0, 2.0], [2.0, 0.0, 1.0]])
        >>> family.m_step(family.stats(x, np.ones((2, 1)))).n_features
        3
        """
        return self.means.shape[1]

    def _with(self, means: np.ndarray, structure: CovarianceStructure, **fitted):
        """A fitted copy with these locations, structure and other fitted arguments."""
        return type(self)(
            **self._options(),
            n_components=self.n_components,
            reg_covar=self.reg_covar,
            means=means,
            _structure=structure,
            **fitted,
        )

    def one_pass_kernel(self) -> OnePassKernel:
        """The compiled one-pass E-step's pieces: kernel, the x-free log-density terms, statistics.

        One compiled call per chunk (see :mod:`emkit.components.gaussian_kernels`)
        computes ``log_const_k + log f_k(x_i) - log_norm_k``, its log-sum-exp
        over k, the posterior (for Student-t components also the scale
        weights ``u_ik``) and the statistics; no ``(n, K)`` array is
        returned. The latent model supplies ``log_const`` (for a mixture,
        ``log w_k + log_norm_k``): this family knows nothing of weights.

        Returns
        -------
        OnePassKernel

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.components.student_t import StudentT
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> family = Gaussian("full", n_components=2)
        >>> fitted = family.m_step(family.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> pieces = fitted.one_pass_kernel()
        >>> chunk = pieces.kernel(x, np.log([0.5, 0.5]) + pieces.log_norm, None, 0)
        >>> round(chunk.log_likelihood, 3), chunk.count.round(6).tolist(), pieces.stats(chunk).mean.round(6).tolist()
        (-5.676, [2.0, 2.0], [[0.5], [4.5]])
        >>> t = StudentT("full", dof=3.0, n_components=2)
        >>> pieces = t.m_step(t.stats(x, np.eye(2)[[0, 0, 1, 1]])).one_pass_kernel()
        >>> pieces.stats(pieces.kernel(x, np.log([0.5, 0.5]) + pieces.log_norm, None, 0)).dof_stat.shape
        (2,)
        """
        kernel = self.covariance.fused_kernel(self.means, self._kernel_dof())
        return OnePassKernel(kernel, self._log_norm(), self._fused_stats)

    def free_parameters(self) -> np.ndarray:
        """Locations, then the structure's free values, as one vector.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [2.0], [10.0], [12.0]])
        >>> g = em.Gaussian("spherical", 2); g = g.m_step(g.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> g.free_parameters().round(6).tolist()
        [1.0, 11.0, 1.000001, 1.000001]
        """
        return np.concatenate([self.means.ravel(), self.covariance.free_values()])

    def with_free_parameters(self, vector: np.ndarray) -> "LocationScaleFamily":
        """A fitted copy holding ``vector`` (inverse of :meth:`free_parameters`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [2.0], [10.0], [12.0]])
        >>> g = em.Gaussian("spherical", 2); g = g.m_step(g.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> g.with_free_parameters(np.array([0.0, 10.0, 1.0, 2.0])).means.ravel().tolist()
        [0.0, 10.0]
        """
        size = self.means.size
        structure = self.covariance.with_free_values(vector[size:])
        return self._with(vector[:size].reshape(self.means.shape), structure)

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of :meth:`free_parameters`: locations are unbounded, variances at least ``reg_covar``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [2.0], [10.0], [12.0]])
        >>> g = em.Gaussian("spherical", 2); g = g.m_step(g.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> [bound.tolist() for bound in g.free_parameter_bounds()]
        [[-inf, -inf, 1e-06, 1e-06], [inf, inf, inf, inf]]
        """
        lower, upper = self.covariance.free_value_bounds(self.reg_covar)
        free_means = np.full(self.means.size, np.inf)
        return np.concatenate([-free_means, lower]), np.concatenate([free_means, upper])

    def with_components(self, n_components: int) -> "LocationScaleFamily":
        """An unfitted copy with ``n_components`` components.

        The covariance structure, ``reg_covar`` and the options are kept;
        parameters are not.

        Parameters
        ----------
        n_components : int
            Number of components of the copy.

        Returns
        -------
        LocationScaleFamily
            A family of the same class.

        Examples
        --------
        >>> from emkit.components.student_t import StudentT
        >>> StudentT("VVI", dof=5, reg_covar=0.01).with_components(2)
        StudentT(covariance='VVI', dof=5.0, n_components=2, reg_covar=0.01)
        """
        return type(self)(
            **self._options(),
            n_components=n_components,
            reg_covar=self.reg_covar,
            _structure=self.covariance.unfitted(),
        )

    def _estimate(self, weight: np.ndarray, mean: np.ndarray, scatter: np.ndarray):
        """Locations and matrices of the M-step, and the components without weight.

        ``mu_k = m_k`` and the structure's estimate from ``scatter`` and
        ``weight``; components whose weight is numerically zero keep their
        locations (and matrices). An unfitted family has nothing to keep and
        raises :class:`DegenerateComponentError`.

        Returns
        -------
        (means, structure, empty)
        """
        empty = weight <= np.finfo(float).eps * weight.sum()
        means = mean.copy()
        if empty.any():
            if self.means is None:
                raise DegenerateComponentError(
                    f"component(s) {', '.join(map(str, np.flatnonzero(empty)))} received no "
                    "weight at initialisation; use fewer components or another init"
                )
            means[empty] = self.means[empty]
        structure = self.covariance.estimate(scatter, weight, self.reg_covar, empty)
        return means, structure, empty

    def degenerate_components(self, counts: np.ndarray) -> dict[int, str]:
        """Components with too few observations, or whose spread in some direction has collapsed.

        Besides the count rule of every family
        (:func:`~emkit.components.base.too_few_observations`: ``n_k d < p_k``,
        each row giving ``d`` values), a component is degenerate when, in some
        direction, the variance its data give it (its matrix less the
        ``reg_covar`` ridge) is below ``(1e-3)^2`` times the data's own
        variance: the smallest eigenvalue of
        ``D^-1/2 (Sigma_k - reg I) D^-1/2`` below ``1e-6``, with ``D`` the
        diagonal of the data's variances as the fit summarises them
        (:func:`~emkit.components.base.pooled_variance`: within- plus
        between-component, the sample variances for Gaussian components).
        Such a component sits on points with (nearly) identical values in
        that direction: its density, and the likelihood, grow without bound
        as the ridge shrinks, so its fit is an artefact of the ridge. The
        rule does not depend on the size of ``reg_covar``.

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
        >>> x = np.r_[np.random.default_rng(0).normal(size=(50, 2)), np.tile([[5.0, 5.0]], (10, 1))]
        >>> g = em.Gaussian("full", 2); g = g.m_step(g.stats(x, np.eye(2)[[0] * 50 + [1] * 10]))
        >>> g.degenerate_components(np.array([50.0, 10.0]))
        {1: "spread along some direction is below 0.001 of the data's"}
        >>> g.degenerate_components(np.array([50.0, 2.0]))
        {1: 'effective sample size 2 x 2 value(s) per row is below its 5 free parameter(s)'}
        """
        reasons = too_few_observations(self, counts, self.n_features)
        matrices = self.covariance.matrices(self.n_features)
        reference = pooled_variance(counts, self.means, np.diagonal(matrices, axis1=1, axis2=2))
        if reference is None:
            return reasons
        scale = np.sqrt(np.where(reference > 0, reference, 1.0))
        own = (matrices - self.reg_covar * np.eye(self.n_features)) / np.outer(scale, scale)
        smallest = np.linalg.eigvalsh(own)[:, :1]
        return with_collapsed_spread(reasons, collapsed_variances(smallest, np.ones(1)), "along some direction")

    def n_params(self) -> int:
        """Free parameters: ``K d`` locations plus the structure's matrix count.

        Returns
        -------
        int

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
        >>> family = Gaussian("EII")
        >>> family.m_step(family.stats(x, np.ones((3, 1)))).n_params()  # 2 means, 1 variance
        3
        """
        K, d = self.n_components, self.n_features
        return K * d + self.covariance.n_params(K, d)

    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """The locations, full matrices and any other parameters, as a Dataset.

        Parameters
        ----------
        features : ndarray of shape (d,)
            Coordinate of the ``feature`` and ``feature2`` dimensions.

        Returns
        -------
        xarray.Dataset
            ``means(component, feature)``, the full matrices
            ``(component, feature, feature2)`` under the subclass's name
            (``covariances``, ``scales``), then any other parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.student_t import StudentT
        >>> family = StudentT("EII", dof=4)
        >>> x = np.array([[0.0, 0.0], [2.0, 2.0]])
        >>> params = family.m_step(family.stats(x, np.ones((2, 1)))).to_dataset(np.array(["a", "b"]))
        >>> list(params.data_vars), params.means.values.tolist()
        (['means', 'scales', 'dof'], [[1.0, 1.0]])
        """
        return xr.Dataset(
            {
                "means": (("component", "feature"), self.means),
                self._matrix_name: (
                    ("component", "feature", "feature2"),
                    self.covariance.matrices(self.n_features),
                ),
                **self._dataset_variables(),
            },
            coords={"feature": features, "feature2": np.asarray(features)},
        )

    def from_dataset(self, params: xr.Dataset, weights: np.ndarray) -> "LocationScaleFamily":
        """A fitted copy holding the parameters in ``params`` (as from :meth:`to_dataset`).

        The matrices are projected onto this family's structure (see
        :meth:`CovarianceStructure.from_matrices`).

        Parameters
        ----------
        params : xarray.Dataset
            ``means(component, feature)`` and the matrices
            ``(component, feature, feature2)`` under the subclass's name.
        weights : ndarray of shape (K,)
            Mixing weights, used to average the matrices of a shared structure.

        Returns
        -------
        LocationScaleFamily
            A fitted family of the same class.

        Raises
        ------
        ValueError
            If a variable is missing or the number of components differs.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> from emkit.components.gaussian import Gaussian
        >>> params = xr.Dataset({
        ...     "means": (("component", "feature"), [[1.0, 2.0]]),
        ...     "covariances": (("component", "feature", "feature2"), [[[2.0, 0.5], [0.5, 1.0]]]),
        ... })
        >>> family = Gaussian("diag").from_dataset(params, np.array([1.0]))
        >>> family.means.tolist(), family.covariance_matrices().tolist()
        ([[1.0, 2.0]], [[[2.0, 0.0], [0.0, 1.0]]])
        """
        for name in ("means", self._matrix_name):
            if name not in params:
                raise ValueError(f"initial parameters lack the variable {name!r}")
        means = check_finite_parameter("means", params["means"].transpose("component", "feature").values)
        matrices = check_finite_parameter(
            self._matrix_name, params[self._matrix_name].transpose("component", "feature", "feature2").values
        )
        if means.shape[0] != self.n_components:
            raise ValueError(
                f"initial parameters have {means.shape[0]} components, the model has {self.n_components}"
            )
        fitted = self._dataset_params(params)
        return self._with(means, self.covariance.from_matrices(matrices, weights), **fitted)

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy.

        Returns
        -------
        dict
            ``kind``, ``covariance`` (the structure's name), the options,
            ``n_components`` and ``reg_covar``.

        Examples
        --------
        >>> from emkit.components.student_t import StudentT
        >>> StudentT("EII", dof=2.5).spec()
        {'kind': 'student_t', 'covariance': 'EII', 'dof': 2.5, 'n_components': 1, 'reg_covar': 1e-06}
        """
        return {
            "kind": self.kind,
            "covariance": self.covariance.name,
            **self._options(),
            "n_components": self.n_components,
            "reg_covar": self.reg_covar,
        }

    @classmethod
    def from_spec(cls, spec: dict) -> "LocationScaleFamily":
        """Inverse of :meth:`spec`: an unfitted family from its description.

        Parameters
        ----------
        spec : dict
            As returned by :meth:`spec`.

        Returns
        -------
        LocationScaleFamily

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> Gaussian.from_spec({"kind": "gaussian", "covariance": "VVI", "n_components": 2, "reg_covar": 0.0})
        Gaussian(covariance='VVI', n_components=2, reg_covar=0)
        """
        return cls(
            spec["covariance"],
            n_components=spec["n_components"],
            reg_covar=spec["reg_covar"],
            **cls._options_from_spec(spec),
        )

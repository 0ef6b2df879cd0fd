"""User-facing model declarations with ``fit``: where the layers meet.

A declaration names the component families; ``fit`` validates the data,
runs the EM driver over restarts and wraps the best run in a
:class:`~emkit.results.FitResult`.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._input import as_observations, as_sample_weight
from .components.base import check_family
from .components.gaussian import DEFAULT_REG_COVAR, Gaussian
from .components.parametric import check_n_components
from .em.chunks import ChunkedData, check_chunk_size
from .em.convergence import check_stopping
from .em.driver import fit_restarts
from .em.init import check_init
from .exceptions import DegenerateComponentWarning
from .em.parallel import default_workers, single_threaded_blas
from .models.mixture import FiniteMixture
from .results.fit_result import FitResult
from .results.trace import trace_dataset

#: Defaults of :meth:`Mixture.fit`.
DEFAULT_TOL = 1e-6
DEFAULT_MAX_ITER = 500


class Mixture:
    """A finite mixture declared from component families.

    Parameters
    ----------
    families : Family or list of Family
        One family used as a template for all components, or a list of
        families whose component axes are concatenated (a heterogeneous
        mixture).
    n_components : int, optional
        With a single template family: the number of components. With a
        list: optional, and if given must equal the total.

    Examples
    --------
    >>> import emkit as em
    >>> model = em.Mixture(em.Gaussian("diag"), n_components=3)
    >>> model.n_components
    3
    >>> em.Mixture([em.Gaussian("full"), em.Gaussian("spherical")]).n_components
    2
    """

    def __init__(self, families, n_components: int | None = None):
        for family in families if isinstance(families, (list, tuple)) else [families]:
            check_family(family)
        if isinstance(families, (list, tuple)):
            families = list(families)
            if not families:
                raise ValueError("a mixture needs at least one family")
            total = sum(f.n_components for f in families)
            if n_components is not None and check_n_components(n_components) != total:
                raise ValueError(f"n_components={n_components} but the families hold {total} components")
        else:
            count = families.n_components if n_components is None else check_n_components(n_components)
            families = [families.with_components(count)]
        self._declaration = FiniteMixture([f.with_components(f.n_components) for f in families])

    @property
    def n_components(self) -> int:
        """Total number of components."""
        return self._declaration.n_components

    @property
    def families(self) -> tuple:
        """The (unfitted) component families."""
        return self._declaration.families

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.families)!r})"

    def fit(
        self,
        X,
        *,
        n_init: int = 1,
        init="kmeans++",
        max_iter: int = DEFAULT_MAX_ITER,
        tol: float = DEFAULT_TOL,
        chunk_size: int | None = None,
        sample_weight=None,
        random_state=None,
    ) -> FitResult:
        """Fit the mixture by EM and return the best of ``n_init`` restarts.

        Parameters
        ----------
        X : array-like, DataFrame or DataArray of shape (n, d)
            Observations in rows; column names become feature coordinates.
        n_init : int, default 1
            Number of restarts; the one with the highest log-likelihood is kept.
        init : str, xarray.Dataset or array, default "kmeans++"
            ``"kmeans++"``, ``"random_from_data"``, ``"random"``, parameters
            laid out like ``FitResult.params``, or (n, K) responsibilities.
            See :mod:`emkit.em.init`.
        max_iter : int, default 500
            Maximum number of EM iterations (M-steps) per restart.
        tol : float, default 1e-6
            Stop when the mean per-observation log-likelihood changes by at
            most ``tol * max(1, |mean log-likelihood|)``; 0 runs exactly
            ``max_iter`` iterations. See :class:`emkit.em.ConvergenceMonitor`.
        chunk_size : int, optional
            Rows per chunk of the E-step; by default chosen from d and K so
            temporaries stay small. Results do not depend on it beyond rounding.
        sample_weight : array-like of shape (n,), optional
            Non-negative observation weights (an integer weight equals
            repeating the row).
        random_state : int, numpy Generator or None
            Seed for initialisation; the same seed gives the same fit.

        Returns
        -------
        FitResult

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(3, covariance="full").fit(X, n_init=10, random_state=0)
        >>> fit.params.means.sizes["component"]
        3
        """
        obs = as_observations(X, categories={} if self._declaration.accepts_categorical else None)
        weight = as_sample_weight(sample_weight, obs.n_obs)
        K = self.n_components
        if isinstance(n_init, bool) or not isinstance(n_init, (int, np.integer)) or n_init < 1:
            raise ValueError(f"n_init must be a positive integer, got {n_init!r}")
        tol, max_iter = check_stopping(tol, max_iter)
        if obs.n_obs < K:
            raise ValueError(f"X has {obs.n_obs} observations, fewer than the {K} components")
        init = check_init(init, obs.n_obs, obs.n_features, K)
        declaration = self._declaration.bind(obs.features, obs.categories, obs.values)
        declaration.check_data(obs.values)
        chunk_rows = check_chunk_size(chunk_size, declaration.working_floats_per_row(obs.n_features))
        data = ChunkedData(obs.values, weight, chunk_rows, default_workers())
        with single_threaded_blas():  # small matrices; chunks use the cores instead
            outcome = fit_restarts(
                declaration, data, init=init, n_init=n_init, tol=tol, max_iter=max_iter,
                random_state=random_state,
            )
        best = outcome.best
        trace = trace_dataset(
            [run.log_likelihood for run in outcome.runs],
            [run.converged for run in outcome.runs],
            [run.error for run in outcome.runs],
            [None if run.mixture is None else run.mixture.to_dataset(obs.features) for run in outcome.runs],
        )
        result = FitResult(
            best.mixture,
            obs.features,
            trace,
            outcome.best_index,
            best.stats.n_obs,
            best.stats.log_likelihood,
            best.stats.classification_log_likelihood,
            categories=obs.categories,
        )
        if result.degenerate_components:
            warnings.warn(
                f"component(s) {', '.join(map(str, result.degenerate_components))} sit on points with (nearly) "
                "identical values: their variance along some direction is set by reg_covar, not by the data, "
                "and their likelihood is an artefact of it; use fewer components, another covariance structure, "
                "or a larger reg_covar",
                DegenerateComponentWarning,
                stacklevel=2,
            )
        return result


class GaussianMixture(Mixture):
    """A mixture of K multivariate Gaussians (mclust's Mclust, scikit-learn's GaussianMixture).

    Parameters
    ----------
    n_components : int, default 1
        Number of components.
    covariance : str or CovarianceStructure, default "full"
        ``"VVV"``/``"full"``, ``"EEE"``/``"tied"``, ``"VVI"``/``"diag"``,
        ``"EEI"``, ``"VII"``/``"spherical"`` or ``"EII"``.
    reg_covar : float, default 1e-6
        Added to covariance diagonals in every M-step (squared data units).

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(3, covariance="EEE").fit(em.datasets.load("faithful"), random_state=0)
    >>> fit.n_params
    11
    """

    def __init__(self, n_components: int = 1, covariance="full", reg_covar: float = DEFAULT_REG_COVAR):
        super().__init__(Gaussian(covariance, n_components=n_components, reg_covar=reg_covar))

"""A drop-in replacement of scikit-learn's ``GaussianMixture`` fitted by emkit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ..em.convergence import AbsoluteTolerance
from ..estimators import GaussianMixture as EmkitGaussianMixture
from .base import MixtureEstimator, fit_collecting, reemit
from .covariance_shapes import from_sklearn, mclust_name, precision_cholesky, precisions, shape_kind, to_sklearn

#: scikit-learn's ways of drawing the starting responsibilities.
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")


class GaussianMixture(MixtureEstimator):
    """A Gaussian mixture with scikit-learn's interface, fitted by emkit.

    The constructor, fitted attributes and methods are those of
    :class:`sklearn.mixture.GaussianMixture`, so code written for it runs
    unchanged; ``covariance_type`` also takes mclust's fourteen names
    (:data:`emkit.COVARIANCE_NAMES`), and ``result_`` keeps the emkit
    :class:`~emkit.FitResult` (xarray parameters, diagnostics, plots,
    :func:`emkit.report`).

    Parameters
    ----------
    n_components : int, default 1
    covariance_type : str, default "full"
        ``"full"``, ``"tied"``, ``"diag"``, ``"spherical"`` or an mclust name
        (``"VVV"`` is ``"full"``, ``"EEE"`` ``"tied"``, ``"VVI"`` ``"diag"``,
        ``"VII"`` ``"spherical"``; ``"EII"``, ``"EEI"``, ``"VEV"``... have no
        scikit-learn equivalent).
    tol : float, default 1e-3
        EM stops when the mean log-likelihood per sample changes by at most
        ``tol``, scikit-learn's rule (:class:`emkit.em.AbsoluteTolerance`).
    reg_covar : float, default 1e-6
        Added to the diagonal of every covariance in every M-step.
    max_iter : int, default 100
        EM iterations (M-steps) per initialisation; 0 keeps the start.
    n_init : int, default 1
        Initialisations; the one with the highest likelihood is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default "kmeans"
        Starting responsibilities, drawn exactly as scikit-learn draws them
        (k-means labels, k-means++ seeds, uniform random, random rows), then
        one M-step.
    weights_init : array-like of shape (n_components,), optional
    means_init : array-like of shape (n_components, n_features), optional
    precisions_init : array-like, optional
        Starting parameters, replacing those of the M-step from
        ``init_params``; the precisions in the shape of ``covariances_``.
    random_state : int, RandomState or None
        Seed of the initialisations and of :meth:`sample`.
    warm_start : bool, default False
        Refit from the last fit's parameters (one initialisation).
    verbose : int, default 0
        Above 0, emkit's progress bar on standard error.
    verbose_interval : int, default 10
        Accepted for scikit-learn compatibility; the progress bar shows
        every iteration.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_ : ndarray
        (K, d, d) for ``"full"``, (d, d) for ``"tied"``, (K, d) for
        ``"diag"``, (K,) for ``"spherical"``; an mclust name takes the shape
        of its scikit-learn equivalent, and (K, d, d) when it has none.
    precisions_ : ndarray
        The inverse covariances, in the same shape.
    precisions_cholesky_ : ndarray
        Upper-triangular ``U`` with ``precision = U U^T`` (``1/sqrt`` of the
        variances for diagonal shapes), scikit-learn's convention.
    converged_ : bool
    n_iter_ : int
        M-steps of the kept initialisation.
    lower_bound_ : float
        Mean log-likelihood per sample of the final parameters.
    lower_bounds_ : list of float
        Mean log-likelihood per sample after each M-step.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrames with string column names.
    result_ : emkit.FitResult
        The emkit fit (features named as the columns).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.sklearn import GaussianMixture
    >>> X = em.datasets.load("faithful")
    >>> gmm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> gmm.covariances_.shape, gmm.predict(X[:3]).tolist()
    ((2, 2, 2), [1, 0, 1])
    >>> round(gmm.bic(X), 1)
    2322.2
    >>> GaussianMixture(3, covariance_type="EEI", random_state=0).fit(X).covariances_.shape
    (3, 2, 2)
    """

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    def _read(self, X, reset):
        """``X`` validated by scikit-learn, as emkit's input (a DataFrame over ``feature_names_in_`` if any)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2 if reset else 1, reset=reset)
        names = getattr(self, "feature_names_in_", None)
        return X if names is None else pd.DataFrame(X, columns=names)

    def _fit_result(self, data):
        if self.init_params not in INIT_PARAMS:
            raise ValueError(f"init_params must be one of {', '.join(INIT_PARAMS)}; got {self.init_params!r}")
        model = EmkitGaussianMixture(self.n_components, mclust_name(self.covariance_type), self.reg_covar)
        if self.warm_start and hasattr(self, "converged_"):
            starts = [self.result_.params]
        else:
            if isinstance(self.n_init, bool) or not isinstance(self.n_init, (int, np.integer)) or self.n_init < 1:
                raise ValueError(f"n_init must be a positive integer, got {self.n_init!r}")
            rng = check_random_state(self.random_state)
            starts = (self._start(model, data, rng) for _ in range(self.n_init))
        best, best_heard = None, ()
        for start in starts:
            result, heard = fit_collecting(
                model.fit, data, init=start, max_iter=self.max_iter, tol=AbsoluteTolerance(self.tol), random_state=0,
                progress=bool(self.verbose),
            )
            if best is None or result.log_likelihood > best.log_likelihood:
                best, best_heard = result, heard
        reemit(best_heard, stacklevel=3)  # the user's call of fit
        return best

    def _start(self, model, data, rng):
        """Starting responsibilities, or parameters when some are given (scikit-learn's initialisation)."""
        given = (self.weights_init, self.means_init, self.precisions_init)
        X = np.asarray(data)
        n, d = X.shape
        K = self.n_components
        if all(value is None for value in given):
            return self._responsibilities(X, rng)
        resp = np.full((n, K), 1.0 / K) if all(v is not None for v in given) else self._responsibilities(X, rng)
        params = model.fit(data, init=resp, max_iter=0).params  # one M-step from the responsibilities
        if self.weights_init is not None:
            weights = np.asarray(self.weights_init, dtype=float)
            if weights.shape != (K,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
                raise ValueError(f"weights_init must be {K} non-negative weights summing to 1, got {weights!r}")
            params["weights"].values[:] = weights
        if self.means_init is not None:
            means = np.asarray(self.means_init, dtype=float)
            if means.shape != (K, d):
                raise ValueError(f"means_init must have shape {(K, d)}, got {means.shape}")
            params["means"].values[:] = means
        if self.precisions_init is not None:
            kind = shape_kind(self.covariance_type)
            precision = from_sklearn(self.precisions_init, kind, K, d)
            if np.any(np.linalg.eigvalsh(precision)[:, 0] <= 0):
                raise ValueError("precisions_init must be symmetric positive-definite")
            params["covariances"].values[:] = np.linalg.inv(precision)
        return params

    def _responsibilities(self, X, rng):
        """scikit-learn's starting responsibilities for ``init_params``, drawn from ``rng`` as it draws them.

        For ``"k-means++"`` and ``"random_from_data"`` scikit-learn gives each
        seed row its own component and its first E-step (covariances
        ``reg_covar``, equal weights) puts every row with its nearest seed;
        emkit starts from that nearest-seed partition.
        """
        n, K = len(X), self.n_components
        if self.init_params == "random":
            resp = rng.uniform(size=(n, K))
            return resp / resp.sum(axis=1, keepdims=True)
        if self.init_params == "kmeans":
            labels = KMeans(n_clusters=K, n_init=1, random_state=rng).fit(X).labels_
        else:
            if self.init_params == "random_from_data":
                seeds = rng.choice(n, size=K, replace=False)
            else:
                seeds = kmeans_plusplus(X, K, random_state=rng)[1]
            labels = euclidean_distances(X, X[seeds]).argmin(axis=1)
        return np.eye(K)[labels]

    def _set_fitted(self, result) -> None:
        super()._set_fitted(result)
        kind = shape_kind(self.covariance_type)
        self.means_ = result.params["means"].values.copy()
        self.covariances_ = to_sklearn(result.params["covariances"].values, kind)
        self.precisions_ = precisions(self.covariances_, kind)
        self.precisions_cholesky_ = precision_cholesky(self.covariances_, kind)

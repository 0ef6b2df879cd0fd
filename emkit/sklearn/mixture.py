"""A mixture of any emkit family as a scikit-learn estimator."""

from __future__ import annotations


from ..components.gaussian import Gaussian
from ..estimators import DEFAULT_MAX_ITER, DEFAULT_TOL, Mixture
from .base import MixtureEstimator, emkit_seed, fit_collecting, read_frame_or_array, reemit


class MixtureModel(MixtureEstimator):
    """A finite mixture of any emkit family, with scikit-learn's interface.

    Parameters
    ----------
    family : Family, optional
        The component family (:class:`emkit.Poisson`, :class:`emkit.Bernoulli`,
        :class:`emkit.Independent` over named columns of mixed types, ...); by
        default ``emkit.Gaussian("full")``. It is a parameter: ``clone``
        copies it, ``fit`` does not change it.
    n_components : int, default 1
    init : str, default "auto"
        emkit's initialisation (see :meth:`emkit.Mixture.fit`).
    n_init : int, default 1
    max_iter : int, default 500
    tol : float, default 1e-6
        emkit's stopping rule (see :meth:`emkit.Mixture.fit`).
    missing : {None, "marginalize"}, default None
        ``"marginalize"`` takes NaN as values missing at random (emkit's
        option); without it a NaN is an error.
    random_state : int, RandomState or None
        Seed of the initialisation and of :meth:`sample`.
    warm_start : bool, default False
        Refit from the last fit's parameters.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    converged_, n_iter_, lower_bound_, lower_bounds_
        As :class:`GaussianMixture`'s.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrames with string column names.
    result_ : emkit.FitResult
        The emkit fit: its ``params`` hold each family's parameters.

    Notes
    -----
    A DataFrame reaches emkit as it is, its column names and types kept
    (scikit-learn's validation would turn categorical and text columns into
    numbers): an :class:`emkit.Independent` family finds its columns by
    name, categorical columns keep their labels. This also holds after a
    ``ColumnTransformer`` with ``set_output(transform="pandas")``. Other
    input is validated and converted to numbers by scikit-learn: text
    goes in a DataFrame.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.sklearn import MixtureModel
    >>> rng = np.random.default_rng(0)
    >>> counts = np.r_[rng.poisson(2, (300, 1)), rng.poisson(15, (200, 1))]
    >>> model = MixtureModel(em.Poisson(), n_components=2, random_state=0).fit(counts)
    >>> rates = model.result_.params.rate.values.ravel()
    >>> sorted(rates.round().tolist())
    [2.0, 15.0]
    >>> model.predict([[1], [20]]).tolist() == [rates.argmin(), rates.argmax()]
    True
    """

    def __init__(
        self,
        family=None,
        n_components=1,
        *,
        init="auto",
        n_init=1,
        max_iter=DEFAULT_MAX_ITER,
        tol=DEFAULT_TOL,
        missing=None,
        random_state=None,
        warm_start=False,
    ):
        self.family = family
        self.n_components = n_components
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.missing = missing
        self.random_state = random_state
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.missing is not None
        return tags

    def _read(self, X, reset):
        return read_frame_or_array(self, X, reset, allow_nan=self.missing is not None)

    def _fit_result(self, data):
        model = Mixture(Gaussian("full") if self.family is None else self.family, self.n_components)
        warm = self.warm_start and hasattr(self, "converged_")
        result, heard = fit_collecting(
            model.fit, data, init=self.result_.params if warm else self.init, n_init=1 if warm else self.n_init,
            max_iter=self.max_iter, tol=self.tol, missing=self.missing, random_state=emkit_seed(self.random_state),
            progress=False,
        )
        reemit(heard, stacklevel=3)  # the user's call of fit
        return result

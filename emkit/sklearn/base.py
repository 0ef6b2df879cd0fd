"""What every emkit estimator shares: random states, warnings, and the mixture estimator's methods.

:class:`MixtureEstimator` holds the scikit-learn side of a fitted mixture
(``predict``, ``predict_proba``, ``transform``, ``score``, ``bic``,
``sample``...), each a call of the emkit result kept in ``result_``; a
subclass says how its data are read (``_read``) and fitted (``_fit_result``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, DensityMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import notices
from ..exceptions import ConvergenceWarning
from ..results import criteria


def emkit_seed(random_state) -> int:
    """An integer seed for emkit drawn from a scikit-learn ``random_state`` (None, an int or a RandomState).

    The same int (or a RandomState in the same state) gives the same seed;
    a RandomState is advanced by one draw.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.sklearn.base import emkit_seed
    >>> emkit_seed(0) == emkit_seed(0) == emkit_seed(np.random.RandomState(0))
    True
    """
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def fit_collecting(fit, *args, **kwargs):
    """``fit(*args, **kwargs)`` with emkit's warnings collected: ``(result, notices)``.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.sklearn.base import fit_collecting
    >>> result, heard = fit_collecting(em.GaussianMixture(2).fit, em.datasets.load("faithful"), max_iter=1)
    >>> [notice.category.__name__ for notice in heard]
    ['ConvergenceWarning']
    """
    with notices.collect() as heard:
        result = fit(*args, **kwargs)
    return result, heard


def reemit(heard, stacklevel: int = 2, names=None) -> None:
    """Emit collected emkit warnings; a convergence warning as scikit-learn's ``ConvergenceWarning``.

    So that ``warnings.filterwarnings("ignore", category=sklearn.exceptions.ConvergenceWarning)``,
    and scikit-learn's own tools that silence it, work as with scikit-learn's estimators.

    Parameters
    ----------
    heard : list of emkit.notices.Notice
        The warnings collected (:func:`fit_collecting`).
    stacklevel : int, default 2
        As :func:`warnings.warn`'s, counted from the caller of ``reemit``.
    names : dict, optional
        The estimator's words for emkit's: each regular expression (key)
        is replaced in every message by its value, so that the messages
        name the estimator's options (``n_iter`` for emkit's ``max_iter``...).

    Examples
    --------
    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> import emkit as em
    >>> from emkit.notices import Notice
    >>> from emkit.sklearn.base import reemit
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     reemit([Notice("did not converge; increase max_iter", em.ConvergenceWarning)],
    ...            names={r"\\bmax_iter\\b": "n_iter"})
    >>> caught[0].category is ConvergenceWarning, str(caught[0].message)
    (True, 'did not converge; increase n_iter')
    """
    for notice in heard:
        category = SklearnConvergenceWarning if issubclass(notice.category, ConvergenceWarning) else notice.category
        message = str(notice.message)
        for pattern, replacement in (names or {}).items():
            message = re.sub(pattern, replacement, message)
        warnings.warn(message, category, stacklevel=stacklevel + 1)


def read_frame_or_array(estimator, X, reset: bool, allow_nan: bool = False):
    """``X`` for emkit: a DataFrame checked (names, number of columns) but kept, other data validated as numbers.

    A DataFrame keeps its column names and types (categories, text) for
    emkit's families; scikit-learn's ``validate_data`` still records or
    checks ``n_features_in_`` and ``feature_names_in_``. ``reset`` is True
    in ``fit`` (at least two rows are then required) and False afterwards.

    Raises
    ------
    ValueError
        scikit-learn's, for data it does not accept; for an array holding
        text, one saying that text columns go in a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.base import BaseEstimator
    >>> from emkit.sklearn.base import read_frame_or_array
    >>> estimator = BaseEstimator()
    >>> frame = pd.DataFrame({"count": [1, 2, 3], "kind": ["a", "b", "a"]})
    >>> read_frame_or_array(estimator, frame, reset=True) is frame, estimator.feature_names_in_.tolist()
    (True, ['count', 'kind'])
    """
    if isinstance(X, pd.DataFrame):
        validate_data(estimator, X, skip_check_array=True, reset=reset)
        if reset and len(X) < 2:
            raise ValueError(f"Found array with {len(X)} sample(s) while a minimum of 2 is required.")
        return X
    try:
        return validate_data(
            estimator, X, dtype="numeric", ensure_all_finite="allow-nan" if allow_nan else True,
            ensure_min_samples=2 if reset else 1, reset=reset,
        )
    except ValueError as error:
        if any(isinstance(value, (str, bytes)) for value in np.asarray(X, dtype=object).ravel()):
            raise ValueError(
                "X holds text, and an array is read as numbers; text columns: pass a DataFrame (its text "
                "columns are read as labels)"
            ) from error
        raise


def split_draws(draws, label: str, n_features: int, by_label: bool = False):
    """emkit's draws as scikit-learn returns them: ``(X, labels)``.

    Parameters
    ----------
    draws : pandas.DataFrame or xarray.DataArray
        A result's ``sample``: a DataFrame (data with categories: their
        labels) whose first ``n_features`` columns are the features, or a
        DataArray over ``(observation, feature)``; either with ``label``
        (a column or a coordinate).
    label : str
        ``"component"`` or ``"state"``.
    n_features : int
    by_label : bool, default False
        Rows grouped by label (stably), as scikit-learn's mixtures draw them.

    Returns
    -------
    X : ndarray, or a DataFrame with a default index when ``draws`` is one
    labels : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import pandas as pd
    >>> from emkit.sklearn.base import split_draws
    >>> draws = pd.DataFrame({"colour": ["red", "blue", "red"], "component": [1, 0, 1], "step": [0, 1, 2]})
    >>> X, y = split_draws(draws, "component", 1, by_label=True)
    >>> X["colour"].tolist(), y.tolist()
    (['blue', 'red', 'red'], [0, 1, 1])
    """
    labels = np.asarray(draws[label])
    order = np.argsort(labels, kind="stable") if by_label else np.arange(len(labels))
    if isinstance(draws, pd.DataFrame):
        return draws.iloc[order, :n_features].reset_index(drop=True), labels[order]
    return np.asarray(draws.values)[order], labels[order]


def check_n_samples(n_samples) -> None:
    """scikit-learn's error for a number of draws that is not a positive integer.

    Examples
    --------
    >>> from emkit.sklearn.base import check_n_samples
    >>> check_n_samples(0)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for 'n_samples': 0. The sampling requires at least one sample.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"Invalid value for 'n_samples': {n_samples!r}. The sampling requires at least one sample.")


def check_enough_samples(n_samples: int, n_components: int) -> None:
    """scikit-learn's error for fewer observations than components.

    Examples
    --------
    >>> from emkit.sklearn.base import check_enough_samples
    >>> check_enough_samples(2, 3)
    Traceback (most recent call last):
    ...
    ValueError: Expected n_samples >= n_components but got n_components = 3, n_samples = 2
    """
    if n_samples < n_components:
        raise ValueError(
            f"Expected n_samples >= n_components but got n_components = {n_components}, n_samples = {n_samples}"
        )


class MixtureEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, DensityMixin, BaseEstimator):
    """A fitted emkit mixture seen as a scikit-learn density estimator and transformer.

    Subclasses define ``_read(X, reset)`` (the validated data handed to
    emkit) and ``_fit_result(data)`` (the emkit ``FitResult``), and may add
    fitted attributes in ``_set_fitted``. ``transform`` returns the
    responsibilities, so a fitted mixture can be a feature step (stacking);
    with ``set_output(transform="pandas")`` their columns are named
    ``<class name><k>``.
    """

    def fit(self, X, y=None):
        """Fit the mixture by EM.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations in rows.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self
        """
        data = self._read(X, reset=True)
        check_enough_samples(len(data), self.n_components)
        self._set_fitted(self._fit_result(data))
        return self

    def _set_fitted(self, result) -> None:
        self.result_ = result
        self.weights_ = result.params["weights"].values.copy()
        self.converged_ = result.converged
        self.n_iter_ = result.n_iter
        self.lower_bound_ = result.log_likelihood / result.n_obs
        history = result.trace["log_likelihood"].values[result.best_restart]
        self.lower_bounds_ = (history[1 : result.n_iter + 1] / result.n_obs).tolist()
        self._n_features_out = result.n_components

    def fit_predict(self, X, y=None):
        """Fit and return the most probable component of each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X).predict(X)

    def _fitted_data(self, X):
        check_is_fitted(self)
        return self._read(X, reset=False)

    def predict(self, X):
        """The most probable component of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        data = self._fitted_data(X)
        return self.result_.predict(data).values

    def predict_proba(self, X):
        """Responsibilities: the posterior probability of each component for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
        """
        data = self._fitted_data(X)
        return self.result_.predict_proba(data).values

    def transform(self, X):
        """The responsibilities (as :meth:`predict_proba`), as features for a next step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
        """
        return self.predict_proba(X)

    def score_samples(self, X):
        """Log-density ``log p(x_i)`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        """
        data = self._fitted_data(X)
        return self.result_.score_samples(data).values

    def score(self, X, y=None):
        """Mean log-density per row (scikit-learn's ``score``; greater is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        float
        """
        return float(np.mean(self.score_samples(X)))

    def _log_likelihood_and_rows(self, X):
        log_prob = self.score_samples(X)
        return float(log_prob.sum()), len(log_prob)

    def bic(self, X):
        """Bayesian information criterion on ``X``: ``-2 log L(X) + p log n`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        log_likelihood, n = self._log_likelihood_and_rows(X)
        return criteria.bic(log_likelihood, self.result_.n_params, n)

    def aic(self, X):
        """Akaike information criterion on ``X``: ``-2 log L(X) + 2 p`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        log_likelihood, _ = self._log_likelihood_and_rows(X)
        return criteria.aic(log_likelihood, self.result_.n_params)

    def sample(self, n_samples=1):
        """Draw from the fitted mixture, grouped by component as scikit-learn does.

        The draws depend on ``random_state`` only: the same int gives the
        same draws at every call.

        Parameters
        ----------
        n_samples : int, default 1

        Returns
        -------
        X : ndarray (a DataFrame for data with categorical columns) of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            The component of each draw.
        """
        check_is_fitted(self)
        check_n_samples(n_samples)
        draws = self.result_.sample(int(n_samples), random_state=emkit_seed(self.random_state))
        return split_draws(draws, "component", self.n_features_in_, by_label=True)

"""Scorers for model selection by an information criterion (greater is better, as scikit-learn's scorers)."""

from __future__ import annotations

from sklearn.pipeline import Pipeline


def _criterion(estimator, X, name: str) -> float:
    """``estimator.<name>(X)``; for a pipeline, its last step's on ``X`` transformed by the steps before."""
    if isinstance(estimator, Pipeline):
        X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    return float(getattr(estimator, name)(X))


def bic_scorer(estimator, X, y=None) -> float:
    """Minus the BIC of a fitted estimator on ``X``: a ``scoring=`` for ``GridSearchCV`` or ``cross_val_score``.

    Parameters
    ----------
    estimator : fitted estimator with a ``bic(X)`` method, or a pipeline ending with one
    X : array-like
    y : Ignored

    Returns
    -------
    float
        ``-estimator.bic(X)``, so that the highest score is the lowest BIC (for a
        pipeline, the last step's BIC of ``X`` transformed by the others).

    Examples
    --------
    >>> import emkit as em
    >>> from sklearn.model_selection import GridSearchCV
    >>> from emkit.sklearn import GaussianMixture, bic_scorer
    >>> X = em.datasets.load("faithful")
    >>> search = GridSearchCV(GaussianMixture(random_state=0), {"n_components": [1, 2, 3]}, scoring=bic_scorer)
    >>> search.fit(X).best_params_
    {'n_components': 2}
    """
    return -_criterion(estimator, X, "bic")


def aic_scorer(estimator, X, y=None) -> float:
    """Minus the AIC of a fitted estimator on ``X`` (greater is better).

    Parameters
    ----------
    estimator : fitted estimator with an ``aic(X)`` method, or a pipeline ending with one
    X : array-like
    y : Ignored

    Returns
    -------
    float
        ``-estimator.aic(X)``.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.sklearn import GaussianMixture, aic_scorer
    >>> X = em.datasets.load("faithful")
    >>> gmm = GaussianMixture(2, random_state=0).fit(X)
    >>> aic_scorer(gmm, X) == -gmm.aic(X)
    True
    """
    return -_criterion(estimator, X, "aic")

"""Rows of covariates for mixtures of regressions: data with or without the response column.

A mixture of regressions models the response ``y`` given the covariates
``x``: ``p(y | x) = sum_k w_k N(y; z' beta_k, sigma_k^2)``. Its predictions
need the covariates only:

* the conditional mean of the response, ``E[y | x] = sum_k w_k z' beta_k``
  (each component's ``z' beta_k`` on its own);
* the posterior of the components given ``x`` alone: the covariates carry no
  information about the component (the mixture has no distribution for
  them), so ``P(k | x) = w_k``, the mixing weights.

Data are read as follows. Data with column names (DataFrame, Series,
DataArray with a ``feature`` coordinate) are matched by name: the covariate
columns must be there, the response column may be (it is not read), other
columns are ignored. Data without names are read by position: either every
fitted feature (whole rows, the response is not read) or the fitted features
without the response, in their order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .._input import Observations, as_observations, dataarray_layout, feature_positions
from ..components.regression import Regression


def regression_families(mixture) -> list:
    """The mixture's families, all of them regressions on one response; a ValueError otherwise.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.results.covariates import regression_families
    >>> data = np.random.default_rng(0).normal(size=(50, 2))
    >>> len(regression_families(em.Mixture(em.Regression(target=1, features=[0])).fit(data).mixture))
    1
    >>> regression_families(em.GaussianMixture(1).fit(data).mixture)
    Traceback (most recent call last):
    ...
    ValueError: predictions of a response need a mixture of regressions (em.Regression components); this model has Gaussian components
    """
    others = sorted({type(f).__name__ for f in mixture.families if not isinstance(f, Regression)})
    if others:
        raise ValueError(
            "predictions of a response need a mixture of regressions (em.Regression components); "
            f"this model has {', '.join(others)} components"
        )
    targets = {f.columns[0] for f in mixture.families}
    if len(targets) > 1:
        raise ValueError("the regression components of this model have different responses; the response is ambiguous")
    return list(mixture.families)


def _is_regression_only(mixture) -> bool:
    """Whether every family of ``mixture`` is a regression (then rows may lack the response)."""
    return all(isinstance(f, Regression) for f in mixture.families)


def _column_names(X) -> list | None:
    """The column names of ``X``, or None for data without names."""
    if isinstance(X, pd.Series):
        return [X.name]
    if isinstance(X, pd.DataFrame):
        return list(X.columns)
    if isinstance(X, xr.DataArray):
        names = dataarray_layout(X, "X")[1]
        return None if names is None else list(names)
    return None


def _width(X) -> int:
    """Number of columns of array-like ``X`` (one for 1-D data)."""
    shape = np.shape(X)
    return 1 if len(shape) < 2 else shape[1]


def _response_and_covariates(fit) -> tuple[int, list[int]]:
    """Position of the response among the fit's features, and the other positions."""
    target = regression_families(fit.mixture)[0].columns[0]
    return target, [j for j in range(len(fit.features)) if j != target]


def _read_by_name(fit, X, covariates: list[int], name: str) -> bool:
    """Whether ``X``'s columns are matched to the covariates by name (else read by position)."""
    names = _column_names(X)
    return names is not None and feature_positions(names, fit.features[covariates], name) is not None


def includes_response(fit, X, name: str = "X") -> bool:
    """Whether ``X`` holds the response column of a mixture of regressions (see the module docstring).

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> from emkit.results.covariates import includes_response
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": rng.uniform(0, 1, 50), "y": rng.normal(size=50)})
    >>> fit = em.Mixture(em.Regression("y", ["x"])).fit(data, random_state=0)
    >>> includes_response(fit, data), includes_response(fit, data[["x"]]), includes_response(fit, [[0.5]])
    (True, False, False)
    """
    target, covariates = _response_and_covariates(fit)
    if _read_by_name(fit, X, covariates, name):
        return str(fit.features[target]) in {str(column) for column in _column_names(X)}
    return _width(X) == len(fit.features)


def covariate_rows(fit, X, name: str = "X") -> tuple[np.ndarray, Observations]:
    """Rows ``(n, d)`` in the fit's feature order with the response column NaN, and the data read.

    The data read are the covariates (data matched by name, or without the
    response), or whole rows (data by position with every feature); their
    ``index`` is the observation coordinate.

    Raises
    ------
    ValueError
        If the model is not a mixture of regressions, or a covariate is
        missing (named), or the data have neither ``d`` nor ``d - 1``
        columns (read by position).

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"x": rng.uniform(0, 1, 50), "y": rng.normal(size=50)})
    >>> fit = em.Mixture(em.Regression("y", ["x"])).fit(data, random_state=0)
    >>> from emkit.results.covariates import covariate_rows
    >>> rows, obs = covariate_rows(fit, pd.DataFrame({"x": [0.0, 2.0]}, index=["a", "b"]))
    >>> rows.tolist(), obs.index.tolist()
    ([[0.0, nan], [2.0, nan]], ['a', 'b'])
    """
    target, covariates = _response_and_covariates(fit)
    if not _read_by_name(fit, X, covariates, name) and includes_response(fit, X, name):
        obs = fit.observations(X, name)
        rows = np.array(obs.values, dtype=float)
    else:
        obs = as_observations(X, name, features=fit.features[covariates])
        rows = np.empty((obs.n_obs, len(fit.features)))
        rows[:, covariates] = obs.values
    rows[:, target] = np.nan
    return rows, obs


def component_means(fit, X) -> tuple[np.ndarray, Observations]:
    """Each component's mean response ``z_i' beta_k`` for the covariates of ``X``, (n, K), and the data read."""
    rows, obs = covariate_rows(fit, X)
    means = np.concatenate([family.conditional_mean(rows) for family in regression_families(fit.mixture)], axis=1)
    return means, obs


def prior_responsibilities(fit, X) -> tuple[Observations, np.ndarray]:
    """The data read and the posterior given the covariates alone: the mixing weights on every row, (n, K)."""
    rows, obs = covariate_rows(fit, X)
    return obs, np.tile(fit.mixture.weights, (len(rows), 1))


def lacks_response(fit, X, name: str = "X") -> bool:
    """Whether ``X`` gives a mixture of regressions its covariates without the response.

    False for every other model (their data need every fitted feature).
    """
    return _is_regression_only(fit.mixture) and not includes_response(fit, X, name)

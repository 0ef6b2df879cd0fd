"""The immutable result of a fit: parameters, history, criteria, predictions."""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
from functools import cached_property

import numpy as np
import pandas as pd
import xarray as xr

from .._dask_input import as_dask_observations, checked_when_computed, is_dask_data
from .._input import Observations, as_observations
from .._missing_input import check_missing, filled_for_starts
from ..components.base import family_degenerate_components
from ..components.capabilities import description
from ..components.categorical import item_response_table
from . import criteria
from ..em.chunks import ChunkedData, auto_chunk_size
from ..em.online import OnlineState
from ..latent.models import latent_kind, latent_model_from_params
from ..latent.mixture import FiniteMixture
from .impute import conditional_draws, conditional_mean
from .covariates import component_means, covariate_rows, lacks_response, prior_responsibilities
from .inference_data import to_inference_data
from .netcdf import read_file, reading, write_groups
from .trace import trace_dataset


def posterior_rows(mixture: FiniteMixture, x: np.ndarray, offset: int, field: str) -> np.ndarray:
    """``field`` of ``mixture.posterior`` for every row of ``x``, computed in cache-sized chunks.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.results.fit_result import posterior_rows
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
    >>> posterior_rows(mixture, x, 0, "resp").argmax(axis=1).tolist()
    [0, 0, 1, 1]
    """
    data = ChunkedData(x, None, auto_chunk_size(mixture.working_floats_per_row(x.shape[1])))
    return np.concatenate([getattr(mixture.posterior(part, offset + start), field) for start, part, _ in data.chunks()])


def _block_posterior(block, mixture, field, block_info=None):
    offset = block_info[0]["array-location"][0][0] if block_info else 0
    return posterior_rows(mixture, np.asarray(block), offset, field)


def _is_metadata(var: xr.DataArray) -> bool:
    """Whether a variable of :attr:`FitResult.params` records how the model is set up rather than a parameter."""
    return var.attrs.get("kind") == "metadata"


def _labelled(codes: np.ndarray, labels: list, ordered: bool, feature) -> pd.Categorical:
    """Category codes (floats) as a pandas categorical over ``labels``, NaN as a missing value.

    A code that is neither NaN nor the position of a category is a ValueError naming it.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.results.fit_result import _labelled
    >>> list(_labelled(np.array([1.0, np.nan, 0.0]), ["a", "b"], False, "q"))
    ['b', nan, 'a']
    """
    missing = np.isnan(codes)
    valid = missing | (np.isfinite(codes) & (codes == np.round(codes)) & (codes >= 0) & (codes < len(labels)))
    if not valid.all():
        raise ValueError(
            f"column {feature!r}: {float(codes[~valid][0])!r} is not the position of one of its {len(labels)} "
            f"categories (codes 0 .. {len(labels) - 1})"
        )
    positions = np.where(missing, -1, np.nan_to_num(codes)).astype(np.intp)
    return pd.Categorical.from_codes(positions, categories=labels, ordered=ordered)


def item_response_html(table: pd.DataFrame) -> str:
    """An item-response table (:meth:`FitResult.item_response_table`) as HTML: one table per feature, side by side.

    Each feature's table has the components as rows and its categories as
    columns, headed by the feature's name; probabilities with 3 decimals.

    Examples
    --------
    >>> import pandas as pd, emkit as em
    >>> from emkit.results.fit_result import item_response_html
    >>> fit = em.Mixture(em.Categorical()).fit(pd.DataFrame({"colour": ["red", "blue", "red", "red"] * 10}))
    >>> page = item_response_html(fit.item_response_table())
    >>> page.count("<table"), "<th>colour</th>" in page, "0.750" in page
    (1, True, True)
    """
    blocks = [
        table[feature].rename_axis(columns=feature).to_html(float_format="{:.3f}".format, border=0)
        for feature in table.columns.unique("feature")
    ]
    return f"<div style='display: flex; flex-wrap: wrap; gap: 1em'>{''.join(blocks)}</div>"


def _observation_coord(obs) -> dict:
    return {} if obs.index is None else {"observation": obs.index}


def _counted(n: int, noun: str) -> str:
    """``"1 iteration"``, ``"7 iterations"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _matrix_columns(name: str, var: xr.DataArray, latent: str) -> pd.DataFrame:
    """A ``(latent, feature, feature2)`` matrix (covariances, scales) as standard deviations and correlations.

    Columns ``sd[f]`` (``sqrt V_ff``) and ``corr[f, g]`` (``V_fg / sqrt(V_ff V_gg)``, each pair once),
    prefixed by the variable's name unless it is ``covariances``. A
    correlation that is zero in every row (a diagonal or spherical
    structure fixes it at zero) is left out.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from emkit.results.fit_result import _matrix_columns
    >>> V = xr.DataArray([[[4.0, 1.2], [1.2, 1.0]]], dims=("component", "feature", "feature2"),
    ...                  coords={"component": [0], "feature": ["a", "b"], "feature2": ["a", "b"]})
    >>> _matrix_columns("covariances", V, "component").round(3).to_dict("records")
    [{'sd[a]': 2.0, 'sd[b]': 1.0, 'corr[a, b]': 0.6}]
    """
    prefix = "" if name == "covariances" else f"{name} "
    values = var.transpose(latent, "feature", "feature2").values
    sd = np.sqrt(np.diagonal(values, axis1=1, axis2=2))
    features = [str(f) for f in var.feature.values]
    columns = {f"{prefix}sd[{f}]": sd[:, i] for i, f in enumerate(features)}
    with np.errstate(divide="ignore", invalid="ignore"):  # a degenerate component's zero variance
        for i, j in zip(*np.triu_indices(len(features), k=1)):
            if np.any(values[:, i, j] != 0):
                columns[f"{prefix}corr[{features[i]}, {features[j]}]"] = values[:, i, j] / (sd[:, i] * sd[:, j])
    return pd.DataFrame(columns, index=pd.Index(var[latent].values, name=latent))


def _flat_columns(name: str, var: xr.DataArray, latent: str) -> pd.DataFrame:
    """A variable over ``latent`` and other dimensions, one column per entry: ``name``, ``name[a]``, ``name[a, b]``."""
    index = pd.Index(var[latent].values, name=latent)
    if var.ndim == 1:
        return pd.DataFrame({"weight" if name == "weights" else name: var.values}, index=index)
    others = [d for d in var.dims if d != latent]
    coords = [var[d].values if d in var.coords else np.arange(var.sizes[d]) for d in others]
    labels = [f"{name}[{', '.join(str(c) for c in entry)}]" for entry in itertools.product(*coords)]
    values = var.transpose(latent, *others).values.reshape(var.sizes[latent], -1)
    return pd.DataFrame(values, index=index, columns=labels)


class FitResult:
    """A fitted mixture with its iteration history.

    Built by ``Mixture.fit``; treat it as read-only. Parameters are in
    :attr:`params`, the history of every restart in :attr:`trace`.

    Parameters
    ----------
    mixture : FiniteMixture
        The fitted mixture (best restart).
    features : ndarray
        Feature coordinate of the training data.
    trace : xarray.Dataset
        Log-likelihood over ``(restart, iteration)`` (see :func:`emkit.results.trace.trace_dataset`).
    best_restart : int
        Index of the restart whose parameters are kept.
    n_obs : float
        Number (total weight) of training observations.
    log_likelihood : float
        Observed-data log-likelihood of the kept parameters on the training data.
    classification_log_likelihood : float
        ``sum_i log max_k r_ik`` on the training data (for ICL).
    categories : dict, optional
        Labels of the columns encoded as category codes, by feature name.
    ordered_categories : tuple, optional
        Names of the encoded columns that were ordered pandas categoricals.
    online_state : OnlineState, optional
        Running statistics of a fit by stepwise EM, for :meth:`partial_fit`
        (saved to files too).
    component_names : array-like, optional
        Names of the components (a fit with named labels): the ``component``
        coordinate of :attr:`params`, :meth:`predict_proba` and the rest,
        and the values :meth:`predict` returns. None: components ``0 .. K-1``.
    missing : {None, "marginalize"}, optional
        The ``missing`` option of the fit, kept as :attr:`missing`: every
        method and tool that reads data through :meth:`observations` uses it
        unless told otherwise (docs/missing_values.md).

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> fit.params.weights.dims
    ('component',)
    """

    def __init__(
        self,
        mixture: FiniteMixture,
        features: np.ndarray,
        trace: xr.Dataset,
        best_restart: int,
        n_obs: float,
        log_likelihood: float,
        classification_log_likelihood: float,
        categories: dict | None = None,
        online_state=None,
        ordered_categories=(),
        component_names=None,
        missing=None,
    ):
        self._mixture = mixture
        self.missing = check_missing(missing)
        self.component_names = None if component_names is None else np.asarray(component_names)
        self.features = np.asarray(features)
        self.trace = trace
        self.best_restart = int(best_restart)
        self.n_obs = float(n_obs)
        self.log_likelihood = float(log_likelihood)
        self.classification_log_likelihood = float(classification_log_likelihood)
        self.categories = dict(categories or {})
        self.ordered_categories = tuple(str(name) for name in ordered_categories)
        self.online_state = online_state

    # -- fit statistics ----------------------------------------------------------
    @property
    def mixture(self) -> FiniteMixture:
        """The fitted :class:`~emkit.latent.mixture.FiniteMixture`."""
        return self._mixture

    @property
    def n_components(self) -> int:
        """Total number of components."""
        return self._mixture.n_components

    @property
    def components(self) -> np.ndarray:
        """The ``component`` coordinate of the results: the component names, else ``0 .. K-1``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [0.3], [5.0], [5.4]])
        >>> em.GaussianMixture(2).fit(x, random_state=0).components.tolist()
        [0, 1]
        >>> em.GaussianMixture(2).fit(x, labels=["low", "low", "high", "high"]).components.tolist()
        ['high', 'low']
        """
        return np.arange(self.n_components) if self.component_names is None else self.component_names

    @property
    def n_params(self) -> int:
        """Number of free parameters (mclust's count)."""
        return self._mixture.n_params()

    @property
    def converged(self) -> bool:
        """Whether the kept restart met the tolerance."""
        return bool(self.trace["converged"].values[self.best_restart])

    @property
    def n_iter(self) -> int:
        """M-steps taken by the kept restart."""
        return int(self.trace["n_iter"].values[self.best_restart])

    @property
    def degenerate_components(self) -> dict[int, str]:
        """Degenerate components and why: ``{component: reason}``, empty when there are none.

        Each family judges its own components from their effective sample
        sizes ``n_k = w_k n`` (see
        :func:`emkit.components.base.family_degenerate_components`): too few
        observations for the component's parameters, or a scale collapsed
        far below the data's spread. The likelihood of such a fit is an
        artefact (of a ridge, a floor, or too few points), so its information
        criteria are meaningless; :func:`emkit.select` never chooses it.

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0).degenerate_components
        {}
        """
        counts = self._mixture.weights * self.n_obs
        out = {}
        start = 0
        for family in self._mixture.families:
            stop = start + family.n_components
            for k, reason in family_degenerate_components(family, counts[start:stop]).items():
                out[start + k] = reason
            start = stop
        return out

    def bic(self) -> float:
        """``-2 log L + p log n`` (lower is better); see :mod:`emkit.results.criteria`.

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> fit.bic() > fit.aic()
        True
        """
        return criteria.bic(self.log_likelihood, self.n_params, self.n_obs)

    def aic(self) -> float:
        """``-2 log L + 2 p`` (lower is better).

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> fit.aic() == -2 * fit.log_likelihood + 2 * fit.n_params
        True
        """
        return criteria.aic(self.log_likelihood, self.n_params)

    def icl(self) -> float:
        """``BIC - 2 sum_i log max_k r_ik`` on the training data (lower is better).

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> fit.icl() >= fit.bic()
        True
        """
        return criteria.icl(self.log_likelihood, self.n_params, self.n_obs, self.classification_log_likelihood)

    @cached_property
    def params(self) -> xr.Dataset:
        """Parameters: ``weights(component)`` and each family's variables.

        For Gaussian components: ``means(component, feature)`` and
        ``covariances(component, feature, feature2)``; feature coordinates
        are the training data's column names; the ``component`` coordinate
        is :attr:`components`.
        """
        params = self._mixture.to_dataset(self.features)
        return params if self.component_names is None else params.assign_coords(component=self.component_names)

    # -- predictions -------------------------------------------------------------
    def observations(self, X, name: str = "X", missing=None) -> Observations:
        """``X`` read and checked for this fit: what every method taking data works on.

        * Columns: a DataFrame's columns and a DataArray's ``feature``
          coordinate are matched by name to :attr:`features`, in any order;
          extra columns are ignored and a missing one is a ``ValueError``
          naming it. Data without names (numpy arrays, lists, dask arrays)
          are read by position and need one column per feature; so are
          data whose names do not include the features ``0 .. d-1`` of a
          fit to data without names.
        * Categories: text and categorical columns are encoded with the
          labels of the fit (:attr:`categories`).
        * Values: finite, and in the support of every family (the check the
          fit made, ``mixture.check_data``); otherwise a ``ValueError``
          naming the row. Under the ``missing="marginalize"`` option a NaN
          is a value missing at random.

        Parameters
        ----------
        X : data
            As for :meth:`emkit.Mixture.fit`.
        name : str, default "X"
            How error messages name the data.
        missing : {None, "marginalize"}, default None
            None: the option the fit was made with (:attr:`missing`), so a
            fit with ``missing="marginalize"`` reads its own data with their
            NaN; ``"marginalize"`` accepts NaN whatever the fit's option.

        Returns
        -------
        Observations
            ``values`` (n, d) in the order of :attr:`features`, with the
            observation coordinate in ``index``. For dask data ``values`` is
            a lazy dask array, checked block by block when computed.

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> obs = fit.observations(X[["waiting", "eruptions"]])
        >>> obs.features.tolist(), obs.values[0].tolist() == X.iloc[0].tolist()
        (['eruptions', 'waiting'], True)
        >>> fit.observations(X[["waiting"]])
        Traceback (most recent call last):
        ...
        ValueError: X lacks the column 'eruptions' that the model was fitted to (its features: eruptions, waiting)
        >>> counts = em.Mixture(em.Poisson()).fit([[1], [3]])
        >>> counts.observations([[2], [1.5]])
        Traceback (most recent call last):
        ...
        ValueError: Poisson components need non-negative integer counts; row 1 is [1.5]
        >>> import numpy as np
        >>> holes = X.mask(np.arange(len(X))[:, None] == [0, 1])
        >>> em.GaussianMixture(2).fit(holes, missing="marginalize", random_state=0).observations(holes).values[0]
        array([nan, 79.])
        """
        missing = self.missing if missing is None else check_missing(missing)
        if is_dask_data(X):
            obs = as_dask_observations(X, name, features=self.features)
            checked = checked_when_computed(obs.values, self._mixture.check_data, name, check_missing(missing))
            return dataclasses.replace(obs, values=checked)
        categories = self.categories if self._mixture.accepts_categorical else None
        obs = as_observations(X, name, categories, features=self.features, missing=check_missing(missing))
        self._mixture.check_data(filled_for_starts(obs.values) if missing else obs.values)
        return obs

    def _posterior_field(self, X, field: str, missing=None):
        """Observations and ``field`` ("resp" or "log_density") of the posterior of every row.

        For dask data the values are a lazy dask array computed block by block.
        """
        obs = self.observations(X, missing=missing)
        if not is_dask_data(obs.values):
            return obs, posterior_rows(self._mixture, obs.values, 0, field)
        rows = obs.values.chunks[0]
        layout = {"chunks": (rows, (self.n_components,))} if field == "resp" else {"chunks": (rows,), "drop_axis": 1}
        return obs, obs.values.map_blocks(_block_posterior, self._mixture, field, dtype=np.float64, **layout)

    def predict_proba(self, X, missing=None) -> xr.DataArray:
        """Responsibilities ``r_ik``, a DataArray over ``(observation, component)``.

        For dask data (a dask array or a DataArray backed by one) the result
        is lazy: it is computed block by block when used, like ``predict``
        and ``score_samples``.

        Parameters
        ----------
        X : data
            Read by :meth:`observations` (columns matched by name, support checked).
        missing : {None, "marginalize"}, default None
            ``"marginalize"`` accepts NaN: a row's posterior then uses the
            density of its observed entries (the mixing weights if none is
            observed; see docs/missing_values.md). None: the option the
            fit was made with (:attr:`missing`).

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> fit.predict_proba(X).sum("component").round(12).min().item()
        1.0
        >>> import numpy as np
        >>> bool(np.allclose(fit.predict_proba([[np.nan, np.nan]], missing="marginalize")[0], fit.params.weights))
        True
        >>> holes = X.mask(np.arange(len(X))[:, None] == [0, 1])
        >>> marginal = em.GaussianMixture(2).fit(holes, missing="marginalize", random_state=0)
        >>> marginal.missing, marginal.predict_proba(holes).shape
        ('marginalize', (272, 2))

        A mixture of regressions given covariates without the response: the
        covariates alone say nothing about the component, so the posterior
        is the mixing weights (see :mod:`emkit.results.covariates`).

        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> x, line = rng.uniform(0, 10, 400), rng.integers(0, 2, 400)
        >>> data = pd.DataFrame({"x": x, "y": np.where(line == 0, 1 + 2 * x, 8 - x) + rng.normal(0, 0.5, 400)})
        >>> lines = em.Mixture(em.Regression("y", ["x"]), 2).fit(data, random_state=0)
        >>> bool(np.allclose(lines.predict_proba(data[["x"]]), lines.params.weights))
        True
        """
        if lacks_response(self, X):
            obs, resp = prior_responsibilities(self, X)
        else:
            obs, resp = self._posterior_field(X, "resp", missing)
        return xr.DataArray(
            resp,
            dims=("observation", "component"),
            coords={"component": self.components} | _observation_coord(obs),
            name="responsibility",
        )

    def predict(self, X, missing=None) -> xr.DataArray:
        """Most probable component of each observation (its name, for a fit with named labels).

        Parameters
        ----------
        X : data
            Read by :meth:`observations` (columns matched by name, support checked).
        missing : {None, "marginalize"}, default None
            As in :meth:`predict_proba`.

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> sorted(set(fit.predict(X).values.tolist()))
        [0, 1]
        """
        proba = self.predict_proba(X, missing)
        if self.component_names is not None:
            return proba.idxmax("component").rename("component")
        return proba.argmax("component").rename("component")

    def predict_response(self, X, by_component: bool = False) -> xr.DataArray:
        """Conditional mean of the response of a mixture of regressions given the covariates.

        ``E[y | x] = sum_k w_k z' beta_k`` with ``z = (1, x)``: the mixing
        weights do not depend on ``x``, so the mixture's mean is the
        weighted mean of the components' lines. With ``by_component=True``,
        each component's ``z' beta_k``.

        Parameters
        ----------
        X : data
            The covariates: a DataFrame (or DataArray) with the covariate
            columns by name, the response column allowed and not read; or an
            array with the fitted features without the response, in their
            order (whole rows are accepted too, the response is not read).
        by_component : bool, default False
            Return every component's mean instead of the mixture's.

        Returns
        -------
        xarray.DataArray
            Over ``observation``, or ``(observation, component)`` with ``by_component``.

        Raises
        ------
        ValueError
            If the model has components other than :class:`emkit.Regression`,
            or a covariate is missing.

        Examples
        --------
        >>> import numpy as np, pandas as pd, emkit as em
        >>> rng = np.random.default_rng(0)
        >>> x, line = rng.uniform(0, 10, 400), rng.integers(0, 2, 400)
        >>> data = pd.DataFrame({"x": x, "y": np.where(line == 0, 1 + 2 * x, 8 - x) + rng.normal(0, 0.5, 400)})
        >>> fit = em.Mixture(em.Regression("y", ["x"]), 2).fit(data, random_state=0)
        >>> each = fit.predict_response(pd.DataFrame({"x": [0.0, 10.0]}), by_component=True)
        >>> each.dims, each.shape
        (('observation', 'component'), (2, 2))
        >>> mixture = fit.predict_response(pd.DataFrame({"x": [0.0, 10.0]}))
        >>> bool(np.allclose(mixture, (each * fit.params.weights).sum("component")))
        True
        """
        means, obs = component_means(self, X)
        if by_component:
            return xr.DataArray(
                means, dims=("observation", "component"),
                coords={"component": self.components} | _observation_coord(obs), name="response_mean",
            )
        return xr.DataArray(means @ self._mixture.weights, dims="observation", coords=_observation_coord(obs),
                            name="response_mean")

    def score_samples(self, X, missing=None) -> xr.DataArray:
        """Log-density ``log p(x_i)`` of each observation.

        Parameters
        ----------
        X : data
            Read by :meth:`observations` (columns matched by name, support checked).
        missing : {None, "marginalize"}, default None
            ``"marginalize"``: the density of each row's observed entries
            (0 for a row with nothing observed). None: the option the fit
            was made with (:attr:`missing`).

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> round(float(fit.score_samples(X).sum()) - fit.log_likelihood, 8)
        0.0
        """
        obs, log_density = self._posterior_field(X, "log_density", missing)
        return xr.DataArray(log_density, dims="observation", coords=_observation_coord(obs), name="log_density")

    def impute(self, X, n_draws: int | None = None, random_state=None):
        """The missing entries (NaN) of ``X`` filled from the fitted Gaussian mixture.

        Without ``n_draws``: each row completed by the conditional mean of its
        missing entries given its observed ones, ``sum_k r_k(x_o)
        E_k[x_m | x_o]``. With ``n_draws=m``: ``m`` completed copies, each
        drawing a component from ``r(x_o)`` and the missing block from that
        component's conditional normal (multiple imputation). See
        :mod:`emkit.results.impute` and docs/missing_values.md.

        Parameters
        ----------
        X : data
            Read by :meth:`observations` with NaN accepted.
        n_draws : int, optional
            Number of imputations drawn; None gives the conditional mean.
        random_state : int, numpy Generator or None
            Seed of the draws.

        Returns
        -------
        DataFrame or ndarray, or a list of ``n_draws`` of them
            A DataFrame (the fitted features, the rows' index) for a
            DataFrame, an array otherwise.

        Raises
        ------
        TypeError
            If some component is not Gaussian.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> holes = X.head(3).copy(); holes.iloc[0, 1] = np.nan
        >>> filled = fit.impute(holes)
        >>> type(filled).__name__, bool(filled.notna().all().all()), bool(np.array_equal(filled[1:], holes[1:]))
        ('DataFrame', True, True)
        >>> len(fit.impute(holes, n_draws=5, random_state=0))
        5
        """
        obs = self.observations(X, missing="marginalize")
        if n_draws is None:
            return _like_input(X, obs, conditional_mean(self._mixture, obs.values))
        if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
            raise ValueError(f"n_draws must be a positive integer or None, got {n_draws!r}")
        draws = conditional_draws(self._mixture, obs.values, int(n_draws), np.random.default_rng(random_state))
        return [_like_input(X, obs, values) for values in draws]

    def score(self, X) -> float:
        """Mean log-density per observation (scikit-learn's ``score``).

        Parameters
        ----------
        X : data
            Read by :meth:`observations` (columns matched by name, support checked).

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> round(fit.score(X) * len(X) - fit.log_likelihood, 8)
        0.0
        """
        return float(self.score_samples(X).mean())

    def sample(self, n: int | None = None, random_state=None, given=None, *, as_frame: bool | None = None):
        """Draw observations from the fitted mixture, in the data's types.

        For numeric data, a DataArray over ``(observation, feature)`` whose
        ``component`` coordinate tells which component drew each row. For
        data with text or pandas categorical columns (the fit has
        :attr:`categories`), a DataFrame whose columns hold the categories'
        labels (see ``as_frame``).

        Parameters
        ----------
        n : int, optional
            Number of draws (defaults to the number of ``given`` rows).
        random_state : int, numpy Generator or None
        given : data, optional
            Rows for families that sample conditionally (regression
            components draw the response given these rows' features); one
            draw per row. Read by :meth:`observations`; for a mixture of
            regressions the response column may be left out.
        as_frame : bool, optional
            The type of the draws. None: a DataFrame when the fit has
            :attr:`categories`, otherwise a DataArray. True: a pandas
            DataFrame, index ``observation``, one column per feature as
            :meth:`decode` makes them (columns with labels are pandas
            categoricals with the fitted categories, in their order, ordered
            as the data were), then the column ``component``. False: the
            DataArray of the numbers the fit works on, a label's position
            among its column's categories for columns with labels (what
            :meth:`observations` makes of data), as computations need.

        Returns
        -------
        xarray.DataArray or pandas.DataFrame

        Raises
        ------
        ValueError
            For a bad ``n``, or a DataFrame asked for when a feature is
            itself named ``component``.

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> draws = fit.sample(500, random_state=1)
        >>> draws.shape, draws.component.shape
        ((500, 2), (500,))

        Categories come back as labels:

        >>> import pandas as pd
        >>> size = pd.Categorical(["S", "M", "L", "L"] * 25, categories=["S", "M", "L"], ordered=True)
        >>> sizes = em.Mixture(em.Categorical(), 1).fit(pd.DataFrame({"size": size}))
        >>> draws = sizes.sample(5, random_state=0)
        >>> draws.columns.tolist(), draws["size"].cat.categories.tolist()
        (['size', 'component'], ['S', 'M', 'L'])
        >>> sizes.sample(5, random_state=0, as_frame=False).values.ravel().tolist() == draws["size"].cat.codes.tolist()
        True
        """
        if as_frame not in (None, True, False):
            raise ValueError(f"as_frame must be None, True or False, got {as_frame!r}")
        rows = None
        if given is not None:
            if lacks_response(self, given, "given"):
                rows = covariate_rows(self, given, "given")[0]
            else:
                rows = self.observations(given, "given").values
            if n is not None and n != len(rows):
                raise ValueError(f"n={n} but given has {len(rows)} rows; one draw is made per given row")
            n = len(rows)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        x, labels = self._mixture.sample(int(n), np.random.default_rng(random_state), given=rows)
        if as_frame or (as_frame is None and self.has_categories):
            if "component" in [str(f) for f in self.features]:
                raise ValueError(
                    "a feature is named 'component', the DataFrame's column of components: "
                    "sample with as_frame=False (the components are then the 'component' coordinate)"
                )
            return self.labelled(x).assign(component=labels)
        return xr.DataArray(
            x,
            dims=("observation", "feature"),
            coords={"observation": np.arange(n), "feature": self.features, "component": ("observation", labels)},
            name="sample",
        )

    @property
    def has_categories(self) -> bool:
        """Whether some feature was given as labels (text or pandas categorical), encoded as codes.

        Examples
        --------
        >>> import pandas as pd, emkit as em
        >>> colours = pd.DataFrame({"colour": ["red", "blue", "red"] * 10})
        >>> em.Mixture(em.Categorical()).fit(colours).has_categories
        True
        >>> em.Mixture(em.Categorical()).fit(pd.DataFrame({"answer": [1, 2, 2] * 10})).has_categories
        False
        """
        return any(str(feature) in self.categories for feature in self.features)

    def decode(self, values) -> pd.DataFrame:
        """Numbers in the fit's encoding as a DataFrame in the data's types.

        The inverse of :meth:`observations` for its ``values`` (and of
        ``sample(as_frame=False)``): columns encoded from labels
        (:attr:`categories`) become pandas categoricals with the fitted
        categories in their order, ordered where the data's column was
        (:attr:`ordered_categories`); a code ``c`` is the label at position
        ``c``. Other columns stay numbers.

        Parameters
        ----------
        values : array-like (n, d)
            One column per feature, in the order of :attr:`features`.

        Returns
        -------
        pandas.DataFrame
            Index ``observation`` (``0 .. n-1``), columns :attr:`features`.

        Raises
        ------
        ValueError
            If ``values`` is not ``(n, d)`` or a code is not the position
            of one of its column's labels.

        Examples
        --------
        >>> import pandas as pd, emkit as em
        >>> X = pd.DataFrame({"colour": ["red", "blue", "red"] * 10, "size": [1.0, 2.0, 3.0] * 10})
        >>> fit = em.Mixture(em.Independent({"colour": em.Categorical(), "size": em.Gaussian()})).fit(X)
        >>> back = fit.decode(fit.observations(X).values)
        >>> back.equals(X.astype({"colour": "category"}).rename_axis("observation"))
        True
        >>> fit.decode([[2.0, 1.0]])
        Traceback (most recent call last):
        ...
        ValueError: column 'colour': 2.0 is not the position of one of its 2 categories (codes 0 .. 1)
        """
        return self.labelled(values)

    def labelled(self, values) -> pd.DataFrame:
        """Numbers in the fit's encoding as a DataFrame in the data's types (what :meth:`decode` does for a mixture).

        A NaN (a missing value) stays missing: NaN in a numeric column, a
        missing category in a categorical one.

        Examples
        --------
        >>> import pandas as pd, emkit as em
        >>> fit = em.Mixture(em.Categorical()).fit(pd.DataFrame({"colour": ["red", "blue", "red"] * 10}))
        >>> fit.labelled([[0.0], [1.0]])["colour"].tolist()
        ['blue', 'red']
        """
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(self.features):
            raise ValueError(f"values must have shape (n, {len(self.features)}), one column per feature; got {values.shape}")
        columns = {}
        for j, feature in enumerate(self.features.tolist()):
            labels = self.categories.get(str(feature))
            ordered = str(feature) in self.ordered_categories
            columns[feature] = values[:, j] if labels is None else _labelled(values[:, j], labels, ordered, feature)
        return pd.DataFrame(columns, index=pd.RangeIndex(len(values), name="observation"))

    def partial_fit(self, X, missing=None) -> "FitResult":
        """One stepwise-EM update with a new mini-batch; returns a new result.

        Continues :meth:`emkit.Mixture.fit_online`: the running statistics
        move towards the batch's with the next step size and the parameters
        follow (:mod:`emkit.em.online`). The new result's ``log_likelihood``
        is the running per-observation average times the observations seen
        so far (an approximation; refit or score data for exact values).

        Parameters
        ----------
        X : data
            A mini-batch, read by :meth:`observations` (columns matched by
            name, support checked).
        missing : {None, "marginalize"}, default None
            ``"marginalize"`` accepts NaN as values missing at random
            (docs/missing_values.md); None: the option the fit was made
            with. The new result keeps the option the batch was read with.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(2000, 1))
        >>> fit = em.GaussianMixture(1).fit_online(np.array_split(x, 4), random_state=0)
        >>> newer = fit.partial_fit(rng.normal(1.0, 1.0, size=(500, 1)))
        >>> bool(newer.params.means.item() > fit.params.means.item())
        True
        """
        if self.online_state is None:
            raise ValueError("partial_fit continues a fit by stepwise EM: fit with Mixture.fit_online first")
        missing = self.missing if missing is None else check_missing(missing)
        obs = self.observations(X, missing=missing)
        rows = auto_chunk_size(self._mixture.working_floats_per_row(obs.n_features))
        state, loglik = self.online_state.step(ChunkedData(obs.values, None, rows))
        history = np.append(self.trace.log_likelihood.values[self.best_restart], loglik)
        history = history[np.isfinite(history)]
        approximate = state.running * state.n_seen
        trace = trace_dataset([history], [False], [""], [state.mixture.to_dataset(self.features)])
        return FitResult(
            state.mixture, self.features, trace, 0, approximate.n_obs, approximate.log_likelihood,
            approximate.classification_log_likelihood, categories=self.categories, online_state=state,
            ordered_categories=self.ordered_categories, missing=missing,
        )

    def to_inference_data(self, X, bootstrap=None, n_draws: int = 100, random_state=None):
        """The fit as an ArviZ ``InferenceData`` (see :mod:`emkit.results.inference_data`).

        Parameters
        ----------
        X : data
            The data the fit was fitted to (observed data, pointwise
            log-likelihood), read by :meth:`observations`.
        bootstrap : xarray.Dataset, optional
            Replicates from :func:`emkit.bootstrap`, stored as the posterior
            draws; the ``log_likelihood`` group then holds one draw per
            replicate (its parameters scoring ``X``), so ``az.loo`` and
            ``az.waic`` run.
        n_draws : int, default 100
            Posterior-predictive data sets to draw.
        random_state : int, Generator or None

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
        >>> fit.to_inference_data(X, n_draws=5, random_state=0).log_likelihood.x.shape
        (1, 1, 272)
        """
        return to_inference_data(self, X, bootstrap=bootstrap, n_draws=n_draws, random_state=random_state)

    # -- presentation --------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"<FitResult {self.describe_model()}: log-likelihood {self.log_likelihood:.6g}, "
            f"BIC {self.bic():.6g}, {'converged' if self.converged else 'not converged'}>"
        )

    def describe_model(self) -> str:
        """One line naming the model, from each family's ``describe()`` (or ``repr``).

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2, covariance="diag").fit(em.datasets.load("faithful"), random_state=0)
        >>> fit.describe_model()
        'mixture of 2 Gaussian components, covariance VVI (diagonal)'
        """
        parts = [description(f) for f in self._mixture.families]
        return "mixture of " + " + ".join(parts)

    def convergence_counts(self) -> str:
        """Iterations and restart of the kept run as a person counts them, from 1, and how each restart started.

        The kept restart is ``best_restart + 1`` of ``n_init`` (``best_restart``
        and the ``restart`` coordinate of :attr:`trace` are 0-based indices);
        the iteration count is :attr:`n_iter`, the number of EM iterations,
        which is also the last ``iteration`` coordinate of the kept restart's
        trace (``iteration`` 0 holds the log-likelihood at the starting values).
        A start screened from short EM runs (``init="short_em"``, a hidden
        Markov model's ``"screened"``) says so: the trace's attributes
        ``screened_starts`` (short runs per restart) and ``screening_iter``
        (their iterations at most) record the work done before the
        iterations counted here.

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), n_init=3, random_state=0)
        >>> fit.convergence_counts()
        'after 7 iterations (restart 3 of 3)'
        >>> fit.best_restart, fit.n_iter
        (2, 7)
        >>> waiting = em.datasets.load("faithful")[["waiting"]]
        >>> em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0).convergence_counts()
        'after 1 iteration (restart 2 of 2), each restart from the best of 10 short runs (at most 20 iterations each)'
        """
        restart = f"restart {self.best_restart + 1} of {self.trace.sizes['restart']}"
        text = f"after {_counted(self.n_iter, 'iteration')} ({restart})"
        attrs = self.trace.attrs
        if "screened_starts" not in attrs:
            return text
        return (f"{text}, each restart from the best of {_counted(int(attrs['screened_starts']), 'short run')} "
                f"(at most {_counted(int(attrs['screening_iter']), 'iteration')} each)")

    @property
    def labelled_rows(self) -> pd.Series | None:
        """Rows the fit was given the component of (``fit(X, labels=y)``), per component; None without labels.

        Labelled rows keep their component in every E-step
        (docs/semi_supervised.md); the summary and the report state these
        counts, and a saved fit keeps them.

        Examples
        --------
        >>> import emkit as em
        >>> x = [[0.0], [0.2], [0.1], [5.0], [5.1], [4.9]]
        >>> fit = em.GaussianMixture(2).fit(x, labels=["low", None, "low", "high", None, None])
        >>> fit.labelled_rows.to_dict()
        {'high': 1, 'low': 2}
        >>> em.GaussianMixture(2).fit(x, random_state=0).labelled_rows is None
        True
        """
        counts = self.trace.attrs.get("labelled_rows")
        if counts is None:
            return None
        index = pd.Index(self.components, name=self.mixture.latent_dim)
        return pd.Series(np.atleast_1d(counts).astype(int), index=index, name="labelled rows")

    def summary_text(self) -> str:
        """A readable multi-line summary: model, fit statistics, weights and parameters.

        Categorical features add their item-response probabilities, one
        table (components x categories) per feature (:meth:`item_response_table`).

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> "log-likelihood" in fit.summary_text()
        True
        """
        status = "converged" if self.converged else "NOT converged"
        lines = [
            f"model           {self.describe_model()}",
            f"observations    {self.n_obs:g}    features: {', '.join(map(str, self.features))}",
            f"log-likelihood  {self.log_likelihood:.6f}",
            f"parameters      {self.n_params}",
            f"BIC  {self.bic():.4f}    AIC  {self.aic():.4f}    ICL  {self.icl():.4f}   (lower is better)",
            f"convergence     {status} {self.convergence_counts()}",
        ]
        labelled = self.labelled_rows
        if labelled is not None:
            per_component = ", ".join(f"{name}: {count}" for name, count in labelled.items())
            lines.append(f"labels          {labelled.sum()} rows labelled ({per_component}), fixed in every E-step")
        lines.append("")
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            lines.append(self.parameter_table(item_responses=False).to_string(float_format=lambda v: f"{v:.5g}"))
            lines.extend(self._item_response_lines())
        return "\n".join(lines)

    def item_response_table(self) -> pd.DataFrame:
        """The item-response probabilities ``P(category | component)`` of the categorical features.

        poLCA's table of a latent class model: rows are components, columns
        ``(feature, category)`` with each feature's own categories in their
        order (a pandas categorical's declared order); each feature's
        probabilities sum to 1 in every row. The numbers are ``params.probs``
        (see :func:`emkit.components.categorical.item_response_table`); no
        columns when the model has no categorical features.

        Examples
        --------
        >>> import pandas as pd, emkit as em
        >>> X = pd.DataFrame({"colour": ["red", "blue", "red", "red"] * 10})
        >>> em.Mixture(em.Categorical()).fit(X).item_response_table().loc[0].to_dict()
        {('colour', 'blue'): 0.25, ('colour', 'red'): 0.75}
        """
        return item_response_table(self.params, self.categories)

    def _item_response_lines(self) -> list[str]:
        """The item-response table as text, one block (components x categories) per feature."""
        table = self.item_response_table()
        features = table.columns.unique("feature")
        if not len(features):
            return []
        lines = ["", f"item-response probabilities P(category | {self._mixture.latent_dim})"]
        for feature in features:
            lines += ["", table[feature].rename_axis(columns=feature).to_string(float_format=lambda v: f"{v:.4f}")]
        return lines

    def parameter_table(self, item_responses: bool = True) -> pd.DataFrame:
        """Every parameter as a DataFrame: one row per component (state), one column per number.

        Scalar parameters are one column (``weight``, a Student-t's ``dof``,
        a hidden Markov model's ``startprob``), parameters over one more
        dimension one column per entry (``means[waiting]``, ``rate[f]``,
        ``transmat[k]``, ``coefficients[x]``); a matrix over ``(feature,
        feature2)`` (``covariances``, a Student-t's ``scales``) its standard
        deviations ``sd[f] = sqrt(V_ff)`` and correlations ``corr[f, g] =
        V_fg / sqrt(V_ff V_gg)`` (a name other than ``covariances`` prefixes
        them; correlations a diagonal structure fixes at zero are left
        out), other variables over more dimensions (a Gaussian mixture
        emission's ``mixture_means``) one column per entry ``name[a, b]``.
        Categorical features give ``probs[f, c] = P(f = c | component)``, each
        feature with its own categories (:meth:`item_response_table`).
        Variables that record how the model is set up (attribute
        ``kind="metadata"``, such as a regression's ``column_role``) and
        entries that do not apply to a feature (the means of a categorical
        column in an :class:`~emkit.Independent` model) are left out.

        Parameters
        ----------
        item_responses : bool, default True
            Whether to include the ``probs[f, c]`` columns; :meth:`summary_text`
            and the notebook display show them as one table per feature
            instead.

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> fit.parameter_table().columns.tolist()
        ['weight', 'means[eruptions]', 'means[waiting]', 'sd[eruptions]', 'sd[waiting]', 'corr[eruptions, waiting]']
        >>> import pandas as pd
        >>> X = pd.DataFrame({"colour": ["red", "blue", "red", "red"] * 10})
        >>> em.Mixture(em.Categorical()).fit(X).parameter_table().loc[0].to_dict()
        {'weight': 1.0, 'probs[colour, blue]': 0.25, 'probs[colour, red]': 0.75}
        """
        latent = self._mixture.latent_dim
        pieces = [pd.DataFrame(index=pd.Index(self.params[latent].values, name=latent))]
        for name, var in self.params.data_vars.items():
            if var.dims[0] != latent or _is_metadata(var) or "category" in var.dims:
                continue
            matrix = var.dims[1:] == ("feature", "feature2")
            pieces.append(_matrix_columns(name, var, latent) if matrix else _flat_columns(name, var, latent))
        if item_responses:
            probs = self.item_response_table()
            probs.columns = [f"probs[{feature}, {category}]" for feature, category in probs.columns]
            pieces.append(probs)
        return pd.concat(pieces, axis=1).dropna(axis=1, how="all")  # parameters of other families' features

    def _repr_html_(self) -> str:
        """A compact HTML summary for Jupyter: model, fit statistics, parameter table, item-response probabilities."""
        status = "converged" if self.converged else "<b>not converged</b>"
        stats = (
            f"log-likelihood {self.log_likelihood:.6g} &middot; parameters {self.n_params} &middot; "
            f"BIC {self.bic():.6g} &middot; AIC {self.aic():.6g} &middot; ICL {self.icl():.6g} &middot; "
            f"{status} {html.escape(self.convergence_counts())}"
        )
        table = self.parameter_table(item_responses=False).to_html(float_format=lambda v: f"{v:.5g}", border=0)
        responses = self.item_response_table()
        if len(responses.columns):
            table += (f"<p>item-response probabilities P(category | {self._mixture.latent_dim})</p>"
                      + item_response_html(responses))
        return (
            f"<div><p><b>{self.display_name}</b>: {html.escape(self.describe_model())}, "
            f"{self.n_obs:g} observations</p><p>{stats}</p>{table}</div>"
        )

    #: How :meth:`_repr_html_` names the result.
    display_name = "emkit FitResult"

    # -- persistence ---------------------------------------------------------------
    _FORMAT = "emkit.FitResult/1"

    def to_netcdf(self, path) -> None:
        """Save to a netCDF-4 file; :func:`emkit.load_fit` reads it back exactly.

        The file has the groups ``params`` and ``trace`` and, for a fit by
        stepwise EM, ``online`` (the running statistics, so that the loaded
        fit's :meth:`partial_fit` continues exactly); the root attributes
        hold the fit statistics, the category labels and the ``missing``
        option (:attr:`missing`). It is written to a temporary file that replaces ``path`` when complete, and is readable
        by its owner only (mode 0600).

        Raises
        ------
        OSError
            If the file cannot be written; the error names ``path``.

        Examples
        --------
        >>> import os, tempfile, emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     path = os.path.join(directory, "fit.nc")
        ...     fit.to_netcdf(path)
        ...     print(em.load_fit(path).params.identical(fit.params), oct(os.stat(path).st_mode & 0o777))
        True 0o600
        """
        attrs = {
            "format": self._FORMAT,
            "best_restart": self.best_restart,
            "n_obs": self.n_obs,
            "log_likelihood": self.log_likelihood,
            "classification_log_likelihood": self.classification_log_likelihood,
            "categories": json.dumps(self.categories),
            "ordered_categories": json.dumps(list(self.ordered_categories)),
            "missing": json.dumps(self.missing),
        }
        groups = {"params": self.params, "trace": self.trace}
        if self.online_state is not None:
            groups["online"] = self.online_state.to_dataset()
        write_groups(path, attrs, groups)

    @classmethod
    def from_netcdf(cls, path) -> "FitResult":
        """Read a result written by :meth:`to_netcdf`.

        :func:`emkit.load_fit` is the same as a function.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`to_netcdf`.

        Returns
        -------
        FitResult

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            Naming ``path``: it is not a netCDF-4 file written by emkit, it is
            damaged (truncated, altered, missing a group or an attribute), or
            a parameter is not valid for its family (NaN where the family
            holds a number; padding of other families' or categories'
            variables is NaN by design).

        Examples
        --------
        >>> import os, tempfile, emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> with tempfile.TemporaryDirectory() as directory:
        ...     path = os.path.join(directory, "fit.nc")
        ...     fit.to_netcdf(path)
        ...     loaded = em.FitResult.from_netcdf(path)
        >>> loaded.params.identical(fit.params), loaded.bic() == fit.bic()
        (True, True)
        """
        attrs, groups = read_file(path, ["params", "trace", "online"])
        if attrs.get("format") != cls._FORMAT:
            raise ValueError(
                f"{path} is not an emkit fit: its format attribute is {attrs.get('format')!r}, "
                f"expected {cls._FORMAT!r}"
            )
        missing = [name for name in ("params", "trace") if name not in groups]
        if missing:
            raise ValueError(f"{path} has no group(s) {', '.join(map(repr, missing))}")
        with reading(path):
            return RESULT_TYPES.get(latent_kind(groups["params"]), cls)._from_groups(attrs, groups)

    @classmethod
    def _from_groups(cls, attrs: dict, groups: dict) -> "FitResult":
        """The result held by the root attributes and groups of a saved file."""
        params, trace = groups["params"], groups["trace"]
        trace["converged"] = trace["converged"].astype(bool)
        mixture = latent_model_from_params(params)
        features = params["feature"].values if "feature" in params.coords else np.arange(0)
        online = groups.get("online")
        result = cls(
            mixture,
            features,
            trace,
            int(attrs["best_restart"]),
            float(attrs["n_obs"]),
            float(attrs["log_likelihood"]),
            float(attrs["classification_log_likelihood"]),
            categories=json.loads(attrs.get("categories", "{}")),
            ordered_categories=json.loads(attrs.get("ordered_categories", "[]")),
            online_state=None if online is None else OnlineState.from_dataset(online, mixture, len(features)),
            component_names=_saved_component_names(params),
            missing=json.loads(attrs.get("missing", "null")),
        )
        result.__dict__["params"] = params
        return result


def _saved_component_names(params: xr.Dataset):
    """The component names of saved parameters (a fit with named labels), None for components ``0 .. K-1``."""
    if "component" not in params.coords or np.issubdtype(params["component"].dtype, np.integer):
        return None
    return params["component"].values


#: Result classes by latent model kind (:func:`~emkit.latent.models.latent_kind`); others register theirs.
RESULT_TYPES = {"finite_mixture": FitResult}


def load_fit(path) -> FitResult:
    """Load a :class:`FitResult` saved with ``fit.to_netcdf(path)``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming ``path``, if it is not a fit saved by emkit, is damaged, or
        holds parameters its families refuse (see :meth:`FitResult.from_netcdf`).

    Examples
    --------
    >>> import os, tempfile, emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "fit.nc")
    ...     fit.to_netcdf(path)
    ...     print(em.load_fit(path).log_likelihood == fit.log_likelihood)
    True
    """
    return FitResult.from_netcdf(path)


def _like_input(X, obs: Observations, values: np.ndarray):
    """``values`` as a DataFrame over the fitted features and the rows' index if ``X`` is one, else an array."""
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(values, index=X.index, columns=obs.features)
    return values

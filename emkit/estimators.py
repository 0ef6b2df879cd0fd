"""User-facing model declarations with ``fit``: where the layers meet.

A declaration names the component families; ``fit`` validates the data,
runs the EM driver over restarts and wraps the best run in a
:class:`~emkit.results.FitResult`.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator

import numpy as np

from ._dask_input import (
    as_dask_observations, as_dask_sample_weight, check_blocks, filled_for_starts_lazily, is_dask_data, scan_blocks,
)
from ._input import as_observations, as_sample_weight
from ._labels import UNLABELLED, as_labels, labels_in_blocks
from .components.base import check_family
from .components.capabilities import capabilities, require_marginalize
from ._missing_input import check_missing, filled_for_starts
from .components.gaussian import DEFAULT_REG_COVAR, Gaussian
from .components.parametric import check_n_components
from . import notices
from .em.chunks import ChunkedData, auto_chunk_size, check_chunk_size
from .em.convergence import check_stopping
from .em.dask_data import DaskData, aligned_blocks
from .em.driver import EMRun, e_step, fit_restarts
from .em.init import check_init
from .em.online import OnlineState, check_alpha
from ._sequence_input import sequence_bounds
from .exceptions import DegenerateComponentWarning
from .em.parallel import default_workers, single_threaded_blas
from .em.progress import fit_progress
from .latent.mixture import FiniteMixture
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
    weight_prior : float or array of shape (K,), optional
        Dirichlet concentrations (at least 1) of a prior on the mixing
        weights; the fit is then the posterior mode,
        ``w_k = (n_k + a_k - 1) / (n + sum_j (a_j - 1))``.

    Examples
    --------
    >>> import emkit as em
    >>> model = em.Mixture(em.Gaussian("diag"), n_components=3)
    >>> model.n_components
    3
    >>> em.Mixture([em.Gaussian("full"), em.Gaussian("spherical")]).n_components
    2
    """

    def __init__(self, families, n_components: int | None = None, *, weight_prior=None):
        self._declaration = FiniteMixture(declared_families(families, n_components), weight_prior=weight_prior)

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
        init="auto",
        max_iter: int = DEFAULT_MAX_ITER,
        tol: float = DEFAULT_TOL,
        chunk_size: int | None = None,
        sample_weight=None,
        labels=None,
        missing=None,
        random_state=None,
        progress: bool | None = None,
    ) -> FitResult:
        """Fit the mixture by EM and return the best of ``n_init`` restarts.

        Parameters
        ----------
        X : array-like, DataFrame or DataArray of shape (n, d)
            Observations in rows; column names become feature coordinates.
        n_init : int, default 1
            Number of restarts; the one with the highest log-likelihood is
            kept. When fewer than half of them reach it (within
            :func:`~emkit.em.driver.reach_tolerance`), a
            :class:`~emkit.exceptions.LocalOptimumWarning` says so and its
            message is kept in ``fit.trace.attrs["restart_warning"]``.
        init : str, xarray.Dataset or array, default "auto"
            ``"auto"`` starts as the families declare suits their data
            (their ``default_init``): ``"short_em"`` if some family is
            discrete (:class:`~emkit.Categorical`, :class:`~emkit.Bernoulli`,
            :class:`~emkit.Poisson`, also as a part of :class:`~emkit.Independent`),
            ``"kmeans++"`` otherwise. ``"short_em"`` keeps the best of 10
            runs of 10 EM iterations from random responsibilities, then
            iterates it to convergence. Also ``"kmeans++"``,
            ``"random_from_data"``, ``"random"``, parameters laid out like
            ``FitResult.params`` (their features matched to the columns of
            ``X`` by name), or (n, K) responsibilities. See
            :mod:`emkit.em.init`.
        max_iter : int, default 500
            Maximum number of EM iterations (M-steps) per restart.
        tol : float, default 1e-6
            Stop when the mean per-observation log-likelihood changes by at
            most ``tol * max(1, |mean log-likelihood|)`` (at most ``tol``
            itself for an :class:`emkit.em.AbsoluteTolerance`); 0 runs exactly
            ``max_iter`` iterations. See :class:`emkit.em.ConvergenceMonitor`.
        chunk_size : int, optional
            Rows per chunk of the E-step; by default chosen from d and K so
            temporaries stay small. Results do not depend on it beyond rounding.
        sample_weight : array-like of shape (n,), optional
            Non-negative observation weights (an integer weight equals
            repeating the row).
        labels : array-like of shape (n,), optional
            The known component of some rows, a missing value (-1, NaN, None,
            ``pd.NA``) for the others: semi-supervised EM, whose labelled rows
            keep their component; with every row labelled, the supervised
            maximum-likelihood estimate. Integers index the components; names
            (strings, the categories of a pandas categorical, exactly K of
            them) become the ``component`` coordinate of the results. A
            method name as ``init`` then starts from the labelled rows, and
            ``fit.log_likelihood`` is the semi-supervised objective (see
            ``docs/semi_supervised.md``).
        missing : {None, "marginalize"}, default None
            ``"marginalize"`` takes NaN as values missing at random and runs
            EM on the observed-data likelihood (``docs/missing_values.md``);
            without it a NaN is a ``ValueError`` naming its rows.
        random_state : int, numpy Generator or None
            Seed for initialisation; the same seed gives the same fit.
        progress : bool or None, default None
            Show a progress bar on standard error (a widget in Jupyter): the
            restart, the iteration, the log-likelihood and its last change.
            None shows it on a terminal or in Jupyter only, True always,
            False never. The fit does not depend on it.

        Returns
        -------
        FitResult

        Examples
        --------
        >>> import emkit as em
        >>> X = em.datasets.load("faithful")
        >>> fit = em.GaussianMixture(3, covariance="EEE").fit(X, n_init=10, random_state=0)
        >>> fit.params.means.sizes["component"]
        3

        A latent class model: ``init="auto"`` starts its categorical
        components by short EM runs (``"short_em"``).

        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> codes = np.r_[rng.choice(3, (300, 4), p=[0.8, 0.1, 0.1]), rng.choice(3, (200, 4), p=[0.1, 0.2, 0.7])]
        >>> lca = em.Mixture(em.Categorical(), n_components=2).fit(codes, random_state=0)
        >>> sorted(lca.params.weights.values.round(1).tolist())
        [0.4, 0.6]
        """
        return fit_latent_model(
            self._declaration, X, FitResult, n_init=n_init, init=init, max_iter=max_iter, tol=tol,
            chunk_size=chunk_size, sample_weight=sample_weight, labels=labels, random_state=random_state,
            progress=progress, missing=missing,
        )

    def fit_online(
        self,
        chunks,
        *,
        passes: int = 1,
        alpha: float = 0.6,
        init="auto",
        n_init: int = 1,
        random_state=None,
        evaluate: bool = True,
        progress: bool | None = None,
        missing=None,
    ) -> FitResult:
        """Fit by stepwise (online) EM over mini-batches (Cappé & Moulines, 2009).

        Parameters
        ----------
        chunks : iterable of data, or a callable returning a fresh iterable
            Mini-batches (arrays, DataFrames...), all with the same features
            (columns matched by name against the first mini-batch's, by
            position for data without names). A callable is needed for
            ``passes > 1`` and for ``evaluate``.
        passes : int, default 1
            Passes over the mini-batches.
        alpha : float, default 0.6
            Step sizes ``(t + 2)^(-alpha)``, ``1/2 < alpha <= 1``
            (:mod:`emkit.em.online`).
        init : str, default "auto"
            Initialisation on the first mini-batch (see :meth:`fit`).
        n_init : int, default 1
            Restarts of batch EM on the first mini-batch (at most 50
            iterations each); the best gives the starting parameters.
        random_state : int, Generator or None
        evaluate : bool, default True
            With a callable ``chunks``, one more pass computes the exact
            log-likelihood of the final parameters; otherwise the result's
            ``log_likelihood`` is the running per-observation average times the
            number of observations per pass (an approximation).
        progress : bool or None, default None
            Show a progress bar over the passes with the mini-batch count and
            each mini-batch's log-likelihood (see :meth:`fit`).
        missing : {None, "marginalize"}, default None
            As in :meth:`fit`, for every mini-batch.

        Returns
        -------
        FitResult
            ``trace.log_likelihood`` holds each mini-batch's log-likelihood
            before its update; ``converged`` is False (stepwise EM runs the
            passes it is given); ``partial_fit`` continues from the result.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> rng = np.random.default_rng(0)
        >>> x = np.concatenate([rng.normal(0, 1, (5000, 1)), rng.normal(6, 1, (5000, 1))])[rng.permutation(10000)]
        >>> fit = em.GaussianMixture(2).fit_online(lambda: np.array_split(x, 20), passes=2, random_state=0)
        >>> sorted(fit.params.means.values.ravel().round().astype(int).tolist())
        [0, 6]
        """
        for name, value in (("passes", passes), ("n_init", n_init)):
            _check_positive_int(name, value)
        alpha = check_alpha(alpha)
        if not callable(chunks) and passes > 1:
            raise ValueError("passes > 1 needs chunks to be a callable returning a fresh iterable of mini-batches")
        batches = iter(chunks() if callable(chunks) else chunks)
        try:
            first = next(batches)
        except StopIteration:
            raise ValueError("chunks yielded no mini-batch") from None
        missing = _check_missing_option(self._declaration, missing)
        categories = {} if self._declaration.accepts_categorical else None
        obs = as_observations(first, categories=categories, columns=self._declaration.used_columns, missing=missing)
        declaration = self._declaration.bind(obs.features, obs.categories, _checkable(obs.values, missing))
        rows = auto_chunk_size(declaration.fit_floats_per_row(obs.n_features))
        init = check_init(
            init, obs.n_obs, obs.n_features, self.n_components, auto=declaration.default_init, features=obs.features
        )

        def prepared(batch):  # columns matched by name against the first mini-batch's, as in predictions
            batch_obs = as_observations(
                batch, "a mini-batch", obs.categories if categories is not None else None, features=obs.features,
                missing=missing,
            )
            declaration.check_data(_checkable(batch_obs.values, missing))
            return ChunkedData(batch_obs.values, None, rows, default_workers())

        history = []
        with single_threaded_blas():
            with notices.collect():  # a short EM on one mini-batch only seeds the stream: its warnings are dropped
                seed_data = prepared(first)
                seeded = fit_restarts(
                    declaration, seed_data, init=init, n_init=n_init, tol=1e-4, max_iter=50,
                    random_state=random_state,
                    start_data=dataclasses.replace(seed_data, values=_checkable(seed_data.values, missing)),
                )
            state = OnlineState(seeded.best.model, None, 0, alpha, 0.0)
            with fit_progress(progress, rounds="pass", iterations="batch") as reporter:
                for number in range(passes):
                    reporter.round_started(number, passes)
                    pass_batches = itertools.chain([first], batches) if number == 0 else chunks()
                    for count, batch in enumerate(pass_batches, start=1):
                        state, loglik = state.step(prepared(batch))
                        history.append(loglik)
                        reporter.iteration(count, loglik)
                    reporter.round_finished()
            if evaluate and callable(chunks):
                final = functools.reduce(operator.add, (e_step(state.mixture, prepared(b)) for b in chunks()))
            else:
                final = state.running * (state.n_seen / passes)
        run = EMRun(state.mixture, final, np.asarray(history), False)
        return _result(state.mixture, obs, [run], 0, final, online_state=state, missing=missing)


def declared_families(families, count: int | None, name: str = "n_components") -> list:
    """Fresh unfitted families from a declaration: a template family times ``count``, or a list (``count`` its total).

    Raises
    ------
    TypeError
        If something is not a family.
    ValueError
        For an empty list, or a ``count`` (named ``name`` in errors) that is
        not a positive integer or disagrees with the list.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.estimators import declared_families
    >>> [f.n_components for f in declared_families(em.Poisson(), 3)]
    [3]
    >>> declared_families([em.Poisson(2), em.Gaussian()], 2, "n_states")
    Traceback (most recent call last):
    ...
    ValueError: n_states=2 but the families hold 3 components
    """
    listed = isinstance(families, (list, tuple))
    for family in families if listed else [families]:
        check_family(family)
    if listed:
        families = list(families)
        if not families:
            raise ValueError("a model needs at least one family")
        total = sum(f.n_components for f in families)
        if count is not None and check_n_components(count, name) != total:
            raise ValueError(f"{name}={count} but the families hold {total} components")
    else:
        size = families.n_components if count is None else check_n_components(count, name)
        families = [families.with_components(size)]
    return [f.with_components(f.n_components) for f in families]


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def fit_latent_model(
    declaration,
    X,
    result_type,
    *,
    lengths=None,
    n_init: int,
    init,
    max_iter: int,
    tol: float,
    chunk_size,
    sample_weight,
    random_state,
    progress,
    labels=None,
    missing=None,
):
    """Fit any latent model declaration by EM: read and check the data, run the restarts, wrap the best.

    The one fit function behind :meth:`Mixture.fit` and
    :meth:`emkit.HiddenMarkovModel.fit`. ``lengths`` (sequence lengths, None
    for independent rows) makes the chunks and dask blocks hold whole
    sequences; ``result_type`` is the :class:`~emkit.results.FitResult`
    class of the result; ``labels`` the known components of some rows
    (:func:`emkit._labels.as_labels`; a mixture only).

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.estimators import fit_latent_model
    >>> from emkit.latent.mixture import FiniteMixture
    >>> fit = fit_latent_model(
    ...     FiniteMixture([em.Gaussian("full", 2)]), em.datasets.load("faithful"), em.FitResult, n_init=1,
    ...     init="kmeans++", max_iter=100, tol=1e-6, chunk_size=None, sample_weight=None, random_state=0,
    ...     progress=False,
    ... )
    >>> fit.n_components, fit.converged
    (2, True)
    """
    K = declaration.n_components
    _check_positive_int("n_init", n_init)
    tol, max_iter = check_stopping(tol, max_iter)
    check_chunk_size(chunk_size, 1)  # a bad chunk_size is refused before the data are read
    lazy = is_dask_data(X)
    missing = _check_missing_option(declaration, missing)
    if lazy:
        obs = as_dask_observations(X)
        weight = as_dask_sample_weight(sample_weight, obs.values)
    else:
        obs = as_observations(
            X, categories={} if declaration.accepts_categorical else None, columns=declaration.used_columns,
            missing=missing,
        )
        weight = as_sample_weight(sample_weight, obs.n_obs)
    if declaration.sequential:  # whole sequences per chunk; no lengths: all rows are one sequence
        bounds = sequence_bounds([obs.n_obs] if lengths is None else lengths, obs.n_obs)
    elif lengths is not None:
        raise ValueError(f"lengths describe sequences, but a {type(declaration).__name__} takes independent rows")
    else:
        bounds = None
    if obs.n_obs < K:
        raise ValueError(f"X has {obs.n_obs} observations, fewer than the {K} {declaration.latent_dim}s")
    if labels is not None and declaration.sequential:
        raise NotImplementedError(
            f"labels (known {declaration.latent_dim}s of some rows) are supported for mixtures only, not for a "
            f"{type(declaration).__name__}; fit without labels"
        )
    known = None if labels is None else as_labels(labels, obs.n_obs, K)
    init = check_init(
        init, obs.n_obs, obs.n_features, K, auto=declaration.default_init, sequential=declaration.sequential,
        features=obs.features,
    )
    if not lazy:
        obs, weight, init, known = _weighted_rows(obs, weight, init, known)
    if missing:  # bound, checked and started on the data filled with observed values; EM runs on the data
        filled = dataclasses.replace(obs, values=_filled(obs.values, weight, lazy))
        bind = _bind_dask if lazy else _bind_in_memory
        declaration, start_data = bind(declaration, filled, weight, chunk_size, bounds)
        data = _with_values(start_data, obs.values)
    else:
        declaration, data = (_bind_dask if lazy else _bind_in_memory)(declaration, obs, weight, chunk_size, bounds)
        start_data = None
    if known is not None:  # the labels travel with the rows, as the weights do
        codes = labels_in_blocks(known.codes, obs.values) if lazy else known.codes
        data = dataclasses.replace(data, labels=codes)
        start_data = None if start_data is None else dataclasses.replace(start_data, labels=codes)
    # single-threaded BLAS: small matrices; chunks use the cores instead
    with single_threaded_blas(), fit_progress(progress) as reporter:
        outcome = fit_restarts(
            declaration, data, init=init, n_init=n_init, tol=tol, max_iter=max_iter,
            random_state=random_state, progress=reporter,
            start_data=start_data,
        )
    best = outcome.best
    result = _result(
        best.model, obs, outcome.runs, outcome.best_index, best.stats, result_type=result_type,
        component_names=None if known is None else known.names, missing=missing,
    )
    if outcome.warning:
        result.trace.attrs["restart_warning"] = outcome.warning
    if known is not None:  # rows labelled with each component: FitResult.labelled_rows
        result.trace.attrs["labelled_rows"] = np.bincount(known.codes[known.codes != UNLABELLED], minlength=K)
    if outcome.screening is not None:  # each restart's short runs before its EM run
        result.trace.attrs.update(outcome.screening.trace_attrs())
    return result


def _check_missing_option(declaration, missing):
    """The validated ``missing`` option; an error if some family of the model cannot marginalise."""
    missing = check_missing(missing)
    if missing is None:
        return None
    for family in declaration.families:
        require_marginalize(family)
    return missing


def _checkable(values: np.ndarray, missing) -> np.ndarray:
    """The values families bind to, are checked on and start from: with ``missing``, NaN filled by observed values."""
    return filled_for_starts(values) if missing else values


def _filled(values, weight, lazy: bool):
    """In-memory or dask ``values`` with their NaN filled for binding, checks and starts (:func:`filled_for_starts`)."""
    if lazy:
        return filled_for_starts_lazily(DaskData(values, weight, chunk_size=1))
    return filled_for_starts(values, weight)


def _with_values(data, values):
    """``data`` (bound to the filled values) holding ``values``, with their NaN, in the same blocks."""
    if isinstance(data, DaskData):
        values = values.rechunk(data.values.chunks)
    return dataclasses.replace(data, values=values)


def _weighted_rows(obs, weight, init, labels=None):
    """The rows with positive weight, their weights, initial responsibilities and labels.

    A row of weight 0 is no part of the data: it neither sizes a family
    (category labels, a uniform component's bounds) nor is checked against
    its support, so an integer weight equals repeating the row, 0 included.
    """
    if weight is None or weight.all():
        return obs, weight, init, labels
    kept = weight > 0
    rows = dataclasses.replace(obs, values=obs.values[kept], index=obs.index[kept])
    return (
        rows, weight[kept], init[kept] if isinstance(init, np.ndarray) else init,
        None if labels is None else labels.kept(kept),
    )


def _bind_in_memory(declaration, obs, weight, chunk_size, bounds=None):
    """The declaration bound to in-memory data, checked, and the data in chunks (of whole sequences)."""
    declaration = declaration.bind(obs.features, obs.categories, obs.values)
    declaration.check_data(obs.values)
    rows = check_chunk_size(chunk_size, declaration.fit_floats_per_row(obs.n_features))
    return declaration, ChunkedData(obs.values, weight, rows, default_workers(), sequence_bounds=bounds)


def _bind_dask(declaration, obs, weight, chunk_size, bounds=None):
    """The declaration bound to dask data, checked, and the data's executor.

    One pass checks the values are finite and finds each column's range, or
    its distinct values for a model with categories (which bind hooks sizing
    themselves from data need); a second pass runs
    the families' support checks, only if some family has one.
    """
    scanned = DaskData(obs.values, weight, chunk_size=1)
    summary = scan_blocks(scanned, distinct=declaration.accepts_categorical)  # categories are the values held
    declaration = declaration.bind(obs.features, obs.categories, summary)
    if any(capabilities(family).check_data for family in declaration.families):
        check_blocks(scanned, declaration.check_data)
    rows = check_chunk_size(chunk_size, declaration.fit_floats_per_row(obs.n_features))
    if bounds is None:
        return declaration, DaskData(obs.values, weight, rows)
    return declaration, DaskData(aligned_blocks(obs.values, bounds), None, rows, sequence_bounds=bounds)


def _result(
    mixture, obs, runs, best_index, stats, online_state=None, result_type=FitResult, component_names=None,
    missing=None,
) -> FitResult:
    """The FitResult of ``runs`` keeping ``mixture``; warns about degenerate components.

    ``component_names`` (named labels) become the ``component`` coordinate of the result; ``missing``
    (the fit's option) its :attr:`~emkit.results.FitResult.missing`.
    """
    trace = trace_dataset(
        [run.log_likelihood for run in runs],
        [run.converged for run in runs],
        [run.error for run in runs],
        [None if run.model is None else run.model.to_dataset(obs.features) for run in runs],
    )
    result = result_type(
        mixture,
        obs.features,
        trace,
        best_index,
        stats.n_obs,
        stats.log_likelihood,
        stats.classification_log_likelihood,
        categories=obs.categories,
        ordered_categories=obs.ordered,
        online_state=online_state,
        missing=missing,
        **({} if component_names is None else {"component_names": component_names}),
    )
    degenerate = result.degenerate_components
    latent = mixture.latent_dim
    if degenerate:
        notices.warn(
            f"degenerate {latent}(s): {'; '.join(f'{latent} {k}: {why}' for k, why in degenerate.items())}. "
            "Their fit is an artefact (too few observations, or a spread set by a ridge or floor rather than "
            f"the data), and so are the likelihood and information criteria; use fewer {latent}s or "
            "another model",
            DegenerateComponentWarning,
            stacklevel=3,
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
    prior : GaussianPrior, optional
        A conjugate prior of the means and covariances (mclust's
        ``prior = priorControl()``): every M-step is the posterior mode (see
        :class:`~emkit.GaussianPrior`); ``fit.log_likelihood`` (and the
        information criteria) are the log-likelihood at that estimate.
    weight_prior : float or array of shape (K,), optional
        Dirichlet concentrations of a prior on the mixing weights (see
        :class:`Mixture`).

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(3, covariance="EEE").fit(em.datasets.load("faithful"), random_state=0)
    >>> fit.n_params
    11
    """

    def __init__(
        self, n_components: int = 1, covariance="full", reg_covar: float = DEFAULT_REG_COVAR, *, prior=None,
        weight_prior=None,
    ):
        super().__init__(
            Gaussian(covariance, n_components=n_components, reg_covar=reg_covar, prior=prior),
            weight_prior=weight_prior,
        )

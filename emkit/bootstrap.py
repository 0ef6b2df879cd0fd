"""Bootstrap replicates of a fit, with component (or state) labels aligned to the reference.

Each replicate refits the same model, started from the reference parameters,
to a resample: rows drawn with replacement (``kind="nonparametric"``) or a
sample of the same size drawn from the fitted mixture (``"parametric"``).
With observation weights, a nonparametric resample draws each row with its
weight; a parametric one draws as many unweighted rows as the fit's total
weight. Replicates are iterated to a tighter tolerance than a fit's default
(``REPLICATE_TOL``): a replicate stopped early sits near its start, the
reference, and the replicates' spread would understate the sampling spread.

A fit made with ``missing="marginalize"`` is bootstrapped with its NaN: a
nonparametric resample draws rows with their missing entries and refits them
with the option; a parametric one simulates complete rows from the fitted
mixture (the fit has no model of which entries go missing), so its spread is
that of complete data of the same size, narrower than the observed data's.
Mixture components have no fixed order, so every replicate's components are
matched to the reference's (:func:`emkit.diagnostics.alignment.align`).

A hidden Markov model's rows are not exchangeable, so its resamples are
whole sequences: drawn with replacement from the data's sequences
(``"nonparametric"``, which needs several sequences), or simulated from the
fit with the data's sequence lengths (``"parametric"``). States are matched
to the reference's on their emission parameters, and ``transmat`` is
permuted along ``state`` and ``next_state`` alike.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import notices
from .diagnostics.alignment import align, latent_dim, reordered
from .em.progress import progress_bar
from ._sequence_input import sequence_bounds
from .estimators import Mixture
from .hidden_markov import HiddenMarkovModel
from .results.fit_data import fit_data
from .results.fit_result import FitResult

KINDS = ("nonparametric", "parametric")

#: Convergence tolerance of the replicates unless ``tol`` is given.
REPLICATE_TOL = 1e-9


def bootstrap(
    fit: FitResult,
    X,
    n_boot: int = 100,
    kind: str = "nonparametric",
    random_state=None,
    progress: bool | None = None,
    sample_weight=None,
    *,
    lengths=None,
    sequence_column=None,
    **fit_options,
) -> xr.Dataset:
    """Refit on resamples; replicates of every parameter over a ``draw`` dimension.

    Parameters
    ----------
    fit : FitResult
        The reference fit: a mixture's or a hidden Markov model's.
    X : data
        The data ``fit`` was fitted to.
    n_boot : int, default 100
        Number of replicates.
    kind : {"nonparametric", "parametric"}
        Resample rows of ``X``, or draw from the fitted mixture. For a
        hidden Markov model: resample whole sequences of ``X`` (it needs
        at least two), or simulate sequences of the same lengths from the
        fitted model.
    random_state : int, Generator or None
    progress : bool or None, default None
        Show a progress bar over the replicates on standard error (a widget in
        Jupyter). None shows it on a terminal or in Jupyter only, True always,
        False never.
    sample_weight : array-like of shape (n,), optional
        The observation weights ``fit`` was fitted with: a nonparametric
        resample keeps each drawn row's weight; a parametric one draws
        ``round(fit.n_obs)`` unweighted rows. Not for a hidden Markov model.
    lengths, sequence_column
        For a hidden Markov model fit, the sequences of ``X`` as its ``fit``
        took them (``X`` may also be a list with one item per sequence);
        without them, all rows are one sequence. Refused for a mixture.
    **fit_options
        Passed to ``fit`` (``max_iter``, ``tol``...; ``tol`` defaults to
        ``REPLICATE_TOL``, ``missing`` to the fit's option
        :attr:`~emkit.results.FitResult.missing`). Each replicate starts
        from ``fit.params``.

    Returns
    -------
    xarray.Dataset
        ``fit.params``' variables with a leading ``draw`` dimension, aligned
        to the reference's components (states), plus ``log_likelihood(draw)`` and
        ``error(draw)`` (why a replicate failed; its parameters are NaN).
        :func:`emkit.plot.compute_bootstrap_intervals` summarises them:
        percentile intervals, the SD and a MAD-based SD that a few outlying
        replicates barely move.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> boot = em.bootstrap(fit, X, n_boot=5, random_state=1)
    >>> boot.means.sizes["draw"]
    5

    A hidden Markov model: sequences simulated from the fit, states matched
    to the reference's.

    >>> waiting = X[["waiting"]]
    >>> hmm = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, n_init=3, random_state=0)
    >>> boot = em.bootstrap(hmm, waiting, n_boot=20, kind="parametric", random_state=1)
    >>> boot.transmat.dims, bool((abs(boot.means - hmm.params.means) < 5).all())
    (('draw', 'state', 'next_state'), True)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    obs, weight, lengths = fit_data(fit, X, sample_weight, lengths, sequence_column, "em.bootstrap")
    replicates_of = _MixtureReplicates if lengths is None else _SequenceReplicates
    plan = replicates_of(fit, obs.values, weight if lengths is None else lengths, kind)
    fit_options.setdefault("tol", REPLICATE_TOL)
    fit_options.setdefault("missing", fit.missing)
    rng = np.random.default_rng(random_state)
    reference = fit.params
    replicates, loglik, errors = [], [], []
    for _ in progress_bar(range(int(n_boot)), progress, desc="bootstrap", unit="replicate"):
        rows, options = plan.resample(rng)
        data = xr.DataArray(rows, dims=("observation", "feature"), coords={"feature": fit.features})
        try:
            with notices.collect():  # a replicate's warnings are dropped: failures are recorded in ``error``
                refit = plan.model.fit(
                    data, init=reference, random_state=rng, progress=False, **options, **fit_options
                )
        except ValueError as err:
            replicates.append(xr.full_like(reference, np.nan))
            loglik.append(np.nan)
            errors.append(f"{type(err).__name__}: {err}")
            continue
        replicates.append(aligned(reference, refit.params))
        loglik.append(refit.log_likelihood)
        errors.append("")
    out = xr.concat(replicates, dim="draw", coords="minimal", compat="override", join="override")
    out = out.assign_coords(draw=np.arange(len(replicates)))
    out["log_likelihood"] = ("draw", np.array(loglik))
    out["error"] = ("draw", np.array(errors, dtype=str))
    out.attrs = {"kind": kind, "n_boot": int(n_boot)}
    return out


class _MixtureReplicates:
    """Resamples of a mixture's rows (weighted as the fit was), refitted by a mixture of the fit's families."""

    def __init__(self, fit: FitResult, values: np.ndarray, weight, kind: str):
        self.fit, self.values, self.weight, self.kind = fit, values, weight, kind
        self.model = Mixture(list(fit.mixture.families))

    def resample(self, rng: np.random.Generator):
        """Rows of a replicate and the ``fit`` arguments that go with them (their weights)."""
        if self.kind == "nonparametric":
            drawn = rng.integers(len(self.values), size=len(self.values))
            return self.values[drawn], {"sample_weight": None if self.weight is None else self.weight[drawn]}
        size = len(self.values) if self.weight is None else round(self.fit.n_obs)
        return self.fit.sample(size, random_state=rng, as_frame=False).values, {"sample_weight": None}


class _SequenceReplicates:
    """Resampled or simulated sequences of a hidden Markov model fit, refitted by the same declaration."""

    def __init__(self, fit, values: np.ndarray, lengths: np.ndarray, kind: str):
        if kind == "nonparametric" and len(lengths) < 2:
            raise ValueError(
                "a nonparametric bootstrap of a hidden Markov model resamples whole sequences, and the data are "
                'one sequence: use kind="parametric" (sequences simulated from the fit), or give the sequences '
                "with lengths"
            )
        self.fit, self.values, self.lengths, self.kind = fit, values, np.asarray(lengths), kind
        self.bounds = sequence_bounds(self.lengths, len(values))
        chain = fit.mixture
        self.model = HiddenMarkovModel(list(chain.families), **chain.declaration_options())

    def resample(self, rng: np.random.Generator):
        """Rows of a replicate's sequences and the ``fit`` arguments that go with them (their lengths)."""
        if self.kind == "nonparametric":
            drawn = rng.integers(len(self.lengths), size=len(self.lengths))
            rows = np.concatenate([self.values[self.bounds[i]: self.bounds[i + 1]] for i in drawn])
            return rows, {"lengths": self.lengths[drawn]}
        steps, counts = np.unique(self.lengths, return_counts=True)
        rows = [self.fit.sample(int(n), int(c), random_state=rng, as_frame=False).values for n, c in zip(steps, counts)]
        return np.concatenate(rows), {"lengths": np.repeat(steps, counts)}


def aligned(reference: xr.Dataset, params: xr.Dataset) -> xr.Dataset:
    """``params`` with its components (states) matched to the reference's and labelled as them.

    Matching is :func:`~emkit.diagnostics.alignment.align`; a hidden Markov
    model's ``transmat`` is reordered along ``state`` and ``next_state``
    alike (:func:`~emkit.diagnostics.alignment.reordered`).

    Examples
    --------
    >>> import xarray as xr
    >>> from emkit.bootstrap import aligned
    >>> reference = xr.Dataset({"means": (("component", "feature"), [[0.0], [5.0]])}, coords={"component": [0, 1]})
    >>> swapped = reference.isel(component=[1, 0]).assign_coords(component=[0, 1])
    >>> aligned(reference, swapped).means.values.ravel().tolist()
    [0.0, 5.0]
    """
    matched = reordered(params, align(reference, params))
    labels = {dim: reference[dim].values for dim in (latent_dim(params), "next_state") if dim in params.dims}
    return matched.assign_coords(labels)

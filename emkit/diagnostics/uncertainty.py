"""Standard errors and confidence intervals from the observed information.

The free parameters ``theta`` of a fitted mixture are ``K - 1`` weights and
every family's ``free_parameters()`` (as many as ``n_params``), on the scale
of the parameters themselves. On a simplex (the weights, a categorical
column's probabilities) the largest entry is the dependent one, one minus
the others, so a weight or probability near 0 is always a free parameter.
Each family also declares the domain of its free parameters,
``free_parameter_bounds()``: probabilities in ``[0, 1]``, rates and scales
positive, variances at least ``reg_covar``. A hidden Markov model's free
parameters are its own (:meth:`~emkit.latent.hmm.HiddenMarkovChain.free_parameters`):
``startprob`` and each row of ``transmat`` on the same simplex coordinates,
over their entries that are not structural zeros, then the emission
families'; fixed parameters are not free.

The observed information is minus the Hessian of the observed-data
log-likelihood ``l(theta) = sum_i log p(x_i | theta)`` at the estimate (for a
hidden Markov model ``sum over sequences of log p(sequence | theta)``, by the
forward recursion), by central differences, so any family works. Each step ``h_i`` is searched so
that ``2 l(t) - l(t + h_i e_i) - l(t - h_i e_i)`` is about ``1e-3``; for a
quadratic log-likelihood that drop is ``h_i^2 I_ii``, so ``h_i`` is about 0.03
standard errors of ``theta_i`` whatever its units or size, and the drop is
far above the rounding error of ``l``. With ``d_i`` that drop and ``d_ij``
the drop along ``h_i e_i + h_j e_j`` (both ways),

    H_ii ~ -d_i / h_i^2,    H_ij ~ -(d_ij - d_i - d_j) / (2 h_i h_j),

exact for a quadratic ``l``, off by a relative ``O(h^2)`` otherwise. That
error is small, but the inverse multiplies it by the condition number of
the information: with strongly correlated free parameters (the entries of
a covariance matrix between correlated features) the standard errors
would be off by several times it (0.3% for a full covariance of Old
Faithful). So the same differences are also taken at half the steps and
the two combined by Richardson's extrapolation, ``(4 H(h / 2) - H(h)) / 3``,
which removes the ``h^2`` term. Steps stop halfway to a bound.

A parameter is on the boundary if moving it to one of its bounds lowers
``l`` by less than 1/2 (for a quadratic ``l``: the bound is within one
standard error), as for a probability or weight estimated at 0 or 1, a
variance at its floor, degrees of freedom at their limit. The normal
approximation does not hold there, and a difference step across the bound
is meaningless: the parameter is held fixed, its row and column are left
out of the information, and the other parameters' errors are conditional
on it. A parameter along which ``l`` is flat, undefined or not at a maximum
is left out in the same way, and every reported value depending on it gets
no error.

The information is inverted in step units, ``S = D (-H) D`` with
``D = diag(h)`` (a unit-free matrix whose diagonal is about ``1e-3``), on
its eigenvectors with eigenvalues above ``1e-6`` times the largest; a reported
value with a component along another eigenvector (singular or negative) is
not identified, or not at a maximum, and gets no error. Every reported
parameter ``phi`` (all entries of ``fit.params``: every weight and
probability, both triangles of a covariance matrix) gets its variance by
the delta method, ``g S^+ g^T`` with ``g_i = h_i d phi / d theta_i`` from
central differences, so it is on the scale of the value shown. A ``note``
column says why an error is NaN.

Intervals are Wald intervals on an unconstrained scale, mapped back, so they
stay inside each parameter's domain (:func:`interval_on_domain`): with ``g``
the logit for a probability (a weight, ``startprob``, ``transmat``, a
category's probability; each entry of a simplex on its own), the log for a
positive parameter (a variance on a covariance's diagonal, a rate, a scale,
a shape, degrees of freedom), the interval is
``g^-1(g(phi) -/+ z SE |g'(phi)|)``, the standard error carried to that
scale by the delta method. For a well-determined parameter (``SE`` small
against the distance to the bound) it is ``phi -/+ z SE`` to first order;
near a bound it is skewed away from it, as the likelihood is. Parameters
without bounds (means, covariances off the diagonal, regression
coefficients) get ``phi -/+ z SE``. A family declares the domains of its
other parameters in ``param_bounds``.

This costs about ``2 p^2`` passes over the data for ``p`` free parameters,
so it suits models with up to a few hundred parameters; above
``max_params`` use :func:`emkit.bootstrap`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from .. import notices
from ..em.chunks import ChunkedData, auto_chunk_size
from ..em.driver import e_step
from ..em.parallel import single_threaded_blas
from ..em.progress import progress_bar
from ..results.fit_data import fit_data
from .._sequence_input import sequence_bounds


#: Drop ``2 l(t) - l(t + h_i e_i) - l(t - h_i e_i)``, about ``h_i^2 I_ii``, aimed at by each
#: step ``h_i``: the step is then about ``sqrt(1e-3) = 0.03`` standard errors of ``theta_i``.
TARGET_DROP = 1e-3
#: Rounding error of one log-likelihood evaluation, in units of ``eps |l|``.
_ROUNDING = 1e3
#: A drop is resolved when it is this many times the rounding error (1% relative error).
_RESOLVED = 1e2
#: A parameter is on the boundary if moving it to one of its bounds lowers the log-likelihood
#: by less than this (for a quadratic log-likelihood: a bound within one standard error).
BOUNDARY_DROP = 0.5
#: By default the progress bar of :func:`summary` appears only once the computation has taken this long.
SHOW_AFTER_SECONDS = 1.0
#: Tries of the step search before a parameter is declared unresolved.
_STEP_TRIES = 12
#: Eigenvalues of the scaled information below this fraction of the largest count as zero.
SINGULAR_RCOND = 1e-6
#: A reported parameter is not identified if this fraction of its gradient lies along such an eigenvector.
_IDENTIFIED_TOL = 1e-3
#: Reported variables that are probabilities (entries of a simplex): intervals on the logit scale.
PROBABILITIES = ("weights", "startprob", "transmat", "probs", "mixture_weights")
#: Reported variables that are positive in every family that has them: intervals on the log scale.
#: Other parameters' domains come from their family's ``param_bounds``; the diagonal of a
#: matrix over ``feature`` and ``feature2`` (a covariance, a Student-t scale matrix) is positive.
POSITIVE = ("dof", "sigma")

ON_BOUNDARY = "on or near a bound ({name} = {value:.3g}): no standard error"
UNRESOLVED = "log-likelihood flat, not at a maximum or undefined along it: no standard error"
NOT_MAXIMUM = "not at a maximum (observed information not positive definite): no standard error"
NOT_IDENTIFIED = "not identified (observed information singular): no standard error"
FIXED = "not estimated by the likelihood (fixed)"


def parameter_labels(params) -> tuple[list[str], np.ndarray]:
    """Labels like ``means[1, waiting]`` and values of every finite entry of a parameter Dataset.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> labels, values = parameter_labels(fit.params)
    >>> labels[:3]
    ['weights[0]', 'weights[1]', 'means[0, eruptions]']
    """
    labels = []
    for name, var in _reported_variables(params):
        coords = [var[d].values if d in var.coords else np.arange(var.sizes[d]) for d in var.dims]
        labels += [f"{name}[{', '.join(str(c[i]) for c, i in zip(coords, index))}]" for index in np.ndindex(var.shape)]
    values = _reported_values(params)
    finite = np.isfinite(values)
    return [label for label, keep in zip(labels, finite) if keep], values[finite]


def parameter_domains(params, families=()) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the domain of every finite entry of a parameter Dataset.

    In :func:`parameter_labels` order: ``(0, 1)`` for :data:`PROBABILITIES`,
    ``(0, inf)`` for :data:`POSITIVE` and the diagonal of a matrix over
    ``feature`` and ``feature2``, the ``param_bounds`` the ``families`` (and
    the parts of a product of families) declare, ``(-inf, inf)`` otherwise.

    Examples
    --------
    >>> import emkit as em
    >>> fit = em.GaussianMixture(1).fit(em.datasets.load("faithful"))
    >>> labels, _ = parameter_labels(fit.params)
    >>> lower, upper = parameter_domains(fit.params, fit.mixture.families)
    >>> [(label, float(low), float(high)) for label, low, high in zip(labels, lower, upper)][:4]
    [('weights[0]', 0.0, 1.0), ('means[0, eruptions]', -inf, inf), ('means[0, waiting]', -inf, inf), ('covariances[0, eruptions, eruptions]', 0.0, inf)]
    >>> float(lower[labels.index("covariances[0, eruptions, waiting]")])
    -inf
    """
    declared = {
        **_declared_bounds(families), **dict.fromkeys(PROBABILITIES, (0.0, 1.0)), **dict.fromkeys(POSITIVE, (0.0, np.inf)),
    }
    lower, upper = [], []
    for name, var in _reported_variables(params):
        low, high = declared.get(name, (-np.inf, np.inf))
        lower.append(np.where(_matrix_diagonal(var), 0.0, low).ravel())
        upper.append(np.full(var.size, high, dtype=float))
    finite = np.isfinite(_reported_values(params))
    return np.concatenate(lower or [np.zeros(0)])[finite], np.concatenate(upper or [np.zeros(0)])[finite]


def _declared_bounds(families) -> dict:
    """Parameter name -> ``(lower, upper)`` as the families (and the parts of products) declare in ``param_bounds``."""
    bounds = {}
    for family in families:
        bounds.update(_declared_bounds(getattr(family, "parts", ())))
        bounds.update(getattr(family, "param_bounds", None) or {})
    return bounds


def _matrix_diagonal(var) -> np.ndarray:
    """Which entries of ``var`` lie on the diagonal of a matrix over ``feature`` and ``feature2`` (none if it is not one)."""
    if not {"feature", "feature2"} <= set(var.dims):
        return np.zeros(var.shape, dtype=bool)
    index = np.indices(var.shape)
    return index[var.get_axis_num("feature")] == index[var.get_axis_num("feature2")]


def interval_on_domain(estimate, std_error, z: float, lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """Wald limits computed on the unconstrained scale of the domain ``(lower, upper)``, mapped back.

    The scale ``g`` is the logit of ``(phi - lower) / (upper - lower)`` when
    both bounds are finite (a probability's logit), the log of the distance
    to the one finite bound (a variance's or rate's log), ``phi`` itself for
    no bound. The limits are ``g^-1(g(phi) -/+ z SE |g'(phi)|)``: the
    standard error moved to that scale by the delta method, so they stay
    inside the domain, and equal ``phi -/+ z SE`` to first order in ``SE``.
    An estimate on a bound has no interval (NaN).

    Parameters
    ----------
    estimate, std_error : ndarray
    z : float
        Normal quantile of the level, ``1.96`` for 95%.
    lower, upper : ndarray
        Bounds of each estimate's domain (``-inf``/``inf`` for none).

    Returns
    -------
    lower_limit, upper_limit : ndarray

    Examples
    --------
    A probability of 0.02 with standard error 0.015: the plain limits would
    be ``-0.0094`` and ``0.0494``; on the logit scale both are inside
    ``(0, 1)``. A variance of 4 with standard error 0.02 (well determined)
    gets ``4 -/+ 1.96 * 0.02 = (3.9608, 4.0392)`` to within ``1e-4``:

    >>> import numpy as np
    >>> low, high = interval_on_domain(np.array([0.02, 4.0]), np.array([0.015, 0.02]), 1.96,
    ...                                np.array([0.0, 0.0]), np.array([1.0, np.inf]))
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([0.0045, 3.961], [0.0838, 4.0394])
    """
    estimate, std_error, lower, upper = (np.asarray(a, dtype=float) for a in (estimate, std_error, lower, upper))
    has_lower, has_upper = np.isfinite(lower), np.isfinite(upper)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        width = upper - lower
        share = (estimate - lower) / width  # in (0, 1) inside a bounded domain
        logit, logit_spread = special.logit(share), z * std_error / (width * share * (1 - share))
        from_lower, from_upper = estimate - lower, upper - estimate
        factor_lower, factor_upper = np.exp(z * std_error / from_lower), np.exp(z * std_error / from_upper)
        limits = [
            (lower + width * special.expit(logit - logit_spread), lower + width * special.expit(logit + logit_spread)),
            (lower + from_lower / factor_lower, lower + from_lower * factor_lower),
            (upper - from_upper * factor_upper, upper - from_upper / factor_upper),
            (estimate - z * std_error, estimate + z * std_error),
        ]
    cases = [has_lower & has_upper, has_lower & ~has_upper, ~has_lower & has_upper]
    return tuple(np.select(cases, [limit[side] for limit in limits[:3]], default=limits[3][side]) for side in (0, 1))


def _reported_variables(params):
    return [
        (name, var) for name, var in params.data_vars.items()
        if np.issubdtype(var.dtype, np.floating) and name != "column_role"
    ]


def _reported_values(params) -> np.ndarray:
    """Every entry of every reported variable, flattened in :func:`parameter_labels` order (NaN kept)."""
    return np.concatenate([var.values.ravel() for _, var in _reported_variables(params)] or [np.zeros(0)])


def summary(
    fit, X, level: float = 0.95, max_params: int = 300, sample_weight=None, progress: bool | None = None, *,
    lengths=None, sequence_column=None,
) -> pd.DataFrame:
    """Estimates with standard errors and confidence intervals, one row per scalar parameter.

    Parameters
    ----------
    fit : FitResult
        A mixture's or a hidden Markov model's.
    X : data
        The data the fit was fitted to (the information is computed on it).
    level : float, default 0.95
        Confidence level of the intervals.
    max_params : int, default 300
        Above this many free parameters, raise (the Hessian would take too
        long); use :func:`emkit.bootstrap` instead.
    sample_weight : array-like of shape (n,), optional
        The observation weights the fit was fitted with: each row's
        contribution to the information is multiplied by its weight ``v_i``,
        as if the row were repeated ``v_i`` times.
    progress : bool or None, default None
        Show a progress bar over the entries of the observed information
        (``p`` second derivatives, then ``p (p - 1) / 2`` cross derivatives
        for ``p`` free parameters): None shows it on a terminal or in Jupyter
        once the computation has taken ``SHOW_AFTER_SECONDS`` (a second),
        True always, False never.
    lengths, sequence_column
        For a hidden Markov model fit, the sequences of ``X`` as its ``fit``
        took them (``X`` may also be a list with one item per sequence);
        without them, all rows are one sequence. Refused for a mixture.

    Returns
    -------
    pandas.DataFrame
        Index: ``name[coordinates]``; columns ``estimate``, ``std_error``,
        ``lower``, ``upper`` and ``note``, which says why a standard error
        is NaN ("" where it is not): a parameter on the boundary of its
        domain (a probability or weight at 0 or 1, a variance at its floor),
        one not estimated by the likelihood (a fixed value, a noise
        component's box, a hidden Markov model's fixed parameters and
        structural zeros of ``transmat``, a category no fitted row takes), or one the observed information cannot give
        (a flat log-likelihood, a singular or indefinite information).
        ``lower`` and ``upper`` are Wald limits at ``level`` computed on an
        unconstrained scale and mapped back (:func:`interval_on_domain`):
        the logit for probabilities (weights, ``startprob``, ``transmat``,
        category probabilities, each entry on its own), the log for
        positive parameters (variances on a covariance's diagonal, rates,
        scales, shapes, degrees of freedom), the parameter itself when it
        has no bound (means, covariances off the diagonal). They stay
        inside the parameter's domain, are skewed away from a nearby bound,
        and equal ``estimate -/+ z * std_error`` for a well-determined
        parameter. Percentile intervals of :func:`emkit.bootstrap`
        replicates (:func:`emkit.plot.compute_bootstrap_intervals`) do not
        rest on the normal approximation at all.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> table = em.summary(fit, X)
    >>> table.loc["weights[0]", ["estimate", "std_error"]].round(3).tolist()
    [0.644, 0.029]

    A category that no observation of a component takes has a probability
    estimated at (or within rounding of) 0: it is held fixed, and its row
    says why it has no standard error.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 200), rng.normal(6, 1, 200)],
    ...                    "c": np.r_[rng.integers(0, 2, 200), rng.integers(0, 3, 200)]})
    >>> model = em.Mixture(em.Independent({"x": em.Gaussian(), "c": em.Categorical()}), n_components=2)
    >>> fit = model.fit(df, random_state=0)
    >>> table = em.summary(fit, df)
    >>> table.note[table.estimate < 1e-6].str.startswith("on or near a bound (probs = ").tolist()
    [True]
    >>> bool(table.std_error.drop(table.index[table.estimate < 1e-6]).notna().all())
    True

    A hidden Markov model's chain probabilities get errors too: Old
    Faithful's waiting times, in row order.

    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> hmm = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, n_init=3, random_state=0)
    >>> table = em.summary(hmm, waiting)
    >>> short = int(hmm.params.means.values.argmin())
    >>> table.loc[f"transmat[{short}, {1 - short}]", ["estimate", "std_error"]].round(2).tolist()
    [0.93, 0.03]
    """
    if not callable(getattr(fit, "observations", None)) or not hasattr(fit, "mixture"):
        raise TypeError(f"fit must be a FitResult, not {type(fit).__name__}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    data = _information_data(fit, X, sample_weight, lengths, sequence_column)
    theta = fit.mixture.free_parameters()
    if theta.size > max_params:
        raise ValueError(
            f"the model has {theta.size} free parameters (> max_params={max_params}): the observed information "
            "would take too long; use em.bootstrap for standard errors"
        )
    labels, estimate = parameter_labels(fit.params)
    entries = _information_entries(theta.size)
    delay = SHOW_AFTER_SECONDS if progress is None else 0.0
    # One hold of BLAS for the thousands of passes (as a fit holds it), not one per pass.
    with single_threaded_blas(), progress_bar(
        None, progress, total=entries, desc="observed information", unit="entry", delay=delay
    ) as bar:
        std_error, notes = _standard_errors(fit, data, theta, labels, estimate, bar)
    if np.isin(notes, [UNRESOLVED, NOT_MAXIMUM, NOT_IDENTIFIED]).any():
        notices.warn(
            "the observed information does not give every standard error (flat log-likelihood, or not at a "
            "maximum); see the note column, or use em.bootstrap",
            UserWarning,
            stacklevel=2,
        )
    lower, upper = interval_on_domain(
        estimate, std_error, stats.norm.ppf(0.5 + level / 2), *parameter_domains(fit.params, fit.mixture.families)
    )
    return pd.DataFrame(
        {"estimate": estimate, "std_error": std_error, "lower": lower, "upper": upper, "note": notes},
        index=pd.Index(labels, name="parameter"),
    )


def _information_data(fit, X, sample_weight, lengths, sequence_column) -> ChunkedData:
    """``X`` read for ``fit`` in chunks (of whole sequences for a hidden Markov model)."""
    obs, weight, lengths = fit_data(fit, X, sample_weight, lengths, sequence_column, "em.summary")
    rows = auto_chunk_size(fit.mixture.working_floats_per_row(obs.n_features))
    bounds = None if lengths is None else sequence_bounds(lengths, obs.n_obs)
    return ChunkedData(obs.values, weight, rows, sequence_bounds=bounds)


def _information_entries(n_free: int) -> int:
    """Entries of the observed information computed for ``n_free`` parameters: the diagonal and one triangle."""
    return n_free * (n_free + 1) // 2


def _standard_errors(fit, data: ChunkedData, theta: np.ndarray, labels, estimate, bar) -> tuple[np.ndarray, np.ndarray]:
    """Standard error and note of every finite entry of ``fit.params`` (``labels``, ``estimate``).

    ``bar`` (a tqdm bar) advances by one per entry of the information; once
    the parameters held fixed are known, its total drops to the entries left.
    """
    loglik = _log_likelihood(fit.mixture, data)
    lower, upper = fit.mixture.free_parameter_bounds()
    centre = loglik(theta)
    steps, drops, status = _step_sizes(loglik, theta, lower, upper, centre, bar)
    kept, fixed = np.flatnonzero(status == ""), np.flatnonzero(status != "")
    bar.total = theta.size + _information_entries(kept.size - 1)  # drawn at the next update
    covariance, unresolved_directions = _scaled_covariance(
        _scaled_information(loglik, theta, kept, steps, drops, centre, bar)
    )
    finite = np.isfinite(_reported_values(fit.params))

    def reported(vector):
        return _reported_values(fit.mixture.with_free_parameters(vector).to_dataset(fit.features))[finite]

    gradient = _scaled_gradient(reported, theta, kept, steps)
    depends = _depends_on(reported, theta, fixed, lower, upper)
    notes = _notes(labels, estimate, gradient, unresolved_directions, depends, status[fixed])
    variance = np.einsum("ij,jk,ik->i", gradient, covariance, gradient)
    return np.where(notes == "", np.sqrt(np.maximum(variance, 0.0)), np.nan), notes


def _log_likelihood(mixture, data: ChunkedData):
    """``theta -> l(theta)``, with -inf where the parameters give no valid density.

    A parameter outside its domain (a degenerate component, a probability
    below 0) or a sequence made impossible (a transition moved to 0) is a
    ``ValueError`` of the model: the likelihood is 0 there.
    """

    def loglik(vector: np.ndarray) -> float:
        try:
            with np.errstate(all="ignore"):
                value = e_step(mixture.with_free_parameters(vector), data).log_likelihood
        except ValueError:
            return -np.inf
        return value if np.isfinite(value) else -np.inf

    return loglik


def _step_sizes(loglik, theta: np.ndarray, lower: np.ndarray, upper: np.ndarray, centre: float, bar):
    """Each free parameter's difference step, the drop of ``l`` at it, and its status (``bar`` advances per parameter).

    Status ``""`` (step found), ``"boundary"`` (:func:`_boundary_status`) or
    ``"unresolved"`` (no step gives a measurable drop of ``l``: flat, not at
    a maximum, or undefined around the estimate).
    """
    noise = _ROUNDING * np.finfo(float).eps * max(abs(centre), 1.0)
    found = []
    for i in range(theta.size):
        status = _boundary_status(loglik, theta, i, lower[i], upper[i], centre, _RESOLVED * noise)
        found.append((0.0, 0.0, status) if status else _step_size(loglik, theta, i, lower[i], upper[i], centre, noise))
        bar.update(1)
    steps, drops, status = zip(*found) if found else ((), (), ())
    return np.array(steps, dtype=float), np.array(drops, dtype=float), np.array(status, dtype=object)


def _boundary_status(loglik, theta, i, lower, upper, centre, resolved) -> str:
    """``"boundary"`` if ``theta_i`` cannot be told from a bound, ``"unresolved"`` if ``l`` is flat along it.

    On the boundary: moving ``theta_i`` to one of its bounds lowers ``l`` by
    less than ``BOUNDARY_DROP`` (for a quadratic log-likelihood, a bound
    within one standard error), while moving it away from that bound (halfway
    to the other bound, or by ``max(|theta_i|, 1)`` if there is none) changes
    ``l`` measurably. The normal approximation behind the observed
    information does not hold there. An estimate exactly on its bound (a
    probability estimated as 0) is the extreme case; degrees of freedom that
    cannot be told from their upper limit are another. If neither move
    changes ``l``, the parameter is not identified. Otherwise ``""``.
    """
    for near, far in ((lower, upper), (upper, lower)):
        if np.isfinite(near) and centre - loglik(_moved(theta, i, near - theta[i])) < BOUNDARY_DROP:
            inward = 1.0 if near == lower else -1.0
            away = (far - theta[i]) / 2 if np.isfinite(far) else inward * max(abs(theta[i]), 1.0)
            return "boundary" if abs(centre - loglik(_moved(theta, i, away))) > resolved else "unresolved"
    return ""


def _step_size(loglik, theta, i, lower, upper, centre, noise):
    """Search ``h`` so that ``2 l(t) - l(t + h e_i) - l(t - h e_i)`` is about ``TARGET_DROP``.

    The drop is ``h^2 I_ii`` for a quadratic log-likelihood, so one rescaling
    ``h sqrt(TARGET_DROP / drop)`` usually lands; the step is thus a fixed
    fraction of the parameter's standard error, whatever its units, and the
    drop stays far above the rounding error of ``l``. Steps stop halfway to
    a bound, so every evaluation is inside the domain.
    """
    room = min(theta[i] - lower, upper - theta[i]) / 2
    target, resolved = max(TARGET_DROP, 10 * _RESOLVED * noise), _RESOLVED * noise
    step = min(1e-3 * max(abs(theta[i]), 1e-3), room)
    for _ in range(_STEP_TRIES):
        drop = 2 * centre - loglik(_moved(theta, i, step)) - loglik(_moved(theta, i, -step))
        if not np.isfinite(drop):
            step /= 100
        elif drop < -resolved or (drop <= resolved and step >= room):
            break
        elif drop <= resolved:
            step = min(100 * step, room)
        elif target / 4 <= drop <= 4 * target or (drop < target and step >= room):
            return step, drop, ""
        else:
            step = min(step * np.sqrt(target / drop), room)
    return 0.0, 0.0, "unresolved"


def _moved(theta: np.ndarray, i: int, step: float) -> np.ndarray:
    out = theta.copy()
    out[i] += step
    return out


def _scaled_information(loglik, theta, kept, steps, drops, centre, bar) -> np.ndarray:
    """``D (-H) D`` over the kept parameters, ``D = diag(h)``: central differences in units of the steps.

    ``E(h)`` holds the drops ``d_i = 2 l(t) - l(t + h_i e_i) - l(t - h_i e_i)``
    of the step search on its diagonal and, with ``d_ij`` the same drop along
    ``h_i e_i + h_j e_j``, ``(d_ij - d_i - d_j) / 2`` off it: ``D (-H) D`` plus
    an error of order ``h^4`` (the fourth derivatives of ``l``). ``E(h / 2)``
    has a quarter of the first and a sixteenth of the second, so
    ``(16 E(h / 2) - E(h)) / 3`` (Richardson's extrapolation) is exact up to
    order ``h^6``. Four evaluations per pair. ``bar`` advances per pair.
    """
    moves = np.eye(theta.size)[kept] * steps[kept, None]  # row a: theta's move by the step of kept[a]
    half_drops = np.array([_drop_along(loglik, theta, centre, move / 2) for move in moves], dtype=float)
    full, half = np.diag(drops[kept]), np.diag(half_drops)
    for a in range(len(kept)):
        for b in range(a):
            both = moves[a] + moves[b]
            full[a, b] = full[b, a] = (_drop_along(loglik, theta, centre, both) - full[a, a] - full[b, b]) / 2
            half[a, b] = half[b, a] = (_drop_along(loglik, theta, centre, both / 2) - half[a, a] - half[b, b]) / 2
            bar.update(1)
    return (16 * half - full) / 3


def _drop_along(loglik, theta, centre, move) -> float:
    """``2 l(t) - l(t + move) - l(t - move)``: about ``move^T (-H) move`` near a maximum."""
    return 2 * centre - loglik(theta + move) - loglik(theta - move)


def _scaled_covariance(information: np.ndarray):
    """Inverse of the scaled information on its well-determined eigenvectors, and the others.

    Returns the covariance (in step units) and the eigenvectors whose
    eigenvalue is not above ``SINGULAR_RCOND`` times the largest, each with
    a flag: True if its eigenvalue is negative (not a maximum).
    """
    if not information.size:
        return np.zeros((0, 0)), (np.zeros((0, 0)), np.zeros(0, dtype=bool))
    if not np.isfinite(information).all():
        return np.zeros(information.shape), (np.eye(len(information)), np.zeros(len(information), dtype=bool))
    eigenvalues, vectors = np.linalg.eigh(information)
    good = eigenvalues > SINGULAR_RCOND * max(eigenvalues.max(), 0.0)
    covariance = (vectors[:, good] / eigenvalues[good]) @ vectors[:, good].T
    return covariance, (vectors[:, ~good], eigenvalues[~good] < 0)


def _scaled_gradient(reported, theta, kept, steps) -> np.ndarray:
    """``d phi / d theta_i`` times ``h_i`` for every reported ``phi`` and kept ``i`` (central differences)."""
    columns = [(reported(_moved(theta, i, steps[i])) - reported(_moved(theta, i, -steps[i]))) / 2 for i in kept]
    return np.column_stack(columns) if columns else np.zeros((reported(theta).size, 0))


def _depends_on(reported, theta, fixed, lower, upper) -> np.ndarray:
    """Which reported values change when a fixed free parameter moves a little into its domain."""
    base = reported(theta)
    columns = []
    for i in fixed:
        away = 1.0 if upper[i] - theta[i] >= theta[i] - lower[i] else -1.0
        step = away * min(1e-6 * max(abs(theta[i]), 1.0), max(upper[i] - theta[i], theta[i] - lower[i]) / 2)
        columns.append(reported(_moved(theta, i, step)) != base)
    return np.column_stack(columns) if columns else np.zeros((base.size, 0), dtype=bool)


def _notes(labels, estimate, gradient, unresolved_directions, depends, fixed_status) -> np.ndarray:
    """Why each reported parameter has no standard error, "" where it has one."""
    vectors, negative = unresolved_directions
    along = np.abs(gradient @ vectors) > _IDENTIFIED_TOL * np.linalg.norm(gradient, axis=1, keepdims=True)
    notes = []
    for label, value, slope, touches, lost in zip(labels, estimate, gradient, depends, along):
        if (fixed_status[touches] == "unresolved").any():
            notes.append(UNRESOLVED)
        elif not slope.any():
            boundary = touches.any()
            notes.append(ON_BOUNDARY.format(name=label.split("[")[0], value=value) if boundary else FIXED)
        elif lost.any():
            notes.append(NOT_MAXIMUM if negative[lost].any() else NOT_IDENTIFIED)
        else:
            notes.append("")
    return np.array(notes, dtype=object)

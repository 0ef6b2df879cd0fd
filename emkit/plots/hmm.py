"""Plots of hidden Markov model fits: a state sequence over time, the transition matrix, the emissions.

Each ``compute_*`` takes the sequences as the fit's methods do (``lengths``,
a list with one item per sequence, or a DataFrame's ``sequence_column``;
without them all rows are one sequence) and returns the numbers; each
``plot_*`` draws them. See ``docs/plots.md`` and ``docs/hmm.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ._common import component_colors, draw_integer_masses, feature_index, pyplot, weighted_marginal_table
from .profile import label_categories

#: At most this many feature panels above the posterior panel of :func:`plot_state_sequence`.
MAX_SEQUENCE_FEATURES = 4


def _require_hmm(fit, what: str) -> None:
    """``TypeError`` naming ``what`` when ``fit`` is not a hidden Markov model's (no ``state`` dimension)."""
    if fit.mixture.latent_dim != "state":
        raise TypeError(
            f"{what} draws a hidden Markov model fit (em.HiddenMarkovModel(...).fit); this fit is a "
            f"{fit.describe_model()}"
        )


def _chosen_features(fit, features, limit: int | None) -> list[int]:
    """Positions of ``features`` (names or positions; default: the first ``limit``), at most ``limit`` of them."""
    if features is None:
        return list(range(len(fit.features) if limit is None else min(limit, len(fit.features))))
    chosen = [feature_index(fit, f) for f in ([features] if isinstance(features, (str, int, np.integer)) else features)]
    if limit is not None and len(chosen) > limit:
        raise ValueError(f"at most {limit} features can be drawn, got {len(chosen)}; choose them with features=")
    return chosen


def compute_state_sequence(fit, X, lengths=None, *, sequence_column=None, sequence: int | None = None,
                           features=None, steps=None) -> xr.Dataset:
    """One sequence over time: its data, the decoded (Viterbi) states and the smoothed state posteriors.

    Parameters
    ----------
    fit : HMMFitResult
    X : data
        The sequences, given with ``lengths`` or ``sequence_column`` as to
        :meth:`~emkit.results.hmm_result.HMMFitResult.predict_proba`.
    lengths : array_like of int, optional
    sequence_column : str, optional
    sequence : int, optional
        Which sequence (its position, from 0) when there are several;
        default the longest (the first of the longest).
    features : str, int or list, optional
        Features to return (names or positions); default the first
        :data:`MAX_SEQUENCE_FEATURES`.
    steps : (int, int), optional
        ``(start, stop)``: only the steps ``start .. stop - 1`` of the
        sequence (a window of a long one; Python slice bounds, clipped to
        the sequence). The posteriors and the path are still those given
        the whole sequence.

    Returns
    -------
    xarray.Dataset
        Over ``step`` (0 .. T-1 within the sequence), with the coordinate
        ``observation`` (the rows' labels in ``X``): ``value (step,
        feature)`` the data, ``decoded (step)`` the Viterbi path
        ``argmax_z p(x, z)``, ``probability (step, state)`` the smoothed
        posteriors ``P(z_t = k | the whole sequence)`` (each step's sum
        to 1). The attributes say which sequence: ``sequence`` (its
        position), ``n_sequences``, ``length`` (its number of steps),
        ``longest`` (whether no other sequence is longer) and, with
        ``sequence_column``, ``sequence_id`` (its id in that column, as text).

    Examples
    --------
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> path = em.plot.compute_state_sequence(fit, waiting, lengths=[172, 100], sequence=1)
    >>> dict(path.sizes), int(path.observation[0])
    ({'step': 100, 'feature': 1, 'state': 2}, 172)
    >>> em.plot.compute_state_sequence(fit, waiting, lengths=[72, 200]).attrs["sequence"]
    1
    >>> bool(abs(path.probability.sum("state") - 1).max() < 1e-12)
    True
    """
    _require_hmm(fit, "compute_state_sequence")
    obs, seq_lengths = fit.sequences(X, lengths, sequence_column)
    if sequence is None:
        sequence = int(np.argmax(seq_lengths))
    window = _window(seq_lengths, sequence, steps)
    start = int(np.sum(seq_lengths[:sequence]))
    rows = slice(start + window.start, start + window.stop)
    columns = _chosen_features(fit, features, MAX_SEQUENCE_FEATURES)
    values = np.asarray(obs.values, dtype=float)
    states = fit.predict(X, lengths, sequence_column=sequence_column).values
    proba = fit.predict_proba(X, lengths, sequence_column=sequence_column).values
    labels = np.arange(obs.n_obs) if obs.index is None else np.asarray(obs.index)
    return xr.Dataset(
        {
            "value": (("step", "feature"), values[rows][:, columns]),
            "decoded": ("step", states[rows]),
            "probability": (("step", "state"), proba[rows]),
        },
        coords={"step": np.asarray(window), "observation": ("step", labels[rows]), "feature": fit.features[columns],
                "state": np.arange(fit.n_states)},
        attrs={"sequence": int(sequence), "n_sequences": len(seq_lengths), "length": int(seq_lengths[sequence]),
               "longest": bool(seq_lengths[sequence] == seq_lengths.max())}
        | ({} if sequence_column is None else {"sequence_id": str(X[sequence_column].iloc[start])}),
    )


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _window(lengths: np.ndarray, sequence, steps) -> range:
    """The steps of sequence ``sequence`` (a position among ``lengths``) that ``steps=(start, stop)`` selects.

    Raises
    ------
    ValueError
        If ``sequence`` is not the position of a sequence, or ``steps`` is
        not a pair of integers (or None) or selects no step.
    """
    if not _is_integer(sequence) or not 0 <= sequence < len(lengths):
        raise ValueError(f"sequence must be the position of one of the {len(lengths)} sequences "
                         f"(0 .. {len(lengths) - 1}), got {sequence!r}")
    if steps is None:
        steps = (None, None)
    if not isinstance(steps, (tuple, list)) or len(steps) != 2 or not all(b is None or _is_integer(b) for b in steps):
        raise ValueError(f"steps must be a pair (start, stop) of integers or None, got {steps!r}")
    window = range(int(lengths[sequence]))[slice(*steps)]
    if not len(window):
        raise ValueError(f"steps={tuple(steps)!r} selects no step of sequence {sequence} ({lengths[sequence]} steps)")
    return window


def plot_state_sequence(fit, X, lengths=None, *, sequence_column=None, sequence: int | None = None,
                        features=None, steps=None, fig=None):
    """Draw one sequence over time: the data coloured by decoded state, the state posteriors beneath.

    One panel per feature (at most :data:`MAX_SEQUENCE_FEATURES`): the
    values against the step, joined by a thin grey line, each point in the
    colour of its Viterbi state. Beneath, a stacked area of the smoothed
    posteriors ``P(z_t = k | sequence)`` in the same colours (the bands
    fill 0 to 1 at every step). Of several sequences, the longest by
    default; the title says which sequence is drawn. Numbers:
    :func:`compute_state_sequence`.

    Parameters
    ----------
    fit, X, lengths, sequence_column, sequence, features, steps
        As for :func:`compute_state_sequence`.
    fig : matplotlib Figure, optional
        An empty figure to draw in (a new one by default).

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> fig = em.plot.plot_state_sequence(fit, waiting)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['waiting', 'P(state | sequence)']
    >>> plt.close(fig)
    """
    path = compute_state_sequence(fit, X, lengths, sequence_column=sequence_column, sequence=sequence,
                                  features=features, steps=steps)
    n_panels = path.sizes["feature"] + 1
    if fig is None:
        fig = pyplot().figure(figsize=(10, 1.6 + 1.7 * n_panels), layout="constrained")
    heights = [2] * (n_panels - 1) + [1.3]
    axes = fig.subplots(n_panels, 1, sharex=True, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
    colors = np.array(component_colors(fit.n_states), dtype=object)
    time = path.step.values
    for ax, feature in zip(axes[:-1], path.feature.values):
        values = path.value.sel(feature=feature).values
        ax.plot(time, values, color="0.75", lw=0.8, zorder=1)
        ax.scatter(time, values, c=list(colors[path.decoded.values]), s=12, zorder=2)
        ax.set_ylabel(str(feature))
        label_categories(ax, fit, feature, axis="y")
    _draw_posteriors(axes[-1], path, colors)
    axes[-1].set_xlabel("step")
    axes[0].set_title(f"{_sequence_name(path, sequence_column)}data coloured by the decoded (Viterbi) state; "
                      "smoothed state probabilities beneath", fontsize="medium")
    return fig


def _sequence_name(path: xr.Dataset, sequence_column=None) -> str:
    """Which sequence ``path`` (from :func:`compute_state_sequence`) holds, to start a title; empty for the only one.

    For example ``"sequence 1 of 2 (id = b, the longest, 200 steps): "``.
    """
    attrs = path.attrs
    if attrs["n_sequences"] == 1:
        return ""
    named = f"{sequence_column} = {attrs['sequence_id']}, " if "sequence_id" in attrs else ""
    longest = "the longest, " if attrs["longest"] else ""
    return f"sequence {attrs['sequence']} of {attrs['n_sequences']} ({named}{longest}{attrs['length']} steps): "


def _draw_posteriors(ax, path: xr.Dataset, colors) -> None:
    """The smoothed posteriors as a stacked area (0 to 1) in the states' colours, with a legend of the states."""
    probability = path.probability.transpose("state", "step").values
    ax.stackplot(path.step.values, probability, colors=list(colors), labels=[f"state {k}" for k in path.state.values],
                 step="mid", linewidth=0)
    ax.set_ylim(0, 1)
    ax.set_xlim(path.step.values[0] - 0.5, path.step.values[-1] + 0.5)
    ax.set_ylabel("P(state | sequence)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)


def compute_transitions(fit) -> xr.Dataset:
    """The chain's parameters and what they imply: ``transmat``, ``startprob``, expected state durations.

    Returns
    -------
    xarray.Dataset
        ``transmat (state, next_state)`` and ``startprob (state)`` from
        ``fit.params``, and ``expected_duration (state)``: a visit to state
        k lasts a geometric number of steps with mean ``1 / (1 - A_kk)``
        (``inf`` for a state never left).

    Examples
    --------
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> chain = em.plot.compute_transitions(fit)
    >>> list(chain.data_vars), bool(chain.transmat.equals(fit.params.transmat))
    (['transmat', 'startprob', 'expected_duration'], True)
    """
    _require_hmm(fit, "compute_transitions")
    chain = fit.params[["transmat", "startprob"]].drop_attrs()
    stay = np.diagonal(chain.transmat.values)
    with np.errstate(divide="ignore"):
        duration = np.where(stay < 1, 1.0 / np.maximum(1.0 - stay, np.finfo(float).tiny), np.inf)
    return chain.assign(expected_duration=("state", duration))


def plot_transitions(fit, fig=None):
    """Draw the transition matrix as a heatmap with its numbers, and the start probabilities as a column beside it.

    Cell ``(j, k)`` of the heatmap is ``A_jk = P(next state k | state j)``
    (rows sum to 1); the column on the left is ``startprob``; both on the
    same colour scale from 0 to 1. The row labels give each state's
    expected duration ``1 / (1 - A_kk)`` (:func:`compute_transitions`).

    Parameters
    ----------
    fit : HMMFitResult
    fig : matplotlib Figure, optional
        An empty figure to draw in (a new one by default).

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> fig = em.plot.plot_transitions(fit)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['start', 'P(next state | state)']
    >>> plt.close(fig)
    """
    chain = compute_transitions(fit)
    K = chain.sizes["state"]
    if fig is None:
        side = 2.2 + 0.6 * K
        fig = pyplot().figure(figsize=(side + 2.8, side), layout="constrained")
    start_ax, matrix_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, K]})
    style = {"cmap": "Blues", "vmin": 0.0, "vmax": 1.0, "aspect": "auto"}
    _annotated_heatmap(start_ax, chain.startprob.values[:, None], style)
    image = _annotated_heatmap(matrix_ax, chain.transmat.values, style)
    start_ax.set_xticks([])
    start_ax.set_title("start")
    start_ax.set_yticks(np.arange(K), [_state_label(k, d) for k, d in enumerate(chain.expected_duration.values)])
    start_ax.set_ylabel("state")
    matrix_ax.set_yticks(np.arange(K), [])
    matrix_ax.set_xticks(np.arange(K))
    matrix_ax.set_xlabel("next state")
    matrix_ax.set_title("P(next state | state)")
    fig.colorbar(image, ax=[start_ax, matrix_ax], label="probability", shrink=0.9)
    return fig


def _state_label(k: int, duration: float) -> str:
    """A heatmap row label: the state and its expected duration in steps."""
    return f"{k}\n(mean stay {duration:.2f})" if np.isfinite(duration) else f"{k}\n(absorbing)"


def _annotated_heatmap(ax, values: np.ndarray, style: dict):
    """``values`` as an image with each cell's number written in it (white on dark cells); returns the image."""
    image = ax.imshow(values, **style)
    size = "medium" if len(values) <= 5 else "small"
    for (row, column), value in np.ndenumerate(values):
        ax.text(column, row, f"{value:.3f}", ha="center", va="center", fontsize=size,
                color="white" if value > 0.6 else "black")
    return image


def compute_emissions(fit, X, lengths=None, *, sequence_column=None, features=None,
                      n_grid: int = 400) -> dict[str, pd.DataFrame]:
    """Each state's emission density of each feature, weighted by the state's occupancy, on a grid over the data.

    .. math:: \\bar\\gamma_k\\, f_{kj}(x), \\qquad \\bar\\gamma_k = \\frac{1}{T}\\sum_t P(z_t = k \\mid x)

    ``f_kj`` is state k's emission density of feature j: the family's own
    density for a one-feature fit, otherwise the feature's marginal in
    closed form (Gaussian, Student-t, Poisson, Bernoulli, categorical; as
    :func:`~emkit.plots.density.compute_density_1d` computes it for a
    mixture's components). The occupancy ``gamma_bar_k`` is the mean
    smoothed posterior of state k over all rows of ``X``, so the weighted
    curves sum to ``total``, the marginal density of a row picked at random
    from these sequences, comparable with the data's histogram.

    Parameters
    ----------
    fit : HMMFitResult
    X, lengths, sequence_column
        The sequences, as for :func:`compute_state_sequence`.
    features : str, int or list, optional
        Default all.
    n_grid : int, default 400
        Grid points of a continuous feature; a feature on the integers
        (counts, categories, see :func:`~emkit.plots._common.on_integer_support`)
        gets the integers of the widened data range inside the support, and
        the column ``data``: the rows' relative frequency of each integer.

    Returns
    -------
    dict of pandas.DataFrame
        By feature name: index ``x`` (the grid), columns ``state 0`` ...
        (``gamma_bar_k f_kj(x)``), ``total`` (their sum), and ``data`` for
        a feature on the integers. ``attrs["occupancy"]`` holds
        ``gamma_bar``.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> table = em.plot.compute_emissions(fit, waiting)["waiting"]
    >>> list(table.columns), bool(np.isclose(sum(table.attrs["occupancy"]), 1.0))
    (['state 0', 'state 1', 'total'], True)
    """
    _require_hmm(fit, "compute_emissions")
    obs, _ = fit.sequences(X, lengths, sequence_column)
    x = np.asarray(obs.values, dtype=float)
    occupancy = fit.predict_proba(X, lengths, sequence_column=sequence_column).values.mean(axis=0)
    tables = {}
    for j in _chosen_features(fit, features, None):
        table = weighted_marginal_table(fit, x, j, occupancy, "state", "total", n_grid)
        table.attrs["occupancy"] = occupancy.tolist()
        tables[str(fit.features[j])] = table
    return tables


def plot_emissions(fit, X, lengths=None, *, sequence_column=None, features=None, bins: int = 30, fig=None):
    """Draw each state's occupancy-weighted emission density over the data, one panel per feature.

    A continuous feature: the data's histogram (density scale) under the
    curves ``gamma_bar_k f_kj(x)`` in the states' colours and their sum
    (black). A feature on the integers: the relative frequency of each
    integer as bars, the states' weighted probability masses as points and
    their sum as points on stems; over more than
    :data:`~emkit.plots._common.MAX_INTEGER_BINS` integers (counts such as
    sunspot numbers) a bar covers several integers, its height the mean
    frequency per integer, and the masses are joined by lines
    (:func:`~emkit.plots._common.draw_integer_masses`). Numbers:
    :func:`compute_emissions`.

    Parameters
    ----------
    fit, X, lengths, sequence_column, features
        As for :func:`compute_emissions`.
    bins : int, default 30
        Histogram bins of a continuous feature.
    fig : matplotlib Figure, optional
        An empty figure to draw in (a new one by default).

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> fig = em.plot.plot_emissions(fit, waiting)
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['state 0', 'state 1', 'total']
    >>> plt.close(fig)
    """
    tables = compute_emissions(fit, X, lengths, sequence_column=sequence_column, features=features)
    obs, _ = fit.sequences(X, lengths, sequence_column)
    x = np.asarray(obs.values, dtype=float)
    if fig is None:
        fig = pyplot().figure(figsize=(min(4.6 * len(tables), 14), 3.8), layout="constrained")
    axes = fig.subplots(1, len(tables), squeeze=False)[0]
    colors = component_colors(fit.n_states)
    for ax, (feature, table) in zip(axes, tables.items()):
        if "data" in table:
            draw_integer_masses(ax, table, [f"state {k}" for k in range(fit.n_states)], "total")
        else:
            ax.hist(x[:, feature_index(fit, feature)], bins=bins, density=True, color="0.88", edgecolor="0.65",
                    label="data")
            for k, color in enumerate(colors):
                ax.plot(table.index, table[f"state {k}"], color=color, lw=1.6, label=f"state {k}")
            ax.plot(table.index, table["total"], color="k", lw=1.6, ls="--", label="total")
            ax.set_ylabel("density")
        ax.set_xlabel(feature)
        label_categories(ax, fit, feature)
    axes[0].legend(fontsize="small")
    fig.suptitle("each state's emission density \u00d7 its occupancy", fontsize="medium")
    return fig

"""A self-contained HTML report of a fit or a model selection.

One file, images inline as base64 PNG, no network needed. Sections for a
mixture: the data, model selection (when given a
:class:`~emkit.selection.Selection`), the chosen model's parameters with
standard errors, the item-response probabilities and profile plot of
categorical features, convergence across restarts, classification and
uncertainty, the fitted density, posterior-predictive checks, and the
warnings that apply. For a hidden Markov model: the data and its sequences,
model selection, the chain's parameters (start probabilities, transition
table) and the emissions', convergence, the states (a sequence over time
with its decoded states and posteriors, the transition matrix, the
emission densities) and the warnings. Every number comes from the
diagnostics and ``compute_*`` functions; the report only lays them out.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import notices, plots
from ..diagnostics.convergence import convergence_diagnostics
from ..diagnostics.uncertainty import summary
from ..results.fit_result import FitResult, item_response_html
from ..results.hmm_result import HMMFitResult
from ..results.replicates import drawn_features
from ..selection import Selection
from .labels import labels_sentence

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.7em; border-bottom: 2px solid #3b6ea5; padding-bottom: .3em; }
h2 { font-size: 1.25em; color: #3b6ea5; margin-top: 2em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .9em; }
.wide { overflow-x: auto; }
th, td { border-bottom: 1px solid #ddd; padding: .25em .7em; text-align: right; }
th { background: #f3f6fa; }
td:first-child, th:first-child, tbody th { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; margin: .4em 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
.figures figure { margin: 0; flex: 1 1 420px; }
figcaption { font-size: .85em; color: #555; }
.warning { background: #fff6e0; border-left: 4px solid #e0a800; padding: .4em .8em; margin: .3em 0; }
.note { color: #555; font-size: .9em; }
nav a { margin-right: 1em; }
"""


@dataclass
class _Report:
    """Sections accumulated in order, then written as one page."""

    title: str
    sections: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def add(self, anchor: str, heading: str, body: str) -> None:
        self.sections.append((anchor, heading, body))

    def page(self) -> str:
        nav = " ".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in self.sections)
        body = "".join(f'<section id="{a}"><h2>{html.escape(h)}</h2>{b}</section>' for a, h, b in self.sections)
        return (
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(self.title)}</h1><nav>{nav}</nav>{body}</body></html>"
        )


def _figure(draw, caption: str) -> str:
    """Run ``draw()`` (which returns Axes or a Figure) and embed the figure as a PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    result = draw()
    figure = result if hasattr(result, "savefig") else np.ravel(result)[0].figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}"><figcaption>{html.escape(caption)}</figcaption></figure>'


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.{digits}g}", border=0, na_rep="")


def report(fit_or_selection, X, path=None, *, lengths=None, sequence_column=None, n_draws: int = 50,
           random_state=0) -> str:
    """Write an HTML report of a fit (or of a model selection and its chosen fit).

    Parameters
    ----------
    fit_or_selection : FitResult, HMMFitResult or Selection
    X : data
        The data the model was fitted to.
    path : str or path, optional
        Where to write the page; the HTML is returned either way.
    lengths : array_like of int, optional
        A hidden Markov model's sequence lengths, as given to its fit.
    sequence_column : str, optional
        A hidden Markov model's DataFrame column of sequence ids, as given
        to its fit.
    n_draws : int, default 50
        Number of replicate data sets, each of the data's size, drawn from the
        fit for the posterior-predictive checks (as in
        :func:`emkit.plot.compute_predictive`); mixtures only.
    random_state : int, Generator or None, default 0

    Returns
    -------
    str
        The HTML page.

    Notes
    -----
    The classification section shows the clusters (two features) or the
    pairs grid when the fit has locations or regression lines, its caption
    naming what is drawn around the points (ellipses, regression lines, or
    only the MAP colours); and the fitted density of a one-feature fit of
    any family, or of a two-feature fit with locations. A selection's table
    shows the chosen cell in bold.

    Examples
    --------
    >>> import emkit as em
    >>> X = em.datasets.load("faithful")
    >>> fit = em.GaussianMixture(2).fit(X, random_state=0)
    >>> page = em.report(fit, X, n_draws=5)
    >>> page.startswith("<!DOCTYPE html>") and "Posterior-predictive" in page
    True

    A fit given the components of some rows says how many
    (:attr:`FitResult.labelled_rows`):

    >>> known = (X.eruptions > 3).astype(int).where(X.index % 10 == 0, -1)
    >>> fit = em.GaussianMixture(2).fit(X, labels=known, random_state=0)
    >>> "28 of 272 rows labelled (component 0: 15, component 1: 13)" in em.report(fit, X, n_draws=5)
    True

    A hidden Markov model of Old Faithful's waiting times (rows in time order):

    >>> waiting = X[["waiting"]]
    >>> hmm = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, n_init=3, random_state=0)
    >>> page = em.report(hmm, waiting)
    >>> "Transition probabilities" in page and "Emissions" in page
    True
    """
    selection = fit_or_selection if isinstance(fit_or_selection, Selection) else None
    fit = selection.best if selection is not None else fit_or_selection
    if not isinstance(fit, FitResult):
        raise TypeError(f"report needs a FitResult or a Selection, not {type(fit_or_selection).__name__}")
    out = _Report(f"emkit report: {fit.describe_model()}")
    with notices.collect() as caught:
        if isinstance(fit, HMMFitResult):
            _hmm_sections(out, fit, selection, _Sequences(X, lengths, sequence_column))
        else:
            if lengths is not None or sequence_column is not None:
                raise ValueError(
                    "lengths and sequence_column describe the sequences of a hidden Markov model; a mixture's "
                    "rows are independent: leave them out"
                )
            _mixture_sections(out, fit, selection, X, n_draws, random_state)
    messages = list(dict.fromkeys(notice.message for notice in caught))
    _warnings_section(out, fit, selection, messages)
    page = out.page()
    if path is not None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(page)
    return page


def _mixture_sections(out, fit, selection, X, n_draws, random_state) -> None:
    """The sections of a mixture's report, in order (the warnings come last, for every model)."""
    obs = fit.observations(X)
    labelled = labels_sentence(fit, obs.n_obs)
    _data_section(out, fit, obs)
    if selection is not None:
        _selection_section(out, selection)
    _model_section(out, fit, X, labelled)
    if len(fit.item_response_table().columns):
        _profile_section(out, fit)
    _convergence_section(out, fit)
    _classification_section(out, fit, X)
    _predictive_section(out, fit, X, n_draws, random_state)


def _data_section(out, fit, obs, sequences: str = "") -> None:
    """Numeric features described by their moments and quantiles, categorical ones by category frequencies.

    ``obs`` are the observations read by the fit; ``sequences`` ends the
    first sentence (how the rows form sequences).
    """
    frame = fit.labelled(obs.values).rename(columns=str)
    categorical = list(fit.item_response_table().columns.unique("feature"))
    numeric = [name for name in frame.columns if name not in categorical]
    body = f"<p>{obs.n_obs} observations of {obs.n_features} feature(s){sequences}.{_missing_sentence(frame)}</p>"
    if numeric:
        body += _table(frame[numeric].describe().T[["mean", "std", "min", "25%", "50%", "75%", "max"]])
    if categorical:
        frequencies = category_frequencies(frame, categorical)
        body += "<p>Categorical features: count and share of each category.</p>" + frequencies.to_html(
            formatters={"share": "{:.3f}".format}, border=0
        )
    out.add("data", "Data", body)


def _missing_sentence(frame: pd.DataFrame) -> str:
    """How many values are missing (NaN, under the ``missing="marginalize"`` option), by feature; empty if none.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from emkit.report.html import _missing_sentence
    >>> _missing_sentence(pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [np.nan, 2.0, 3.0]}))
    ' 3 value(s) missing (a: 2, b: 1), taken as missing at random by the fit.'
    >>> _missing_sentence(pd.DataFrame({"a": [1.0]}))
    ''
    """
    counts = frame.isna().sum()
    counts = counts[counts > 0]
    if counts.empty:
        return ""
    by_feature = ", ".join(f"{feature}: {count}" for feature, count in counts.items())
    return f" {counts.sum()} value(s) missing ({by_feature}), taken as missing at random by the fit."


def category_frequencies(frame: pd.DataFrame, features) -> pd.DataFrame:
    """Count and share of each category of the ``features`` of ``frame``; rows ``(feature, category)``.

    A pandas categorical column lists its categories in their order, absent
    ones with count 0; a numeric column its distinct values, increasing
    (whole numbers without a decimal point).

    Examples
    --------
    >>> import pandas as pd
    >>> from emkit.report.html import category_frequencies
    >>> size = pd.Categorical(["L", "S", "L", "L"], categories=["S", "M", "L"])
    >>> table = category_frequencies(pd.DataFrame({"size": size, "answer": [2.0, 1.0, 2.0, 2.0]}), ["size", "answer"])
    >>> table.index.tolist(), table["count"].tolist(), table["share"].tolist()
    ([('size', 'S'), ('size', 'M'), ('size', 'L'), ('answer', 1), ('answer', 2)], [1, 0, 3, 1, 3], [0.25, 0.0, 0.75, 0.25, 0.75])
    """
    blocks = {}
    for feature in features:
        column = frame[feature]
        if isinstance(column.dtype, pd.CategoricalDtype):
            counts = column.value_counts(sort=False)
        else:
            counts = column.value_counts().sort_index().rename(index=_whole_number)
        blocks[feature] = pd.DataFrame({"count": counts, "share": counts / counts.sum()})
    return pd.concat(blocks, names=["feature", "category"])


def _whole_number(value):
    """A float that is a whole number as an int (category 2.0 is shown as 2); other values unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _selection_section(out, selection) -> None:
    criterion = selection.criterion.upper()
    key = selection.best_key
    failed = int((selection.grid.error != "").sum())
    degenerate = int(selection.grid.degenerate.sum())
    body = (
        f"<p>{selection.grid.sizes['covariance'] * selection.grid.sizes['n_components']} models fitted; "
        f"chosen by {criterion} (lower is better): <b>{key[0]} with {key[1]} {_counted(selection)}</b>."
        + (f" {failed} cell(s) could not be fitted (see warnings)." if failed else "")
        + (f" {degenerate} cell(s) have a degenerate component and are not considered (see warnings)."
           if degenerate else "")
        + "</p>"
        + _selection_table(selection)
        + _figure(lambda: plots.plot_selection(selection), f"{criterion} by {_grid_axes(selection)}")
    )
    out.add("selection", "Model selection", body)


#: A selection table with more covariance structures than this lists them as rows.
MAX_SELECTION_COLUMNS = 8


def _selection_table(selection) -> str:
    """The criterion table (:meth:`~emkit.selection.Selection.marked_table`), the chosen cell in bold."""
    table = selection.marked_table(digits=2).apply(lambda column: column.map(html.escape))
    chosen = selection.chosen()
    if chosen is not None:
        covariance, k = chosen
        table.loc[k, covariance] = f"<b>{table.loc[k, covariance]}</b>"
    if table.shape[1] > MAX_SELECTION_COLUMNS:  # many structures: one row each, so the page need not scroll
        table = table.T
    return f'<div class="wide">{table.to_html(border=0, escape=False)}</div>'


def _counted(selection) -> str:
    """What the selection's numbers count: ``components``, or ``states`` of hidden Markov models."""
    return f"{selection.grid.attrs.get('latent', 'component')}s"


def _grid_axes(selection) -> str:
    """What the selection grid varies: the number of components (states), and the covariance when there are several."""
    if selection.grid.sizes["covariance"] > 1:
        varied = "emission covariance" if _counted(selection) == "states" else "covariance"
        return f"number of {_counted(selection)} and {varied}"
    label = selection.grid.attrs.get("model", str(selection.grid.covariance.values[0]))
    return f"number of {_counted(selection)} ({label})"


def _entry_label(name: str, coords) -> str:
    """The row label of one parameter entry, as in :func:`emkit.diagnostics.uncertainty.summary`."""
    return f"{name}[{', '.join(str(c) for c in coords)}]"


def _is_shared(var, latent: str) -> bool:
    """Whether a per-feature parameter holds the same values in every component or state (a shared covariance)."""
    values = var.values
    return (
        var.dims[:1] == (latent,) and "feature" in var.dims and len(values) > 1
        and np.issubdtype(values.dtype, np.floating)
        and np.array_equal(values, np.broadcast_to(values[:1], values.shape), equal_nan=True)
    )


def _each_entry_once(table: pd.DataFrame, params, latent: str) -> pd.DataFrame:
    """The rows of ``summary`` with each distinct parameter once.

    A matrix over ``(feature, feature2)`` (covariance, scale) is symmetric:
    only its upper triangle, diagonal included, is listed. A per-feature
    variable equal in every component or state (``latent``: the shared
    covariance of EEE, EEI, EII) is listed once, as component ``all``.
    """
    dropped, renamed = [], {}
    for name, var in params.data_vars.items():
        shared = _is_shared(var, latent)
        coords = [var[d].values if d in var.coords else np.arange(var.sizes[d]) for d in var.dims]
        for index in np.ndindex(var.shape):
            entry = dict(zip(var.dims, index))
            at = [c[i] for c, i in zip(coords, index)]
            if entry.get("feature", 0) > entry.get("feature2", np.inf) or (shared and entry[latent] > 0):
                dropped.append(_entry_label(name, at))
            elif shared:
                renamed[_entry_label(name, at)] = _entry_label(name, ["all"] + at[1:])
    return table.drop(index=table.index.intersection(dropped)).rename(index=renamed)


def _model_section(out, fit, X, labelled: str) -> None:
    """Fit statistics and the estimates; ``labelled`` (HTML) says how the fit used labels."""
    stats = pd.DataFrame(
        {"value": [fit.log_likelihood, fit.n_params, fit.bic(), fit.aic(), fit.icl(), fit.n_obs]},
        index=["log-likelihood", "free parameters", "BIC", "AIC", "ICL", "observations"],
    )
    body = f"<p>{html.escape(fit.describe_model())}</p>{labelled}{_table(stats, 8)}"
    body += _estimates(fit, X, {}, _table(fit.parameter_table()))
    out.add("model", "Chosen model", body)


def _estimates(fit, X, sequences: dict, without_errors: str = "") -> str:
    """The estimates with standard errors and 95% intervals (:func:`summary`), each distinct entry once.

    When the errors cannot be computed: a note saying why, then
    ``without_errors`` (HTML).
    """
    try:
        table = _each_entry_once(summary(fit, X, **sequences), fit.params, fit.mixture.latent_dim)
    except (ValueError, TypeError) as err:
        return f'<p class="note">Standard errors not computed: {html.escape(str(err))}</p>' + without_errors
    noted = table.note.ne("").any()
    return (
        "<p>Estimates with standard errors from the observed information and 95% intervals"
        + ("; the note says why a standard error is missing" if noted else "")
        + ".</p>"
        + _table(table if noted else table.drop(columns="note"))
    )


def _profile_section(out, fit) -> None:
    """The item-response probabilities of the categorical features, as a table and as the profile plot."""
    body = (
        "<p>Probability of each category given the component, <i>P(category | component)</i>, one table per "
        "feature: each row sums to 1.</p>"
        + item_response_html(fit.item_response_table())
        + _figure(lambda: plots.plot_profile(fit), "profile: P(category | component) for each categorical feature")
    )
    out.add("profile", "Item-response probabilities", body)


# Log-likelihoods of different restarts agree to many digits: fixed decimals keep their gaps visible.
_CONVERGENCE_FORMATS = {
    "final_log_likelihood": "{:.2f}".format,
    "aitken_limit": "{:.2f}".format,
    "gap": "{:.3g}".format,
    "parameter_distance": "{:.3g}".format,
}


def _convergence_table(fit) -> pd.DataFrame:
    """``convergence_diagnostics`` with restarts numbered from 1, as in the text and the plot."""
    diag = convergence_diagnostics(fit).to_dataframe()
    diag.index = pd.Index(diag.index + 1, name="restart")
    return diag


def _convergence_section(out, fit) -> None:
    diag = _convergence_table(fit)
    status = "converged" if fit.converged else "<b>did not converge</b>"
    body = (
        f"<p>{diag['reached_best'].sum()} of {len(diag)} restart(s) reached the best optimum; "
        f"the kept restart {status} {html.escape(fit.convergence_counts())}.</p>"
        + diag.to_html(formatters=_CONVERGENCE_FORMATS, border=0, na_rep="")
        + _figure(lambda: plots.plot_convergence(fit), "log-likelihood by iteration, every restart")
    )
    out.add("convergence", "Convergence", body)


def _classification_section(out, fit, X) -> None:
    uncertainty = plots.compute_uncertainty(fit, X).values
    frame = _assignments(fit, X)
    figures = []
    d = len(fit.features)
    if ("means" in fit.params or "coefficients" in fit.params) and d >= 2:
        draw = (lambda: plots.plot_clusters(fit, X)) if d == 2 else (lambda: plots.plot_pairs(fit, X))
        figures.append(_figure(draw, f"classification with component {_drawn_shapes(fit, X)}"))
    figures.append(_figure(lambda: plots.plot_uncertainty(fit, X), "classification uncertainty (1 - max responsibility)"))
    if d == 1 or (d == 2 and "means" in fit.params):
        figures.append(_figure(lambda: plots.plot_density(fit, X), "fitted density"))
    body = (
        f"<p>Mean uncertainty {uncertainty.mean():.3f}; {int((uncertainty > 0.2).sum())} observation(s) "
        f"above 0.2.</p>{_table(frame)}<div class='figures'>{''.join(figures)}</div>"
    )
    out.add("classification", "Classification and uncertainty", body)


def _assignments(fit, X) -> pd.DataFrame:
    """Observations of ``X`` assigned to each component (MAP) and its weight, one row per component that has some.

    Rows are the components' names (``fit.components``), in their order.
    """
    counts = pd.Series(fit.predict(X).values).value_counts()
    assigned = [k for k, name in enumerate(fit.components) if name in counts.index]
    names = fit.components[assigned]
    return pd.DataFrame({"observations": counts.loc[names].to_numpy(), "weight": fit.params.weights.values[assigned]},
                        index=pd.Index(names))


def _drawn_shapes(fit, X) -> str:
    """What the cluster (two features) or pairs figure draws around the points, for its caption."""
    panels = [plots.compute_clusters(fit, X)] if len(fit.features) == 2 else plots.compute_pairs(fit, X).values()
    shapes = []
    if any(len(panel.lines) for panel in panels):
        shapes.append("regression lines (bands of \u00b12 residual SD)")
    if any(len(panel.ellipses) for panel in panels):
        shapes.append("ellipses")
    return " and ".join(shapes) if shapes else "colours (MAP component)"


def _predictive_section(out, fit, X, n_draws, random_state) -> None:
    body = (
        f"<p>The data's marginal distributions against {n_draws} replicate data sets of the same size drawn "
        "from the fitted model: the shaded band holds 90% of the replicates' histograms in each bin, the "
        "line is their median.</p>"
        + _conditional_note(fit)
    ) + _figure(
        lambda: plots.plot_predictive(fit, X, n_draws=n_draws, random_state=random_state),
        "posterior-predictive marginals",
    )
    out.add("predictive", "Posterior-predictive checks", body)


def _conditional_note(fit) -> str:
    """Why a mixture of regressions shows only its response in the predictive check."""
    if len(drawn_features(fit)) == len(fit.features):
        return ""
    return (
        "<p>The model describes the response given the covariates: every replicate keeps the observed "
        "covariates and draws the response given them, so only the response is compared.</p>"
    )


@dataclass(frozen=True)
class _Sequences:
    """A hidden Markov model's data and how its rows form sequences, as its fit took them."""

    X: object
    lengths: object = None
    sequence_column: str | None = None

    def given(self) -> dict:
        """``lengths`` and ``sequence_column`` as keyword arguments."""
        return {"lengths": self.lengths, "sequence_column": self.sequence_column}


#: Steps of the longest sequence drawn in a report's state-sequence figure (a longer sequence is cut).
REPORT_SEQUENCE_STEPS = 400


def _hmm_sections(out, fit, selection, data: _Sequences) -> None:
    """The sections of a hidden Markov model's report, in order (the warnings come last)."""
    obs, lengths = fit.sequences(data.X, data.lengths, data.sequence_column)
    _data_section(out, fit, obs, _sequences_sentence(lengths))
    if selection is not None:
        _selection_section(out, selection)
    _hmm_model_section(out, fit, data)
    _convergence_section(out, fit)
    _states_section(out, fit, data, lengths)


def _sequences_sentence(lengths: np.ndarray) -> str:
    """How the rows form sequences, to end the data section's first sentence."""
    if len(lengths) == 1:
        return ", one sequence in time order"
    return f", {len(lengths)} sequences of {lengths.min()} to {lengths.max()} steps"


def _hmm_model_section(out, fit, data: _Sequences) -> None:
    """Fit statistics, the chain's probabilities (start and transitions) and the emission parameters."""
    stats = pd.DataFrame(
        {"value": [fit.log_likelihood, fit.n_params, fit.bic(), fit.aic(), fit.icl(), fit.n_obs]},
        index=["log-likelihood", "free parameters", "BIC", "AIC", "ICL", "observations"],
    )
    chain = plots.compute_transitions(fit)
    table = chain.transmat.to_pandas()
    table.columns = [f"to {k}" for k in table.columns]
    table.insert(0, "start", chain.startprob.values)
    table["mean stay (steps)"] = chain.expected_duration.values
    emissions = fit.parameter_table(item_responses=False).drop(columns=["startprob"] + [f"transmat[{k}]" for k in chain.next_state.values])
    body = (
        f"<p>{html.escape(fit.describe_model())}</p>{_table(stats, 8)}"
        "<h3>Transition probabilities</h3>"
        "<p><i>start</i> is P(first state = k); <i>to j</i> is P(next state = j | state k), each row summing to "
        "1; a visit to state k lasts 1 / (1 - P(k → k)) steps on average.</p>"
        + _table(table)
        + "<h3>Emissions</h3>"
    )
    if len(emissions.columns):
        body += "<p>Each state's emission parameters" + _matrix_note(emissions) + ".</p>" + _table(emissions)
    responses = fit.item_response_table()
    if len(responses.columns):
        body += "<p>P(category | state) of the categorical features:</p>" + item_response_html(responses)
    body += "<h3>Standard errors</h3>" + _estimates(fit, data.X, data.given())
    out.add("model", "Chosen model", body)


def _matrix_note(emissions: pd.DataFrame) -> str:
    """How the emission table shows covariance (or scale) matrices, when it has their columns."""
    if not any("sd[" in str(column) for column in emissions.columns):
        return ""
    return ("; a covariance (or scale) matrix V is shown as its standard deviations sd[f] = sqrt(V_ff) and "
            "correlations corr[f, g] = V_fg / (sd[f] sd[g])")


def _states_section(out, fit, data: _Sequences, lengths: np.ndarray) -> None:
    """Time spent in each state, and the figures: a sequence over time, the transition matrix, the emissions."""
    decoded = pd.Series(fit.predict(data.X, **data.given()).values).value_counts().reindex(
        np.arange(fit.n_states), fill_value=0)
    posteriors = fit.predict_proba(data.X, **data.given()).values
    frame = pd.DataFrame(
        {"decoded steps": decoded.values, "share": decoded.values / decoded.sum(),
         "mean probability": posteriors.mean(axis=0)},
        index=pd.Index(np.arange(fit.n_states), name="state"),
    )
    uncertainty = 1.0 - posteriors.max(axis=1)
    longest = int(np.argmax(lengths))
    shown = min(int(lengths[longest]), REPORT_SEQUENCE_STEPS)
    which = "the sequence" if len(lengths) == 1 else f"the longest of {len(lengths)} sequences (sequence {longest})"
    window = which if shown == lengths[longest] else f"the first {shown} of {lengths[longest]} steps of {which}"
    sequence = _figure(lambda: plots.plot_state_sequence(fit, data.X, sequence=longest, steps=(0, shown),
                                                         **data.given()),
                       f"{window}: data coloured by the Viterbi state, smoothed state probabilities beneath")
    transitions = _figure(lambda: plots.plot_transitions(fit), "start and transition probabilities")
    try:  # plot_emissions computes the densities before it makes a figure
        emissions = _figure(lambda: plots.plot_emissions(fit, data.X, **data.given()),
                            "emission densities weighted by each state's share of the steps, over the data")
    except ValueError as err:  # an emission without a closed-form one-feature marginal
        emissions = f"<p class='note'>Emission densities not drawn: {html.escape(str(err))}</p>"
    body = (
        "<p>Steps in each state along the most probable path (Viterbi), and the mean smoothed probability "
        f"P(state | sequence). Mean uncertainty (1 - largest state probability) {uncertainty.mean():.3f}; "
        f"{int((uncertainty > 0.2).sum())} step(s) above 0.2.</p>"
        + frame.to_html(formatters={"share": "{:.3f}".format, "mean probability": "{:.3f}".format}, border=0)
        + sequence + transitions + emissions
    )
    out.add("states", "States", body)


def _warnings_section(out, fit, selection, messages) -> None:
    items = list(messages)
    if not fit.converged:
        items.append("the chosen fit did not converge: increase max_iter")
    restarts = fit.trace.attrs.get("restart_warning", "")
    if restarts and restarts not in items:
        items.append(f"the chosen fit: {restarts}")
    if selection is not None:
        for cov, k, error in zip(*_failed_cells(selection)):
            items.append(f"{cov} with {k} {_counted(selection)} could not be fitted: {error}")
        for (covariance, k), fit in selection.fits.items():
            degenerate = fit.degenerate_components
            if degenerate:
                position, reason = next(iter(degenerate.items()))
                items.append(
                    f"{covariance} with {k} {_counted(selection)} was not considered: {len(degenerate)} degenerate "
                    f"{_counted(selection)[:-1]}(s), the first, {_counted(selection)[:-1]} "
                    f"{fit.components[position]}: {reason}"
                )
    body = "".join(f'<div class="warning">{html.escape(m)}</div>' for m in items) or "<p>None.</p>"
    out.add("warnings", "Warnings", body)


def _failed_cells(selection):
    grid = selection.grid
    rows = np.argwhere(grid.error.values != "")
    return (
        [str(grid.covariance.values[i]) for i, _ in rows],
        [int(grid.n_components.values[j]) for _, j in rows],
        [str(grid.error.values[i, j]) for i, j in rows],
    )

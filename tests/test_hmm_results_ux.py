"""Hidden Markov model results as a user meets them: dask data, draws, tables, plots, report and CLI."""

from __future__ import annotations

import dask.array as da
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import emkit as em
from emkit.plots._common import MAX_INTEGER_BINS

LENGTHS = [400, 350, 250]


def two_regimes(seed: int = 0, n_features: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(0, 1, (500, n_features)), rng.normal(4, 1, (500, n_features))]


@pytest.fixture(scope="module", params=["gaussian", "student_t"])
def fitted(request):
    """A fit whose emission evaluates in one compiled pass (Gaussian) or with numpy temporaries (Student-t)."""
    family = em.Gaussian("VVV") if request.param == "gaussian" else em.StudentT()
    x = two_regimes()
    return em.HiddenMarkovModel(family, 2).fit(x, lengths=LENGTHS, n_init=1, random_state=0), x


# -- dask data -----------------------------------------------------------------------


@pytest.mark.parametrize("rows", [300, 50])  # blocks that cut sequences; blocks shorter than a sequence
@pytest.mark.parametrize("method", ["predict_proba", "predict", "score_samples"])
def test_per_row_results_on_dask_are_lazy_and_equal_in_memory(fitted, rows, method):
    fit, x = fitted
    lazy = getattr(fit, method)(da.from_array(x, chunks=(rows, 2)), lengths=LENGTHS)
    assert isinstance(lazy.data, da.Array)
    assert all(size in (400, 350, 250, 750, 600, 1000) for size in lazy.data.chunks[0])  # whole sequences
    np.testing.assert_allclose(lazy.values, getattr(fit, method)(x, lengths=LENGTHS).values, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("rows", [300, 50])
def test_score_and_decode_on_dask_equal_in_memory(fitted, rows):
    fit, x = fitted
    xd = da.from_array(x, chunks=(rows, 2))
    assert fit.score(xd, lengths=LENGTHS) == pytest.approx(fit.score(x, lengths=LENGTHS), rel=1e-12)
    log_probability, states = fit.decode(xd, lengths=LENGTHS)
    expected_log_probability, expected_states = fit.decode(x, lengths=LENGTHS)
    assert log_probability == pytest.approx(expected_log_probability, rel=1e-12)
    np.testing.assert_array_equal(states.values, expected_states.values)


def test_dask_score_is_the_sum_of_each_sequence_scored_alone(fitted):
    fit, x = fitted
    bounds = np.cumsum([0] + LENGTHS)
    alone = sum(fit.score(x[a:b]) for a, b in zip(bounds[:-1], bounds[1:]))
    assert fit.score(da.from_array(x, chunks=(128, 2)), lengths=LENGTHS) == pytest.approx(alone, rel=1e-12)


def test_state_sequence_plot_takes_dask_data(fitted):
    fit, x = fitted
    fig = em.plot.plot_state_sequence(fit, da.from_array(x, chunks=(300, 2)), lengths=LENGTHS)
    plt.close(fig)


# -- draws ---------------------------------------------------------------------------


def _categorical_frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"mood": rng.choice(["low", "mid", "high"], 300), "level": rng.normal(0, 1, 300)})


@pytest.mark.parametrize(
    "declare, data",
    [
        (lambda: em.Gaussian(), lambda: two_regimes(n_features=1)),
        (lambda: em.Poisson(), lambda: pd.DataFrame({"n": np.random.default_rng(0).poisson(4, 300)})),
        (lambda: em.Categorical(), lambda: _categorical_frame()[["mood"]]),
        (lambda: em.Independent({"mood": em.Categorical(), "level": em.Gaussian()}), _categorical_frame),
    ],
    ids=["gaussian", "poisson", "categorical", "independent"],
)
def test_sample_is_a_frame_for_every_emission(declare, data):
    x = data()
    fit = em.HiddenMarkovModel(declare(), 2).fit(x, n_init=1, random_state=0)
    draws = fit.sample(30, n_sequences=2, random_state=0)
    assert isinstance(draws, pd.DataFrame)
    assert draws.columns.tolist() == fit.features.tolist() + ["state", "sequence", "step"]
    assert draws["sequence"].tolist() == [0] * 30 + [1] * 30 and draws["step"].tolist() == list(range(30)) * 2
    if "mood" in draws:
        assert set(draws["mood"]) <= {"low", "mid", "high"}
    # the draws go back into the fit, their sequences named by the column
    numbers = fit.sample(30, n_sequences=2, random_state=0, as_frame=False)
    assert isinstance(numbers, xr.DataArray) and numbers.dims == ("observation", "feature")
    np.testing.assert_array_equal(numbers.state.values, draws["state"].to_numpy())
    assert fit.score(draws, sequence_column="sequence") == pytest.approx(
        fit.score(numbers.values, lengths=[30, 30]), rel=1e-12
    )


def test_sampled_states_follow_the_transition_matrix():
    """Empirical transition frequencies of a long draw against ``transmat`` (binomial bounds)."""
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(two_regimes(n_features=1), lengths=LENGTHS, n_init=1,
                                                     random_state=0)
    states = fit.sample(20_000, random_state=1)["state"].to_numpy()
    transmat = fit.params.transmat.values
    for j in range(2):
        left = states[:-1] == j
        observed = np.mean(states[1:][left] == j)
        assert abs(observed - transmat[j, j]) < 5 * np.sqrt(transmat[j, j] * (1 - transmat[j, j]) / left.sum())


@pytest.mark.parametrize("arguments, named", [((0,), "n_steps"), ((5, 0), "n_sequences"), ((2.5,), "n_steps")])
def test_sample_refuses_empty_draws_naming_the_argument(arguments, named):
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(two_regimes(n_features=1), n_init=1, random_state=0)
    with pytest.raises(ValueError, match=f"{named} must be a positive integer"):
        fit.sample(*arguments)


# -- tables and display ----------------------------------------------------------------


def known_fit():
    """A two-feature fit at given parameters: sd (2, 1) and correlation 0.6 in state 0; sd (1, 3), -0.5 in state 1."""
    x = two_regimes()
    template = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, max_iter=1, n_init=1, random_state=0).params
    covariances = np.array([[[4.0, 1.2], [1.2, 1.0]], [[1.0, -1.5], [-1.5, 9.0]]])
    params = template.assign(covariances=(template.covariances.dims, covariances))
    return em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, init=params, max_iter=0)


def test_parameter_table_shows_covariances_as_sd_and_correlation():
    table = known_fit().parameter_table()
    np.testing.assert_allclose(table["sd[0]"], [2.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(table["sd[1]"], [1.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(table["corr[0, 1]"], [0.6, -0.5], rtol=1e-12)


def test_summary_and_notebook_display_name_the_model_and_show_the_covariances():
    fit = known_fit()
    text, page = fit.summary_text(), fit._repr_html_()
    assert "sd[0]" in text and "corr[0, 1]" in text
    assert "<b>Hidden Markov model</b>" in page and "corr[0, 1]" in page and "FitResult" not in page


def test_student_t_scales_and_mixture_emissions_show_every_variable():
    x = two_regimes()
    student = em.HiddenMarkovModel(em.StudentT(), 2).fit(x, n_init=1, random_state=0)
    table = student.parameter_table()
    scales = student.params.scales.values
    np.testing.assert_allclose(table["scales sd[1]"], np.sqrt(scales[:, 1, 1]), rtol=1e-12)
    assert "dof" in table
    mixture = em.HiddenMarkovModel(em.GaussianMixtureEmission(n_mixture=2), 2).fit(x[:, :1], n_init=1, random_state=0)
    columns = mixture.parameter_table().columns
    assert {"mixture_weights[0]", "mixture_means[1, 0]", "mixture_covariances[0, 0, 0]"} <= set(columns)


def test_report_emission_table_shows_every_emission_variable():
    frame = _categorical_frame()
    fit = em.HiddenMarkovModel(em.Independent({"mood": em.Categorical(), "level": em.Gaussian()}), 2).fit(
        frame, n_init=1, random_state=0)
    page = em.report(fit, frame)
    emissions = page[page.index("<h3>Emissions</h3>"):page.index("<h3>Standard errors</h3>")]
    assert "means[level]" in emissions and "sd[level]" in emissions and "P(category | state)" in emissions


MIXED = {"rt": em.Gaussian(), "acc": em.Categorical()}


def _at_known_parameters(model, frame, known: list):
    """``model`` fitted to ``frame`` at its template parameters with ``known`` ``(name, where, value)`` put in."""
    template = model.fit(frame, max_iter=0, random_state=0).params
    for name, where, value in known:
        template[name].loc[where] = value
    return model.fit(frame, init=template, max_iter=0)


def _mixed_frame(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"rt": rng.normal(0.5, 0.1, 300), "acc": rng.choice(["no", "yes"], 300)})


# rt: means 0.4 / 0.6, sd 0.2 / 0.05; acc: P(yes) 0.25 / 0.9
MIXED_KNOWN = [
    ("means", {"feature": "rt"}, [0.4, 0.6]),
    ("covariances", {"feature": "rt", "feature2": "rt"}, [0.04, 0.0025]),
    ("probs", {"feature": "acc", "category": "no"}, [0.75, 0.1]),
    ("probs", {"feature": "acc", "category": "yes"}, [0.25, 0.9]),
]


@pytest.mark.parametrize("model", [em.HiddenMarkovModel(em.Independent(MIXED), 2),
                                   em.Mixture(em.Independent(MIXED), n_components=2)], ids=["hmm", "mixture"])
def test_parameter_table_shows_every_variable_of_mixed_emissions(model):
    fit = _at_known_parameters(model, _mixed_frame(), MIXED_KNOWN)
    table = fit.parameter_table()
    np.testing.assert_allclose(table["means[rt]"], [0.4, 0.6], rtol=1e-12)
    np.testing.assert_allclose(table["sd[rt]"], [0.2, 0.05], rtol=1e-12)
    np.testing.assert_allclose(table["probs[acc, no]"], [0.75, 0.1], rtol=1e-12)
    np.testing.assert_allclose(table["probs[acc, yes]"], [0.25, 0.9], rtol=1e-12)
    emissions = ["means[rt]", "sd[rt]", "probs[acc, no]", "probs[acc, yes]"]
    chain = ["startprob", "transmat[0]", "transmat[1]"] if "state" in fit.params.dims else ["weight"]
    assert table.columns.tolist() == chain + emissions  # nothing for the cells that do not apply
    assert not table.isna().any().any()


def test_parameter_table_of_count_and_categorical_hmms_is_their_params():
    rng = np.random.default_rng(0)
    counts = pd.DataFrame({"n": np.r_[rng.poisson(2, 200), rng.poisson(9, 200)]})
    poisson = em.HiddenMarkovModel(em.Poisson(), 2).fit(counts, n_init=1, random_state=0)
    np.testing.assert_array_equal(poisson.parameter_table()["rate[n]"], poisson.params.rate.sel(feature="n"))
    moods = _categorical_frame()[["mood"]]
    categorical = _at_known_parameters(em.HiddenMarkovModel(em.Categorical(), 2), moods, [
        ("probs", {"feature": "mood", "category": "low"}, [0.7, 0.1]),
        ("probs", {"feature": "mood", "category": "mid"}, [0.2, 0.1]),
        ("probs", {"feature": "mood", "category": "high"}, [0.1, 0.8]),
    ])
    table = categorical.parameter_table()
    assert [c for c in table.columns if c.startswith("probs")] == [f"probs[mood, {c}]" for c in ("high", "low", "mid")]
    np.testing.assert_allclose(table[["probs[mood, low]", "probs[mood, mid]", "probs[mood, high]"]].values,
                               [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], rtol=1e-12)
    text = categorical.summary_text()  # the probabilities once, as one table per feature
    assert "P(category | state)" in text and "probs[mood" not in text


def test_diagonal_structures_show_no_correlations_fixed_at_zero():
    x = two_regimes()
    diagonal = em.HiddenMarkovModel(em.Gaussian("VVI"), 2).fit(x, n_init=1, random_state=0)
    table = diagonal.parameter_table()
    assert not any(column.startswith("corr") for column in table.columns)
    np.testing.assert_allclose(table["sd[1]"], np.sqrt(diagonal.params.covariances.values[:, 1, 1]), rtol=1e-12)


@pytest.mark.parametrize("emission, said", [
    (em.Gaussian(), "emissions: Gaussian, covariance VVV (full)"),
    (em.Independent(MIXED), "emissions: independent-parts (rt: Gaussian, covariance VVV (full); acc: categorical)"),
])
def test_model_description_speaks_of_states_not_components(emission, said):
    frame = _mixed_frame() if isinstance(emission, em.Independent) else _mixed_frame()[["rt"]]
    fit = em.HiddenMarkovModel(emission, 3).fit(frame, n_init=1, max_iter=5, tol=1e-2, random_state=0)
    assert fit.describe_model() == f"hidden Markov model with 3 states; {said}"
    assert "component" not in fit.summary_text().split("\n")[0]


# -- plots -----------------------------------------------------------------------------


def test_state_sequence_defaults_to_the_longest_sequence_and_says_which():
    x = two_regimes(n_features=1)
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, lengths=[3, 900, 97], n_init=1, random_state=0)
    path = em.plot.compute_state_sequence(fit, x, lengths=[3, 900, 97])
    assert (path.attrs["sequence"], path.attrs["length"], path.sizes["step"]) == (1, 900, 900)
    assert int(path.observation[0]) == 3
    fig = em.plot.plot_state_sequence(fit, x, lengths=[3, 900, 97])
    assert fig.axes[0].get_title().startswith("sequence 1 of 3 (the longest, 900 steps)")
    plt.close(fig)
    fig = em.plot.plot_state_sequence(fit, x, lengths=[3, 900, 97], sequence=2)
    assert fig.axes[0].get_title().startswith("sequence 2 of 3 (97 steps)")
    plt.close(fig)
    frame = pd.DataFrame({"site": np.repeat(["a", "b", "c"], [3, 900, 97]), "x": x[:, 0]})
    fig = em.plot.plot_state_sequence(fit, frame, sequence_column="site")
    assert fig.axes[0].get_title().startswith("sequence 1 of 3 (site = b, the longest, 900 steps)")
    plt.close(fig)


def test_many_counts_are_drawn_as_binned_bars_under_lines():
    """Sunspot-like counts over ~200 integers: bins of several integers, masses joined by lines."""
    rng = np.random.default_rng(0)
    counts = pd.DataFrame({"spots": np.r_[rng.poisson(15, 300), rng.poisson(110, 300)]})
    fit = em.HiddenMarkovModel(em.Poisson(), 2).fit(counts, n_init=1, random_state=0)
    table = em.plot.compute_emissions(fit, counts)["spots"]
    occupancy = np.array(table.attrs["occupancy"])
    rates = fit.params.rate.values[:, 0]
    grid = table.index.to_numpy()
    expected = stats.poisson.pmf(grid[:, None], rates[None, :]) @ occupancy
    np.testing.assert_allclose(table["total"], expected, rtol=1e-10)
    fig = em.plot.plot_emissions(fit, counts)
    ax = fig.axes[0]
    assert len(grid) > MAX_INTEGER_BINS and len(ax.patches) <= MAX_INTEGER_BINS
    lines = {line.get_label(): line for line in ax.lines}
    assert lines["state 0"].get_linestyle() == "--" and lines["state 0"].get_marker() in ("None", None, "")
    assert lines["total"].get_linestyle() == "-"
    assert not ax.collections  # no stems
    plt.close(fig)


# -- selection and the CLI -------------------------------------------------------------


def test_selection_over_states_is_labelled_in_states():
    waiting = em.datasets.load("faithful")[["waiting"]]
    models = [em.HiddenMarkovModel(em.Gaussian(c), 2) for c in ("VVV", "EEE")]
    selection = em.select(waiting, n_components=[1, 2], model=models, n_init=1)
    assert selection.table().index.name == "n_states" and selection.table().columns.name == "model"
    assert selection.marked_table().index.name == "n_states"
    ax = em.plot.plot_selection(selection)
    assert ax.get_xlabel() == "number of states"
    plt.close(ax.figure)
    page = em.report(selection, waiting)
    assert "number of states and emission covariance" in page and "number of components" not in page
    mixtures = em.select(waiting, n_components=[1, 2], covariance=["VVV", "EEE"])
    assert mixtures.table().index.name == "n_components"


@pytest.mark.parametrize("hmm", [False, True])
def test_cli_report_on_one_feature_fits_each_distinct_model_once(tmp_path, capsys, hmm):
    from emkit.cli import main

    out = tmp_path / "report.html"
    argv = ["report", "--dataset", "faithful", "--columns", "waiting", "--covariance", "VVV,VVI,VII,EEE,EII",
            "-o", str(out)] + (["--hmm", "--states", "2"] if hmm else ["-k", "1..2"])
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "one feature: VVI, VII, EII fit the same model as VVV or EEE" in err
    page = out.read_text()
    fitted = ["HMM Gaussian VVV", "HMM Gaussian EEE"] if hmm else ["VVV", "EEE"]
    assert all(f"<th>{name}</th>" in page for name in fitted)
    assert not any(f"<th>{'HMM Gaussian ' if hmm else ''}{name}</th>" in page for name in ("VVI", "VII", "EII"))

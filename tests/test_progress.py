"""Progress bars of fits, selection and the bootstrap (emkit.em.progress)."""

import contextlib
import io
import re
import sys
import types

import numpy as np
import pytest
import xarray as xr

import emkit as em
from emkit.components.gaussian import Gaussian
from emkit.em.chunks import ChunkedData
from emkit.em.driver import fit_restarts
from emkit.em.progress import FitProgress, ProgressReporter, resolve_progress
from emkit.latent.mixture import FiniteMixture


class TerminalStream(io.StringIO):
    """A captured stream that claims to be a terminal."""

    def isatty(self):
        return True


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")




def last_frame(text):
    """The bar as last drawn: tqdm redraws a line after a carriage return."""
    return text.split("\r")[-1].strip()


def mini_batches(x):
    return lambda: np.array_split(x, 8)


@pytest.fixture(scope="module")
def stream_data():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(0, 1, (800, 1)), rng.normal(6, 1, (800, 1))])[rng.permutation(1600)]


def test_fit_bar_shows_restart_iteration_and_log_likelihood(capsys, faithful):
    fit = em.GaussianMixture(2).fit(faithful, n_init=2, random_state=0, progress=True)
    frame = last_frame(capsys.readouterr().err)
    last = fit.trace.log_likelihood.sel(restart=1).dropna("iteration").values
    assert frame.startswith("restart 2/2: 100%") and "2/2 [" in frame
    expected = f"iter={len(last) - 1}, loglik={last[-1]:.2f}, change={last[-1] - last[-2]:+.2g}"
    assert expected in frame


def test_fit_online_bar_shows_passes_and_mini_batches(capsys, stream_data):
    fit = em.GaussianMixture(2).fit_online(mini_batches(stream_data), passes=2, random_state=0, progress=True)
    frame = last_frame(capsys.readouterr().err)
    assert frame.startswith("pass 2/2: 100%")
    assert f"batch=8, loglik={fit.trace.log_likelihood.values[0, -1]:.2f}, change=" in frame


def test_select_bar_counts_models_without_bars_of_each_fit(capsys, faithful):
    em.select(faithful, n_components=[1, 2], covariance=["VII", "EII"], progress=True, random_state=0)
    err = capsys.readouterr().err
    assert last_frame(err).startswith("select: 100%") and "4/4 [" in err and "EII K=2" in last_frame(err)
    assert "restart" not in err


def test_bootstrap_bar_counts_replicates(capsys, faithful):
    fit = em.GaussianMixture(2).fit(faithful, random_state=0, progress=False)
    em.bootstrap(fit, faithful, n_boot=3, random_state=1, progress=True)
    err = capsys.readouterr().err
    assert last_frame(err).startswith("bootstrap: 100%") and "3/3 [" in err
    assert "restart" not in err


def test_default_is_silent_when_stderr_is_not_a_terminal(capsys, faithful, stream_data):
    em.GaussianMixture(2).fit(faithful, n_init=2, random_state=0)
    em.GaussianMixture(2).fit_online(mini_batches(stream_data), random_state=0)
    em.select(faithful, n_components=[1], covariance=["VII"])
    assert capsys.readouterr().err == ""


def test_default_shows_progress_on_a_terminal(faithful):
    terminal = TerminalStream()
    with contextlib.redirect_stderr(terminal):
        em.GaussianMixture(2).fit(faithful, n_init=2, random_state=0)
    assert last_frame(terminal.getvalue()).startswith("restart 2/2: 100%")


def test_default_shows_progress_in_a_jupyter_kernel(monkeypatch):
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert resolve_progress(None) is True
    shell.kernel = None  # a terminal IPython shell has no kernel
    assert resolve_progress(None) is False


def test_false_is_silent_even_on_a_terminal(faithful, stream_data):
    terminal = TerminalStream()
    with contextlib.redirect_stderr(terminal):
        assert resolve_progress(None) is True
        fit = em.GaussianMixture(2).fit(faithful, n_init=2, random_state=0, progress=False)
        em.GaussianMixture(2).fit_online(mini_batches(stream_data), random_state=0, progress=False)
        em.select(faithful, n_components=[1], covariance=["VII"], progress=False)
        em.bootstrap(fit, faithful, n_boot=2, random_state=1, progress=False)
    assert terminal.getvalue() == ""


@pytest.mark.parametrize("value, name", [("yes", "str"), (1, "int"), (io.StringIO(), "StringIO")])
@pytest.mark.parametrize(
    "call",
    [
        lambda X, progress: em.GaussianMixture(2).fit(X, progress=progress),
        lambda X, progress: em.GaussianMixture(2).fit_online([X], progress=progress),
        lambda X, progress: em.select(X, n_components=[1], covariance=["VII"], progress=progress),
    ],
    ids=["fit", "fit_online", "select"],
)
def test_bad_value_raises_type_error(call, value, name, faithful):
    with pytest.raises(TypeError, match=rf"progress must be None \(.*\), True or False, not {name}"):
        call(faithful, value)


def test_bootstrap_bad_value_raises_type_error(faithful):
    fit = em.GaussianMixture(2).fit(faithful, random_state=0)
    with pytest.raises(TypeError, match="progress must be None .*, True or False, not str"):
        em.bootstrap(fit, faithful, n_boot=2, progress="on")


def test_numpy_bool_is_accepted():
    assert resolve_progress(np.bool_(True)) is True and resolve_progress(np.bool_(False)) is False


def test_fit_is_identical_with_and_without_progress(capsys, faithful):
    shown = em.GaussianMixture(3, covariance="EEE").fit(faithful, n_init=3, random_state=0, progress=True)
    hidden = em.GaussianMixture(3, covariance="EEE").fit(faithful, n_init=3, random_state=0, progress=False)
    assert capsys.readouterr().err != ""
    xr.testing.assert_identical(shown.params, hidden.params)
    xr.testing.assert_identical(shown.trace, hidden.trace)
    assert shown.log_likelihood == hidden.log_likelihood


def test_fit_online_is_identical_with_and_without_progress(capsys, stream_data):
    shown = em.GaussianMixture(2).fit_online(mini_batches(stream_data), passes=2, random_state=0, progress=True)
    hidden = em.GaussianMixture(2).fit_online(mini_batches(stream_data), passes=2, random_state=0, progress=False)
    assert capsys.readouterr().err != ""
    xr.testing.assert_identical(shown.params, hidden.params)
    xr.testing.assert_identical(shown.trace, hidden.trace)


class Recorder(ProgressReporter):
    def __init__(self):
        self.calls = []

    def round_started(self, index, n_rounds):
        self.calls.append(("started", index, n_rounds))

    def iteration(self, n_iter, log_likelihood):
        self.calls.append(("iteration", n_iter, log_likelihood))

    def round_finished(self):
        self.calls.append(("finished",))


def test_driver_reports_every_restart_and_every_e_step():
    x = np.random.default_rng(0).normal(size=(200, 1))
    x[100:] += 6
    recorder = Recorder()
    outcome = fit_restarts(
        FiniteMixture([Gaussian("full", 2)]), ChunkedData(x, None, 64),
        init="kmeans++", n_init=2, tol=1e-8, max_iter=100, random_state=0, progress=recorder,
    )
    expected = []
    for index, run in enumerate(outcome.runs):
        expected.append(("started", index, 2))
        expected += [("iteration", n_iter, loglik) for n_iter, loglik in enumerate(run.log_likelihood)]
        expected.append(("finished",))
    assert recorder.calls == expected


def test_failed_restart_still_finishes_its_round():
    x = np.zeros((10, 1))
    x[0] = 1.0
    recorder = Recorder()
    responsibilities = np.eye(2)[(x[:, 0] > 0).astype(int)]
    with pytest.raises(em.DegenerateComponentError):
        fit_restarts(
            FiniteMixture([Gaussian("full", 2, reg_covar=0.0)]), ChunkedData(x, None, 64),
            init=responsibilities, n_init=1, tol=1e-8, max_iter=10, random_state=0, progress=recorder,
        )
    assert recorder.calls[0] == ("started", 0, 1) and recorder.calls[-1] == ("finished",)


def test_bar_shows_no_change_at_the_first_iteration():
    out = io.StringIO()
    with FitProgress(out, rounds="pass", iterations="batch") as reporter:
        reporter.round_started(0, 1)
        reporter.iteration(1, -10.0)
    frame = last_frame(out.getvalue())
    assert frame.startswith("pass 1/1:") and "batch=1, loglik=-10.00" in frame and "change" not in frame
    assert re.search(r"\b0/1\b", frame)

"""A fit records the short EM runs that chose each restart's start, and says so wherever it counts iterations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import emkit as em
import emkit.em.driver as driver
from emkit.exceptions import ConvergenceWarning


@pytest.fixture(scope="module")
def waiting():
    return em.datasets.load("faithful")[["waiting"]]


@pytest.fixture(scope="module")
def answers():
    rng = np.random.default_rng(3)
    rows = np.r_[rng.choice(3, (150, 2), p=[0.8, 0.1, 0.1]), rng.choice(3, (150, 2), p=[0.1, 0.1, 0.8])]
    return pd.DataFrame(np.array(list("abc"))[rows], columns=["q1", "q2"])


def counted_runs(monkeypatch):
    """Replace the driver's ``run_em`` by a wrapper that records the ``max_iter`` of every EM run it starts."""
    budgets = []
    original = driver.run_em

    def recording(model, data, tol, max_iter, **options):
        budgets.append(max_iter)
        return original(model, data, tol, max_iter, **options)

    monkeypatch.setattr(driver, "run_em", recording)
    return budgets


def test_default_hmm_fit_records_the_short_runs_it_ran(monkeypatch, waiting):
    budgets = counted_runs(monkeypatch)
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0, max_iter=300)
    attrs = fit.trace.attrs
    assert (attrs["screened_starts"], attrs["screening_iter"]) == (10, 20)
    assert attrs["screening_methods"] == "kmeans++ 5, random 5"
    n_init = fit.trace.sizes["restart"]
    # what ran: per restart 10 short runs of 20 iterations at most, then one full run
    assert sorted(budgets) == [20] * (10 * n_init) + [300] * n_init
    assert int(fit.trace.n_iter[fit.best_restart]) == fit.n_iter  # the trace counts the full run only


def test_summary_and_report_say_how_each_restart_started(waiting):
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0)
    said = (f"after {fit.n_iter} iteration{'s' if fit.n_iter != 1 else ''} (restart {fit.best_restart + 1} of "
            f"{fit.trace.sizes['restart']}), each restart from the best of 10 short runs (at most 20 iterations each)")
    assert f"convergence     converged {said}" in fit.summary_text()
    assert said in fit._repr_html_()
    page = em.report(fit, waiting)
    section = page[page.index("Convergence</h2>"):]
    assert f"the kept restart converged {said}" in section


def test_screening_budget_is_capped_by_max_iter(monkeypatch, waiting):
    budgets = counted_runs(monkeypatch)
    with pytest.warns(ConvergenceWarning):
        fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0, max_iter=5, n_init=1)
    assert fit.trace.attrs["screening_iter"] == 5
    assert sorted(budgets) == [5] * 11
    assert "best of 10 short runs (at most 5 iterations each)" in fit.summary_text()


def test_mixture_short_em_is_recorded_the_same_way(monkeypatch, answers):
    budgets = counted_runs(monkeypatch)
    fit = em.Mixture(em.Categorical(), 2).fit(answers, random_state=0, n_init=2)
    attrs = fit.trace.attrs
    assert (attrs["screened_starts"], attrs["screening_iter"], attrs["screening_methods"]) == (
        15, 10, "random 10, kmeans++ 5")
    assert sorted(budgets) == [10] * 30 + [em.estimators.DEFAULT_MAX_ITER] * 2
    assert "each restart from the best of 15 short runs (at most 10 iterations each)" in fit.summary_text()


def test_a_single_start_records_no_screening(waiting):
    model = em.HiddenMarkovModel(em.Gaussian(), 2)
    seeded = model.fit(waiting, init="kmeans++", n_init=2, random_state=0)
    given = model.fit(waiting, init=seeded.params, random_state=0)
    for fit, n_init in ((seeded, 2), (given, 1)):
        assert not any(name.startswith("screen") for name in fit.trace.attrs)
        assert "short runs" not in fit.summary_text()
        assert fit.convergence_counts().endswith(f"(restart {fit.best_restart + 1} of {n_init})")


def test_the_record_survives_saving(tmp_path, waiting):
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(waiting, random_state=0)
    fit.to_netcdf(tmp_path / "fit.nc")
    loaded = em.load_fit(tmp_path / "fit.nc")
    assert loaded.convergence_counts() == fit.convergence_counts()
    assert int(loaded.trace.attrs["screened_starts"]) == 10

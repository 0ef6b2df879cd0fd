"""Bad input at every public entry point: a ValueError/TypeError whose message names the argument.

One row per (entry point, bad argument). The call must fail at once, with the
exception type given, and the message must match the pattern (which names the
argument, column or file the user got wrong). The CLI rows check the one-line
``emkit: error:`` message and the exit status.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import emkit as em
from emkit.cli import main

FAITHFUL = em.datasets.load("faithful")
VALUES = FAITHFUL.to_numpy()


@pytest.fixture(scope="module")
def fit():
    return em.GaussianMixture(2).fit(FAITHFUL, random_state=0)


@pytest.fixture(scope="module")
def array_fit():
    return em.GaussianMixture(2).fit(VALUES, random_state=0)


def _with_nan():
    frame = FAITHFUL.copy()
    frame.iloc[3, 1] = np.nan
    return frame


def _multiindex():
    frame = FAITHFUL.copy()
    frame.columns = pd.MultiIndex.from_tuples([("geyser", "eruptions"), ("geyser", "waiting")])
    return frame


GAUSSIAN = em.GaussianMixture(2)

#: (id, call taking the fits, exception type, pattern the message must match)
CASES = [
    # -- fit ------------------------------------------------------------------------
    ("fit-X-None", lambda f, a: GAUSSIAN.fit(None), TypeError, r"\bX\b"),
    ("fit-X-text", lambda f, a: GAUSSIAN.fit("data.csv"), TypeError, r"\bX\b"),
    ("fit-X-nan", lambda f, a: GAUSSIAN.fit(_with_nan()), ValueError, r"\bX\b.*NaN.*\b3\b"),
    ("fit-X-3d", lambda f, a: GAUSSIAN.fit(np.zeros((4, 2, 2))), ValueError, r"\bX\b.*2-D"),
    ("fit-X-empty", lambda f, a: GAUSSIAN.fit(np.zeros((0, 2))), ValueError, r"\bX\b.*empty"),
    ("fit-X-too-few-rows", lambda f, a: em.GaussianMixture(5).fit(VALUES[:3]), ValueError, r"\bX\b.*3 observations"),
    ("fit-X-huge", lambda f, a: GAUSSIAN.fit(VALUES * 1e300), ValueError, r"\bX\b|large|overflow"),
    ("fit-n_init-0", lambda f, a: GAUSSIAN.fit(VALUES, n_init=0), ValueError, r"n_init"),
    ("fit-max_iter-negative", lambda f, a: GAUSSIAN.fit(VALUES, max_iter=-1), ValueError, r"max_iter"),
    ("fit-tol-negative", lambda f, a: GAUSSIAN.fit(VALUES, tol=-1.0), ValueError, r"\btol\b"),
    ("fit-chunk_size-0", lambda f, a: GAUSSIAN.fit(VALUES, chunk_size=0), ValueError, r"chunk_size"),
    ("fit-init-unknown", lambda f, a: GAUSSIAN.fit(VALUES, init="bogus"), ValueError, r"\binit\b"),
    ("fit-init-shape", lambda f, a: GAUSSIAN.fit(VALUES, init=np.ones((3, 2))), ValueError, r"responsibilities"),
    ("fit-weight-length", lambda f, a: GAUSSIAN.fit(VALUES, sample_weight=np.ones(3)), ValueError, r"sample_weight"),
    ("fit-weight-negative", lambda f, a: GAUSSIAN.fit(VALUES, sample_weight=-np.ones(len(VALUES))), ValueError,
     r"sample_weight"),
    ("fit-random_state-negative", lambda f, a: GAUSSIAN.fit(VALUES, random_state=-1), ValueError, r"random_state"),
    ("fit-random_state-text", lambda f, a: GAUSSIAN.fit(VALUES, random_state="seed"), (ValueError, TypeError),
     r"random_state"),
    ("fit-poisson-support", lambda f, a: em.Mixture(em.Poisson()).fit(np.array([[1.0], [1.5]])), ValueError,
     r"row 1"),
    ("model-n_components-0", lambda f, a: em.GaussianMixture(0), ValueError, r"n_components"),
    ("model-covariance", lambda f, a: em.GaussianMixture(2, covariance="XYZ"), ValueError, r"covariance|XYZ"),
    ("model-not-a-family", lambda f, a: em.Mixture(object()), TypeError, r"family"),
    ("logpdf-wrong-shape",
     lambda f, a: em.Mixture(em.from_logpdf(lambda x, loc: np.zeros(3), params={"loc": ("real", 0.0)})).fit(VALUES[:, :1]),
     (ValueError, TypeError), r"shape"),
    # -- predict / score ----------------------------------------------------------------
    ("predict-missing-column", lambda f, a: f.predict(FAITHFUL[["waiting"]]), ValueError, r"eruptions"),
    ("predict-array-width", lambda f, a: f.predict(VALUES[:, :1]), ValueError, r"\bX\b.*\b2\b"),
    ("predict-nan", lambda f, a: f.predict(_with_nan()), ValueError, r"\bX\b.*NaN"),
    ("predict_proba-array-width", lambda f, a: a.predict_proba(np.ones((4, 3))), ValueError, r"\bX\b.*\b2\b"),
    ("score-missing-column", lambda f, a: f.score(FAITHFUL.rename(columns={"waiting": "wait"})), ValueError,
     r"waiting"),
    ("score_samples-text", lambda f, a: f.score_samples("x"), TypeError, r"\bX\b"),
    ("sample-n-negative", lambda f, a: f.sample(-1), ValueError, r"\bn\b"),
    # -- select -------------------------------------------------------------------------
    ("select-X-nan", lambda f, a: em.select(_with_nan(), n_components=[1, 2]), ValueError, r"\bX\b.*NaN"),
    ("select-n_init-0", lambda f, a: em.select(VALUES, n_components=[1, 2], n_init=0), ValueError, r"n_init"),
    ("select-random_state-negative", lambda f, a: em.select(VALUES, n_components=[1, 2], random_state=-1),
     ValueError, r"random_state"),
    ("select-criterion", lambda f, a: em.select(VALUES, n_components=[1], criterion="bac"), ValueError,
     r"criterion"),
    ("select-n_components-0", lambda f, a: em.select(VALUES, n_components=[0, 1]), ValueError, r"n_components"),
    ("select-covariance", lambda f, a: em.select(VALUES, n_components=[1], covariance=["XYZ"]), ValueError,
     r"covariance|XYZ"),
    # -- summary ------------------------------------------------------------------------
    ("summary-level", lambda f, a: em.summary(f, FAITHFUL, level=1.5), ValueError, r"level"),
    ("summary-X-width", lambda f, a: em.summary(a, VALUES[:, :1]), ValueError, r"\bX\b"),
    ("summary-X-missing-column", lambda f, a: em.summary(f, FAITHFUL[["eruptions"]]), ValueError, r"waiting"),
    ("summary-not-a-fit", lambda f, a: em.summary("fit", FAITHFUL), TypeError, r"\bfit\b|FitResult"),
    # -- bootstrap ----------------------------------------------------------------------
    ("bootstrap-X-width", lambda f, a: em.bootstrap(a, VALUES[:, :1], n_boot=2), ValueError, r"\bX\b"),
    ("bootstrap-n_boot-0", lambda f, a: em.bootstrap(f, FAITHFUL, n_boot=0), ValueError, r"n_boot"),
    ("bootstrap-kind", lambda f, a: em.bootstrap(f, FAITHFUL, n_boot=2, kind="jackknife"), ValueError, r"kind"),
    # -- report -------------------------------------------------------------------------
    ("report-X-missing-column", lambda f, a: em.report(f, FAITHFUL[["eruptions"]]), ValueError, r"waiting"),
    ("report-n_draws-0", lambda f, a: em.report(f, FAITHFUL, n_draws=0), ValueError, r"n_draws"),
    ("report-not-a-fit", lambda f, a: em.report(42, FAITHFUL), TypeError, r"FitResult|Selection"),
    # -- load_fit -----------------------------------------------------------------------
    ("load_fit-not-netcdf", lambda f, a: em.load_fit(__file__), ValueError, r"test_bad_input_table\.py"),
]


@pytest.mark.parametrize("call, error, pattern", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_named(call, error, pattern, fit, array_fit):
    with pytest.raises(error, match=pattern) as raised:
        call(fit, array_fit)
    assert "\n" not in str(raised.value).strip(), "the message is one line"


def test_multiindex_columns_are_flattened_names():
    fit = GAUSSIAN.fit(_multiindex(), random_state=0)
    assert fit.features.tolist() == ["geyser_eruptions", "geyser_waiting"]
    reordered = _multiindex().iloc[:, ::-1]
    np.testing.assert_array_equal(fit.predict(reordered).values, fit.predict(_multiindex()).values)


def test_load_fit_of_a_missing_file_names_it(tmp_path):
    missing = tmp_path / "nowhere.nc"
    with pytest.raises(FileNotFoundError, match="nowhere.nc"):
        em.load_fit(missing)


CLI_CASES = [
    ("fit-k-0", ["fit", "--dataset", "faithful", "-k", "0"], r"n_components|-k"),
    ("fit-n-init-0", ["fit", "--dataset", "faithful", "--n-init", "0"], r"n.init"),
    ("fit-covariance", ["fit", "--dataset", "faithful", "--covariance", "XYZ"], r"covariance|XYZ"),
    ("fit-tol", ["fit", "--dataset", "faithful", "--tol", "-1"], r"tol"),
    ("fit-seed", ["fit", "--dataset", "faithful", "--seed", "-1"], r"seed|random_state"),
    ("fit-unknown-dataset", ["fit", "--dataset", "nope"], r"nope"),
    ("fit-missing-file", ["fit", "no_such_file.csv"], r"no_such_file\.csv"),
    ("fit-unknown-column", ["fit", "--dataset", "faithful", "--columns", "eruptions,nope"], r"nope"),
    ("report-k", ["report", "--dataset", "faithful", "-k", "0..2"], r"-k|n_components|0"),
    ("report-criterion", ["report", "--dataset", "faithful", "--criterion", "bac"], r"criterion"),
]


@pytest.mark.parametrize("argv, pattern", [case[1:] for case in CLI_CASES], ids=[case[0] for case in CLI_CASES])
def test_cli_bad_input_is_one_named_line(argv, pattern, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code in (1, 2)
    errors = [line for line in err.splitlines() if line.startswith("emkit: error:")]
    assert len(errors) == 1, err
    assert re.search(pattern, errors[0]), errors[0]

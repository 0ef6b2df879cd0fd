"""The ``emkit`` command line: in-process through ``emkit.cli.main``, plus one real subprocess."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES
from emkit.cli import main


def run(capsys, *argv):
    """Run ``emkit argv`` in-process; return (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def log_likelihood_line(fit) -> str:
    return f"log-likelihood  {fit.log_likelihood:.6f}"


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def faithful_fit(faithful):
    return em.GaussianMixture(3, covariance="full").fit(faithful, n_init=3, random_state=0)


@pytest.fixture
def table_csv(tmp_path):
    """A CSV with three numeric columns and a text column."""
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, (40, 3)), rng.normal(6, 1, (40, 3))])
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=["p", "q"] * 40)
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return path


# -- success -------------------------------------------------------------------------


def test_fit_dataset_prints_summary_and_saves(capsys, tmp_path, faithful, faithful_fit):
    out_path = tmp_path / "fit.nc"
    code, out, err = run(
        capsys, "fit", "--dataset", "faithful", "-k", 3, "--covariance", "full", "--n-init", 3, "--seed", 0,
        "--out", out_path,
    )
    assert code == 0, err
    assert err == ""
    assert log_likelihood_line(faithful_fit) in out
    assert f"BIC  {faithful_fit.bic():.4f}" in out
    for text in ("VVV", "eruptions", "waiting", "weight", "means[waiting]", "converged after"):
        assert text in out
    assert out.rstrip().endswith(f"saved to {out_path}")
    loaded = em.load_fit(out_path)
    assert loaded.params.identical(faithful_fit.params)
    assert loaded.log_likelihood == faithful_fit.log_likelihood


def test_fit_csv_with_columns(capsys, table_csv):
    code, out, err = run(capsys, "fit", table_csv, "-k", 2, "--columns", "c, a", "--seed", 3)
    assert code == 0, err
    expected = em.GaussianMixture(2).fit(pd.read_csv(table_csv)[["c", "a"]], random_state=3)
    assert log_likelihood_line(expected) in out
    assert "features: c, a" in out
    assert "means[b]" not in out


def test_fit_passes_every_option(capsys, table_csv):
    argv = ["fit", table_csv, "-k", 2, "--covariance", "diag", "--init", "random", "--max-iter", 7,
            "--tol", 0, "--seed", 5, "--n-init", 2, "--columns", "a,b"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    expected = em.GaussianMixture(2, covariance="diag").fit(
        pd.read_csv(table_csv)[["a", "b"]], n_init=2, init="random", max_iter=7, tol=0, random_state=5
    )
    assert log_likelihood_line(expected) in out
    assert "NOT converged after 7 iterations" in out
    assert "VVI" in out


@pytest.mark.parametrize("name", list(COVARIANCE_NAMES) + ["full", "tied", "diag", "spherical"])
def test_every_covariance_name(capsys, name):
    code, out, err = run(capsys, "fit", "--dataset", "faithful", "-k", 2, "--covariance", name, "--seed", 0)
    assert code == 0, err
    mclust = em.GaussianMixture(2, covariance=name).families[0].covariance.name
    assert f"covariance {mclust} " in out


def test_fit_warning_is_one_line(capsys):
    code, out, err = run(capsys, "fit", "--dataset", "faithful", "-k", 3, "--max-iter", 2, "--seed", 0)
    assert code == 0
    assert "NOT converged" in out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("emkit: warning:") and "converge" in lines[0]


def test_datasets_lists_descriptions(capsys):
    code, out, err = run(capsys, "datasets")
    assert code == 0 and err == ""
    assert out.splitlines() == [f"{name}  {em.datasets.describe(name)}" for name in em.datasets.names()]
    assert "faithful" in out


def test_help(capsys):
    code, out, _ = run(capsys, "fit", "--help")
    assert code == 0
    assert "--covariance" in out and "--columns" in out


# -- errors ----------------------------------------------------------------------------


def write(path, content: str | bytes):
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path


# Each case: arguments (with {csv}, {tmp} placeholders), expected exit status, text in the message.
ERROR_CASES = {
    "no command": ([], 2, "required"),
    "no source": (["fit"], 2, "--dataset"),
    "two sources": (["fit", "{csv}", "--dataset", "faithful"], 2, "not allowed"),
    "k not an integer": (["fit", "--dataset", "faithful", "-k", "two"], 2, "positive integer"),
    "unknown option": (["fit", "--dataset", "faithful", "--bogus"], 2, "--bogus"),
    "unknown init": (["fit", "--dataset", "faithful", "--init", "kmeans"], 2, "kmeans++"),
    "unknown dataset": (["fit", "--dataset", "nope"], 2, "'nope'"),
    "missing csv": (["fit", "{tmp}/missing.csv"], 1, "No such file"),
    "csv is a directory": (["fit", "{tmp}"], 1, "directory"),
    "empty csv": (["fit", "{tmp}/empty.csv"], 1, "empty.csv"),
    "header only": (["fit", "{tmp}/header.csv"], 1, "no data rows"),
    "binary file": (["fit", "{tmp}/binary.csv"], 1, "not a CSV"),
    "ragged csv": (["fit", "{tmp}/ragged.csv"], 1, "Expected 2 fields"),
    "non-numeric column": (["fit", "{csv}"], 1, "label; choose numeric columns with --columns"),
    "unknown column": (["fit", "{csv}", "--columns", "a,zz"], 1, "'zz'"),
    "column twice": (["fit", "{csv}", "--columns", "a,a"], 1, "twice"),
    "NaN": (["fit", "{tmp}/nan.csv"], 1, "NaN values in 1 row(s) [1]"),
    "infinite": (["fit", "{tmp}/inf.csv"], 1, "infinite"),
    "k zero": (["fit", "--dataset", "faithful", "-k", "0"], 2, "-k/--n-components"),
    "k above n": (["fit", "{tmp}/nan.csv", "--columns", "a", "-k", "5"], 1, "fewer than the 5 components"),
    "unknown covariance": (["fit", "--dataset", "faithful", "--covariance", "VVX"], 2, "EEE"),
    "n-init zero": (["fit", "--dataset", "faithful", "--n-init", "0"], 2, "--n-init"),
    "negative max-iter": (["fit", "--dataset", "faithful", "--max-iter", "-1"], 2, "--max-iter"),
    "negative tol": (["fit", "--dataset", "faithful", "--tol", "-1"], 2, "--tol"),
    "degenerate": (["fit", "{tmp}/same.csv", "-k", "2"], 1, ""),  # DegenerateComponentError
    "out in missing directory": (["fit", "--dataset", "faithful", "--out", "{tmp}/no/x.nc"], 1, "no such directory"),
    "out is a directory": (["fit", "--dataset", "faithful", "--out", "{tmp}"], 1, "is a directory"),
}


@pytest.fixture
def bad_files(tmp_path):
    write(tmp_path / "empty.csv", "")
    write(tmp_path / "header.csv", "a,b\n")
    write(tmp_path / "binary.csv", b"\x89HDF\r\n\x1a\n\xff\xfe" + bytes(range(256)))
    write(tmp_path / "ragged.csv", "a,b\n1,2\n3,4,5\n")
    write(tmp_path / "nan.csv", "a,b\n1,2\n3,\n5,6\n")
    write(tmp_path / "inf.csv", "a,b\n1,2\n3,inf\n5,6\n")
    write(tmp_path / "same.csv", "a,b\n" + "1,2\n" * 5)
    return tmp_path


def assert_one_error_line(code, out, err, status, text):
    assert code == status, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("emkit: error:"), err
    assert text in lines[0]
    assert "Traceback" not in err + out


@pytest.mark.parametrize("case", ERROR_CASES)
def test_error(capsys, bad_files, table_csv, case):
    template, status, text = ERROR_CASES[case]
    argv = [a.format(csv=table_csv, tmp=bad_files) for a in template]
    code, out, err = run(capsys, *argv)
    assert_one_error_line(code, out, err, status, text)


def test_error_writing_output(capsys, tmp_path, monkeypatch):
    def refuse(self, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(em.FitResult, "to_netcdf", refuse)
    code, out, err = run(capsys, "fit", "--dataset", "faithful", "--out", tmp_path / "fit.nc")
    assert_one_error_line(code, out, err, 1, "cannot write")
    assert "Permission denied" in err


def test_error_reading_csv(capsys, table_csv, monkeypatch):
    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pd, "read_csv", refuse)
    code, out, err = run(capsys, "fit", table_csv)
    assert_one_error_line(code, out, err, 1, "Permission denied")


# -- the installed console script ------------------------------------------------------------


def emkit_command() -> list[str]:
    """The installed ``emkit`` script, preferring the one next to this Python."""
    script = shutil.which("emkit", path=os.path.dirname(sys.executable)) or shutil.which("emkit")
    return [script] if script else [sys.executable, "-m", "emkit.cli"]


def test_console_script(tmp_path, faithful):
    out_path = tmp_path / "fit.nc"
    argv = ["fit", "--dataset", "faithful", "-k", "2", "--covariance", "EEE", "--n-init", "2", "--seed", "1",
            "--out", str(out_path)]
    done = subprocess.run(emkit_command() + argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    expected = em.GaussianMixture(2, covariance="EEE").fit(faithful, n_init=2, random_state=1)
    assert log_likelihood_line(expected) in done.stdout
    assert em.load_fit(out_path).params.identical(expected.params)


@pytest.mark.parametrize("content, note", [
    ("a;b\n1,5;2,25\n3,5;4,75\n2,0;1,0\n", "decimal comma"),
    (",a,b\n0,1.5,2.25\n1,3.5,4.75\n2,2.0,1.0\n", "row labels"),
])
def test_csv_layout_is_guessed(capsys, tmp_path, content, note):
    path = write(tmp_path / "data.csv", content)
    code, out, err = run(capsys, "fit", path)
    expected = em.GaussianMixture(1).fit(pd.DataFrame({"a": [1.5, 3.5, 2.0], "b": [2.25, 4.75, 1.0]}), n_init=3, random_state=0)
    assert code == 0, err
    assert log_likelihood_line(expected) in out and "features: a, b" in out
    assert err.startswith("emkit: note:") and note in err


#: Eight numeric rows of two columns, without a header.
ROWS = "1.5,2.25\n3.5,4.75\n2.0,1.0\n0.5,1.5\n4.0,2.5\n2.5,3.0\n1.0,0.5\n3.0,3.5\n"


def test_headerless_csv_is_detected(capsys, tmp_path):
    path = write(tmp_path / "data.csv", ROWS)
    code, out, err = run(capsys, "fit", path)
    expected = em.GaussianMixture(1).fit(pd.read_csv(io.StringIO(ROWS), header=None), random_state=0)
    assert code == 0, err
    assert log_likelihood_line(expected) in out and "features: 0, 1" in out
    assert err.startswith("emkit: note:") and "read as data" in err and "--header" in err


def test_header_option_overrides_the_guess(capsys, tmp_path):
    # a numeric first row would be read as data; --header says it names the columns
    path = write(tmp_path / "data.csv", "10,20\n" + ROWS)
    code, out, err = run(capsys, "fit", path, "--header")
    assert code == 0, err
    assert "features: 10, 20" in out and err == ""


def test_explicit_layout_options(capsys, tmp_path):
    # semicolons, decimal commas, no header: given on the command line, so no notes are printed
    path = write(tmp_path / "data.csv", ROWS.replace(",", ";").replace(".", ","))
    code, out, err = run(capsys, "fit", path, "--sep", ";", "--decimal", ",", "--no-header")
    expected = em.GaussianMixture(1).fit(pd.read_csv(io.StringIO(ROWS), header=None), random_state=0)
    assert code == 0, err
    assert err == ""
    assert log_likelihood_line(expected) in out


def test_tab_separated_file_is_read(capsys, tmp_path):
    path = write(tmp_path / "data.tsv", "a\tb\n1.5\t2.25\n3.5\t4.75\n2.0\t1.0\n")
    code, out, err = run(capsys, "fit", path)
    assert code == 0, err
    assert "features: a, b" in out and "'\\t'" in err


def test_fit_defaults_are_reproducible_and_match_report(capsys, faithful):
    # two identical commands give the same fit: seed 0 and 3 restarts, as emkit report uses
    first = run(capsys, "fit", "--dataset", "faithful", "-k", 3)
    second = run(capsys, "fit", "--dataset", "faithful", "-k", 3)
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    expected = em.GaussianMixture(3).fit(faithful, n_init=3, random_state=0)
    assert log_likelihood_line(expected) in first[1]
    assert "(restart" in first[1] and "of 3)" in first[1]
    report_defaults = {a.dest: a.default for a in _subparser("report")._actions}
    fit_defaults = {a.dest: a.default for a in _subparser("fit")._actions}
    assert report_defaults["seed"] == fit_defaults["seed"] == 0
    assert fit_defaults["init"] == "auto"


def _subparser(name):
    import argparse

    from emkit.cli import build_parser

    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return actions[0].choices[name]


@pytest.mark.parametrize("names, message", [("VVV,XXX", "XXX"), (",", "covariance names")])
def test_report_rejects_bad_covariance_list(capsys, tmp_path, names, message):
    code, out, err = run(capsys, "report", "--dataset", "faithful", "--covariance", names, "--out", tmp_path / "r.html")
    assert_one_error_line(code, out, err, 2, message)
    assert not (tmp_path / "r.html").exists()


def test_fit_hmm_matches_the_api_and_saves(capsys, tmp_path, faithful):
    out_path = tmp_path / "hmm.nc"
    code, out, err = run(
        capsys, "fit", "--dataset", "faithful", "--columns", "waiting", "--hmm", "--states", 2,
        "--n-init", 2, "--seed", 0, "--out", out_path,
    )
    assert code == 0, err
    expected = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2).fit(
        faithful[["waiting"]], n_init=2, random_state=0
    )
    assert log_likelihood_line(expected) in out
    assert "hidden Markov model with 2 states" in out and "transmat[1]" in out
    assert em.load_fit(out_path).params.identical(expected.params)


def test_fit_hmm_with_sequence_column(capsys, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "id": np.repeat(["s1", "s2", "s3"], [60, 50, 40]),
        "y": np.r_[rng.normal(0, 1, 60), rng.normal(5, 1, 50), rng.normal(0, 1, 40)] + 100,
    })
    path = tmp_path / "sequences.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "fit", path, "--hmm", "--states", 2, "--sequence-column", "id", "--seed", 0)
    assert code == 0, err
    expected = em.HiddenMarkovModel(em.Gaussian(), 2).fit(frame[["y"]], lengths=[60, 50, 40], random_state=0)
    assert log_likelihood_line(expected) in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--states", 2], "--states and --sequence-column need --hmm"),
        (["--hmm", "--sequence-column", "nope"], "has no column 'nope' (--sequence-column)"),
    ],
)
def test_fit_hmm_option_errors(capsys, argv, message):
    code, out, err = run(capsys, "fit", "--dataset", "faithful", *argv)
    assert code != 0 and message in err and out == ""


def test_fit_hmm_starts_as_the_library_unless_told(capsys, faithful):
    """Without --init/--n-init: the library's screened start and restarts; with them, exactly those."""
    waiting = faithful[["waiting"]]
    code, out, err = run(capsys, "fit", "--dataset", "faithful", "--columns", "waiting", "--hmm", "--states", 2)
    assert code == 0, err
    library = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2).fit(waiting, random_state=0)
    assert log_likelihood_line(library) in out
    assert f"of {library.trace.sizes['restart']}), each restart from the best of 10 short runs" in out
    code, out, err = run(capsys, "fit", "--dataset", "faithful", "--columns", "waiting", "--hmm", "--states", 2,
                         "--init", "kmeans++", "--n-init", 4)
    assert code == 0, err
    told = em.HiddenMarkovModel(em.Gaussian("full"), n_states=2).fit(waiting, init="kmeans++", n_init=4,
                                                                     random_state=0)
    assert log_likelihood_line(told) in out and "(restart" in out and "of 4)" in out and "short runs" not in out


@pytest.mark.parametrize("command", ["fit", "report"])
def test_help_names_both_model_kinds(capsys, command):
    code, out, err = run(capsys, command, "--help")
    assert code == 0
    description = " ".join(out.split("\n\n")[1].split())
    assert description.startswith("Fit Gaussian mixtures" if command == "report" else "Fit a Gaussian mixture")
    assert "hidden Markov model" in description

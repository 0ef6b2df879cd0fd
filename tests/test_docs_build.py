"""The documentation site builds with warnings as errors, running every example.

The sources (``docs/`` and ``examples/``) are copied to a temporary directory and
built there, so the gallery's generated pages and the output never touch the
source tree, and every example runs afresh (no cached gallery pages).
"""

import html
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import emkit

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.py"))
#: What a build generates inside ``docs/``: not sources, so not copied.
GENERATED = ("_build", "auto_examples", "generated", "sg_execution_times.rst")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The HTML output of ``sphinx-build -W -b html`` on a copy of the sources."""
    work = tmp_path_factory.mktemp("docs_build")
    shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(ROOT / "examples", work / "examples")
    html = work / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               "-d", str(work / "doctrees"), str(work / "docs"), str(html)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-5000:]
    return html


def test_landing_page_shows_the_readme_commands_and_a_figure(site):
    page = (site / "index.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))  # code blocks are split into highlighted spans
    commands = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("pip install")][:2]
    assert len(commands) == 2
    for command in commands:
        assert command in text, command
    assert 'src="_images/sphx_glr_faithful_gmm_002.png"' in page


@pytest.mark.parametrize("name", emkit.__all__)
def test_every_public_name_has_an_api_page(site, name):
    assert (site / "api" / "generated" / f"emkit.{name}.html").is_file()


def test_plot_functions_and_family_protocol_are_documented(site):
    plots = (site / "api" / "generated" / "emkit.plot.html").read_text()
    for name in emkit.plot.__all__:
        assert f'id="emkit.plot.{name}"' in plots, name
    protocol = (site / "api" / "protocol.html").read_text()
    for method in ("log_prob", "stats", "m_step", "n_params", "sample", "to_dataset", "from_dataset"):
        assert f'id="emkit.components.base.Family.{method}"' in protocol, method


def test_sklearn_estimators_have_api_pages(site):
    for name in ("GaussianMixture", "MixtureModel", "GaussianHMM", "HiddenMarkovModel", "bic_scorer", "aic_scorer"):
        assert (site / "api" / "generated" / f"emkit.sklearn.{name}.html").is_file(), name


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_page_has_its_output_and_figure(site, example):
    page = (site / "auto_examples" / f"{example}.html").read_text()
    assert "sphx-glr-script-out" in page  # the script printed something
    figure = f"sphx_glr_{example}_001.png"
    assert figure in page
    assert (site / "_images" / figure).is_file()


def test_search_index_holds_the_pages(site):
    index = (site / "searchindex.js").read_text()
    assert (site / "search.html").is_file()
    for word in ("baum", "jensen", "mclust"):  # words of the user guide and the theory chapter
        assert f'"{word}' in index, word


def test_examples_exist():
    assert len(EXAMPLES) >= 10

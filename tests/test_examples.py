"""Every script in examples/ runs to completion."""

import pathlib
import runpy
import sys

import matplotlib
import pytest

matplotlib.use("Agg")

EXAMPLES = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script)])  # each script's own defaults, not pytest's arguments
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_examples_exist():
    assert EXAMPLES


NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(notebook, tmp_path, monkeypatch):
    import json
    import warnings

    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    cells = [c for c in json.loads(notebook.read_text()).get("cells", []) if c["cell_type"] == "code"]
    assert cells
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for number, cell in enumerate(cells):
            source = "".join(cell["source"])
            exec(compile(source, f"{notebook.name}[cell {number}]", "exec"), namespace)
            plt.close("all")


def test_notebooks_exist():
    assert NOTEBOOKS

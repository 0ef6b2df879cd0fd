"""Every notebook in examples/ runs on a Jupyter kernel, showing its figures.

The ``.py`` scripts run when the documentation is built, as the example gallery
(tests/test_docs_build.py checks that each one printed its output and drew its figure).
"""

import os
import pathlib
import re

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("*.ipynb"))
#: A call that draws one figure in a notebook cell.
PLOT_CALL = re.compile(r"\b(?:em\.plot|az)\.plot_\w+\(")


def executed(notebook, directory):
    """The notebook run top to bottom on a Jupyter kernel (this interpreter), in ``directory``."""
    import nbclient
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    env = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}  # the kernel's inline backend
    resources = {"metadata": {"path": directory}}
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources)
    client.execute(env=env)
    return nb


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_on_a_kernel_shows_its_figures_and_no_noise(notebook, tmp_path):
    cells = [cell for cell in executed(notebook, str(tmp_path)).cells if cell.cell_type == "code"]
    assert cells
    for cell in cells:
        outputs = cell.outputs
        assert not [o for o in outputs if o.output_type == "error"]
        assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"], cell.source
        figures = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(figures) == len(PLOT_CALL.findall(cell.source)), cell.source  # each plot once, no other
    assert any(PLOT_CALL.search(cell.source) for cell in cells)


def test_notebooks_exist():
    assert NOTEBOOKS

"""The package's layers import only downwards (docs/architecture.md): checked on the source's import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emkit"

#: From the bottom up; a module may import from its own layer and the layers before it.
LAYERS = [
    {"_input", "_missing_input", "_dask_input", "_sequence_input", "_labels", "_blas", "notices", "exceptions", "datasets"},
    {"components"},
    {"latent"},
    {"em"},
    {"results"},
    {"diagnostics"},
    {"plots"},
    {"estimators", "hidden_markov"},
    {"selection", "bootstrap"},
    {"report"},
    {"cli", "sklearn"},
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def top_level_of(path: Path) -> str:
    """The package's top-level module or sub-package ``path`` belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_top_levels(path: Path, source: str | None = None) -> set[str]:
    """The package's top-level modules and sub-packages ``path`` (or ``source`` placed there) imports from."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[: len(package) - (node.level - 1)]
        if base:
            found.add(base[0])
        elif node.module:
            found.add(node.module.split(".")[0])
        else:
            found.update(alias.name for alias in node.names)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != "__init__.py")


def test_every_top_level_module_has_a_layer():
    assert {top_level_of(p) for p in MODULES} <= set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    own = top_level_of(path)
    upward = sorted(name for name in imported_top_levels(path) if RANK.get(name, -1) > RANK[own])
    assert not upward, f"{path.relative_to(PACKAGE)} ({own}) imports {upward}, a layer above it"


@pytest.mark.parametrize(
    "line, found",
    [("from ..em.driver import run_em", "em"), ("from .. import notices", "notices"), ("from .base import Family", "components")],
)
def test_the_check_reads_each_form_of_relative_import(line, found):
    """A family importing the driver would be seen (and refused: ``em`` is above ``components``)."""
    base = PACKAGE / "components" / "base.py"
    assert found in imported_top_levels(base, base.read_text() + "\n" + line + "\n")
    assert found not in imported_top_levels(base) or found in ("notices", "components")

"""The family registry: saved descriptions rebuild families, and it sits below every family (no import cycle)."""

import ast
import graphlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import emkit.components as components
from emkit.components.registry import family_from_spec, register_family

COMPONENTS_DIR = Path(components.__file__).parent

#: Family descriptions exactly as fits saved by earlier versions of emkit hold
#: them (the JSON in ``params.attrs["model"]``); they must keep loading.
SAVED_SPECS = [
    '{"kind": "gaussian", "covariance": "VVI", "n_components": 2, "reg_covar": 1e-06}',
    '{"kind": "student_t", "covariance": "VVV", "dof": null, "n_components": 2, "reg_covar": 1e-06}',
    '{"kind": "poisson", "n_components": 2}',
    '{"kind": "bernoulli", "n_components": 2}',
    '{"kind": "categorical", "n_components": 2, "n_categories": null, "max_categories": 10000, "labels": null,'
    ' "features": null}',
    '{"kind": "exponential", "n_components": 2}',
    '{"kind": "gamma", "n_components": 2}',
    '{"kind": "lognormal", "n_components": 2, "reg_var": 1e-06}',
    '{"kind": "vonmises", "n_components": 2}',
    '{"kind": "uniform", "n_components": 1, "expand": 0.0}',
    '{"kind": "regression", "n_components": 2, "target": "y", "features": ["x"], "intercept": true, "reg_var": 1e-06}',
    '{"kind": "scipy", "n_components": 2, "dist": "laplace"}',
    '{"kind": "gaussian_mixture", "covariance": "VVV", "n_mixture": 2, "n_components": 2, "reg_covar": 1e-06}',
    '{"kind": "independent", "n_components": 2, "parts": [[["h"], {"kind": "gaussian", "covariance": "VVV",'
    ' "n_components": 2, "reg_covar": 1e-06}], [["a", "b"], {"kind": "poisson", "n_components": 2}], [["c"],'
    ' {"kind": "categorical", "n_components": 2, "n_categories": null, "max_categories": 10000, "labels": null,'
    ' "features": null}]]}',
]
#: A user log-density cannot be rebuilt from a file, but its kind is known.
SAVED_LOGPDF_SPEC = '{"kind": "logpdf", "n_components": 1, "name": "expo", "parameters": {"rate": ["positive", 2.0]}}'


def _package_imports(path: Path) -> set[str]:
    """Sibling modules ``path`` imports anywhere in its code, deferred imports inside functions included."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            imported.update([node.module.split(".")[0]] if node.module else [alias.name for alias in node.names])
    return imported


def _imports_of_emkit(path: Path) -> list[str]:
    """Every emkit module ``path`` imports anywhere in its code, relative or absolute."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("emkit")):
            found.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if alias.name.startswith("emkit"))
    return found


def test_registry_imports_no_emkit_module():
    assert _imports_of_emkit(COMPONENTS_DIR / "registry.py") == []


def test_component_modules_import_each_other_without_cycle():
    graph = {path.stem: _package_imports(path) for path in COMPONENTS_DIR.glob("*.py")}
    assert "registry" in graph["independent"]  # the family that rebuilds its parts from their descriptions
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order.index("registry") < order.index("independent")


@pytest.mark.parametrize("saved", SAVED_SPECS, ids=lambda s: json.loads(s)["kind"])
def test_saved_description_rebuilds_the_same_family(saved):
    spec = json.loads(saved)
    assert family_from_spec(spec).spec() == spec


def test_every_exported_family_kind_is_registered():
    exported = {getattr(components, name) for name in components.__all__}
    kinds = {cls.kind for cls in exported if isinstance(getattr(cls, "kind", None), str)} - {""}  # "": base classes
    saved_kinds = {json.loads(s)["kind"] for s in [*SAVED_SPECS, SAVED_LOGPDF_SPEC]}
    assert kinds == saved_kinds
    with pytest.raises(ValueError, match="user log-density 'expo'"):
        family_from_spec(json.loads(SAVED_LOGPDF_SPEC))


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="unknown component family 'no-such-family'"):
        family_from_spec({"kind": "no-such-family", "n_components": 2})


@pytest.mark.parametrize("kind", [None, "", 3])
def test_registering_a_class_without_kind_names_the_fix(kind):
    no_kind = type("NoKind", (), {} if kind is None else {"kind": kind})
    with pytest.raises(TypeError, match="'NoKind' has no `kind` name; set a class attribute"):
        register_family(no_kind)


def test_registry_imported_first_in_a_fresh_interpreter():
    script = (
        "import json, sys\n"
        "from emkit.components.registry import family_from_spec\n"
        "for line in sys.stdin.read().splitlines():\n"
        "    print(json.dumps(family_from_spec(json.loads(line)).spec()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input="\n".join(SAVED_SPECS), capture_output=True, text=True, check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [json.loads(s) for s in SAVED_SPECS]

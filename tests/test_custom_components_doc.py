"""The code in docs/custom_components.md runs, in order, and its claims (asserts) hold."""

import re
from pathlib import Path

import numpy as np

DOC = Path(__file__).resolve().parents[1] / "docs" / "custom_components.md"


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_doc_has_code_for_every_route():
    blocks = python_blocks(DOC.read_text())
    code = "\n".join(blocks)
    assert len(blocks) >= 8
    for needle in ("ParametricFamily", "SumStats", "WeightedSample", "em.from_logpdf", "em.from_scipy"):
        assert needle in code, needle


def test_doc_code_runs_in_order_and_its_claims_hold():
    namespace = {"__name__": "custom_components_doc"}
    for i, block in enumerate(python_blocks(DOC.read_text())):
        exec(compile(block, f"{DOC.name}[block {i}]", "exec"), namespace)
    # What the prose says, beyond the asserts in the blocks:
    # the Rayleigh fit recovered both scales,
    assert np.allclose(np.sort(namespace["fit"].params.sigma.values[:, 0]), [1.0, 6.0], rtol=0.05)
    # the Laplace closed form and the numeric route agree,
    laplace, numeric = namespace["laplace_fit"], namespace["numeric_fit"]
    np.testing.assert_allclose(numeric.params["scale"].values, laplace.params["scale"].values, rtol=0.01)
    # and the gamma fit reloads exactly.
    assert namespace["loaded"].params.identical(namespace["gamma_fit"].params)

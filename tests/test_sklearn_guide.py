"""Every ``python`` block of docs/sklearn.md runs, in order, in one namespace (their asserts included)."""

from __future__ import annotations

import pathlib
import re

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "sklearn.md"


def test_the_guides_code_runs():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)

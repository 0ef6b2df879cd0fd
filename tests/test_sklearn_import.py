"""emkit.sklearn is optional: emkit does not import it, and without scikit-learn it says how to install it."""

from __future__ import annotations

import subprocess
import sys

import emkit.sklearn

#: In a fresh interpreter: ``import emkit`` leaves emkit.sklearn alone; then, scikit-learn hidden
#: (a None entry in sys.modules makes its import fail as if it were not installed), importing it fails.
PROBE = """
import sys, emkit
assert "emkit.sklearn" not in sys.modules, "import emkit imported emkit.sklearn"
sys.modules["sklearn"] = None
import emkit.sklearn
"""


def test_optional_import():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert "AssertionError" not in done.stderr, done.stderr
    assert 'ImportError: emkit.sklearn needs scikit-learn; install it with: pip install "emkit[sklearn]"' in done.stderr


def test_public_names():
    assert sorted(emkit.sklearn.__all__) == [
        "GaussianHMM", "GaussianMixture", "HiddenMarkovModel", "MixtureModel", "aic_scorer", "bic_scorer",
    ]

"""Every family's optional hooks are declared once (emkit.components.capabilities), by class."""

import dataclasses
import re
from pathlib import Path

import pytest
import scipy.stats

import emkit as em
from emkit.components.capabilities import Capabilities, capabilities, declared, missing_hooks, working_floats
from emkit.latent.mixture import FiniteMixture

DOC = Path(__file__).resolve().parents[1] / "docs" / "custom_components.md"

#: What ParametricFamily gives every subclass: describe, check_data, degenerate_components and the free parameters.
PARAMETRIC = Capabilities(check_data=True, degenerate=True, free_params=True, describe=True)
LOCATION_SCALE = Capabilities(
    one_pass=True, evaluate=True, float32=True, check_data=True, degenerate=True, free_params=True,
    working_floats=True, describe=True,
)

#: A product over features that marginalises a missing feature (evaluate_observed).
MARGINALIZING = dataclasses.replace(PARAMETRIC, marginalize=True)

# Written out from what each family class implements (or inherits).
EXPECTED = {
    "Gaussian": (em.Gaussian("full", 2), dataclasses.replace(
        LOCATION_SCALE, blocked=True, log_prior=True, marginalize=True)),
    "StudentT": (em.StudentT("full", 2), LOCATION_SCALE),
    "Poisson": (em.Poisson(2), dataclasses.replace(MARGINALIZING, log_prior=True)),
    "Bernoulli": (em.Bernoulli(2), MARGINALIZING),
    "Exponential": (em.Exponential(2), MARGINALIZING),
    "Gamma": (em.Gamma(2), MARGINALIZING),
    "LogNormal": (em.LogNormal(2), MARGINALIZING),
    "VonMises": (em.VonMises(2), MARGINALIZING),
    "Uniform": (em.Uniform(), PARAMETRIC),
    "Categorical": (em.Categorical(2), Capabilities(
        evaluate=True, check_data=True, degenerate=True, free_params=True, bind=True, describe=True,
        log_prior=True, marginalize=True)),
    "from_scipy": (em.from_scipy("gamma", n_components=2), PARAMETRIC),
    "from_logpdf": (em.from_logpdf(scipy.stats.norm.logpdf, {"loc": ("real", 0.0)}, 2), PARAMETRIC),
    "Independent": (em.Independent({"a": em.Gaussian(), "b": em.Poisson()}, 2), Capabilities(
        evaluate=True, check_data=True, degenerate=True, free_params=True, bind=True, working_floats=True,
        describe=True, log_prior=True, marginalize=True)),
    "Regression": (em.Regression("y", ["x"], n_components=2), Capabilities(
        check_data=True, degenerate=True, free_params=True, bind=True, working_floats=True, describe=True)),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_built_in_family_declares_what_it_implements(name):
    family, expected = EXPECTED[name]
    assert capabilities(family) == expected


def rayleigh_from_the_docs():
    """The Rayleigh family of the first code block of docs/custom_components.md."""
    block = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)[0]
    namespace = {"__name__": "capabilities_doc"}
    exec(compile(block, f"{DOC.name}[block 0]", "exec"), namespace)
    return namespace["Rayleigh"]


def test_the_custom_family_of_the_docs_gets_what_its_base_class_gives():
    rayleigh = rayleigh_from_the_docs()(2)
    assert capabilities(rayleigh) == PARAMETRIC
    assert (declared(rayleigh, "default_init"), declared(rayleigh, "accepts_categorical")) == ("kmeans++", False)
    assert declared(rayleigh, "used_columns") is None
    assert working_floats(rayleigh, 3) == 2 * 3


class Bare:
    """Required members only, and an instance attribute that a class-level declaration ignores."""

    n_components = 2

    def __init__(self):
        self.supports_float32 = True
        self.bind = lambda features: self


def test_a_family_with_the_required_members_only_has_no_capabilities():
    bare = Bare()
    assert capabilities(bare) == Capabilities()
    assert missing_hooks(bare, "free_params") == ("free_parameters", "with_free_parameters", "free_parameter_bounds")
    assert working_floats(bare, 5) == 2 * 5


def test_a_float32_declaration_must_be_the_value_true():
    class Truthy(Bare):
        supports_float32 = 1

    class Declared(Bare):
        supports_float32 = True

    assert not capabilities(Truthy()).float32
    assert capabilities(Declared()).float32


@pytest.mark.parametrize("family", [em.Gaussian("full", 3), em.Gaussian("VVI", 3), em.StudentT("full", 3)])
@pytest.mark.parametrize("d", [1, 4])
def test_one_pass_families_size_fit_chunks_by_responsibilities_and_a_difference_row(family, d):
    K = family.n_components
    assert FiniteMixture([family]).fit_floats_per_row(d) == 2 * K + 2 * d


def test_fit_chunks_without_a_one_pass_family_are_sized_by_every_family():
    # 2 floats per component of the mixture (2K of them) for log-joint and responsibilities,
    # the Gaussian's own 2K(d + 1), and Poisson's default K d.
    K, d = 3, 2
    mixed = FiniteMixture([em.Gaussian("full", K), em.Poisson(K)])
    assert mixed.fit_floats_per_row(d) == 2 * (2 * K) + 2 * K * (d + 1) + K * d

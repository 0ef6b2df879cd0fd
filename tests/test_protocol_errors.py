"""A user family that breaks the protocol gets a clear error, not a numpy traceback."""

import numpy as np
import pytest

import emkit as em
from emkit.components.parametric import SumStats


class HalfFamily:
    n_components = 1

    def log_prob(self, x):
        return np.zeros((len(x), 1))


class WrongShape(em.ParametricFamily):
    kind = "test-wrong-shape"
    param_dims = {"centre": ("feature",)}

    def log_prob(self, x):
        return -np.square(x - self.params["centre"][0]).sum(axis=1)  # (n,) instead of (n, K)

    def stats(self, x, resp):
        return SumStats.of(resp, total=resp.T @ x)

    def m_step(self, stats):
        return self.with_params(centre=stats.sums["total"] / stats.weight[:, None])

    def n_params(self):
        return self.params["centre"].size

    def sample(self, component, rng):
        return self.params["centre"][component]


def test_an_object_missing_protocol_members_is_named():
    with pytest.raises(TypeError, match="HalfFamily is not a component family: it lacks is_fitted, stats, m_step"):
        em.Mixture(HalfFamily(), n_components=2)


def test_a_log_prob_of_the_wrong_shape_is_named():
    x = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(TypeError, match=r"WrongShape.log_prob must return floats of shape \(n, K\) = \(50, 2\)"):
        em.Mixture(WrongShape(), n_components=2).fit(x)


class WrongOnePass(WrongShape):
    kind = "test-wrong-one-pass"

    def log_prob(self, x):
        return -np.square(x[:, None, :] - self.params["centre"][None]).sum(axis=2)

    def one_pass_kernel(self):
        return (None, None, None)  # not a OnePassKernel


def test_a_one_pass_e_step_of_the_wrong_type_is_named():
    x = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(TypeError, match="WrongOnePass.one_pass_kernel must return a OnePassKernel, got tuple"):
        em.Mixture(WrongOnePass(), n_components=2).fit(x)

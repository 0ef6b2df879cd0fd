"""Parameters given as ``init=`` match the data's columns by name, whatever their order.

The log-likelihood at given parameters (``max_iter=0``) is checked against
scipy densities (mixtures) and a log-space forward recursion (hidden Markov
models), with the parameters read by feature name, for both column orders.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats
from scipy.special import logsumexp

import emkit as em

ORDERS = [["a", "b", "c"], ["c", "a", "b"]]


def gaussian_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    state = (np.arange(n) // 50) % 2
    centres = np.array([[0.0, 5.0, -3.0], [4.0, -1.0, 2.0]])
    x = centres[state] + rng.normal(size=(n, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 2.0]])
    return pd.DataFrame(x, columns=["a", "b", "c"])


def mixed_frame(n=300, seed=1):
    rng = np.random.default_rng(seed)
    state = (np.arange(n) // 30) % 2
    return pd.DataFrame({
        "rt": rng.normal(np.where(state == 0, 0.4, 0.8), 0.1),
        "correct": np.where(rng.random(n) < np.where(state == 0, 0.9, 0.3), "yes", "no"),
    })


def gaussian_log_densities(params, frame, latent):
    """log f_k(x_i) of each row under each component or state, the parameters read by name."""
    columns = list(frame.columns)
    means = params.means.sel(feature=columns)
    covariances = params.covariances.sel(feature=columns, feature2=columns)
    return np.column_stack([
        stats.multivariate_normal(means.isel({latent: k}).values, covariances.isel({latent: k}).values).logpdf(
            frame.to_numpy()
        )
        for k in range(params.sizes[latent])
    ])


def mixed_log_densities(params, frame, latent):
    rt = params.means.sel(feature="rt")
    sd = np.sqrt(params.covariances.sel(feature="rt", feature2="rt"))
    probs = params.probs.sel(feature="correct")
    return np.column_stack([
        stats.norm(rt.isel({latent: k}).item(), sd.isel({latent: k}).item()).logpdf(frame["rt"])
        + np.log(probs.isel({latent: k}).sel(category=frame["correct"].to_numpy()).values)
        for k in range(params.sizes[latent])
    ])


def mixture_log_likelihood(params, log_densities):
    return logsumexp(log_densities + np.log(params.weights.values), axis=1).sum()


def forward_log_likelihood(params, log_densities):
    with np.errstate(divide="ignore"):  # a fitted start or transition probability may be exactly 0
        alpha = np.log(params.startprob.values) + log_densities[0]
        log_transmat = np.log(params.transmat.values)
    for row in log_densities[1:]:
        alpha = logsumexp(alpha[:, None] + log_transmat, axis=0) + row
    return logsumexp(alpha)


CASES = {
    "gaussian mixture": (
        lambda: em.Mixture(em.Gaussian("full"), 2), gaussian_frame, ORDERS, gaussian_log_densities,
        "component", mixture_log_likelihood,
    ),
    "gaussian hmm": (
        lambda: em.HiddenMarkovModel(em.Gaussian("full"), 2), gaussian_frame, ORDERS, gaussian_log_densities,
        "state", forward_log_likelihood,
    ),
    "independent mixture": (
        lambda: em.Mixture(em.Independent({"rt": em.Gaussian(), "correct": em.Categorical()}), 2),
        mixed_frame, [["rt", "correct"], ["correct", "rt"]], mixed_log_densities, "component", mixture_log_likelihood,
    ),
    "independent hmm": (
        lambda: em.HiddenMarkovModel(em.Independent({"rt": em.Gaussian(), "correct": em.Categorical()}), 2),
        mixed_frame, [["rt", "correct"], ["correct", "rt"]], mixed_log_densities, "state", forward_log_likelihood,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_given_parameters_score_the_data_whatever_the_column_order(case):
    declare, simulate, orders, log_densities, latent, log_likelihood = CASES[case]
    frame = simulate()
    params = declare().fit(frame[orders[0]], random_state=0, n_init=1).params
    for order in orders:
        data = frame[order]
        rescored = declare().fit(data, init=params, max_iter=0)
        expected = log_likelihood(params, log_densities(params, data, latent))
        assert rescored.log_likelihood == pytest.approx(expected, rel=1e-10)
        assert list(rescored.params.feature.values) == order
        xr.testing.assert_allclose(rescored.params.means.sel(feature=orders[0]), params.means, rtol=1e-12)


def test_parameters_lacking_a_column_of_the_data_name_it():
    frame = gaussian_frame()
    params = em.Mixture(em.Gaussian("full"), 2).fit(frame, random_state=0, n_init=1).params
    renamed = frame.rename(columns={"b": "height"})
    with pytest.raises(ValueError, match="lack the feature 'height' of the data \\(their features: a, b, c\\)"):
        em.Mixture(em.Gaussian("full"), 2).fit(renamed, init=params, max_iter=0)


def test_parameters_of_a_fit_to_a_plain_array_are_read_by_position():
    frame = gaussian_frame()
    params = em.Mixture(em.Gaussian("full"), 2).fit(frame.to_numpy(), random_state=0, n_init=1).params
    rescored = em.Mixture(em.Gaussian("full"), 2).fit(frame, init=params, max_iter=0)
    expected = mixture_log_likelihood(params, gaussian_log_densities(params.assign_coords(
        feature=["a", "b", "c"], feature2=["a", "b", "c"]
    ), frame, "component"))
    assert rescored.log_likelihood == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("init", [None, 3, 2.5])
@pytest.mark.parametrize("model", [em.Mixture(em.Gaussian(), 2), em.HiddenMarkovModel(em.Gaussian(), 2)])
def test_an_init_that_is_no_start_lists_the_choices(model, init):
    x = gaussian_frame()[["a"]]
    choices = "choose one of auto, kmeans\\+\\+, .*responsibilities"
    with pytest.raises(TypeError, match=f"init={init} is not a start; {choices}"):
        model.fit(x, init=init)

"""Model selection over the number of components of any declared model."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import logsumexp

import emkit as em


@pytest.fixture(scope="module")
def counts():
    """600 counts from three well-separated Poisson rates."""
    return np.random.default_rng(3).poisson(np.repeat([1.0, 10.0, 30.0], 200))


@pytest.fixture(scope="module")
def poisson_selection(counts):
    return em.select(counts, n_components=range(1, 7), model=em.Mixture(em.Poisson()))


def _poisson_mixture_loglik(x, weights, rates):
    """Observed-data log-likelihood of a Poisson mixture, from scipy."""
    return logsumexp(np.log(weights) + stats.poisson.logpmf(x[:, None], rates), axis=1).sum()


def _answers(n, p, labels, rng):
    """``n`` categorical answers drawn with probabilities ``p`` over ``labels``."""
    return rng.choice(labels, size=n, p=p)


def test_poisson_selection_picks_three_rates(poisson_selection):
    assert poisson_selection.best_key == ("Poisson", 3)
    assert list(poisson_selection.grid.covariance.values) == ["Poisson"]
    assert poisson_selection.grid.attrs["model"] == "Poisson"


def test_poisson_bic_is_minus_two_loglik_plus_penalty_of_separate_fits(counts, poisson_selection):
    n = counts.size
    for k in poisson_selection.grid.n_components.values:
        fit = em.Mixture(em.Poisson(), n_components=int(k)).fit(counts, random_state=0)
        weights = fit.params.weights.values
        rates = fit.params.rate.values.ravel()
        n_params = 2 * k - 1  # k rates and k - 1 free weights
        expected = -2 * _poisson_mixture_loglik(counts, weights, rates) + n_params * np.log(n)
        cell = poisson_selection.grid.sel(covariance="Poisson", n_components=k)
        assert int(cell.n_params) == n_params
        np.testing.assert_allclose(float(cell.bic), expected, rtol=1e-9)


def test_latent_class_selection_on_text_columns_picks_two():
    rng = np.random.default_rng(0)
    profiles = {0: [0.8, 0.1, 0.1], 1: [0.1, 0.2, 0.7]}
    classes = np.repeat([0, 1], 300)
    df = pd.DataFrame({
        f"q{j}": np.concatenate([_answers(300, profiles[c], ["no", "maybe", "yes"], rng) for c in (0, 1)])
        for j in range(5)
    })
    sel = em.select(df, n_components=range(1, 5), model=em.Categorical())
    assert sel.best_key == ("Categorical", 2)
    fit = sel.best
    agreement = (fit.predict(df) == classes).mean()
    assert max(agreement, 1 - agreement) > 0.95
    # 2 classes x 5 questions x 2 free probabilities each, plus one free weight
    assert sel.grid.n_params.sel(covariance="Categorical", n_components=2).item() == 2 * 5 * 2 + 1


def test_independent_mixed_model_selection_picks_two():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "height": np.r_[rng.normal(160, 5, 250), rng.normal(185, 5, 250)],
        "visits": np.r_[rng.poisson(2, 250), rng.poisson(9, 250)],
        "group": np.r_[_answers(250, [0.9, 0.1], ["x", "y"], rng), _answers(250, [0.2, 0.8], ["x", "y"], rng)],
    })
    model = em.Independent({"height": em.Gaussian(), "visits": em.Poisson(), "group": em.Categorical()})
    sel = em.select(df, n_components=[1, 2, 3, 4], model=model)
    assert sel.best_key == ("Independent", 2)
    # per component: mean and variance, a rate, one free probability; plus K - 1 weights
    assert sel.grid.n_params.values.ravel().tolist() == [4 * k + k - 1 for k in (1, 2, 3, 4)]


def test_cells_that_cannot_be_fitted_are_never_chosen():
    sel = em.select([0, 1, 5, 6, 20], n_components=[1, 2, 8], model=em.Poisson())
    assert "fewer than the 8 components" in str(sel.grid.error.sel(n_components=8).item())
    assert sel.best_key[1] != 8
    assert sel.marked_table().loc[8, "Poisson"] == "failed"


def test_degenerate_cells_are_never_chosen_even_with_the_lowest_criterion():
    x = np.random.default_rng(0).normal(size=(5, 2))
    sel = em.select(x, n_components=[1, 2], model=em.Gaussian("spherical"))
    bic = sel.grid.bic.sel(covariance="Gaussian")
    assert bool(sel.grid.degenerate.sel(covariance="Gaussian", n_components=2))
    assert float(bic.sel(n_components=2)) < float(bic.sel(n_components=1))
    assert sel.best_key == ("Gaussian", 1)
    assert sel.marked_table().loc[2, "Gaussian"] == "degenerate"


def test_report_of_a_model_selection_names_the_chosen_model(counts, poisson_selection):
    html = em.report(poisson_selection, counts)
    assert "<b>Poisson with 3 components</b>" in html


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"model": em.Poisson(), "covariance": ["VVV"]}, ValueError, ("model", "covariance")),
        ({"model": em.Poisson(), "reg_covar": 1e-3}, ValueError, ("reg_covar", "model")),
        ({"model": em.Mixture([em.Poisson(), em.Gaussian()])}, ValueError, ("model", "2 families")),
        ({"model": "Poisson"}, TypeError, ("model", "not a component family")),
    ],
)
def test_bad_model_arguments_are_refused_before_fitting(counts, kwargs, error, words):
    with pytest.raises(error) as caught:
        em.select(counts, n_components=[1, 2], **kwargs)
    assert all(word in str(caught.value) for word in words)


def test_text_columns_are_refused_when_the_model_takes_no_categories():
    df = pd.DataFrame({"colour": ["red", "blue"] * 10})
    with pytest.raises(TypeError, match="colour"):
        em.select(df, n_components=[1, 2], model=em.Poisson())

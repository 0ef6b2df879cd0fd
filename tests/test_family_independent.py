"""Independent: products of families over named column groups, for mixed data frames.

The conformance checks of DESIGN.md for this family (on numeric columns) are in test_conformance_suite.py.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emkit as em
from conformance import check_round_trip, check_sample_shape


def mixed_frame(n, rng):
    labels = rng.integers(2, size=n)
    frame = pd.DataFrame(
        {
            "height": np.where(labels, rng.normal(180, 5, n), rng.normal(160, 5, n)),
            "weight": np.where(labels, rng.normal(80, 8, n), rng.normal(60, 8, n)),
            "visits": np.where(labels, rng.poisson(9, n), rng.poisson(2, n)),
            "colour": np.where(
                labels, rng.choice(["red", "blue"], n, p=[0.8, 0.2]), rng.choice(["red", "blue", "green"], n, p=[0.1, 0.3, 0.6])
            ),
        }
    )
    return frame, labels


def model(K=2):
    parts = {("height", "weight"): em.Gaussian("full"), "visits": em.Poisson(), "colour": em.Categorical()}
    return em.Mixture(em.Independent(parts), n_components=K)


def test_log_prob_is_the_sum_of_the_parts():
    rng = np.random.default_rng(0)
    frame, labels = mixed_frame(300, rng)
    fit = model().fit(frame, n_init=3, random_state=0)
    x = frame.assign(colour=pd.Categorical(frame.colour).codes).to_numpy(dtype=float)
    family = fit.mixture.families[0]
    gauss, poisson, categorical = family.parts
    covs = gauss.covariance_matrices()
    labels_order = fit.params.category.values.tolist()
    for k in range(2):
        expected = (
            stats.multivariate_normal(gauss.means[k], covs[k]).logpdf(x[:, :2])
            + stats.poisson(poisson.params["rate"][k, 0]).logpmf(x[:, 2])
            # a probability estimated as 0 has log-density log(5e-324), emkit's documented floor
            + np.log(np.maximum(fit.params.probs.sel(feature="colour").values[k], np.nextafter(0, 1))[
                [labels_order.index(c) for c in frame.colour]
            ])
        )
        np.testing.assert_allclose(family.log_prob(x)[:, k], expected, rtol=1e-10)


def test_recovers_the_classes_and_parameters():
    rng = np.random.default_rng(2)
    frame, labels = mixed_frame(4_000, rng)
    fit = model().fit(frame, n_init=3, random_state=0)
    predicted = fit.predict(frame).values
    agreement = max((predicted == labels).mean(), (predicted != labels).mean())
    assert agreement > 0.98
    tall = int(np.argmax(fit.params.means.sel(feature="height").values))
    assert abs(fit.params.rate.sel(feature="visits").values[tall] - 9) < 0.3
    assert abs(fit.params.probs.sel(feature="colour", category="red").values[tall] - 0.8) < 0.03
    # Gaussian 2 x (2 + 3) + Poisson 2 + categorical 2 x 2 + 1 weight
    assert fit.n_params == 10 + 2 + 4 + 1


def test_round_trip_sampling_and_summary():
    rng = np.random.default_rng(3)
    frame, _ = mixed_frame(300, rng)
    fit = model().fit(frame, random_state=0)
    check_round_trip(fit, frame)
    check_sample_shape(fit)
    assert "rate[visits]" in fit.summary_text() and "rate[height]" not in fit.summary_text()


def test_bad_declarations_are_clear_errors():
    rng = np.random.default_rng(4)
    frame, _ = mixed_frame(50, rng)
    numeric = frame.drop(columns="colour")
    with pytest.raises(ValueError, match="no column 'age'"):
        em.Mixture(em.Independent({"age": em.Gaussian()}), 2).fit(numeric)
    with pytest.raises(ValueError, match="more than one part"):
        em.Independent({("height", "weight"): em.Gaussian(), "height": em.Poisson()})
    with pytest.raises(TypeError, match="non-empty dict"):
        em.Independent([em.Gaussian()])
    with pytest.raises(TypeError, match="'visits' maps to a tuple"):
        em.Independent({"visits": (em.Poisson(), [0])})
    with pytest.raises(ValueError, match="non-negative integer counts"):
        em.Mixture(em.Independent({"height": em.Poisson()}), 2).fit(numeric.assign(height=-numeric.height))

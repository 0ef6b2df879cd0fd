"""A hidden Markov model's data given as a list with one item per sequence.

Oracle: the same rows given once, concatenated by hand in a fixed column order, with
``lengths``; a list must give exactly that fit, and a list whose sequences do not have the
same columns is a ValueError naming the sequence and the columns.
"""

import numpy as np
import pandas as pd
import pytest

import emkit as em


@pytest.fixture(scope="module")
def frames():
    """Three sequences of a two-column DataFrame, states 6 SDs apart."""
    rng = np.random.default_rng(0)
    out = []
    for length in (120, 80, 60):
        states = np.repeat(rng.integers(0, 2, size=length // 20), 20)
        out.append(pd.DataFrame({"speed": rng.normal(6.0 * states, 1.0), "turn": rng.normal(-3.0 * states, 1.0)}))
    return out


def fit_hmm(X, **kwargs):
    return em.HiddenMarkovModel(em.Gaussian("VVI"), 2).fit(X, n_init=2, random_state=0, **kwargs)


def test_dataframes_in_a_list_are_matched_by_column_name(frames):
    reordered = [frames[0], frames[1][["turn", "speed"]], frames[2][["turn", "speed"]]]
    by_hand = fit_hmm(pd.concat(frames, ignore_index=True), lengths=[len(f) for f in frames])
    fit = fit_hmm(reordered)
    assert fit.features.tolist() == ["speed", "turn"]
    assert fit.log_likelihood == pytest.approx(by_hand.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(fit.params.means.values, by_hand.params.means.values, rtol=1e-10)
    assert fit.score(reordered) == pytest.approx(by_hand.log_likelihood, rel=1e-10)


def test_dataframes_with_other_column_names_are_refused_naming_the_sequence(frames):
    renamed = [frames[0], frames[1], frames[2].rename(columns={"turn": "heading"})]
    message = (
        r"X: sequence 2 has the columns \['speed', 'heading'\], but sequence 0 has \['speed', 'turn'\] "
        r"\(missing \['turn'\], not expected \['heading'\]\); every sequence needs the same columns, matched by name"
    )
    with pytest.raises(ValueError, match=message):
        fit_hmm(renamed)
    fit = fit_hmm(frames)
    with pytest.raises(ValueError, match=r"sequence 1 has the columns \['speed'\], but sequence 0 has \['speed', 'turn'\]"):
        fit.predict_proba([frames[0], frames[1][["speed"]]])


def test_arrays_with_other_column_counts_are_refused_naming_the_sequence(frames):
    arrays = [f.to_numpy() for f in frames]
    message = r"X: sequence 1 has 1 columns, but sequence 0 has 2; every sequence needs the same columns"
    with pytest.raises(ValueError, match=message):
        fit_hmm([arrays[0], arrays[1][:, :1], arrays[2]])
    with pytest.raises(ValueError, match=r"sequence 0 is a 3-D array"):
        fit_hmm([arrays[0][None], arrays[1]])
    with pytest.raises(ValueError, match=r"X: sequence 1 has no rows; every sequence needs at least one row"):
        fit_hmm([arrays[0], arrays[1][:0], arrays[2]])
    by_hand = fit_hmm(np.concatenate(arrays), lengths=[len(a) for a in arrays])
    assert fit_hmm(arrays).log_likelihood == pytest.approx(by_hand.log_likelihood, rel=1e-12)


def test_one_dimensional_arrays_are_sequences_of_one_column():
    rng = np.random.default_rng(1)
    pieces = [rng.normal(0.0, 1.0, 50), rng.normal(5.0, 1.0, (40, 1)), rng.normal(0.0, 1.0, 30)]
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(pieces, n_init=2, random_state=0)
    column = np.concatenate([np.ravel(p) for p in pieces])[:, None]
    by_hand = em.HiddenMarkovModel(em.Gaussian(), 2).fit(column, lengths=[50, 40, 30], n_init=2, random_state=0)
    assert fit.log_likelihood == pytest.approx(by_hand.log_likelihood, rel=1e-12)

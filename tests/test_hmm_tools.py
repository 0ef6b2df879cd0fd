"""Model selection, bootstrap and standard errors for hidden Markov model fits.

Oracles: direct fits (a selection cell is the model fitted alone), BIC's
closed form, binomial standard errors of transition probabilities when the
states are all but observed, and the spread of a parametric bootstrap.
"""

import numpy as np
import pytest

import emkit as em
from emkit.bootstrap import aligned

WAITING = em.datasets.load("faithful")[["waiting"]]


def simulate_chain(rng, transmat, means, lengths, sd=1.0):
    """Gaussian HMM sequences drawn with numpy alone: ``(x (n, 1), states)``; each starts in a stationary state."""
    transmat = np.asarray(transmat)
    eigenvalues, vectors = np.linalg.eig(transmat.T)
    stationary = np.real(vectors[:, np.argmin(abs(eigenvalues - 1))])
    stationary /= stationary.sum()
    states = []
    for length in lengths:
        path = [rng.choice(len(stationary), p=stationary)]
        for _ in range(length - 1):
            path.append(rng.choice(len(stationary), p=transmat[path[-1]]))
        states += path
    states = np.array(states)
    return (np.asarray(means)[states] + sd * rng.standard_normal(len(states)))[:, None], states


def in_fit_labels(fit, states):
    """Simulated states (numbered by increasing emission mean) renamed as the fit's states."""
    return np.argsort(fit.params.means.values[:, 0])[states]


def transitions_from(states, lengths):
    """Counts of observed transitions out of each state, within sequences, shape (K, K)."""
    counts = np.zeros((states.max() + 1,) * 2)
    for sequence in np.split(states, np.cumsum(lengths)[:-1]):
        np.add.at(counts, (sequence[:-1], sequence[1:]), 1)
    return counts


# -- selection -----------------------------------------------------------------------


def test_select_states_each_cell_is_the_direct_fit_and_faithful_picks_two_states():
    sel = em.select(WAITING, n_components=range(1, 5), model=em.HiddenMarkovModel(em.Gaussian("VVV"), 2), n_init=1,
                    random_state=0)
    n = len(WAITING)
    for k in range(1, 5):
        direct = em.HiddenMarkovModel(em.Gaussian("VVV"), k).fit(WAITING, n_init=1, random_state=0)
        cell = sel.grid.sel(covariance="HMM Gaussian VVV", n_components=k)
        assert float(cell.bic) == pytest.approx(direct.bic(), rel=1e-12)
        # BIC's closed form: K - 1 start + K (K - 1) transition + 2 K emission parameters, n = 272 rows
        p = (k - 1) + k * (k - 1) + 2 * k
        assert int(cell.n_params) == p
        assert float(cell.bic) == pytest.approx(-2 * float(cell.log_likelihood) + p * np.log(n), rel=1e-12)
    assert sel.table().round(1).loc[[2, 3], "HMM Gaussian VVV"].tolist() == [2033.7, 2052.2]
    assert sel.best_key == ("HMM Gaussian VVV", 2)
    assert sel.best.n_states == 2
    assert repr(sel).endswith("HMM Gaussian VVV with 2 states>")


def test_select_reads_sequences_as_fit_does():
    lengths = [100, 172]
    by_lengths = em.select(WAITING, n_components=[1, 2], model=em.HiddenMarkovModel(em.Gaussian(), 2), lengths=lengths,
                           n_init=1)
    pieces = [WAITING.iloc[:100], WAITING.iloc[100:]]
    by_list = em.select(pieces, n_components=[1, 2], model=em.HiddenMarkovModel(em.Gaussian(), 2), n_init=1)
    direct = em.HiddenMarkovModel(em.Gaussian(), 2).fit(WAITING, lengths=lengths, n_init=1, random_state=0)
    cell = by_lengths.grid.log_likelihood.sel(n_components=2)[0]
    assert float(cell) == pytest.approx(direct.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(by_list.grid.bic.values, by_lengths.grid.bic.values, rtol=1e-12)
    # two sequences have one fewer transition than one: the likelihood differs from the single-sequence fit
    single = em.HiddenMarkovModel(em.Gaussian(), 2).fit(WAITING, n_init=1, random_state=0)
    assert direct.log_likelihood != pytest.approx(single.log_likelihood, rel=1e-9)


def test_select_over_emission_covariance_structures_with_a_list_of_models():
    faithful = em.datasets.load("faithful")
    models = [em.HiddenMarkovModel(em.Gaussian(c), 2) for c in ("VVV", "VVI", "EII")]
    sel = em.select(faithful, n_components=[1, 2, 3], model=models, n_init=1)
    assert list(sel.grid.covariance.values) == ["HMM Gaussian VVV", "HMM Gaussian VVI", "HMM Gaussian EII"]
    direct = {
        (c, k): em.HiddenMarkovModel(em.Gaussian(c), k).fit(faithful, n_init=1, random_state=0).bic()
        for c in ("VVV", "VVI", "EII") for k in (1, 2, 3)
    }
    best = min(direct, key=direct.get)
    assert sel.best_key == (f"HMM Gaussian {best[0]}", best[1])
    assert float(sel.grid.bic.sel(covariance="HMM Gaussian EII", n_components=3)) == pytest.approx(
        direct["EII", 3], rel=1e-12
    )


def test_select_keeps_priors_and_fixed_parameters_of_the_declaration():
    model = em.HiddenMarkovModel(em.Gaussian(), 2, transition_prior=3.0, fixed="startprob")
    sel = em.select(WAITING, n_components=[2, 3], model=model, n_init=1)
    for k in (2, 3):
        fit = sel.fits["HMM Gaussian VVV", k]
        direct = em.HiddenMarkovModel(em.Gaussian(), k, transition_prior=3.0, fixed="startprob").fit(
            WAITING, n_init=1, random_state=0
        )
        assert fit.log_likelihood == pytest.approx(direct.log_likelihood, rel=1e-12)
        np.testing.assert_allclose(fit.params.startprob, np.full(k, 1 / k))  # fixed at its uniform start
        # with the prior, A_jk = (xi_jk + 2) / (sum_l xi_jl + 2K) is at least 2 / (T - 1 + 2K)
        assert float(fit.params.transmat.min()) >= 2 / (len(WAITING) - 1 + 2 * k) - 1e-12


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"model": em.HiddenMarkovModel(em.Gaussian(), 2, transmat=[[0.9, 0.1], [0.0, 1.0]])},
         "declares transmat for 2 states, which cannot be used with 1 states"),
        ({"model": em.HiddenMarkovModel(em.Gaussian(), 2, start_prior=[1.0, 2.0])},
         "declares start_prior for 2 states"),
        ({"model": em.Gaussian(), "lengths": [272]}, "lengths and sequence_column only with model=em.HiddenMarkovModel"),
        ({"model": [em.HiddenMarkovModel(em.Gaussian(), 2), em.Gaussian()]}, "mixes hidden Markov models with mixtures"),
        ({"model": [em.HiddenMarkovModel(em.Gaussian(), 2)] * 2}, "both labelled 'HMM Gaussian VVV'"),
        ({"model": em.HiddenMarkovModel([em.Gaussian(), em.StudentT()])}, "model mixes 2 families"),
        ({"model": em.HiddenMarkovModel(em.Gaussian(), 2), "lengths": [100, 100]}, "lengths sum to 200"),
        ({"model": em.HiddenMarkovModel(em.Gaussian(), 2), "covariance": ["VVV"]}, "either model or covariance"),
    ],
)
def test_select_refuses_before_fitting(kwargs, message):
    with pytest.raises(ValueError, match=message):
        em.select(WAITING, n_components=[1, 2], **kwargs)


def test_a_declared_transmat_is_used_when_the_number_of_states_matches():
    left_right = em.HiddenMarkovModel(em.Gaussian(), 2, transmat=[[0.9, 0.1], [0.0, 1.0]])
    sel = em.select(WAITING, n_components=[2], model=left_right)
    assert float(sel.best.params.transmat[1, 0]) == 0.0
    assert int(sel.grid.n_params.item()) == 1 + 1 + 4  # startprob 1, one free transition, two means and variances


# -- bootstrap -----------------------------------------------------------------------


def binomial_transition_se(fit, n_transitions):
    """``sqrt(A_jk (1 - A_jk) / N_j)``, N_j the expected number of transitions out of state j."""
    transmat = fit.params.transmat.values
    return np.sqrt(transmat * (1 - transmat) / n_transitions[:, None])


def test_parametric_bootstrap_spread_of_transmat_is_binomial_when_states_are_all_but_observed():
    rng = np.random.default_rng(11)
    lengths = [600, 400, 500]
    x, states = simulate_chain(rng, [[0.9, 0.1], [0.25, 0.75]], [0.0, 8.0], lengths)
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, lengths=lengths, n_init=2, random_state=0)
    boot = em.bootstrap(fit, x, lengths=lengths, n_boot=150, kind="parametric", random_state=1)
    assert not boot.error.str.len().any()
    # the expected transitions out of state j in sequences simulated from the fit: (T - S) times its stationary share
    transmat = fit.params.transmat.values
    eigenvalues, vectors = np.linalg.eig(transmat.T)
    stationary = np.real(vectors[:, np.argmin(abs(eigenvalues - 1))])
    stationary /= stationary.sum()
    theory = binomial_transition_se(fit, (sum(lengths) - len(lengths)) * stationary)
    spread = boot.transmat.std("draw", ddof=1).values
    np.testing.assert_allclose(spread, theory, rtol=0.3)
    # replicates are sequences of the data's lengths: the draws' means sit around the fit's
    assert abs(float(boot.means.mean("draw")[1, 0]) - float(fit.params.means[1, 0])) < 0.1


def test_nonparametric_bootstrap_resamples_whole_sequences():
    rng = np.random.default_rng(5)
    lengths = [20] * 150
    x, states = simulate_chain(rng, [[0.85, 0.15], [0.3, 0.7]], [0.0, 8.0], lengths)
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, lengths=lengths, random_state=0)
    boot = em.bootstrap(fit, x, lengths=lengths, n_boot=120, kind="nonparametric", random_state=2)
    assert not boot.error.str.len().any()
    # states are observed in effect: resampling many sequences spreads A_jk as binomial counts
    # (the transitions out of a state are martingale differences, so the sequences' sum has binomial variance)
    counts = transitions_from(in_fit_labels(fit, states), lengths)
    theory = binomial_transition_se(fit, counts.sum(axis=1))
    np.testing.assert_allclose(boot.transmat.std("draw", ddof=1).values, theory, rtol=0.3)


def test_nonparametric_bootstrap_of_one_sequence_says_to_use_parametric():
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(WAITING, random_state=0)
    with pytest.raises(ValueError, match='one sequence: use kind="parametric"'):
        em.bootstrap(fit, WAITING, n_boot=2)
    with pytest.raises(ValueError, match="takes no sample weights"):
        em.bootstrap(fit, WAITING, n_boot=2, kind="parametric", sample_weight=np.ones(len(WAITING)))


def test_replicate_states_are_matched_on_emissions_and_transmat_is_permuted_both_ways():
    fit = em.HiddenMarkovModel(em.Gaussian(), 3).fit(WAITING, random_state=0)
    reference = fit.params
    order = [2, 0, 1]
    shuffled = reference.isel(state=order, next_state=order).assign_coords(
        state=reference.state.values, next_state=reference.next_state.values
    )
    assert not np.allclose(shuffled.transmat, reference.transmat)
    matched = aligned(reference, shuffled)
    for name in ("startprob", "transmat", "means", "covariances"):
        np.testing.assert_array_equal(matched[name].values, reference[name].values)


def test_bootstrap_of_a_mixture_refuses_lengths():
    fit = em.GaussianMixture(2).fit(WAITING, random_state=0)
    with pytest.raises(ValueError, match="for hidden Markov model fits only"):
        em.bootstrap(fit, WAITING, n_boot=2, lengths=[272])


# -- standard errors -----------------------------------------------------------------


def test_summary_transition_errors_are_binomial_when_states_are_all_but_observed():
    rng = np.random.default_rng(3)
    lengths = [700, 500]
    x, states = simulate_chain(rng, [[0.8, 0.2], [0.35, 0.65]], [0.0, 12.0], lengths)
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, lengths=lengths, random_state=0)
    states = in_fit_labels(fit, states)
    assert (fit.predict(x, lengths=lengths).values == states).all()
    counts = transitions_from(states, lengths)
    table = em.summary(fit, x, lengths=lengths)
    theory = binomial_transition_se(fit, counts.sum(axis=1))
    for j in range(2):
        for k in range(2):
            assert table.loc[f"transmat[{j}, {k}]", "std_error"] == pytest.approx(theory[j, k], rel=0.02)
    # the emission means: sigma / sqrt(n_k) with the states known
    for k in range(2):
        n_k = np.count_nonzero(states == k)
        sigma = np.sqrt(float(fit.params.covariances[k, 0, 0]))
        assert table.loc[f"means[{k}, 0]", "std_error"] == pytest.approx(sigma / np.sqrt(n_k), rel=0.02)


def test_summary_errors_match_the_parametric_bootstrap_spread():
    rng = np.random.default_rng(8)
    lengths = [400] * 4
    x, _ = simulate_chain(rng, [[0.9, 0.1], [0.15, 0.85]], [0.0, 2.5], lengths)
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(x, lengths=lengths, n_init=3, random_state=0)
    table = em.summary(fit, x, lengths=lengths)
    boot = em.bootstrap(fit, x, lengths=lengths, n_boot=150, kind="parametric", random_state=4)
    assert not boot.error.str.len().any()
    spread = em.plot.compute_bootstrap_intervals(boot, fit, variables=("transmat", "means", "covariances"))
    compared = table.loc[spread.index]
    np.testing.assert_allclose(compared.std_error.values, spread.sd.values, rtol=0.25)


def test_summary_reads_sequences_as_fit_does_and_refuses_weights():
    lengths = [100, 172]
    fit = em.HiddenMarkovModel(em.Gaussian(), 2).fit(WAITING, lengths=lengths, random_state=0)
    by_lengths = em.summary(fit, WAITING, lengths=lengths)
    by_list = em.summary(fit, [WAITING.iloc[:100], WAITING.iloc[100:]])
    np.testing.assert_allclose(by_list.std_error.values, by_lengths.std_error.values, rtol=1e-10, equal_nan=True)
    with pytest.raises(ValueError, match="takes no sample weights"):
        em.summary(fit, WAITING, lengths=lengths, sample_weight=np.ones(272))
    with pytest.raises(ValueError, match="lengths sum to 200"):
        em.summary(fit, WAITING, lengths=[100, 100])
    with pytest.raises(ValueError, match="for hidden Markov model fits only"):
        em.summary(em.GaussianMixture(2).fit(WAITING, random_state=0), WAITING, lengths=lengths)


def test_structural_zeros_and_fixed_parameters_are_not_free():
    rng = np.random.default_rng(1)
    x, _ = simulate_chain(rng, [[0.9, 0.1], [0.1, 0.9]], [0.0, 6.0], [300])
    left_right = em.HiddenMarkovModel(em.Gaussian(), 2, startprob=[1.0, 0.0], transmat=[[0.95, 0.05], [0.0, 1.0]])
    fixed = em.HiddenMarkovModel(em.Gaussian(), 2, fixed="transmat")
    for model in (left_right, fixed):
        fit = model.fit(x, random_state=0)
        assert fit.mixture.free_parameters().size == fit.n_params
        table = em.summary(fit, x)
        assert table.note.loc["transmat[1, 0]"] == "not estimated by the likelihood (fixed)"
        assert np.isnan(table.std_error.loc["transmat[1, 1]"])
        assert table.std_error.loc[["means[0, 0]", "means[1, 0]"]].notna().all()
    # the left-right chain's one free transition has an error; the fixed chain's none
    lr_table = em.summary(left_right.fit(x, random_state=0), x)
    assert lr_table.std_error.loc["transmat[0, 1]"] > 0
    assert lr_table.note.loc["startprob[1]"] == "not estimated by the likelihood (fixed)"

"""Plots of hidden Markov model fits: compute_* numbers against independent oracles, plot_* smoke renders.

Oracles: brute-force enumeration of every state path (posteriors and the
Viterbi path of short sequences, densities from scipy.stats), simulation
(run lengths of the chain) and scipy.stats densities and masses.
"""

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import re

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import emkit as em


@pytest.fixture(scope="module")
def waiting():
    return em.datasets.load("faithful")[["waiting"]]


@pytest.fixture(scope="module")
def waiting_fit(waiting):
    return em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, n_init=3, random_state=0)


@pytest.fixture(scope="module")
def faithful_fit():
    X = em.datasets.load("faithful")
    return X, em.HiddenMarkovModel(em.Gaussian(), n_states=3).fit(X, n_init=2, random_state=0)


def brute_force(params, x):
    """Posteriors P(z_t = k | x) and the most probable path, by enumerating every path (scipy densities)."""
    startprob, transmat = params.startprob.values, params.transmat.values
    means = params.means.values[:, 0]
    sds = np.sqrt(params.covariances.values[:, 0, 0])
    K, T = len(startprob), len(x)
    log_b = stats.norm.logpdf(x[:, None], means[None, :], sds[None, :])
    paths = np.array(list(itertools.product(range(K), repeat=T)))
    with np.errstate(divide="ignore"):
        log_p = np.log(startprob[paths[:, 0]]) + log_b[0, paths[:, 0]]
        for t in range(1, T):
            log_p += np.log(transmat[paths[:, t - 1], paths[:, t]]) + log_b[t, paths[:, t]]
    weight = np.exp(log_p - log_p.max())
    weight /= weight.sum()
    posteriors = np.stack([np.bincount(paths[:, t], weights=weight, minlength=K) for t in range(T)])
    return posteriors, paths[np.argmax(log_p)]


def test_state_sequence_matches_enumerating_every_path(waiting_fit, waiting):
    x = waiting.to_numpy()[:14]
    path = em.plot.compute_state_sequence(waiting_fit, x, lengths=[8, 6], sequence=1)
    posteriors, best = brute_force(waiting_fit.params, x[8:, 0])
    np.testing.assert_allclose(path.probability.values, posteriors, atol=1e-12)
    np.testing.assert_array_equal(path.decoded.values, best)
    np.testing.assert_array_equal(path.value.values[:, 0], x[8:, 0])
    assert path.observation.values.tolist() == list(range(8, 14))
    assert (path.attrs["sequence"], path.attrs["n_sequences"]) == (1, 2)


def test_state_sequence_posteriors_are_probabilities_and_keep_row_labels(faithful_fit):
    X, fit = faithful_fit
    frame = X.assign(day=np.repeat([0, 1], [100, 172]), eruptions=X.eruptions).set_index(X.index + 1000)
    path = em.plot.compute_state_sequence(fit, frame, sequence_column="day", sequence=1, features=["waiting"])
    np.testing.assert_allclose(path.probability.sum("state"), 1.0, atol=1e-12)
    assert path.feature.values.tolist() == ["waiting"]
    assert path.observation.values[0] == 1100
    np.testing.assert_array_equal(path.value.values[:, 0], X.waiting.values[100:])


def test_state_sequence_errors(waiting_fit, waiting, faithful_fit):
    with pytest.raises(ValueError, match=r"position of one of the 2 sequences \(0 .. 1\), got 2"):
        em.plot.compute_state_sequence(waiting_fit, waiting, lengths=[100, 172], sequence=2)
    with pytest.raises(ValueError, match="at most 4 features"):
        em.plot.compute_state_sequence(faithful_fit[1], faithful_fit[0], features=[0, 1, 0, 1, 0])
    mixture = em.GaussianMixture(2).fit(waiting, random_state=0)
    with pytest.raises(TypeError, match="hidden Markov model fit"):
        em.plot.compute_transitions(mixture)


def test_transitions_are_the_parameters_and_durations_match_simulated_runs(waiting_fit):
    chain = em.plot.compute_transitions(waiting_fit)
    assert chain.transmat.equals(waiting_fit.params.transmat)
    assert chain.startprob.equals(waiting_fit.params.startprob)
    states = waiting_fit.sample(200_000, random_state=3).state.values
    ends = np.flatnonzero(np.diff(states)) + 1
    runs = np.diff(ends)  # complete runs (the first and the last are cut by the ends of the sequence)
    run_states = states[ends[:-1]]
    for k in range(2):
        simulated = runs[run_states == k].mean()
        assert simulated == pytest.approx(chain.expected_duration.values[k], rel=0.02)


def test_an_absorbing_state_lasts_forever():
    x = np.r_[np.zeros(30), np.full(30, 8.0)][:, None] + np.random.default_rng(0).normal(size=(60, 1))
    model = em.HiddenMarkovModel(em.Gaussian(), 2, startprob=[1.0, 0.0], transmat=[[0.9, 0.1], [0.0, 1.0]])
    fit = model.fit(x, init=np.eye(2)[(x[:, 0] > 4).astype(int)], random_state=0)
    duration = em.plot.compute_transitions(fit).expected_duration.values
    assert duration[1] == np.inf and duration[0] == pytest.approx(1 / (1 - fit.params.transmat.values[0, 0]))


def test_gaussian_emissions_are_scipy_marginals_weighted_by_occupancy(faithful_fit):
    X, fit = faithful_fit
    tables = em.plot.compute_emissions(fit, X)
    occupancy = fit.predict_proba(X).values.mean(axis=0)
    assert list(tables) == ["eruptions", "waiting"]
    for j, (feature, table) in enumerate(tables.items()):
        np.testing.assert_allclose(table.attrs["occupancy"], occupancy, rtol=1e-12)
        grid = table.index.to_numpy()
        for k in range(3):
            mean = fit.params.means.values[k, j]
            sd = np.sqrt(fit.params.covariances.values[k, j, j])
            np.testing.assert_allclose(table[f"state {k}"], occupancy[k] * stats.norm.pdf(grid, mean, sd), rtol=1e-10)
            inside = np.diff(stats.norm.cdf(grid[[0, -1]], mean, sd))[0]
            assert integrate.trapezoid(table[f"state {k}"], grid) / occupancy[k] == pytest.approx(inside, abs=1e-4)
        assert integrate.trapezoid(table["total"], grid) == pytest.approx(1.0, abs=0.01)


def test_categorical_emissions_are_the_face_probabilities_and_data_frequencies():
    rng = np.random.default_rng(0)
    dice = np.r_[np.zeros(300, int), np.ones(200, int), np.zeros(300, int)]
    loaded = [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]
    faces = np.array([rng.choice(np.arange(1, 7), p=np.full(6, 1 / 6) if die == 0 else loaded) for die in dice])
    rolls = pd.DataFrame({"face": faces})
    fit = em.HiddenMarkovModel(em.Categorical(), 2).fit(rolls, n_init=2, random_state=0)
    table = em.plot.compute_emissions(fit, rolls)["face"]
    assert table.index.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    occupancy = np.asarray(table.attrs["occupancy"])
    probs = fit.params.probs.isel(feature=0).sel(category=[1, 2, 3, 4, 5, 6]).values
    np.testing.assert_allclose(table[["state 0", "state 1"]].to_numpy(), probs.T * occupancy, rtol=1e-12)
    np.testing.assert_allclose(table["data"], np.bincount(faces, minlength=7)[1:] / len(faces))
    assert table["total"].sum() == pytest.approx(1.0)


def test_poisson_emission_masses_start_at_zero():
    rng = np.random.default_rng(1)
    counts = pd.DataFrame({"n": np.r_[rng.poisson(1.0, 150), rng.poisson(9.0, 150)]})
    fit = em.HiddenMarkovModel(em.Poisson(), 2).fit(counts, random_state=0)
    table = em.plot.compute_emissions(fit, counts)["n"]
    grid = table.index.to_numpy()
    assert grid[0] == 0 and np.all(np.diff(grid) == 1)
    occupancy = np.asarray(table.attrs["occupancy"])
    for k in range(2):
        expected = occupancy[k] * stats.poisson.pmf(grid, fit.params.rate.values[k, 0])
        np.testing.assert_allclose(table[f"state {k}"], expected, rtol=1e-10)


def test_plots_render(faithful_fit, waiting_fit, waiting):
    X, fit = faithful_fit
    fig = em.plot.plot_state_sequence(fit, X, lengths=[100, 172], sequence=1)
    assert len(fig.axes) == 3 and fig.axes[-1].get_ylim() == (0.0, 1.0)
    assert len(fig.axes[0].collections[0].get_offsets()) == 172
    plt.close(fig)
    fig = em.plot.plot_transitions(fit)
    matrix = fig.axes[1]
    np.testing.assert_allclose(matrix.images[0].get_array(), fit.params.transmat.values)
    assert [t.get_text() for t in matrix.texts][:3] == [f"{v:.3f}" for v in fit.params.transmat.values[0]]
    plt.close(fig)
    fig = em.plot.plot_emissions(fit, X)
    assert len(fig.axes) == 2 and [line.get_label() for line in fig.axes[1].lines] == [
        "state 0", "state 1", "state 2", "total"]
    plt.close(fig)
    fig = em.plot.plot_emissions(waiting_fit, waiting, features="waiting")
    plt.close(fig)


def test_categorical_plots_render_with_labels():
    rng = np.random.default_rng(2)
    weather = pd.DataFrame({"sky": rng.choice(["sun", "rain", "cloud"], 120)})
    fit = em.HiddenMarkovModel(em.Categorical(), 2).fit(weather, random_state=0)
    fig = em.plot.plot_state_sequence(fit, weather)
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == ["cloud", "rain", "sun"]
    plt.close(fig)
    fig = em.plot.plot_emissions(fit, weather)
    assert sorted(t.get_text() for t in fig.axes[0].get_xticklabels()) == ["cloud", "rain", "sun"]
    plt.close(fig)


def prefix_log_likelihoods(params, x):
    """``log p(x_1 .. x_t)`` for t = 1 .. T, by enumerating every path of each prefix (scipy densities)."""
    startprob, transmat = params.startprob.values, params.transmat.values
    means, sds = params.means.values[:, 0], np.sqrt(params.covariances.values[:, 0, 0])
    K = len(startprob)
    out = []
    for t in range(1, len(x) + 1):
        paths = np.array(list(itertools.product(range(K), repeat=t)))
        with np.errstate(divide="ignore"):
            log_p = np.log(startprob[paths[:, 0]])
            for s in range(t):
                log_p += stats.norm.logpdf(x[s], means[paths[:, s]], sds[paths[:, s]])
                if s:
                    log_p += np.log(transmat[paths[:, s - 1], paths[:, s]])
        out.append(np.logaddexp.reduce(log_p))
    return np.array(out)


def test_inference_data_log_likelihood_is_one_step_predictive(waiting_fit, waiting):
    x = waiting.iloc[:13]
    idata = waiting_fit.to_inference_data(x, lengths=[7, 6], n_draws=3, random_state=0)
    assert sorted(idata.groups()) == [
        "log_likelihood", "observed_data", "posterior", "posterior_predictive", "sample_stats"]
    expected = np.concatenate([np.diff(prefix_log_likelihoods(waiting_fit.params, part), prepend=0.0)
                               for part in (x.waiting.values[:7], x.waiting.values[7:])])
    np.testing.assert_allclose(idata.log_likelihood.x.values[0, 0], expected, rtol=1e-10)
    assert idata.log_likelihood.x.sequence.values.tolist() == [0] * 7 + [1] * 6
    assert idata.log_likelihood.x.step.values.tolist() == list(range(7)) + list(range(6))


def test_inference_data_posterior_and_observed_data(waiting_fit, waiting):
    idata = waiting_fit.to_inference_data(waiting, lengths=[172, 100], n_draws=2, random_state=0)
    for name in ("startprob", "transmat", "means", "covariances"):
        np.testing.assert_array_equal(idata.posterior[name].values[0, 0], waiting_fit.params[name].values)
    np.testing.assert_array_equal(idata.observed_data.waiting.values, waiting.waiting.values)
    assert idata.observed_data.waiting.observation.values.tolist() == waiting.index.tolist()
    assert idata.observed_data.step.values[172] == 0
    trace = waiting_fit.trace.log_likelihood.values
    np.testing.assert_array_equal(idata.sample_stats.lp.values, trace)


def test_posterior_predictive_simulates_sequences_of_the_observed_lengths(waiting_fit, waiting):
    """Pairs of steps: the first from startprob, the second from startprob @ transmat (not the same law)."""
    lengths = [2] * 136
    idata = waiting_fit.to_inference_data(waiting, lengths=lengths, n_draws=200, random_state=1)
    draws = idata.posterior_predictive.waiting.values[0]
    assert draws.shape == (200, 272)
    means = waiting_fit.params.means.values[:, 0]
    variances = waiting_fit.params.covariances.values[:, 0, 0]
    first = waiting_fit.params.startprob.values
    second = first @ waiting_fit.params.transmat.values
    for step, weights in ((0, first), (1, second)):
        values = draws[:, step::2].ravel()
        mean = weights @ means
        sd = np.sqrt(weights @ (variances + means**2) - mean**2)
        assert abs(values.mean() - mean) < 4 * sd / np.sqrt(values.size)
    assert abs((first - second) @ means) > 10  # the two laws differ: the test tells the steps apart


def test_inference_data_errors(waiting_fit, waiting):
    with pytest.raises(ValueError, match="sum"):
        waiting_fit.to_inference_data(waiting, lengths=[100, 100])
    with pytest.raises(ValueError, match="n_draws must be positive"):
        waiting_fit.to_inference_data(waiting, n_draws=0)


def test_report_of_a_hidden_markov_model(waiting_fit, waiting):
    page = em.report(waiting_fit, waiting, lengths=[172, 100])
    assert "272 observations of 1 feature(s), 2 sequences of 100 to 172 steps" in page
    for anchor in ("data", "model", "convergence", "states", "warnings"):
        assert f'<section id="{anchor}">' in page
    transmat = waiting_fit.params.transmat.values
    for value in transmat.ravel():
        assert f"<td>{value:.4g}</td>" in page
    decoded = np.bincount(waiting_fit.predict(waiting, [172, 100]).values, minlength=2)
    assert all(f"<td>{count}</td>" in page for count in decoded)
    assert page.count("<img") == 4  # convergence, state sequence, transitions, emissions


def test_report_refuses_sequences_for_a_mixture(waiting):
    mixture = em.GaussianMixture(2).fit(waiting, random_state=0)
    with pytest.raises(ValueError, match="a mixture's rows are independent"):
        em.report(mixture, waiting, lengths=[272])


def test_cli_report_selects_the_number_of_states(tmp_path, capsys):
    from emkit.cli import main

    out = tmp_path / "hmm.html"
    code = main(["report", "--dataset", "faithful", "--columns", "waiting", "--hmm", "--states", "3",
                 "--covariance", "VVV", "-o", str(out)])
    assert code == 0
    assert "chosen by BIC: HMM Gaussian VVV with 2 states" in capsys.readouterr().out
    page = out.read_text()
    assert "hidden Markov model with 2 states" in page
    bic = [float(cell) for cell in re.findall(r"<td>(2033\.\d+)</td>", page)]
    assert bic and bic[0] == pytest.approx(2033.68, abs=5e-3)  # the direct fit's BIC (docs/hmm.md: 2033.68), to EM's tolerance
    assert main(["report", "--dataset", "faithful", "--states", "3", "-o", str(out)]) == 1
    assert "--states and --sequence-column need --hmm" in capsys.readouterr().err


def test_a_window_of_steps_keeps_the_whole_sequence_posteriors(waiting_fit, waiting):
    whole = em.plot.compute_state_sequence(waiting_fit, waiting, lengths=[172, 100], sequence=0)
    window = em.plot.compute_state_sequence(waiting_fit, waiting, lengths=[172, 100], sequence=0, steps=(50, 60))
    assert window.step.values.tolist() == list(range(50, 60))
    np.testing.assert_array_equal(window.probability.values, whole.probability.values[50:60])
    np.testing.assert_array_equal(window.decoded.values, whole.decoded.values[50:60])
    with pytest.raises(ValueError, match=r"steps=\(200, 300\) selects no step of sequence 0 \(172 steps\)"):
        em.plot.compute_state_sequence(waiting_fit, waiting, lengths=[172, 100], steps=(200, 300))
    with pytest.raises(ValueError, match="steps must be a pair"):
        em.plot.compute_state_sequence(waiting_fit, waiting, steps=5)

"""The ArviZ export (loo, waic, plot_ppc) and progress in Jupyter and in em.summary."""

import contextlib
import io
import sys
import types

import arviz as az
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emkit as em
from emkit.diagnostics import uncertainty
from emkit.em import progress as progress_module

matplotlib.use("Agg")

#: ArviZ's plots pass matplotlib an alias mapping that matplotlib 3.11 deprecates: not emkit's to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Passing a dict or None as alias_mapping:DeprecationWarning")


class TerminalStream(io.StringIO):
    """A captured stream that claims to be a terminal."""

    def isatty(self):
        return True


def last_frame(text):
    """The bar as last drawn: tqdm redraws a line after a carriage return."""
    return text.split("\r")[-1].strip()


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def faithful_fit(faithful):
    return em.GaussianMixture(2).fit(faithful, random_state=0)


@pytest.fixture(scope="module")
def faithful_boot(faithful_fit, faithful):
    return em.bootstrap(faithful_fit, faithful, n_boot=6, random_state=1, progress=False)


def scipy_log_density(params, X):
    """``log sum_k w_k N(x; mu_k, Sigma_k)`` of every row, from scipy.stats."""
    weights, means, covariances = params.weights.values, params.means.values, params.covariances.values
    densities = [w * stats.multivariate_normal(m, c).pdf(X) for w, m, c in zip(weights, means, covariances)]
    return np.log(np.sum(densities, axis=0))


# -- log_likelihood group, az.loo, az.waic --------------------------------------------------------

def test_log_likelihood_draw_i_scores_the_data_with_replicate_i(faithful_fit, faithful, faithful_boot):
    idata = faithful_fit.to_inference_data(faithful, bootstrap=faithful_boot, n_draws=2, random_state=0)
    pointwise = idata.log_likelihood.x
    assert pointwise.shape == (1, 6, len(faithful))
    for i in range(6):
        expected = scipy_log_density(faithful_boot.isel(draw=i), faithful.to_numpy())
        np.testing.assert_allclose(pointwise.values[0, i], expected, rtol=1e-10)
    assert not np.allclose(pointwise.values[0, 0], pointwise.values[0, 1])  # replicates differ from each other


def test_without_bootstrap_log_likelihood_is_the_estimate_as_one_draw(faithful_fit, faithful):
    pointwise = faithful_fit.to_inference_data(faithful, n_draws=1, random_state=0).log_likelihood.x
    assert pointwise.shape == (1, 1, len(faithful))
    np.testing.assert_allclose(pointwise.values[0, 0], scipy_log_density(faithful_fit.params, faithful.to_numpy()))


@pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto", "ignore:For one or more samples the")
def test_loo_and_waic_penalise_the_fit_by_about_its_number_of_parameters():
    """For a well-specified model, elpd_loo ~ log-likelihood - n_params (as AIC), and p_loo ~ n_params."""
    rng = np.random.default_rng(3)
    first = rng.random(400) < 0.4
    X = np.where(
        first[:, None],
        rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], 400),
        rng.multivariate_normal([4, 3], [[1, -0.3], [-0.3, 0.5]], 400),
    )
    fit = em.GaussianMixture(2).fit(X, random_state=0)
    boot = em.bootstrap(fit, X, n_boot=100, random_state=4, progress=False)
    idata = fit.to_inference_data(X, bootstrap=boot, n_draws=1, random_state=0)
    loo, waic = az.loo(idata), az.waic(idata)
    p = fit.n_params
    assert 0.6 * p < loo.p_loo < 1.6 * p and 0.6 * p < waic.p_waic < 1.6 * p
    assert fit.log_likelihood - 1.6 * p < loo.elpd_loo < fit.log_likelihood - 0.6 * p
    assert abs(loo.elpd_loo - waic.elpd_waic) < 1.0


def test_failed_replicates_are_left_out(faithful_fit, faithful, faithful_boot):
    failed = faithful_boot.copy(deep=True)
    for name in ("weights", "means", "covariances"):
        failed[name][dict(draw=2)] = np.nan
    failed["error"][2] = "ValueError: a component lost all its observations"
    idata = faithful_fit.to_inference_data(faithful, bootstrap=failed, n_draws=1, random_state=0)
    assert idata.posterior.sizes["draw"] == 5 and "error" not in idata.posterior
    assert idata.log_likelihood.x.shape == (1, 5, len(faithful))
    assert idata.log_likelihood.draw.values.tolist() == idata.posterior.draw.values.tolist() == [0, 1, 3, 4, 5]
    assert np.isfinite(idata.log_likelihood.x.values).all()
    np.testing.assert_allclose(
        idata.log_likelihood.x.values[0, 2], scipy_log_density(faithful_boot.isel(draw=3), faithful.to_numpy())
    )


def test_all_replicates_failed_is_a_clear_error(faithful_fit, faithful, faithful_boot):
    failed = faithful_boot.assign(error=("draw", ["ValueError: degenerate"] * 6))
    with pytest.raises(ValueError, match="every bootstrap replicate failed"):
        faithful_fit.to_inference_data(faithful, bootstrap=failed)


# -- observed_data / posterior_predictive layout, az.plot_ppc -------------------------------------

def test_plot_ppc_draws_one_panel_per_feature():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        np.r_[rng.normal(0, 1, (150, 3)), rng.normal(5, 1, (150, 3))], columns=["height", "weight", "age"]
    )
    fit = em.GaussianMixture(2, covariance="diag").fit(X, random_state=0)
    idata = fit.to_inference_data(X, n_draws=8, random_state=1)
    assert list(idata.observed_data.data_vars) == list(idata.posterior_predictive.data_vars) == list(X.columns)
    for name in X.columns:
        np.testing.assert_array_equal(idata.observed_data[name].values, X[name].to_numpy())
    axes = np.atleast_1d(az.plot_ppc(idata, num_pp_samples=8))
    assert axes.size == 3
    assert [ax.get_xlabel() for ax in axes.ravel()] == list(X.columns)
    plt.close("all")


def test_posterior_predictive_draws_from_the_fitted_mixture(faithful_fit, faithful):
    idata = faithful_fit.to_inference_data(faithful, n_draws=200, random_state=2)
    params = faithful_fit.params
    for j, name in enumerate(faithful.columns):
        draws = idata.posterior_predictive[name]
        assert draws.shape == (1, 200, len(faithful))
        mean = float(params.weights @ params.means[:, j])
        second = float(params.weights @ (params.covariances[:, j, j] + params.means[:, j] ** 2))
        standard_error = np.sqrt((second - mean**2) / draws.size)
        assert abs(float(draws.mean()) - mean) < 5 * standard_error


def test_mixture_of_regressions_draws_the_response_and_keeps_the_covariates():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 300)
    y = np.where(rng.random(300) < 0.5, 1 + 2 * x, 8 - x) + rng.normal(0, 0.5, 300)
    data = pd.DataFrame({"x": x, "y": y})
    fit = em.Mixture(em.Regression("y", ["x"]), 2).fit(data, random_state=0)
    idata = fit.to_inference_data(data, n_draws=4, random_state=1)
    assert list(idata.posterior_predictive.data_vars) == list(idata.observed_data.data_vars) == ["y"]
    np.testing.assert_array_equal(idata.constant_data.x.values, x)
    np.testing.assert_array_equal(idata.observed_data.y.values, y)
    assert np.size(az.plot_ppc(idata, num_pp_samples=4)) == 1
    plt.close("all")


# -- progress bars in a Jupyter kernel ------------------------------------------------------------

@pytest.fixture
def kernel_without_widgets(monkeypatch):
    """A fake Jupyter kernel without ipywidgets; returns the text of every display output."""
    outputs = []

    class Handle:
        def __init__(self, number):
            self.number = number

        def update(self, bundle, raw):
            outputs[self.number] = bundle["text/plain"]

    def display(bundle, raw, display_id):
        outputs.append(bundle["text/plain"])
        return Handle(len(outputs) - 1)

    shell = types.SimpleNamespace(kernel=object())
    fake = types.SimpleNamespace(get_ipython=lambda: shell, display=types.SimpleNamespace(display=display))
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setattr(progress_module, "_widgets_installed", lambda: False)
    return outputs


def test_bar_in_a_kernel_without_widgets_is_one_output_updated_in_place(kernel_without_widgets, faithful_fit,
                                                                        faithful, capsys):
    em.bootstrap(faithful_fit, faithful, n_boot=3, random_state=1)
    em.GaussianMixture(2).fit(faithful, n_init=2, random_state=0)
    assert capsys.readouterr().err == ""
    assert len(kernel_without_widgets) == 2
    bootstrap_line, fit_line = kernel_without_widgets
    assert bootstrap_line.startswith("bootstrap: 100%") and "3/3 [" in bootstrap_line
    assert fit_line.startswith("restart 2/2: 100%") and "\r" not in fit_line


def test_disabled_bar_in_a_kernel_shows_nothing(kernel_without_widgets, faithful_fit, faithful, capsys):
    em.bootstrap(faithful_fit, faithful, n_boot=2, random_state=1, progress=False)
    assert kernel_without_widgets == [] and capsys.readouterr().err == ""


def test_bar_in_a_kernel_with_widgets_is_a_widget(monkeypatch):
    pytest.importorskip("ipywidgets")
    import IPython
    from tqdm.notebook import tqdm as widget_bar

    monkeypatch.setattr(IPython, "get_ipython", lambda: types.SimpleNamespace(kernel=object()))
    with progress_module.new_bar(total=1) as bar:
        assert isinstance(bar, widget_bar)


# -- em.summary progress ------------------------------------------------------------------------

def test_summary_bar_counts_the_entries_of_the_information(faithful_fit, faithful, capsys):
    shown = em.summary(faithful_fit, faithful, progress=True)
    frame = last_frame(capsys.readouterr().err)
    entries = faithful_fit.n_params * (faithful_fit.n_params + 1) // 2  # no parameter is held fixed
    assert frame.startswith("observed information: 100%") and f"{entries}/{entries} [" in frame
    hidden = em.summary(faithful_fit, faithful, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown, hidden)


def test_summary_bar_leaves_out_parameters_held_on_a_bound(capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 200), rng.normal(6, 1, 200)],
                       "c": np.r_[rng.integers(0, 2, 200), rng.integers(0, 3, 200)]})
    model = em.Mixture(em.Independent({"x": em.Gaussian(), "c": em.Categorical()}), n_components=2)
    fit = model.fit(df, random_state=0)
    table = em.summary(fit, df, progress=True)
    frame = last_frame(capsys.readouterr().err)
    p = fit.n_params
    kept = p - int((table.estimate < 1e-6).sum())  # the probability of the category a component never takes
    entries = p + kept * (kept - 1) // 2
    assert kept < p and frame.startswith("observed information: 100%") and f"{entries}/{entries} [" in frame


def test_summary_default_shows_progress_on_a_terminal_only_when_slow(faithful_fit, faithful, monkeypatch):
    terminal = TerminalStream()
    with contextlib.redirect_stderr(terminal):
        em.summary(faithful_fit, faithful)
    assert terminal.getvalue() == ""  # far under a second
    monkeypatch.setattr(uncertainty, "SHOW_AFTER_SECONDS", 0.0)
    with contextlib.redirect_stderr(terminal):
        em.summary(faithful_fit, faithful)
    assert last_frame(terminal.getvalue()).startswith("observed information: 100%")


def test_summary_bad_progress_value_raises_type_error(faithful_fit, faithful):
    with pytest.raises(TypeError, match="progress must be None .*, True or False, not str"):
        em.summary(faithful_fit, faithful, progress="yes")

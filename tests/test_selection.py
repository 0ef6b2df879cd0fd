"""Model selection over (covariance, n_components)."""

import numpy as np
import pytest

import emkit as em
from emkit.components.covariance import COVARIANCE_NAMES


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


@pytest.fixture(scope="module")
def selection(faithful):
    return em.select(faithful, n_components=range(1, 5), n_init=3, random_state=0)


def test_grid_equals_fitting_each_cell_directly(selection, faithful):
    for covariance in ("VVV", "EEI"):
        for k in (1, 3):
            direct = em.GaussianMixture(k, covariance=covariance).fit(faithful, n_init=3, random_state=0)
            cell = selection.grid.sel(covariance=covariance, n_components=k)
            assert cell.log_likelihood.item() == direct.log_likelihood
            assert cell.bic.item() == direct.bic()
            assert cell.icl.item() == direct.icl()
            assert cell.n_params.item() == direct.n_params


def test_bic_picks_mclusts_model_on_old_faithful(selection):
    # mclust's Mclust(faithful) chooses EEE with 3 components.
    assert selection.best_key == ("EEE", 3)
    assert selection.best.bic() == np.nanmin(selection.grid.bic.values)
    assert selection.table().shape == (4, len(COVARIANCE_NAMES))  # every structure by default


@pytest.mark.parametrize("criterion", ["aic", "icl"])
def test_other_criteria_choose_their_minimum(faithful, criterion):
    sel = em.select(faithful, n_components=[1, 2, 3], covariance=["VVV", "EEE"], criterion=criterion, random_state=0)
    values = sel.grid[criterion]
    assert getattr(sel.best, criterion)() == np.nanmin(values.values)


def test_failed_cells_are_nan_with_a_reason():
    x = np.random.default_rng(0).normal(size=(5, 2))
    sel = em.select(x, n_components=[1, 6], covariance=["VII"], random_state=0)
    failed = sel.grid.sel(covariance="VII", n_components=6)
    assert np.isnan(failed.bic.item())
    assert "fewer than the 6 components" in failed.error.item()
    assert sel.best_key == ("VII", 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="criterion must be one of"):
        em.select(np.zeros((10, 1)), criterion="likelihood")
    with pytest.raises(ValueError, match="unknown covariance"):
        em.select(np.zeros((10, 1)), covariance=["XYZ"])


def test_html_representations(selection):
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.text.append(data)

    for obj, must in ((selection, ["EEE with 3 components", "BIC"]), (selection.best, ["log-likelihood", "means[waiting]"])):
        parser = Collect()
        parser.feed(obj._repr_html_())
        text = " ".join(parser.text)
        assert "table" in parser.tags
        for phrase in must:
            assert phrase in text


def test_degenerate_cells_are_flagged_and_never_chosen():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(size=(200, 2)), np.tile([[6.0, 6.0]], (15, 1))])
    sel = em.select(x, n_components=[1, 2, 3], covariance=["VVV", "VII"], n_init=2, random_state=0)
    for (covariance, k), fit in sel.fits.items():
        assert sel.grid.degenerate.sel(covariance=covariance, n_components=k).item() == bool(fit.degenerate_components)
    assert sel.grid.degenerate.any()  # a component lands on the 15 identical rows
    # the raw BIC minimum is a degenerate cell (its density is an artefact of reg_covar) ...
    raw = sel.grid.bic.where(np.isfinite(sel.grid.bic)).argmin(dim=["covariance", "n_components"])
    assert sel.grid.degenerate.isel(raw).item()
    # ... and the choice skips it
    assert not sel.grid.degenerate.sel(covariance=sel.best_key[0], n_components=sel.best_key[1]).item()


# -- degenerate cells, and every view of the grid agreeing with best_key ------------------------
@pytest.fixture(scope="module")
def two_clusters():
    """120 points in two well-separated clusters, and a grid that includes 118 components."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 8.0]
    return x, em.select(x, n_components=[1, 2, 3, 118], covariance=["EII", "VII"], random_state=0)


def parameters_per_component(covariance, k, d=2):
    """Means plus the covariance's parameters, shared ones split over the k components."""
    variances = {"EII": 1, "VII": k}[covariance]
    return (k * d + variances) / k


def test_select_never_chooses_a_cell_with_components_on_single_points(two_clusters):
    x, sel = two_clusters
    # the trap: the raw BIC minimum is 118 spherical components with a tiny shared variance
    raw = sel.grid.bic.where(np.isfinite(sel.grid.bic)).argmin(dim=["covariance", "n_components"])
    assert sel.grid.n_components.values[int(raw["n_components"])] == 118
    assert sel.grid.degenerate.sel(n_components=118).all()
    covariance, k = sel.best_key
    sizes = sel.best.predict_proba(x).values.sum(axis=0)
    assert np.all(sizes >= parameters_per_component(covariance, k))
    assert sel.best_key == ("EII", 2)


def test_every_view_of_the_selection_names_the_chosen_cell(two_clusters):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, sel = two_clusters
    best = sel.best_key
    table, plotted_best = em.plot.compute_selection(sel)
    assert plotted_best == best
    assert np.isnan(table.loc[118]).all()  # degenerate cells are missing, as in mclust
    i, j = np.unravel_index(np.nanargmin(table.to_numpy()), table.shape)
    assert (table.columns[j], table.index[i]) == best
    ax = em.plot.plot_selection(sel)
    circled = ax.collections[-1].get_offsets()[0]
    assert tuple(circled) == (best[1], sel.grid.bic.sel(covariance=best[0], n_components=best[1]).item())
    plt.close(ax.figure)
    marked = sel.marked_table()
    assert (marked.loc[118] == "degenerate").all()
    assert f"<b>{marked.loc[best[1], best[0]]}</b>" in sel._repr_html_()
    assert "chosen EII with 2 components" in sel._repr_html_()
    page = em.report(sel, x, n_draws=2)
    assert "<b>EII with 2 components</b>" in page
    assert "EII with 118 components was not considered" in page


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"n_init": 0}, "n_init must be a positive integer, got 0"),
        ({"random_state": -1}, "random_state must be None, a non-negative integer"),
        ({"n_components": [0, 1]}, "n_components must be at least 1, got 0"),
        ({"X": "nan"}, r"X contains NaN values in 1 row\(s\) \[3\]"),
    ],
)
def test_bad_arguments_fail_before_any_cell_is_fitted(monkeypatch, arguments, message):
    import emkit.selection

    def no_fit(*args, **kwargs):
        raise AssertionError("a cell was fitted")

    monkeypatch.setattr(emkit.selection, "GaussianMixture", no_fit)
    x = np.random.default_rng(0).normal(size=(20, 2))
    if arguments.pop("X", None) == "nan":
        x[3, 0] = np.nan
    with pytest.raises(ValueError, match=message):
        em.select(x, **{"n_components": [1, 2], **arguments})

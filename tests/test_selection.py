"""Model selection over (covariance, n_components)."""

import numpy as np
import pytest

import emkit as em


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
    assert selection.table().shape == (4, 6)


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

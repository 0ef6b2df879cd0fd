"""Categorical data shown as categories: samples, tables, reports and plots speak in labels.

Oracles: pandas value counts and crosstabs, the closed-form M-step (weighted category
frequencies from the responsibilities), binomial sampling error, simulated latent classes,
and the saturated likelihood of a two-item table.
"""

from __future__ import annotations

import os
import tempfile
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
import xarray as xr  # noqa: E402
from scipy import stats  # noqa: E402

import emkit as em  # noqa: E402
from emkit.report.html import category_frequencies  # noqa: E402

SIZES = ["small", "medium", "large"]  # declared order, not alphabetical
COLOURS = ["red", "green", "blue"]  # an unordered categorical's declared order


@pytest.fixture(scope="module")
def mixed():
    """An ordered categorical, an unordered one, a text column and a number; frequencies 0.6/0.3/0.1."""
    rng = np.random.default_rng(0)
    n = 600
    return pd.DataFrame({
        "size": pd.Categorical(rng.choice(SIZES, n, p=[0.1, 0.3, 0.6]), categories=SIZES, ordered=True),
        "colour": pd.Categorical(rng.choice(COLOURS, n, p=[0.6, 0.3, 0.1]), categories=COLOURS),
        "shop": rng.choice(["west", "east"], n, p=[0.7, 0.3]),
        "price": rng.normal(10.0, 2.0, n),
    })


@pytest.fixture(scope="module")
def one_class(mixed):
    parts = {"size": em.Categorical(), "colour": em.Categorical(), "shop": em.Categorical(), "price": em.Gaussian()}
    return em.Mixture(em.Independent(parts), 1).fit(mixed, random_state=0)


@pytest.fixture(scope="module")
def anes():
    """ANES 1996: party identification, education and vote as ordered categoricals with their labels."""
    data = sm.datasets.anes96.load_pandas().data
    party = ["strong Dem", "weak Dem", "lean Dem", "independent", "lean Rep", "weak Rep", "strong Rep"]
    school = ["grade school", "some high school", "high school", "some college", "college", "master", "PhD"]
    return pd.DataFrame({
        "party": pd.Categorical.from_codes(data["PID"].astype(int), party, ordered=True),
        "education": pd.Categorical.from_codes(data["educ"].astype(int) - 1, school, ordered=True),
        "vote": pd.Categorical.from_codes(data["vote"].astype(int), ["Clinton", "Dole"]),
    })


@pytest.fixture(scope="module")
def anes_fit(anes):
    return em.Mixture(em.Categorical(), 2).fit(anes, n_init=3, tol=1e-12, max_iter=5000, random_state=0)


# -- samples ------------------------------------------------------------------------------------
def test_samples_are_labels_with_the_data_categories(one_class, mixed):
    draws = one_class.sample(20_000, random_state=1)
    assert isinstance(draws, pd.DataFrame)
    assert draws.columns.tolist() == ["size", "colour", "shop", "price", "component"]
    assert draws["size"].cat.categories.tolist() == SIZES
    assert draws["colour"].cat.categories.tolist() == COLOURS
    assert not draws["colour"].cat.ordered
    assert draws["shop"].cat.categories.tolist() == ["east", "west"]  # text: sorted distinct values
    assert draws["price"].dtype == np.float64
    assert (draws["component"] == 0).all()
    for column in ("size", "colour", "shop"):  # one component: draws follow the data's frequencies
        observed = mixed[column].value_counts(normalize=True)
        drawn = draws[column].value_counts(normalize=True)
        for label, p in observed.items():
            assert abs(drawn[label] - p) < 4 * np.sqrt(p * (1 - p) / len(draws)), (column, label)


def test_ordered_flag_is_kept_in_samples_and_saved_fits(one_class):
    assert one_class.ordered_categories == ("size",)
    assert one_class.sample(5, random_state=0)["size"].cat.ordered
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "fit.nc")
        one_class.to_netcdf(path)
        loaded = em.load_fit(path)
    assert loaded.ordered_categories == ("size",)
    assert loaded.sample(5, random_state=0)["size"].equals(one_class.sample(5, random_state=0)["size"])


def test_numeric_codes_on_request_match_the_labels(one_class, mixed):
    frame = one_class.sample(300, random_state=2)
    codes = one_class.sample(300, random_state=2, as_frame=False)
    assert isinstance(codes, xr.DataArray) and codes.dtype == np.float64
    for column in ("size", "colour", "shop"):
        np.testing.assert_array_equal(codes.sel(feature=column).values, frame[column].cat.codes.to_numpy())
    np.testing.assert_array_equal(codes.component.values, frame["component"].to_numpy())
    np.testing.assert_array_equal(one_class.observations(frame).values, codes.values)  # round trip by name


def test_numeric_data_still_sample_as_a_dataarray():
    fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    draws = fit.sample(10, random_state=0)
    assert isinstance(draws, xr.DataArray) and draws.dims == ("observation", "feature")
    framed = fit.sample(10, random_state=0, as_frame=True)
    np.testing.assert_array_equal(framed[["eruptions", "waiting"]].to_numpy(), draws.values)
    np.testing.assert_array_equal(framed["component"].to_numpy(), draws.component.values)


def test_bad_sample_requests_are_explained(one_class):
    with pytest.raises(ValueError, match="as_frame must be None, True or False"):
        one_class.sample(3, as_frame="yes")
    named = em.Mixture(em.Categorical()).fit(pd.DataFrame({"component": ["a", "b"] * 5}))
    with pytest.raises(ValueError, match="as_frame=False"):
        named.sample(3)
    with pytest.raises(ValueError, match=r"column 'size': 3.0 is not the position of one of its 3 categories"):
        one_class.decode([[3.0, 0.0, 0.0, 1.0]])


# -- category order -------------------------------------------------------------------------------
@pytest.mark.parametrize("independent", [False, True], ids=["Categorical", "Independent"])
def test_declared_category_order_is_kept(mixed, independent):
    X = mixed[["size", "colour"]]
    family = em.Independent({"size": em.Categorical(), "colour": em.Categorical()}) if independent else em.Categorical()
    fit = em.Mixture(family, 2).fit(X, random_state=0)
    assert fit.categories == {"size": SIZES, "colour": COLOURS}
    assert fit.params.category.values.tolist() == SIZES + COLOURS
    assert fit.item_response_table().columns.tolist() == [("size", s) for s in SIZES] + [("colour", c) for c in COLOURS]
    text = fit.summary_text()
    assert text.index("small") < text.index("medium") < text.index("large")


# -- tables ---------------------------------------------------------------------------------------
def test_item_response_table_is_the_weighted_category_frequencies(anes_fit, anes):
    """At the fixed point of EM, p_kjc = sum_i r_ik [x_ij = c] / sum_i r_ik (closed-form M-step)."""
    table = em.plot.compute_profile(anes_fit)
    resp = anes_fit.predict_proba(anes).values
    for column in anes:
        indicator = pd.get_dummies(anes[column]).to_numpy(dtype=float)  # in the declared category order
        expected = (resp.T @ indicator) / resp.sum(axis=0)[:, None]
        np.testing.assert_allclose(table[column].to_numpy(), expected, atol=1e-6)
        assert table[column].columns.tolist() == anes[column].cat.categories.tolist()
        np.testing.assert_allclose(table[column].sum(axis=1), 1.0, rtol=1e-12)
        for k in range(2):  # the same numbers as params.probs
            for label in anes[column].cat.categories:
                assert table[column].loc[k, label] == anes_fit.params.probs.sel(
                    component=k, feature=column, category=label).item()


def test_latent_classes_of_the_anes_are_the_parties(anes_fit):
    """Two classes split the voters: nearly all Clinton voters in one, nearly all Dole voters in the other."""
    table = em.plot.compute_profile(anes_fit)
    vote, party = table["vote"], table["party"]
    clinton = int(vote["Clinton"].idxmax())
    assert vote.loc[clinton, "Clinton"] > 0.9 and vote.loc[1 - clinton, "Dole"] > 0.85
    assert party.loc[clinton, "strong Dem"] > party.loc[1 - clinton, "strong Dem"]
    assert party.loc[1 - clinton, "strong Rep"] > party.loc[clinton, "strong Rep"]


def test_summary_and_html_show_the_item_response_table(anes_fit):
    table = anes_fit.item_response_table()
    text = anes_fit.summary_text()
    assert "item-response probabilities P(category | component)" in text
    for column in ("party", "education", "vote"):
        block = table[column].rename_axis(columns=column).to_string(float_format=lambda v: f"{v:.4f}")
        assert block in text
    page = anes_fit._repr_html_()
    assert "item-response probabilities" in page
    for cells, column in zip(_html_tables(page)[-3:], ("party", "education", "vote")):  # one table per item
        assert cells[0] == [column, *table[column].columns]
        for k in range(2):
            assert cells[2 + k][0] == str(k)
            assert [float(v) for v in cells[2 + k][1:]] == pytest.approx(table[column].loc[k].to_numpy(), abs=5e-4)


def test_data_table_gives_category_frequencies(one_class, mixed):
    page = em.report(one_class, mixed, n_draws=3)
    frequencies = next(t for t in _html_tables(page) if t[0][-2:] == ["count", "share"])
    rows, feature = {}, None
    for row in frequencies[2:]:  # a feature's name spans its rows: it opens its first row only
        feature = row[0] if len(row) == 4 else feature
        rows[(feature, row[-3])] = (int(row[-2]), float(row[-1]))
    for column in ("size", "colour", "shop"):
        counts = mixed[column].value_counts()
        for label, count in counts.items():
            assert rows[(column, label)] == (count, pytest.approx(count / len(mixed), abs=5e-4))
    assert [key[1] for key in rows if key[0] == "size"] == SIZES  # declared order
    described = next(t for t in _html_tables(page) if "mean" in t[0])
    assert [row[0] for row in described[1:]] == ["price"]  # no mean of category codes
    assert "Item-response probabilities" in page


def test_category_frequencies_count_unused_categories():
    size = pd.Categorical(["small", "small", "large"], categories=SIZES)
    table = category_frequencies(pd.DataFrame({"size": size}), ["size"])
    assert table["count"].tolist() == [2, 0, 1]
    assert table.loc[("size", "medium"), "share"] == 0.0


# -- plots ----------------------------------------------------------------------------------------
def test_profile_plot_draws_the_probabilities_with_category_labels(anes_fit):
    fig = em.plot.plot_profile(anes_fit)
    table = em.plot.compute_profile(anes_fit)
    assert [ax.get_title() for ax in fig.axes] == ["party", "education", "vote"]
    for ax, column in zip(fig.axes, table.columns.unique("feature")):
        assert [t.get_text() for t in ax.get_xticklabels()] == table[column].columns.tolist()
        heights = np.array([bar.get_height() for bar in ax.patches]).reshape(2, -1)  # one bar set per component
        np.testing.assert_allclose(heights, table[column].to_numpy())
    plt.close(fig)
    fig = em.plot.plot_profile(anes_fit, features=["vote"])
    assert len(fig.axes) == 1
    plt.close(fig)


def test_profile_plot_refuses_fits_without_categories(anes_fit):
    fit = em.GaussianMixture(1).fit(em.datasets.load("faithful"))
    with pytest.raises(ValueError, match="no categorical features"):
        em.plot.plot_profile(fit)
    with pytest.raises(ValueError, match="'age' is not a categorical feature of the fit; those are party"):
        em.plot.plot_profile(anes_fit, features=["age"])


def test_density_and_predictive_plots_label_categories(anes_fit, anes):
    one = em.Mixture(em.Categorical(), 2).fit(anes[["party"]], random_state=0)
    ax = em.plot.plot_density(one, anes[["party"]])
    assert [t.get_text() for t in ax.get_xticklabels()] == anes["party"].cat.categories.tolist()
    plt.close(ax.figure)
    fig = em.plot.plot_predictive(anes_fit, anes, n_draws=5, random_state=0)
    for ax, column in zip(fig.axes, anes):
        assert [t.get_text() for t in ax.get_xticklabels()] == anes[column].cat.categories.tolist()
    plt.close(fig)


# -- latent class models --------------------------------------------------------------------------
def test_three_simulated_latent_classes_are_recovered():
    rng = np.random.default_rng(5)
    weights = np.array([0.5, 0.3, 0.2])
    labels = ["never", "sometimes", "often"]
    truth = np.array([  # P(category | class), four items share the class profiles
        [0.8, 0.15, 0.05],
        [0.1, 0.8, 0.1],
        [0.05, 0.15, 0.8],
    ])
    n = 4000
    classes = rng.choice(3, n, p=weights)
    X = pd.DataFrame({
        f"item{j}": pd.Categorical.from_codes(
            [rng.choice(3, p=truth[c]) for c in classes], labels, ordered=True)
        for j in range(4)
    })
    fit = em.Mixture(em.Categorical(), 3).fit(X, n_init=3, random_state=0)
    table = em.plot.compute_profile(fit)
    order = [int(np.argmax(table["item0"][label].to_numpy())) for label in labels]  # class of each profile
    assert sorted(order) == [0, 1, 2]
    np.testing.assert_allclose(fit.params.weights.values[order], weights, atol=0.03)
    for j in range(4):
        np.testing.assert_allclose(table[f"item{j}"].to_numpy()[order], truth, atol=0.05)


def test_two_items_two_classes_reach_the_saturated_likelihood():
    """A 3 x 2 table has nonnegative rank at most 2: a two-class model fits it exactly.

    So on independent random data EM's optimum is the saturated log-likelihood
    ``sum n_ab log(n_ab / n)``, which the short-EM start already reaches: the full run
    converges after one iteration, legitimately.
    """
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.choice(list("xyz"), 300), "b": rng.choice(list("uv"), 300)})
    counts = pd.crosstab(X["a"], X["b"]).to_numpy()
    saturated = float((counts * np.log(counts / counts.sum())).sum())
    independence = sum(float(stats.entropy(X[c].value_counts()) * -len(X)) for c in X)
    fit = em.Mixture(em.Independent({"a": em.Categorical(), "b": em.Categorical()}), 2).fit(
        X, n_init=3, random_state=1)
    assert saturated > independence + 0.5  # the classes capture a real (chance) association
    assert fit.log_likelihood == pytest.approx(saturated, abs=1e-3)
    assert fit.converged and fit.n_iter <= 3


# -- helpers --------------------------------------------------------------------------------------
class _TableReader(HTMLParser):
    """The text of every cell of every table in a page, table by table and row by row."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""
            span = int(dict(attrs).get("colspan", 1))
            self.tables[-1][-1].extend([""] * (span - 1))

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _html_tables(page: str) -> list[list[list[str]]]:
    reader = _TableReader()
    reader.feed(page)
    return reader.tables


# -- category marginals and labelled scatters -------------------------------------------------------
def test_categorical_marginal_of_a_multi_feature_fit(anes_fit, anes):
    """P(x_j = c) = sum_k pi_k p_kjc, by hand from params.probs; at EM's fixed point also the data's frequencies."""
    weights = anes_fit.params.weights.values
    for column in anes:
        table = em.plot.compute_density_1d(anes_fit, anes, feature=column)
        labels = anes[column].cat.categories.tolist()
        assert table.index.tolist() == list(range(len(labels)))  # the codes of the categories, in their order
        for code, label in enumerate(labels):
            by_hand = sum(weights[k] * anes_fit.params.probs.sel(component=k, feature=column, category=label).item()
                          for k in range(2))
            assert table.loc[code, "mixture"] == pytest.approx(by_hand, rel=1e-12)
        frequencies = anes[column].value_counts(normalize=True)[labels].to_numpy()
        np.testing.assert_allclose(table["mixture"], frequencies, atol=1e-6)
        np.testing.assert_allclose(table["data"], frequencies, rtol=1e-12)


def test_categorical_marginal_of_numeric_categories():
    """Numbers as categories sit at their own values; values that are no category get no mass."""
    X = pd.DataFrame({"answer": [1, 2, 2, 5, 5, 5] * 10, "colour": ["red", "blue", "red"] * 20})
    fit = em.Mixture(em.Categorical(), 2).fit(X, random_state=0)
    table = em.plot.compute_density_1d(fit, X, feature="answer", grid=[0, 1, 2, 3, 5])
    probs = fit.params.probs.sel(feature="answer")
    weights = fit.params.weights.values
    for value in (1, 2, 5):
        expected = sum(weights[k] * probs.sel(component=k, category=str(value)).item() for k in range(2))
        assert table.loc[value, "mixture"] == pytest.approx(expected, rel=1e-12)
    assert table.loc[0, "mixture"] == 0 and table.loc[3, "mixture"] == 0
    assert table["mixture"].sum() == pytest.approx(1.0)


def test_predictive_plot_overlays_the_category_probabilities(anes_fit, anes):
    fig = em.plot.plot_predictive(anes_fit, anes, n_draws=5, random_state=0)
    for ax, column in zip(fig.axes, anes):
        (points,) = [line for line in ax.lines if line.get_label() == "fitted probability"]
        labels = anes[column].cat.categories
        np.testing.assert_array_equal(points.get_xdata(), np.arange(len(labels)))
        by_hand = anes_fit.params.weights.values @ anes_fit.params.probs.sel(feature=column, category=labels).values
        np.testing.assert_allclose(points.get_ydata(), by_hand, rtol=1e-12)
    plt.close(fig)


def _offsets(ax):
    """The drawn points of every scatter on ``ax``, stacked."""
    return np.concatenate([collection.get_offsets() for collection in ax.collections
                           if len(collection.get_offsets())])


def test_scatter_plots_label_and_jitter_categories(anes_fit, anes):
    codes = np.column_stack([anes[c].cat.codes.to_numpy() for c in ("party", "education")]).astype(float)
    data = em.plot.compute_clusters(anes_fit, anes, features=("party", "education"))
    np.testing.assert_array_equal(data.points, codes)  # the numbers stay the codes
    ax = em.plot.plot_clusters(anes_fit, anes, features=("party", "education"))
    assert [t.get_text() for t in ax.get_xticklabels()] == anes["party"].cat.categories.tolist()
    assert [t.get_text() for t in ax.get_yticklabels()] == anes["education"].cat.categories.tolist()
    assert ax.get_title() == "clusters (MAP component)"  # no ellipses for categorical components
    drawn = _offsets(ax)
    labels = data.labels
    ordered = np.concatenate([codes[labels == k] for k in range(2) if (labels == k).any()])
    shift = drawn - ordered
    assert np.all(np.abs(shift) < 0.2) and shift.std(axis=0).min() > 0.05  # spread, never past half a category
    assert abs(np.corrcoef(shift.T)[0, 1]) < 0.1  # x and y jitter independently
    plt.close(ax.figure)

    ax = em.plot.plot_uncertainty(anes_fit, anes, features=("party", "vote"))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Clinton", "Dole"]
    np.testing.assert_array_equal(np.round(ax.collections[0].get_offsets()[:, 1]), anes["vote"].cat.codes)
    plt.close(ax.figure)


def test_pairs_plot_labels_categories_and_counts_each_category(anes_fit, anes):
    fig = em.plot.plot_pairs(anes_fit, anes)
    axes = np.array(fig.axes).reshape(3, 3)
    for j, column in enumerate(anes):
        labels = anes[column].cat.categories.tolist()
        assert [t.get_text() for t in axes[2, j].get_xticklabels()] == labels
        if j:
            assert [t.get_text() for t in axes[j, 0].get_yticklabels()] == labels
        # the diagonal: one bar per category per component, stacked to the category's count
        bars = axes[j, j].patches
        counts = anes[column].value_counts()[labels].to_numpy()
        top = np.array([max(bar.get_y() + bar.get_height() for bar in bars
                            if round(bar.get_x() + bar.get_width() / 2) == c) for c in range(len(labels))])
        np.testing.assert_array_equal(top, counts)
    plt.close(fig)

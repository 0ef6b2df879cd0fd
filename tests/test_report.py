"""The HTML report and the `emkit report` command."""

import base64
from html.parser import HTMLParser

import numpy as np
import pytest

import emkit as em
from emkit.cli import main

SECTIONS = ["data", "selection", "model", "convergence", "classification", "predictive", "warnings"]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.images, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag in ("a", "link", "script") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))


def parse(text):
    page = Page()
    page.feed(text)
    return page


def assert_self_contained(page):
    assert page.images
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert all(link.startswith("#") for link in page.links), page.links


@pytest.fixture(scope="module")
def faithful():
    return em.datasets.load("faithful")


def test_report_of_a_selection_has_every_section(faithful, tmp_path):
    sel = em.select(faithful, n_components=[1, 2, 3], covariance=["VVV", "EEE"], random_state=0)
    path = tmp_path / "report.html"
    text = em.report(sel, faithful, path, n_draws=5)
    assert path.read_text(encoding="utf-8") == text
    page = parse(text)
    assert page.ids == SECTIONS
    assert_self_contained(page)
    assert len(page.images) >= 6
    # the chosen model and its standard errors are in the page
    assert "EEE with 3 components" in text
    assert "std_error" in text and "means[1, waiting]" in text


def test_report_of_a_fit_skips_selection_and_handles_other_shapes():
    rng = np.random.default_rng(0)
    three = np.concatenate([rng.normal(0, 1, (150, 3)), rng.normal(4, 1, (150, 3))])
    page = parse(em.report(em.GaussianMixture(2).fit(three, random_state=0), three, n_draws=3))
    assert "selection" not in page.ids and "classification" in page.ids
    assert_self_contained(page)
    one = three[:, :1]
    assert_self_contained(parse(em.report(em.GaussianMixture(2).fit(one, random_state=0), one, n_draws=3)))
    with pytest.raises(TypeError, match="FitResult or a Selection"):
        em.report("not a fit", one)


def test_report_command_on_the_embedded_data(tmp_path, capsys):
    path = tmp_path / "r.html"
    code = main(["report", "--dataset", "faithful", "-k", "1..3", "--covariance", "VVV,EEE", "-o", str(path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "chosen by BIC: EEE with 3 components" in out.out
    assert parse(path.read_text(encoding="utf-8")).ids == SECTIONS


def test_report_command_on_a_csv_with_columns(tmp_path, capsys, faithful):
    csv = tmp_path / "data.csv"
    faithful.assign(label="x").to_csv(csv, index=False)
    path = tmp_path / "r.html"
    code = main(["report", str(csv), "--columns", "eruptions,waiting", "-k", "2,3", "--covariance", "VVV", "-o", str(path)])
    assert code == 0, capsys.readouterr().err
    assert path.exists()


@pytest.mark.parametrize(
    "argv, status, message",
    [
        (["report", "--dataset", "faithful", "-k", "0..2"], 2, "numbers of components must be positive"),
        (["report", "--dataset", "faithful", "-k", "a"], 2, "expected a range like 1..6"),
        (["report", "--dataset", "faithful", "--covariance", "XYZ"], 1, "unknown covariance"),
        (["report", "--dataset", "nope"], 1, "unknown data set"),
    ],
)
def test_report_command_errors(argv, status, message, capsys, tmp_path):
    code = main(argv + ["-o", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == status
    assert err.startswith("emkit: error:") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_report_lists_the_fits_own_restart_warning(faithful):
    with pytest.warns(em.LocalOptimumWarning):
        fit = em.GaussianMixture(3, covariance="full").fit(faithful, n_init=10, random_state=0)
    text = em.report(fit, faithful, n_draws=3)
    warnings_section = text.split('id="warnings"', 1)[1]
    assert "restarts reached the best log-likelihood" in warnings_section

"""The HTML report and the `emkit report` command."""

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
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


def selection_table_labels(text: str) -> tuple[list, list]:
    """Row and column labels of the report's selection table."""
    table = text[text.index('<div class="wide">'):]
    table = table[: table.index("</table>")]
    head, body = table.split("<tbody>")
    columns = re.findall(r"<th>(.*?)</th>", head.split("</tr>")[0])[1:]
    rows = re.findall(r"<tr>\s*<th>(.*?)</th>", body)
    return rows, columns


def test_selection_over_every_structure_lists_them_as_rows(faithful):
    """Fourteen structures as columns would run off the page: the table turns, one row per structure."""
    text = em.report(em.select(faithful, n_components=[1, 2], random_state=0), faithful, n_draws=3)
    rows, columns = selection_table_labels(text)
    assert rows == list(em.COVARIANCE_NAMES) and columns == ["1", "2"]
    small = em.select(faithful, n_components=[1, 2], covariance=["VVV", "EEE"], random_state=0)
    rows, columns = selection_table_labels(em.report(small, faithful, n_draws=3))
    assert rows == ["1", "2"] and columns == ["VVV", "EEE"]


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
        (["report", "--dataset", "faithful", "--covariance", "XYZ"], 2, "unknown covariance"),
        (["report", "--dataset", "nope"], 2, "unknown data set"),
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


def section(text, anchor):
    """The HTML of one report section."""
    return text.split(f'id="{anchor}"', 1)[1].split("<section", 1)[0]


@pytest.fixture(scope="module")
def restarted(faithful):
    return em.GaussianMixture(2).fit(faithful, n_init=3, random_state=0)


def test_report_counts_restarts_and_iterations_like_the_text_plot_and_progress(faithful, restarted, capsys):
    fit = restarted
    n_restarts = fit.trace.sizes["restart"]
    counted = f"restart {fit.best_restart + 1} of {n_restarts}"
    convergence = section(em.report(fit, faithful, n_draws=2), "convergence")
    assert f"after {fit.n_iter} iterations ({counted})" in convergence
    assert counted in fit.summary_text() and counted in fit._repr_html_()
    # the table numbers restarts 1..n like the text
    assert [int(v) for v in re.findall(r"<th>(\d+)</th>", convergence)] == list(range(1, n_restarts + 1))
    # the progress bar ends on the last restart and the kept restart's iteration count matches the trace
    em.GaussianMixture(2).fit(faithful, n_init=3, random_state=0, progress=True)
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert f"restart {n_restarts}/{n_restarts}" in final
    last_iteration = int(fit.trace.log_likelihood.isel(restart=-1).dropna("iteration").iteration[-1])
    assert f"iter={last_iteration}," in final and last_iteration == fit.trace.n_iter.values[-1]


def test_report_convergence_table_shows_the_gaps_between_restarts(faithful, restarted):
    diag = em.convergence_diagnostics(restarted)
    convergence = section(em.report(restarted, faithful, n_draws=2), "convergence")
    for loglik, gap in zip(diag.final_log_likelihood.values, diag.gap.values):
        assert f"<td>{loglik:.2f}</td>" in convergence
        assert f"<td>{gap:.3g}</td>" in convergence
    # the restarts differ in the fifth significant digit: the old 4-digit rounding hid it
    assert len({f"{v:.4g}" for v in diag.final_log_likelihood.values}) == 1
    assert len(set(diag.gap.values)) > 1


@pytest.mark.parametrize("covariance, shared", [("VVV", False), ("EEE", True)])
def test_report_lists_each_covariance_entry_once(faithful, covariance, shared):
    fit = em.GaussianMixture(2, covariance=covariance).fit(faithful, random_state=0)
    model = section(em.report(fit, faithful, n_draws=2), "model")
    rows = re.findall(r"<th>(covariances\[[^\]]*\])</th>", model)
    components = ["all"] if shared else ["0", "1"]
    assert rows == [
        f"covariances[{k}, {a}, {b}]" for k in components
        for a, b in [("eruptions", "eruptions"), ("eruptions", "waiting"), ("waiting", "waiting")]
    ]
    # the listed value is the fitted entry itself
    value = fit.params.covariances.values[0, 0, 1]
    assert f"<td>{value:.4g}</td>" in model
    # means still differ by component
    assert "means[1, waiting]" in model


def test_regression_tables_list_only_parameters():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = np.where(rng.random(200) < 0.5, 1 + 2 * x, -1 - x) + rng.normal(scale=0.3, size=200)
    data = pd.DataFrame({"x": x, "y": y})
    fit = em.Mixture(em.Regression("y", ["x"], n_components=2)).fit(data, random_state=0)
    assert fit.parameter_table().columns.tolist() == ["weight", "coefficients[intercept]", "coefficients[x]", "sigma"]
    assert "column_role" not in fit.summary_text() and "column_role" not in fit._repr_html_()
    assert "column_role" in fit.params  # kept in the parameters: it binds the columns again on load

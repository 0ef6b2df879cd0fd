"""The ``emkit`` command: fit, select and report Gaussian mixtures and hidden Markov models from the shell.

::

    emkit report --dataset faithful -o report.html
    emkit report data.csv --columns a,b -k 1..6 -o report.html
    emkit report --dataset faithful --columns waiting --hmm --states 4 -o hmm.html
    emkit fit --dataset faithful -k 3 --covariance full --n-init 10 --seed 0 --out fit.nc
    emkit fit data.csv -k 4 --columns a,b,c
    emkit datasets

``emkit report`` fits the grid of covariance structures and numbers of
components (:func:`emkit.select`), chooses by BIC and writes the HTML report
(:func:`emkit.report`); with ``--hmm``, hidden Markov models with Gaussian
emissions over numbers of states (rows in time order). ``emkit fit`` prints
:meth:`emkit.FitResult.summary_text` and, with ``--out``, saves the fit with
:meth:`emkit.FitResult.to_netcdf`. Without ``--init`` and ``--n-init`` a
fit starts as the library does by default (``init="auto"``); mixtures take
3 restarts, hidden Markov models the library's default
(:func:`emkit.hidden_markov.default_n_init`: 2 restarts, each the best of
10 short runs). Problems are reported as one line
``emkit: error: ...`` on stderr with exit status 2 for a malformed command
line and 1 for bad data or a failed fit; emkit's warnings raised during the
fit become ``emkit: warning: ...`` lines.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import re
import sys
from dataclasses import dataclass

import pandas as pd

from . import datasets, notices
from ._input import as_observations, non_numeric_columns
from .em.init import AUTO, INIT_METHODS
from .components.covariance import COVARIANCE_NAMES, covariance_structure
from .components.gaussian import Gaussian
from .estimators import DEFAULT_MAX_ITER, DEFAULT_TOL, GaussianMixture
from .hidden_markov import DEFAULT_N_INIT as HMM_N_INIT
from .hidden_markov import HiddenMarkovModel, default_n_init
from .report import report
from .selection import CRITERIA, select

PROG = "emkit"
#: The restarts of a mixture (``emkit fit`` and ``emkit report``) and the seed of every fit: the same command
#: gives the same fit. Hidden Markov models take the library's default restarts (:func:`_n_init`).
DEFAULT_N_INIT = 3
DEFAULT_SEED = 0
_DEFAULT = " (default: %(default)s)"
#: Field separators recognised in a CSV file, in the order they are tried (see :func:`_guess_separator`).
_SEPARATORS = (";", "\t", "|", ",")
#: Lines read from the top of a CSV file to guess its separator, decimal mark and header.
_SAMPLE_LINES = 50


class _DataError(Exception):
    """Bad data or a failed fit: reported as ``emkit: error: <message>``, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one ``emkit: error:`` line (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``emkit`` command.

    Examples
    --------
    >>> from emkit.cli import build_parser
    >>> args = build_parser().parse_args(["fit", "--dataset", "faithful", "-k", "2"])
    >>> args.dataset, args.n_components, args.covariance
    ('faithful', 2, 'full')
    """
    parser = _Parser(prog=PROG, description="Latent-variable models fitted by expectation-maximisation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fit = commands.add_parser(
        "fit",
        help="fit a Gaussian mixture or a hidden Markov model to a CSV file or an embedded data set",
        description="Fit a Gaussian mixture or, with --hmm, a hidden Markov model with Gaussian emissions by EM "
        "and print a summary.",
    )
    _add_data_arguments(fit)
    fit.add_argument(
        "-k", "--n-components", type=_positive_int, default=1, metavar="K", help="number of components" + _DEFAULT
    )
    fit.add_argument(
        "--covariance", type=_covariance_name, default="full", metavar="NAME",
        help="VVV EEE VVI EEI VII EII, or full tied diag spherical" + _DEFAULT,
    )
    _add_restart_arguments(fit, "EM restarts; the best is kept")
    fit.add_argument(
        "--init", choices=(AUTO, *INIT_METHODS), default=AUTO,
        help="initialisation (default: auto, as the library: k-means++ for a Gaussian mixture; with --hmm each "
        "restart the best of 10 short runs)",
    )
    fit.add_argument(
        "--max-iter", type=_non_negative_int, default=DEFAULT_MAX_ITER, metavar="N",
        help="M-steps per restart" + _DEFAULT,
    )
    fit.add_argument(
        "--tol", type=_non_negative_float, default=DEFAULT_TOL, help="tolerance on the mean log-likelihood" + _DEFAULT
    )
    fit.add_argument("--out", metavar="PATH", help="save the fit as netCDF (read it with emkit.load_fit)")
    fit.add_argument(
        "--hmm", action="store_true",
        help="fit a hidden Markov model with Gaussian emissions (rows in time order) instead of a mixture",
    )
    fit.add_argument("--states", type=_positive_int, metavar="K", help="number of hidden states (with --hmm)")
    fit.add_argument(
        "--sequence-column", metavar="NAME",
        help="column of sequence ids (with --hmm; each sequence's rows consecutive); default: one sequence",
    )
    fit.set_defaults(run=_fit_command)

    report = commands.add_parser(
        "report",
        help="select a Gaussian mixture or a hidden Markov model and write an HTML report",
        description="Fit Gaussian mixtures over covariance structures and numbers of components or, with --hmm, "
        "hidden Markov models with Gaussian emissions over numbers of states, choose by BIC (or --criterion) and "
        "write a self-contained HTML report.",
    )
    _add_data_arguments(report)
    report.add_argument(
        "-k", "--n-components", type=_components_range, metavar="K",
        help="numbers of components: a range 1..6, a list 2,3,5 or one number (default: 1..9)",
    )
    report.add_argument(
        "--covariance", type=_covariance_names, default=",".join(COVARIANCE_NAMES), metavar="NAMES",
        help="comma-separated covariance structures (default: all fourteen)",
    )
    report.add_argument("--criterion", choices=CRITERIA, default="bic", help="selection criterion" + _DEFAULT)
    report.add_argument(
        "--hmm", action="store_true",
        help="select hidden Markov models with Gaussian emissions (rows in time order) instead of mixtures",
    )
    report.add_argument(
        "--states", type=_states_range, metavar="K",
        help="numbers of hidden states (with --hmm): K for 1..K, a range 2..5 or a list 2,3,5 (default: 1..4)",
    )
    report.add_argument(
        "--sequence-column", metavar="NAME",
        help="column of sequence ids (with --hmm; each sequence's rows consecutive); default: one sequence",
    )
    _add_restart_arguments(report, "EM restarts per model")
    report.add_argument("-o", "--out", metavar="PATH", default="report.html", help="the HTML file" + _DEFAULT)
    report.set_defaults(run=_report_command)

    listing = commands.add_parser("datasets", help="list the embedded data sets")
    listing.set_defaults(run=_datasets_command)
    return parser


def main(argv=None) -> int:
    """Run the ``emkit`` command and return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 for bad data or a failed fit, 2 for a usage error.

    Examples
    --------
    >>> from emkit.cli import main
    >>> main(["datasets"])  # doctest: +ELLIPSIS
    faithful  Old Faithful geyser: ...
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already reported
        return done.code if isinstance(done.code, int) else 0
    try:
        with notices.collect() as caught:
            try:
                return args.run(args)
            finally:
                for notice in caught:
                    _report("warning", notice.message)
    except (_DataError, ValueError, TypeError, OSError) as err:
        _report("error", _reason(err))
        return 1


def _add_data_arguments(command: argparse.ArgumentParser) -> None:
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("csv", nargs="?", metavar="CSV", help="CSV file with a header row, observations in rows")
    source.add_argument("--dataset", type=_dataset_name, metavar="NAME", help="an embedded data set instead (see 'emkit datasets')")
    command.add_argument("--columns", metavar="A,B,...", help="comma-separated columns to use (default: all)")
    command.add_argument(
        "--sep", type=_separator, metavar="CHAR",
        help="field separator of the CSV file, \\t for a tab (default: guessed among ; tab | and ,)",
    )
    command.add_argument(
        "--decimal", choices=(".", ","),
        help="decimal mark (default: ',' if the separator is not a comma and the numbers have decimal commas)",
    )
    command.add_argument(
        "--header", action=argparse.BooleanOptionalAction,
        help="whether the first row holds column names (default: yes, unless every name in it is a number)",
    )


def _separator(text: str) -> str:
    """One character, or ``\\t`` for a tab (argparse type)."""
    sep = "\t" if text in ("\\t", "tab") else text
    if len(sep) != 1 or sep in "\r\n\"":
        raise argparse.ArgumentTypeError(f"expected one character (or \\t for a tab), got {text!r}")
    return sep


def _add_restart_arguments(command: argparse.ArgumentParser, n_init_help: str) -> None:
    command.add_argument(
        "--n-init", type=_positive_int, metavar="N",
        help=f"{n_init_help} (default: {DEFAULT_N_INIT}; with --hmm the library's, {HMM_N_INIT} with the default "
        "--init)",
    )
    command.add_argument(
        "--seed", type=_non_negative_int, default=DEFAULT_SEED,
        help="random seed; the same seed gives the same fit" + _DEFAULT,
    )


def _positive_int(text: str) -> int:
    """An integer of at least 1 (argparse type)."""
    return _bounded(int, text, 1, "a positive integer")


def _non_negative_int(text: str) -> int:
    """An integer of at least 0 (argparse type)."""
    return _bounded(int, text, 0, "a non-negative integer")


def _non_negative_float(text: str) -> float:
    """A finite number of at least 0 (argparse type)."""
    return _bounded(float, text, 0, "a finite non-negative number")


def _bounded(convert, text: str, low, expected: str):
    """``convert(text)`` if it is finite and at least ``low``; else an argparse error saying what was expected."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not low <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _covariance_name(text: str) -> str:
    """One covariance structure name, checked (argparse type)."""
    try:
        covariance_structure(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _covariance_names(text: str) -> list[str]:
    """Comma-separated covariance structure names, checked (argparse type)."""
    names = [_covariance_name(name.strip()) for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated covariance names, got {text!r}")
    return names


def _dataset_name(text: str) -> str:
    """The name of an embedded data set (argparse type)."""
    if text not in datasets.names():
        raise argparse.ArgumentTypeError(f"unknown data set {text!r}; embedded: {', '.join(datasets.names())}")
    return text


def _components_range(text: str) -> list[int]:
    """``"1..6"``, ``"2,3,5"`` or ``"4"`` as a list of positive integers (argparse type)."""
    try:
        if ".." in text:
            low, high = (int(v) for v in text.split(".."))
            counts = list(range(low, high + 1))
        else:
            counts = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a range like 1..6, a list like 2,3,5 or a number, got {text!r}")
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"numbers of components must be positive, got {text!r}")
    return counts


def _states_range(text: str) -> list[int]:
    """``"K"`` as ``1..K``, or a range ``"2..5"`` or list ``"2,3,5"`` of numbers of states (argparse type).

    Examples
    --------
    >>> from emkit.cli import _states_range
    >>> _states_range("3"), _states_range("2..4"), _states_range("2,5")
    ([1, 2, 3], [2, 3, 4], [2, 5])
    """
    counts = _components_range(text)
    return list(range(1, counts[0] + 1)) if text.strip().isdigit() else counts


def _numeric_table(args: argparse.Namespace, keep: str | None = None) -> pd.DataFrame:
    """The selected columns of the data, checked to be numeric and finite; the column ``keep`` (ids) last, unchecked."""
    source = args.csv if args.dataset is None else f"data set {args.dataset!r}"
    table = _read_table(args)
    ids = None
    if keep is not None:
        if keep not in table.columns:
            raise _DataError(f"{source} has no column {keep!r} (--sequence-column); its columns: "
                             f"{', '.join(map(str, table.columns))}")
        ids, table = table[keep], table.drop(columns=[keep])
    table = _select_columns(table, args.columns)
    bad = non_numeric_columns(table)
    if bad:
        raise _DataError(
            f"{source} has non-numeric column(s): {', '.join(bad)}; choose numeric columns with --columns"
        )
    as_observations(table, name=source)  # names the data in errors about its values
    return table if ids is None else table.assign(**{keep: ids})


def _report_command(args: argparse.Namespace) -> int:
    """``emkit report``: select over the grid (of mixtures, or of hidden Markov models), then write the HTML report."""
    if args.hmm and args.n_components is not None:
        raise _DataError("with --hmm, give the numbers of states with --states, not -k")
    if not args.hmm and (args.states is not None or args.sequence_column is not None):
        raise _DataError("--states and --sequence-column need --hmm")
    _check_writable(args.out)
    options = dict(criterion=args.criterion, n_init=_n_init(args), random_state=args.seed, progress=sys.stderr.isatty())
    if args.hmm:
        table = _numeric_table(args, keep=args.sequence_column)
        covariances = _distinct_structures(args.covariance, table.shape[1] - (args.sequence_column is not None))
        models = [HiddenMarkovModel(Gaussian(name), n_states=1) for name in covariances]
        selection = select(table, n_components=args.states or [1, 2, 3, 4], model=models,
                           sequence_column=args.sequence_column, **options)
        counted = "states"
    else:
        table = _numeric_table(args)
        selection = select(table, n_components=args.n_components or _components_range("1..9"),
                           covariance=_distinct_structures(args.covariance, table.shape[1]), **options)
        counted = "components"
    key = selection.best_key
    report(selection, table, args.out, sequence_column=args.sequence_column)
    print(f"chosen by {args.criterion.upper()}: {key[0]} with {key[1]} {counted}")
    print(f"report written to {args.out}")
    return 0


def _distinct_structures(names: list[str], n_features: int) -> list[str]:
    """The covariance structures of ``names`` that are different models for data with ``n_features`` features.

    With one feature a structure is only its volume, shared by the
    components (``E..``: EEE, EEI, EII are one model) or not (``V..``: VVV,
    VVI, VII are one model): the first of each is kept, and a note on stderr
    says which were left out. With more features, all of ``names``.

    Examples
    --------
    >>> _distinct_structures(["full", "VVI", "EII", "VII", "EEE"], 1)
    ['VVV', 'EII']
    >>> _distinct_structures(["VVV", "VII"], 2)
    ['VVV', 'VII']
    """
    if n_features != 1:
        return list(names)
    canonical = list(dict.fromkeys(covariance_structure(name).name for name in names))
    kept = {}
    for name in canonical:
        kept.setdefault(name[0], name)
    left_out = [name for name in canonical if name not in kept.values()]
    if left_out:
        _report("note", f"one feature: {', '.join(left_out)} fit the same model as "
                        f"{' or '.join(kept.values())} (a variance shared by the components or not); fitting "
                        f"{', '.join(kept.values())} only")
    return list(kept.values())


def _n_init(args: argparse.Namespace) -> int:
    """The restarts: ``--n-init`` if given, else ``DEFAULT_N_INIT`` for a mixture and the library's for ``--hmm``.

    Examples
    --------
    >>> from emkit.cli import _n_init, build_parser
    >>> [_n_init(build_parser().parse_args(["fit", "--dataset", "faithful", *more]))
    ...  for more in ([], ["--hmm"], ["--hmm", "--init", "kmeans++"], ["--hmm", "--n-init", "4"])]
    [3, 2, 10, 4]
    """
    if args.n_init is not None:
        return args.n_init
    return default_n_init(getattr(args, "init", AUTO)) if args.hmm else DEFAULT_N_INIT


def _fit_command(args: argparse.Namespace) -> int:
    """``emkit fit``: read the data, fit, print the summary, save the fit; errors are raised."""
    if not args.hmm and (args.states is not None or args.sequence_column is not None):
        raise _DataError("--states and --sequence-column need --hmm")
    if args.hmm and args.states is not None and args.n_components != 1:
        raise _DataError("give the number of states once: --states with --hmm, not -k as well")
    if args.out is not None:
        _check_writable(args.out)
    options = dict(n_init=_n_init(args), init=args.init, max_iter=args.max_iter, tol=args.tol, random_state=args.seed)
    if args.hmm:
        model = HiddenMarkovModel(Gaussian(args.covariance), n_states=args.states or args.n_components)
        table = _numeric_table(args, keep=args.sequence_column)
        fit = model.fit(table, sequence_column=args.sequence_column, **options)
    else:
        fit = GaussianMixture(args.n_components, covariance=args.covariance).fit(_numeric_table(args), **options)
    print(fit.summary_text())
    if args.out is not None:
        try:
            fit.to_netcdf(args.out)
        except OSError as err:
            raise _DataError(f"cannot write {args.out}: {_reason(err)}") from None
        print(f"saved to {args.out}")
    return 0


def _datasets_command(args: argparse.Namespace) -> int:
    """``emkit datasets``: print each embedded data set with its description."""
    names = datasets.names()
    width = max(map(len, names))
    for name in names:
        print(f"{name:<{width}}  {datasets.describe(name)}")
    return 0


def _read_table(args: argparse.Namespace) -> pd.DataFrame:
    if args.dataset is not None:
        return datasets.load(args.dataset)
    try:
        layout = _csv_layout(_sample_lines(args.csv), args.sep, args.decimal, args.header)
        for note in _layout_notes(layout, args):
            _report("note", f"{args.csv}: {note}")
        table = pd.read_csv(
            args.csv, sep=layout.sep, decimal=layout.decimal, header=0 if layout.header else None,
            index_col=0 if layout.index else None, encoding="utf-8-sig",
        )
    except OSError as err:  # missing or unreadable
        raise _DataError(f"cannot read {args.csv}: {_reason(err)}") from None
    except UnicodeDecodeError:
        raise _DataError(f"{args.csv} is not a CSV file: it is not UTF-8 text") from None
    except ValueError as err:  # empty or malformed
        raise _DataError(f"{args.csv} is not a valid CSV file: {err}") from None
    if table.empty:
        raise _DataError(f"{args.csv} has no data rows")
    if not layout.header:
        table.columns = [str(number) for number in range(table.shape[1])]
    return table


@dataclass(frozen=True)
class _CsvLayout:
    """How a CSV file is written: separator, decimal mark, header row, unnamed index column."""

    sep: str
    decimal: str
    header: bool
    index: bool


def _sample_lines(path: str) -> list[str]:
    """The first non-blank lines of a text file, to guess its layout from."""
    with open(path, encoding="utf-8-sig", newline="") as text:
        lines = (line.rstrip("\r\n") for line in itertools.islice(text, _SAMPLE_LINES))
        return [line for line in lines if line.strip()]


def _csv_layout(lines: list[str], sep: str | None, decimal: str | None, header: bool | None) -> _CsvLayout:
    """The layout of a CSV file from its first lines; the options given on the command line win.

    Examples
    --------
    >>> from emkit.cli import _csv_layout
    >>> _csv_layout(["a;b", "1,5;2,25"], None, None, None)
    _CsvLayout(sep=';', decimal=',', header=True, index=False)
    >>> _csv_layout([",a,b", "0,1.5,2"], None, None, None)
    _CsvLayout(sep=',', decimal='.', header=True, index=True)
    >>> _csv_layout(["1.5,2", "3,4"], None, None, None)
    _CsvLayout(sep=',', decimal='.', header=False, index=False)
    """
    sep = _guess_separator(lines) if sep is None else sep
    rows = list(csv.reader(lines, delimiter=sep))
    decimal = _guess_decimal(rows, sep) if decimal is None else decimal
    first = rows[0] if rows else []
    if header is None:
        header = not (first and all(_is_number(field, decimal) for field in first))
    index = header and len(first) > 1 and not first[0].strip()
    return _CsvLayout(sep, decimal, header, index)


def _guess_separator(lines: list[str]) -> str:
    """The first of ``; tab | ,`` that splits every line into the same number (at least 2) of fields.

    A comma can be a decimal mark inside semicolon- or tab-separated fields, never the other way
    round, so the comma is tried last; it is also the answer when no candidate fits.
    """
    for sep in _SEPARATORS:
        widths = {len(row) for row in csv.reader(lines, delimiter=sep)}
        if len(widths) == 1 and widths.pop() > 1:
            return sep
    return ","


def _guess_decimal(rows: list[list[str]], sep: str) -> str:
    """``","`` if the separator is not a comma and some field is a number with a decimal comma."""
    if sep != "," and any("," in field and _is_number(field, ",") for row in rows for field in row):
        return ","
    return "."


def _is_number(field: str, decimal: str) -> bool:
    """Whether ``field`` is written as a decimal number (``-1``, ``2.5``, ``3e-2``; ``2,5`` with a decimal comma)."""
    mark = re.escape(decimal)
    return re.fullmatch(rf"[+-]?(\d+{mark}?\d*|{mark}\d+)([eE][+-]?\d+)?", field.strip()) is not None


def _layout_notes(layout: _CsvLayout, args: argparse.Namespace) -> list[str]:
    """One line for each guess about the file that changes how it is read."""
    notes = []
    if args.sep is None and layout.sep != ",":
        notes.append(f"read as separated by {layout.sep!r} (set it with --sep)")
    if args.decimal is None and layout.decimal != ".":
        notes.append("read with decimal comma (set it with --decimal)")
    if args.header is None and not layout.header:
        notes.append(
            "the first row is all numbers, so it is read as data and the columns are named 0, 1, ... "
            "(use --header if it is a header row)"
        )
    if layout.index:
        notes.append(
            "the first column has no name, as pandas writes a row index: it is read as the row labels, not as a feature"
        )
    return notes


def _select_columns(table: pd.DataFrame, columns: str | None) -> pd.DataFrame:
    if columns is None:
        return table
    names = [name.strip() for name in columns.split(",")]
    available = [str(c) for c in table.columns]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise _DataError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; available: {', '.join(available)}"
        )
    if len(set(names)) < len(names):
        raise _DataError(f"--columns names a column twice: {columns}")
    return table.iloc[:, [available.index(name) for name in names]]


def _check_writable(path: str) -> None:
    """Fail before fitting if ``path`` cannot be a file in an existing directory."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise _DataError(f"cannot write {path}: no such directory {directory}")
    if os.path.isdir(path):
        raise _DataError(f"cannot write {path}: it is a directory")


def _reason(err: BaseException) -> str:
    """A one-line description of an exception (OS errors by their errno text)."""
    return os.strerror(err.errno) if isinstance(err, OSError) and err.errno else str(err)


def _report(kind: str, message) -> None:
    print(f"{PROG}: {kind}: {' '.join(str(message).split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

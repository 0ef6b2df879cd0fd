"""The ``emkit`` command: fit, select and report Gaussian mixtures from the shell.

::

    emkit report --dataset faithful -o report.html
    emkit report data.csv --columns a,b -k 1..6 -o report.html
    emkit fit --dataset faithful -k 3 --covariance full --n-init 10 --seed 0 --out fit.nc
    emkit fit data.csv -k 4 --columns a,b,c
    emkit datasets

``emkit report`` fits the grid of covariance structures and numbers of
components (:func:`emkit.select`), chooses by BIC and writes the HTML report
(:func:`emkit.report`). ``emkit fit`` prints :meth:`emkit.FitResult.summary_text` and, with
``--out``, saves the fit with :meth:`emkit.FitResult.to_netcdf`. Problems are
reported as one line ``emkit: error: ...`` on stderr with exit status 2 for
a malformed command line and 1 for bad data or a failed fit; emkit's warnings
raised during the fit become ``emkit: warning: ...`` lines.
"""

from __future__ import annotations

import argparse
import os
import sys

import pandas as pd

from . import datasets, notices
from ._input import as_observations, non_numeric_columns
from .em.init import INIT_METHODS
from .components.covariance import COVARIANCE_NAMES
from .estimators import DEFAULT_MAX_ITER, DEFAULT_TOL, GaussianMixture
from .report import report
from .selection import CRITERIA, select

PROG = "emkit"


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
        help="fit a Gaussian mixture to a CSV file or an embedded data set",
        description="Fit a Gaussian mixture by EM and print a summary.",
    )
    _add_data_arguments(fit)
    default = " (default: %(default)s)"
    fit.add_argument("-k", "--n-components", type=int, default=1, metavar="K", help="number of components" + default)
    fit.add_argument(
        "--covariance", default="full", metavar="NAME",
        help="VVV EEE VVI EEI VII EII, or full tied diag spherical" + default,
    )
    fit.add_argument("--n-init", type=int, default=1, metavar="N", help="EM restarts; the best is kept" + default)
    fit.add_argument("--init", choices=INIT_METHODS, default=INIT_METHODS[0], help="initialisation" + default)
    fit.add_argument(
        "--max-iter", type=int, default=DEFAULT_MAX_ITER, metavar="N", help="M-steps per restart" + default
    )
    fit.add_argument("--tol", type=float, default=DEFAULT_TOL, help="tolerance on the mean log-likelihood" + default)
    fit.add_argument("--seed", type=int, help="random seed (default: unseeded)")
    fit.add_argument("--out", metavar="PATH", help="save the fit as netCDF (read it with emkit.load_fit)")
    fit.set_defaults(run=_fit_command)

    report = commands.add_parser(
        "report",
        help="select a Gaussian mixture and write an HTML report",
        description="Fit Gaussian mixtures over covariance structures and numbers of components, choose by BIC "
        "and write a self-contained HTML report.",
    )
    _add_data_arguments(report)
    report.add_argument(
        "-k", "--n-components", type=_components_range, default=_components_range("1..9"), metavar="K",
        help="numbers of components: a range 1..6, a list 2,3,5 or one number (default: 1..9)",
    )
    report.add_argument(
        "--covariance", default=",".join(COVARIANCE_NAMES), metavar="NAMES",
        help="comma-separated covariance structures (default: all six)",
    )
    report.add_argument("--criterion", choices=CRITERIA, default="bic", help="selection criterion" + default)
    report.add_argument("--n-init", type=int, default=3, metavar="N", help="EM restarts per model" + default)
    report.add_argument("--seed", type=int, default=0, help="random seed" + default)
    report.add_argument("-o", "--out", metavar="PATH", default="report.html", help="the HTML file" + default)
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
    source.add_argument("--dataset", metavar="NAME", help="an embedded data set instead (see 'emkit datasets')")
    command.add_argument("--columns", metavar="A,B,...", help="comma-separated columns to use (default: all)")


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


def _numeric_table(args: argparse.Namespace) -> pd.DataFrame:
    """The selected columns of the data, checked to be numeric and finite."""
    source = args.csv if args.dataset is None else f"data set {args.dataset!r}"
    table = _select_columns(_read_table(args), args.columns)
    bad = non_numeric_columns(table)
    if bad:
        raise _DataError(
            f"{source} has non-numeric column(s): {', '.join(bad)}; choose numeric columns with --columns"
        )
    as_observations(table, name=source)  # names the data in errors about its values
    return table


def _report_command(args: argparse.Namespace) -> int:
    """``emkit report``: select over the grid, then write the HTML report."""
    _check_writable(args.out)
    table = _numeric_table(args)
    covariances = [name.strip() for name in args.covariance.split(",") if name.strip()]
    selection = select(
        table, n_components=args.n_components, covariance=covariances, criterion=args.criterion,
        n_init=args.n_init, random_state=args.seed, progress=sys.stderr.isatty(),
    )
    key = selection.best_key
    report(selection, table, args.out)
    print(f"chosen by {args.criterion.upper()}: {key[0]} with {key[1]} components")
    print(f"report written to {args.out}")
    return 0


def _fit_command(args: argparse.Namespace) -> int:
    """``emkit fit``: read the data, fit, print the summary, save the fit; errors are raised."""
    model = GaussianMixture(args.n_components, covariance=args.covariance)
    if args.out is not None:
        _check_writable(args.out)
    table = _numeric_table(args)
    fit = model.fit(
        table, n_init=args.n_init, init=args.init, max_iter=args.max_iter, tol=args.tol, random_state=args.seed
    )
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
        table = pd.read_csv(args.csv)
    except OSError as err:  # missing or unreadable
        raise _DataError(f"cannot read {args.csv}: {_reason(err)}") from None
    except UnicodeDecodeError:
        raise _DataError(f"{args.csv} is not a CSV file: it is not UTF-8 text") from None
    except ValueError as err:  # empty or malformed
        raise _DataError(f"{args.csv} is not a valid CSV file: {err}") from None
    if table.empty:
        raise _DataError(f"{args.csv} has no data rows")
    return table


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

"""Model selection over a grid of covariance structures and numbers of components.

``em.select`` fits a Gaussian mixture for every ``(covariance, n_components)``
cell, as mclust's ``Mclust`` does, and keeps the cell with the best
information criterion (lower is better on emkit's scale; see
:mod:`emkit.diagnostics.criteria`). A cell that cannot be fitted is recorded
with its reason and NaN criteria rather than stopping the grid.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from .components.covariance import COVARIANCE_NAMES, covariance_structure
from .em.progress import progress_bar
from .estimators import GaussianMixture
from .results.fit_result import FitResult

CRITERIA = ("bic", "aic", "icl")


@dataclass
class Selection:
    """The grid of fits and the chosen one.

    Attributes
    ----------
    grid : xarray.Dataset
        Over ``(covariance, n_components)``: ``log_likelihood``, ``n_params``,
        ``bic``, ``aic``, ``icl``, ``converged``, ``n_iter``, ``degenerate``
        (a component's spread is set by ``reg_covar``, not the data: such cells
        are never chosen, as mclust reports them singular), ``error`` (why a
        cell failed; empty otherwise) and ``warning`` (the first warning a
        cell raised). Failed cells have NaN criteria.
    criterion : str
        The criterion used to choose: ``"bic"``, ``"aic"`` or ``"icl"``.
    fits : dict
        ``(covariance, n_components) -> FitResult`` for every fitted cell.

    Examples
    --------
    >>> import emkit as em
    >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
    >>> sel.best_key
    ('VVV', 2)
    """

    grid: xr.Dataset
    criterion: str
    fits: dict = field(default_factory=dict)

    @property
    def best_key(self) -> tuple[str, int]:
        """``(covariance, n_components)`` of the non-degenerate cell with the lowest criterion."""
        values = self.grid[self.criterion].where(~self.grid.degenerate)
        if not np.isfinite(values.values).any():
            raise ValueError("no cell of the grid could be fitted without degenerate components; see grid.error")
        flat = values.where(np.isfinite(values)).argmin(dim=["covariance", "n_components"])
        return str(self.grid.covariance.values[int(flat["covariance"])]), int(
            self.grid.n_components.values[int(flat["n_components"])]
        )

    @property
    def best(self) -> FitResult:
        """The fit of :attr:`best_key`."""
        return self.fits[self.best_key]

    def table(self, criterion: str | None = None):
        """The criterion as a pandas DataFrame: one row per number of components, one column per covariance.

        Examples
        --------
        >>> import emkit as em
        >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
        >>> sel.table().shape
        (2, 2)
        """
        return self.grid[_check_criterion(criterion or self.criterion)].transpose("n_components", "covariance").to_pandas()


    def _repr_html_(self) -> str:
        """The criterion table for Jupyter, the chosen cell in bold."""
        best = self.best_key if np.isfinite(self.grid[self.criterion].values).any() else None
        table = self.table()

        def cell(value, covariance, k):
            text = "failed" if not np.isfinite(value) else f"{value:.2f}"
            return f"<b>{text}</b>" if (covariance, k) == best else text

        header = "".join(f"<th>{c}</th>" for c in table.columns)
        rows = "".join(
            f"<tr><th>{k}</th>" + "".join(f"<td>{cell(table.loc[k, c], c, k)}</td>" for c in table.columns) + "</tr>"
            for k in table.index
        )
        chosen = f"{best[0]} with {best[1]} components" if best else "none"
        return (
            f"<div><p><b>emkit Selection</b> by {self.criterion.upper()} (lower is better): chosen {chosen}</p>"
            f"<table><tr><th>K</th>{header}</tr>{rows}</table></div>"
        )


def select(
    X,
    n_components=range(1, 10),
    covariance=None,
    *,
    criterion: str = "bic",
    n_init: int = 1,
    random_state=0,
    reg_covar: float | None = None,
    progress: bool | None = None,
    **fit_options,
) -> Selection:
    """Fit Gaussian mixtures over a grid and choose by an information criterion.

    Parameters
    ----------
    X : data
        As for :meth:`emkit.Mixture.fit`.
    n_components : iterable of int, default 1..9
    covariance : list of str, optional
        Covariance structures (mclust or scikit-learn names); by default all six.
    criterion : {"bic", "aic", "icl"}, default "bic"
        Lower is better.
    n_init : int, default 1
        Restarts per cell.
    random_state : int, Generator or None, default 0
        The same seed is used for every cell, so a cell's fit equals fitting
        that model alone with the same arguments.
    reg_covar : float, optional
        Passed to every Gaussian mixture.
    progress : bool or None, default None
        Show a progress bar over the grid's cells, naming the model being
        fitted, on standard error (a widget in Jupyter). None shows it on a
        terminal or in Jupyter only, True always, False never.
    **fit_options
        Passed to ``fit`` (``init``, ``max_iter``, ``tol``, ``sample_weight``...).

    Returns
    -------
    Selection

    Examples
    --------
    >>> import emkit as em
    >>> sel = em.select(em.datasets.load("faithful"), n_components=range(1, 4), random_state=0)
    >>> sel.best_key
    ('EEE', 3)
    >>> sel.grid.bic.sizes
    Frozen({'covariance': 6, 'n_components': 3})
    """
    criterion = _check_criterion(criterion)
    names = [covariance_structure(c).name for c in (COVARIANCE_NAMES if covariance is None else covariance)]
    counts = [int(k) for k in n_components]
    if not names or not counts:
        raise ValueError("select needs at least one covariance and one number of components")
    shape = (len(names), len(counts))
    table = {name: np.full(shape, np.nan) for name in ("log_likelihood", "n_params", "bic", "aic", "icl", "n_iter")}
    converged = np.zeros(shape, dtype=bool)
    degenerate = np.zeros(shape, dtype=bool)
    errors = np.full(shape, "", dtype=object)
    first_warning = np.full(shape, "", dtype=object)
    model_options = {} if reg_covar is None else {"reg_covar": reg_covar}
    fits = {}
    cells = itertools.product(enumerate(names), enumerate(counts))
    with progress_bar(cells, progress, total=len(names) * len(counts), desc="select", unit="model") as bar:
        for (i, name), (j, k) in bar:
            bar.set_postfix_str(f"{name} K={k}")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    fit = GaussianMixture(k, covariance=name, **model_options).fit(
                        X, n_init=n_init, random_state=random_state, progress=False, **fit_options
                    )
                except (ValueError, np.linalg.LinAlgError) as err:
                    errors[i, j] = f"{type(err).__name__}: {err}"
                    continue
                finally:
                    if caught:
                        first_warning[i, j] = str(caught[0].message)
            fits[name, k] = fit
            degenerate[i, j] = bool(fit.degenerate_components)
            values = {"log_likelihood": fit.log_likelihood, "n_params": fit.n_params, "bic": fit.bic(),
                      "aic": fit.aic(), "icl": fit.icl(), "n_iter": fit.n_iter}
            for key, value in values.items():
                table[key][i, j] = value
            converged[i, j] = fit.converged
    dims = ("covariance", "n_components")
    grid = xr.Dataset(
        {name: (dims, values) for name, values in table.items()}
        | {
            "converged": (dims, converged),
            "degenerate": (dims, degenerate),
            "error": (dims, errors.astype(str)),
            "warning": (dims, first_warning.astype(str)),
        },
        coords={"covariance": names, "n_components": counts},
        attrs={"criterion": criterion, "note": "criteria on scikit-learn's scale: lower is better"},
    )
    return Selection(grid, criterion, fits)


def _check_criterion(criterion: str) -> str:
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    return criterion

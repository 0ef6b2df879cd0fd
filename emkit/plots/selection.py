"""Model-selection plot: a criterion against the number of components, one line per covariance."""

from __future__ import annotations

from ._common import get_ax

_MARKERS = "osD^vP*Xh<>p"


def compute_selection(selection, criterion: str | None = None, mclust_sign: bool = False):
    """The criterion table drawn by :func:`plot_selection` and the chosen cell.

    Parameters
    ----------
    selection : Selection
        From :func:`emkit.select`.
    criterion : {"bic", "aic", "icl"}, optional
        Defaults to the selection's criterion.
    mclust_sign : bool, default False
        Return the negated criterion (mclust prints ``-BIC``: higher is better).

    Returns
    -------
    table : pandas.DataFrame
        Rows the numbers of components (``n_components``, or ``n_states``
        over hidden Markov models), columns the covariances or models; the values of
        :meth:`Selection.table` (negated if ``mclust_sign``): NaN for failed
        cells and for cells with a degenerate component, which are never
        chosen (mclust shows them as missing).
    best : tuple (str, int) or None
        The chosen cell, :meth:`Selection.chosen` for ``criterion``
        (``selection.best_key`` for the selection's own), or None if no cell
        was fitted without degenerate components.

    Examples
    --------
    >>> import emkit as em
    >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
    >>> table, best = em.plot.compute_selection(sel)
    >>> table.shape, best
    ((2, 2), ('VVV', 2))
    """
    name = criterion or selection.criterion
    table = selection.table(name)
    return (-table if mclust_sign else table), selection.chosen(name)


def plot_selection(selection, criterion: str | None = None, mclust_sign: bool = False, ax=None):
    """Draw the criterion against the number of components, one line per covariance structure.

    With ``mclust_sign=True`` this is mclust's classic BIC plot (``-BIC``,
    higher is better); by default emkit's sign (lower is better). Failed cells
    and cells with a degenerate component are gaps in their line (mclust
    shows them as missing); the chosen cell, ``selection.best_key`` for the
    selection's own criterion, is circled.

    Parameters
    ----------
    selection : Selection
    criterion : {"bic", "aic", "icl"}, optional
    mclust_sign : bool, default False
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import emkit as em
    >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2, 3], covariance=["VVV", "EII"], random_state=0)
    >>> ax = em.plot.plot_selection(sel, mclust_sign=True)
    >>> [line.get_label() for line in ax.lines][:2]
    ['VVV', 'EII']
    >>> plt.close(ax.figure)
    """
    name = criterion or selection.criterion
    table, best = compute_selection(selection, name, mclust_sign)
    ax = get_ax(ax)
    ks = table.index.to_numpy()
    for i, covariance in enumerate(table.columns):
        ax.plot(ks, table[covariance].to_numpy(dtype=float), marker=_MARKERS[i % len(_MARKERS)], label=str(covariance))
    if best is not None:
        ax.scatter([best[1]], [table.loc[best[1], best[0]]], s=250, facecolors="none", edgecolors="k", lw=2,
                   zorder=3, label=f"chosen: {best[0]}, {best[1]}")
    ax.set_xticks(ks)
    ax.set_xlabel(f"number of {selection.grid.attrs.get('latent', 'component')}s")
    ax.set_ylabel(("-" if mclust_sign else "") + name.upper())
    ax.set_title(f"{name.upper()} ({'higher' if mclust_sign else 'lower'} is better)")
    ax.legend(fontsize="small", ncol=2)
    return ax

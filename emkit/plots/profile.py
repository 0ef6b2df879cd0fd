"""Categorical features: the profile plot of a latent class model, category labels on axes, jitter in scatters.

The profile plot is poLCA's picture of a latent class model: for each item
(categorical feature) the probability of each of its categories given the
component, ``P(category | component) = p_kjc`` (``fit.params.probs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import component_colors, pyplot

#: Tick labels are turned when a panel's labels are longer than this many characters in all.
_LONG_LABELS = 24
#: Half-width of the uniform jitter that scatter plots add to a categorical feature's values.
CATEGORY_JITTER = 0.2


def compute_profile(fit) -> pd.DataFrame:
    """The item-response probabilities ``P(category | component)`` drawn by :func:`plot_profile`.

    :meth:`emkit.FitResult.item_response_table`: one row per component,
    columns ``(feature, category)`` with each categorical feature's own
    categories in their order (a pandas categorical's declared order); each
    feature's probabilities sum to 1 in every row.

    Parameters
    ----------
    fit : FitResult
        A fit with :class:`emkit.Categorical` components (alone or as parts
        of :class:`emkit.Independent`).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If the fit has no categorical features.

    Examples
    --------
    >>> import pandas as pd, emkit as em
    >>> X = pd.DataFrame({"colour": ["red", "blue", "red", "red"] * 10, "answer": [1, 2, 2, 2] * 10})
    >>> fit = em.Mixture(em.Categorical(), 1).fit(X)
    >>> em.plot.compute_profile(fit)["colour"].loc[0].to_dict()
    {'blue': 0.25, 'red': 0.75}
    """
    table = fit.item_response_table()
    if not len(table.columns):
        raise ValueError(
            "the fit has no categorical features: a profile plot shows the category probabilities of "
            "em.Categorical components (alone or in em.Independent)"
        )
    return table


def _panel_grid(n_panels: int, max_columns: int = 3) -> tuple[int, int]:
    """Rows and columns of a grid holding ``n_panels`` panels, at most ``max_columns`` wide."""
    columns = min(n_panels, max_columns)
    return -(-n_panels // columns), columns


def _draw_item(ax, probs: pd.DataFrame, weights: np.ndarray) -> None:
    """Grouped bars: for each category of one item, one bar per component at ``P(category | component)``."""
    n_components, n_categories = probs.shape
    width = 0.8 / n_components
    positions = np.arange(n_categories)
    for k, color in enumerate(component_colors(n_components)):
        offset = (k - (n_components - 1) / 2) * width
        ax.bar(positions + offset, probs.iloc[k].to_numpy(), width, color=color,
               label=f"component {probs.index[k]} ({weights[k]:.0%})")
    set_category_ticks(ax, positions, [str(c) for c in probs.columns])
    ax.set_ylim(0, 1)


def set_category_ticks(ax, positions, labels, axis: str = "x") -> None:
    """Put the category ``labels`` at ``positions`` on an axis, turned when they are long.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from emkit.plots.profile import set_category_ticks
    >>> fig, ax = plt.subplots()
    >>> set_category_ticks(ax, [0, 1, 2], ["low", "mid", "high"])
    >>> [tick.get_text() for tick in ax.get_xticklabels()]
    ['low', 'mid', 'high']
    >>> plt.close(fig)
    """
    turn = sum(len(label) for label in labels) > _LONG_LABELS
    if axis == "x":
        ax.set_xticks(positions, labels, rotation=30 if turn else 0, ha="right" if turn else "center")
    else:
        ax.set_yticks(positions, labels)


def label_categories(ax, fit, feature, axis: str = "x") -> None:
    """Category names as tick labels on an axis that shows a feature's codes.

    A feature given as text or a pandas categorical is held as the codes
    ``0 .. C-1`` (positions among its labels, :attr:`emkit.FitResult.categories`):
    plots draw it at those codes, and this puts the labels there. Other
    features (numbers, which are their own labels) are left as they are.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd, emkit as em
    >>> from emkit.plots.profile import label_categories
    >>> fit = em.Mixture(em.Categorical()).fit(pd.DataFrame({"colour": ["red", "blue", "red"] * 10}))
    >>> fig, ax = plt.subplots()
    >>> label_categories(ax, fit, "colour")
    >>> [tick.get_text() for tick in ax.get_xticklabels()]
    ['blue', 'red']
    >>> plt.close(fig)
    """
    labels = fit.categories.get(str(feature))
    if labels is not None:
        set_category_ticks(ax, np.arange(len(labels)), [str(label) for label in labels], axis)


def jitter_categories(fit, feature, values: np.ndarray) -> np.ndarray:
    """A feature's ``values`` as scatter plots draw them: a categorical feature's spread by a small jitter.

    The values of a categorical feature (one with item-response
    probabilities, :meth:`emkit.FitResult.item_response_table`) are a few
    codes or numbers, so a scatter would stack all its points on a few
    spots. Each point gets a uniform offset in ``(-CATEGORY_JITTER,
    CATEGORY_JITTER)`` = ``(-0.2, 0.2)``, seeded by the feature's position
    in the fit (the same figure every time, independent offsets for the two
    axes). Other features come back unchanged. Only the drawing moves: the
    ``compute_*`` functions give the values themselves.

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> from emkit.plots.profile import jitter_categories
    >>> X = pd.DataFrame({"colour": ["red", "blue", "red"] * 10, "size": np.linspace(1, 2, 30)})
    >>> fit = em.Mixture(em.Independent({"colour": em.Categorical(), "size": em.Gaussian()})).fit(X)
    >>> codes = fit.observations(X).values[:, 0]
    >>> moved = jitter_categories(fit, "colour", codes)
    >>> bool(np.all(np.abs(moved - codes) < 0.2)), bool(np.any(moved != codes))
    (True, True)
    >>> sizes = fit.observations(X).values[:, 1]
    >>> bool(np.array_equal(jitter_categories(fit, "size", sizes), sizes))
    True
    """
    names = [str(f) for f in fit.features]
    values = np.asarray(values, dtype=float)
    if str(feature) not in fit.item_response_table().columns.unique("feature"):
        return values
    rng = np.random.default_rng(names.index(str(feature)))
    return values + rng.uniform(-CATEGORY_JITTER, CATEGORY_JITTER, len(values))


def plot_profile(fit, features=None, fig=None):
    """The profile plot of a latent class model: ``P(category | component)`` per item and component.

    One panel per categorical feature (item); in each, the categories along
    the axis (their labels, in their order) and, for each category, one bar
    per component at the probability :func:`compute_profile` gives. The
    legend gives each component's weight. This is the plot poLCA draws for a
    latent class model, as grouped bars.

    Parameters
    ----------
    fit : FitResult
        A fit with categorical features.
    features : list, optional
        The items to draw, in this order; all categorical features by default.
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new figure if None.

    Returns
    -------
    matplotlib Figure

    Raises
    ------
    ValueError
        If the fit has no categorical features, or ``features`` names one it
        does not have.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd, emkit as em
    >>> X = pd.DataFrame({"colour": ["red", "blue", "red", "red"] * 10, "answer": [1, 2, 2, 2] * 10})
    >>> fit = em.Mixture(em.Categorical(), 1).fit(X)
    >>> fig = em.plot.plot_profile(fit)
    >>> [ax.get_title() for ax in fig.axes], [t.get_text() for t in fig.axes[0].get_xticklabels()]
    (['colour', 'answer'], ['blue', 'red'])
    >>> plt.close(fig)
    """
    table = compute_profile(fit)
    available = list(table.columns.unique("feature"))
    names = available if features is None else [str(f) for f in features]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a categorical feature of the fit; those are {', '.join(available)}")
    rows, columns = _panel_grid(len(names))
    plt = pyplot()
    if fig is None:
        fig = plt.figure(figsize=(3.6 * columns, 3.0 * rows + 0.6))
    else:
        fig.clear()
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        _draw_item(ax, table[name], fit.params["weights"].values)
        ax.set_title(name)
    for ax in axes[len(names):]:
        fig.delaxes(ax)
    for ax in axes[::columns]:
        ax.set_ylabel("P(category | component)")
    axes[0].legend(fontsize="small")
    fig.suptitle("profile: probability of each category given the component")
    fig.tight_layout()
    return fig

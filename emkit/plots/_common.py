"""Helpers shared by the plot modules: axes, data and feature look-up.

matplotlib is imported inside the drawing helpers only, so ``import emkit``
and every ``compute_*`` function work without loading a plotting backend.
"""

from __future__ import annotations

import numpy as np


def pyplot():
    """``matplotlib.pyplot``, imported on first use."""
    import matplotlib.pyplot as plt

    return plt


def get_ax(ax=None):
    """``ax``, or the axes of a new figure when ``ax`` is None.

    A new figure uses matplotlib's constrained layout, so long tick labels
    (category names) and colour bars stay inside it.
    """
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(layout="constrained")
    return ax


def observations(fit, X) -> np.ndarray:
    """``X`` as the float array ``(n, d)`` the fit works on, read by ``fit.observations`` (columns by name)."""
    return np.asarray(fit.observations(X).values, dtype=float)


def feature_index(fit, feature) -> int:
    """Position of ``feature`` (a name in ``fit.features`` or an integer position)."""
    names = [str(f) for f in fit.features]
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if not 0 <= feature < len(names):
            raise ValueError(f"feature {feature} out of range for {len(names)} features")
        return int(feature)
    if str(feature) not in names:
        raise ValueError(f"unknown feature {feature!r}; the fit has {', '.join(names)}")
    return names.index(str(feature))


def padded_range(values: np.ndarray, pad: float = 0.1) -> tuple[float, float]:
    """``(min, max)`` of finite ``values`` widened by ``pad`` times the range on both sides."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    width = hi - lo if hi > lo else max(abs(lo), 1.0)
    return lo - pad * width, hi + pad * width


def component_colors(n: int):
    """``n`` colours from matplotlib's default cycle (repeated if needed)."""
    cycle = pyplot().rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]

"""Plots of fitted models: ``compute_*`` functions return the numbers, ``plot_*`` draw them.

Every ``compute_*`` is pure (no matplotlib) and returns numpy / pandas /
xarray data; every ``plot_*`` takes ``ax=None`` (or ``fig=None`` for a grid of
panels), draws with matplotlib and returns the Axes (or Figure). Available as
``emkit.plot``; see ``docs/plots.md``.

Examples
--------
>>> import emkit as em
>>> sorted(name for name in em.plot.__all__ if name.startswith("plot_"))[:3]
['plot_bootstrap', 'plot_clusters', 'plot_convergence']
"""

from ._ellipse import ellipse_geometry, radius_for_coverage
from .bootstrap import compute_bootstrap_intervals, plot_bootstrap
from .clusters import ClusterData, compute_clusters, compute_pairs, plot_clusters, plot_pairs
from .convergence import ConvergenceData, compute_convergence, plot_convergence
from .density import compute_density_1d, compute_density_2d, plot_density
from .hmm import (
    compute_emissions,
    compute_state_sequence,
    compute_transitions,
    plot_emissions,
    plot_state_sequence,
    plot_transitions,
)
from .predictive import compute_predictive, plot_predictive
from .profile import compute_profile, plot_profile
from .selection import compute_selection, plot_selection
from .uncertainty import compute_uncertainty, plot_uncertainty

__all__ = [
    "ClusterData",
    "ConvergenceData",
    "compute_bootstrap_intervals",
    "compute_clusters",
    "compute_convergence",
    "compute_density_1d",
    "compute_density_2d",
    "compute_emissions",
    "compute_pairs",
    "compute_predictive",
    "compute_profile",
    "compute_selection",
    "compute_state_sequence",
    "compute_transitions",
    "compute_uncertainty",
    "ellipse_geometry",
    "plot_bootstrap",
    "plot_clusters",
    "plot_convergence",
    "plot_density",
    "plot_emissions",
    "plot_pairs",
    "plot_predictive",
    "plot_profile",
    "plot_selection",
    "plot_state_sequence",
    "plot_transitions",
    "plot_uncertainty",
    "radius_for_coverage",
]

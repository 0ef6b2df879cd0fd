"""Fit results as xarray objects, with save and load."""

from .fit_result import FitResult, load_fit
from .hmm_result import HMMFitResult
from .trace import trace_dataset

__all__ = ["FitResult", "HMMFitResult", "load_fit", "trace_dataset"]

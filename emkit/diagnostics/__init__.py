"""Diagnostics of fitted models: information criteria, label alignment, convergence."""

from .alignment import align, component_profile
from .classification import classification_diagnostics
from .convergence import aitken_limit, convergence_diagnostics
from ..results.criteria import aic, bic, icl
from .uncertainty import summary

__all__ = ["aic", "aitken_limit", "align", "bic", "classification_diagnostics", "component_profile", "convergence_diagnostics", "icl", "summary"]

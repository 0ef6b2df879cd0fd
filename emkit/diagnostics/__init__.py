"""Diagnostics of fitted models: information criteria first."""

from .criteria import aic, bic, icl

__all__ = ["aic", "bic", "icl"]

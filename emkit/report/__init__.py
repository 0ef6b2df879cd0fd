"""HTML reports built from diagnostics and plots."""

from .html import report

__all__ = ["report"]

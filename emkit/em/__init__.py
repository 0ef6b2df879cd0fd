"""The EM driver: initialisation, the loop, convergence and restarts."""

from .chunks import ChunkedData, auto_chunk_size
from .convergence import AbsoluteTolerance, ConvergenceMonitor
from .driver import EMRun, RestartsOutcome, e_step, fit_restarts, run_em
from .init import INIT_METHODS, initialise

__all__ = [
    "ChunkedData",
    "AbsoluteTolerance",
    "ConvergenceMonitor",
    "EMRun",
    "INIT_METHODS",
    "RestartsOutcome",
    "auto_chunk_size",
    "e_step",
    "fit_restarts",
    "initialise",
    "run_em",
]

"""What the EM engine asks of a latent model and of its statistics.

The driver (:mod:`emkit.em.driver`), the initialisation (:mod:`emkit.em.init`)
and the results are typed on these protocols, never on a particular latent
model. :class:`~emkit.latent.mixture.FiniteMixture` and
:class:`~emkit.latent.hmm.HiddenMarkovChain` implement them; the table in
``docs/architecture.md`` ("Latent models") says how each does.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import xarray as xr


class LatentStats(Protocol):
    """Additive statistics of some observations under a latent model's parameters."""

    #: Observed-data log-likelihood of the parameters evaluated.
    log_likelihood: float
    #: Number (total weight) of observations.
    n_obs: float
    #: ``sum_i log max_k w_ik`` of the posterior weights (for ICL).
    classification_log_likelihood: float
    #: Posterior weight of each component or state, ``sum_i w_ik``.
    component_weight: np.ndarray

    def __add__(self, other: "LatentStats") -> "LatentStats": ...


class LatentModel(Protocol):
    """A latent model as the EM driver updates it (a declaration, or fitted parameters)."""

    #: Name of the latent dimension in results: ``"component"`` or ``"state"``.
    latent_dim: str
    #: Whether rows form sequences (chunks then hold whole sequences).
    sequential: bool

    @property
    def n_components(self) -> int: ...

    @property
    def families(self) -> tuple: ...

    @property
    def weights(self) -> np.ndarray | None: ...

    def e_step(self, x: np.ndarray, sample_weight=None, offset: int = 0, lengths=None) -> LatentStats: ...

    def m_step(self, stats: LatentStats) -> "LatentModel": ...

    def objective(self, stats: LatentStats) -> float: ...

    def stats_from_responsibilities(self, x: np.ndarray, resp: np.ndarray) -> LatentStats: ...

    def mixture_for_starts(self) -> "LatentModel": ...

    def start_from_mixture(self, mixture) -> "LatentModel": ...

    def from_dataset(self, params: xr.Dataset) -> "LatentModel": ...

    def to_dataset(self, features: np.ndarray) -> xr.Dataset: ...

    def n_params(self) -> int: ...

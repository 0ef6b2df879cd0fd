"""Stepwise (online) EM (Cappé & Moulines, 2009).

The running statistics are a stepwise average of mini-batch statistics,
each normalised per observation::

    s_{t+1} = (1 - g_t) s_t + g_t S(batch_t) / m_t,    g_t = (t + 2)^(-alpha),  1/2 < alpha <= 1

and every mini-batch is followed by an M-step on ``s_{t+1}``. M-steps are
ratios of statistics, so the normalisation does not change them. It needs
statistics that can be scaled (``stats * c``), which every closed-form family
has; families whose statistics are the data (numeric M-steps) cannot run
online.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.mixture import FiniteMixture, MixtureStats
from .chunks import ChunkedData
from .driver import e_step


def check_alpha(alpha) -> float:
    """Validate the step-size exponent: ``1/2 < alpha <= 1``.

    Examples
    --------
    >>> from emkit.em.online import check_alpha
    >>> check_alpha(0.6)
    0.6
    """
    alpha = float(alpha)
    if not 0.5 < alpha <= 1.0:
        raise ValueError(f"alpha must satisfy 0.5 < alpha <= 1 (Cappe & Moulines), got {alpha}")
    return alpha


@dataclass(frozen=True)
class OnlineState:
    """Where stepwise EM stands: the mixture, its running statistics and the step count.

    Attributes
    ----------
    mixture : FiniteMixture
    running : MixtureStats
        Per-observation running statistics (their ``n_obs`` is 1).
    n_steps : int
        Mini-batches processed.
    alpha : float
        Step-size exponent.
    n_seen : float
        Observations (total weight) processed.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> x = np.random.default_rng(0).normal(size=(1000, 1))
    >>> fit = em.GaussianMixture(1).fit_online(np.array_split(x, 5), random_state=0)
    >>> fit.online_state.n_steps, fit.online_state.n_seen
    (5, 1000.0)
    """

    mixture: FiniteMixture
    running: MixtureStats | None
    n_steps: int
    alpha: float
    n_seen: float

    def step(self, data: ChunkedData) -> tuple["OnlineState", float]:
        """Process one mini-batch; returns the new state and the batch's log-likelihood.

        The log-likelihood is that of the batch under the parameters before the update.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.em.chunks import ChunkedData
        >>> from emkit.em.online import OnlineState
        >>> from emkit.models.mixture import FiniteMixture
        >>> x = np.random.default_rng(0).normal(size=(100, 1))
        >>> start = FiniteMixture([Gaussian("full", 1)]).fit_responsibilities(x, np.ones((100, 1)))
        >>> state, loglik = OnlineState(start, None, 0, 0.6, 0.0).step(ChunkedData(x, None, 50))
        >>> state.n_steps, state.n_seen
        (1, 100.0)
        """
        batch = e_step(self.mixture, data)
        try:
            normalised = batch * (1.0 / batch.n_obs)
        except TypeError:
            raise TypeError(
                "online EM needs statistics that can be scaled; a family with a numeric M-step keeps "
                "the data as its statistics and can only be fitted in batch"
            ) from None
        gamma = (self.n_steps + 2.0) ** (-self.alpha)
        running = normalised if self.running is None else self.running * (1.0 - gamma) + normalised * gamma
        state = OnlineState(self.mixture.m_step(running), running, self.n_steps + 1, self.alpha, self.n_seen + batch.n_obs)
        return state, batch.log_likelihood

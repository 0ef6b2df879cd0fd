"""What the EM engine asks of a latent model and of its statistics.

The driver (:mod:`emkit.em.driver`), the initialisation (:mod:`emkit.em.init`)
and the results are typed on these protocols, never on a particular latent
model. :class:`~emkit.latent.mixture.FiniteMixture` and
:class:`~emkit.latent.hmm.HiddenMarkovChain` implement them; the table in
``docs/architecture.md`` ("Latent models") says how each does.

The examples below use both members on four rows, with a mixture and a
chain of two Gaussian components started from the same weights.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import xarray as xr

class LatentStats(Protocol):
    """Additive statistics of some observations under a latent model's parameters.

    Statistics of chunks add up (``+``) to those of all their rows; an HMM's
    chunk holds whole sequences.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.latent.hmm import HiddenMarkovChain
    >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
    >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
    >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
    >>> halves = mixture.e_step(x[:2]) + mixture.e_step(x[2:])
    >>> halves.n_obs, bool(np.isclose(halves.log_likelihood, mixture.e_step(x).log_likelihood))
    (4.0, True)
    >>> sequences = chain.e_step(x[:2], lengths=[2]) + chain.e_step(x[2:], lengths=[2])
    >>> bool(np.isclose(sequences.log_likelihood, chain.e_step(x, lengths=[2, 2]).log_likelihood))
    True
    >>> sequences.component_weight.sum().round(6), sequences.classification_log_likelihood <= 0
    (np.float64(4.0), True)
    """

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
    """A latent model as the EM driver updates it (a declaration, or fitted parameters).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.latent.hmm import HiddenMarkovChain
    >>> mixture = FiniteMixture([em.Gaussian("full", 2)])
    >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)]))
    >>> (mixture.latent_dim, mixture.sequential), (chain.latent_dim, chain.sequential)
    (('component', False), ('state', True))
    """

    #: Name of the latent dimension in results: ``"component"`` or ``"state"``.
    latent_dim: str
    #: Whether rows form sequences (chunks then hold whole sequences).
    sequential: bool

    @property
    def n_components(self) -> int:
        """Number of components (a mixture) or states (an HMM), over all families.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2), em.Gaussian("diag", 1)])).n_components
        3
        """

    @property
    def families(self) -> tuple:
        """The families whose components (or states' emissions) the model holds, in order.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> [type(f).__name__ for f in HiddenMarkovChain(FiniteMixture([em.Poisson(2)])).families]
        ['Poisson']
        """

    @property
    def weights(self) -> np.ndarray | None:
        """The mixing weights, or an HMM's state occupancies; None while unfitted.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x, resp = np.array([[0.0], [1.0], [2.0], [5.0]]), np.eye(2)[[0, 0, 0, 1]]
        >>> declaration = FiniteMixture([em.Gaussian("full", 2)])
        >>> declaration.weights is None, declaration.fit_responsibilities(x, resp).weights.tolist()
        (True, [0.75, 0.25])
        """

    def e_step(self, x: np.ndarray, sample_weight=None, offset: int = 0, lengths=None) -> LatentStats:
        """The statistics of a chunk (its sequences' ``lengths`` for a sequential model).

        A model that takes partial labels (a mixture) also accepts the
        keyword ``labels``: the chunk's known components, -1 where unknown
        (:meth:`emkit.latent.mixture.FiniteMixture.e_step`); the driver
        passes it only for data with labels.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> mixture.e_step(x).n_obs, chain.e_step(x, lengths=[2, 2]).n_obs
        (4.0, 4.0)
        """

    def m_step(self, stats: LatentStats) -> "LatentModel":
        """New parameters from statistics; ``self`` is not modified.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> mixture.m_step(mixture.e_step(x)).weights.round(3).tolist()
        [0.5, 0.5]
        >>> chain.m_step(chain.e_step(x, lengths=[2, 2])).transmat.round(3).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """

    def objective(self, stats: LatentStats) -> float:
        """What EM climbs: the log-likelihood, plus the log prior density of a model with priors.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> stats = chain.e_step(x, lengths=[2, 2])
        >>> chain.objective(stats) == stats.log_likelihood  # no priors declared
        True
        """

    def stats_from_responsibilities(self, x: np.ndarray, resp: np.ndarray) -> LatentStats:
        """Statistics from given posterior weights (n, K), without an E-step: how EM is started.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> mixture.stats_from_responsibilities(x, resp).component_weight.tolist()
        [2.0, 2.0]
        """

    def mixture_for_starts(self) -> "LatentModel":
        """The mixture whose short EM runs start this model (a mixture: itself; an HMM: its emissions).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> type(chain.mixture_for_starts()).__name__, mixture.mixture_for_starts() is mixture
        ('FiniteMixture', True)
        """

    def start_from_mixture(self, mixture) -> "LatentModel":
        """This model started from a fitted mixture of its families.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> started = chain.start_from_mixture(mixture)
        >>> type(started).__name__, started.is_fitted
        ('HiddenMarkovChain', True)
        """

    def from_dataset(self, params: xr.Dataset) -> "LatentModel":
        """This declaration holding the parameters of a Dataset (as :meth:`to_dataset` writes them).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> params = chain.to_dataset(np.array(["x"]))
        >>> rebuilt = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).from_dataset(params)
        >>> bool(np.allclose(rebuilt.transmat, chain.transmat)), rebuilt.is_fitted
        (True, True)
        """

    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """The parameters as a Dataset over the latent dimension and the ``features``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> sorted(mixture.to_dataset(np.array(["x"])).data_vars)
        ['covariances', 'means', 'weights']
        >>> sorted(chain.to_dataset(np.array(["x"])).data_vars)
        ['covariances', 'means', 'startprob', 'transmat']
        """

    def n_params(self) -> int:
        """Free parameters, for the information criteria.

        Examples
        --------
        A mixture: 1 weight, 2 means, 2 variances; a chain: 1 start and 2
        transition probabilities, 2 means, 2 variances.

        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.latent.hmm import HiddenMarkovChain
        >>> x, resp = np.array([[0.0], [1.0], [4.0], [5.0]]), np.eye(2)[[0, 0, 1, 1]]
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, resp)
        >>> chain = HiddenMarkovChain(FiniteMixture([em.Gaussian("full", 2)])).fit_responsibilities(x, resp)
        >>> mixture.n_params(), chain.n_params()
        (5, 7)
        """

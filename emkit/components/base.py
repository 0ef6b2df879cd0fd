"""The family protocol: what a batch of K components of one kind must provide.

A *family* holds the parameters of K components of one kind, stacked on a
leading component axis, so that one call evaluates or updates all of them.
The EM driver never looks inside a family; it only asks for

* ``log_prob(x)`` -- the ``(n, K)`` matrix of log-densities,
* ``stats(x, resp)`` -- weighted sufficient statistics, an additive value,
* ``m_step(stats)`` -- a *new* family maximising the expected complete-data
  log-likelihood given those statistics.

Statistics are immutable values with an associative, commutative ``+``, so
the statistics of a data set are the sum of the statistics of its chunks.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Protocol, runtime_checkable

import numpy as np
import xarray as xr

from .capabilities import capabilities, declared


@runtime_checkable
class Stats(Protocol):
    """Weighted sufficient statistics of one family, an additive value.

    ``a + b`` must equal the statistics of the union of the data behind ``a``
    and ``b``, for any split of the data; ``+`` returns a new object.

    Examples
    --------
    The statistics of the Gaussian family, computed on two halves of the
    data and added, equal those of the whole:

    >>> import numpy as np
    >>> from emkit.components.base import Stats
    >>> from emkit.components.gaussian import Gaussian
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> resp = np.ones((4, 1))
    >>> family = Gaussian("full")
    >>> whole = family.stats(x, resp)
    >>> isinstance(whole, Stats)
    True
    >>> halves = family.stats(x[:2], resp[:2]) + family.stats(x[2:], resp[2:])
    >>> halves.weight.tolist(), halves.mean.tolist(), halves.scatter.tolist()
    ([4.0], [[1.5]], [[[5.0]]])
    >>> whole.scatter.tolist()
    [[[5.0]]]
    """

    def __add__(self, other: Any) -> "Stats": ...


@runtime_checkable
class Family(Protocol):
    """K components of one kind, batched over a leading component axis.

    Components whose statistics carry (numerically) zero weight keep their
    current parameters in ``m_step``: with no data there is nothing to
    estimate, and keeping them is still a (generalised) EM step.

    Optional hooks (all listed in :mod:`emkit.components.capabilities`) include
    ``degenerate_components(counts) -> {component: reason}``, given
    the components' effective sample sizes. A family without it gets the
    count rule of :func:`too_few_observations`, counting one value per
    row; families whose scale can collapse add a scale rule (see
    :func:`family_degenerate_components`, the one place that asks for it).

    For standard errors (:func:`emkit.summary`): ``free_parameters()`` (the
    ``n_params`` free values as one vector), ``with_free_parameters(vector)``
    (its inverse) and ``free_parameter_bounds()`` (the ``(lower, upper)``
    domain of each free value: an estimate that cannot be told from a bound
    is held fixed). ``ParametricFamily`` provides all three from its
    ``param_dims`` and ``param_bounds``.

    Attributes
    ----------
    n_components : int
        Number of components K in the batch.
    is_fitted : bool
        Whether the family holds parameters.

    Examples
    --------
    :class:`~emkit.components.gaussian.Gaussian` implements the protocol:

    >>> import numpy as np
    >>> from emkit.components.base import Family
    >>> from emkit.components.gaussian import Gaussian
    >>> family = Gaussian("spherical", n_components=2)
    >>> isinstance(family, Family), family.is_fitted
    (True, False)
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> fitted = family.m_step(family.stats(x, resp))
    >>> fitted.is_fitted, fitted.log_prob(x).shape
    (True, (4, 2))
    """

    kind: str
    n_components: int

    @property
    def is_fitted(self) -> bool:
        """Whether the family holds parameters."""
        ...

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """Log-density of every observation under every component.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.

        Returns
        -------
        ndarray of shape (n, K)
            ``log f_k(x_i)``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> fitted.log_prob(x).round(3).tolist()
        [[-0.726, -40.726], [-0.726, -24.726], [-24.726, -0.726], [-40.726, -0.726]]
        """
        ...

    def stats(self, x: np.ndarray, resp: np.ndarray) -> Stats:
        """Weighted sufficient statistics of ``x`` given responsibilities.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.
        resp : ndarray of shape (n, K)
            Responsibilities (already multiplied by any observation weights).

        Returns
        -------
        Stats
            An additive statistics value (see :class:`Stats`).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> stats = Gaussian("spherical", n_components=2).stats(x, resp)
        >>> stats.weight.tolist(), stats.mean.tolist()
        ([2.0, 2.0], [[0.5], [4.5]])
        """
        ...

    def m_step(self, stats: Stats) -> "Family":
        """A new fitted family maximising the expected complete-data log-likelihood.

        Parameters
        ----------
        stats : Stats
            Statistics returned by :meth:`stats` (or a sum of them).

        Returns
        -------
        Family
            A new family of the same kind; ``self`` is not modified.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> fitted.means.tolist(), family.is_fitted
        ([[0.5], [4.5]], False)
        """
        ...

    def n_params(self) -> int:
        """Number of free parameters of the fitted components.

        Examples
        --------
        Two spherical Gaussians in one dimension: two means and two variances.

        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> family.m_step(family.stats(x, resp)).n_params()
        4
        """
        ...

    def sample(self, component: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One random draw from component ``component[i]`` in row i.

        Parameters
        ----------
        component : ndarray of int, shape (n,)
            Component of each draw, in ``0 .. K - 1``.
        rng : numpy.random.Generator
            Source of randomness.

        Returns
        -------
        ndarray of shape (n, d)

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> fitted = family.m_step(family.stats(x, resp))
        >>> fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0)).shape
        (3, 1)
        """
        ...

    def with_components(self, n_components: int) -> "Family":
        """An unfitted copy of this declaration with ``n_components`` components.

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> Gaussian("diag").with_components(3)
        Gaussian(covariance='VVI', n_components=3, reg_covar=1e-06)
        """
        ...

    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """The fitted parameters as an xarray Dataset over ``component``.

        Parameters
        ----------
        features : ndarray of shape (d,)
            Feature coordinate of the data.

        Returns
        -------
        xarray.Dataset
            The family's parameter variables, with a ``component`` dimension.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> params = family.m_step(family.stats(x, resp)).to_dataset(np.array(["x"]))
        >>> sorted(params.data_vars), params.means.dims
        (['covariances', 'means'], ('component', 'feature'))
        """
        ...

    def from_dataset(self, params: xr.Dataset, weights: np.ndarray) -> "Family":
        """A fitted copy of this declaration holding the parameters in ``params``.

        Parameters
        ----------
        params : xarray.Dataset
            Parameters laid out as by :meth:`to_dataset`.
        weights : ndarray of shape (K,)
            Mixing weights of the components, for structures that pool
            parameters across components.

        Returns
        -------
        Family

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> family = Gaussian("spherical", n_components=2)
        >>> params = family.m_step(family.stats(x, resp)).to_dataset(np.array(["x"]))
        >>> family.from_dataset(params, np.array([0.5, 0.5])).means.tolist()
        [[0.5], [4.5]]
        """
        ...

    def spec(self) -> dict:
        """JSON-serialisable description, enough to rebuild an unfitted copy.

        The dictionary has a ``"kind"`` key naming the family (see
        :func:`emkit.components.registry.family_from_spec`).

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> Gaussian("diag", n_components=2).spec()["kind"]
        'gaussian'
        """
        ...


@dataclass(frozen=True)
class Evaluation:
    """A family evaluated on one chunk: log-densities now, statistics later.

    The E-step needs every family's log-densities before any responsibility
    is known; ``stats(resp)`` then turns the chunk's responsibilities into
    statistics, reusing whatever the family computed for ``log_prob``.

    Attributes
    ----------
    log_prob : ndarray of shape (n, K)
        Log-density of every row of the chunk under every component.
    stats : callable
        ``stats(resp)`` with responsibilities ``(n, K)`` returns the chunk's
        :class:`Stats`.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import evaluate
    >>> from emkit.components.gaussian import Gaussian
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> family = Gaussian("spherical", n_components=2)
    >>> fitted = family.m_step(family.stats(x, resp))
    >>> ev = evaluate(fitted, x)
    >>> ev.log_prob.shape
    (4, 2)
    >>> ev.stats(resp).weight.tolist(), ev.stats(resp).mean.tolist()
    ([2.0, 2.0], [[0.5], [4.5]])
    """

    log_prob: np.ndarray
    stats: Callable[[np.ndarray], Stats]


class OnePassKernel(NamedTuple):
    """The pieces of a compiled one-pass E-step that a family supplies, free of any latent model.

    A family may offer ``one_pass_kernel()`` returning this. A latent model
    whose every component is in that family (a finite mixture of one
    family) adds its own log-weights to ``log_norm`` and calls ``kernel``
    once per chunk: log-densities, posterior, log-likelihood and statistics
    in one compiled pass, with no ``(n, K)`` array (see
    :meth:`emkit.latent.mixture.FiniteMixture.e_step`). The family never
    sees the weights' meaning.

    Attributes
    ----------
    kernel : callable
        ``kernel(x, log_const, sample_weight, offset)`` -> a chunk result
        with ``log_likelihood``, ``class_log_likelihood`` and ``count``
        (see :meth:`~emkit.components.covariance.CovarianceStructure.fused_kernel`),
        where ``log_const[k]`` is the log-weight of component k plus
        ``log_norm[k]``.
    log_norm : ndarray of shape (K,)
        The terms of each component's log-density that do not depend on x.
    stats : callable
        ``stats(chunk_result)`` -> the family's statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import one_pass_kernel
    >>> from emkit.components.gaussian import Gaussian
    >>> x = np.array([[0.0], [2.0]])
    >>> fitted = Gaussian("full").m_step(Gaussian("full").stats(x, np.ones((2, 1))))
    >>> pieces = one_pass_kernel(fitted)
    >>> chunk = pieces.kernel(x, np.log([1.0]) + pieces.log_norm, None, 0)
    >>> round(chunk.log_likelihood, 6) == round(float(fitted.log_prob(x).sum()), 6), pieces.stats(chunk).mean.tolist()
    (True, [[1.0]])
    """

    kernel: Callable
    log_norm: np.ndarray
    stats: Callable


def one_pass_kernel(family) -> OnePassKernel | None:
    """``family.one_pass_kernel()``, or None if the family has no compiled one-pass E-step.

    A result that is not a :class:`OnePassKernel` raises a ``TypeError`` naming the family.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.base import one_pass_kernel
    >>> one_pass_kernel(em.Poisson().with_params(rate=[[2.0]])) is None
    True
    """
    if not capabilities(family).one_pass:
        return None
    pieces = family.one_pass_kernel()
    if not isinstance(pieces, OnePassKernel):
        raise TypeError(
            f"{type(family).__name__}.one_pass_kernel must return a OnePassKernel, got {type(pieces).__name__}"
        )
    return pieces


def evaluate(family, x: np.ndarray) -> Evaluation:
    """``family.evaluate(x)`` if the family fuses the two passes, else both protocol calls.

    The chunk is first given a type the family supports (see :func:`supported_chunk`).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import evaluate
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> g = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).families[0]
    >>> evaluate(g, x).log_prob.shape
    (4, 2)
    """
    x = supported_chunk(family, x)
    if capabilities(family).evaluate:
        result = family.evaluate(x)
        checked_log_prob(family, result.log_prob, len(x))
        return result
    return Evaluation(checked_log_prob(family, family.log_prob(x), len(x)), lambda resp: family.stats(x, resp))


def evaluate_into(family, x: np.ndarray, out: np.ndarray) -> Callable[[np.ndarray], Stats]:
    """Writes ``family``'s log-densities of a chunk into ``out`` and returns ``stats(weights)``.

    A family with the ``blocked`` capability writes its log-densities in
    compiled cache-sized blocks (``log_prob_into``) and computes its
    statistics from the weights in blocks (``stats_in_blocks``): no array of
    shape (K, n, d) is kept between the two. Any other family is evaluated as
    by :func:`evaluate` (one pass whose statistics reuse the log-densities'
    work) and its log-densities copied into ``out``. The chunk is first given
    a type the family supports (see :func:`supported_chunk`).

    Parameters
    ----------
    family : Family
        A fitted family of K components.
    x : ndarray of shape (n, d)
        A chunk of observations.
    out : ndarray of shape (n, K), float64
        Receives ``log f_k(x_i)``; it may be a column slice of a wider array
        (a latent model's (n, K_total) array, one slice per family).

    Returns
    -------
    callable
        ``stats(weights)`` with per-observation component weights ``(n, K)``
        (responsibilities, smoothed state posteriors) returns the chunk's
        :class:`Stats`.

    Examples
    --------
    A blocked family (Gaussian) and a plain one (Poisson) side by side in one
    array, against scipy's densities:

    >>> import numpy as np, emkit as em
    >>> from scipy import stats
    >>> from emkit.components.base import evaluate_into
    >>> x = np.array([[0.0], [1.0], [4.0]])
    >>> gaussian = em.Gaussian("full").m_step(em.Gaussian("full").stats(x, np.ones((3, 1))))
    >>> poisson = em.Poisson().with_params(rate=[[2.0]])
    >>> out = np.empty((3, 2))
    >>> gaussian_stats = evaluate_into(gaussian, x, out[:, :1])
    >>> poisson_stats = evaluate_into(poisson, x, out[:, 1:])
    >>> bool(np.allclose(out[:, 0], stats.norm(5 / 3, np.sqrt(26 / 9)).logpdf(x[:, 0])))
    True
    >>> bool(np.allclose(out[:, 1], stats.poisson(2.0).logpmf(x[:, 0])))
    True
    >>> gaussian_stats(np.array([[1.0], [1.0], [0.0]])).mean.tolist()
    [[0.5]]
    """
    x = supported_chunk(family, x)
    if capabilities(family).blocked:
        family.log_prob_into(x, out)
        return lambda weights: family.stats_in_blocks(x, weights)
    evaluation = evaluate(family, x)
    out[...] = evaluation.log_prob
    return evaluation.stats


def supported_chunk(family, x: np.ndarray) -> np.ndarray:
    """``x`` in a type the family computes with: float32 only if it sets ``supports_float32``.

    A float32 chunk is passed on unchanged to a family whose class sets
    ``supports_float32 = True`` (its ``float32`` capability: it computes its
    log-densities and statistics from float32 data and returns them as
    float64); every other family gets the chunk as float64.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.base import supported_chunk
    >>> x = np.ones((2, 1), dtype=np.float32)
    >>> supported_chunk(em.Gaussian(), x).dtype, supported_chunk(em.Poisson(), x).dtype
    (dtype('float32'), dtype('float64'))
    """
    if x.dtype == np.float32 and not capabilities(family).float32:
        return x.astype(np.float64)
    return x


def family_log_prob(family, x: np.ndarray) -> np.ndarray:
    """``family.log_prob`` of a chunk in a type it supports, checked (see :func:`checked_log_prob`).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.base import family_log_prob
    >>> poisson = em.Poisson().with_params(rate=[[2.0]])
    >>> family_log_prob(poisson, np.array([[1.0]], dtype=np.float32)).round(4).tolist()
    [[-1.3069]]
    """
    return checked_log_prob(family, family.log_prob(supported_chunk(family, x)), len(x))


def checked_log_prob(family, log_prob, n_rows: int) -> np.ndarray:
    """``log_prob`` if it is a float array of shape (n_rows, K), else a ``TypeError`` naming the family.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import checked_log_prob
    >>> from emkit.components.gaussian import Gaussian
    >>> checked_log_prob(Gaussian("full", 2), np.zeros((3, 2)), 3).shape
    (3, 2)
    """
    expected = (n_rows, family.n_components)
    shape = getattr(log_prob, "shape", None)
    if shape != expected or not np.issubdtype(np.asarray(log_prob).dtype, np.floating):
        raise TypeError(
            f"{type(family).__name__}.log_prob must return floats of shape (n, K) = {expected}, "
            f"got {type(log_prob).__name__} of shape {shape}"
        )
    return log_prob


#: Initialisations a family may declare as its ``default_init`` (see :mod:`emkit.em.init`),
#: the most thorough first.
DECLARABLE_INITS = ("short_em", "random", "random_from_data", "kmeans++")


def declared_init(families) -> str:
    """The initialisation that suits all of ``families``: the most thorough one any of them declares.

    A family declares the start that suits its data in a ``default_init``
    attribute; one that declares none is started by ``"kmeans++"``, which
    suits continuous data. A model mixing families (a mixture, or the parts
    of :class:`~emkit.components.independent.Independent`) takes the first
    declared name in :data:`DECLARABLE_INITS`, so one discrete family makes
    the whole model start as discrete data need.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.base import declared_init
    >>> declared_init([em.Gaussian()]), declared_init([em.Gaussian(), em.Categorical()])
    ('kmeans++', 'short_em')
    """
    inits = [declared(family, "default_init") for family in families]
    unknown = [name for name in inits if name not in DECLARABLE_INITS]
    if unknown:
        raise ValueError(f"a family declares default_init={unknown[0]!r}; choose one of {', '.join(DECLARABLE_INITS)}")
    return min(inits, key=DECLARABLE_INITS.index)


#: A component whose spread along some direction is below this fraction of the data's is degenerate.
DEGENERATE_SCALE_FRACTION = 1e-3


def parameters_per_component(family) -> float:
    """The family's free parameters divided among its components: ``n_params() / K``.

    Parameters shared by all components (a common covariance) count for each
    component in proportion ``1 / K``.

    Examples
    --------
    Three EII Gaussians in two dimensions: two means each plus one shared variance.

    >>> import numpy as np, emkit as em
    >>> from emkit.components.base import parameters_per_component
    >>> x = np.array([[0.0, 0.0], [1.0, 1.0], [4.0, 0.0], [5.0, 1.0], [9.0, 0.0], [9.0, 2.0]])
    >>> g = em.Gaussian("EII", 3); g = g.m_step(g.stats(x, np.eye(3)[[0, 0, 1, 1, 2, 2]]))
    >>> round(parameters_per_component(g), 4)
    2.3333
    """
    return family.n_params() / family.n_components


def too_few_observations(family, counts: np.ndarray, values_per_row: int = 1) -> dict[int, str]:
    """Components whose data hold fewer values than the components have free parameters.

    Component k is flagged when ``n_k m < p_k``: its effective sample size
    ``n_k = sum_i r_ik`` (rows) times ``m``, the number of values each row
    gives the family (``values_per_row``), is below its number of free
    parameters ``p_k`` (see :func:`parameters_per_component`). Its data
    then cannot identify its parameters: a regression with ``p``
    coefficients and ``sigma`` fits ``p`` points exactly (``m = 1``, the
    response; the covariates are given, not modelled). Counting rows alone
    would compare rows with scalars: 60 rows of 13 features determine a
    full 13-dimensional Gaussian (104 parameters) well. A Gaussian on ``d``
    or fewer points has a singular covariance however many values they
    hold; the collapsed-spread rule that families with a scale add to this
    one (see :func:`collapsed_variances`) flags it.

    Parameters
    ----------
    family : Family
        A fitted family.
    counts : ndarray of shape (K,)
        Effective sample sizes ``n_k`` of its components.
    values_per_row : int, default 1
        Values ``m`` a row gives each component: the number of features the
        family models (``d`` for a product or a multivariate density over
        ``d`` features, 1 for a regression's response). A family that does
        not say (a custom family without ``degenerate_components``) gets 1,
        the strictest count.

    Returns
    -------
    dict
        ``{component: reason}``, components in increasing order.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.base import too_few_observations
    >>> poisson = em.Poisson(2).with_params(rate=[[2.0], [4.0]])
    >>> too_few_observations(poisson, np.array([10.0, 0.5]))
    {1: 'effective sample size 0.5 x 1 value(s) per row is below its 1 free parameter(s)'}

    Two Poisson rates per component, two counts per row: one row is enough.

    >>> poisson2 = em.Poisson(2).with_params(rate=[[2.0, 1.0], [4.0, 3.0]])
    >>> too_few_observations(poisson2, np.array([10.0, 1.0]), values_per_row=2)
    {}
    >>> too_few_observations(poisson2, np.array([10.0, 0.8]), values_per_row=2)
    {1: 'effective sample size 0.8 x 2 value(s) per row is below its 2 free parameter(s)'}
    """
    needed = parameters_per_component(family)
    counts = np.asarray(counts, dtype=float)
    return {
        int(k): (
            f"effective sample size {counts[k]:.3g} x {values_per_row} value(s) per row "
            f"is below its {needed:.3g} free parameter(s)"
        )
        for k in np.flatnonzero(counts * values_per_row < needed)
    }


def pooled_variance(counts: np.ndarray, means: np.ndarray, variances: np.ndarray) -> np.ndarray | None:
    """The data's variance per feature as the fit summarises it: within plus between components.

    ``V_j = sum_k w_k (v_kj + (m_kj - m_j)^2)`` with ``w_k = n_k / sum n``
    and ``m_j = sum_k w_k m_kj``. For a Gaussian with free or shared
    covariances, ``m_kj`` and ``v_kj`` the weighted mean and variance of
    component k's data, this is exactly the sample variance of feature j
    (the M-step's estimates split the total scatter into within- and
    between-component parts); elsewhere it is the variance of the fitted
    mixture, the data's own up to the fit.

    Parameters
    ----------
    counts : ndarray of shape (K,)
        Effective sample sizes.
    means, variances : ndarray of shape (K, d)
        Each component's mean and variance (or squared scale) per feature.

    Returns
    -------
    ndarray of shape (d,), or None if the components hold no weight

    Examples
    --------
    Two halves with means 0 and 4 and variance 1: the data's variance is 1 + 4.

    >>> import numpy as np
    >>> from emkit.components.base import pooled_variance
    >>> pooled_variance(np.array([5.0, 5.0]), np.array([[0.0], [4.0]]), np.array([[1.0], [1.0]])).tolist()
    [5.0]
    """
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    if not total > 0:
        return None
    share = counts / total
    centre = share @ means
    return share @ (variances + np.square(means - centre))


def collapsed_variances(own: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    """Which components' spread is below ``DEGENERATE_SCALE_FRACTION`` of the data's, per feature.

    Parameters
    ----------
    own : ndarray of shape (K, d)
        The part of each component's variance that comes from its data (its
        fitted variance less any ridge added by the M-step).
    reference : ndarray of shape (d,) or None
        The data's variance per feature (see :func:`pooled_variance`); None
        flags nothing.

    Returns
    -------
    ndarray of bool, shape (K, d)
        ``own < (1e-3)^2 * reference``: a standard deviation below a
        thousandth of the data's.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import collapsed_variances
    >>> collapsed_variances(np.array([[1.0], [1e-8]]), np.array([4.0])).ravel().tolist()
    [False, True]
    """
    if reference is None:
        return np.zeros(np.shape(own), dtype=bool)
    return own < DEGENERATE_SCALE_FRACTION**2 * reference


def with_collapsed_spread(reasons: dict, collapsed: np.ndarray, where: str = "in feature {}") -> dict[int, str]:
    """``reasons`` plus a reason for every component with a collapsed spread not yet listed.

    Parameters
    ----------
    reasons : dict
        ``{component: reason}`` found so far (they are kept).
    collapsed : ndarray of bool, shape (K, d)
        From :func:`collapsed_variances`.
    where : str
        Where the spread collapsed; ``{}`` is replaced by the first collapsed feature.

    Returns
    -------
    dict
        ``{component: reason}`` in increasing order of component.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.base import with_collapsed_spread
    >>> with_collapsed_spread({}, np.array([[False, False], [False, True]]))
    {1: "spread in feature 1 is below 0.001 of the data's"}
    """
    reasons = dict(reasons)
    for k, row in enumerate(np.asarray(collapsed)):
        if row.any():
            where_k = where.format(int(np.flatnonzero(row)[0]))
            reasons.setdefault(k, f"spread {where_k} is below {DEGENERATE_SCALE_FRACTION:g} of the data's")
    return dict(sorted(reasons.items()))


def family_degenerate_components(family, counts: np.ndarray) -> dict[int, str]:
    """``family.degenerate_components(counts)`` if the family declares it, else :func:`too_few_observations`.

    A component is degenerate when its fit is an artefact rather than an
    estimate: too few (effective) observations for its parameters, or a
    scale collapsed far below the data's spread, where the likelihood grows
    without bound as the collapse goes on (it is then set by a ridge or a
    floor, not by the data). Such components make information criteria
    meaningless. Families with a scale parameter implement
    ``degenerate_components(counts) -> {component: reason}`` to add their
    scale rule to the count rule; see docs/diagnostics.md for the rules.

    Parameters
    ----------
    family : Family
        A fitted family.
    counts : ndarray of shape (K,)
        Effective sample sizes ``n_k = sum_i r_ik`` of its components.

    Returns
    -------
    dict
        ``{component: reason}``, components counted within the family.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.base import family_degenerate_components
    >>> x = np.r_[np.random.default_rng(0).normal(size=(50, 1)), np.full((10, 1), 5.0)]
    >>> g = em.Gaussian("VVI", 2); g = g.m_step(g.stats(x, np.eye(2)[[0] * 50 + [1] * 10]))
    >>> family_degenerate_components(g, np.array([50.0, 10.0]))
    {1: "spread along some direction is below 0.001 of the data's"}
    """
    if not capabilities(family).degenerate:
        return too_few_observations(family, counts)
    return family.degenerate_components(np.asarray(counts, dtype=float))


#: What the EM driver and results use of every family.
REQUIRED_MEMBERS = (
    "n_components", "is_fitted", "log_prob", "stats", "m_step", "n_params", "sample",
    "with_components", "to_dataset", "from_dataset", "spec",
)


def check_family(family) -> None:
    """Raise a ``TypeError`` naming what ``family`` lacks of the family protocol.

    Examples
    --------
    >>> from emkit.components.base import check_family
    >>> check_family(object())
    Traceback (most recent call last):
    ...
    TypeError: object is not a component family: it lacks n_components, is_fitted, log_prob, stats, m_step, n_params, sample, with_components, to_dataset, from_dataset, spec (see docs/custom_components.md)
    """
    missing = [name for name in REQUIRED_MEMBERS if not hasattr(family, name)]
    if missing:
        raise TypeError(
            f"{type(family).__name__} is not a component family: it lacks {', '.join(missing)} "
            "(see docs/custom_components.md)"
        )


def bind_family(family, features, categories=None, data=None):
    """``family.bind(...)`` with the keywords its signature names, or the family itself.

    Families bind to the data's columns (``features``), to the labels of
    encoded categorical columns (``categories``) or to the data themselves
    (``data``), each taking what it needs.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.base import bind_family
    >>> bind_family(em.Regression("y", ["x"]), np.array(["x", "y"])).columns
    (1, (0,), ('x',))
    >>> g = em.Gaussian(); bind_family(g, np.array(["x"])) is g
    True
    """
    if not capabilities(family).bind:
        return family
    accepted = inspect.signature(family.bind).parameters
    given = {"categories": categories, "data": data}
    return family.bind(features, **{k: v for k, v in given.items() if k in accepted})

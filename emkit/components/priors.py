r"""Conjugate priors of component families and mixing weights: hyperparameters and log densities.

A family declared with a prior (``em.Gaussian(prior=em.GaussianPrior())``,
``em.Poisson(prior=em.GammaPrior(2, 1))``, ``em.Categorical(prior=em.DirichletPrior(2))``)
has an M-step that returns the posterior mode (MAP EM); EM then climbs the
log-likelihood plus the log prior density, which never decreases.

Gaussian components (Fraley & Raftery, 2007, "Bayesian regularization for
normal mixture estimation and model-based clustering"): given its covariance,
each mean is normal, ``mu_k | Sigma_k ~ N(mu_P, Sigma_k / kappa_P)``, and the
covariance is inverse-Wishart ``IW(nu_P, Lambda_P)`` (ellipsoidal structures)
or each variance inverse-gamma ``IG(nu_P / 2, zeta_P^2 / 2)`` (diagonal and
spherical structures). The defaults are mclust's ``defaultPrior``, computed
once from the data a fit sees, for a model with ``G`` components in ``d``
dimensions:

* ``kappa_P = 0.01`` (``shrinkage``), ``mu_P`` the data's mean (``mean``),
  ``nu_P = d + 2`` (``dof``);
* ``Lambda_P = var(X) / G^(2/d)`` for ellipsoidal structures (the diagonal of
  ``var(X)`` if there are no more rows than features), and
  ``zeta_P^2 = sum_j var(X_j) / (d G^(2/d))`` for the others (``scale``).

Poisson rates take a gamma prior (``GammaPrior``), categorical probabilities
and the mixing weights a Dirichlet prior (``DirichletPrior``, ``weight_prior``).

A family that can carry a prior declares the ``log_prior(stats=None)`` hook
(the ``log_prior`` capability of :mod:`emkit.components.capabilities`); a
latent model adds :func:`~emkit.components.capabilities.log_prior_of` each of
its families to the objective EM climbs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, multigammaln

#: The covariance structures with a MAP M-step (Fraley & Raftery, 2007, table 2).
MAP_STRUCTURES = ("EII", "VII", "EEI", "VVI", "EEE", "VVV")

_LOG_2PI = np.log(2.0 * np.pi)


def map_probabilities(counts: np.ndarray, concentration: np.ndarray, current: np.ndarray | None) -> np.ndarray:
    """Rows of ``counts + concentration - 1`` normalised; zeros of ``current`` stay zero; rows of no mass keep ``current``.

    The mode of the Dirichlet posterior of probability vectors (the last
    axis): ``p_c = (N_c + a_c - 1) / sum_l (N_l + a_l - 1)``.

    Parameters
    ----------
    counts : ndarray (..., K)
        Expected counts.
    concentration : ndarray like ``counts``
        Dirichlet concentrations (>= 1).
    current : ndarray like ``counts`` or None
        The probabilities being updated (None: no structural zeros, uniform
        for an empty row).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.priors import map_probabilities
    >>> counts = np.array([[3.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    >>> current = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    >>> map_probabilities(counts, np.ones((2, 3)), current).tolist()
    [[0.75, 0.25, 0.0], [0.2, 0.3, 0.5]]
    >>> map_probabilities(counts, np.full((2, 3), 2.0), current)[0].tolist()  # the prior adds 1 to each non-zero entry
    [0.6666666666666666, 0.3333333333333333, 0.0]
    """
    allowed = np.ones_like(counts, dtype=bool) if current is None else current > 0
    mass = np.where(allowed, counts + concentration - 1.0, 0.0)
    total = mass.sum(axis=-1, keepdims=True)
    fallback = np.full_like(counts, 1.0 / counts.shape[-1]) if current is None else current
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, mass / np.where(total > 0, total, 1.0), fallback)


def dirichlet_log_density(probs: np.ndarray, concentration: np.ndarray) -> float:
    """``sum`` over the vectors (last axis) of ``log Dir(p | a)``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.priors import dirichlet_log_density
    >>> round(dirichlet_log_density(np.array([0.25, 0.75]), np.array([2.0, 2.0])), 6)  # 6 p (1 - p)
    0.117783
    """
    probs, concentration = np.broadcast_arrays(np.asarray(probs, dtype=float), concentration)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 log 0 where the concentration is 1
        kernel = np.where(concentration == 1.0, 0.0, (concentration - 1.0) * np.log(probs))
    norm = gammaln(concentration.sum(axis=-1)) - gammaln(concentration).sum(axis=-1)
    return float(kernel.sum() + norm.sum())


def check_concentration(name: str, value, shape: tuple) -> np.ndarray:
    """A Dirichlet concentration (scalar or array broadcast to ``shape``), at least 1 everywhere.

    Concentrations below 1 make the MAP estimate undefined on the boundary,
    so they are refused.

    Examples
    --------
    >>> from emkit.components.priors import check_concentration
    >>> check_concentration("transition_prior", 2.0, (2, 2)).tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    >>> check_concentration("start_prior", 0.5, (2,))
    Traceback (most recent call last):
    ...
    ValueError: start_prior must be Dirichlet concentrations of at least 1 (1 = no prior), broadcastable to (2,); got 0.5
    """
    try:
        out = np.broadcast_to(np.asarray(value, dtype=float), shape).copy()
    except (ValueError, TypeError):
        out = None
    if out is None or not np.all(np.isfinite(out)) or np.any(out < 1):
        raise ValueError(
            f"{name} must be Dirichlet concentrations of at least 1 (1 = no prior), broadcastable to {shape}; "
            f"got {value!r}"
        )
    return out


def _positive_number(name: str, value, allow_zero: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = np.nan
    if not np.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a finite {bound} number, got {value!r}")
    return number


# -- Gaussian components ----------------------------------------------------------------
@dataclass(frozen=True)
class GaussianHyperparameters:
    """The hyperparameters of a Gaussian prior with every value known (none left to the data).

    Attributes
    ----------
    shrinkage : float
        ``kappa_P``; 0 leaves the means without a prior.
    mean : ndarray (d,)
        ``mu_P``.
    dof : float
        ``nu_P``.
    scale : float or ndarray (d, d)
        ``Lambda_P`` (ellipsoidal structures) or ``zeta_P^2`` (the others).
    """

    shrinkage: float
    mean: np.ndarray
    dof: float
    scale: float | np.ndarray


class GaussianPrior:
    """A conjugate prior of Gaussian components (Fraley & Raftery, 2007): mclust's ``priorControl()``.

    Given to :class:`~emkit.Gaussian` or :class:`~emkit.GaussianMixture`
    (``prior=``), it makes every M-step the posterior mode, which keeps
    covariances away from singularity. Values left as None are mclust's
    defaults (``defaultPrior``), computed once from the data of each fit
    (the statistics of its first M-step; see :mod:`emkit.components.priors`).

    Parameters
    ----------
    shrinkage : float, default 0.01
        ``kappa_P``: how many observations' worth of weight pulls each mean
        towards ``mean``; 0 puts no prior on the means.
    mean : array-like of shape (d,), optional
        ``mu_P``; default: the data's mean.
    dof : float, optional
        ``nu_P``; default ``d + 2``. Above ``d - 1`` for ellipsoidal
        structures, positive for the others.
    scale : float or array-like of shape (d, d), optional
        ``Lambda_P``, a positive-definite matrix (a number ``s`` is ``s I``),
        for the ellipsoidal structures (EEE, VVV); ``zeta_P^2``, a positive
        number, for the diagonal and spherical ones (EII, VII, EEI, VVI).
        Default: mclust's, from the data's variances and the number of
        components.

    Examples
    --------
    >>> import emkit as em
    >>> em.GaussianPrior()
    GaussianPrior(shrinkage=0.01)
    >>> fit = em.GaussianMixture(2, covariance="VVI", prior=em.GaussianPrior()).fit(
    ...     em.datasets.load("faithful"), random_state=0)
    >>> sorted(fit.params.means.sel(feature="waiting").values.round(1).tolist())
    [54.7, 80.2]
    """

    def __init__(self, shrinkage: float = 0.01, mean=None, dof: float | None = None, scale=None):
        self.shrinkage = _positive_number("shrinkage", shrinkage, allow_zero=True)
        self.mean = None if mean is None else _finite_array("mean", mean, ndim=1)
        self.dof = None if dof is None else _positive_number("dof", dof)
        if scale is not None and np.ndim(scale) == 0:
            scale = _positive_number("scale", scale)
        elif scale is not None:
            scale = _finite_array("scale", scale, ndim=2)
        self.scale = scale

    def __repr__(self) -> str:
        given = {"mean": self.mean, "dof": self.dof, "scale": self.scale}
        rest = "".join(
            f", {name}={value.tolist() if isinstance(value, np.ndarray) else value!r}"
            for name, value in given.items() if value is not None
        )
        return f"GaussianPrior(shrinkage={self.shrinkage:g}{rest})"

    def spec(self) -> dict:
        """JSON-serialisable description (see :meth:`from_spec`).

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianPrior(dof=5).spec()
        {'shrinkage': 0.01, 'mean': None, 'dof': 5.0, 'scale': None}
        """
        listed = {name: None if value is None else np.asarray(value).tolist()
                  for name, value in (("mean", self.mean), ("scale", self.scale))}
        return {"shrinkage": self.shrinkage, "mean": listed["mean"], "dof": self.dof, "scale": listed["scale"]}

    @classmethod
    def from_spec(cls, spec: dict) -> "GaussianPrior":
        """Inverse of :meth:`spec`.

        Examples
        --------
        >>> import emkit as em
        >>> em.GaussianPrior.from_spec(em.GaussianPrior(scale=2.0).spec())
        GaussianPrior(shrinkage=0.01, scale=2.0)
        """
        return cls(**spec)

    def resolve(
        self, structure: str, n_components: int, weight: float, mean: np.ndarray, scatter: np.ndarray
    ) -> GaussianHyperparameters:
        """Every hyperparameter, the defaults taken from the data's moments.

        Parameters
        ----------
        structure : str
            The covariance structure's mclust name (one of :data:`MAP_STRUCTURES`).
        n_components : int
            ``G``, which divides the default scale by ``G^(2/d)``.
        weight : float
            ``n``, the data's total weight.
        mean : ndarray (d,)
            The data's (weighted) mean.
        scatter : ndarray (d, d) or (d,)
            The data's scatter about its mean, ``sum_i (x_i - xbar)(x_i - xbar)^T``
            (only its diagonal for the diagonal and spherical structures):
            ``var(X) = scatter / (n - 1)``, as R's ``var``.

        Returns
        -------
        GaussianHyperparameters

        Raises
        ------
        ValueError
            If a given hyperparameter does not fit the data's dimension or the structure.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> scatter = np.array([[4.0, 1.0], [1.0, 2.0]])  # var(X) = scatter / 4 with n = 5
        >>> hyper = em.GaussianPrior().resolve("VVV", 2, 5.0, np.zeros(2), scatter)
        >>> hyper.dof, hyper.scale.tolist()  # var(X) / 2^(2/2)
        (4.0, [[0.5, 0.125], [0.125, 0.25]])
        >>> em.GaussianPrior().resolve("VII", 2, 5.0, np.zeros(2), np.diagonal(scatter)).scale  # (1 + 0.5) / 2 / 2
        0.375
        """
        check_prior_structure(structure)
        d = len(mean)
        ellipsoidal = structure in ("EEE", "VVV")
        prior_mean = mean if self.mean is None else self.mean
        if prior_mean.shape != (d,):
            raise ValueError(f"the prior mean has {prior_mean.size} values, the data have {d} features")
        dof = d + 2.0 if self.dof is None else self.dof
        if ellipsoidal and dof <= d - 1:
            raise ValueError(f"dof must exceed d - 1 = {d - 1} for an inverse-Wishart prior of {structure}, got {dof:g}")
        if self.scale is None:
            scale = _default_scale(ellipsoidal, n_components, weight, scatter)
        else:
            scale = _checked_scale(self.scale, ellipsoidal, structure, d)
        return GaussianHyperparameters(self.shrinkage, np.asarray(prior_mean, dtype=float), float(dof), scale)


def check_prior_structure(structure: str) -> None:
    """Raise a ``ValueError`` if ``structure`` has no MAP M-step.

    Examples
    --------
    >>> from emkit.components.priors import check_prior_structure
    >>> check_prior_structure("VVV")
    >>> check_prior_structure("VEV")
    Traceback (most recent call last):
    ...
    ValueError: a conjugate prior (MAP M-step) is available for the covariance structures EII, VII, EEI, VVI, EEE, VVV, not VEV; fit VEV without prior, or choose one of these
    """
    if structure not in MAP_STRUCTURES:
        raise ValueError(
            f"a conjugate prior (MAP M-step) is available for the covariance structures {', '.join(MAP_STRUCTURES)}, "
            f"not {structure}; fit {structure} without prior, or choose one of these"
        )


def _finite_array(name: str, value, ndim: int) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        array = np.full(1, np.nan)
    if array.ndim != ndim or not np.all(np.isfinite(array)):
        shape = "a vector (d,)" if ndim == 1 else "a (d, d) matrix or a number"
        raise ValueError(f"{name} must be {shape} of finite values, got {value!r}")
    return array


def _default_scale(ellipsoidal: bool, n_components: int, weight: float, scatter: np.ndarray):
    """mclust's ``defaultPrior`` scale: the data's variances over ``G^(2/d)``."""
    d = scatter.shape[-1]
    if weight <= 1:
        raise ValueError("a prior's default scale needs the variance of more than one observation; give scale")
    variance = scatter / (weight - 1.0)
    factor = float(n_components) ** (-2.0 / d)
    if not ellipsoidal:
        diagonal = np.diagonal(variance) if variance.ndim == 2 else variance
        return float(factor * diagonal.sum() / d)
    if weight <= d:
        return factor * np.diag(np.diagonal(variance))
    return factor * variance


def _checked_scale(scale, ellipsoidal: bool, structure: str, d: int):
    if not ellipsoidal:
        if np.ndim(scale) != 0:
            raise ValueError(f"the prior scale of {structure} is one positive number (zeta_P^2), got a matrix")
        return float(scale)
    matrix = scale * np.eye(d) if np.ndim(scale) == 0 else scale
    if matrix.shape != (d, d) or not np.allclose(matrix, matrix.T) or np.linalg.eigvalsh(matrix)[0] <= 0:
        raise ValueError(f"the prior scale of {structure} must be a symmetric positive-definite {d} x {d} matrix")
    return matrix


def gaussian_log_prior(hyper: GaussianHyperparameters, means: np.ndarray, matrices: np.ndarray,
                       variances: np.ndarray) -> float:
    """``log p(mu, Sigma)`` of fitted Gaussian components under the prior.

    Parameters
    ----------
    hyper : GaussianHyperparameters
    means : ndarray (K, d)
    matrices : ndarray (K, d, d)
        Every component's covariance matrix (for the means' prior).
    variances : ndarray
        The structure's distinct covariance parameters, each with its own
        prior: matrices ``(m, d, d)`` (inverse-Wishart) or variances, any
        shape (inverse-gamma); a shared covariance appears once.

    Examples
    --------
    One component, one dimension: ``N(mu | 0, s / kappa) IG(s | nu / 2, zeta / 2)``.

    >>> import numpy as np
    >>> from scipy import stats
    >>> from emkit.components.priors import GaussianHyperparameters, gaussian_log_prior
    >>> hyper = GaussianHyperparameters(0.5, np.zeros(1), 3.0, 2.0)
    >>> value = gaussian_log_prior(hyper, np.array([[1.0]]), np.array([[[4.0]]]), np.array([4.0]))
    >>> oracle = stats.norm(0, np.sqrt(4.0 / 0.5)).logpdf(1.0) + stats.invgamma(1.5, scale=1.0).logpdf(4.0)
    >>> bool(np.isclose(value, oracle))
    True
    """
    total = 0.0
    if hyper.shrinkage > 0:
        d = means.shape[1]
        chol = np.linalg.cholesky(matrices / hyper.shrinkage)
        white = np.linalg.solve(chol, (means - hyper.mean)[..., None])[..., 0]
        log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        total += float(np.sum(-0.5 * (d * _LOG_2PI + log_det + np.square(white).sum(axis=1))))
    if variances.ndim == 3:
        return total + _inverse_wishart_log_density(variances, hyper.dof, hyper.scale)
    return total + _inverse_gamma_log_density(variances, hyper.dof / 2.0, hyper.scale / 2.0)


def _inverse_wishart_log_density(matrices: np.ndarray, dof: float, scale: np.ndarray) -> float:
    d = scale.shape[0]
    _, log_det_scale = np.linalg.slogdet(scale)
    _, log_det = np.linalg.slogdet(matrices)
    trace = np.trace(np.linalg.solve(matrices, np.broadcast_to(scale, matrices.shape)), axis1=1, axis2=2)
    norm = 0.5 * dof * log_det_scale - 0.5 * dof * d * np.log(2.0) - multigammaln(0.5 * dof, d)
    return float(np.sum(norm - 0.5 * (dof + d + 1) * log_det - 0.5 * trace))


def _inverse_gamma_log_density(values: np.ndarray, shape: float, scale: float) -> float:
    return float(np.sum(shape * np.log(scale) - gammaln(shape) - (shape + 1.0) * np.log(values) - scale / values))


# -- discrete families ---------------------------------------------------------------------
class GammaPrior:
    """A gamma prior of Poisson rates, ``lambda ~ Gamma(shape, rate)``.

    The M-step becomes ``lambda_kj = (s_kj + shape - 1) / (n_k + rate)``
    (``s_kj`` the weighted sum of counts): with ``shape > 1`` no rate is 0.

    Parameters
    ----------
    shape : float
        At least 1 (a finite mode).
    rate : float
        Positive.

    Examples
    --------
    >>> import emkit as em
    >>> float(em.GammaPrior(2.0, 1.0).mode(sums=0.0, weight=3.0))  # (0 + 2 - 1) / (3 + 1)
    0.25
    """

    def __init__(self, shape: float, rate: float):
        self.shape = _positive_number("shape", shape)
        if self.shape < 1:
            raise ValueError(f"shape must be at least 1 (below, the posterior has no mode for a rate of 0), got {shape!r}")
        self.rate = _positive_number("rate", rate)

    def __repr__(self) -> str:
        return f"GammaPrior(shape={self.shape:g}, rate={self.rate:g})"

    def spec(self) -> dict:
        """JSON-serialisable description, ``{"shape": ..., "rate": ...}``.

        Examples
        --------
        >>> import emkit as em
        >>> em.GammaPrior(2.0, 0.5).spec()
        {'shape': 2.0, 'rate': 0.5}
        """
        return {"shape": self.shape, "rate": self.rate}

    def mode(self, sums, weight):
        """The posterior mode ``(sums + shape - 1) / (weight + rate)``.

        ``sums`` are the weighted sums of the counts, ``weight`` the total
        weights (the Poisson M-step's statistics).

        Examples
        --------
        >>> import emkit as em
        >>> float(em.GammaPrior(2.0, 1.0).mode(9.0, 4.0))  # (9 + 1) / (4 + 1)
        2.0
        """
        return (np.asarray(sums, dtype=float) + self.shape - 1.0) / (np.asarray(weight, dtype=float) + self.rate)

    def log_density(self, rates: np.ndarray) -> float:
        """``sum log Gamma(lambda | shape, rate)`` over all rates.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy import stats
        >>> value = em.GammaPrior(2.0, 3.0).log_density(np.array([0.5, 1.0]))
        >>> bool(np.isclose(value, stats.gamma(2.0, scale=1 / 3.0).logpdf([0.5, 1.0]).sum()))
        True
        """
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 log 0 where the shape is 1
            kernel = np.where(self.shape == 1.0, 0.0, (self.shape - 1.0) * np.log(rates))
        return float(np.sum(self.shape * np.log(self.rate) - gammaln(self.shape) + kernel - self.rate * rates))


class DirichletPrior:
    """A symmetric Dirichlet prior of probability vectors (categorical probabilities).

    The M-step becomes ``p_kjc = (N_kjc + a - 1) / (n_k + C_j (a - 1))``:
    with ``a > 1`` no probability is 0 (latent class analysis without
    boundary estimates).

    Parameters
    ----------
    concentration : float, default 2.0
        ``a``, at least 1 (1 = no prior).

    Examples
    --------
    >>> import emkit as em
    >>> em.DirichletPrior(2.0)
    DirichletPrior(concentration=2)
    """

    def __init__(self, concentration: float = 2.0):
        self.concentration = float(check_concentration("concentration", concentration, ()))

    def __repr__(self) -> str:
        return f"DirichletPrior(concentration={self.concentration:g})"

    def spec(self) -> dict:
        """JSON-serialisable description, ``{"concentration": ...}``.

        Examples
        --------
        >>> import emkit as em
        >>> em.DirichletPrior(2.0).spec()
        {'concentration': 2.0}
        """
        return {"concentration": self.concentration}


def declared_prior(kind: type, prior):
    """``prior`` as a ``kind`` (GammaPrior, DirichletPrior), from itself, its :meth:`spec` dict, or None.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.priors import declared_prior
    >>> declared_prior(em.GammaPrior, {"shape": 2.0, "rate": 1.0})
    GammaPrior(shape=2, rate=1)
    >>> declared_prior(em.GammaPrior, 2.0)
    Traceback (most recent call last):
    ...
    TypeError: prior must be a GammaPrior (or None), not float
    """
    if prior is None or isinstance(prior, kind):
        return prior
    if isinstance(prior, dict):
        return kind(**prior)
    raise TypeError(f"prior must be a {kind.__name__} (or None), not {type(prior).__name__}")


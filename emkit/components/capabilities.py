"""The optional hooks of a family, declared in one place.

Beyond the required members of the family protocol (:data:`~emkit.components.base.REQUIRED_MEMBERS`)
a family may implement optional hooks. This module is the one list of them:
every layer asks :func:`capabilities` what a family offers instead of probing
it with ``hasattr``. A capability is read from the family's *class*, once per
class, so a hook must be a method (or, for ``supports_float32``, a class
attribute), not an attribute set on one instance.

========================  ============================================================  ==========================================
capability                hook(s) the family class defines                              what it enables
========================  ============================================================  ==========================================
``one_pass``              ``one_pass_kernel() -> OnePassKernel``                        the compiled one-pass E-step of a mixture
                                                                                        made of this family alone, and chunks sized
                                                                                        for it (``FiniteMixture.fit_floats_per_row``)
``evaluate``              ``evaluate(x) -> Evaluation``                                 log-densities and statistics from one pass
``blocked``               ``log_prob_into(x, out)``, ``stats_in_blocks(x, weights)``    log-densities written into a given (n, K)
                                                                                        array and statistics from given weights,
                                                                                        in compiled cache-sized blocks: the hidden
                                                                                        Markov E-step without (K, n, d) temporaries
``float32``               ``supports_float32 = True``                                   float32 chunks passed on unconverted
``check_data``            ``check_data(x)``                                             a ``ValueError`` for data outside the support
``degenerate``            ``degenerate_components(counts)``                             its own degenerate-component rule (else the
                                                                                        count rule, ``too_few_observations``)
``free_params``           ``free_parameters()``, ``with_free_parameters(v)``,           standard errors (``em.summary``)
                          ``free_parameter_bounds()``
``bind``                  ``bind(features, categories=None, data=None)``                binding to the data's columns and categories
``working_floats``        ``working_floats_per_row(d)``                                 its own chunk sizing (else ``K d`` floats)
``describe``              ``describe()``                                                a short description for summaries
``marginalize``           ``evaluate_observed(x) -> Evaluation``                        rows with NaN under ``missing="marginalize"``:
                                                                                        log-densities of the observed entries and
                                                                                        statistics completed by conditional
                                                                                        expectations (:mod:`.missing`)
``log_prior``             ``log_prior(stats=None) -> float``                            MAP EM: the log prior density of the fitted
                                                                                        parameters (0 without a prior), added to
                                                                                        the objective EM climbs; ``stats`` (an
                                                                                        E-step's) give data-dependent defaults
                                                                                        (:mod:`.priors`, :func:`log_prior_of`)
========================  ============================================================  ==========================================

Families also declare *values* whose absence has a documented default,
read with :func:`declared`: ``default_init`` (``"kmeans++"``),
``accepts_categorical`` (``False``) and ``used_columns`` (``None``: every
column). These may depend on the instance (``Independent`` derives them
from its parts).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

#: The hook methods behind each boolean capability (``float32`` is a class attribute instead).
HOOKS = {
    "one_pass": ("one_pass_kernel",),
    "evaluate": ("evaluate",),
    "blocked": ("log_prob_into", "stats_in_blocks"),
    "check_data": ("check_data",),
    "degenerate": ("degenerate_components",),
    "free_params": ("free_parameters", "with_free_parameters", "free_parameter_bounds"),
    "bind": ("bind",),
    "working_floats": ("working_floats_per_row",),
    "describe": ("describe",),
    "marginalize": ("evaluate_observed",),
    "log_prior": ("log_prior",),
}

#: Declared values and what a family that declares none gets.
DECLARED_DEFAULTS = {"default_init": "kmeans++", "accepts_categorical": False, "used_columns": None}


@dataclass(frozen=True)
class Capabilities:
    """What a family class offers beyond the required protocol (see the module's table).

    Examples
    --------
    >>> from emkit.components.capabilities import Capabilities
    >>> Capabilities().free_params
    False
    """

    one_pass: bool = False
    evaluate: bool = False
    blocked: bool = False
    float32: bool = False
    check_data: bool = False
    degenerate: bool = False
    free_params: bool = False
    bind: bool = False
    working_floats: bool = False
    describe: bool = False
    marginalize: bool = False
    log_prior: bool = False


def capabilities(family) -> Capabilities:
    """The optional hooks ``family``'s class implements, computed once per class.

    Parameters
    ----------
    family : Family
        Any family, fitted or not.

    Returns
    -------
    Capabilities

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import capabilities
    >>> capabilities(em.Gaussian()).one_pass, capabilities(em.Poisson()).one_pass
    (True, False)
    >>> capabilities(em.Poisson()).check_data
    True
    """
    return _class_capabilities(type(family))


@functools.cache
def _class_capabilities(cls: type) -> Capabilities:
    hooks = {name: not _missing(cls, name) for name in HOOKS}
    return Capabilities(float32=getattr(cls, "supports_float32", False) is True, **hooks)


def _missing(cls: type, capability: str) -> tuple[str, ...]:
    return tuple(method for method in HOOKS[capability] if not callable(getattr(cls, method, None)))


def missing_hooks(family, capability: str) -> tuple[str, ...]:
    """The methods of :data:`HOOKS` ``[capability]`` that ``family``'s class lacks, to name them in errors.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import missing_hooks
    >>> missing_hooks(em.Poisson(), "free_params"), missing_hooks(em.Poisson(), "bind")
    ((), ('bind',))
    """
    return _missing(type(family), capability)


def declared(family, name: str):
    """The value ``family`` declares for ``name``, or the default of :data:`DECLARED_DEFAULTS`.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import declared
    >>> declared(em.Gaussian(), "default_init"), declared(em.Categorical(), "default_init")
    ('kmeans++', 'short_em')
    >>> declared(em.Gaussian(), "accepts_categorical"), declared(em.Gaussian(), "used_columns") is None
    (False, True)
    """
    return getattr(family, name, DECLARED_DEFAULTS[name])


def working_floats(family, n_features: int) -> int:
    """Floats of E-step temporaries per row: the family's own count, else ``K d``.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import working_floats
    >>> working_floats(em.Poisson(3), 2), working_floats(em.Gaussian("full", 3), 2)
    (6, 18)
    """
    if capabilities(family).working_floats:
        return family.working_floats_per_row(n_features)
    return family.n_components * n_features


def check_data(family, x) -> None:
    """``family.check_data(x)`` if the family has a support check (``ValueError`` outside it).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.capabilities import check_data
    >>> check_data(em.Poisson(), np.array([[-1.0]]))
    Traceback (most recent call last):
    ...
    ValueError: Poisson components need non-negative integer counts; row 0 is [-1.0]
    """
    if capabilities(family).check_data:
        family.check_data(x)


def description(family) -> str:
    """``family.describe()`` if the family has one, else its ``repr``.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import description
    >>> description(em.Gaussian("diag", 2))
    '2 Gaussian components, covariance VVI (diagonal)'
    """
    return family.describe() if capabilities(family).describe else repr(family)


def log_prior_of(family, stats=None) -> float:
    """``family.log_prior(stats)`` if the family can carry a prior, else 0 (maximum likelihood).

    Parameters
    ----------
    family : Family
        A fitted family.
    stats : optional
        The family's statistics of an E-step, from which a prior with
        data-dependent defaults (:class:`~emkit.GaussianPrior`) takes them
        before an M-step has fixed them.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import log_prior_of
    >>> log_prior_of(em.Exponential(1).with_params(rate=[[1.0]]))
    0.0
    >>> fitted = em.Poisson(1, prior=em.GammaPrior(2.0, 1.0)).with_params(rate=[[1.0]])
    >>> round(log_prior_of(fitted), 6)  # log Gamma(1 | 2, 1) = log(1 e^-1)
    -1.0
    """
    return float(family.log_prior(stats)) if capabilities(family).log_prior else 0.0


def free_parameters_of(family):
    """``family.free_parameters()`` as floats; ``TypeError`` naming the missing hooks if the family has none.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import free_parameters_of
    >>> free_parameters_of(em.Poisson().with_params(rate=[[2.0]])).tolist()
    [2.0]
    """
    if not capabilities(family).free_params:
        raise TypeError(
            f"{type(family).__name__} has no {', '.join(missing_hooks(family, 'free_params'))}(); "
            f"standard errors need {', '.join(HOOKS['free_params'])} (or use em.bootstrap)"
        )
    return np.asarray(family.free_parameters(), dtype=float)


def observed_evaluation(family, x):
    """``family.evaluate_observed(x)``: rows with NaN evaluated on their observed entries.

    Raises
    ------
    TypeError
        If the family cannot marginalise missing values (no ``evaluate_observed``).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.components.capabilities import observed_evaluation
    >>> fitted = em.Gaussian().m_step(em.Gaussian().stats(np.array([[0.0, 0.0], [2.0, 2.0]]), np.ones((2, 1))))
    >>> observed_evaluation(fitted, np.array([[1.0, np.nan]])).log_prob.shape
    (1, 1)
    >>> observed_evaluation(em.Uniform(), np.array([[np.nan]]))
    Traceback (most recent call last):
    ...
    TypeError: Uniform components cannot marginalise missing values (they have no evaluate_observed()); drop or impute the rows with NaN, or model those columns with a family that can (Gaussian, Poisson, Bernoulli, Categorical, Exponential, Gamma, LogNormal, VonMises, Independent of such parts)
    """
    require_marginalize(family)
    return family.evaluate_observed(x)


def require_marginalize(family) -> None:
    """A ``TypeError`` naming ``family`` if it cannot marginalise missing values.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.components.capabilities import require_marginalize
    >>> require_marginalize(em.Gaussian())
    """
    if not capabilities(family).marginalize:
        raise TypeError(
            f"{type(family).__name__} components cannot marginalise missing values (they have no "
            "evaluate_observed()); drop or impute the rows with NaN, or model those columns with a family "
            "that can (Gaussian, Poisson, Bernoulli, Categorical, Exponential, Gamma, LogNormal, VonMises, "
            "Independent of such parts)"
        )

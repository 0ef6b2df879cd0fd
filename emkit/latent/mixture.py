"""Finite mixtures: weights plus one or more families; the E-step lives here.

The density of a K-component mixture is ``p(x) = sum_k w_k f_k(x)``. The
E-step computes, for a chunk of observations, the responsibilities::

    r_ik = w_k f_k(x_i) / sum_j w_j f_j(x_i)

in log space (log-sum-exp), and immediately reduces them to additive
statistics: the observed-data log-likelihood ``sum_i log p(x_i)``, the
component weights ``n_k = sum_i r_ik`` and each family's sufficient
statistics. The ``(n, K)`` responsibility matrix of a chunk is dropped once
reduced. The M-step sets ``w_k = n_k / sum_j n_j`` and asks every family for
its own update.

Heterogeneous mixtures concatenate the component axes of their families:
components ``0 .. K_1 - 1`` belong to the first family, and so on.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import xarray as xr

from ..components.base import (
    bind_family, declared_init, evaluate_into, family_log_prob, one_pass_kernel, supported_chunk,
)
from ..components.capabilities import (
    capabilities, check_data, declared, free_parameters_of, log_prior_of, observed_evaluation, working_floats,
)
from .._missing_input import incomplete_rows
from ..components.parametric import simplex_from_free, simplex_to_free
from ..components.priors import check_concentration, dirichlet_log_density, map_probabilities
from ..components.registry import family_from_spec
from ..exceptions import NonFiniteDensityError

#: The attribute of saved parameters holding the Dirichlet concentrations of the weights (JSON list).
WEIGHT_PRIOR_ATTR = "weight_prior"


@dataclass(frozen=True)
class MixtureStats:
    """Additive E-step output of a mixture over some observations.

    Attributes
    ----------
    log_likelihood : float
        ``sum_i v_i log p(x_i)`` with observation weights ``v_i`` (1 by default).
    n_obs : float
        ``sum_i v_i``.
    classification_log_likelihood : float
        ``sum_i v_i log max_k r_ik``, the term ICL adds to BIC.
    component_weight : ndarray (K,)
        ``n_k = sum_i v_i r_ik``.
    family_stats : tuple
        One statistics value per family.

    Examples
    --------
    The statistics of two chunks add up to those of the whole data set:

    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
    >>> total = mixture.e_step(x[:2]) + mixture.e_step(x[2:])
    >>> total.n_obs, total.component_weight.round(6).tolist()
    (4.0, [2.0, 2.0])
    >>> abs(total.log_likelihood - mixture.e_step(x).log_likelihood) < 1e-12
    True
    """

    log_likelihood: float
    n_obs: float
    classification_log_likelihood: float
    component_weight: np.ndarray
    family_stats: tuple

    def __add__(self, other: "MixtureStats") -> "MixtureStats":
        if not isinstance(other, MixtureStats):
            return NotImplemented
        return MixtureStats(
            self.log_likelihood + other.log_likelihood,
            self.n_obs + other.n_obs,
            self.classification_log_likelihood + other.classification_log_likelihood,
            self.component_weight + other.component_weight,
            tuple(a + b for a, b in zip(self.family_stats, other.family_stats)),
        )

    def __mul__(self, factor: float) -> "MixtureStats":
        """Every statistic multiplied by ``factor`` (stepwise EM averages statistics).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.latent.mixture import MixtureStats
        >>> s = MixtureStats(-10.0, 4.0, -1.0, np.array([1.0, 3.0]), ()) * 0.5
        >>> s.log_likelihood, s.n_obs, s.component_weight.tolist()
        (-5.0, 2.0, [0.5, 1.5])
        """
        return MixtureStats(
            self.log_likelihood * factor,
            self.n_obs * factor,
            self.classification_log_likelihood * factor,
            self.component_weight * factor,
            tuple(s * factor for s in self.family_stats),
        )

    __rmul__ = __mul__


@dataclass(frozen=True)
class Posterior:
    """Responsibilities of a chunk and the per-observation log-density.

    Attributes
    ----------
    resp : ndarray of shape (n, K)
        Responsibilities ``r_ik``; every row sums to 1.
    log_density : ndarray of shape (n,)
        ``log p(x_i)``.
    log_max_resp : ndarray of shape (n,)
        ``log max_k r_ik`` (at most 0), summed for ICL.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
    >>> post = mixture.posterior(np.array([[2.25], [2.5]]))
    >>> post.resp.round(3).tolist()
    [[0.982, 0.018], [0.5, 0.5]]
    >>> post.log_max_resp.round(3).tolist()
    [-0.018, -0.693]
    """

    resp: np.ndarray
    log_density: np.ndarray
    log_max_resp: np.ndarray


class FiniteMixture:
    """Mixture weights plus families; the object the EM driver updates.

    Parameters
    ----------
    families : sequence of Family
        Component families; their component axes are concatenated.
    weights : ndarray of shape (K,), optional
        Mixing weights, None while unfitted.
    weight_prior : float or array of shape (K,), optional
        Dirichlet concentrations (at least 1) of a prior on the weights: the
        M-step is then ``w_k = (n_k + a_k - 1) / sum_j (n_j + a_j - 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> g = Gaussian("spherical", n_components=2)
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> resp = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    >>> m = FiniteMixture([g]).fit_responsibilities(x, resp)
    >>> m.weights.tolist()
    [0.5, 0.5]
    """

    def __init__(self, families, weights: np.ndarray | None = None, weight_prior=None):
        self.families = tuple(families)
        if not self.families:
            raise ValueError("a mixture needs at least one family")
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        bounds = np.cumsum([0] + [f.n_components for f in self.families])
        self._slices = tuple(slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]))
        self.weight_prior = (
            None if weight_prior is None else check_concentration("weight_prior", weight_prior, (bounds[-1],))
        )

    def _with(self, families, weights) -> "FiniteMixture":
        """A mixture of ``families`` and ``weights`` with this one's weight prior."""
        return FiniteMixture(families, weights, self.weight_prior)

    @property
    def n_components(self) -> int:
        """Total number of components over all families.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([em.Gaussian("full", 2), em.Poisson(3)]).n_components
        5
        """
        return self._slices[-1].stop

    @property
    def is_fitted(self) -> bool:
        """Whether weights and every family hold parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> declaration = FiniteMixture([Gaussian("full", 2)])
        >>> declaration.is_fitted, declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).is_fitted
        (False, True)
        """
        return self.weights is not None and all(f.is_fitted for f in self.families)

    # -- E-step ----------------------------------------------------------------
    def log_joint(self, x: np.ndarray) -> np.ndarray:
        """``log w_k + log f_k(x_i)``, shape (n, K).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> from scipy.special import logsumexp
        >>> joint = mixture.log_joint(x)
        >>> joint.shape
        (4, 2)
        >>> bool(np.allclose(logsumexp(joint, axis=1), mixture.posterior(x).log_density))
        True
        """
        return self._log_joint(self._observed_log_probs(x)).T

    def _observed_log_probs(self, x: np.ndarray) -> list[np.ndarray]:
        """Each family's log-densities (n, K_f); rows with NaN on their observed entries only.

        A row with nothing observed has log-density 0 under every component,
        so its posterior is the mixing weights.
        """
        incomplete = incomplete_rows(x)
        if not incomplete.any():
            return [family_log_prob(f, x) for f in self.families]
        complete = ~incomplete
        log_probs = []
        for family in self.families:
            log_prob = np.empty((len(x), family.n_components))
            if complete.any():
                log_prob[complete] = family_log_prob(family, x[complete])
            log_prob[incomplete] = observed_evaluation(family, x[incomplete]).log_prob
            log_probs.append(log_prob)
        return log_probs

    def _log_joint(self, log_probs) -> np.ndarray:
        # Component-major (K, n) layout: reductions over K then run over
        # contiguous rows. A fresh array, updated in place below.
        out = np.concatenate([lp.T for lp in log_probs], axis=0)
        with np.errstate(divide="ignore"):
            out += np.log(self.weights)[:, None]
        return out

    def posterior(self, x: np.ndarray, offset: int = 0) -> Posterior:
        """Responsibilities and log-densities of the rows of ``x``.

        ``offset`` is the index of the first row in the whole data set, used
        only to name a faulty observation in errors.

        Returns
        -------
        Posterior

        Raises
        ------
        NonFiniteDensityError
            If an observation has a non-finite log-density under every
            component.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> post = mixture.posterior(x)
        >>> post.resp.argmax(axis=1).tolist(), bool(np.allclose(post.resp.sum(axis=1), 1.0))
        ([0, 0, 1, 1], True)
        >>> post.log_density.round(3).tolist()
        [-1.419, -1.419, -1.419, -1.419]
        """
        return self._posterior(self._log_joint(self._observed_log_probs(x)), offset)

    @staticmethod
    def _posterior(joint: np.ndarray, offset: int) -> Posterior:
        """Posterior from the component-major (K, n) log-joint, overwritten in place."""
        top = joint.max(axis=0)
        if not np.all(np.isfinite(top)):
            bad = int(np.flatnonzero(~np.isfinite(top))[0])
            raise NonFiniteDensityError(offset + bad, top[bad])
        joint -= top
        np.exp(joint, out=joint)
        total = joint.sum(axis=0)
        joint /= total
        log_total = np.log(total)
        return Posterior(resp=joint.T, log_density=top + log_total, log_max_resp=-log_total)

    def e_step(
        self, x: np.ndarray, sample_weight: np.ndarray | None = None, offset: int = 0, lengths=None, labels=None
    ) -> MixtureStats:
        """Additive statistics of a chunk of observations (see :class:`MixtureStats`).

        One pass: every family is evaluated once, and its statistics reuse
        the work done for its log-densities. A mixture of a single family
        whose family offers a compiled one-pass kernel (``one_pass_kernel``: the
        Gaussian and Student-t families do) runs it on the whole chunk with
        the mixture's log-weights: one compiled pass, no ``(n, K)`` array.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            A chunk of observations.
        sample_weight : ndarray of shape (n,), optional
            Observation weights; the responsibilities are multiplied by them.
        offset : int, default 0
            Index of the chunk's first row, to name a faulty observation in
            errors.
        lengths : array_like of int, optional
            Sequence lengths of a chunk of sequential data (what a hidden
            Markov model's E-step needs); unused, a mixture's rows being
            independent.
        labels : ndarray of int of shape (n,), optional
            The known component of each row, -1 where it is unknown
            (semi-supervised EM, ``fit(X, labels=y)``): a labelled row's
            responsibilities are fixed at its component's indicator, so it
            enters the statistics with weight 1 in its component only, and it
            adds ``log w_c + log f_c(x_i)`` (the complete-data log-likelihood
            of its component ``c``) to ``log_likelihood`` where an unlabelled
            row adds ``log p(x_i)``; its ``log max_k r_ik`` is 0. A chunk
            without labelled rows takes the unlabelled path (the one-pass
            kernel where there is one).

        Returns
        -------
        MixtureStats

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> stats = mixture.e_step(x, sample_weight=np.array([1.0, 1.0, 1.0, 3.0]))
        >>> stats.n_obs, stats.component_weight.round(6).tolist()
        (6.0, [2.0, 4.0])
        >>> round(stats.log_likelihood, 3)
        -8.514

        Labelled rows count in their own component only:

        >>> fixed = mixture.e_step(np.array([[0.0], [5.0]]), labels=np.array([1, -1]))
        >>> fixed.component_weight.round(6).tolist(), fixed.classification_log_likelihood == 0.0
        ([0.0, 2.0], True)
        """
        incomplete = incomplete_rows(x)
        if incomplete.any():
            return self._e_step_with_missing(x, sample_weight, offset, incomplete, labels)
        n_obs = float(len(x)) if sample_weight is None else float(sample_weight.sum())
        labelled = None if labels is None else np.flatnonzero(labels >= 0)
        one_pass = self._one_pass
        if one_pass is not None and (labelled is None or labelled.size == 0):
            pieces, log_const = one_pass
            chunk = pieces.kernel(supported_chunk(self.families[0], x), log_const, sample_weight, offset)
            return MixtureStats(
                chunk.log_likelihood, n_obs, chunk.class_log_likelihood, chunk.count, (pieces.stats(chunk),)
            )
        log_probs, family_stats = self.evaluate_components(x)
        return self._reduced(self._log_joint([log_probs]), sample_weight, n_obs, family_stats, labels, offset)

    def _e_step_with_missing(self, x, sample_weight, offset, incomplete, labels) -> MixtureStats:
        """:meth:`e_step` of a chunk with NaN: complete rows by the usual path, the others on their observed entries.

        Rows with nothing observed contribute nothing (no likelihood term,
        observation count, weight or statistics); their posterior is the
        mixing weights.
        """
        complete, partial = _complete_and_partial_rows(x, incomplete)
        total = self.stats_from_responsibilities(x[:0], np.zeros((0, self.n_components)))
        try:
            if complete.size:
                rows = complete
                total = total + self.e_step(x[complete], _rows_of(sample_weight, complete), 0,
                                            labels=_rows_of(labels, complete))
            if partial.size:
                rows = partial
                log_probs, family_stats = self._observed_components(x[partial])
                weight = _rows_of(sample_weight, partial)
                n_obs = float(partial.size) if weight is None else float(weight.sum())
                joint = self._log_joint([log_probs])
                total = total + self._reduced(joint, weight, n_obs, family_stats, _rows_of(labels, partial), 0)
        except NonFiniteDensityError as err:  # the row counted in the whole data, not among the selected rows
            raise NonFiniteDensityError(offset + int(rows[err.row]), float("-inf")) from None
        return total

    def _observed_components(self, x: np.ndarray):
        """:meth:`evaluate_components` of rows each holding a NaN and some observed value.

        Log-densities of the observed entries; statistics completed by the
        conditional expectations of the missing ones (each family's
        ``marginalize`` hook, :func:`~emkit.components.capabilities.observed_evaluation`).
        """
        evaluations = [observed_evaluation(f, x) for f in self.families]
        log_probs = np.concatenate([ev.log_prob for ev in evaluations], axis=1)

        def family_stats(weights: np.ndarray) -> tuple:
            return tuple(ev.stats(weights[:, part]) for ev, part in zip(evaluations, self._slices))

        return log_probs, family_stats

    def _components_with_missing(self, x: np.ndarray, incomplete: np.ndarray):
        """:meth:`evaluate_components` of a chunk with NaN.

        Complete rows are evaluated as usual, rows with some observed value
        on their observed entries (:meth:`_observed_components`); a row with
        nothing observed has log-density 0 under every component and adds
        nothing to the statistics.
        """
        complete, partial = _complete_and_partial_rows(x, incomplete)
        log_probs = np.zeros((len(x), self.n_components))
        pieces = []
        for rows, evaluated in ((complete, self.evaluate_components), (partial, self._observed_components)):
            if rows.size:
                log_probs[rows], stats = evaluated(x[rows])
                pieces.append((rows, stats))
        nothing = self.stats_from_responsibilities(x[:0], np.zeros((0, self.n_components))).family_stats

        def family_stats(weights: np.ndarray) -> tuple:
            total = nothing
            for rows, stats in pieces:
                total = tuple(a + b for a, b in zip(total, stats(weights[rows])))
            return total

        return log_probs, family_stats

    def _reduced(self, joint, sample_weight, n_obs: float, family_stats, labels, offset: int) -> MixtureStats:
        """The additive statistics of a chunk from its component-major log-joint (K, n), overwritten."""
        labelled = None if labels is None else np.flatnonzero(labels >= 0)
        if labelled is not None and labelled.size:
            own = _own_log_joint(joint, labelled, labels[labelled], offset)
            post = _with_fixed_labels(self._posterior(joint, offset), labelled, labels[labelled], own)
        else:
            post = self._posterior(joint, offset)
        resp = post.resp
        if sample_weight is None:
            loglik = float(post.log_density.sum())
            class_ll = float(post.log_max_resp.sum())
        else:
            resp *= sample_weight[:, None]
            loglik = float(sample_weight @ post.log_density)
            class_ll = float(sample_weight @ post.log_max_resp)
        return MixtureStats(loglik, n_obs, class_ll, resp.sum(axis=0), family_stats(resp))

    @cached_property
    def _one_pass(self):
        """The one-pass E-step of a fitted mixture of one family that offers it: ``(pieces, log_const)``, else None.

        Built once per mixture (the family's compiled kernel and
        ``log_const_k = log w_k + log_norm_k``), not once per chunk.
        """
        if len(self.families) != 1 or self.weights is None:
            return None
        pieces = one_pass_kernel(self.families[0])
        if pieces is None:
            return None
        with np.errstate(divide="ignore"):
            return pieces, np.log(self.weights) + pieces.log_norm

    def evaluate_components(self, x: np.ndarray):
        """Every family evaluated on a chunk: ``(log_probs, family_stats)``.

        ``log_probs`` is the ``(n, K)`` array of log-densities ``log f_k(x_i)``,
        each family writing its own columns (:func:`~emkit.components.base.evaluate_into`:
        in compiled blocks for a family with the ``blocked`` capability, in
        one evaluation otherwise); ``family_stats(weights)`` turns
        per-observation component weights ``(n, K)`` (responsibilities,
        smoothed state posteriors) into the families' statistics, reusing
        the work done for the log-densities. This is all a latent model
        needs from the families: it never hands them its own parameters.
        Rows with NaN (values missing at random) are evaluated on their
        observed entries, with statistics completed by conditional
        expectations; a row with nothing observed has log-density 0 and
        adds no statistics (:meth:`_components_with_missing`).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> log_probs, family_stats = mixture.evaluate_components(x)
        >>> log_probs.shape, family_stats(np.eye(2)[[0, 0, 1, 1]])[0].mean.tolist()
        ((4, 2), [[0.5], [4.5]])
        """
        incomplete = incomplete_rows(x)
        if incomplete.any():
            return self._components_with_missing(x, incomplete)
        log_probs = np.empty((len(x), self.n_components))
        stats = [evaluate_into(f, x, log_probs[:, part]) for f, part in zip(self.families, self._slices)]

        def family_stats(weights: np.ndarray) -> tuple:
            return tuple(of_family(weights[:, part]) for of_family, part in zip(stats, self._slices))

        return log_probs, family_stats

    def component_slices(self) -> tuple[slice, ...]:
        """Each family's components as a slice of the component axis.

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([em.Gaussian("full", 2), em.Poisson(1)]).component_slices()
        (slice(0, 2, None), slice(2, 3, None))
        """
        return self._slices

    def stats_from_responsibilities(self, x: np.ndarray, resp: np.ndarray) -> MixtureStats:
        """Statistics from given (already weighted) responsibilities, without an E-step.

        The log-likelihood terms are 0 (no parameters are evaluated), so the
        mixture need not be fitted.
        Rows whose responsibilities are all zero (weight 0) are left out, as
        if absent: statistics that depend on which rows exist (the
        :class:`~emkit.components.uniform.Uniform` family's bounding box) then
        also give an integer weight the meaning of repeating the row.

        Parameters
        ----------
        x : ndarray of shape (n, d)
            Observations in rows.
        resp : ndarray of shape (n, K)
            Responsibilities, already multiplied by any observation weights.

        Returns
        -------
        MixtureStats

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> stats = FiniteMixture([Gaussian("full", 2)]).stats_from_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> stats.n_obs, stats.component_weight.tolist(), stats.family_stats[0].mean.tolist()
        (4.0, [2.0, 2.0], [[0.5], [4.5]])
        """
        observed = resp.any(axis=1)  # a row of zero weight is no observation (the Uniform's box)
        if not observed.all():
            x, resp = x[observed], resp[observed]
        family_stats = tuple(
            f.stats(supported_chunk(f, x), resp[:, part]) for f, part in zip(self.families, self._slices)
        )
        return MixtureStats(0.0, float(resp.sum()), 0.0, resp.sum(axis=0), family_stats)

    def objective(self, stats: MixtureStats) -> float:
        """What EM climbs: the log-likelihood plus :meth:`log_prior` (MAP EM; 0 without priors).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> stats = mixture.e_step(x)
        >>> mixture.objective(stats) == stats.log_likelihood
        True
        """
        return stats.log_likelihood + self.log_prior(stats)

    def log_prior(self, stats: MixtureStats | None = None) -> float:
        """The log prior density of the parameters: the weights' Dirichlet prior plus :meth:`families_log_prior`.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.latent.mixture import FiniteMixture
        >>> from emkit.components.gaussian import Gaussian
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> declaration = FiniteMixture([Gaussian("full", 2)], weight_prior=2.0)
        >>> mixture = declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> bool(np.isclose(mixture.log_prior(), np.log(6 * 0.5 * 0.5)))  # Dir(2, 2) at (1/2, 1/2)
        True
        """
        if self.weights is None:
            return 0.0
        total = 0.0 if self.weight_prior is None else dirichlet_log_density(self.weights, self.weight_prior)
        return total + self.families_log_prior(stats)

    def families_log_prior(self, stats: MixtureStats | None = None) -> float:
        """The sum of the families' log prior densities (the ``log_prior`` capability; 0 without priors).

        ``stats`` (an E-step's) give a family the data-dependent defaults of
        its prior before an M-step has fixed them (see
        :func:`~emkit.components.capabilities.log_prior_of`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy import stats
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> declaration = FiniteMixture([em.Poisson(2, prior=em.GammaPrior(2.0, 1.0))], weight_prior=2.0)
        >>> mixture = declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> mixture.families[0].params["rate"].ravel().tolist()  # (sum + 2 - 1) / (n_k + 1)
        [0.6666666666666666, 3.3333333333333335]
        >>> bool(np.isclose(mixture.families_log_prior(), stats.gamma(2.0).logpdf([2 / 3, 10 / 3]).sum()))
        True
        """
        if not self.is_fitted:
            return 0.0
        family_stats = [None] * len(self.families) if stats is None else stats.family_stats
        return sum(log_prior_of(f, s) for f, s in zip(self.families, family_stats))

    #: Name of the latent dimension in results.
    latent_dim = "component"

    #: Whether rows form sequences (chunks then hold whole sequences): a mixture's rows are independent.
    sequential = False

    def mixture_for_starts(self) -> "FiniteMixture":
        """The mixture whose short EM runs start this model (itself).

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> declaration = FiniteMixture([em.Gaussian("full", 2)])
        >>> declaration.mixture_for_starts() is declaration
        True
        """
        return self

    def start_from_mixture(self, mixture: "FiniteMixture") -> "FiniteMixture":
        """This model started from a fitted mixture of its families (the mixture itself).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> declaration = FiniteMixture([Gaussian("full", 2)])
        >>> started = declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> declaration.start_from_mixture(started) is started
        True
        """
        return mixture

    # -- M-step ----------------------------------------------------------------
    def m_step(self, stats: MixtureStats) -> "FiniteMixture":
        """New mixture: ``w_k = n_k / sum_j n_j`` and each family's own M-step.

        Parameters
        ----------
        stats : MixtureStats
            Statistics from :meth:`e_step` or :meth:`stats_from_responsibilities`.

        Returns
        -------
        FiniteMixture
            A new fitted mixture; ``self`` is not modified.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [2.0], [5.0]])
        >>> declaration = FiniteMixture([Gaussian("full", 2)])
        >>> mixture = declaration.m_step(declaration.stats_from_responsibilities(x, np.eye(2)[[0, 0, 0, 1]]))
        >>> mixture.weights.tolist(), mixture.families[0].means.tolist()
        ([0.75, 0.25], [[1.0], [5.0]])
        """
        if self.weight_prior is None:
            weights = stats.component_weight / stats.component_weight.sum()
        else:
            weights = map_probabilities(stats.component_weight, self.weight_prior, None)
        families = [f.m_step(s) for f, s in zip(self.families, stats.family_stats)]
        return self._with(families, weights)

    def fit_responsibilities(self, x: np.ndarray, resp: np.ndarray) -> "FiniteMixture":
        """One M-step from responsibilities (n, K) on ``x``: how EM is initialised.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> mixture.is_fitted, mixture.weights.tolist(), mixture.families[0].means.tolist()
        (True, [0.5, 0.5], [[0.5], [4.5]])
        """
        return self.m_step(self.stats_from_responsibilities(x, resp))

    # -- the rest ----------------------------------------------------------------
    # -- free parameters (standard errors) --------------------------------------------
    def family_free_parameters(self) -> np.ndarray:
        """Every family's free parameters, in order (``TypeError`` if a family has none).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.poisson import Poisson
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> FiniteMixture([Poisson(2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]]).family_free_parameters().tolist()
        [0.5, 4.5]
        """
        return np.concatenate([free_parameters_of(f) for f in self.families] + [np.zeros(0)])

    def with_family_free_parameters(self, vector: np.ndarray) -> "FiniteMixture":
        """This mixture with its families holding ``vector`` (the inverse of :meth:`family_free_parameters`); same weights.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.poisson import Poisson
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Poisson(2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> moved = mixture.with_family_free_parameters(np.array([1.0, 3.0]))
        >>> moved.family_free_parameters().tolist(), moved.weights.tolist()
        ([1.0, 3.0], [0.5, 0.5])
        """
        families, start = [], 0
        for family in self.families:
            size = free_parameters_of(family).size
            families.append(family.with_free_parameters(vector[start : start + size]))
            start += size
        return self._with(families, self.weights)

    def family_free_parameter_bounds(self) -> list:
        """Each family's ``(lower, upper)`` bounds of its free parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.poisson import Poisson
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Poisson(2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> [[bound.tolist() for bound in bounds] for bounds in mixture.family_free_parameter_bounds()]
        [[[0.0, 0.0], [inf, inf]]]
        """
        return [f.free_parameter_bounds() for f in self.families]

    def free_parameters(self) -> np.ndarray:
        """The free weights (all but the largest), then every family's free parameters: :meth:`n_params` values.

        The largest weight is one minus the others
        (:func:`~emkit.components.parametric.simplex_to_free`), so a weight
        near 0 is a free parameter near its bound, never the dependent one.

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> fit.mixture.free_parameters().size == fit.n_params
        True
        """
        return np.concatenate([simplex_to_free(self.weights), self.family_free_parameters()])

    def with_free_parameters(self, vector: np.ndarray) -> "FiniteMixture":
        """The mixture holding ``vector`` (the inverse of :meth:`free_parameters` here).

        The weight that is largest here gets one minus the others.

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
        >>> theta = fit.mixture.free_parameters()
        >>> bool((fit.mixture.with_free_parameters(theta).free_parameters() == theta).all())
        True
        """
        K = self.n_components
        families = self.with_family_free_parameters(np.asarray(vector[K - 1 :], dtype=float)).families
        return self._with(families, simplex_from_free(vector[: K - 1], self.weights))

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of every entry of :meth:`free_parameters`.

        Weights lie in ``[0, 1]``; each family declares its own bounds
        (``free_parameter_bounds()``: probabilities in ``[0, 1]``, rates and
        scales positive, variances at least ``reg_covar``, ...).

        Examples
        --------
        >>> import emkit as em
        >>> fit = em.GaussianMixture(2, covariance="diag").fit(em.datasets.load("faithful"), random_state=0)
        >>> lower, upper = fit.mixture.free_parameter_bounds()
        >>> lower.tolist()
        [0.0, -inf, -inf, -inf, -inf, 1e-06, 1e-06, 1e-06, 1e-06]
        """
        K = self.n_components
        bounds = [(np.zeros(K - 1), np.ones(K - 1))] + self.family_free_parameter_bounds()
        return tuple(np.concatenate([np.asarray(b[side], dtype=float) for b in bounds]) for side in (0, 1))

    def working_floats_per_row(self, n_features: int) -> int:
        """Floats of E-step temporaries per observation, to size chunks.

        Families may say (``working_floats_per_row``); otherwise ``K d`` is assumed
        (:func:`~emkit.components.capabilities.working_floats`).

        Examples
        --------
        Two floats per component for the log-joint and responsibilities, plus
        the Gaussian family's ``2 K (d + 1)``:

        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([Gaussian("full", 3)]).working_floats_per_row(2)
        24
        """
        log_joint_and_responsibilities = 2 * self.n_components
        return log_joint_and_responsibilities + sum(working_floats(family, n_features) for family in self.families)

    def fit_floats_per_row(self, n_features: int) -> int:
        """Floats of temporaries per observation in a fit's passes, to size its chunks.

        A single family with a one-pass E-step (the ``one_pass`` capability of
        :mod:`~emkit.components.capabilities`) works on
        fixed-size blocks whatever the chunk's length, so a fit's chunks are
        sized by what the initialisation holds per row: the responsibilities
        and a difference row, ``2 K + 2 d`` floats (few, long chunks keep the
        per-chunk overhead small). Otherwise :meth:`working_floats_per_row`.

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.components.poisson import Poisson
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([Gaussian("full", 3)]).fit_floats_per_row(2)
        10
        >>> mixed = FiniteMixture([Gaussian("full", 3), Poisson(1)])
        >>> mixed.fit_floats_per_row(2) == mixed.working_floats_per_row(2)
        True
        """
        if len(self.families) == 1 and capabilities(self.families[0]).one_pass:
            return 2 * self.n_components + 2 * n_features
        return self.working_floats_per_row(n_features)

    def n_params(self) -> int:
        """Free parameters: ``K - 1`` weights plus every family's parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> mixture.n_params()  # 1 weight + 2 means + 2 variances
        5
        """
        return int(self.n_components - 1 + sum(f.n_params() for f in self.families))

    def sample(self, n: int, rng: np.random.Generator, given: np.ndarray | None = None):
        """Draw ``n`` observations; returns ``(x, component)``.

        ``given`` (n rows) is passed to families that sample conditionally
        (their ``sample`` takes ``given``, like regression components); the
        others ignore it.

        Examples
        --------
        A Gaussian component (0) and a Poisson component (1):

        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0, 1.0], [1.0, 3.0], [4.0, 2.0], [5.0, 6.0]])
        >>> declaration = FiniteMixture([em.Gaussian("full"), em.Poisson()])
        >>> mixture = declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> draws, component = mixture.sample(5, np.random.default_rng(0))
        >>> draws.shape, component.shape, set(component.tolist()) <= {0, 1}
        ((5, 2), (5,), True)

        Regression components fill the response of the ``given`` rows:

        >>> line = em.Regression(target=1, features=[0]).with_params(coefficients=[[1.0, 2.0]], sigma=[1e-9])
        >>> given = np.array([[0.0, 9.0], [1.0, 9.0]])
        >>> FiniteMixture([line], np.array([1.0])).sample(2, np.random.default_rng(0), given=given)[0].round(6).tolist()
        [[0.0, 1.0], [1.0, 3.0]]
        """
        labels = rng.choice(self.n_components, size=n, p=self.weights)
        return self.sample_components(labels, rng, given), labels

    def sample_components(self, labels: np.ndarray, rng: np.random.Generator, given: np.ndarray | None = None):
        """One draw from component ``labels[i]`` for every i: an array (n, d).

        ``given`` is as in :meth:`sample`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [0.1], [50.0], [50.1]])
        >>> mixture = FiniteMixture([em.Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> mixture.sample_components(np.array([1, 0, 1]), np.random.default_rng(0)).round(-1).ravel().tolist()
        [50.0, 0.0, 50.0]
        """
        n = len(labels)
        x = None
        for family, part in zip(self.families, self._slices):
            mask = (labels >= part.start) & (labels < part.stop)
            conditional = "given" in inspect.signature(family.sample).parameters
            kwargs = {"given": None if given is None else given[mask]} if conditional else {}
            draws = family.sample(labels[mask] - part.start, rng, **kwargs)
            if x is None:
                x = np.empty((n,) + draws.shape[1:], dtype=float)
            x[mask] = draws
        return x

    def spec(self) -> list[dict]:
        """JSON-serialisable declaration of the families.

        Examples
        --------
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> spec = FiniteMixture([Gaussian("diag", 2), Gaussian("EII", 1)]).spec()
        >>> [(s["kind"], s["covariance"], s["n_components"]) for s in spec]
        [('gaussian', 'VVI', 2), ('gaussian', 'EII', 1)]
        """
        return [f.spec() for f in self.families]

    def to_dataset(self, features: np.ndarray) -> xr.Dataset:
        """Parameters as a Dataset: ``weights(component)`` plus the families' variables.

        In a mixture of different families, a variable of one family is NaN on
        the components of the others.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0, 1.0], [1.0, 3.0], [4.0, 2.0], [5.0, 6.0]])
        >>> declaration = FiniteMixture([em.Gaussian("full"), em.Poisson()])
        >>> mixture = declaration.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> params = mixture.to_dataset(np.array(["a", "b"]))
        >>> list(params.data_vars)
        ['weights', 'means', 'covariances', 'rate']
        >>> params.weights.values.tolist(), params.rate.values.tolist()
        ([0.5, 0.5], [[nan, nan], [4.5, 4.0]])
        """
        parts = []
        for family, part in zip(self.families, self._slices):
            ds = family.to_dataset(features)
            parts.append(ds.assign_coords(component=np.arange(part.start, part.stop)))
        if len(parts) > 1:  # families with different terms or features: each variable over the union
            parts = [xr.concat(_with_all_variables(parts), dim="component", join="outer")]
        params = parts[0]
        params["weights"] = ("component", self.weights)
        params = params[["weights"] + [v for v in params.data_vars if v != "weights"]]
        params = params.assign_coords(feature=np.asarray(features))  # kept even if no variable uses it
        params.attrs["model"] = json.dumps(self.spec())
        if self.weight_prior is not None:
            params.attrs[WEIGHT_PRIOR_ATTR] = json.dumps(self.weight_prior.tolist())
        return params

    def bind(self, features: np.ndarray, categories: dict | None = None, data: np.ndarray | None = None):
        """This declaration with every family bound to the data.

        Families with a ``bind`` hook resolve column names against
        ``features``, take category labels from ``categories`` (feature name ->
        labels of an encoded column) or sizes from ``data``; it is called with
        the keywords its signature names. Fitted parameters are dropped.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> declaration = FiniteMixture([em.Categorical(), em.Regression("y", ["x"])])
        >>> bound = declaration.bind(np.array(["x", "y"]), data=np.array([[0.0, 1.0], [2.0, 3.0]]))
        >>> bound.families[0].options["labels"], bound.families[1].columns
        ([[0, 2], [1, 3]], (1, (0,), ('x',)))
        """
        return self._with([bind_family(f, features, categories, data) for f in self.families], None)

    @property
    def used_columns(self) -> tuple | None:
        """The data columns the families name, in the order declared; None if some family uses every column.

        A family names its columns with ``used_columns`` (``Independent``
        with its parts' columns, ``Regression`` given its features, with its
        target and features); one without it (Gaussian, Poisson...) uses every
        column. A fit to data with names reads only the columns named (see
        :func:`emkit._input.used_positions`).

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([em.Independent({"h": em.Gaussian(), ("a", "b"): em.Poisson()})]).used_columns
        ('h', 'a', 'b')
        >>> FiniteMixture([em.Regression("y", ["x"]), em.Regression("y", ["z"])]).used_columns
        ('y', 'x', 'z')
        >>> FiniteMixture([em.Regression("y", ["x"]), em.Gaussian()]).used_columns is None
        True
        """
        named = []
        for family in self.families:
            own = declared(family, "used_columns")
            if own is None:
                return None
            named += [column for column in own if column not in named]
        return tuple(named)

    @property
    def accepts_categorical(self) -> bool:
        """Whether some family takes category codes (then pandas categories are encoded).

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([em.Gaussian()]).accepts_categorical, FiniteMixture([em.Categorical()]).accepts_categorical
        (False, True)
        """
        return any(declared(f, "accepts_categorical") for f in self.families)

    @property
    def default_init(self) -> str:
        """The initialisation the families declare together (:func:`~emkit.components.base.declared_init`).

        Examples
        --------
        >>> import emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> FiniteMixture([em.Gaussian("full", 2)]).default_init
        'kmeans++'
        >>> FiniteMixture([em.Independent({"h": em.Gaussian(), "v": em.Poisson()}, 2)]).default_init
        'short_em'
        """
        return declared_init(self.families)

    def check_data(self, x: np.ndarray) -> None:
        """Ask every family whether ``x`` lies in its support (``ValueError`` if not).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from emkit.latent.mixture import FiniteMixture
        >>> declaration = FiniteMixture([em.Gaussian("full"), em.Poisson()])
        >>> declaration.check_data(np.array([[0.0, 1.0], [2.0, 3.0]]))
        >>> declaration.check_data(np.array([[0.5, 1.0], [2.0, 3.0]]))
        Traceback (most recent call last):
        ...
        ValueError: Poisson components need non-negative integer counts; row 0 is [0.5, 1.0]
        """
        for family in self.families:
            check_data(family, x)

    def from_dataset(self, params: xr.Dataset) -> "FiniteMixture":
        """A fitted copy of this declaration holding the parameters in ``params``.

        Parameters
        ----------
        params : xarray.Dataset
            ``weights(component)`` and the families' variables, laid out as by
            :meth:`to_dataset`.

        Returns
        -------
        FiniteMixture

        Raises
        ------
        ValueError
            If the weights are missing, of the wrong length, negative or do
            not sum to 1, or a family rejects its parameters.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> params = mixture.to_dataset(np.array(["x"]))
        >>> copy = FiniteMixture([Gaussian("spherical", 2)]).from_dataset(params)
        >>> copy.weights.tolist(), copy.families[0].covariance.name
        ([0.5, 0.5], 'VII')
        """
        if "weights" not in params:
            raise ValueError("initial parameters lack the variable 'weights'")
        weights = np.asarray(params["weights"].values, dtype=float)
        if weights.shape != (self.n_components,):
            raise ValueError(
                f"initial parameters have {weights.size} components, the model has {self.n_components}"
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or abs(weights.sum() - 1) > 1e-8:
            raise ValueError(f"initial weights must be non-negative and sum to 1, got {weights}")
        families = [
            f.from_dataset(params.isel(component=part), weights[part])
            for f, part in zip(self.families, self._slices)
        ]
        return self._with(families, weights)

    @classmethod
    def from_params(cls, params: xr.Dataset) -> "FiniteMixture":
        """Rebuild a fitted mixture from a Dataset written by :meth:`to_dataset`.

        The families are declared from the Dataset's ``model`` attribute, the
        Dirichlet prior of the weights (if any) from its ``weight_prior``
        attribute.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.gaussian import Gaussian
        >>> from emkit.latent.mixture import FiniteMixture
        >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
        >>> mixture = FiniteMixture([Gaussian("full", 2)]).fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> rebuilt = FiniteMixture.from_params(mixture.to_dataset(np.array(["x"])))
        >>> rebuilt.families
        (Gaussian(covariance='VVV', n_components=2, reg_covar=1e-06),)
        >>> bool(np.array_equal(rebuilt.families[0].means, mixture.families[0].means))
        True
        >>> with_prior = FiniteMixture([Gaussian("full", 2)], weight_prior=[2.0, 3.0])
        >>> with_prior = with_prior.fit_responsibilities(x, np.eye(2)[[0, 0, 1, 1]])
        >>> FiniteMixture.from_params(with_prior.to_dataset(np.array(["x"]))).weight_prior.tolist()
        [2.0, 3.0]
        """
        weight_prior = params.attrs.get(WEIGHT_PRIOR_ATTR)
        declaration = cls(
            [family_from_spec(s) for s in json.loads(params.attrs["model"])],
            weight_prior=None if weight_prior is None else json.loads(weight_prior),
        )
        features = params["feature"].values if "feature" in params.coords else np.arange(0)
        return declaration.bind(features).from_dataset(params)


def _own_log_joint(joint: np.ndarray, rows: np.ndarray, classes: np.ndarray, offset: int) -> np.ndarray:
    """``log w_c + log f_c(x_i)`` of each labelled row under its own component ``c`` (checked finite).

    ``joint`` is the component-major ``(K, n)`` log-joint of the chunk.
    """
    own = joint[classes, rows].copy()
    bad = np.flatnonzero(~np.isfinite(own))
    if bad.size:
        raise ValueError(
            f"observation {offset + int(rows[bad[0]])} is labelled component {int(classes[bad[0]])}, under which "
            f"its log-density is {own[bad[0]]}: it lies outside that component's support; check its label"
        )
    return own


def _with_fixed_labels(post: Posterior, rows: np.ndarray, classes: np.ndarray, own: np.ndarray) -> Posterior:
    """The posterior with labelled rows fixed: indicator responsibilities, their own log-joint, ``log max r = 0``."""
    post.resp[rows] = 0.0
    post.resp[rows, classes] = 1.0
    post.log_density[rows] = own
    post.log_max_resp[rows] = 0.0
    return post


def _with_all_variables(parts: list[xr.Dataset]) -> list[xr.Dataset]:
    """Give every Dataset the variables of all, NaN where a family lacks one."""
    out = []
    for ds in parts:
        ds = ds.copy()
        for other in parts:
            for name, var in other.data_vars.items():
                if name not in ds:
                    shape = tuple(ds.sizes["component"] if d == "component" else other.sizes[d] for d in var.dims)
                    coords = {d: other[d] for d in var.dims if d != "component" and d in other.coords}
                    ds[name] = xr.DataArray(np.full(shape, np.nan), dims=var.dims, coords=coords)
        out.append(ds)
    return out


def _complete_and_partial_rows(x: np.ndarray, incomplete: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the complete rows and of the rows with a NaN and some observed value (rows of NaN only: neither)."""
    empty = np.isnan(x).all(axis=1)
    return np.flatnonzero(~incomplete), np.flatnonzero(incomplete & ~empty)


def _rows_of(values: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    """``values[rows]`` of per-row observation weights or labels (None stays None)."""
    return None if values is None else values[rows]

"""Hidden Markov models as scikit-learn estimators, with hmmlearn's interface (``lengths``)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import xarray as xr
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..components.gaussian import Gaussian
from ..em.convergence import AbsoluteTolerance
from ..estimators import DEFAULT_MAX_ITER, DEFAULT_TOL
from ..hidden_markov import HiddenMarkovModel as EmkitHiddenMarkovModel
from ..results import criteria
from .base import (
    check_enough_samples, check_n_samples, emkit_seed, fit_collecting, read_frame_or_array, reemit, split_draws,
)
from .covariance_shapes import from_sklearn, mclust_name, shape_kind

#: hmmlearn's decoders.
ALGORITHMS = ("viterbi", "map")

#: The attributes hmmlearn's users set by hand to use a GaussianHMM without fitting it.
HAND_SET = ("startprob_", "transmat_", "means_", "covars_")


def gaussian_chain_params(startprob, transmat, means, covariances) -> xr.Dataset:
    """A Gaussian hidden Markov model's parameters laid out as emkit's (``HMMFitResult.params``).

    Parameters
    ----------
    startprob : array of shape (K,)
    transmat : array of shape (K, K)
    means : array of shape (K, d)
    covariances : array of shape (K, d, d)

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.sklearn.hmm import gaussian_chain_params
    >>> params = gaussian_chain_params([0.5, 0.5], np.eye(2), [[0.0], [5.0]], np.ones((2, 1, 1)))
    >>> params.means.dims, params.covariances.shape
    (('state', 'feature'), (2, 1, 1))
    """
    K, d = np.shape(means)
    return xr.Dataset(
        {
            "startprob": ("state", np.asarray(startprob, dtype=float)),
            "transmat": (("state", "next_state"), np.asarray(transmat, dtype=float)),
            "means": (("state", "feature"), np.asarray(means, dtype=float)),
            "covariances": (("state", "feature", "feature2"), np.asarray(covariances, dtype=float)),
        },
        coords={"state": np.arange(K), "next_state": np.arange(K), "feature": np.arange(d), "feature2": np.arange(d)},
    )


def sequence_lengths(y, lengths, n_samples: int):
    """The sequence lengths of a call ``method(X, y, lengths=lengths)`` on ``n_samples`` rows.

    scikit-learn passes a target ``y`` as the second positional argument
    (ignored, as by every unsupervised estimator) and hmmlearn's code passes
    the sequence lengths there (``fit(X, lengths)``). A second argument with
    one value per row is a target; any other is the lengths, checked when
    the model reads them (they must sum to ``n_samples``).

    Parameters
    ----------
    y : array-like or None
        The second positional argument.
    lengths : array-like of int or None
        The ``lengths`` keyword.
    n_samples : int
        Number of rows of ``X``.

    Returns
    -------
    lengths : array-like of int or None
        None: one sequence.

    Raises
    ------
    ValueError
        If ``y`` is not a target (not one value per row) and ``lengths`` is
        given too.

    Warns
    -----
    UserWarning
        If ``y`` is ``n_samples`` ones: read as a target, though it is also
        the lengths of one-row sequences (pass those as ``lengths=``).

    Examples
    --------
    >>> from emkit.sklearn.hmm import sequence_lengths
    >>> sequence_lengths([3, 2], None, 5)          # hmmlearn's fit(X, lengths)
    [3, 2]
    >>> sequence_lengths([0, 1, 1, 0, 1], [3, 2], 5)   # a target, ignored
    [3, 2]
    >>> sequence_lengths([0, 1, 1, 0, 1], None, 5) is None
    True
    >>> sequence_lengths([3, 2], [3, 2], 5)
    Traceback (most recent call last):
    ...
    ValueError: y of shape (2,) is not a target for the 5 rows of X, so it is read as the sequence lengths (hmmlearn's fit(X, lengths)), but lengths= is given too; give the lengths once
    """
    if y is None:
        return lengths
    if np.ndim(y) > 0 and len(y) == n_samples:
        if lengths is None and np.ndim(y) == 1 and np.all(np.asarray(y, dtype=object) == 1):
            warnings.warn(
                "y = [1, ..., 1] has one value per row, so it is read as a target and ignored; one-row sequences "
                f"are given as lengths=[1] * {n_samples}",
                UserWarning, stacklevel=3,
            )
        return lengths
    if lengths is not None:
        raise ValueError(
            f"y of shape {np.shape(y)} is not a target for the {n_samples} rows of X, so it is read as the sequence "
            "lengths (hmmlearn's fit(X, lengths)), but lengths= is given too; give the lengths once"
        )
    return y


class HMMEstimator(BaseEstimator):
    """What both hidden Markov estimators share: fit with ``lengths``, decoding, scores, draws.

    ``fit`` and ``score`` take scikit-learn's ``(X, y=None)``, with the
    sequence lengths as the keyword ``lengths`` (or, as hmmlearn, the second
    positional argument: see :func:`sequence_lengths`); the other methods
    take hmmlearn's ``(X, lengths=None)``. Subclasses say how the data are
    read (``_read``), declare the emkit model (``_declaration``) and start it
    (``_start``), and may let an unfitted estimator use parameters set by
    hand (``_hand_set``).
    """

    def fit(self, X, y=None, lengths=None):
        """Fit by EM (Baum-Welch).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows of all sequences, one after another.
        y : Ignored, or the sequence lengths
            A target (one value per row) is not used, as by scikit-learn's
            unsupervised estimators. Any other value is read as ``lengths``,
            so that hmmlearn's ``fit(X, lengths)`` works; then ``lengths=``
            must not be given too.
        lengths : array-like of int, optional
            Length of each sequence (summing to ``n_samples``); None: one sequence.

        Returns
        -------
        self
        """
        data = self._read(X, reset=True)
        lengths = sequence_lengths(y, lengths, len(data))
        check_enough_samples(len(data), self.n_components)
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}; got {self.algorithm!r}")
        rng = check_random_state(self.random_state)
        init, n_init = self._start(data, lengths, rng)
        result, heard = fit_collecting(
            self._declaration().fit, data, lengths, init=init, n_init=n_init, max_iter=self.n_iter,
            tol=self._emkit_tol(len(data)),
            random_state=emkit_seed(rng), progress=self._progress(),
        )
        reemit(heard, names=self._warning_names())
        self.result_ = result
        self.startprob_ = result.params["startprob"].values.copy()
        self.transmat_ = result.params["transmat"].values.copy()
        self.converged_ = result.converged
        self.n_iter_ = result.n_iter
        history = result.trace["log_likelihood"].values[result.best_restart]
        self.log_likelihoods_ = history[: result.n_iter + 1].tolist()
        self._set_emissions(result)
        return self

    def _emkit_tol(self, n_samples: int) -> float:
        """The ``tol`` given to emkit: as given (a subclass may convert it)."""
        return self.tol

    def _warning_names(self) -> dict:
        """emkit's words in its warnings (regular expressions) and the estimator's (see :func:`reemit`)."""
        return {r"\bmax_iter\b": "n_iter"}

    def _progress(self) -> bool:
        """Whether emkit shows its progress bar: never, unless a subclass has a ``verbose`` option."""
        return False

    def _set_emissions(self, result) -> None:
        """Emission attributes of a fitted model (none by default: they are in ``result_.params``)."""

    def _hand_set(self) -> xr.Dataset:
        """Parameters set by hand on an unfitted estimator, as ``result_.params``: none here (NotFittedError)."""
        check_is_fitted(self, "result_")

    def _result(self, data, lengths):
        """``result_``; unfitted, the emkit result of the parameters set by hand (:meth:`_hand_set`) on ``data``.

        That result is a fit of no iteration from those parameters, which it
        keeps; its warnings, about estimating parameters, are dropped.
        """
        if hasattr(self, "result_"):
            return self.result_
        result, _ = fit_collecting(self._declaration().fit, data, lengths, init=self._hand_set(), n_init=1, max_iter=0)
        return result

    def _data_and_result(self, X, lengths):
        data = self._read(X, reset=False)
        return data, self._result(data, lengths)

    def _log_likelihood_and_params(self, X, lengths):
        data, result = self._data_and_result(X, lengths)
        return float(result.score(data, lengths)), result.n_params

    def score(self, X, y=None, lengths=None):
        """Total log-likelihood of the sequences (hmmlearn's ``score``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored, or the sequence lengths
            As in :meth:`fit`: hmmlearn's ``score(X, lengths)`` works.
        lengths : array-like of int, optional

        Returns
        -------
        float
        """
        data = self._read(X, reset=False)
        lengths = sequence_lengths(y, lengths, len(data))
        return float(self._result(data, lengths).score(data, lengths))

    def predict_proba(self, X, lengths=None):
        """Posterior state probabilities of each row given its whole sequence (forward-backward).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        lengths : array-like of int, optional

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_components)
        """
        data, result = self._data_and_result(X, lengths)
        return result.predict_proba(data, lengths).values

    def score_samples(self, X, lengths=None):
        """The total log-likelihood and the posteriors, as hmmlearn returns them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        lengths : array-like of int, optional

        Returns
        -------
        log_prob : float
        posteriors : ndarray of shape (n_samples, n_components)
        """
        data, result = self._data_and_result(X, lengths)
        return float(result.score(data, lengths)), result.predict_proba(data, lengths).values

    def decode(self, X, lengths=None, algorithm=None):
        """The most probable states, as hmmlearn: ``(log_prob, state_sequence)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        lengths : array-like of int, optional
        algorithm : {"viterbi", "map"}, optional
            ``"viterbi"``: the most probable path and its joint log-probability
            ``log p(x, z*)``. ``"map"``: each row's most probable state given its
            sequence, and (as hmmlearn returns it) the sum over rows of the
            largest posterior probability. By default the estimator's
            ``algorithm``.

        Returns
        -------
        log_prob : float
        state_sequence : ndarray of shape (n_samples,)
        """
        algorithm = self.algorithm if algorithm is None else algorithm
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}; got {algorithm!r}")
        data, result = self._data_and_result(X, lengths)
        if algorithm == "viterbi":
            log_prob, states = result.decode(data, lengths)
            return float(log_prob), states.values
        posteriors = result.predict_proba(data, lengths).values
        return float(posteriors.max(axis=1).sum()), posteriors.argmax(axis=1)

    def predict(self, X, lengths=None):
        """The decoded states (by the estimator's ``algorithm``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        lengths : array-like of int, optional

        Returns
        -------
        state_sequence : ndarray of shape (n_samples,)
        """
        return self.decode(X, lengths)[1]

    def bic(self, X, lengths=None):
        """``-2 log L + p log n`` on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        lengths : array-like of int, optional

        Returns
        -------
        float
        """
        return criteria.bic(*self._log_likelihood_and_params(X, lengths), len(X))

    def aic(self, X, lengths=None):
        """``-2 log L + 2 p`` on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        lengths : array-like of int, optional

        Returns
        -------
        float
        """
        return criteria.aic(*self._log_likelihood_and_params(X, lengths))

    def sample(self, n_samples=1, random_state=None):
        """Simulate one sequence: ``(X, state_sequence)`` as hmmlearn.

        Parameters
        ----------
        n_samples : int, default 1
        random_state : int, RandomState or None
            None: the estimator's ``random_state``.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            A DataFrame of the categories' labels when the data had text or
            categorical columns.
        state_sequence : ndarray of shape (n_samples,)
        """
        check_n_samples(n_samples)
        seed = emkit_seed(self.random_state if random_state is None else random_state)
        if not hasattr(self, "result_"):  # the chain of the parameters set by hand draws as a result's does
            chain = self._declaration().latent_model.from_dataset(self._hand_set())
            return chain.sample(int(n_samples), 1, np.random.default_rng(seed))
        draws = self.result_.sample(int(n_samples), random_state=seed, as_frame=self.result_.has_categories)
        return split_draws(draws, "state", self.n_features_in_)


class HiddenMarkovModel(HMMEstimator):
    """A hidden Markov model whose states emit from any emkit family, with hmmlearn's interface.

    Parameters
    ----------
    emission : Family, optional
        The emission family of every state (:class:`emkit.Poisson`,
        :class:`emkit.Categorical`, :class:`emkit.Independent`...); by
        default ``emkit.Gaussian("full")``.
    n_components : int, default 1
        Number of hidden states.
    init : str, default "auto"
        emkit's start (see :meth:`emkit.HiddenMarkovModel.fit`).
    n_init : int, optional
        Restarts; by default as emkit chooses for ``init``.
    n_iter : int, default 500
        Maximum EM iterations (hmmlearn's name).
    tol : float, default 1e-6
        emkit's stopping rule (see :meth:`emkit.Mixture.fit`).
    algorithm : {"viterbi", "map"}, default "viterbi"
        Decoder of :meth:`predict`.
    random_state : int, RandomState or None

    Attributes
    ----------
    startprob_ : ndarray of shape (n_components,)
    transmat_ : ndarray of shape (n_components, n_components)
    converged_ : bool
    n_iter_ : int
    log_likelihoods_ : list of float
        The log-likelihood before the first and after each M-step.
    n_features_in_ : int
    result_ : emkit.HMMFitResult

    Notes
    -----
    A DataFrame reaches emkit as it is, its column names and types kept:
    an :class:`emkit.Independent` family finds its columns by name, text
    and categorical columns keep their labels (:meth:`sample` draws them).
    Other input is validated and converted to numbers by scikit-learn:
    text goes in a DataFrame (an array of text is refused).

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> from emkit.sklearn import HiddenMarkovModel
    >>> rng = np.random.default_rng(0)
    >>> states = np.repeat([0, 1, 0, 1], 100)
    >>> counts = rng.poisson(np.where(states == 0, 2.0, 12.0))[:, None]
    >>> hmm = HiddenMarkovModel(em.Poisson(), n_components=2, random_state=0).fit(counts, lengths=[200, 200])
    >>> sorted(hmm.result_.params.rate.values.ravel().round().tolist())
    [2.0, 12.0]
    """

    def __init__(
        self,
        emission=None,
        n_components=1,
        *,
        init="auto",
        n_init=None,
        n_iter=DEFAULT_MAX_ITER,
        tol=DEFAULT_TOL,
        algorithm="viterbi",
        random_state=None,
    ):
        self.emission = emission
        self.n_components = n_components
        self.init = init
        self.n_init = n_init
        self.n_iter = n_iter
        self.tol = tol
        self.algorithm = algorithm
        self.random_state = random_state

    def _read(self, X, reset):
        return read_frame_or_array(self, X, reset)

    def _declaration(self):
        emission = Gaussian("full") if self.emission is None else self.emission
        return EmkitHiddenMarkovModel(emission, self.n_components)

    def _start(self, data, lengths, rng):
        return self.init, self.n_init


class GaussianHMM(HMMEstimator):
    """A Gaussian hidden Markov model with hmmlearn's interface, fitted by emkit.

    The names and defaults are those of :class:`hmmlearn.hmm.GaussianHMM`,
    and so is the start: ``init_params`` says which parameters are drawn as
    hmmlearn 0.3 draws them for the same ``random_state`` (``"s"``
    ``startprob_`` and ``"t"`` each row of ``transmat_`` from a Dirichlet
    of concentrations 1/K, ``"m"`` k-means centres, ``"c"`` the data's
    covariance plus ``min_covar``); the others are read from the attributes
    set before ``fit`` (``startprob_``, ``transmat_``, ``means_``,
    ``covars_``).

    As with hmmlearn, a model whose four attributes are set by hand can be
    used without fitting it: :meth:`sample`, :meth:`score`,
    :meth:`decode`, :meth:`predict` and the other methods use those
    parameters (``covars_`` in hmmlearn's shape for ``covariance_type``,
    or full matrices). Once fitted, the methods use the fit.

    Parameters
    ----------
    n_components : int, default 1
        Number of hidden states.
    covariance_type : str, default "diag"
        ``"spherical"``, ``"diag"``, ``"full"``, ``"tied"`` or an mclust name.
    min_covar : float, default 1e-3
        Added to the diagonal of the starting covariance (as hmmlearn) and
        of every covariance in every M-step (emkit's ``reg_covar``; hmmlearn
        has a ``covars_prior`` instead, which emkit does not take).
    startprob_prior, transmat_prior : float or array, default 1.0
        Dirichlet concentrations on ``startprob_`` and each row of
        ``transmat_`` (1: maximum likelihood).
    algorithm : {"viterbi", "map"}, default "viterbi"
        Decoder of :meth:`predict`.
    random_state : int, RandomState or None
        Seed of the k-means start and of :meth:`sample`.
    n_iter : int, default 10
        Maximum EM iterations.
    tol : float, default 1e-2
        Stop when the total log-likelihood changes by at most ``tol``, as
        hmmlearn does (an :class:`emkit.em.AbsoluteTolerance` of
        ``tol / n_samples`` on the mean per row).
    verbose : bool, default False
        Show emkit's progress bar.
    params : str, default "stmc"
        Parameters updated by EM: ``"s"`` startprob, ``"t"`` transmat, and
        ``"m"`` and ``"c"`` the emissions, which emkit updates together
        (both or neither).
    init_params : str, default "stmc"
        Parameters drawn at the start (the others must be set).

    Attributes
    ----------
    startprob_ : ndarray of shape (n_components,)
    transmat_ : ndarray of shape (n_components, n_components)
    means_ : ndarray of shape (n_components, n_features)
    covars_ : ndarray of shape (n_components, n_features, n_features)
        Full matrices whatever ``covariance_type``, as hmmlearn's ``covars_``.
    converged_, n_iter_, log_likelihoods_, n_features_in_, result_
        As :class:`HiddenMarkovModel`'s.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.sklearn import GaussianHMM
    >>> waiting = em.datasets.load("faithful")[["waiting"]].to_numpy()
    >>> hmm = GaussianHMM(n_components=2, n_iter=100, random_state=0).fit(waiting)
    >>> hmm.means_.round(1).ravel().tolist(), hmm.covars_.shape
    ([55.5, 80.5], (2, 1, 1))
    """

    def __init__(
        self,
        n_components=1,
        covariance_type="diag",
        min_covar=1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        algorithm="viterbi",
        random_state=None,
        n_iter=10,
        tol=1e-2,
        verbose=False,
        params="stmc",
        init_params="stmc",
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.min_covar = min_covar
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.algorithm = algorithm
        self.random_state = random_state
        self.n_iter = n_iter
        self.tol = tol
        self.verbose = verbose
        self.params = params
        self.init_params = init_params

    def _read(self, X, reset):
        return validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2 if reset else 1, reset=reset)

    def _declaration(self):
        if ("m" in self.params) != ("c" in self.params):
            raise ValueError(
                f"params={self.params!r}: emkit updates the means and covariances together; give both 'm' and 'c' "
                "or neither"
            )
        fixed = [name for letter, name in (("s", "startprob"), ("t", "transmat"), ("m", "emissions"))
                 if letter not in self.params]
        return EmkitHiddenMarkovModel(
            Gaussian(mclust_name(self.covariance_type), reg_covar=self.min_covar), self.n_components,
            fixed=fixed, start_prior=self.startprob_prior, transition_prior=self.transmat_prior,
        )

    def _start(self, data, lengths, rng):
        """hmmlearn's starting parameters as an emkit parameter Dataset (one start)."""
        K, d = self.n_components, data.shape[1]
        concentration = np.full(K, 1.0 / K)
        drawn = {"startprob": lambda: rng.dirichlet(concentration), "transmat": lambda: rng.dirichlet(concentration, K)}
        start = {name: drawn[name]() if letter in self.init_params else self._given(name + "_")
                 for letter, name in (("s", "startprob"), ("t", "transmat"))}
        means = (KMeans(n_clusters=K, random_state=self.random_state, n_init=10).fit(data).cluster_centers_
                 if "m" in self.init_params else self._given("means_"))
        if "c" in self.init_params:
            covariance = np.atleast_2d(np.cov(data.T)) + self.min_covar * np.eye(d)
            covariances = np.broadcast_to(covariance, (K, d, d))
        else:
            covariances = self._given_covariances(K, d)
        return gaussian_chain_params(start["startprob"], start["transmat"], means, covariances), 1

    def _given_covariances(self, K: int, d: int) -> np.ndarray:
        """``covars_`` as set (hmmlearn's shape for ``covariance_type``, or full matrices) as full matrices."""
        covars = np.asarray(self._given("covars_"), dtype=float)
        return covars if covars.shape == (K, d, d) else from_sklearn(covars, shape_kind(self.covariance_type), K, d)

    def _hand_set(self) -> xr.Dataset:
        """``startprob_``, ``transmat_``, ``means_`` and ``covars_`` set by hand, as hmmlearn's users set them."""
        missing = [name for name in HAND_SET if not hasattr(self, name)]
        if missing:
            raise NotFittedError(
                "This GaussianHMM instance is not fitted yet: call fit, or set startprob_, transmat_, means_ and "
                f"covars_ by hand (not set: {', '.join(missing)})"
            )
        K, d = np.shape(self.means_)
        return gaussian_chain_params(self.startprob_, self.transmat_, self.means_, self._given_covariances(K, d))

    def _progress(self) -> bool:
        return bool(self.verbose)

    def _emkit_tol(self, n_samples: int) -> float:
        """hmmlearn's ``tol`` bounds the change of the total log-likelihood, so the mean per row's by ``tol / n``."""
        return AbsoluteTolerance(self.tol / n_samples)

    def _warning_names(self) -> dict:
        """Also ``min_covar``, the ``tol`` given, and a new ``random_state`` for restarts (this model has none)."""
        return {
            **super()._warning_names(),
            r"\breg_covar\b": "min_covar",
            r"\(tol=[^)]*\)": f"(tol={self.tol:g})",
            re.escape("more restarts (n_init), the default init"):
                "another random_state, HiddenMarkovModel's restarts (n_init)",
        }

    def _given(self, name):
        if not hasattr(self, name):
            raise ValueError(f"init_params={self.init_params!r} leaves {name} to be set before fit, but it is not set")
        return getattr(self, name)

    def _set_emissions(self, result) -> None:
        self.means_ = result.params["means"].values.copy()
        self.covars_ = result.params["covariances"].values.copy()

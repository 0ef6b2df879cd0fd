"""Exceptions and warnings raised by emkit."""


class DegenerateComponentError(ValueError):
    """A component collapsed (no weight, or a singular covariance).

    The message names the component and the cause. During a fit with several
    restarts, a restart that raises it is recorded as failed and the others go
    on; the fit fails only if every restart does.

    Examples
    --------
    A component fitted to one distinct value has zero variance, which no
    ``reg_covar`` repairs when it is set to 0:

    >>> import numpy as np, emkit as em
    >>> x = np.ones((5, 1))
    >>> try:
    ...     em.GaussianMixture(1, reg_covar=0.0).fit(x)
    ... except em.DegenerateComponentError as err:
    ...     print("not positive definite" in str(err), isinstance(err, ValueError))
    True True
    """


class NonFiniteDensityError(ValueError):
    """An observation has a non-finite log-density under every component.

    It lies outside every component's support (a negative count under
    Poisson components, say) or its density overflows. The message names the
    observation by its row in the whole data set.

    Parameters
    ----------
    row : int
        Index of the observation in the data.
    largest : float
        Its largest log-joint ``max_k (log w_k + log f_k(x))``.

    Examples
    --------
    >>> import emkit as em
    >>> err = em.NonFiniteDensityError(7, float("-inf"))
    >>> print(err)
    observation 7 has a non-finite log-density under every component (max -inf); it lies outside the components' support or overflows
    >>> isinstance(err, ValueError), err.row, err.largest
    (True, 7, -inf)
    >>> import pickle
    >>> str(pickle.loads(pickle.dumps(err))) == str(err)
    True
    """

    def __init__(self, row: int, largest: float):
        self.row = int(row)
        self.largest = float(largest)
        super().__init__(
            f"observation {self.row} has a non-finite log-density under every component "
            f"(max {largest}); it lies outside the components' support or overflows"
        )

    def __reduce__(self):  # rebuilt from its fields (pickled across processes, e.g. by dask workers)
        return type(self), (self.row, self.largest)


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before meeting the tolerance.

    Examples
    --------
    >>> import warnings, emkit as em
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), max_iter=1, random_state=0)
    >>> [w.category.__name__ for w in caught]
    ['ConvergenceWarning']
    >>> fit.converged, fit.n_iter
    (False, 1)
    """


class LikelihoodDecreaseWarning(UserWarning):
    """The observed-data log-likelihood decreased between two EM iterations.

    EM guarantees a non-decreasing likelihood; a decrease beyond rounding
    points to a numerical problem (for instance a near-singular covariance).

    Examples
    --------
    A ``reg_covar`` far larger than the data's variances keeps the M-step
    from maximising the likelihood, which can then decrease:

    >>> import warnings, emkit as em
    >>> X = em.datasets.load("faithful")[["eruptions"]]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = em.GaussianMixture(2, reg_covar=1.0).fit(X, random_state=0)
    >>> [w.category.__name__ for w in caught]
    ['LikelihoodDecreaseWarning']
    """


class DegenerateComponentWarning(UserWarning):
    """A kept component's spread is set by the regularisation, not by the data.

    Its density, and so the fit's likelihood and criteria, are artefacts of
    ``reg_covar``; model selection skips such fits.

    Examples
    --------
    >>> import warnings, numpy as np, emkit as em
    >>> x = np.r_[np.random.default_rng(0).normal(size=(60, 2)), np.tile([[5.0, 5.0]], (10, 1))]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = em.GaussianMixture(2).fit(x, random_state=0)
    >>> any(w.category is em.DegenerateComponentWarning for w in caught)
    True
    """


class LocalOptimumWarning(UserWarning):
    """Fewer than half of a fit's restarts reached its best log-likelihood.

    The restarts stopped in different local optima, so the best of them may
    be a local optimum too; more restarts (``n_init``) make finding the
    global one likelier. Restarts that reach the same optimum with the
    components in another order count as reaching it: they are compared by
    log-likelihood (see :func:`emkit.em.driver.reach_tolerance`). The message
    is kept in ``fit.trace.attrs["restart_warning"]``.

    Examples
    --------
    Three components on the two clusters of Old Faithful have several local
    optima, which ten k-means++ restarts find in different proportions:

    >>> import emkit as em
    >>> from emkit.notices import collect
    >>> with collect() as caught:
    ...     fit = em.GaussianMixture(3).fit(em.datasets.load("faithful"), n_init=10, random_state=0)
    >>> [notice.category.__name__ for notice in caught]
    ['LocalOptimumWarning']
    >>> fit.trace.attrs["restart_warning"].startswith("only 1 of 10 restarts reached")
    True
    """

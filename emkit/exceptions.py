"""Exceptions and warnings raised by emkit."""


class DegenerateComponentError(ValueError):
    """A component collapsed (no weight, or a singular covariance).

    The message names the component and the cause. During a fit with several
    restarts, a restart that raises it is recorded as failed and the others go
    on; the fit fails only if every restart does.
    """


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before meeting the tolerance."""


class LikelihoodDecreaseWarning(UserWarning):
    """The observed-data log-likelihood decreased between two EM iterations.

    EM guarantees a non-decreasing likelihood; a decrease beyond rounding
    points to a numerical problem (for instance a near-singular covariance).
    """

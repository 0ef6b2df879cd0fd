"""scikit-learn's estimator checks over every estimator of emkit.sklearn.

The mixtures pass every check. The hidden Markov models take
scikit-learn's ``fit(X, y=None, lengths=None)`` and
``score(X, y=None, lengths=None)`` and pass every check but two: their
``score_samples`` returns hmmlearn's pair (total log-likelihood,
posteriors) rather than one value per row, and a row's state depends on
its neighbours in the sequence, so the checks that compare per-row
outputs of shuffled or batched rows cannot apply.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

import emkit as em
from emkit.sklearn import GaussianHMM, GaussianMixture, HiddenMarkovModel, MixtureModel

ESTIMATORS = [
    GaussianMixture(n_components=2, max_iter=20, random_state=0),
    GaussianMixture(n_components=2, covariance_type="VEV", max_iter=20, random_state=0),
    MixtureModel(em.Gaussian("diag"), n_components=2, max_iter=20, tol=1e-3, random_state=0),
    GaussianHMM(n_components=2, n_iter=5, random_state=0),
    HiddenMarkovModel(em.Gaussian("diag"), n_components=2, n_init=1, n_iter=5, tol=1e-3, random_state=0),
]

SEQUENCE = (
    "score_samples returns hmmlearn's (total log-likelihood, posteriors), not one value per row, and a row's "
    "state depends on its neighbours in the sequence, so shuffled or batched rows cannot give the same outputs"
)
SEQUENCE_CHECKS = {
    "check_methods_sample_order_invariance": SEQUENCE,
    "check_methods_subset_invariance": SEQUENCE,
}


def expected_failed_checks(estimator) -> dict:
    """The checks that cannot apply to ``estimator``, with the reason (none for the mixtures)."""
    return SEQUENCE_CHECKS if isinstance(estimator, (GaussianHMM, HiddenMarkovModel)) else {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

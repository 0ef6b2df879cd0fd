"""scikit-learn estimators over emkit's models.

Estimators that follow scikit-learn's conventions (parameters stored by the
constructor, ``get_params``/``set_params``, fitted attributes with a trailing
underscore, ``fit`` returning ``self``, validation through scikit-learn's
helpers), so emkit's models go into a ``Pipeline``, ``GridSearchCV`` or
``cross_val_score``:

* :class:`GaussianMixture`: a drop-in replacement of
  :class:`sklearn.mixture.GaussianMixture`, also with mclust's covariance names;
* :class:`MixtureModel`: a mixture of any emkit family;
* :class:`GaussianHMM` (hmmlearn's names) and :class:`HiddenMarkovModel` (any
  emission family): hidden Markov models with ``lengths``;
* :func:`bic_scorer`, :func:`aic_scorer`: scorers for model selection.

Every fitted estimator keeps the emkit result in ``result_``. This module
needs scikit-learn (``pip install "emkit[sklearn]"``); ``import emkit`` does
not import it.

Examples
--------
>>> import emkit as em
>>> from emkit.sklearn import GaussianMixture
>>> gmm = GaussianMixture(2, random_state=0).fit(em.datasets.load("faithful"))
>>> gmm.means_.round(1).tolist()
[[2.0, 54.5], [4.3, 80.0]]
"""

try:
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised with scikit-learn hidden
    raise ImportError(
        'emkit.sklearn needs scikit-learn; install it with: pip install "emkit[sklearn]"'
    ) from error

from .gaussian_mixture import GaussianMixture
from .hmm import GaussianHMM, HiddenMarkovModel
from .mixture import MixtureModel
from .scoring import aic_scorer, bic_scorer

__all__ = ["GaussianHMM", "GaussianMixture", "HiddenMarkovModel", "MixtureModel", "aic_scorer", "bic_scorer"]

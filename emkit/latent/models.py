"""The latent models, and rebuilding the right one from saved parameters.

A latent model turns a chunk's emission log-densities into per-observation
weights plus its own statistics, and owns the M-step of its own parameters
(see ``docs/architecture.md``). Two exist: the finite mixture
(:class:`~emkit.latent.mixture.FiniteMixture`, latent dimension
``component``) and the hidden Markov model
(:class:`~emkit.latent.hmm.HiddenMarkovChain`, latent dimension ``state``).
A parameters Dataset says which one it holds in its ``latent_model``
attribute (absent for a mixture, as files written before HMMs existed).
"""

from __future__ import annotations

import json

import xarray as xr

from .mixture import FiniteMixture
from .hmm import LATENT_ATTR, HiddenMarkovChain

#: Latent model classes by the ``kind`` of their saved settings.
LATENT_MODELS = {"finite_mixture": FiniteMixture, "hidden_markov": HiddenMarkovChain}


def latent_kind(params: xr.Dataset) -> str:
    """Which latent model ``params`` hold: ``"finite_mixture"`` or ``"hidden_markov"``.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.latent.models import latent_kind
    >>> latent_kind(em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0).params)
    'finite_mixture'
    """
    if LATENT_ATTR not in params.attrs:
        return "finite_mixture"
    kind = json.loads(params.attrs[LATENT_ATTR]).get("kind")
    if kind not in LATENT_MODELS:
        raise ValueError(f"unknown latent model {kind!r} (known: {', '.join(LATENT_MODELS)})")
    return kind


def latent_model_from_params(params: xr.Dataset):
    """The fitted latent model whose parameters ``params`` hold (see :func:`latent_kind`).

    Raises
    ------
    ValueError
        If ``params`` name a latent model emkit does not know.

    Examples
    --------
    A mixture's and a hidden Markov model's parameters rebuild their own kind,
    holding the same parameters:

    >>> import numpy as np, emkit as em
    >>> from emkit.latent.models import latent_model_from_params
    >>> x = em.datasets.load("faithful")
    >>> mixture_fit = em.GaussianMixture(2).fit(x, random_state=0)
    >>> mixture = latent_model_from_params(mixture_fit.params)
    >>> type(mixture).__name__, bool(np.allclose(mixture.weights, mixture_fit.params.weights))
    ('FiniteMixture', True)
    >>> waiting = x[["waiting"]]
    >>> hmm_fit = em.HiddenMarkovModel(em.Gaussian(), n_states=2).fit(waiting, random_state=0)
    >>> chain = latent_model_from_params(hmm_fit.params)
    >>> type(chain).__name__, bool(np.allclose(chain.transmat, hmm_fit.params.transmat))
    ('HiddenMarkovChain', True)
    """
    return LATENT_MODELS[latent_kind(params)].from_params(params)

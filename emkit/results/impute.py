"""Missing entries filled from a fitted Gaussian mixture: the conditional mean, or draws from the conditional law.

Given a row's observed block ``x_o``, its missing block has the conditional law

    p(x_m | x_o) = sum_k r_k(x_o) N(x_m | mu_km + B_k (x_o - mu_ko), C_k),
    B_k = Sigma_kmo Sigma_koo^{-1},   C_k = Sigma_kmm - B_k Sigma_kom,

with ``r_k(x_o)`` the posterior of component k given the observed entries
(the mixing weights when nothing is observed). :func:`conditional_mean` is
its mean ``sum_k r_k E_k[x_m | x_o]``; :func:`conditional_draws` draws the
component from ``r(x_o)``, then ``x_m`` from that component's conditional
normal: proper multiple imputations for downstream analyses.

Dask data are filled block by block, lazily: the conditional mean is the
same as in memory; the draws of each block come from its own random stream,
spawned from the given generator, so the same seed and blocks give the same
draws.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .._dask_input import is_dask_data
from ..components.gaussian import Gaussian
from ..components.missing import GaussianConditionals


def gaussian_parameters(mixture) -> tuple[np.ndarray, np.ndarray]:
    """Means (K, d) and covariance matrices (K, d, d) of a mixture whose families are all Gaussian.

    Raises
    ------
    TypeError
        If some family is not Gaussian.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.results.impute import gaussian_parameters
    >>> fit = em.GaussianMixture(2).fit(em.datasets.load("faithful"), random_state=0)
    >>> [a.shape for a in gaussian_parameters(fit.mixture)]
    [(2, 2), (2, 2, 2)]
    """
    if not all(isinstance(f, Gaussian) for f in mixture.families):
        names = ", ".join(type(f).__name__ for f in mixture.families)
        raise TypeError(f"impute needs Gaussian components; this model has {names}")
    means = np.concatenate([f.means for f in mixture.families])
    covariances = np.concatenate([f.covariance_matrices() for f in mixture.families])
    return means, covariances


def conditional_mean(mixture, x: np.ndarray) -> np.ndarray:
    """``x`` with every NaN replaced by ``E[x_m | x_o]`` under the fitted mixture (a copy).

    Examples
    --------
    One component, unit variances, correlation 0.5: ``E[x_2 | x_1 = 2] = 1``.

    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.results.impute import conditional_mean
    >>> x = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])
    >>> mixture = FiniteMixture([Gaussian("full", reg_covar=0.0)]).fit_responsibilities(x, np.ones((6, 1)))
    >>> mixture.families[0].covariance_matrices()[0].round(3).tolist()
    [[1.0, 0.333], [0.333, 1.0]]
    >>> conditional_mean(mixture, np.array([[3.0, np.nan]])).round(6).tolist()
    [[3.0, 1.0]]
    >>> import dask.array as da
    >>> conditional_mean(mixture, da.from_array(np.array([[3.0, np.nan], [np.nan, 3.0]]), chunks=(1, 2))).compute().round(6).tolist()
    [[3.0, 1.0], [1.0, 3.0]]
    """
    if is_dask_data(x):
        return x.map_blocks(partial(_conditional_mean_in_memory, mixture), dtype=np.float64)
    return _conditional_mean_in_memory(mixture, x)


def _conditional_mean_in_memory(mixture, x: np.ndarray) -> np.ndarray:
    pieces = GaussianConditionals(x, *gaussian_parameters(mixture))
    resp = mixture.posterior(x).resp
    return np.where(np.isnan(x), np.einsum("nk,knd->nd", resp, pieces.completed), x)


def conditional_draws(mixture, x: np.ndarray, n_draws: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``n_draws`` copies of ``x`` with every NaN drawn from its conditional law given the row's observed entries.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.results.impute import conditional_draws
    >>> x = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])
    >>> mixture = FiniteMixture([Gaussian("full", reg_covar=0.0)]).fit_responsibilities(x, np.ones((6, 1)))
    >>> draws = conditional_draws(mixture, np.array([[3.0, np.nan]] * 20000), 1, np.random.default_rng(0))[0]
    >>> bool(abs(draws[:, 1].mean() - 1.0) < 0.03), bool(abs(draws[:, 1].var() - 8 / 9) < 0.03)  # 1 - 1/9
    (True, True)
    >>> import dask.array as da
    >>> lazy = conditional_draws(mixture, da.from_array(np.array([[3.0, np.nan]] * 4), chunks=(2, 2)), 2, np.random.default_rng(0))
    >>> len(lazy), lazy[0].chunks, bool(np.isfinite(lazy[1].compute()).all())
    (2, ((2, 2), (2,)), True)
    """
    if not is_dask_data(x):
        return _draws_in_memory(mixture, x, n_draws, rng)
    import dask
    import dask.array as da

    blocks = x.to_delayed().ravel().tolist()
    per_block = [
        dask.delayed(_draws_in_memory, pure=True, nout=n_draws)(mixture, block, n_draws, stream)
        for block, stream in zip(blocks, rng.spawn(len(blocks)))
    ]
    return [
        da.concatenate([
            da.from_delayed(draws[i], (rows, x.shape[1]), dtype=np.float64) for draws, rows in zip(per_block, x.chunks[0])
        ])
        for i in range(n_draws)
    ]


def _draws_in_memory(mixture, x: np.ndarray, n_draws: int, rng: np.random.Generator) -> list[np.ndarray]:
    pieces = GaussianConditionals(x, *gaussian_parameters(mixture))
    resp = mixture.posterior(x).resp
    cumulative = np.cumsum(resp, axis=1)
    out = []
    for _ in range(n_draws):
        u = rng.random((len(x), 1))
        component = np.minimum((u > cumulative).sum(axis=1), resp.shape[1] - 1)
        filled = pieces.completed[component, np.arange(len(x))]
        for rows, missing, conditional in pieces.corrections:
            if not missing.any():
                continue
            noise = rng.standard_normal((len(rows), int(missing.sum())))
            factors = np.linalg.cholesky(conditional)  # (K, |m|, |m|): conditional covariances are positive definite
            filled[np.ix_(rows, missing)] += np.einsum("nij,nj->ni", factors[component[rows]], noise)
        out.append(filled)
    return out

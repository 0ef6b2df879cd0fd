"""Family-agnostic conformance checks (DESIGN.md), run over every family by test_conformance_suite.py.

Each check takes a family (or a model) and data, derives its expectation
independently (from an oracle, from the definition of the statistics, or by
comparing two routes that must agree) and asserts.
"""

from __future__ import annotations

import os
import tempfile
import warnings

import numpy as np
import xarray as xr

import emkit as em
from emkit.components.base import evaluate
from emkit.latent.mixture import FiniteMixture


def fitted(family, x, resp):
    """The family after one M-step from responsibilities ``resp`` on ``x``."""
    return family.with_components(resp.shape[1]).m_step(family.with_components(resp.shape[1]).stats(x, resp))


def param_arrays(family, n_features):
    """The family's parameters as a dict of arrays (via its Dataset)."""
    ds = family.to_dataset(np.arange(n_features))
    return {name: var.values for name, var in ds.data_vars.items()}


def assert_same_params(a, b, n_features, rtol=1e-10, atol=1e-12):
    pa, pb = param_arrays(a, n_features), param_arrays(b, n_features)
    assert pa.keys() == pb.keys()
    for name in pa:
        np.testing.assert_allclose(pa[name], pb[name], rtol=rtol, atol=atol, err_msg=name)


def check_log_prob(family, x, oracle, rtol=1e-10, atol=1e-10):
    """``family.log_prob(x)[:, k] == oracle(x, k)`` for every component (oracle: scipy.stats)."""
    got = family.log_prob(x)
    assert got.shape == (len(x), family.n_components)
    expected = np.stack([oracle(x, k) for k in range(family.n_components)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def check_chunk_additivity(family, x, resp, rtol=1e-10):
    """Statistics of the whole data == sum of statistics of uneven chunks, in any grouping.

    Compared through the M-step, which any family has.
    """
    K = resp.shape[1]
    template = family.with_components(K)
    whole = template.stats(x, resp)
    cuts = [0, 1, 2, len(x) // 3, len(x) // 3 + 1, len(x)]
    parts = [template.stats(x[a:b], resp[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    forward = parts[0]
    for p in parts[1:]:
        forward = forward + p
    backward = parts[-1]
    for p in reversed(parts[:-1]):
        backward = p + backward
    tree = (parts[0] + parts[1]) + ((parts[2] + parts[3]) + parts[4])
    d = x.shape[1] if x.ndim == 2 else 1
    for combined in (forward, backward, tree):
        assert_same_params(template.m_step(whole), template.m_step(combined), d, rtol=rtol)
    # The fused E-step route, where the family has one, gives the same statistics.
    fit_family = template.m_step(whole)
    assert_same_params(
        template.m_step(fit_family.stats(x, resp)), template.m_step(evaluate(fit_family, x).stats(resp)), d, rtol=rtol
    )


def check_integer_weights(model, x, weights, init, max_iter=10, rtol=1e-9, loglik_rtol=1e-12, atol=1e-12):
    """A fit with integer ``sample_weight`` equals the fit on repeated rows.

    ``init`` responsibilities (an array with a row per observation) are repeated
    with the rows. Numeric M-steps stop at an optimiser tolerance, so their
    callers loosen ``rtol`` and ``loglik_rtol`` (and say why).
    """
    kwargs = dict(max_iter=max_iter, tol=0)
    repeated_init = np.repeat(init, weights, axis=0) if isinstance(init, np.ndarray) else init
    weighted = model.fit(x, sample_weight=weights, chunk_size=max(1, len(x) // 7), init=init, **kwargs)
    repeated = model.fit(np.repeat(x, weights, axis=0), init=repeated_init, **kwargs)
    for name in weighted.params.data_vars:
        np.testing.assert_allclose(weighted.params[name], repeated.params[name], rtol=rtol, atol=atol, err_msg=name)
    np.testing.assert_allclose(weighted.log_likelihood, repeated.log_likelihood, rtol=loglik_rtol)


def q_function(family, x, resp):
    """``sum_i sum_k r_ik log f_k(x_i)``, the part of Q a family's M-step maximises."""
    return float(np.sum(resp * family.log_prob(x)))


def with_param_arrays(family, params, n_features):
    """A fitted copy of ``family`` holding ``params`` (a dict of arrays laid out as by its Dataset)."""
    ds = family.to_dataset(np.arange(n_features))
    for name, value in params.items():
        ds[name] = (ds[name].dims, np.asarray(value))
    return family.from_dataset(ds, np.full(family.n_components, 1.0 / family.n_components))


def check_m_step_maximises_q(
    family, x, resp, perturb, rng, n_trials=30, closed_form=None, closed_form_rtol=1e-8, closed_form_atol=1e-12
):
    """The M-step output beats random nearby parameters on Q (and equals ``closed_form`` if given).

    ``perturb(params: dict of arrays, rng) -> dict`` returns valid nearby parameters;
    parameters are read and written through the family's Dataset.
    """
    d = x.shape[1]
    best = fitted(family, x, resp)
    q_best = q_function(best, x, resp)
    params = param_arrays(best, d)
    if closed_form is not None:
        for name, value in closed_form(x, resp).items():
            np.testing.assert_allclose(params[name], value, rtol=closed_form_rtol, atol=closed_form_atol, err_msg=name)
    for _ in range(n_trials):
        other = with_param_arrays(best, perturb({k: v.copy() for k, v in params.items()}, rng), d)
        assert q_function(other, x, resp) <= q_best + 1e-9 * abs(q_best)


def check_monotone(model, x, seeds=(0, 1, 2), n_init=2, max_iter=30, rtol=1e-10):
    """The log-likelihood never decreases in any restart (beyond ``rtol`` relative).

    With the default ``rtol`` (the driver's own threshold) a decrease warning is
    an error; a numeric M-step's caller loosens ``rtol`` and says why.
    """
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("error" if rtol <= 1e-10 else "ignore", em.LikelihoodDecreaseWarning)
            fit = model.fit(x, n_init=n_init, max_iter=max_iter, tol=0, random_state=seed)
        for history in fit.trace.log_likelihood.values:
            history = history[np.isfinite(history)]
            assert np.all(np.diff(history) >= -rtol * np.abs(history[:-1])), history


def check_round_trip(fit, X):
    """netCDF round trip is exact and predictions agree."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fit.nc")
        fit.to_netcdf(path)
        loaded = em.load_fit(path)
    assert loaded.params.identical(fit.params)
    assert loaded.n_params == fit.n_params
    np.testing.assert_allclose(loaded.predict_proba(X).values, fit.predict_proba(X).values, rtol=1e-12)


def check_sample_shape(fit, n=50):
    draws = fit.sample(n, random_state=0, as_frame=False)
    assert draws.shape == (n, len(fit.features))
    assert np.all(np.isfinite(draws.values))


def aligned(estimated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Permutation of estimated components closest to the true ones (Hungarian matching)."""
    from scipy.optimize import linear_sum_assignment

    est = estimated.reshape(len(estimated), -1)
    tru = truth.reshape(len(truth), -1)
    cost = ((tru[:, None, :] - est[None, :, :]) ** 2).sum(axis=2)
    _, order = linear_sum_assignment(cost)
    return order


def declaration(family, K):
    """An unfitted single-family mixture declaration with K components."""
    return FiniteMixture([family.with_components(K)])


def params_dataset(weights, **params) -> xr.Dataset:
    """An init Dataset from arrays: each parameter's first axis is ``component``, the second ``feature``."""
    data = {"weights": ("component", np.asarray(weights, dtype=float))}
    for name, value in params.items():
        value = np.asarray(value, dtype=float)
        data[name] = (("component", "feature", "feature2")[: value.ndim], value)
    return xr.Dataset(data)

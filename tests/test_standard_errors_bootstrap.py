"""Standard errors of em.summary against a parametric bootstrap, family by family.

Each case fits a mixture of two well-separated components, draws replicate data
sets of the same size from the fitted model, refits each from the fitted
parameters, matches the replicate's components to the fit's, and compares the
spread of every parameter across replicates with its standard error from the
observed information.
"""

import functools
import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import emkit as em
from emkit.diagnostics.uncertainty import parameter_labels

#: A bootstrap SD from B replicates has a relative sampling error of about 1 / sqrt(2 B).
N_BOOT = 80
#: Largest accepted ratio between a standard error and the bootstrap SD, either way.
FACTOR = 1.35


def _matching_order(reference, replicate) -> list:
    """The permutation of the replicate's components closest to the reference's (squared differences)."""
    names = [name for name in reference.data_vars if name != "weights" and "component" in reference[name].dims]

    def cost(order):
        moved = replicate.isel(component=list(order))
        return sum(
            np.nansum(np.square(reference[v].values - moved[v].values)) / (np.nanvar(reference[v].values) + 1e-12)
            for v in names
        )

    return list(min(itertools.permutations(range(reference.sizes["component"])), key=cost))


def _em_from(mixture, x, tol=1e-10, max_iter=2000):
    """Plain EM iterations from ``mixture`` until the log-likelihood gains less than ``tol`` relative."""
    previous = -np.inf
    for _ in range(max_iter):
        stats = mixture.e_step(x)
        if stats.log_likelihood - previous <= tol * abs(stats.log_likelihood):
            break
        previous = stats.log_likelihood
        mixture = mixture.m_step(stats)
    return mixture


def _parametric_replicates(fit, n, seed, n_boot=N_BOOT):
    """Data sets of ``n`` rows drawn from the fitted model."""
    for b in range(n_boot):
        yield fit.observations(fit.sample(n, random_state=seed + b)).values


def _bootstrap_sd(fit, replicates, tol=1e-10) -> pd.Series:
    """SD of every parameter over refits (from the fitted parameters) to the replicate data sets."""
    rows = []
    for x in replicates:
        params = _em_from(fit.mixture, x, tol).to_dataset(fit.features)
        params = params.isel(component=_matching_order(fit.params, params))
        labels, values = parameter_labels(params.assign_coords(component=fit.params.component))
        rows.append(pd.Series(values, index=labels))
    return pd.DataFrame(rows).std(ddof=1)


def _ratios(table, spread) -> pd.Series:
    finite = table.std_error.notna()
    return (table.std_error[finite] / spread.reindex(table.index[finite])).dropna()


def _two_gaussians(rng, n, cov0, cov1):
    half = n // 2
    return np.r_[rng.multivariate_normal([0.0, 0.0], cov0, half), rng.multivariate_normal([7.0, 5.0], cov1, n - half)]


def _gaussian_full(rng, n):
    x = _two_gaussians(rng, n, [[1.0, 0.5], [0.5, 2.0]], [[2.0, -0.4], [-0.4, 1.0]])
    return pd.DataFrame(x, columns=["u", "v"]), em.Mixture(em.Gaussian("full"), n_components=2)


def _gaussian_diag(rng, n):
    x = _two_gaussians(rng, n, np.diag([1.0, 3.0]), np.diag([2.0, 0.5]))
    return pd.DataFrame(x, columns=["u", "v"]), em.Mixture(em.Gaussian("diag"), n_components=2)


def _poisson(rng, n):
    rates = np.array([[2.0, 15.0], [14.0, 3.0]])
    x = rng.poisson(rates[np.repeat([0, 1], n // 2)])
    return pd.DataFrame(x.astype(float), columns=["a", "b"]), em.Mixture(em.Poisson(), n_components=2)


#: Component 0 never takes category 2 in column "a": its probability is estimated at 0.
_PROBS = np.array([
    [[0.7, 0.3, 0.0], [0.85, 0.1, 0.05], [0.8, 0.15, 0.05], [0.8, 0.1, 0.1]],
    [[0.1, 0.3, 0.6], [0.05, 0.15, 0.8], [0.1, 0.1, 0.8], [0.05, 0.15, 0.8]],
])


def _draw_categories(rng, probs):
    """One category code per probability vector (last axis), by inverting the cumulative sums."""
    return (rng.random(probs.shape[:-1] + (1,)) > probs.cumsum(axis=-1)).sum(axis=-1).astype(float)


def _categorical(rng, n):
    x = _draw_categories(rng, _PROBS[np.repeat([0, 1], n // 2)])
    return pd.DataFrame(x, columns=list("abcd")), em.Mixture(em.Categorical(), n_components=2)


def _mixed(rng, n):
    component = np.repeat([0, 1], n // 2)
    frame = pd.DataFrame({
        "x": rng.normal(np.where(component == 0, 0.0, 6.0), np.where(component == 0, 1.0, 1.5)),
        "count": rng.poisson(np.where(component == 0, 3.0, 9.0)).astype(float),
        "kind": _draw_categories(rng, np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])[component]),
    })
    parts = {"x": em.Gaussian(), "count": em.Poisson(), "kind": em.Categorical()}
    return frame, em.Mixture(em.Independent(parts), n_components=2)


CASES = {
    "gaussian-full": (_gaussian_full, 400),
    "gaussian-diag": (_gaussian_diag, 400),
    "poisson": (_poisson, 400),
    "categorical": (_categorical, 600),
    "independent": (_mixed, 500),
}


@functools.cache
def _fitted(case):
    make, n = CASES[case]
    frame, model = make(np.random.default_rng(11), n)
    fit = model.fit(frame, n_init=3, tol=1e-10, max_iter=500, random_state=0)
    return frame, fit, em.summary(fit, frame)


@pytest.mark.parametrize("case", sorted(CASES))
def test_standard_errors_match_parametric_bootstrap(case):
    frame, fit, table = _fitted(case)
    ratios = _ratios(table, _bootstrap_sd(fit, _parametric_replicates(fit, len(frame), seed=1000)))
    assert len(ratios) == table.std_error.notna().sum() > 0
    assert ratios.between(1 / FACTOR, FACTOR).all(), ratios[~ratios.between(1 / FACTOR, FACTOR)]


def test_a_probability_estimated_at_zero_is_held_fixed_with_its_reason():
    # Column "a" never takes category 2 in the simulated component 0, so its
    # probability there is estimated at 0 (up to EM's convergence).
    table = _fitted("categorical")[2]
    zero = table.index[table.estimate < 1e-3]
    assert len(zero) == 1 and zero[0].endswith(", a, 2]")
    assert np.isnan(table.loc[zero[0], "std_error"])
    assert table.loc[zero[0], "note"].startswith("on or near a bound (probs = ")
    assert table.drop(zero).std_error.notna().all()
    assert (table.drop(zero).note == "").all()


def test_anes96_variance_standard_error_is_not_corrupted_by_a_boundary_probability():
    df = sm.datasets.anes96.load_pandas().data[["age", "PID", "educ"]]
    parts = {"age": em.Gaussian("full"), ("PID", "educ"): em.Categorical()}
    model = em.Mixture(em.Independent(parts), n_components=2)
    fit = model.fit(df, init="random", n_init=10, random_state=0)
    table = em.summary(fit, df)
    boundary = table.index[table.note.str.startswith("on or near a bound")]
    assert len(boundary) >= 1 and all(label.startswith("probs[") for label in boundary)
    assert table.loc[boundary, "std_error"].isna().all()
    assert (table.loc[boundary, "estimate"] < 1e-6).all()
    assert table.drop(boundary).std_error.notna().all()
    # The asymptotic error of this variance (about 21) is a little above its spread over
    # data drawn from the fit (about 17 to 19: n = 944, two overlapping components).
    older = int(np.argmax(fit.params.means.sel(feature="age").values))  # the component of variance 124
    label = f"covariances[{older}, age, age]"
    assert table.loc[label, "estimate"] == pytest.approx(124.07, abs=0.01)
    spread = _bootstrap_sd(fit, _parametric_replicates(fit, len(df), seed=2000, n_boot=150), tol=1e-8)[label]
    assert 1 / FACTOR < table.loc[label, "std_error"] / spread < FACTOR

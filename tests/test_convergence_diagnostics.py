"""Convergence diagnostics across restarts."""

import numpy as np
import pytest

import emkit as em
from emkit.diagnostics.convergence import aitken_limit


def test_aitken_limit_of_a_linear_sequence_is_exact():
    rate, limit = 0.8, -123.4
    history = limit - 5.0 * rate ** np.arange(30)
    assert aitken_limit(history) == pytest.approx(limit, abs=1e-9)
    assert aitken_limit(np.array([-3.0])) == -3.0
    assert np.isnan(aitken_limit(np.array([np.nan])))


def test_restarts_at_the_same_optimum_are_recognised():
    X = em.datasets.load("faithful")
    fit = em.GaussianMixture(3).fit(X, n_init=8, random_state=0)
    diag = em.convergence_diagnostics(fit)
    best = fit.best_restart
    assert diag.gap.sel(restart=best).item() == 0.0
    assert diag.reached_best.sel(restart=best).item()
    assert (diag.gap >= 0).all()
    # independent check: the restarts whose final log-likelihood is far below the best
    # (more than 1 unit) are different optima with parameters far from the best's
    far = diag.gap.values > 1.0
    assert far.any() and not diag.reached_best.values[far].any()
    assert (diag.parameter_distance.values[far] > 0.5).all()
    # Aitken limits are at or above the last values of converging restarts
    finals = diag.final_log_likelihood.values
    assert np.all(diag.aitken_limit.values >= finals - 1e-9)
    assert diag.attrs["n_reached_best"] == int(diag.reached_best.sum())


def test_final_parameters_of_every_restart_are_kept_and_saved(tmp_path):
    X = em.datasets.load("faithful")
    fit = em.GaussianMixture(2).fit(X, n_init=3, random_state=1)
    best = fit.trace.final_means.sel(restart=fit.best_restart)
    np.testing.assert_array_equal(best.values, fit.params.means.values)
    path = tmp_path / "fit.nc"
    fit.to_netcdf(path)
    assert em.load_fit(path).trace.identical(fit.trace)


def test_classification_diagnostics_from_responsibilities():
    X = em.datasets.load("faithful")
    fit = em.GaussianMixture(3).fit(X, n_init=2, random_state=0)
    diag = em.classification_diagnostics(fit, X)
    resp = fit.predict_proba(X).values
    np.testing.assert_array_equal(diag.component.values, fit.predict(X).values)
    np.testing.assert_allclose(diag.uncertainty.values, 1 - resp.max(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = -np.nansum(resp * np.log(resp), axis=1)
    np.testing.assert_allclose(diag.entropy.values, expected, atol=1e-12)
    assert (diag.entropy <= np.log(3) + 1e-12).all() and (diag.entropy >= 0).all()
    # ICL's penalty uses the MAP responsibilities: BIC - 2 sum log max r
    np.testing.assert_allclose(
        diag.attrs["icl"], fit.bic() - 2 * np.log(resp.max(axis=1)).sum(), rtol=1e-10
    )

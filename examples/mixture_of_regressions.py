"""
A mixture of two linear regressions
===================================

A mixture of regressions (as flexmix's FLXMRglm) fitted to simulated data. Two groups follow different lines, y = 1 + 2 x and y = 8 - x, with Gaussian
noise; the group of each point is hidden. The mixture recovers both lines,
predicts the response for new covariates, and draws its lines in the cluster
plot.
"""

import numpy as np
import pandas as pd

import emkit as em

rng = np.random.default_rng(0)
n = 2000
truth = {"intercept": np.array([1.0, 8.0]), "x": np.array([2.0, -1.0]), "sigma": np.array([0.5, 1.0])}
group = rng.integers(0, 2, n)
x = rng.uniform(0, 10, n)
y = truth["intercept"][group] + truth["x"][group] * x + truth["sigma"][group] * rng.standard_normal(n)
data = pd.DataFrame({"x": x, "y": y})

# %%
# The fit
# -------
model = em.Mixture(em.Regression("y", ["x"]), n_components=2)
fit = model.fit(data, n_init=5, random_state=0)

coef = fit.params.coefficients.to_pandas()
coef["sigma"] = fit.params.sigma.values
coef["weight"] = fit.params.weights.values
coef = coef.sort_values("x", ascending=False)  # the steeper line first, as in `truth`
print("recovered lines (y = intercept + slope * x):")
print(coef.round(3).to_string())
print(f"\nlog-likelihood {fit.log_likelihood:.2f}, {fit.n_params} parameters, BIC {fit.bic():.2f}")

assert np.allclose(coef["intercept"], truth["intercept"], atol=0.15), coef
assert np.allclose(coef["x"], truth["x"], atol=0.03), coef
assert np.allclose(coef["sigma"], truth["sigma"], atol=0.1), coef

# %%
# Predictions
# -----------
# Predictions for new covariates (no response column): each component's line,
# and the mixture's mean sum_k w_k (b0_k + b1_k x).
new = pd.DataFrame({"x": [0.0, 5.0, 10.0]})
each = fit.predict_response(new, by_component=True)
mean = fit.predict_response(new)
print("\nconditional mean of y at x = 0, 5, 10")
print(each.to_pandas().round(3).assign(mixture=mean.values.round(3)).to_string())
expected = truth["intercept"][None, :] + new.x.to_numpy()[:, None] * truth["x"][None, :]
assert np.allclose(np.sort(each.values, axis=1), np.sort(expected, axis=1), atol=0.3), each

# Without the response the covariates say nothing about the component:
# the posterior is the mixing weights on every row.
proba = fit.predict_proba(new)
assert np.allclose(proba.values, fit.params.weights.values)
print("\nposterior of the components given x alone (the mixing weights):", proba.values[0].round(3).tolist())

# Responses drawn given the observed covariates (the model describes y given x,
# so fit.sample needs the rows whose covariates it keeps).
draws = fit.sample(given=new, random_state=1)
print("\nresponses drawn at x = 0, 5, 10:", draws.sel(feature="y").values.round(2).tolist())

# %%
# The cluster plot: each component's line with a band of 2 residual SDs.
em.plot.plot_clusters(fit, data)

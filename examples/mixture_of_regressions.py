"""Fit a mixture of two linear regressions (flexmix's FLXMRglm) to simulated data.

Two groups follow different lines, y = 1 + 2 x and y = 8 - x, with Gaussian
noise; the group of each point is hidden. The mixture recovers both lines.

Run: python examples/mixture_of_regressions.py
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

# The fitted components draw responses for new feature values (not whole rows:
# the model describes y given x).
family = fit.mixture.families[0]
new_x = np.array([[0.0], [5.0]])
print("\nsimulated responses at x = 0, 5 from the first component:",
      family.simulate(new_x, 0, np.random.default_rng(1)).round(2).tolist())

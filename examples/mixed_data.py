"""
Mixed data: continuous, count and categorical columns
=====================================================

A mixture over one DataFrame with continuous, count and categorical columns. Each component is a product of independent parts: a bivariate Gaussian for
(height, weight), a Poisson for visits and a categorical for colour.
"""

import numpy as np
import pandas as pd

import emkit as em

rng = np.random.default_rng(7)
n = 1_000
group = rng.integers(2, size=n)
data = pd.DataFrame(
    {
        "height": np.where(group, rng.normal(181, 6, n), rng.normal(163, 6, n)),
        "weight": np.where(group, rng.normal(82, 9, n), rng.normal(61, 8, n)),
        "visits": np.where(group, rng.poisson(8.0, n), rng.poisson(2.0, n)),
        "colour": np.where(group, rng.choice(["red", "blue"], n, p=[0.7, 0.3]),
                           rng.choice(["red", "blue", "green"], n, p=[0.1, 0.3, 0.6])),
    }
)

# %%
# The model: a product of families over column groups
# ----------------------------------------------------
model = em.Mixture(
    em.Independent(
        {
            ("height", "weight"): em.Gaussian("full"),
            "visits": em.Poisson(),
            "colour": em.Categorical(),
        }
    ),
    n_components=2,
)
fit = model.fit(data, n_init=5, random_state=0)
print(fit.summary_text())
print()
print("colour probabilities per component:")
print(fit.params.probs.sel(feature="colour").to_pandas().round(3))

# %%
# Against the simulated groups
# ----------------------------
predicted = fit.predict(data).values
agreement = max(np.mean(predicted == group), np.mean(predicted != group))
print(f"\nagreement with the simulated groups: {agreement:.3f}")
assert agreement > 0.97
tall = int(np.argmax(fit.params.means.sel(feature="height").values))
assert abs(fit.params.rate.sel(feature="visits").values[tall] - 8.0) < 0.5

# %%
# Each component's parameters feature by feature (means, rates, category
# probabilities):
em.plot.plot_profile(fit)

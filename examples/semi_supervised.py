"""
Partial labels: semi-supervised and supervised fits
===================================================

Semi-supervised EM with 10% of the rows labelled, and a supervised fit. Three overlapping bivariate Gaussian classes named "north", "east" and
"south". A fit that knows the class of 10% of the rows (semi-supervised EM,
as mclust's MclustSSC) names its components after the classes and
classifies the other rows; a fit that knows every label is the supervised
estimate (as mclust's EDDA: with covariance "EEE", linear discriminant
analysis). See :doc:`/semi_supervised`.
"""

import numpy as np
import pandas as pd

import emkit as em

rng = np.random.default_rng(11)
classes = ["north", "east", "south"]
means = np.array([[0.0, 2.0], [2.0, 0.0], [0.0, -1.5]])
cov = np.array([[1.0, 0.4], [0.4, 1.0]])
n = 600
truth = rng.choice(3, size=n, p=[0.4, 0.35, 0.25])
X = pd.DataFrame(means[truth] + rng.multivariate_normal([0, 0], cov, n), columns=["x", "y"])
species = pd.Series(pd.Categorical.from_codes(truth, classes))

# Known for 10% of the rows, missing (NaN) for the rest.
hidden = rng.random(n) >= 0.1
known = species.mask(hidden)
print(f"{(~hidden).sum()} of {n} rows labelled")

# %%
# Semi-supervised EM
# ------------------
semi = em.GaussianMixture(3, covariance="EEE").fit(X, labels=known, random_state=0)
predicted = semi.predict(X).values
print("semi-supervised: components", semi.params.component.values.tolist())
print(f"  accuracy on the unlabelled rows: {np.mean(predicted[hidden] == species.to_numpy()[hidden]):.3f}")
print("  means by class:")
print(semi.params.means.to_pandas().round(2))

# %%
# Without labels, and with every label
# ------------------------------------
plain = em.GaussianMixture(3, covariance="EEE").fit(X, n_init=5, random_state=0)
print(f"without labels, log-likelihood {plain.log_likelihood:.1f} (components unnamed, in arbitrary order)")

supervised = em.GaussianMixture(3, covariance="EEE").fit(X, labels=species)
print(f"supervised (every row labelled): {supervised.n_iter} EM iteration(s), weights",
      supervised.params.weights.to_pandas().round(3).to_dict())
print("  pooled within-class covariance:")
print(supervised.params.covariances.sel(component="north").to_pandas().round(3))

# %%
# The semi-supervised fit's components, named after the classes:
em.plot.plot_clusters(semi, X)

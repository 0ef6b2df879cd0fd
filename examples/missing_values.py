"""
Missing values: EM on what is left, then imputation
===================================================

Old Faithful with a quarter of its values deleted at random, fitted by EM on what is
left. The fit climbs the observed-data likelihood (``missing="marginalize"``); the
deleted values are then imputed by their conditional means and by multiple
imputation, and compared with the values that were deleted.
"""

import numpy as np

import emkit as em

X = em.datasets.load("faithful")
rng = np.random.default_rng(0)
holes = X.mask(rng.random(X.shape) < 0.25)
print(f"{int(holes.isna().sum().sum())} of {X.size} values deleted; "
      f"{int(holes.isna().all(axis=1).sum())} rows have nothing left")

# %%
# Fitting with and without the holes
# ----------------------------------
complete = em.GaussianMixture(2).fit(X, random_state=0)
partial = em.GaussianMixture(2).fit(holes, missing="marginalize", random_state=0)
print("means, complete data:\n", complete.params.means.values.round(2))
print("means, with a quarter missing:\n", partial.params.means.values.round(2))
print(f"observed-data log-likelihood {partial.log_likelihood:.2f} over {partial.n_obs:.0f} rows")

# %%
# Imputation
# ----------
# Conditional means given each row's observed values, then twenty draws from the
# conditional distribution (multiple imputation).
missing = holes.isna().to_numpy()
filled = partial.impute(holes)
error = (filled.to_numpy() - X.to_numpy())[missing]
print(f"conditional-mean imputation: root mean squared error {np.sqrt(np.mean(error**2)):.2f}")

draws = partial.impute(holes, n_draws=20, random_state=0)
spread = np.std([d.to_numpy()[missing] for d in draws], axis=0).mean()
print(f"20 multiple imputations: mean spread of a deleted value {spread:.2f}")

agree = (partial.predict(holes, missing="marginalize") == complete.predict(X)).mean().item()
print(f"classification of the rows from what is left agrees with the complete data's on {agree:.1%}"
      " (up to the components' order)")

# %%
# The fit to the incomplete data, drawn over the complete rows:
em.plot.plot_clusters(partial, X)

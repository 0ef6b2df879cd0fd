"""Fit Gaussian mixtures to Old Faithful and compare covariance structures by BIC.

Run: python examples/faithful_gmm.py
"""

import emkit as em

X = em.datasets.load("faithful")
print(f"Old Faithful: {len(X)} eruptions, columns {list(X.columns)}\n")

print(f"{'model':6s} {'K':>2s} {'log-lik':>10s} {'params':>6s} {'BIC':>9s} {'ICL':>9s}")
fits = {}
for covariance in em.COVARIANCE_NAMES:
    for k in (2, 3):
        fit = em.GaussianMixture(k, covariance=covariance).fit(X, n_init=5, random_state=0)
        fits[covariance, k] = fit
        print(f"{covariance:6s} {k:2d} {fit.log_likelihood:10.3f} {fit.n_params:6d} {fit.bic():9.3f} {fit.icl():9.3f}")

best_key = min(fits, key=lambda key: fits[key].bic())
best = fits[best_key]
print(f"\nlowest BIC: {best_key[0]} with {best_key[1]} components\n")
print(best.summary_text())

# Responsibilities are a DataArray over (observation, component).
labels = best.predict(X)
print("\nobservations per component:", labels.to_series().value_counts().sort_index().to_dict())

# Save and reload: the parameters come back exactly.
best.to_netcdf("faithful_fit.nc")
assert em.load_fit("faithful_fit.nc").params.identical(best.params)
print("saved to faithful_fit.nc")

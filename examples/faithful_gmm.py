"""
Old Faithful: choosing a Gaussian mixture by BIC, and its report
================================================================

Gaussian mixtures with each of mclust's fourteen covariance structures and one to
four components are fitted to the Old Faithful eruptions; BIC chooses one (EEE
with three components, as mclust does). The chosen fit is summarised, saved and
reloaded, and written as a self-contained HTML report.
"""

import pathlib
import tempfile

import emkit as em

X = em.datasets.load("faithful")
print(f"Old Faithful: {len(X)} eruptions, columns {list(X.columns)}")

# %%
# Model selection
# ---------------
# ``em.select`` fits every covariance structure for each number of components and
# keeps the table of BIC values (lower is better).
selection = em.select(X, n_components=range(1, 5), random_state=0)
print(selection)
selection.marked_table()

# %%
# The BIC of each structure against the number of components:
em.plot.plot_selection(selection)

# %%
# The chosen model
# ----------------
# Its parameters with standard errors, and the classification of the eruptions.
covariance, n_components = selection.chosen()
best = selection.best
print(f"lowest BIC: {covariance} with {n_components} components\n")
print(best.summary_text())

labels = best.predict(X)  # a DataArray over observation
print("\nobservations per component:", labels.to_series().value_counts().sort_index().to_dict())

# %%
# The clusters with their 2-standard-deviation ellipses:
em.plot.plot_clusters(best, X)
# sphinx_gallery_thumbnail_number = 2

# %%
# Saving, reloading and the report
# --------------------------------
# A fit is saved as netCDF and comes back exactly; ``em.report`` writes the
# selection table, the chosen model, its diagnostics and plots into one HTML page.
with tempfile.TemporaryDirectory() as directory:
    path = pathlib.Path(directory) / "faithful_fit.nc"
    best.to_netcdf(path)
    assert em.load_fit(path).params.identical(best.params)
    html = em.report(selection, X, pathlib.Path(directory) / "report.html")
print(f"the fit survives a netCDF round trip; the report is {len(html) / 1e3:.0f} kB of HTML")

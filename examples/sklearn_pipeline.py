"""
scikit-learn pipelines: model selection by BIC, stacking and mixed data
=======================================================================

emkit's estimators in :mod:`emkit.sklearn` follow scikit-learn's conventions, so a
Gaussian mixture goes into a ``Pipeline`` after a ``StandardScaler``, a
``GridSearchCV`` chooses its number of components and covariance structure by
BIC (mclust's structures included), its responsibilities feed a classifier,
and a mixture of a Gaussian and a categorical column takes a DataFrame after a
``ColumnTransformer``.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import emkit as em
from emkit.sklearn import GaussianMixture, MixtureModel, bic_scorer

X = em.datasets.load("faithful")

# %%
# Choosing the mixture by BIC
# ---------------------------
# ``bic_scorer`` is minus the BIC, so the best score is the lowest BIC. A single
# "split" that trains and scores on all the rows makes it the usual in-sample BIC.
scale = StandardScaler().set_output(transform="pandas")  # keeps the column names
pipeline = make_pipeline(scale, GaussianMixture(random_state=0))
grid = {
    "gaussianmixture__n_components": [1, 2, 3],
    "gaussianmixture__covariance_type": ["full", "diag", "EEE", "VEV"],
}
all_rows = [(np.arange(len(X)), np.arange(len(X)))]
search = GridSearchCV(pipeline, grid, scoring=bic_scorer, cv=all_rows).fit(X)
print("lowest BIC:", search.best_params_)

table = pd.DataFrame(search.cv_results_["params"]).assign(bic=-search.cv_results_["mean_test_score"])
table.columns = ["covariance", "K", "BIC"]
print(table.pivot(index="K", columns="covariance", values="BIC").round(1))

# %%
# The BIC of each structure against the number of components:
fig, ax = plt.subplots(figsize=(6, 4))
for covariance, rows in table.groupby("covariance"):
    ax.plot(rows["K"], rows["BIC"], marker="o", label=covariance)
ax.set(xlabel="number of components", ylabel="BIC (lower is better)", xticks=[1, 2, 3])
ax.legend(title="covariance_type")
plt.show()

# %%
# The chosen mixture keeps emkit's result
# ---------------------------------------
# Besides scikit-learn's attributes (``means_``, ``covariances_``...), ``result_`` is
# the emkit fit, with its xarray parameters, summaries and plots. Its features
# are the scaled columns, named as the DataFrame's.
best = search.best_estimator_[-1]
print("weights:", best.weights_.round(3))
print(best.result_.params.means.round(2))
em.plot.plot_clusters(best.result_, search.best_estimator_[0].transform(X))

# %%
# Responsibilities as features
# ----------------------------
# ``transform`` returns the responsibilities, so a mixture can be the feature step
# of a classifier (here on iris, three components feeding a logistic regression).
iris = load_iris()
stacked = make_pipeline(StandardScaler(), GaussianMixture(3, random_state=0), LogisticRegression())
accuracy = cross_val_score(stacked, iris.data, iris.target, cv=5)
print(f"accuracy from the responsibilities alone: {accuracy.mean():.2f}")

# %%
# Mixed columns after a ColumnTransformer
# ---------------------------------------
# With pandas output, the scaled numbers and the untouched categories reach emkit
# by name and with their types: an ``Independent`` family models each column.
rng = np.random.default_rng(0)
people = pd.DataFrame({
    "height": np.r_[rng.normal(160, 6, 300), rng.normal(178, 7, 200)],
    "sport": pd.Categorical(np.r_[rng.choice(["none", "run", "swim"], 300, p=[0.6, 0.3, 0.1]),
                                  rng.choice(["none", "run", "swim"], 200, p=[0.2, 0.3, 0.5])]),
})
prepare = ColumnTransformer(
    [("scale", StandardScaler(), ["height"]), ("keep", "passthrough", ["sport"])], verbose_feature_names_out=False
).set_output(transform="pandas")
family = em.Independent({"height": em.Gaussian(), "sport": em.Categorical()})
mixed = make_pipeline(prepare, MixtureModel(family, n_components=2, n_init=3, random_state=0)).fit(people)
print(mixed[-1].result_.params.probs.sel(feature="sport").round(2).to_pandas())

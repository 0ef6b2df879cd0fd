"""
Online (stepwise) EM over mini-batches
======================================

Stepwise EM (Cappé & Moulines, 2009) reads the data one mini-batch at a time: each
batch's statistics move a running average of the sufficient statistics by a step size
``(t + 2)^(-alpha)``, and the parameters follow. It suits data that arrive as a stream
or do not fit in memory. Here a three-component Gaussian mixture is fitted from 40
mini-batches, compared with batch EM on the same rows, and then updated with new
batches by ``partial_fit``.
"""

import matplotlib.pyplot as plt
import numpy as np

import emkit as em

MEANS = np.array([[0.0, 0.0], [5.0, 1.0], [1.0, 6.0]])
WEIGHTS = np.array([0.5, 0.3, 0.2])


def draw(n, rng, weights=WEIGHTS):
    """``n`` rows of the mixture with ``weights`` and the true means (unit covariances)."""
    labels = rng.choice(len(weights), size=n, p=weights)
    return MEANS[labels] + rng.standard_normal((n, 2))


rng = np.random.default_rng(0)
x = draw(40_000, rng)

# %%
# Stepwise EM against batch EM
# ----------------------------
# A callable returning the mini-batches lets ``fit_online`` make several passes and
# compute the exact log-likelihood of the final parameters at the end.
model = em.GaussianMixture(3)
online = model.fit_online(lambda: np.array_split(x, 40), passes=2, random_state=0)
batch = model.fit(x, random_state=0)

order_online = np.argsort(online.params.means.values[:, 0] + 10 * online.params.means.values[:, 1])
order_batch = np.argsort(batch.params.means.values[:, 0] + 10 * batch.params.means.values[:, 1])
print("means, online:\n", online.params.means.values[order_online].round(3))
print("means, batch: \n", batch.params.means.values[order_batch].round(3))
print(f"log-likelihood per row: online {online.log_likelihood / len(x):.5f}, "
      f"batch {batch.log_likelihood / len(x):.5f}")
assert np.allclose(online.params.means.values[order_online], batch.params.means.values[order_batch], atol=0.05)

# %%
# Each mini-batch's log-likelihood per row before its update: the first steps move
# far, later ones settle as the step size shrinks.
per_row = online.trace.log_likelihood.squeeze().values / (len(x) / 40)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(np.arange(1, per_row.size + 1), per_row, marker=".")
ax.axhline(batch.log_likelihood / len(x), color="0.5", linestyle="--", label="batch EM optimum")
ax.set(xlabel="mini-batch", ylabel="log-likelihood per row", title="Stepwise EM, two passes of 40 mini-batches")
ax.legend()

# %%
# Updating with new data
# ----------------------
# ``partial_fit`` continues from a result: here a stream in which the third component
# has become more frequent.
updated = online
for _ in range(20):
    updated = updated.partial_fit(draw(1000, rng, weights=[0.3, 0.3, 0.4]))
print("weights before:", online.params.weights.values[order_online].round(3).tolist())
print("weights after 20 new batches:", updated.params.weights.values[order_online].round(3).tolist())

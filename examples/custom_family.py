"""
A family of your own: geometric components
==========================================

A mixture of geometric distributions (counts of failures before the first success),
written as a :class:`~emkit.ParametricFamily` subclass with a closed-form M-step, then
checked against scipy's density and against the numeric M-step that
:func:`~emkit.from_scipy` gives the same distribution. See :doc:`/custom_components`
for the family protocol and the other routes.
"""

import matplotlib.pyplot as plt
import numpy as np
import scipy.stats

import emkit as em

# %%
# The family
# ----------
# With ``p_k`` the success probability of component k, ``log f(x) = log p_k + x log(1 - p_k)``
# for ``x = 0, 1, 2, ...``. The weighted log-likelihood of component k,
# ``n_k log p_k + S_k log(1 - p_k)`` with ``n_k = sum_i r_ik`` and ``S_k = sum_i r_ik x_i``,
# is maximised by ``p_k = n_k / (n_k + S_k)``: the M-step needs only those two sums,
# which :class:`~emkit.SumStats` adds up over chunks.


class Geometric(em.ParametricFamily):
    """Geometric components on 0, 1, 2, ...: one success probability per component and feature."""

    kind = "example-geometric"  # the name saved with fits
    label = "Geometric"
    param_dims = {"p": ("feature",)}

    def check_data(self, x):
        bad = (x < 0) | (x != np.round(x))
        if np.any(bad):
            row = int(np.flatnonzero(bad.any(axis=1))[0])
            raise ValueError(f"geometric components need counts 0, 1, 2, ...; row {row} is {x[row].tolist()}")

    def log_prob(self, x):
        p = self.params["p"]  # (K, d)
        return np.log(p).sum(axis=1) + x @ np.log1p(-p).T  # (n, K)

    def stats(self, x, resp):
        return em.SumStats.of(resp, counts=resp.T @ x)

    def m_step(self, stats):
        n_k = np.where(stats.empty(), 1.0, stats.weight)[:, None]
        p = n_k / (n_k + stats.sums["counts"])
        return self.with_params(**self.keep_empty({"p": p}, stats))

    def n_params(self):
        return int(self.params["p"].size)

    def sample(self, component, rng):
        return rng.geometric(self.params["p"][np.asarray(component, dtype=int)]) - 1.0


# %%
# The log-density agrees with scipy's (``geom`` counts trials, so it is shifted by one):
x = np.arange(10.0)[:, None]
family = Geometric(n_components=2).with_params(p=np.array([[0.5], [0.1]]))
expected = np.stack([scipy.stats.geom(p, loc=-1).logpmf(x[:, 0]) for p in (0.5, 0.1)], axis=1)
assert np.allclose(family.log_prob(x), expected)
print("log-density matches scipy.stats.geom(p, loc=-1)")

# %%
# Fitting a two-component mixture
# -------------------------------
rng = np.random.default_rng(3)
counts = np.concatenate([rng.geometric(0.5, 1200), rng.geometric(0.08, 800)])[:, None] - 1.0
fit = em.Mixture(Geometric(), n_components=2).fit(counts, n_init=3, random_state=0)
order = np.argsort(-fit.params.p.values[:, 0])
print("success probabilities:", fit.params.p.values[order, 0].round(3).tolist(), "(true [0.5, 0.08])")
print("weights:", fit.params.weights.values[order].round(3).tolist(), "(true [0.6, 0.4])")
print(f"log-likelihood {fit.log_likelihood:.2f}, {fit.n_params} free parameters")

# %%
# The same model with a numeric M-step
# ------------------------------------
# ``em.from_scipy`` maximises the same weighted log-likelihood with L-BFGS-B; started
# from the closed-form answer it stays there, so both routes reach the same optimum.
numeric = em.from_scipy(scipy.stats.geom, fixed={"loc": -1.0}, n_components=2)
numeric_fit = em.Mixture(numeric).fit(counts, init=fit.params, max_iter=20)
print(f"numeric M-step: log-likelihood {numeric_fit.log_likelihood:.2f}")
assert abs(numeric_fit.log_likelihood - fit.log_likelihood) < 1e-4 * abs(fit.log_likelihood)

# %%
# The data against the fitted mixture's probabilities:
values = np.arange(0, 40)
pmf = sum(w * scipy.stats.geom(p, loc=-1).pmf(values)
          for w, p in zip(fit.params.weights.values, fit.params.p.values[:, 0]))
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.bar(values, np.bincount(counts[:, 0].astype(int), minlength=values.size)[: values.size] / len(counts),
       color="0.8", label="data")
ax.plot(values, pmf, "o-", color="C0", label="fitted mixture")
ax.set(xlabel="count", ylabel="probability", title="A mixture of two geometric distributions")
ax.legend()

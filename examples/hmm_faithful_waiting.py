"""
Hidden Markov models of Old Faithful's waiting times
====================================================

The rows of the Old Faithful data are consecutive eruptions, so `waiting` read in row
order is a time series: the classic geyser example of a hidden Markov model. A short
wait is mostly followed by a long one, which an independent mixture cannot express.
"""

import numpy as np

import emkit as em

waiting = em.datasets.load("faithful")[["waiting"]]
values = waiting["waiting"].to_numpy()
lag1 = np.corrcoef(values[:-1], values[1:])[0, 1]
print(f"Old Faithful: {len(waiting)} consecutive eruptions; lag-1 autocorrelation of waiting: {lag1:.2f}\n")

# %%
# A mixture, then chains of two and three states
# ----------------------------------------------
# The same Gaussian emissions without a chain: an independent two-component mixture.
mixture = em.GaussianMixture(2).fit(waiting, n_init=5, random_state=0)
print(f"independent mixture, 2 components: log-lik {mixture.log_likelihood:9.2f}  "
      f"params {mixture.n_params:2d}  BIC {mixture.bic():8.2f}\n")

fits = {}
for n_states in (2, 3):
    fit = em.HiddenMarkovModel(em.Gaussian(), n_states=n_states).fit(waiting, n_init=5, random_state=0)
    fits[n_states] = fit
    print(f"hidden Markov model, {n_states} states: log-lik {fit.log_likelihood:9.2f}  "
          f"params {fit.n_params:2d}  BIC {fit.bic():8.2f}")
    means = fit.params["means"].sel(feature="waiting").to_series().round(1)
    print("  mean waiting per state (minutes):", means.to_dict())
    print("  transition probabilities (row: state left, column: next state):")
    print(fit.transition_table().round(3), end="\n\n")

best_states = min(fits, key=lambda k: fits[k].bic())
best = fits[best_states]
print(f"lowest BIC: {best_states} states")

# %%
# Decoding the states
# -------------------
# Viterbi: the most probable state sequence; posteriors: how sure each step is.
log_probability, states = best.decode(waiting)
certainty = best.predict_proba(waiting).max("state")
print(f"\nViterbi path: log p(x, z*) = {log_probability:.2f} (log p(x) = {best.score(waiting):.2f})")
print("first 15 eruptions (waiting, decoded state, posterior of the most probable state):")
for t in range(15):
    print(f"  {t:2d}  {values[t]:3.0f} min  state {int(states[t])}  {float(certainty[t]):.3f}")
print("eruptions per decoded state:", states.to_series().value_counts().sort_index().to_dict())

# %%
# The waiting times in eruption order, coloured by their Viterbi state, with the
# posterior probability of each state beneath:
em.plot.plot_state_sequence(best, waiting)

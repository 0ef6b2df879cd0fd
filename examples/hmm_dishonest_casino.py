"""
The dishonest casino: which rolls came from the loaded die?
============================================================

A casino rolls a fair die, and now and then swaps it for a loaded one that shows a six
half of the time (Durbin, Eddy, Krogh & Mitchison, "Biological Sequence Analysis", 1998).
We simulate the rolls with numpy, fit a two-state hidden Markov model with Categorical
emissions to the faces alone, and compare what it recovers with the truth.
"""

import numpy as np
import pandas as pd

import emkit as em

N_ROLLS = 3000
FACES = np.arange(1, 7)
STARTPROB = np.array([1.0, 0.0])  # the evening starts with the fair die
TRANSMAT = np.array([[0.95, 0.05],  # fair -> fair, fair -> loaded
                     [0.10, 0.90]])  # loaded -> fair, loaded -> loaded
FACE_PROBS = np.array([np.full(6, 1 / 6),  # fair
                       [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]])  # loaded: P(6) = 0.5
DIE_NAMES = ("fair", "loaded")


def simulate(n_rolls, rng):
    """Dice (0 fair, 1 loaded) and faces of ``n_rolls`` rolls of the casino's chain."""
    dice = np.empty(n_rolls, dtype=int)
    dice[0] = rng.choice(2, p=STARTPROB)
    for t in range(1, n_rolls):
        dice[t] = rng.choice(2, p=TRANSMAT[dice[t - 1]])
    faces = np.array([rng.choice(FACES, p=FACE_PROBS[die]) for die in dice])
    return dice, faces


# %%
# Simulated rolls
# ---------------
dice, faces = simulate(N_ROLLS, np.random.default_rng(0))
rolls = pd.DataFrame({"face": faces})  # one column: the face shown
print(f"{N_ROLLS} rolls, {np.mean(dice == 1):.0%} with the loaded die; share of sixes: {np.mean(faces == 6):.3f}\n")

# %%
# Fitting a two-state hidden Markov model
# ---------------------------------------
# The two dice differ only in how often they show a six, so emissions alone barely tell
# them apart; the chain's default sticky start (0.9 on the diagonal of the starting
# transition matrix) lets EM find the dice from runs of sixes.
hmm = em.HiddenMarkovModel(em.Categorical(), n_states=2)
fit = hmm.fit(rolls, n_init=3, random_state=0)
probs = fit.params["probs"].isel(feature=0)  # (state, category)

# States are unordered: call "loaded" the state that shows more sixes.
loaded = int(np.argmax(probs.sel(category=6).values))
order = [1 - loaded, loaded]  # fitted states in the order (fair, loaded)

print(f"log-likelihood {fit.log_likelihood:.2f}, {fit.n_params} free parameters, BIC {fit.bic():.2f}\n")
print("face probabilities        1      2      3      4      5      6")
for name, state, truth in zip(DIE_NAMES, order, FACE_PROBS):
    print(f"  {name:6s} fitted   " + " ".join(f"{p:6.3f}" for p in probs.values[state]))
    print(f"  {name:6s} true     " + " ".join(f"{p:6.3f}" for p in truth))
transmat = fit.params["transmat"].values[np.ix_(order, order)]
print("\ntransitions (fitted / true)      to fair          to loaded")
for i, name in enumerate(DIE_NAMES):
    print(f"  from {name:6s}              {transmat[i, 0]:.3f} / {TRANSMAT[i, 0]:.2f}    "
          f"{transmat[i, 1]:.3f} / {TRANSMAT[i, 1]:.2f}")

# %%
# The likelihood at the truth
# ---------------------------
# The true parameters scored on the same rolls: max_iter=0 evaluates given parameters exactly.
truth = fit.params.copy(deep=True)
truth["startprob"][:] = STARTPROB[order]
truth["transmat"][:] = TRANSMAT[np.ix_(order, order)]
truth["probs"][:] = FACE_PROBS[order][:, None, :]
at_truth = hmm.fit(rolls, init=truth, max_iter=0)
print(f"\nlog-likelihood at the true parameters: {at_truth.log_likelihood:.2f} (fitted: {fit.log_likelihood:.2f})")

# %%
# Which die was used
# ------------------
# Viterbi: the most probable sequence of dice, against the dice actually used.
_, states = fit.decode(rolls)
decoded_loaded = states.values == loaded
accuracy = np.mean(decoded_loaded == (dice == 1))
print(f"Viterbi path: {accuracy:.1%} of rolls assigned to the die actually used "
      f"(always guessing 'fair' would give {np.mean(dice == 0):.1%})")
print("first 60 rolls:")
print("  faces   ", "".join(map(str, faces[:60])))
print("  true    ", "".join("L" if d else "F" for d in dice[:60]))
print("  Viterbi ", "".join("L" if d else "F" for d in decoded_loaded[:60]))

# %%
# The first 300 rolls coloured by their Viterbi state, with the posterior
# probability of each die beneath:
em.plot.plot_state_sequence(fit, rolls, steps=(0, 300))

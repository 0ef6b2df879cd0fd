"""Latent models and their exact inference kernels (hidden Markov model forward-backward, Viterbi)."""

"""Latent-variable models built from component families (mixtures first)."""

from .mixture import FiniteMixture, MixtureStats, Posterior

__all__ = ["FiniteMixture", "MixtureStats", "Posterior"]

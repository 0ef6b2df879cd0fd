"""Covariance structures of a batch of K Gaussian components.

Each structure owns its M-step projection, log-determinant, Mahalanobis term,
sampling and parameter count, so the Gaussian family never branches on the
kind of covariance. mclust's decomposition
``Sigma_k = lambda_k D_k A_k D_k^T`` (volume, orientation, shape with
``det A_k = 1``) names the fourteen structures by three letters, each E
(equal across components), V (varying) or I (identity):

======  ==========================  ==============================================
name    alias                       covariance of component k
======  ==========================  ==============================================
EII                                 lambda I, shared
VII     ``"spherical"``             lambda_k I
EEI                                 lambda A (diagonal), shared
VEI                                 lambda_k A
EVI                                 lambda A_k
VVI     ``"diag"``                  lambda_k A_k
EEE     ``"tied"``                  Sigma, shared by all components
VEE                                 lambda_k D A D^T
EVE                                 lambda D A_k D^T
VVE                                 lambda_k D A_k D^T
EEV                                 lambda D_k A D_k^T
VEV                                 lambda_k D_k A D_k^T
EVV                                 lambda D_k A_k D_k^T
VVV     ``"full"``                  Sigma_k, any positive-definite matrix
======  ==========================  ==============================================

The package's modules, from the bottom up:

* :mod:`.moments`: moment numerics on a chunk (weighted scatter, whitening,
  moments re-centred on the chunk's weighted means, the second pass where
  re-centring cancels);
* :mod:`.kernels`: the adapters from a structure's parameters to the
  compiled kernels of :mod:`emkit.components.gaussian_kernels` (input
  checks, :class:`~.kernels.FusedChunk`);
* :mod:`.structure`: the base class, :class:`CovarianceStructure` (the
  M-step projection of the weighted scatter, free parameters, counts);
* :mod:`.full` and :mod:`.axis_aligned`: the six structures whose M-step is
  a closed-form projection of the scatter;
* :mod:`.decomposition` (the shared volume/shape/orientation machinery),
  :mod:`.diagonal_volume` (VEI, EVI) and :mod:`.eigen` (VEE, EVE, VVE, EEV,
  VEV, EVV): the eight whose M-step follows Celeux & Govaert (1995) and
  Browne & McNicholas (2014);
* :mod:`.map_steps`: MAP M-steps under a conjugate prior;
* :mod:`.names`: the structures by mclust name (:func:`covariance_structure`).
"""

from .axis_aligned import DiagonalCovariance, SphericalCovariance
from .diagonal_volume import VolumeShapeCovariance
from .eigen import EigenCovariance
from .full import FullCovariance
from .kernels import FusedChunk
from .names import COVARIANCE_NAMES, DESCRIPTIONS, covariance_structure
from .structure import CovarianceStructure

__all__ = [
    "COVARIANCE_NAMES",
    "DESCRIPTIONS",
    "CovarianceStructure",
    "DiagonalCovariance",
    "EigenCovariance",
    "FullCovariance",
    "FusedChunk",
    "SphericalCovariance",
    "VolumeShapeCovariance",
    "covariance_structure",
]

"""Facts the tests check emkit against, written out independently of emkit."""

# The six structures whose M-step is a closed-form projection of the pooled or
# per-component scatter: (shared across components?, shape of the covariance).
STRUCTURE = {
    "VVV": (False, "full"),
    "EEE": (True, "full"),
    "VVI": (False, "diag"),
    "EEI": (True, "diag"),
    "VII": (False, "spherical"),
    "EII": (True, "spherical"),
}


# mclust's nVarParams: free covariance parameters of each of the fourteen structures
# (d features, G components), Sigma_k = lambda_k D_k A_k D_k^T.
MCLUST_COVARIANCE_COUNT = {
    "EII": lambda d, G: 1,
    "VII": lambda d, G: G,
    "EEI": lambda d, G: d,
    "VEI": lambda d, G: G + (d - 1),
    "EVI": lambda d, G: 1 + G * (d - 1),
    "VVI": lambda d, G: G * d,
    "EEE": lambda d, G: d * (d + 1) // 2,
    "VEE": lambda d, G: G + (d + 2) * (d - 1) // 2,
    "EVE": lambda d, G: 1 + G * (d - 1) + d * (d - 1) // 2,
    "VVE": lambda d, G: G + G * (d - 1) + d * (d - 1) // 2,
    "EEV": lambda d, G: 1 + (d - 1) + G * d * (d - 1) // 2,
    "VEV": lambda d, G: G + (d - 1) + G * d * (d - 1) // 2,
    "EVV": lambda d, G: 1 + G * (d * (d + 1) // 2 - 1),
    "VVV": lambda d, G: G * d * (d + 1) // 2,
}

"""Facts the tests check emkit against, written out independently of emkit."""

# What each mclust name means: (shared across components?, shape of the covariance).
STRUCTURE = {
    "VVV": (False, "full"),
    "EEE": (True, "full"),
    "VVI": (False, "diag"),
    "EEI": (True, "diag"),
    "VII": (False, "spherical"),
    "EII": (True, "spherical"),
}

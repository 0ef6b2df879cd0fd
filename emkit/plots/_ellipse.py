"""Geometry of the ellipses drawn for location-scale components.

For a component with centre ``mu`` and 2x2 matrix ``S`` (covariance, or the
scale matrix of a Student-t), the points at Mahalanobis radius ``c``,

.. math:: (x - \\mu)^T S^{-1} (x - \\mu) = c^2,

form an ellipse whose semi-axes point along the eigenvectors ``v_j`` of ``S``
with lengths ``c \\sqrt{\\lambda_j}``. For a Gaussian, the ellipse holds a
fraction ``F_{\\chi^2_2}(c^2)`` of the (2-d marginal) mass;
:func:`radius_for_coverage` inverts that.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def ellipse_geometry(centre, matrix, radius: float = 2.0) -> tuple[np.ndarray, float, float, float]:
    """Centre, semi-axis lengths and angle of the ellipse at Mahalanobis ``radius``.

    Parameters
    ----------
    centre : array_like, shape (2,)
    matrix : array_like, shape (2, 2)
        Symmetric positive (semi-)definite matrix ``S``.
    radius : float, default 2.0
        Mahalanobis radius ``c``.

    Returns
    -------
    centre : ndarray, shape (2,)
    semi_major, semi_minor : float
        ``c * sqrt(lambda_max)`` and ``c * sqrt(lambda_min)``.
    angle : float
        Angle of the major axis from the first coordinate axis, in degrees, in ``(-90, 90]``.

    Examples
    --------
    >>> import numpy as np
    >>> c, a, b, angle = ellipse_geometry([0.0, 0.0], np.diag([1.0, 4.0]), radius=2.0)
    >>> round(a, 6), round(b, 6), round(angle, 6)
    (4.0, 2.0, 90.0)
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != (2, 2):
        raise ValueError(f"matrix must be 2x2, got shape {matrix.shape}")
    if radius <= 0:
        raise ValueError(f"radius must be positive, got {radius}")
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    values = np.clip(values, 0.0, None)
    major = vectors[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0])))
    if angle <= -90:
        angle += 180
    elif angle > 90:
        angle -= 180
    return np.asarray(centre, dtype=float), float(radius * np.sqrt(values[1])), float(radius * np.sqrt(values[0])), angle


def radius_for_coverage(probability: float) -> float:
    """Mahalanobis radius whose 2-d Gaussian ellipse holds ``probability`` of the mass: ``sqrt(chi2_2^{-1}(p))``.

    Examples
    --------
    >>> round(radius_for_coverage(0.95), 4)
    2.4477
    """
    if not 0 < probability < 1:
        raise ValueError(f"probability must be in (0, 1), got {probability}")
    return float(np.sqrt(stats.chi2.ppf(probability, df=2)))

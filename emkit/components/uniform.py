"""A uniform background ("noise") component over the data's bounding box.

Following mclust's noise component (Banfield & Raftery, 1993; Fraley &
Raftery, 2002, section 5), scattered observations that belong to no cluster
are modelled by a constant density over a region of volume ``V``::

    f(x) = 1 / V   inside the box [lower, upper],   0 outside,
    V = prod_j (upper_j - lower_j).

The box is the data's bounding box, optionally enlarged on every side by
``expand`` times the range of each feature. mclust's ``hypvol`` takes the
smaller of this axis-aligned box volume and that of the box around the
principal-component scores; emkit uses the axis-aligned box only.

Statistics and M-step
---------------------
The statistics are ``n = sum_i r_i`` and the elementwise minimum and maximum
of the rows seen (over *all* rows passed in, whatever their responsibility,
so that a hard initial partition still gives the data's box). Rows of zero
observation weight are not observations: the mixture leaves them out before
asking for statistics from initial responsibilities
(:meth:`~emkit.latent.mixture.FiniteMixture.stats_from_responsibilities`), so
they never move the box and an integer weight equals repeating the row.
Elementwise min and max are associative and commutative, so chunk statistics
combine in any order.

The first M-step (from an unfitted family, as at initialisation) sets the box
from those statistics; later M-steps keep it. This is an exact M-step: after
any E-step with components of positive density everywhere (Gaussians), every
observation has positive responsibility for the uniform component, and the
maximum-likelihood support of a uniform given data with positive weights is
their bounding box -- the box already held. With the box fixed the
component's part of the Q-function, ``-n log V``, does not depend on
anything the M-step changes, so EM stays monotone.

Parameter count
---------------
``n_params() = 1``: the hypervolume, as mclust counts it. mclust's
``nMclustParams`` adds 2 for a noise component (its mixing proportion and the
hypervolume) and counts 1 for a noise-only model; in emkit the proportion is
already counted by the mixture's ``K - 1`` weights, so the family adds 1.

References
----------
Banfield, J. D. & Raftery, A. E. (1993). Model-based Gaussian and
non-Gaussian clustering. Biometrics 49, 803-821.
Fraley, C. & Raftery, A. E. (2002). Model-based clustering, discriminant
analysis, and density estimation. JASA 97, 611-631.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .parametric import ParametricFamily
from .registry import register_family


@dataclass(frozen=True)
class BoxStats:
    """Weight of the uniform component and the bounding box of the rows seen.

    Attributes
    ----------
    weight : ndarray of shape (K,)
        ``n_k = sum_i r_ik``.
    lower, upper : ndarray of shape (d,)
        Elementwise minimum and maximum of the rows (``+inf``/``-inf`` for no rows).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.uniform import Uniform
    >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
    >>> fam = Uniform()
    >>> s = fam.stats(x[:1], np.ones((1, 1))) + fam.stats(x[1:], np.ones((2, 1)))
    >>> s.weight.tolist(), s.lower.tolist(), s.upper.tolist()
    ([3.0], [0.0, 1.0], [2.0, 5.0])
    """

    weight: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def __add__(self, other: "BoxStats") -> "BoxStats":
        if not isinstance(other, BoxStats):
            return NotImplemented
        return BoxStats(
            self.weight + other.weight, np.minimum(self.lower, other.lower), np.maximum(self.upper, other.upper)
        )

    def __mul__(self, factor: float) -> "BoxStats":
        """The weight multiplied by ``factor``; the box is unchanged.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.uniform import BoxStats
        >>> (BoxStats(np.array([4.0]), np.zeros(1), np.ones(1)) * 0.5).weight.tolist()
        [2.0]
        """
        return BoxStats(self.weight * factor, self.lower, self.upper)

    __rmul__ = __mul__

    def empty(self, relative: float = np.finfo(float).eps) -> np.ndarray:
        """Components whose weight is numerically zero.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.uniform import BoxStats
        >>> BoxStats(np.array([3.0]), np.zeros(1), np.ones(1)).empty().tolist()
        [False]
        >>> BoxStats(np.array([0.0]), np.zeros(1), np.ones(1)).empty().tolist()
        [True]
        """
        return self.weight <= relative * max(self.weight.sum(), 0.0)


@register_family
class Uniform(ParametricFamily):
    """A uniform noise component with density ``1 / V`` over the data's bounding box.

    Parameters
    ----------
    n_components : int, default 1
        Must be 1: several uniform components over the same box are not
        identifiable.
    expand : float, default 0.0
        Enlarge the box on each side by ``expand`` times each feature's range
        (0 keeps the bounding box, the maximum-likelihood support).

    Notes
    -----
    Parameters: ``lower(component, feature)`` and ``upper(component, feature)``.
    ``log f(x) = -sum_j log(upper_j - lower_j)`` inside the box and ``-inf``
    outside; training points are inside by construction. See the module
    documentation for the statistics, the fixed box and the parameter count.

    Examples
    --------
    Two Gaussian clusters plus scattered noise:

    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(0, 0.5, (200, 2)), rng.normal(5, 0.5, (200, 2)),
    ...                     rng.uniform(-5, 10, (40, 2))])
    >>> model = em.Mixture([em.Gaussian("full"), em.Gaussian("full"), em.Uniform()])
    >>> fit = model.fit(x, n_init=3, random_state=0)
    >>> labels = fit.predict(x).values
    >>> float(np.mean(labels[:400] != 2)) > 0.95, float(np.mean(labels[400:] == 2)) > 0.7
    (True, True)
    >>> fit.params.lower.sel(component=2).values.round(2).tolist() == x.min(axis=0).round(2).tolist()
    True
    """

    kind = "uniform"
    label = "uniform"
    param_dims = {"lower": ("feature",), "upper": ("feature",)}

    def __init__(self, n_components: int = 1, *, params: dict | None = None, expand: float = 0.0):
        super().__init__(n_components, params=params, expand=float(expand))
        if self.n_components != 1:
            raise ValueError(
                f"a Uniform family holds one component, got n_components={self.n_components}: "
                "several uniforms over the same box are not identifiable"
            )
        if not np.isfinite(self.options["expand"]) or self.options["expand"] < 0:
            raise ValueError(f"expand must be a finite non-negative number, got {expand}")

    def describe(self) -> str:
        """A short description for summaries.

        Examples
        --------
        >>> import emkit as em
        >>> em.Uniform().describe()
        '1 uniform (noise) component'
        """
        return "1 uniform (noise) component"

    def check_data(self, x):
        """Raise a ``ValueError`` if a feature of the data to fit is constant.

        A feature with zero range would give a box of zero volume. A fitted
        component evaluates any finite row (its density is 0 outside its
        box), so it accepts every ``x``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Uniform().check_data(np.array([[0.0, 5.0], [2.0, 1.0]]))
        >>> em.Uniform().check_data(np.array([[0.0, 5.0], [2.0, 5.0]]))
        Traceback (most recent call last):
        ...
        ValueError: a Uniform component needs every feature to vary: feature 1 is constant, so the bounding box has zero volume
        """
        if len(x) == 0 or self.is_fitted:
            return
        constant = np.flatnonzero(x.max(axis=0) == x.min(axis=0))
        if constant.size:
            raise ValueError(
                f"a Uniform component needs every feature to vary: feature {int(constant[0])} is constant, "
                "so the bounding box has zero volume"
            )

    @property
    def log_volume(self) -> float:
        """``log V = sum_j log(upper_j - lower_j)``."""
        return float(np.sum(np.log(self.params["upper"][0] - self.params["lower"][0])))

    def log_prob(self, x):
        """``-log V`` inside the box, ``-inf`` outside; shape (n, 1).

        Examples
        --------
        The box ``[0, 2] x [1, 5]`` has volume 8:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
        >>> fam = em.Uniform()
        >>> fitted = fam.m_step(fam.stats(x, np.ones((3, 1))))
        >>> lp = fitted.log_prob(np.array([[1.0, 2.0], [3.0, 2.0]]))
        >>> lp.shape, bool(np.isclose(lp[0, 0], -np.log(8.0))), float(lp[1, 0])
        ((2, 1), True, -inf)
        """
        inside = np.all((x >= self.params["lower"][0]) & (x <= self.params["upper"][0]), axis=1)
        return np.where(inside, -self.log_volume, -np.inf)[:, None]

    def stats(self, x, resp):
        """``n = sum_i r_i`` and the elementwise min/max of all rows of ``x``.

        The box covers every row, whatever its responsibility.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
        >>> fam = em.Uniform()
        >>> s = fam.stats(x, np.array([[1.0], [0.5], [0.0]]))
        >>> s.weight.tolist(), s.lower.tolist(), s.upper.tolist()
        ([1.5], [0.0, 1.0], [2.0, 5.0])
        """
        if len(x) == 0:
            d = x.shape[1]
            return BoxStats(resp.sum(axis=0), np.full(d, np.inf), np.full(d, -np.inf))
        return BoxStats(resp.sum(axis=0), x.min(axis=0), x.max(axis=0))

    def m_step(self, stats):
        """Box from the statistics on the first step (unfitted family); kept afterwards.

        Raises
        ------
        DegenerateComponentError
            If the box would have zero volume.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
        >>> fam = em.Uniform()
        >>> fitted = fam.m_step(fam.stats(x, np.ones((3, 1))))
        >>> fitted.params["lower"].tolist(), fitted.params["upper"].tolist()
        ([[0.0, 1.0]], [[2.0, 5.0]])

        Once fitted, the box no longer moves:

        >>> refit = fitted.m_step(fam.stats(x[:2] * 10, np.ones((2, 1))))
        >>> refit.params["upper"].tolist()
        [[2.0, 5.0]]

        With ``expand``, the box is enlarged by that fraction of each range:

        >>> wide = em.Uniform(expand=0.5)
        >>> wide.m_step(wide.stats(x, np.ones((3, 1)))).params["lower"].tolist()
        [[-1.0, -1.0]]
        """
        if self.is_fitted:
            return self.with_params(lower=self.params["lower"].copy(), upper=self.params["upper"].copy())
        lower, upper = stats.lower, stats.upper
        width = upper - lower
        if not np.all(np.isfinite(width)) or np.any(width <= 0):
            from ..exceptions import DegenerateComponentError

            raise DegenerateComponentError(
                "the uniform component's bounding box has zero volume: every feature must vary "
                f"(ranges {width.tolist()})"
            )
        pad = self.options["expand"] * width
        return self.with_params(lower=(lower - pad)[None, :], upper=(upper + pad)[None, :])

    def free_parameters(self) -> np.ndarray:
        """None: the box is fixed after the first M-step, not a regular likelihood parameter.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Uniform().with_params(lower=np.zeros((1, 1)), upper=np.ones((1, 1))).free_parameters().size
        0
        """
        return np.zeros(0)

    def with_free_parameters(self, vector: np.ndarray) -> "Uniform":
        """This family unchanged (it has no free parameters).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> u = em.Uniform().with_params(lower=np.zeros((1, 1)), upper=np.ones((1, 1)))
        >>> u.with_free_parameters(np.zeros(0)) is u
        True
        """
        return self

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """No bounds (there are no free parameters).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> u = em.Uniform().with_params(lower=np.zeros((1, 1)), upper=np.ones((1, 1)))
        >>> [bound.size for bound in u.free_parameter_bounds()]
        [0, 0]
        """
        return np.zeros(0), np.zeros(0)

    def n_params(self):
        """1: the hypervolume (mclust's count; the mixing weight is the mixture's).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
        >>> fam = em.Uniform()
        >>> fam.m_step(fam.stats(x, np.ones((3, 1)))).n_params()
        1
        """
        return 1

    def sample(self, component, rng):
        """Uniform draws in the box, one per entry of ``component``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
        >>> fam = em.Uniform()
        >>> fitted = fam.m_step(fam.stats(x, np.ones((3, 1))))
        >>> draws = fitted.sample(np.zeros(4, dtype=int), np.random.default_rng(0))
        >>> draws.shape, bool(np.all((draws >= [0.0, 1.0]) & (draws <= [2.0, 5.0])))
        ((4, 2), True)
        """
        n = len(np.asarray(component))
        lo, hi = self.params["lower"][0], self.params["upper"][0]
        return lo + (hi - lo) * rng.random((n, lo.size))

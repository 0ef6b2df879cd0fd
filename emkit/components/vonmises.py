"""Von Mises components for angles (radians), independent across features.

With mean direction ``mu_kj`` and concentration ``kappa_kj >= 0``::

    log f_k(x) = sum_j [kappa_kj cos(x_j - mu_kj) - log(2 pi) - log I0(kappa_kj)]

where ``log I0(kappa) = log(i0e(kappa)) + kappa`` (exponentially scaled Bessel
function, safe for large ``kappa``).

Statistics: ``n_k = sum_i r_ik``, ``C_k = sum_i r_ik cos x_i`` and
``S_k = sum_i r_ik sin x_i``. The weighted Q of one component and feature,
``kappa (C cos mu + S sin mu) - n log I0(kappa)``, is maximised by::

    mu = atan2(S, C),    A(kappa) = I1(kappa) / I0(kappa) = R_bar = sqrt(C^2 + S^2) / n

``A`` increases strictly from 0 to 1, so the root is unique (``kappa = 0``
when ``R_bar = 0``). It starts at the approximation of Banerjee, Dhillon,
Ghosh & Sra (2005), ``kappa0 = R_bar (2 - R_bar^2) / (1 - R_bar^2)``, and is
refined by Newton's method with ``A'(kappa) = 1 - A / kappa - A^2``, using
``scipy.special.i0e``/``i1e``, until the relative change is below 1e-12.
``A`` is concave, so after the first step the iterates increase monotonically
to the root.
"""

from __future__ import annotations

import numpy as np
from scipy.special import i0e, i1e

from ..exceptions import DegenerateComponentError
from ._support import reject_rows
from .base import Evaluation
from .missing import expected_sums, observed_and_filled
from .parametric import ParametricFamily, SumStats
from .registry import register_family

_LOG_2PI = np.log(2.0 * np.pi)
#: Relative tolerance of the concentration iteration.
KAPPA_RTOL = 1e-12
_MAX_ITER = 100


def _bessel_ratio(kappa: np.ndarray) -> np.ndarray:
    """``A(kappa) = I1(kappa) / I0(kappa)``."""
    return i1e(kappa) / i0e(kappa)


def vonmises_kappa(r_bar: np.ndarray) -> np.ndarray:
    """Solve ``I1(kappa) / I0(kappa) = r_bar`` for ``kappa`` (elementwise, ``0 <= r_bar < 1``).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import i0, i1
    >>> from emkit.components.vonmises import vonmises_kappa
    >>> kappa = vonmises_kappa(np.array([i1(3.0) / i0(3.0)]))
    >>> bool(np.isclose(kappa[0], 3.0, rtol=1e-12))
    True
    """
    r = np.asarray(r_bar, dtype=float)
    kappa = r * (2.0 - r * r) / (1.0 - r * r)
    for _ in range(_MAX_ITER):
        a = _bessel_ratio(kappa)
        positive = kappa > 1e-8
        over_kappa = np.where(positive, a / np.where(positive, kappa, 1.0), 0.5 - kappa * kappa / 16.0)
        slope = 1.0 - over_kappa - a * a
        new = np.maximum(kappa - (a - r) / slope, 0.0)
        done = np.abs(new - kappa) <= KAPPA_RTOL * new
        kappa = new
        if done.all():
            break
    return kappa


@register_family
class VonMises(ParametricFamily):
    """Von Mises components for angles in radians: ``mu`` and ``kappa`` per component and feature.

    Data must be finite angles in radians within ``[-2 pi, 2 pi]`` (so both
    the ``(-pi, pi]`` and ``[0, 2 pi)`` conventions work); larger values
    are rejected, as they usually mean degrees. ``mu`` is reported in
    ``(-pi, pi]``. A component whose angles in some feature all coincide
    (``R_bar = 1`` to rounding) has an unbounded concentration; the M-step
    then raises :class:`~emkit.exceptions.DegenerateComponentError`.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.vonmises(-2.0, 8.0, (1000, 1)), rng.vonmises(1.0, 2.0, (1000, 1))])
    >>> fit = em.Mixture(em.VonMises(), n_components=2).fit(x, n_init=3, random_state=0)
    >>> order = np.argsort(fit.params.mu.values[:, 0])
    >>> fit.params.mu.values[order, 0].round(1).tolist()
    [-2.0, 1.0]
    >>> (fit.params.kappa.values[order, 0] / np.array([8.0, 2.0])).round(1).tolist()
    [1.0, 1.0]
    """

    kind = "vonmises"
    label = "von Mises"
    param_dims = {"mu": ("feature",), "kappa": ("feature",)}
    param_bounds = {"kappa": (0.0, np.inf)}

    def check_data(self, x):
        """Every value must be a finite angle in radians within ``[-2 pi, 2 pi]``.

        Raises a ``ValueError`` naming the first bad row otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.VonMises().check_data(np.array([[-3.0], [6.0]]))
        >>> em.VonMises().check_data(np.array([[1.0], [90.0]]))
        Traceback (most recent call last):
        ...
        ValueError: von Mises components need finite angles in radians within [-2 pi, 2 pi] (degrees?); row 1 is [90.0] (1 bad row(s), rows counted from 0)
        """
        reject_rows(
            x,
            ~(np.abs(x) <= 2.0 * np.pi),
            "von Mises components need finite angles in radians within [-2 pi, 2 pi] (degrees?)",
        )

    def log_prob(self, x):
        """``sum_j kappa cos(x_j - mu) - log(2 pi) - log I0(kappa)``, shape (n, K).

        Examples
        --------
        Components pointing at ``pi / 4`` and ``-3 pi / 4``, evaluated at 0:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [np.pi / 2], [np.pi], [-np.pi / 2]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.VonMises(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(np.array([[0.0]])).round(3).tolist()
        [[-1.247, -4.158]]
        """
        mu, kappa = self.params["mu"], self.params["kappa"]
        out = np.cos(x) @ (kappa * np.cos(mu)).T + np.sin(x) @ (kappa * np.sin(mu)).T
        out -= (np.log(i0e(kappa)) + kappa + _LOG_2PI).sum(axis=1)
        return out

    def stats(self, x, resp):
        """``n_k``, ``sum_i r_ik cos x_i`` and ``sum_i r_ik sin x_i``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [np.pi / 2], [np.pi], [-np.pi / 2]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.VonMises(n_components=2)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.sums["cos"].round(6).tolist(), s.sums["sin"].round(6).tolist()
        ([2.0, 2.0], [[1.0], [-1.0]], [[1.0], [-1.0]])
        """
        return SumStats.of(resp, cos=resp.T @ np.cos(x), sin=resp.T @ np.sin(x))

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-density of the observed angles, and expected statistics.

        A missing angle drops out of the log-density; in the statistics it
        counts at its expectations under each component,
        ``E[cos x] = A(kappa) cos mu`` and ``E[sin x] = A(kappa) sin mu`` with
        ``A = I1 / I0`` (the E-step of the complete data; see
        docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy.stats import vonmises
        >>> fitted = em.VonMises().with_params(mu=[[0.5, 0.0]], kappa=[[2.0, 1e-9]])
        >>> ev = fitted.evaluate_observed(np.array([[1.0, np.nan]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], vonmises(2.0, loc=0.5).logpdf(1.0)))
        True
        >>> bool(np.allclose(ev.stats(np.ones((1, 1))).sums["cos"], [[np.cos(1.0), 0.0]]))
        True
        """
        observed, filled = observed_and_filled(x)
        mu, kappa = self.params["mu"], self.params["kappa"]
        cos, sin = np.where(observed, np.cos(filled), 0.0), np.sin(filled)
        log_prob = cos @ (kappa * np.cos(mu)).T + sin @ (kappa * np.sin(mu)).T
        log_prob -= observed @ (np.log(i0e(kappa)) + kappa + _LOG_2PI).T
        resultant = _bessel_ratio(kappa)

        def stats(resp):
            return SumStats.of(
                resp,
                cos=expected_sums(resp, cos, observed, resultant * np.cos(mu)),
                sin=expected_sums(resp, sin, observed, resultant * np.sin(mu)),
            )

        return Evaluation(log_prob, stats)

    def m_step(self, stats):
        """``mu = atan2(S, C)``; ``kappa`` solves ``I1(kappa)/I0(kappa) = |(C, S)| / n_k`` (Newton).

        Raises
        ------
        DegenerateComponentError
            If a component's angles in some feature all coincide.

        Examples
        --------
        Angles 0 and ``pi / 2`` have mean direction ``pi / 4``; ``pi`` and
        ``-pi / 2`` have ``-3 pi / 4``:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [np.pi / 2], [np.pi], [-np.pi / 2]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.VonMises(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> (fitted.params["mu"] / np.pi).round(4).tolist(), fitted.params["kappa"].round(4).tolist()
        ([[0.25], [-0.75]], [[2.0582], [2.0582]])

        Coinciding angles have an unbounded concentration:

        >>> em.VonMises().m_step(em.VonMises().stats(np.array([[1.0], [1.0]]), np.ones((2, 1))))
        Traceback (most recent call last):
        ...
        emkit.exceptions.DegenerateComponentError: von Mises component 0 has (numerically) no spread in feature 0: its concentration is unbounded
        """
        empty = stats.empty()
        c, s = stats.sums["cos"], stats.sums["sin"]
        mu = np.arctan2(s, c)
        mu = np.where(mu <= -np.pi, mu + 2.0 * np.pi, mu)
        r_bar = np.hypot(c, s) / np.where(empty, 1.0, stats.weight)[:, None]
        r_bar = np.where(empty[:, None], 0.0, np.minimum(r_bar, 1.0))
        collapsed = r_bar >= 1.0 - 4 * np.finfo(float).eps
        if collapsed.any():
            k, j = map(int, np.argwhere(collapsed)[0])
            raise DegenerateComponentError(
                f"von Mises component {k} has (numerically) no spread in feature {j}: its concentration is unbounded"
            )
        return self.with_params(**self.keep_empty({"mu": mu, "kappa": vonmises_kappa(r_bar)}, stats))

    def n_params(self):
        """A ``mu`` and a ``kappa`` per component and feature.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [np.pi / 2], [np.pi], [-np.pi / 2]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.VonMises(n_components=2)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        4
        """
        return int(self.params["mu"].size + self.params["kappa"].size)

    def sample(self, component, rng):
        """Von Mises draws in ``[-pi, pi]`` with the parameters of ``component[i]`` in row i.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0], [np.pi / 2], [np.pi], [-np.pi / 2]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.VonMises(n_components=2)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0))
        >>> draws.shape, bool((np.abs(draws) <= np.pi).all())
        ((3, 1), True)
        """
        k = np.asarray(component, dtype=int)
        return rng.vonmises(self.params["mu"][k], self.params["kappa"][k])

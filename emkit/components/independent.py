"""Products of families over disjoint column groups, for mixed data.

``em.Independent({"height": em.Gaussian(), ("visits", "calls"): em.Poisson(),
"colour": em.Categorical()})`` makes each component a product of its parts::

    log f_k(x) = sum_parts log f_k^part(x[columns of part])

so the statistics are the parts' statistics side by side, and the M-step is
each part's own M-step. Every other piece of the family protocol is composed
from the parts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .._input import close_match_hint
from .base import (
    Evaluation,
    bind_family,
    declared_init,
    evaluate,
    family_degenerate_components,
)
from .capabilities import check_data, declared, description, log_prior_of, working_floats
from .categorical import common_categories
from .missing import evaluate_with_missing
from .parametric import check_n_components
from .registry import family_from_spec, register_family


@dataclass(frozen=True)
class ProductStats:
    """The statistics of each part, added part by part.

    Attributes
    ----------
    parts : tuple
        One statistics value per part, in the order of the parts.

    Examples
    --------
    >>> import numpy as np, emkit as em
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
    >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
    >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
    >>> s = fam.stats(x[:2], resp[:2]) + fam.stats(x[2:], resp[2:])
    >>> len(s.parts), s.parts[1].sums["counts"].tolist()
    (2, [[4.0], [12.0]])
    """

    parts: tuple

    def __add__(self, other: "ProductStats") -> "ProductStats":
        if not isinstance(other, ProductStats):
            return NotImplemented
        return ProductStats(tuple(a + b for a, b in zip(self.parts, other.parts)))

    def __mul__(self, factor: float) -> "ProductStats":
        """Every part's statistics multiplied by ``factor``.

        Examples
        --------
        >>> import numpy as np
        >>> from emkit.components.independent import ProductStats
        >>> from emkit.components.parametric import SumStats
        >>> (ProductStats((SumStats(np.array([2.0])),)) * 3.0).parts[0].weight.tolist()
        [6.0]
        """
        return ProductStats(tuple(part * factor for part in self.parts))

    __rmul__ = __mul__


@register_family
class Independent:
    """Components whose column groups are independent, each modelled by its own family.

    Parameters
    ----------
    parts : dict
        Column name (or tuple of names) -> family template. For numpy input,
        columns are integer positions. Every column not named is ignored.
    n_components : int, default 1

    Results: each part's variables over its own features (NaN elsewhere);
    ``n_params`` is the parts' sum. Categorical parts share one ``category``
    coordinate, text as soon as one part's categories are text
    (:func:`~emkit.components.categorical.common_categories`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, emkit as em
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"height": np.r_[rng.normal(160, 5, 200), rng.normal(180, 5, 200)],
    ...                    "visits": np.r_[rng.poisson(2, 200), rng.poisson(9, 200)]})
    >>> model = em.Mixture(em.Independent({"height": em.Gaussian(), "visits": em.Poisson()}), n_components=2)
    >>> fit = model.fit(df, n_init=3, random_state=0)
    >>> sorted(fit.params.rate.sel(feature="visits").round().values.tolist())
    [2.0, 9.0]
    """

    kind = "independent"

    def __init__(self, parts: dict, n_components: int = 1, *, _columns=None):
        if not isinstance(parts, dict) or not parts:
            raise TypeError("Independent needs a non-empty dict: column name(s) -> family")
        self.n_components = check_n_components(n_components)
        self.keys = [key if isinstance(key, tuple) else (key,) for key in parts]
        seen = [c for key in self.keys for c in key]
        if len(seen) != len(set(seen)):
            raise ValueError("a column appears in more than one part of Independent")
        for key, family in parts.items():
            if not hasattr(family, "with_components"):
                raise TypeError(
                    f"Independent maps column name(s) to a family; {key!r} maps to a {type(family).__name__}"
                )
        self.parts = [family.with_components(self.n_components) for family in parts.values()]
        self._columns = _columns  # column indices per part, set by bind
        self._width = None  # number of data columns, set by bind

    def __repr__(self) -> str:
        inner = ", ".join(f"{k if len(k) > 1 else k[0]!r}: {p!r}" for k, p in zip(self.keys, self.parts))
        return f"Independent({{{inner}}}, n_components={self.n_components})"

    def describe(self) -> str:
        """A short description for summaries.

        Examples
        --------
        >>> import emkit as em
        >>> em.Independent({"h": em.Gaussian(), "v": em.Poisson()}, n_components=2).describe()
        '2 independent-parts components (h: 2 Gaussian components, covariance VVV (full); v: 2 Poisson components)'
        """
        inner = "; ".join(f"{', '.join(map(str, k))}: {description(p)}" for k, p in zip(self.keys, self.parts))
        return f"{self.n_components} independent-parts components ({inner})"

    @property
    def used_columns(self) -> tuple:
        """The columns the parts name, in the order declared: a fit reads only these.

        Examples
        --------
        >>> import emkit as em
        >>> em.Independent({"h": em.Gaussian(), ("a", "b"): em.Poisson()}).used_columns
        ('h', 'a', 'b')
        """
        return tuple(column for key in self.keys for column in key)

    @property
    def accepts_categorical(self) -> bool:
        """Whether a part takes category codes."""
        return any(declared(p, "accepts_categorical") for p in self.parts)

    @property
    def default_init(self) -> str:
        """The initialisation that suits all parts (:func:`~emkit.components.base.declared_init`).

        Examples
        --------
        >>> import emkit as em
        >>> em.Independent({"h": em.Gaussian(), "colour": em.Categorical()}).default_init
        'short_em'
        """
        return declared_init(self.parts)

    @property
    def is_fitted(self) -> bool:
        return all(p.is_fitted for p in self.parts)

    def _rebuilt(self, parts, columns=None) -> "Independent":
        new = Independent(dict(zip(self.keys, parts)), self.n_components, _columns=columns or self._columns)
        new.parts = list(parts)  # keep fitted parts as they are
        new._width = self._width
        return new

    def with_components(self, n_components: int) -> "Independent":
        """An unfitted copy with ``n_components`` components in every part.

        Examples
        --------
        >>> import emkit as em
        >>> em.Independent({"h": em.Gaussian(), "v": em.Poisson()}).with_components(3)
        Independent({'h': Gaussian(covariance='VVV', n_components=3, reg_covar=1e-06), 'v': Poisson(n_components=3)}, n_components=3)
        """
        new = Independent(dict(zip(self.keys, self.parts)), n_components, _columns=self._columns)
        new._width = self._width
        return new

    # -- binding to the data's columns -----------------------------------------------
    def bind(self, features, categories=None, data=None) -> "Independent":
        """Resolve column names to positions and bind each part to its columns.

        Parts with a ``bind`` hook (such as :class:`~emkit.Categorical`) are
        bound to their own columns.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Independent({"v": em.Poisson(), "h": em.Gaussian()})
        >>> [idx.tolist() for idx in fam.bind(["h", "v"]).columns]
        [[1], [0]]
        >>> fam.bind(["a", "b"])
        Traceback (most recent call last):
        ...
        ValueError: Independent: no column 'v' in the data (columns: a, b)
        """
        names = [str(f) for f in features]
        columns = []
        for key in self.keys:
            idx = []
            for column in key:
                if str(column) in names:
                    idx.append(names.index(str(column)))
                elif isinstance(column, (int, np.integer)) and 0 <= column < len(names):
                    idx.append(int(column))
                else:
                    raise ValueError(
                        f"Independent: no column {column!r} in the data{close_match_hint(column, names)} "
                        f"(columns: {', '.join(names)})"
                    )
            columns.append(np.array(idx))
        bound = [
            bind_family(part, np.asarray(features)[idx], categories, None if data is None else data[:, idx])
            for part, idx in zip(self.parts, columns)
        ]
        new = self._rebuilt(bound, columns)
        new._width = len(names)
        return new

    @property
    def columns(self) -> list[np.ndarray]:
        if self._columns is None:
            raise ValueError("Independent components are not bound to data columns yet")
        return self._columns

    def check_data(self, x):
        """Check each part's columns with that part's ``check_data``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fam.check_data(x)
        >>> fam.check_data(np.array([[0.0, 1.5]]))
        Traceback (most recent call last):
        ...
        ValueError: Poisson components need non-negative integer counts; row 0 is [1.5]
        """
        for part, idx in zip(self.parts, self.columns):
            check_data(part, x[:, idx])

    # -- the protocol ----------------------------------------------------------------
    def evaluate(self, x) -> Evaluation:
        """Sum of the parts' log-densities; statistics part by part.

        Returns
        -------
        Evaluation
            The log-densities, shape (n, K), and a ``stats(resp)`` callable
            returning :class:`ProductStats`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> ev = fitted.evaluate(x)
        >>> bool(np.allclose(ev.log_prob, fitted.log_prob(x)))
        True
        >>> ev.stats(resp).parts[1].sums["counts"].tolist()
        [[4.0], [12.0]]
        """
        evaluations = [evaluate(p, x[:, idx]) for p, idx in zip(self.parts, self.columns)]
        log_prob = sum(e.log_prob for e in evaluations)
        return Evaluation(log_prob, lambda resp: ProductStats(tuple(e.stats(resp) for e in evaluations)))

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: each part marginalises its own missing entries, by its own rule.

        A part whose columns are all missing in a row adds nothing to its
        log-density; a part that cannot marginalise raises a ``TypeError``
        naming it.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> fam = em.Independent({"h": em.Gaussian(), "v": em.Poisson()}, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, np.eye(2)[[0, 0, 1, 1]]))
        >>> ev = fitted.evaluate_observed(np.array([[1.0, np.nan]]))
        >>> bool(np.allclose(ev.log_prob, fitted.parts[0].log_prob(np.array([[1.0]]))))
        True
        """
        evaluations = [evaluate_with_missing(p, x[:, idx]) for p, idx in zip(self.parts, self.columns)]
        log_prob = sum(e.log_prob for e in evaluations)
        return Evaluation(log_prob, lambda resp: ProductStats(tuple(e.stats(resp) for e in evaluations)))

    def log_prob(self, x):
        """Sum of the parts' log-densities, shape (n, K).

        Examples
        --------
        Each part's log-densities on its own columns add up:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(x).round(3).tolist()
        [[-2.726, -65.627], [-3.131, -43.835], [-44.741, -3.248], [-67.092, -3.402]]
        >>> h, v = fitted.parts
        >>> bool(np.allclose(fitted.log_prob(x), h.log_prob(x[:, :1]) + v.log_prob(x[:, 1:])))
        True
        """
        return self.evaluate(x).log_prob

    def stats(self, x, resp):
        """Each part's statistics of its own columns, as :class:`ProductStats`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> s = fam.stats(x, resp)
        >>> s.parts[0].mean.tolist(), s.parts[1].sums["counts"].tolist()
        ([[1.0], [11.0]], [[4.0], [12.0]])
        """
        return ProductStats(tuple(p.stats(x[:, idx], resp) for p, idx in zip(self.parts, self.columns)))

    def m_step(self, stats: ProductStats) -> "Independent":
        """A new fitted family whose parts are the parts' own M-steps.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.is_fitted, fitted.parts[0].means.tolist(), fitted.parts[1].params["rate"].tolist()
        (True, [[1.0], [11.0]], [[2.0], [6.0]])
        """
        return self._rebuilt([p.m_step(s) for p, s in zip(self.parts, stats.parts)])

    def log_prior(self, stats: ProductStats | None = None) -> float:
        """The sum of the parts' log prior densities (0 for a part without a prior).

        Parameters
        ----------
        stats : ProductStats, optional
            An E-step's statistics, each part's passed on to it (see
            :func:`~emkit.components.capabilities.log_prior_of`).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> from scipy import stats
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.eye(2)[[0, 0, 1, 1]]
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson(prior=em.GammaPrior(2.0, 1.0))}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> rates = fitted.parts[1].params["rate"].ravel()  # (sum + 1) / (n_k + 1)
        >>> bool(np.isclose(fitted.log_prior(), stats.gamma(2.0).logpdf(rates).sum()))
        True
        """
        part_stats = [None] * len(self.parts) if stats is None else stats.parts
        return sum(log_prior_of(p, s) for p, s in zip(self.parts, part_stats))

    def free_parameters(self) -> np.ndarray:
        """The parts' free parameters, one after the other.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Independent({0: em.Poisson(), 1: em.Poisson()}, 1).bind(np.array([0, 1]))
        >>> fam.m_step(fam.stats(np.array([[2.0, 3.0]]), np.ones((1, 1)))).free_parameters().tolist()
        [2.0, 3.0]
        """
        return np.concatenate([part.free_parameters() for part in self.parts])

    def with_free_parameters(self, vector: np.ndarray) -> "Independent":
        """A fitted copy whose parts hold their slices of ``vector``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Independent({0: em.Poisson(), 1: em.Poisson()}, 1).bind(np.array([0, 1]))
        >>> fam = fam.m_step(fam.stats(np.array([[2.0, 3.0]]), np.ones((1, 1))))
        >>> fam.with_free_parameters(np.array([5.0, 6.0])).free_parameters().tolist()
        [5.0, 6.0]
        """
        parts, start = [], 0
        for part in self.parts:
            size = part.free_parameters().size
            parts.append(part.with_free_parameters(vector[start: start + size]))
            start += size
        return self._rebuilt(parts)

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Every part's bounds, in the order of :meth:`free_parameters`.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Independent({0: em.Gaussian("diag"), 1: em.Poisson()}).bind(np.array([0, 1]))
        >>> fam = fam.m_step(fam.stats(np.array([[2.0, 3.0], [4.0, 5.0]]), np.ones((2, 1))))
        >>> [bound.tolist() for bound in fam.free_parameter_bounds()]
        [[-inf, 1e-06, 0.0], [inf, inf, inf]]
        """
        bounds = [part.free_parameter_bounds() for part in self.parts]
        return tuple(np.concatenate([b[side] for b in bounds]) for side in (0, 1))

    def n_params(self) -> int:
        """The parts' numbers of free parameters, summed.

        Examples
        --------
        Two means and two variances, plus two rates:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.n_params()
        6
        """
        return int(sum(p.n_params() for p in self.parts))

    def degenerate_components(self, counts: np.ndarray) -> dict[int, str]:
        """Components degenerate in some part, by that part's rules.

        Each part judges its own columns (:func:`~emkit.components.base.family_degenerate_components`):
        its count rule ``n_k m_j < p_j`` (``m_j`` values per row, ``p_j``
        free parameters per component of part j), and any rule of its own (a
        collapsed scale); the reasons name the part's columns. The count rule
        over the whole component, ``n_k sum_j m_j < sum_j p_j``, adds nothing:
        a component that no part flags has ``n_k m_j >= p_j`` for every part,
        and so for their sums.

        Parameters
        ----------
        counts : ndarray of shape (K,)
            Effective sample sizes ``n_k = sum_i r_ik``.

        Returns
        -------
        dict
            ``{component: reason}``.

        Examples
        --------
        Component 1 has 1.5 observations for its Gaussian part's two
        parameters (a mean and a variance); its Poisson part's one rate is
        identified:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [1.0, 2.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.eye(2)[[0, 0, 0, 1, 1]]
        >>> fam = em.Independent({"h": em.Gaussian(), "v": em.Poisson()}, n_components=2).bind(["h", "v"], data=x)
        >>> fam.m_step(fam.stats(x, resp)).degenerate_components(np.array([3.0, 1.5]))
        {1: 'effective sample size 1.5 x 1 value(s) per row is below its 2 free parameter(s) (columns h)'}
        """
        reasons: dict[int, str] = {}
        for key, part in zip(self.keys, self.parts):
            for k, reason in family_degenerate_components(part, counts).items():
                reasons.setdefault(k, f"{reason} (columns {', '.join(map(str, key))})")
        return dict(sorted(reasons.items()))

    def working_floats_per_row(self, n_features: int) -> int:
        """Floats of working memory per data row, summed over the parts.

        A part without its own ``working_floats_per_row`` counts ``K`` floats
        per column.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fam.working_floats_per_row(2)
        10
        """
        return sum(working_floats(part, len(idx)) for part, idx in zip(self.parts, self.columns))

    def sample(self, component, rng):
        """One draw per row from component ``component[i]``, each part filling its columns.

        Columns that no part models are NaN.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> draws = fitted.sample(np.array([0, 1, 1]), np.random.default_rng(0))
        >>> draws.shape, bool(np.all(draws[:, 1] == np.round(draws[:, 1])))
        ((3, 2), True)
        """
        component = np.asarray(component, dtype=int)
        out = np.full((len(component), self._width), np.nan)
        for part, idx in zip(self.parts, self.columns):
            out[:, idx] = part.sample(component, rng)
        return out

    # -- results -----------------------------------------------------------------------
    def to_dataset(self, features) -> xr.Dataset:
        """The parts' variables merged over all features (NaN outside each part's columns).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> params = fitted.to_dataset(np.array(["h", "v"]))
        >>> sorted(params.data_vars)
        ['covariances', 'means', 'rate']
        >>> params.rate.values.tolist()
        [[nan, 2.0], [nan, 6.0]]
        """
        features = np.asarray(features)
        datasets, categories = common_categories([p.to_dataset(features[idx]) for p, idx in zip(self.parts, self.columns)])
        merged = xr.merge(datasets, compat="no_conflicts", join="outer", combine_attrs="drop_conflicts")
        indexers = {"feature": features, "feature2": features, "category": categories}
        return merged.reindex({dim: index for dim, index in indexers.items() if dim in merged.dims})

    def from_dataset(self, params: xr.Dataset, weights) -> "Independent":
        """A fitted copy, each part taking its variables over its own columns.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0], [10.0, 5.0], [12.0, 7.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> parts = {"h": em.Gaussian(), "v": em.Poisson()}
        >>> fam = em.Independent(parts, n_components=2).bind(["h", "v"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> params = fitted.to_dataset(np.array(["h", "v"]))
        >>> copy = fam.from_dataset(params, np.array([0.5, 0.5]))
        >>> copy.parts[0].means.tolist(), copy.parts[1].params["rate"].tolist()
        ([[1.0], [11.0]], [[2.0], [6.0]])
        """
        features = params["feature"].values
        parts = []
        for part, idx in zip(self.parts, self.columns):
            own = params.sel(feature=features[idx])
            if "feature2" in own.dims:
                own = own.sel(feature2=features[idx])
            own = own.drop_vars([v for v in own.data_vars if own[v].isnull().all()])
            parts.append(part.from_dataset(own, weights))
        return self._rebuilt(parts)

    def spec(self) -> dict:
        """JSON-serialisable description: the parts' columns and specs.

        Examples
        --------
        >>> import emkit as em
        >>> spec = em.Independent({"h": em.Gaussian(), "v": em.Poisson()}).spec()
        >>> spec["kind"], spec["parts"][1]
        ('independent', [['v'], {'kind': 'poisson', 'n_components': 1}])
        """
        return {
            "kind": self.kind,
            "n_components": self.n_components,
            "parts": [[list(map(_json_key, key)), part.spec()] for key, part in zip(self.keys, self.parts)],
        }

    @classmethod
    def from_spec(cls, spec: dict) -> "Independent":
        """Inverse of :meth:`spec`.

        Examples
        --------
        >>> import emkit as em
        >>> fam = em.Independent({"h": em.Gaussian(), ("a", "b"): em.Poisson()}, n_components=2)
        >>> em.Independent.from_spec(fam.spec())
        Independent({'h': Gaussian(covariance='VVV', n_components=2, reg_covar=1e-06), ('a', 'b'): Poisson(n_components=2)}, n_components=2)
        """
        parts = {tuple(key) if len(key) > 1 else key[0]: family_from_spec(s) for key, s in spec["parts"]}
        return cls(parts, spec["n_components"])


def _json_key(column):
    return int(column) if isinstance(column, (int, np.integer)) else str(column)

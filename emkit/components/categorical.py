"""Categorical components for columns of categories, independent across columns.

Column j takes one of ``C_j`` categories. Component k gives category c of
column j probability ``p_kjc``::

    log f_k(x) = sum_j log p_{k, j, c_j(x_ij)}

where ``c_j(v)`` is the position of the value ``v`` among column j's
categories. Statistics: ``n_k`` and the weighted counts
``N_kjc = sum_i r_ik [c_j(x_ij) = c]``; M-step ``p_kjc = N_kjc / n_k`` (the
weighted category frequencies).

Categories are values, not a range of codes. A column's categories are:

* numeric columns: the distinct values in the training data, in increasing
  order (survey codes 1..7 are seven categories; 10, 20, 30 or 2.5 are
  categories as they are); boolean columns are the numbers 0 and 1;
* pandas categorical, string and object columns: encoded by the mixture
  before fitting; the family receives their labels (see
  ``emkit._input._encode_categories``) and the positions ``0 .. C_j - 1``;
* with ``n_categories=C``: the integer codes ``0 .. C - 1``, whether or not
  all occur in the data.

A declared category that no fitted row takes (an unused pandas category, a
code of ``n_categories`` not seen) stays in the results with probability 0;
it is not estimated (0 is the maximum of the likelihood, on the bound), so
it is not a free parameter and does not count in ``n_params``.

A value is mapped to its category by an exact-match lookup among the
column's category values (a table over their range for whole numbers in a
short range, binary search otherwise), never used as an index. A value that is not a category of
its column (unseen at fit time, -1, a code ``>= C``, a non-integer) is a
``ValueError`` naming the row and the column, at fit, predict or score time.
A column may have at most ``max_categories`` (default
:data:`MAX_CATEGORIES`) categories; more is a ``ValueError`` raised before
anything of that size is allocated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .base import Evaluation
from .missing import observed_and_filled
from .parametric import (
    ParametricFamily, SumStats, check_finite_parameter, log_probability, simplex_from_free, simplex_to_free,
)
from .priors import DirichletPrior, declared_prior, dirichlet_log_density, map_probabilities
from .registry import register_family

#: Most categories a column may have by default (``max_categories``).
MAX_CATEGORIES = 10_000


@register_family
class Categorical(ParametricFamily):
    """Categorical components, one probability vector per component and column.

    Parameters
    ----------
    n_components : int, default 1
    n_categories : int or list of (int or None), optional
        Read a column as integer codes ``0 .. C - 1`` (``C`` categories, some
        possibly absent from the data) instead of taking its categories from
        the values it holds. One int applies to every numeric column; a list
        gives one entry per column, None keeping a column's observed values.
        Columns the mixture encodes from pandas keep their own labels.
    max_categories : int, default 10_000
        Most categories a column may have; a column with more distinct
        values (a continuous or identifier column given by mistake), or an
        ``n_categories`` above it, is a ``ValueError``.
    labels, features : list, optional
        Each column's categories and the columns' names, set by :meth:`bind`
        from the data and saved with a fit; not meant to be given by hand.
    prior : DirichletPrior, optional
        A symmetric Dirichlet prior ``Dir(a, ..., a)`` on each component's
        probabilities of each column: the M-step is then the posterior mode
        ``p_kjc = (N_kjc + a - 1) / (n_k + C_j (a - 1))``, never 0 when
        ``a > 1`` (latent class analysis without boundary estimates; every
        declared category is then estimated), and EM climbs the
        log-likelihood plus :meth:`log_prior`.

    Categories are the values a column holds, not a range of codes: integer
    survey codes 1..7 are seven categories, and 10, 20, 30 or 2.5 are
    categories as they are. pandas categorical columns keep their categories
    in their declared order, including categories absent from the data: such
    a category is shown with probability 0 and, like a code of
    ``n_categories`` that no row takes, is not a free parameter (no fitted
    row informs it: its probability is 0 at the maximum of the likelihood,
    on its bound, not estimated), so ``n_params`` and the information
    criteria equal those of the same data as strings. String and
    object columns take their sorted distinct values; boolean columns are the
    numbers 0 and 1. A value that is not one of its column's categories, at
    fit or predict time, is a ``ValueError`` naming the row and the column.

    Results hold ``probs(component, feature, category)``, with ``category``
    the union of all columns' categories: numbers (in increasing order) when
    every column is numeric, otherwise text (the numbers first, then each
    column's labels in their order). A category that a column does not have is NaN in that column. A
    probability estimated as 0 makes its category impossible under that
    component (log-density ``-inf``): the other components share such rows,
    and a row that no component can emit is refused
    (:class:`~emkit.exceptions.NonFiniteDensityError`). A fit shows them per feature as poLCA's item-response
    table (``fit.item_response_table()``, :func:`item_response_table`,
    printed by ``summary_text``) and profile plot (``em.plot.plot_profile``);
    columns given as labels are sampled as labels (``fit.sample``).

    Examples
    --------
    >>> import pandas as pd, emkit as em
    >>> df = pd.DataFrame({"colour": ["red"] * 40 + ["blue"] * 40 + ["green"] * 20})
    >>> fit = em.Mixture(em.Categorical(), n_components=1).fit(df)
    >>> fit.params.probs.sel(feature="colour").squeeze().to_series().round(2).to_dict()
    {'blue': 0.4, 'green': 0.2, 'red': 0.4}

    Survey codes 1..5 are five categories (four free probabilities), not six:

    >>> survey = pd.DataFrame({"answer": [1, 2, 2, 3, 3, 3, 4, 5] * 5})
    >>> fit = em.Mixture(em.Categorical(), n_components=1).fit(survey)
    >>> fit.params.category.values.tolist(), fit.n_params
    ([1, 2, 3, 4, 5], 4)
    """

    kind = "categorical"
    label = "categorical"
    param_dims = {"probs": ("feature", "category")}
    accepts_categorical = True
    default_init = "short_em"  # k-means++ distances between category codes mean nothing

    def __init__(
        self, n_components: int = 1, *, params=None, n_categories=None, max_categories: int = MAX_CATEGORIES,
        labels=None, features=None, prior=None,
    ):
        max_categories = _positive_int("max_categories", max_categories)
        prior = declared_prior(DirichletPrior, prior)
        super().__init__(
            n_components, params=params, n_categories=_checked_n_categories(n_categories, max_categories),
            max_categories=max_categories, labels=labels, features=features,
            **({} if prior is None else {"prior": prior.spec()}),
        )

    @property
    def prior(self) -> DirichletPrior | None:
        """The Dirichlet prior of the probabilities, or None.

        Examples
        --------
        >>> import emkit as em
        >>> em.Categorical(prior=em.DirichletPrior(1.5)).prior
        DirichletPrior(concentration=1.5)
        """
        return declared_prior(DirichletPrior, self.options.get("prior"))

    def log_prior(self, stats=None) -> float:
        """``sum_kj log Dir(p_kj | a)`` over each component's probabilities of each column; 0 without a prior.

        ``stats`` is not used: the prior has no data-dependent defaults.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(1, prior=em.DirichletPrior(2.0)).bind(["c"], data=np.array([[0.0], [1.0]]))
        >>> bool(np.isclose(fam.with_params(probs=[[[0.25, 0.75]]]).log_prior(), np.log(6 * 0.25 * 0.75)))
        True
        """
        prior = self.prior
        if prior is None:
            return 0.0
        probs = self.params["probs"]
        return sum(
            dirichlet_log_density(probs[:, j, :size], np.full(size, prior.concentration))
            for j, size in enumerate(self._sizes())
        )

    def bind(self, features, categories=None, data=None) -> "Categorical":
        """Fix each column's categories from the data, unless already bound.

        Column by column: the labels in ``categories`` (feature name ->
        labels of a column the mixture encoded from pandas), else the codes
        ``0 .. C - 1`` of ``n_categories``, else the distinct values of the
        column of ``data``, in increasing order.

        Raises
        ------
        ValueError
            If a column has more than ``max_categories`` categories, or
            neither data nor ``n_categories`` gives its categories.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Categorical().bind(["a", "b"], data=np.array([[1.0, 10.0], [7.0, 2.5]])).options["labels"]
        [[1, 7], [2.5, 10.0]]
        >>> em.Categorical(n_categories=4).bind(["a"]).options["labels"]
        [[0, 1, 2, 3]]
        >>> em.Categorical().bind(["colour"], categories={"colour": ["blue", "red"]}).options["labels"]
        [['blue', 'red']]
        >>> em.Categorical(max_categories=3).bind(["id"], data=np.arange(5.0)[:, None])
        Traceback (most recent call last):
        ...
        ValueError: Categorical column 'id' has 5 distinct values, more than max_categories=3
        >>> em.Categorical().bind(["a"])
        Traceback (most recent call last):
        ...
        ValueError: Categorical components need data or n_categories to find the categories of column 'a'
        """
        if self.options["labels"] is not None:
            return type(self)(self.n_components, **self.options)
        names = [str(name) for name in features]
        categories = categories or {}
        counts = self._counts_per_column(len(names))
        labels = []
        for j, name in enumerate(names):
            if name in categories:
                labels.append([str(v) for v in categories[name]])
            elif counts[j] is not None:
                labels.append(list(range(counts[j])))
            elif data is not None and len(data):
                labels.append(_observed_labels(data[:, j]))
            else:
                raise ValueError(f"Categorical components need data or n_categories to find the categories of column {name!r}")
            _check_size(len(labels[-1]), self.options["max_categories"], name)
        return type(self)(self.n_components, **{**self.options, "labels": labels, "features": names})

    def _counts_per_column(self, n_columns: int) -> list:
        """``n_categories`` as one entry (an int or None) per column."""
        given = self.options["n_categories"]
        if not isinstance(given, list):
            return [given] * n_columns
        if len(given) != n_columns:
            raise ValueError(f"n_categories has {len(given)} entries for {n_columns} columns")
        return given

    # -- sizes and labels ----------------------------------------------------------
    def _labels(self) -> list[list]:
        labels = self.options["labels"]
        if labels is None:
            raise ValueError("Categorical components are not bound to data yet (no category labels)")
        return labels

    def _sizes(self) -> np.ndarray:
        return np.array([len(lab) for lab in self._labels()])

    def _column_name(self, j: int) -> str:
        features = self.options["features"]
        return repr(features[j]) if features is not None else str(j)

    def category_indices(self, x) -> np.ndarray:
        """Each value's position among its column's categories, shape (n, d), int.

        Raises
        ------
        ValueError
            Naming the first row and column whose value is not a category.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical().bind(["a"], data=np.array([[10.0], [30.0], [20.0]]))
        >>> fam.category_indices(np.array([[30.0], [10.0]])).tolist()
        [[2], [0]]
        >>> fam.category_indices(np.array([[10.0], [25.0]]))
        Traceback (most recent call last):
        ...
        ValueError: Categorical row 1, column 'a': 25.0 is not one of the column's 3 categories (10 .. 30)
        """
        labels = self._labels()
        if np.shape(x)[1] != len(labels):
            raise ValueError(f"Categorical components are bound to {len(labels)} column(s), the data have {np.shape(x)[1]}")
        columns = np.ascontiguousarray(np.asarray(x).T)  # one copy; then every column is contiguous
        indices = np.stack([_positions(column, category_values(lab)) for column, lab in zip(columns, labels)])
        if np.any(indices < 0):
            self._raise_not_a_category(x, indices.T)
        return indices.T  # (n, d), each column contiguous

    def _raise_not_a_category(self, x, indices) -> None:
        """The ``ValueError`` naming the first row (then column) whose value is not a category."""
        row, j = np.argwhere(indices < 0)[0]
        lab = self._labels()[j]
        shown = f"{lab[0]!r} .. {lab[-1]!r}" if all(map(_is_number, lab)) else f"codes 0 .. {len(lab) - 1}"
        raise ValueError(
            f"Categorical row {row}, column {self._column_name(j)}: {float(x[row, j])!r} is not one of "
            f"the column's {len(lab)} categories ({shown})"
        )

    def check_data(self, x):
        """Every value must be one of its column's categories (a code below ``n_categories`` until bound).

        Raises a ``ValueError`` naming the first bad row and column otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(n_categories=[3, 2]).bind(["a", "b"])
        >>> fam.check_data(np.array([[2.0, 1.0]]))
        >>> fam.check_data(np.array([[0.0, 1.5]]))
        Traceback (most recent call last):
        ...
        ValueError: Categorical row 0, column 'b': 1.5 is not one of the column's 2 categories (0 .. 1)
        >>> fam.check_data(np.array([[-1.0, 0.0]]))
        Traceback (most recent call last):
        ...
        ValueError: Categorical row 0, column 'a': -1.0 is not one of the column's 3 categories (0 .. 2)
        >>> em.Categorical().check_data(np.array([[7.0, 2.5]]))  # unbound: any value may be a category
        """
        if self.options["labels"] is not None:
            self.category_indices(x)
        elif self.options["n_categories"] is not None:
            self.bind(list(range(x.shape[1])), data=x).category_indices(x)

    # -- the maths ---------------------------------------------------------------------
    def log_prob(self, x):
        """``sum_j log p_{k, j, c_j(x_ij)}``, shape (n, K), with ``c_j`` from :meth:`category_indices`.

        Examples
        --------
        A category a component never saw is impossible under it (``-inf``):

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(x).round(3).tolist()
        [[-0.693, -inf], [-0.693, -inf], [-inf, 0.0], [-inf, 0.0]]
        """
        return self._log_prob_at(self.category_indices(x))

    def evaluate(self, x) -> Evaluation:
        """Log-densities and, later, statistics of a chunk, its values mapped to categories once.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[10.0], [20.0], [20.0]])
        >>> fam = em.Categorical(n_components=1).bind(["a"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, np.ones((3, 1))))
        >>> ev = fitted.evaluate(x)
        >>> ev.log_prob.round(3).tolist(), ev.stats(np.ones((3, 1))).sums["counts"].tolist()
        ([[-1.099], [-0.405], [-0.405]], [[[1.0, 2.0]]])
        """
        indices = self.category_indices(x)
        return Evaluation(self._log_prob_at(indices), lambda resp: self._stats_at(indices, resp))

    def _log_prob_at(self, indices: np.ndarray, observed: np.ndarray | None = None) -> np.ndarray:
        log_p = log_probability(np.nan_to_num(self.params["probs"], nan=0.0))  # (K, d, C)
        out = np.zeros((len(indices), self.n_components))
        for j in range(indices.shape[1]):
            term = log_p[:, j, :].T[indices[:, j]]
            out += term if observed is None else np.where(observed[:, j, None], term, 0.0)
        return out

    def evaluate_observed(self, x) -> Evaluation:
        """Rows with NaN: the log-probability of the observed entries, and expected counts.

        A missing entry drops out of the log-probability; in the counts it
        adds its responsibility spread over the column's categories by the
        component's probabilities ``p_kj.`` (its expected indicator: the
        E-step of the complete data; see docs/missing_values.md).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical().bind(["a", "b"], data=np.array([[0.0, 0.0], [1.0, 1.0]]))
        >>> fitted = fam.with_params(probs=np.array([[[0.3, 0.7], [0.6, 0.4]]]))
        >>> ev = fitted.evaluate_observed(np.array([[1.0, np.nan]]))
        >>> bool(np.isclose(ev.log_prob[0, 0], np.log(0.7)))
        True
        >>> ev.stats(np.ones((1, 1))).sums["counts"].tolist()
        [[[0.0, 1.0], [0.6, 0.4]]]
        """
        labels = self._labels()
        observed, filled = observed_and_filled(x, np.array([category_values(lab)[0] for lab in labels]))
        width = int(self._sizes().max())
        indices = np.where(observed, self.category_indices(filled), width)  # missing entries: a bin dropped below
        probs = np.nan_to_num(self.params["probs"], nan=0.0)

        def stats(resp):
            counts = _weighted_counts(indices, resp, width + 1)[..., :width]
            counts += (resp.T @ (~observed))[:, :, None] * probs
            return SumStats.of(resp, counts=counts)

        return Evaluation(self._log_prob_at(np.minimum(indices, width - 1), observed), stats)

    def _stats_at(self, indices: np.ndarray, resp: np.ndarray) -> SumStats:
        return SumStats.of(resp, counts=_weighted_counts(indices, resp, int(self._sizes().max())))

    def stats(self, x, resp):
        """``n_k`` and weighted category counts ``N_kjc``, shape (K, d, C).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> s = fam.stats(x, resp)
        >>> s.weight.tolist(), s.sums["counts"].tolist()
        ([2.0, 2.0], [[[1.0, 1.0, 0.0], [0.0, 2.0, 0.0]], [[0.0, 0.0, 2.0], [2.0, 0.0, 0.0]]])
        """
        return self._stats_at(self.category_indices(x), resp)

    def m_step(self, stats):
        """``p_kjc = N_kjc / n_k``; categories a column does not have are NaN.

        Examples
        --------
        Column ``b`` has two categories, so its third entry is NaN:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> fam.m_step(fam.stats(x, resp)).params["probs"].tolist()
        [[[0.5, 0.5, 0.0], [0.0, 1.0, nan]], [[0.0, 0.0, 1.0], [1.0, 0.0, nan]]]
        """
        counts = stats.sums["counts"]
        labels = self._labels()
        safe = np.where(stats.empty(), 1.0, stats.weight)[:, None, None]
        width = max(len(lab) for lab in labels)
        probs = np.full((len(stats.weight), len(labels), width), np.nan)
        prior = self.prior
        for j, lab in enumerate(labels):
            if prior is None:
                probs[:, j, : len(lab)] = counts[:, j, : len(lab)] / safe[:, 0]
            else:
                probs[:, j, : len(lab)] = map_probabilities(counts[:, j, : len(lab)], prior.concentration, None)
        if prior is not None:  # the posterior mode: defined for every component, with weight or not
            return self.with_params(probs=probs)
        return self.with_params(**self.keep_empty({"probs": probs}, stats))

    def free_parameters(self) -> np.ndarray:
        """Every estimated probability of each component and column but its largest (they sum to 1).

        The largest probability is written as one minus the others
        (:func:`~emkit.components.parametric.simplex_to_free`), so a category
        estimated at probability 0 by one component is a free parameter on
        its bound, never the dependent one. A category with probability 0 in
        every component (see :meth:`estimated_categories`) is not free.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(1).bind(np.array(["c"]), data=np.array([[0.0], [1.0], [2.0]]))
        >>> fam.with_params(probs=np.array([[[0.2, 0.5, 0.3]]])).free_parameters().tolist()
        [0.2, 0.3]
        >>> fam.with_params(probs=np.array([[[0.0, 0.6, 0.4]]])).free_parameters().tolist()
        [0.4]
        """
        probs = self.params["probs"]
        return np.concatenate(
            [simplex_to_free(probs[:, j, at]).ravel() for j, at in enumerate(self._estimated_positions())]
        )

    def with_free_parameters(self, vector: np.ndarray) -> "Categorical":
        """A fitted copy holding ``vector``; each largest probability gets one minus the others.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(1).bind(np.array(["c"]), data=np.array([[0.0], [1.0], [2.0]]))
        >>> fam = fam.with_params(probs=np.array([[[0.2, 0.5, 0.3]]]))
        >>> fam.with_free_parameters(np.array([0.1, 0.3])).params["probs"].round(12).tolist()
        [[[0.1, 0.6, 0.3]]]
        """
        probs = self.params["probs"].copy()
        start = 0
        for j, at in enumerate(self._estimated_positions()):
            count = self.n_components * (at.size - 1)
            probs[:, j, at] = simplex_from_free(vector[start: start + count], probs[:, j, at])
            start += count
        return self.with_params(probs=probs)

    def free_parameter_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Every free probability lies in ``[0, 1]``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(1).bind(np.array(["c"]), data=np.array([[0.0], [1.0], [2.0]]))
        >>> [b.tolist() for b in fam.with_params(probs=np.array([[[0.2, 0.5, 0.3]]])).free_parameter_bounds()]
        [[0.0, 0.0], [1.0, 1.0]]
        """
        size = self.free_parameters().size
        return np.zeros(size), np.ones(size)

    def estimated_categories(self) -> list[np.ndarray]:
        """Per column, which of its categories some component gives a positive probability (all, before fitting).

        At the maximum of the likelihood, a category's probability is 0 in
        every component exactly when no row of the fitted data takes it (a
        pandas category declared but unused, a code of ``n_categories`` not
        seen): its probabilities sit on their bound, are not estimated and
        are not free parameters.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(2, n_categories=3).bind(["a"])
        >>> [mask.tolist() for mask in fam.estimated_categories()]
        [[True, True, True]]
        >>> probs = np.array([[[0.5, 0.5, 0.0]], [[1.0, 0.0, 0.0]]])
        >>> [mask.tolist() for mask in fam.with_params(probs=probs).estimated_categories()]
        [[True, True, False]]
        """
        if not self.is_fitted:
            return [np.ones(size, dtype=bool) for size in self._sizes()]
        positive = np.nan_to_num(self.params["probs"], nan=0.0) > 0
        return [positive[:, j, :size].any(axis=0) for j, size in enumerate(self._sizes())]

    def _estimated_positions(self) -> list[np.ndarray]:
        """Per column, the positions of its estimated categories (:meth:`estimated_categories`)."""
        return [np.flatnonzero(estimated) for estimated in self.estimated_categories()]

    def n_params(self):
        """``K sum_j (C_j - 1)``, with ``C_j`` the categories of column j that are estimated.

        A category is estimated when some component gives it a positive
        probability (:meth:`estimated_categories`): at the maximum of the
        likelihood, when some fitted row takes it.

        Examples
        --------
        Two components, columns of 3 and 2 categories: ``2 * (2 + 1)``.

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        6

        A fourth code of column ``a`` declared by ``n_categories`` but taken
        by no row is not estimated and does not count:

        >>> fam = em.Categorical(n_components=2, n_categories=[4, None]).bind(["a", "b"], data=x)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        6
        """
        return int(self.n_components * sum(estimated.sum() - 1 for estimated in self.estimated_categories()))

    def sample(self, component, rng):
        """Category values drawn from each row's component (positions for columns encoded from pandas).

        Examples
        --------
        Component 1 puts all its probability on code 2 in column ``a`` and
        code 0 in column ``b``:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.sample(np.array([1, 1]), np.random.default_rng(0)).tolist()
        [[2.0, 0.0], [2.0, 0.0]]
        """
        component = np.asarray(component, dtype=int)
        probs = np.nan_to_num(self.params["probs"], nan=0.0)
        out = np.empty((len(component), probs.shape[1]))
        for j, lab in enumerate(self._labels()):
            cumulative = np.cumsum(probs[component, j, : len(lab)], axis=1)
            draws = rng.random(len(component))[:, None] * cumulative[:, -1:]
            drawn = np.minimum((draws > cumulative).sum(axis=1), len(lab) - 1)
            out[:, j] = category_values(lab)[drawn]
        return out

    # -- results -----------------------------------------------------------------------
    def to_dataset(self, features):
        """``probs(component, feature, category)`` over the union of the columns' categories.

        The ``category`` coordinate holds numbers in increasing order when
        every column is numeric, otherwise text with each column's labels in
        their order (first appearance across columns).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> params = fam.m_step(fam.stats(x, resp)).to_dataset(np.array(["a", "b"]))
        >>> params.probs.dims, params.category.values.tolist()
        (('component', 'feature', 'category'), [0, 1, 2])
        >>> params.probs.sel(component=0, feature="b").values.tolist()
        [0.0, 1.0, nan]
        """
        labels = self._labels()
        union = category_coordinate(labels)
        probs = np.full((self.n_components, len(labels), len(union)), np.nan)
        for j, lab in enumerate(labels):
            probs[:, j, _coordinate_positions(union, lab)] = self.params["probs"][:, j, : len(lab)]
        return xr.Dataset(
            {"probs": (("component", "feature", "category"), probs)},
            coords={"feature": features, "category": union},
        )

    def from_dataset(self, params, weights):
        """A fitted copy from ``probs(component, feature, category)``.

        Columns' categories are those with finite probabilities, unless
        already bound: numbers for a numeric ``category`` coordinate, else
        labels of columns the mixture encodes.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> params = fam.m_step(fam.stats(x, resp)).to_dataset(np.array(["a", "b"]))
        >>> copy = em.Categorical(n_components=2).from_dataset(params, np.array([0.5, 0.5]))
        >>> copy.options["labels"], copy.params["probs"][1].tolist()
        ([[0, 1, 2], [0, 1]], [[0.0, 0.0, 1.0], [1.0, 0.0, nan]])
        """
        if "probs" not in params:
            raise ValueError("initial parameters lack the variable 'probs'")
        probs = params["probs"].transpose("component", "feature", "category")
        union = probs["category"].values
        labels = self.options["labels"] or [
            [v.item() for v, p in zip(union, probs.values[0, j]) if np.isfinite(p)] for j in range(probs.sizes["feature"])
        ]
        width = max(len(lab) for lab in labels)
        values = np.full((self.n_components, len(labels), width), np.nan)
        for j, lab in enumerate(labels):
            own = probs.values[:, j, _coordinate_positions(union, lab)]  # finite; NaN pads the rest
            values[:, j, : len(lab)] = check_finite_parameter("probs", own)
        features = self.options["features"] or [str(f) for f in probs["feature"].values]
        fitted = type(self)(self.n_components, **{**self.options, "labels": labels, "features": features})
        return fitted.with_params(probs=values)


# -- categories as values ------------------------------------------------------------------
def _is_number(label) -> bool:
    """Whether a category label is a number (a value in the data), not text."""
    return isinstance(label, (int, float, np.integer, np.floating)) and not isinstance(label, (bool, np.bool_))


def category_values(labels: list) -> np.ndarray:
    """The value in the data of each category of a column, as floats.

    Numeric labels are their own values; text labels belong to a column the
    mixture encoded, whose values are the positions ``0 .. C - 1``.

    Examples
    --------
    >>> from emkit.components.categorical import category_values
    >>> category_values([1, 2, 7]).tolist(), category_values(["low", "high"]).tolist()
    ([1.0, 2.0, 7.0], [0.0, 1.0])
    """
    if all(_is_number(v) for v in labels):
        return np.asarray(labels, dtype=np.float64)
    return np.arange(len(labels), dtype=np.float64)


def _observed_labels(column: np.ndarray) -> list:
    """A numeric column's distinct values in increasing order: ints if all are exact integers, else floats."""
    values = np.unique(np.asarray(column, dtype=np.float64))
    if np.all(values == np.round(values)) and np.all(np.abs(values) < 2.0**53):
        return [int(v) for v in values]
    return [float(v) for v in values]


def _positions(column: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each entry of ``column`` in ``values`` (distinct, any order); -1 where absent.

    Whole-number categories spanning a short range (codes, survey scales)
    are looked up in a table over that range; others by binary search. The
    table is at most ``8 C + 1024`` long, never as large as the values
    themselves (1e9 among 1..7 is found by binary search).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.categorical import _positions
    >>> _positions(np.array([7.0, 1.0, 0.0, 1.5]), np.array([1.0, 2.0, 7.0])).tolist()
    [2, 0, -1, -1]
    >>> _positions(np.array([1e9, 1.0, 2.5]), np.array([1.0, 2.5, 1e9])).tolist()
    [2, 0, 1]
    """
    low, high = values.min(), values.max()
    if np.all(values == np.round(values)) and high - low <= 8 * len(values) + 1024:
        return _positions_by_table(column, values, low, int(high - low))
    return _positions_by_search(column, values)


def _positions_by_table(column: np.ndarray, values: np.ndarray, low: float, span: int) -> np.ndarray:
    """Positions of whole-number categories ``low .. low + span`` through a table indexed by ``value - low``."""
    table = np.full(span + 1, -1, dtype=np.intp)
    table[(values - low).astype(np.intp)] = np.arange(len(values))
    offset = column - low
    inside = (offset >= 0) & (offset <= span) & (offset == np.floor(offset))
    return np.where(inside, table[np.where(inside, offset, 0).astype(np.intp)], -1)


def _positions_by_search(column: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions by binary search on the sorted values, then an exact-match check."""
    order = np.argsort(values, kind="stable")
    found = order[np.minimum(np.searchsorted(values[order], column), len(values) - 1)]
    return np.where(values[found] == column, found, -1)


def _weighted_counts(indices: np.ndarray, resp: np.ndarray, width: int) -> np.ndarray:
    """``N_kjc = sum_i r_ik [indices_ij = c]``, shape (K, d, width): one ``bincount`` per component and column."""
    counts = np.empty((resp.shape[1], indices.shape[1], width))
    for j in range(indices.shape[1]):
        for k in range(resp.shape[1]):
            counts[k, j, :] = np.bincount(indices[:, j], weights=resp[:, k], minlength=width)
    return counts


def category_coordinate(labels: list) -> np.ndarray:
    """The ``category`` coordinate over all columns' labels.

    Numbers in increasing order (int64 if all are integers) when every label
    is a number; otherwise text: the numbers first, in increasing order, then
    the text labels, each column's order kept (a pandas ordered
    categorical's, say): a label not seen yet goes right after the label
    preceding it in its own column.

    Examples
    --------
    >>> from emkit.components.categorical import category_coordinate
    >>> category_coordinate([[1, 7], [0, 2.5]]).tolist()
    [0.0, 1.0, 2.5, 7.0]
    >>> category_coordinate([["low", "high"], [2, 1], ["low", "mid", "high"]]).tolist()
    ['1', '2', 'low', 'mid', 'high']
    """
    flat = [v for lab in labels for v in lab]
    numbers = sorted({v for v in flat if _is_number(v)})
    if len(numbers) == len(set(flat)):
        return np.array(numbers)
    texts = [[str(v) for v in lab if not _is_number(v)] for lab in labels]
    return np.array(_merged_in_order([[_label_text(v) for v in numbers], *texts]), dtype=str)


def _merged_in_order(sequences: list[list[str]]) -> list[str]:
    """The union of ``sequences``, each new item placed right after its predecessor in its own sequence."""
    union, seen = [], set()
    for sequence in sequences:
        previous = None
        for item in sequence:
            if item not in seen:
                at_end = previous is None or previous == union[-1]
                union.insert(len(union) if at_end else union.index(previous) + 1, item)
                seen.add(item)
            previous = item
    return union


def common_categories(datasets: list) -> tuple[list, np.ndarray | None]:
    """Datasets whose ``category`` coordinates are all numbers or all text, and the union of those coordinates.

    For a product of several categorical parts: text as soon as one part's
    categories are text, the union ordered as by :func:`category_coordinate`
    (None if no dataset has categories).

    Examples
    --------
    >>> import xarray as xr
    >>> from emkit.components.categorical import common_categories
    >>> parts = [xr.Dataset(coords={"category": [1, 7]}), xr.Dataset(coords={"category": ["low", "high"]})]
    >>> parts, union = common_categories(parts)
    >>> parts[0].category.values.tolist(), union.tolist()
    (['1', '7'], ['1', '7', 'low', 'high'])
    """
    coordinates = [ds["category"].values.tolist() for ds in datasets if "category" in ds.coords]
    if not coordinates:
        return datasets, None
    union = category_coordinate(coordinates)
    if union.dtype.kind in "iuf":
        return datasets, union
    as_text = [
        ds.assign_coords(category=np.array([_label_text(v) for v in ds["category"].values.tolist()], dtype=str))
        if "category" in ds.coords else ds
        for ds in datasets
    ]
    return as_text, union


def item_response_table(params: xr.Dataset, categories: dict | None = None) -> pd.DataFrame:
    """The item-response probabilities ``P(category | component)`` of every categorical feature.

    poLCA's table of a latent class model: one row per component, one
    column per (feature, category) pair, the probabilities of each feature
    summing to 1 in every row. Each feature has only its own categories, in
    its own order: the labels in ``categories`` (a fit's
    :attr:`~emkit.FitResult.categories`: a pandas categorical's declared
    order), else the order of the ``category`` coordinate (numeric
    categories increasing). Features without categories (other parts of an
    :class:`~emkit.Independent` model) are left out.

    Parameters
    ----------
    params : xarray.Dataset
        A fit's :attr:`~emkit.FitResult.params`.
    categories : dict, optional
        Feature name -> labels of the columns encoded from pandas.

    Returns
    -------
    pandas.DataFrame
        Index ``component`` (``state`` for a hidden Markov model); columns a MultiIndex ``(feature, category)``;
        no columns when ``params`` hold no ``probs``.

    Examples
    --------
    >>> import pandas as pd, emkit as em
    >>> from emkit.components.categorical import item_response_table
    >>> size = pd.Categorical(["S", "L", "L", "M"] * 10, categories=["S", "M", "L"], ordered=True)
    >>> X = pd.DataFrame({"size": size, "answer": [1, 2, 2, 2] * 10})
    >>> fit = em.Mixture(em.Categorical(), 1).fit(X)
    >>> table = item_response_table(fit.params, fit.categories)
    >>> table.columns.tolist()
    [('size', 'S'), ('size', 'M'), ('size', 'L'), ('answer', '1'), ('answer', '2')]
    >>> table.loc[0].round(2).tolist()
    [0.25, 0.25, 0.5, 0.25, 0.75]
    """
    latent = "state" if "state" in params.dims else "component"  # a hidden Markov model's emissions are over states
    component = pd.Index(params[latent].values, name=latent)
    blocks = {}
    if "probs" in params:
        probs = params["probs"].transpose(latent, "feature", "category")
        union = probs["category"].values
        for j, feature in enumerate(probs["feature"].values):
            finite = np.isfinite(probs.values[:, j, :]).any(axis=0)
            labels = (categories or {}).get(str(feature)) or [v.item() for v in union[finite]]
            at = _coordinate_positions(union, labels)
            if len(at):
                blocks[str(feature)] = pd.DataFrame(probs.values[:, j, at], index=component, columns=union[at])
    if not blocks:
        return pd.DataFrame(index=component, columns=pd.MultiIndex.from_tuples([], names=["feature", "category"]))
    return pd.concat(blocks, axis=1, names=["feature", "category"])


def _label_text(label) -> str:
    """A label as text in a ``category`` coordinate: whole numbers without a decimal point (1.0 and 1 are "1")."""
    if _is_number(label) and float(label).is_integer():
        return str(int(label))
    return str(label)


def _coordinate_positions(coordinate: np.ndarray, labels: list) -> np.ndarray:
    """Positions of a column's labels in the ``category`` coordinate (numbers or their text)."""
    keys = labels if coordinate.dtype.kind in "iuf" else [_label_text(v) for v in labels]
    positions = pd.Index(coordinate).get_indexer(keys)
    if np.any(positions < 0):
        missing = [v for v, at in zip(labels, positions) if at < 0]
        raise ValueError(f"the parameters' category coordinate lacks the categories {missing}")
    return positions


def _check_size(n_categories: int, max_categories: int, name: str) -> None:
    """A column's number of categories must not exceed ``max_categories``."""
    if n_categories > max_categories:
        raise ValueError(
            f"Categorical column {name!r} has {n_categories} distinct values, more than max_categories={max_categories}"
        )


def _checked_n_categories(n_categories, max_categories: int):
    """``n_categories`` as None, an int, or a list of ints and Nones (JSON-serialisable), each at most ``max_categories``."""
    if n_categories is None:
        return None
    if isinstance(n_categories, (list, tuple, np.ndarray)):
        return [None if c is None else _checked_n_categories(c, max_categories) for c in n_categories]
    count = _positive_int("n_categories", n_categories)
    if count > max_categories:
        raise ValueError(f"n_categories={count} is more than max_categories={max_categories}")
    return count


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)

"""Categorical components for columns of category codes, independent across columns.

Column j takes one of ``C_j`` categories. Component k gives category c of
column j probability ``p_kjc``::

    log f_k(x) = sum_j log p_{k, j, x_j}

Statistics: ``n_k`` and the weighted counts ``N_kjc = sum_i r_ik [x_ij = c]``;
M-step ``p_kjc = N_kjc / n_k`` (the weighted category frequencies).

Data: integer codes ``0 .. C_j - 1``. pandas categorical, string, object and
boolean columns are encoded to codes by the mixture before fitting (the
category labels become the ``category`` coordinate of the results).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .parametric import ParametricFamily, SumStats, safe_log

class Categorical(ParametricFamily):
    """Categorical components, one probability vector per component and column.

    Parameters
    ----------
    n_categories : int or list of int, optional
        Categories per column; by default taken from the data's category
        labels (pandas) or from the largest code plus one.
    n_components : int, default 1

    Results hold ``probs(component, feature, category)``, with ``category``
    the union of all columns' labels; a label that a column does not have is
    NaN in that column. A probability estimated as 0 gives log-density
    ``log(5e-324)``, finite, for that category.

    Examples
    --------
    >>> import pandas as pd, emkit as em
    >>> df = pd.DataFrame({"colour": ["red"] * 40 + ["blue"] * 40 + ["green"] * 20})
    >>> fit = em.Mixture(em.Categorical(), n_components=1).fit(df)
    >>> fit.params.probs.sel(feature="colour").squeeze().to_series().round(2).to_dict()
    {'blue': 0.4, 'green': 0.2, 'red': 0.4}
    """

    kind = "categorical"
    label = "categorical"
    param_dims = {"probs": ("feature", "category")}
    accepts_categorical = True

    def __init__(self, n_components: int = 1, *, params=None, n_categories=None, labels=None):
        super().__init__(n_components, params=params, n_categories=n_categories, labels=labels)

    def bind(self, features, categories=None, data=None) -> "Categorical":
        """Fix each column's category labels from the data, unless given.

        ``categories`` maps a feature name to its labels, for columns the
        mixture encoded from pandas; otherwise ``n_categories``, otherwise the
        largest code in ``data`` plus one, gives labels ``"0", "1", ...``.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> em.Categorical().bind(["a", "b"], data=np.array([[0.0, 1.0], [2.0, 0.0]])).options["labels"]
        [['0', '1', '2'], ['0', '1']]
        >>> em.Categorical(n_categories=4).bind(["a"]).options["labels"]
        [['0', '1', '2', '3']]
        >>> em.Categorical().bind(["colour"], categories={"colour": ["blue", "red"]}).options["labels"]
        [['blue', 'red']]
        >>> em.Categorical().bind(["a"])
        Traceback (most recent call last):
        ...
        ValueError: Categorical components need category counts: give n_categories
        """
        if self.options["labels"] is not None:
            return type(self)(self.n_components, **self.options)
        categories = categories or {}
        given = self.options["n_categories"]
        counts = [None] * len(features) if given is None else np.broadcast_to(given, len(features)).tolist()
        if data is not None and len(data):
            top = np.max(data, axis=0)
        labels = []
        for j, name in enumerate(features):
            if str(name) in categories:
                labels.append([str(v) for v in categories[str(name)]])
            elif counts[j] is not None:
                labels.append([str(c) for c in range(int(counts[j]))])
            elif data is not None and len(data):
                labels.append([str(c) for c in range(int(top[j]) + 1)])
            else:
                raise ValueError("Categorical components need category counts: give n_categories")
        return type(self)(self.n_components, n_categories=given, labels=labels)

    # -- sizes and labels ----------------------------------------------------------
    def _labels(self) -> list[list[str]]:
        labels = self.options["labels"]
        if labels is None:
            raise ValueError("Categorical components are not bound to data yet (no category labels)")
        return labels

    def _sizes(self) -> np.ndarray:
        return np.array([len(lab) for lab in self._labels()])

    def check_data(self, x):
        """Every value must be an integer code ``>= 0`` (and below its column's count, once bound).

        Raises a ``ValueError`` naming the first bad row or column otherwise.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(n_categories=[3, 2]).bind(["a", "b"])
        >>> fam.check_data(np.array([[2.0, 1.0]]))
        >>> fam.check_data(np.array([[0.0, 1.5]]))
        Traceback (most recent call last):
        ...
        ValueError: Categorical components need integer category codes >= 0; row 0 is [0.0, 1.5]
        >>> fam.check_data(np.array([[0.0, 2.0]]))
        Traceback (most recent call last):
        ...
        ValueError: column 1 has a category code >= its 2 categories
        """
        if np.any(x < 0) or np.any(x != np.round(x)):
            bad = int(np.flatnonzero(np.any((x < 0) | (x != np.round(x)), axis=1))[0])
            raise ValueError(f"Categorical components need integer category codes >= 0; row {bad} is {x[bad].tolist()}")
        if self.options["labels"] is not None:
            for j, size in enumerate(self._sizes()):
                if np.any(x[:, j] >= size):
                    raise ValueError(f"column {j} has a category code >= its {size} categories")

    # -- the maths ---------------------------------------------------------------------
    def log_prob(self, x):
        """``sum_j log p_{k, j, x_ij}``, shape (n, K).

        Examples
        --------
        A category a component never saw gets ``log(5e-324)`` per column:

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> fitted = fam.m_step(fam.stats(x, resp))
        >>> fitted.log_prob(x).round(3).tolist()
        [[-0.693, -1488.88], [-0.693, -1488.88], [-1488.88, 0.0], [-1488.88, 0.0]]
        """
        log_p = safe_log(np.nan_to_num(self.params["probs"], nan=0.0))  # (K, d, C)
        codes = x.astype(int)
        out = np.zeros((len(x), self.n_components))
        for j in range(x.shape[1]):
            out += log_p[:, j, :].T[codes[:, j]]
        return out

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
        codes = x.astype(int)
        width = int(self._sizes().max())
        counts = np.zeros((resp.shape[1], x.shape[1], width))
        for j in range(x.shape[1]):
            one_hot = np.zeros((len(x), width))
            one_hot[np.arange(len(x)), codes[:, j]] = 1.0
            counts[:, j, :] = resp.T @ one_hot
        return SumStats.of(resp, counts=counts)

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
        for j, lab in enumerate(labels):
            probs[:, j, : len(lab)] = counts[:, j, : len(lab)] / safe[:, 0]
        return self.with_params(**self.keep_empty({"probs": probs}, stats))

    def free_parameters(self) -> np.ndarray:
        """Every probability but the last category's of each component and column (they sum to 1).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(1).bind(np.array(["c"]), data=np.array([[0.0], [2.0]]))
        >>> fam.with_params(probs=np.array([[[0.2, 0.3, 0.5]]])).free_parameters().tolist()
        [0.2, 0.3]
        """
        probs = self.params["probs"]
        return np.concatenate([probs[:, j, : size - 1].ravel() for j, size in enumerate(self._sizes())])

    def with_free_parameters(self, vector: np.ndarray) -> "Categorical":
        """A fitted copy holding ``vector``; each last category gets one minus the others.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> fam = em.Categorical(1).bind(np.array(["c"]), data=np.array([[0.0], [2.0]]))
        >>> fam = fam.with_params(probs=np.array([[[0.2, 0.3, 0.5]]]))
        >>> fam.with_free_parameters(np.array([0.1, 0.3])).params["probs"].round(12).tolist()
        [[[0.1, 0.3, 0.6]]]
        """
        probs = self.params["probs"].copy()
        start = 0
        for j, size in enumerate(self._sizes()):
            block = np.asarray(vector[start: start + self.n_components * (size - 1)]).reshape(self.n_components, size - 1)
            probs[:, j, : size - 1] = block
            probs[:, j, size - 1] = 1.0 - block.sum(axis=1)
            start += block.size
        return self.with_params(probs=probs)

    def n_params(self):
        """``K sum_j (C_j - 1)``.

        Examples
        --------
        Two components, columns of 3 and 2 categories: ``2 * (2 + 1)``.

        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> fam.m_step(fam.stats(x, resp)).n_params()
        6
        """
        return int(self.n_components * (self._sizes() - 1).sum())

    def sample(self, component, rng):
        """Category codes drawn from each row's component.

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
        for j in range(probs.shape[1]):
            cumulative = np.cumsum(probs[component, j, :], axis=1)
            draws = rng.random(len(component))[:, None] * cumulative[:, -1:]
            out[:, j] = (draws > cumulative).sum(axis=1)
        return out

    # -- results -----------------------------------------------------------------------
    def to_dataset(self, features):
        """``probs(component, feature, category)`` over the union of the columns' labels.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> params = fam.m_step(fam.stats(x, resp)).to_dataset(np.array(["a", "b"]))
        >>> params.probs.dims, params.category.values.tolist()
        (('component', 'feature', 'category'), ['0', '1', '2'])
        >>> params.probs.sel(component=0, feature="b").values.tolist()
        [0.0, 1.0, nan]
        """
        labels = self._labels()
        union = sorted({v for lab in labels for v in lab}, key=_label_order)
        position = {v: i for i, v in enumerate(union)}
        probs = np.full((self.n_components, len(labels), len(union)), np.nan)
        for j, lab in enumerate(labels):
            probs[:, j, [position[v] for v in lab]] = self.params["probs"][:, j, : len(lab)]
        return xr.Dataset(
            {"probs": (("component", "feature", "category"), probs)},
            coords={"feature": features, "category": np.array(union, dtype=str)},
        )

    def from_dataset(self, params, weights):
        """A fitted copy from ``probs(component, feature, category)``.

        Columns' labels are those with finite probabilities, unless already bound.

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [2.0, 0.0]])
        >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
        >>> fam = em.Categorical(n_components=2).bind(["a", "b"], data=x)
        >>> params = fam.m_step(fam.stats(x, resp)).to_dataset(np.array(["a", "b"]))
        >>> copy = em.Categorical(n_components=2).from_dataset(params, np.array([0.5, 0.5]))
        >>> copy.options["labels"], copy.params["probs"][1].tolist()
        ([['0', '1', '2'], ['0', '1']], [[0.0, 0.0, 1.0], [1.0, 0.0, nan]])
        """
        if "probs" not in params:
            raise ValueError("initial parameters lack the variable 'probs'")
        probs = params["probs"].transpose("component", "feature", "category")
        union = [str(v) for v in probs["category"].values]
        labels = self.options["labels"] or [
            [v for v, p in zip(union, probs.values[0, j]) if np.isfinite(p)] for j in range(probs.sizes["feature"])
        ]
        width = max(len(lab) for lab in labels)
        values = np.full((self.n_components, len(labels), width), np.nan)
        for j, lab in enumerate(labels):
            values[:, j, : len(lab)] = probs.sel(category=lab).values[:, j, :]
        fitted = type(self)(self.n_components, n_categories=self.options["n_categories"], labels=labels)
        return fitted.with_params(probs=values)


def _label_order(label: str):
    """Numeric labels in numeric order, then the others alphabetically."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)

"""Known components of some rows (``fit(X, labels=y)``): user labels to checked integer codes.

A label gives the component of its row; a missing label (-1, NaN, None, a
pandas missing value) leaves the row's component to be inferred. Labels are
either integers, which index the components ``0 .. K-1``, or names (strings,
the categories of a pandas categorical): the components then take those
names, in the order of the categories (sorted for other names), and there
must be exactly K of them. The codes are data aligned with the rows of X:
they travel through chunks and dask blocks as the observation weights do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Code of a row without a label.
UNLABELLED = -1


@dataclass(frozen=True)
class Labels:
    """Checked labels: a code per row and, for named labels, the component names.

    Attributes
    ----------
    codes : ndarray of int64, shape (n,)
        The component of each row, :data:`UNLABELLED` (-1) where it is unknown.
    names : ndarray or None
        The K component names for named labels, None for integer labels.

    Examples
    --------
    >>> from emkit._labels import as_labels
    >>> labels = as_labels(["b", None, "a"], n_obs=3, n_components=2)
    >>> labels.codes.tolist(), labels.names.tolist(), labels.n_labelled
    ([1, -1, 0], ['a', 'b'], 2)
    """

    codes: np.ndarray
    names: np.ndarray | None = None

    @property
    def n_labelled(self) -> int:
        """Number of rows with a label."""
        return int(np.count_nonzero(self.codes != UNLABELLED))

    def kept(self, rows: np.ndarray) -> "Labels":
        """The labels of the rows selected by ``rows`` (a boolean mask or indices).

        Examples
        --------
        >>> import numpy as np
        >>> from emkit._labels import as_labels
        >>> as_labels([0, -1, 1], 3, 2).kept(np.array([True, False, True])).codes.tolist()
        [0, 1]
        """
        return Labels(self.codes[rows], self.names)


def as_labels(labels, n_obs: int, n_components: int) -> Labels:
    """Read the ``labels`` of :meth:`emkit.Mixture.fit`: integers, names or a pandas categorical.

    Parameters
    ----------
    labels : array-like of shape (n,)
        The component of each row (a dask array or series is read into
        memory: one small code per row), or a missing value (-1, NaN, None,
        ``pd.NA``) where it is unknown. Integers (floats with integer values
        are accepted) index components ``0 .. K-1``; anything else is a name.
    n_obs : int
        Number of rows of X.
    n_components : int
        Number of components K.

    Returns
    -------
    Labels

    Raises
    ------
    ValueError
        If the labels are not one per row, an integer label is outside
        ``0 .. K-1``, a float label is not an integer, named labels do not
        name exactly K components, or no row has a label.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from emkit._labels import as_labels
    >>> as_labels([0, -1, np.nan, 2], 4, 3).codes.tolist()
    [0, -1, -1, 2]
    >>> species = pd.Series(pd.Categorical(["setosa", None, "virginica"], categories=["setosa", "versicolor", "virginica"]))
    >>> labels = as_labels(species, 3, 3)
    >>> labels.codes.tolist(), labels.names.tolist()
    ([0, -1, 2], ['setosa', 'versicolor', 'virginica'])
    >>> as_labels([0, 3], 2, 3)
    Traceback (most recent call last):
    ...
    ValueError: labels must be component indices 0..2 or -1 for an unknown component; got 3 (row 1)
    """
    values = _one_dimensional(labels)
    if len(values) != n_obs:
        raise ValueError(f"labels must give one entry per row of X: got {len(values)} labels for {n_obs} rows")
    if isinstance(values.dtype, pd.CategoricalDtype):
        result = _named(np.asarray(values.cat.categories), np.asarray(values.cat.codes, dtype=np.int64), n_components)
    else:
        missing = values.isna().to_numpy()
        if missing.all():
            raise _all_missing()
        present = values[~missing]
        if pd.api.types.is_bool_dtype(present) or not pd.api.types.is_numeric_dtype(present.infer_objects()):
            names, codes = np.unique(present.astype(str).to_numpy(), return_inverse=True)
            result = _named(names, _scatter(codes, missing), n_components)
        else:
            result = Labels(_integer_codes(present.to_numpy(dtype=float), missing, n_components))
    if result.n_labelled == 0:
        raise _all_missing()
    return result


def _all_missing() -> ValueError:
    return ValueError("labels give no row a component: every label is missing; fit without labels instead")


def labels_in_blocks(codes: np.ndarray, values):
    """The label codes as a dask array chunked like the rows of ``values`` (a dask array), so they travel with them.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from emkit._labels import labels_in_blocks
    >>> labels_in_blocks(np.array([0, -1, 1]), da.zeros((3, 2), chunks=(2, 2))).chunks
    ((2, 1),)
    """
    import dask.array as da

    return da.from_array(codes, chunks=(values.chunks[0],))


def _one_dimensional(labels) -> pd.Series:
    if _is_dask(labels):  # one small code per row: read into memory
        labels = labels.compute()
    if isinstance(labels, pd.DataFrame):
        if labels.shape[1] != 1:
            raise ValueError(f"labels must be one column, got a DataFrame of {labels.shape[1]} columns")
        labels = labels.iloc[:, 0]
    if isinstance(labels, pd.Series):
        return labels.reset_index(drop=True)
    array = labels if isinstance(labels, (pd.Categorical, pd.Index)) else np.asarray(labels, dtype=object)
    if getattr(array, "ndim", 1) != 1:
        raise ValueError(f"labels must be one-dimensional (one per row), got shape {np.shape(array)}")
    return pd.Series(array)


def _is_dask(labels) -> bool:
    try:
        import dask
    except ImportError:  # pragma: no cover - dask is a dependency
        return False
    return dask.is_dask_collection(labels)


def _scatter(codes: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Codes of the present labels placed in their rows, -1 in the missing ones."""
    out = np.full(len(missing), UNLABELLED, dtype=np.int64)
    out[~missing] = codes
    return out


def _integer_codes(present: np.ndarray, missing: np.ndarray, n_components: int) -> np.ndarray:
    """Integer labels checked against ``0 .. K-1`` (-1 is missing)."""
    fractional = np.flatnonzero(present != np.round(present))
    if fractional.size:
        row = int(np.flatnonzero(~missing)[fractional[0]])
        raise ValueError(f"labels must be integer component indices; got {present[fractional[0]]} (row {row})")
    codes = _scatter(present.astype(np.int64), missing)
    bad = np.flatnonzero((codes < UNLABELLED) | (codes >= n_components))
    if bad.size:
        raise ValueError(
            f"labels must be component indices 0..{n_components - 1} or -1 for an unknown component; "
            f"got {codes[bad[0]]} (row {int(bad[0])})"
        )
    return codes


def _named(names: np.ndarray, codes: np.ndarray, n_components: int) -> Labels:
    """Named labels: the K component names and each row's code."""
    if len(names) != n_components:
        listed = ", ".join(map(str, names[:10])) + (", ..." if len(names) > 10 else "")
        raise ValueError(
            f"named labels must name the {n_components} components, one name each; they hold "
            f"{len(names)} name(s) ({listed}); give as many components as names, or a pandas "
            "Categorical whose categories are the K component names"
        )
    return Labels(codes, np.asarray(names))

"""Dask data (arrays, or xarray DataArrays backed by dask) as lazily checked observations.

Nothing here reads the data into memory at once: the checks are passes over
row blocks that return a few numbers per block. dask is imported only when
such data are given, so it stays an optional dependency
(``pip install "emkit[dask]"``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._input import (
    Observations,
    as_sample_weight,
    check_width,
    dataarray_layout,
    non_finite_message,
    non_finite_rows,
    select_features,
)
from ._missing_input import (
    column_means, fill_missing, filled_for_starts, nearest_observed, observed_sums, start_fill,
)


def is_dask_data(X) -> bool:
    """Whether ``X`` is a dask collection or an xarray DataArray backed by one.

    Examples
    --------
    >>> import numpy as np, dask.array as da, xarray as xr
    >>> from emkit._dask_input import is_dask_data
    >>> is_dask_data(da.zeros((4, 2))), is_dask_data(np.zeros((4, 2)))
    (True, False)
    >>> is_dask_data(xr.DataArray(da.zeros((4, 2)))), is_dask_data(xr.DataArray(np.zeros((4, 2))))
    (True, False)
    """
    if isinstance(X, xr.DataArray):
        return X.chunks is not None
    return hasattr(X, "__dask_graph__") and not isinstance(X, xr.Dataset)  # a Dataset is refused later


def as_dask_observations(X, name: str = "X", features=None) -> Observations:
    """Dask data as :class:`~emkit._input.Observations` holding a lazy ``(n, d)`` dask array.

    The rows may be split into any blocks; the columns are joined into one
    block. float32 data stay float32, other numeric types become float64
    (block by block, when read). The values are not checked here: see
    :func:`scan_blocks`. ``index`` is the DataArray's observation coordinate,
    or None (a range is not built for data that may not fit in memory).

    ``features`` (a fit's feature coordinate) selects the columns as
    :func:`emkit._input.as_observations` does: a DataArray's feature
    coordinate by name, a dask array by position.

    Raises
    ------
    TypeError
        For a dask collection that is not an array (such as a dask
        DataFrame), or non-numeric or complex values.
    ValueError
        For a wrong number of dimensions, empty data or unknown block sizes.

    Examples
    --------
    >>> import numpy as np, dask.array as da, xarray as xr
    >>> from emkit._dask_input import as_dask_observations
    >>> X = xr.DataArray(da.ones((6, 2), chunks=(4, 1)), dims=("obs", "feature"), coords={"feature": ["a", "b"]})
    >>> obs = as_dask_observations(X)
    >>> obs.values.chunks, obs.features.tolist(), obs.values.dtype
    (((4, 2), (2,)), ['a', 'b'], dtype('float64'))
    >>> as_dask_observations(X, features=["b", "a"]).values[0].compute().tolist()
    [1.0, 1.0]
    """
    import dask.array as da

    labels = index = None
    if isinstance(X, xr.DataArray):
        X, labels, index = dataarray_layout(X, name)
        if features is not None:
            X = select_features(X, labels, features, name)
        X = X.data
    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name} is a {type(X).__name__}; emkit takes dask arrays (for a dask DataFrame, "
            "pass df.to_dask_array(lengths=True))"
        )
    if X.dtype.kind == "c":
        raise TypeError(f"{name} has complex values; emkit models real-valued data")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got values of dtype {X.dtype}")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (observations x features) or 1-D, got {X.ndim}-D with shape {X.shape}")
    if any(np.isnan(size) for size in X.shape) or any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(f"{name} has unknown block sizes; call {name}.compute_chunk_sizes() first")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape})")
    if features is not None:
        check_width(X.shape[1], features, name)
        labels = np.asarray(features)
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = X.astype(dtype).rechunk({1: -1})
    return Observations(X, np.arange(X.shape[1]) if labels is None else labels, index)


def as_dask_sample_weight(sample_weight, values):
    """Observation weights as a dask array chunked like the rows of ``values``.

    Accepts a numpy-like or a dask 1-D array; the checks (finite,
    non-negative, not all zero) are one pass over the weights.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from emkit._dask_input import as_dask_sample_weight
    >>> w = as_dask_sample_weight(np.array([1.0, 2.0, 0.0]), da.zeros((3, 2), chunks=(2, 2)))
    >>> w.chunks, w.compute().tolist()
    (((2, 1),), [1.0, 2.0, 0.0])
    >>> as_dask_sample_weight(None, da.zeros((3, 2))) is None
    True
    """
    import dask
    import dask.array as da

    if sample_weight is None:
        return None
    n_obs = values.shape[0]
    if not isinstance(sample_weight, da.Array):
        return da.from_array(as_sample_weight(sample_weight, n_obs), chunks=(values.chunks[0],))
    if sample_weight.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D (one value per observation), got shape {sample_weight.shape}")
    if sample_weight.shape[0] != n_obs:
        raise ValueError(f"sample_weight has {sample_weight.shape[0]} values for {n_obs} observations")
    w = sample_weight.astype(np.float64).rechunk((values.chunks[0],))
    valid, total = dask.compute(da.all(da.isfinite(w) & (w >= 0)), w.sum())
    if not valid:
        raise ValueError("sample_weight must be finite and non-negative")
    if total <= 0:
        raise ValueError("sample_weight sums to zero")
    return w


def scan_blocks(data, name: str = "X", distinct: bool = False) -> np.ndarray:
    """One pass over dask data: check every value is finite, return each column's range (or distinct values).

    Parameters
    ----------
    data : DaskData
        The observations.
    name : str
        How error messages name the data.
    distinct : bool, default False
        Return each column's distinct values (rows of weight 0 left out)
        instead of its range: what families whose categories are the values
        a column holds (:class:`emkit.Categorical`) bind to.

    Returns
    -------
    ndarray of shape (m, d)
        Column minima and maxima (``m = 2``): the rows spanning the data's
        range. With ``distinct``, see :func:`distinct_columns`.

    Raises
    ------
    ValueError
        Naming the rows with NaN or infinite values (counted from 0 over
        the whole data).

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from emkit._dask_input import scan_blocks
    >>> from emkit.em.dask_data import DaskData
    >>> x = np.array([[0.0, 5.0], [2.0, 1.0], [1.0, 3.0]])
    >>> scan_blocks(DaskData(da.from_array(x, chunks=(2, 2)), None, 64)).tolist()
    [[0.0, 1.0], [2.0, 5.0]]
    >>> scan_blocks(DaskData(da.from_array(x, chunks=(2, 2)), None, 64), distinct=True).tolist()
    [[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]]
    >>> x[2, 0] = np.nan
    >>> scan_blocks(DaskData(da.from_array(x, chunks=(2, 2)), None, 64))
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN values in 1 row(s) [2] (rows counted from 0); pass missing="marginalize" to fit and predict with NaN as values missing at random, or drop or impute them
    """

    def block_range(offset, x, w):
        if not np.isfinite(x).all():
            return None, non_finite_rows(x, offset)
        if distinct:
            return distinct_columns(x if w is None else x[w > 0]), None
        return np.stack([x.min(axis=0), x.max(axis=0)]).astype(np.float64), None

    scanned = data.map(block_range)
    bad = [rows for _, rows in scanned if rows is not None]
    if bad:
        raise ValueError(non_finite_message({kind: np.concatenate([b[kind] for b in bad]) for kind in bad[0]}, name))
    if distinct:
        return distinct_columns(np.concatenate([r for r, _ in scanned]))
    ranges = np.stack([r for r, _ in scanned])
    return np.stack([ranges[:, 0].min(axis=0), ranges[:, 1].max(axis=0)])


def filled_for_starts_lazily(data):
    """The dask values of ``data``, every NaN filled as :func:`~emkit.components.missing.filled_for_starts` does.

    Two passes over the blocks find each column's weighted mean of observed
    values, then its observed value nearest that mean (the first on ties,
    in row order); the fill itself is lazy, block by block.

    Parameters
    ----------
    data : DaskData
        The observations (NaN where missing) and their weights.

    Returns
    -------
    dask.array.Array
        Chunked as ``data.values``.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from emkit._dask_input import filled_for_starts_lazily
    >>> from emkit._missing_input import filled_for_starts
    >>> from emkit.em.dask_data import DaskData
    >>> x = np.array([[1.0, np.nan], [3.0, 4.0], [5.0, 6.0], [7.0, 11.0], [np.nan, 2.0]])
    >>> filled = filled_for_starts_lazily(DaskData(da.from_array(x, chunks=(2, 2)), None, 64))
    >>> bool(np.array_equal(filled.compute(), filled_for_starts(x)))
    True
    """
    sums = np.sum(data.map(lambda offset, x, w: observed_sums(x, w)), axis=0)
    means = column_means(*sums)
    nearest = data.map(lambda offset, x, w: nearest_observed(x, means, w))
    distances = np.stack([d for d, _ in nearest])
    best = np.argmin(distances, axis=0)  # the first block on ties: the first row in the data
    columns = np.arange(len(means))
    fill = start_fill(distances[best, columns], np.stack([v for _, v in nearest])[best, columns])
    return data.values.map_blocks(fill_missing, fill, dtype=data.values.dtype)


#: Most distinct values per column :func:`distinct_columns` keeps (twice
#: ``emkit.Categorical``'s default ``max_categories``, so an excess is still seen).
DISTINCT_LIMIT = 20_000


def distinct_columns(x: np.ndarray) -> np.ndarray:
    """Rows whose column j holds the distinct values of ``x[:, j]`` in increasing order, padded by repeating its largest.

    ``np.unique`` of a column of the result is that of the data's column; a
    column with more than :data:`DISTINCT_LIMIT` distinct values keeps its
    ``DISTINCT_LIMIT - 1`` smallest and its largest, so the range is kept and
    the excess stays visible.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._dask_input import distinct_columns
    >>> distinct_columns(np.array([[3.0, 1.0], [1.0, 1.0], [3.0, 2.0], [2.0, 1.0]])).tolist()
    [[1.0, 1.0], [2.0, 2.0], [3.0, 2.0]]
    """
    columns = []
    for column in np.asarray(x, dtype=np.float64).T:
        values = np.unique(column)
        columns.append(values if values.size <= DISTINCT_LIMIT else np.r_[values[: DISTINCT_LIMIT - 1], values[-1]])
    rows = max((c.size for c in columns), default=0)
    return np.column_stack([np.pad(c, (0, rows - c.size), mode="edge") for c in columns]).reshape(rows, len(columns))


def check_blocks(data, check) -> None:
    """Run ``check(x_block)`` (a family's support check) on every block of dask data.

    A ``ValueError`` is re-raised with the block's first row, since the
    check counts rows within the block.

    Examples
    --------
    >>> import numpy as np, dask.array as da, emkit as em
    >>> from emkit._dask_input import check_blocks
    >>> from emkit.em.dask_data import DaskData
    >>> data = DaskData(da.from_array(np.array([[1.0], [2.0], [0.5]]), chunks=(2, 1)), None, 64)
    >>> check_blocks(data, em.Poisson().check_data)
    Traceback (most recent call last):
    ...
    ValueError: Poisson components need non-negative integer counts; row 0 is [0.5] (rows counted from row 2, where this block starts)
    """

    def block_error(offset, x, w):
        try:
            check(x)
        except ValueError as err:
            return _in_block(err, offset)
        return None

    errors = [message for message in data.map(block_error) if message]
    if errors:
        raise ValueError(errors[0])


def _in_block(error: ValueError, offset: int) -> str:
    """A block's check message, saying where the block's row count starts."""
    return f"{error} (rows counted from row {offset}, where this block starts)"


def checked_when_computed(values, check, name: str = "X", missing=None):
    """A dask array that checks each block as it is computed: finite values, then ``check`` (a support check).

    The checks cost nothing until the values are used, so lazy predictions
    stay lazy; a bad block raises the ``ValueError`` an in-memory check
    would, naming the row (a family's check counts rows within the block,
    and the message says where the block starts). With
    ``missing="marginalize"`` a NaN passes (an infinite value does not) and
    the support check reads the block filled as
    :func:`~emkit.components.missing.filled_for_starts` fills it.

    Examples
    --------
    >>> import numpy as np, dask.array as da, emkit as em
    >>> from emkit._dask_input import checked_when_computed
    >>> counts = da.from_array(np.array([[1.0], [2.0], [0.5]]), chunks=2)
    >>> values = checked_when_computed(counts, em.Poisson().check_data)
    >>> values[:2].sum().compute()
    np.float64(3.0)
    >>> values.compute()
    Traceback (most recent call last):
    ...
    ValueError: Poisson components need non-negative integer counts; row 0 is [0.5] (rows counted from row 2, where this block starts)
    >>> holes = da.from_array(np.array([[1.0], [np.nan], [3.0]]), chunks=2)
    >>> checked_when_computed(holes, em.Poisson().check_data, missing="marginalize").compute().ravel().tolist()
    [1.0, nan, 3.0]
    """

    def checked(block, block_info=None):
        offset = block_info[0]["array-location"][0][0] if block_info else 0
        if not np.isfinite(block).all():
            bad = non_finite_rows(block, offset)
            if missing:  # only the infinite values are errors
                bad = {"infinite": bad["infinite"]}
            if any(rows.size for rows in bad.values()):
                raise ValueError(non_finite_message(bad, name))
        try:
            check(filled_for_starts(block) if missing else block)
        except ValueError as err:
            raise ValueError(_in_block(err, offset)) from None
        return block

    return values.map_blocks(checked, dtype=values.dtype)

"""Dask data (arrays, or xarray DataArrays backed by dask) as lazily checked observations.

Nothing here reads the data into memory at once: the checks are passes over
row blocks that return a few numbers per block. dask is imported only when
such data are given, so it stays an optional dependency
(``pip install "emkit[dask]"``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._input import Observations, as_sample_weight, dataarray_layout, non_finite_message, non_finite_rows


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


def as_dask_observations(X, name: str = "X") -> Observations:
    """Dask data as :class:`~emkit._input.Observations` holding a lazy ``(n, d)`` dask array.

    The rows may be split into any blocks; the columns are joined into one
    block. float32 data stay float32, other numeric types become float64
    (block by block, when read). The values are not checked here: see
    :func:`scan_blocks`. ``index`` is the DataArray's observation coordinate,
    or None (a range is not built for data that may not fit in memory).

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
    """
    import dask.array as da

    features = index = None
    if isinstance(X, xr.DataArray):
        X, features, index = dataarray_layout(X, name)
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
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = X.astype(dtype).rechunk({1: -1})
    return Observations(X, np.arange(X.shape[1]) if features is None else features, index)


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


def scan_blocks(data, name: str = "X") -> np.ndarray:
    """One pass over dask data: check every value is finite, return each column's range.

    Parameters
    ----------
    data : DaskData
        The observations.
    name : str
        How error messages name the data.

    Returns
    -------
    ndarray of shape (2, d)
        Column minima and maxima: the rows spanning the data's range, which
        is what bind hooks that size themselves from data (category counts)
        need.

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
    >>> x[2, 0] = np.nan
    >>> scan_blocks(DaskData(da.from_array(x, chunks=(2, 2)), None, 64))
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN values in 1 row(s) [2] (rows counted from 0); missing or infinite values are not supported: drop or impute them
    """

    def block_range(offset, x, w):
        if np.isfinite(x).all():
            return np.stack([x.min(axis=0), x.max(axis=0)]).astype(np.float64), None
        return None, non_finite_rows(x, offset)

    scanned = data.map(block_range)
    bad = [rows for _, rows in scanned if rows is not None]
    if bad:
        raise ValueError(non_finite_message({kind: np.concatenate([b[kind] for b in bad]) for kind in bad[0]}, name))
    ranges = np.stack([r for r, _ in scanned])
    return np.stack([ranges[:, 0].min(axis=0), ranges[:, 1].max(axis=0)])


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
            return f"{err} (rows counted from row {offset}, where this block starts)"
        return None

    errors = [message for message in data.map(block_error) if message]
    if errors:
        raise ValueError(errors[0])

"""Turn user data (numpy, pandas, xarray, lists) into a checked float matrix.

Feature names and observation labels travel with the matrix so that results
carry the user's coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr


@dataclass(frozen=True)
class Observations:
    """A validated ``(n, d)`` float matrix with its coordinates.

    Attributes
    ----------
    values : ndarray (n, d)
        C-contiguous data, all finite: float32 if the input was float32,
        float64 otherwise.
    features : ndarray (d,)
        Feature coordinate (column names for DataFrames, else 0..d-1).
    index : ndarray (n,)
        Observation coordinate (DataFrame index, DataArray coordinate, else 0..n-1).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._input import as_observations
    >>> obs = as_observations(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    >>> obs.n_obs, obs.n_features
    (3, 2)
    >>> obs.features.tolist(), obs.index.tolist()
    ([0, 1], [0, 1, 2])
    """

    values: np.ndarray
    features: np.ndarray
    index: np.ndarray
    #: Labels of the columns encoded as category codes, by feature name.
    categories: dict = field(default_factory=dict)

    @property
    def n_obs(self) -> int:
        """Number of observations (rows), n."""
        return self.values.shape[0]

    @property
    def n_features(self) -> int:
        """Number of features (columns), d."""
        return self.values.shape[1]


def as_observations(X, name: str = "X", categories: dict | None = None) -> Observations:
    """Validate data and return it as :class:`Observations`.

    Accepts a 2-D array-like (rows are observations), a 1-D array-like (one
    feature), a pandas DataFrame or Series, or a 2-D xarray DataArray (the
    dimension named ``feature`` is the feature axis if present, otherwise
    the second one).

    ``categories`` allows non-numeric DataFrame columns (pandas categorical,
    string, object): ``None`` rejects them; a dict encodes them as codes
    ``0 .. C - 1``, using the labels it gives for a column (unknown labels
    are an error) or, for a column it does not name, the column's own sorted
    categories. The labels used are in ``Observations.categories``.

    float32 data stay float32 (half the memory; the Gaussian and Student-t
    E-steps then run their matrix products in float32, see
    docs/gaussian_mixtures.md); every other numeric type becomes float64.

    Raises
    ------
    TypeError
        For non-numeric or complex data.
    ValueError
        For a wrong number of dimensions, empty data, NaN or infinite values.

    Examples
    --------
    >>> import pandas as pd
    >>> from emkit._input import as_observations
    >>> obs = as_observations(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}))
    >>> obs.values.shape, obs.features.tolist()
    ((2, 2), ['a', 'b'])
    >>> import numpy as np
    >>> as_observations(np.ones((2, 2), dtype=np.float32)).values.dtype, as_observations([[1, 2]]).values.dtype
    (dtype('float32'), dtype('float64'))
    """
    if isinstance(X, pd.Series):
        X = X.to_frame()
    encoded = {}
    if isinstance(X, pd.DataFrame):
        if categories is not None:
            X, encoded = _encode_categories(X, categories, name)
        values, features, index = _from_frame(X, name)
    elif isinstance(X, xr.DataArray):
        values, features, index = _from_dataarray(X, name)
    elif isinstance(X, xr.Dataset):
        raise TypeError(f"{name} is an xarray Dataset; pass a DataArray, e.g. ds.to_array('feature').T")
    else:
        values = _numeric_array(X, name)
        if values.ndim == 1:
            values = values[:, None]
        _check_rank(values, name)
        features, index = np.arange(values.shape[1]), np.arange(values.shape[0])
    values = np.ascontiguousarray(values, dtype=np.float32 if values.dtype == np.float32 else np.float64)
    _check_finite(values, name)
    return Observations(values, np.asarray(features), np.asarray(index), encoded)


def _numeric_array(X, name: str) -> np.ndarray:
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be array-like numeric data, not {type(X).__name__}")
    try:
        values = np.asarray(X)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} could not be read as an array: {err}") from None
    if values.dtype.kind == "c":
        raise TypeError(f"{name} has complex values; emkit models real-valued data")
    if values.dtype.kind not in "biuf":
        try:
            values = values.astype(np.float64)
        except (ValueError, TypeError):
            raise TypeError(f"{name} must be numeric, got values of dtype {values.dtype}") from None
    return values


def _check_rank(values: np.ndarray, name: str) -> None:
    if values.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (observations x features) or 1-D, got {values.ndim}-D with shape {values.shape}"
        )
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {values.shape})")


def non_numeric_columns(frame: pd.DataFrame) -> list[str]:
    """Names of the columns of ``frame`` that emkit cannot use as numbers.

    Boolean columns count as numeric (0/1); text, categorical, datetime and
    object columns do not.

    Examples
    --------
    >>> import pandas as pd
    >>> from emkit._input import non_numeric_columns
    >>> non_numeric_columns(pd.DataFrame({"a": [1.0], "b": ["x"], "c": [True]}))
    ['b']
    """
    return [str(c) for c, dt in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]


def _labels(values) -> np.ndarray:
    """Coordinate values as an array; object arrays (strings or mixed types) become str.

    netCDF stores string coordinates as str and cannot store mixed types, so
    this keeps saved and loaded results alike.
    """
    values = np.asarray(values)
    if values.dtype == object:
        values = values.astype(str)
    return values


def _encode_categories(frame: pd.DataFrame, known: dict, name: str):
    """Replace non-numeric columns by category codes; returns the frame and the labels used."""
    frame = frame.copy()
    used = {}
    for column in non_numeric_columns(frame):
        series = frame[column]
        labels = known.get(str(column))
        if labels is None:
            labels = [str(v) for v in pd.Categorical(series).categories]
        codes = pd.Index(labels).get_indexer(series.astype(str).where(series.notna()))
        missing = np.flatnonzero(codes < 0)
        if missing.size:
            value = series.iloc[missing[0]]
            what = "is missing" if pd.isna(value) else f"has the unknown category {value!r}"
            raise ValueError(f"{name} column {column!r} {what} in row {missing[0]}")
        frame[column] = codes.astype(np.float64)
        used[str(column)] = list(labels)
    return frame, used


def _from_frame(frame: pd.DataFrame, name: str):
    bad = non_numeric_columns(frame)
    if bad:
        raise TypeError(f"{name} has non-numeric column(s): {', '.join(bad)}; select numeric columns")
    if any(pd.api.types.is_complex_dtype(dt) for dt in frame.dtypes):
        raise TypeError(f"{name} has complex values; emkit models real-valued data")
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    _check_rank(values, name)
    return values, _labels(frame.columns), _labels(frame.index)


def dataarray_layout(array: xr.DataArray, name: str):
    """A DataArray as (observations x features) with its coordinates, without reading its values.

    The dimension named ``feature`` is the feature axis if present, otherwise
    the second one; a 1-D array is one feature. Returns the transposed
    array, the feature labels and the observation labels (None where the
    dimension has no coordinate).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from emkit._input import dataarray_layout
    >>> array = xr.DataArray(np.zeros((2, 3)), dims=("feature", "t"), coords={"feature": ["a", "b"]})
    >>> data, features, index = dataarray_layout(array, "X")
    >>> data.dims, features.tolist(), index
    (('t', 'feature'), ['a', 'b'], None)
    """
    if array.ndim == 1:
        array = array.expand_dims("feature", axis=1)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D DataArray (observations x features), got dims {array.dims}")
    if "feature" in array.dims:
        array = array.transpose(..., "feature")
    obs_dim, feat_dim = array.dims

    def coord(dim):
        return _labels(array[dim].values) if dim in array.coords else None

    return array, coord(feat_dim), coord(obs_dim)


def _from_dataarray(array: xr.DataArray, name: str):
    array, features, index = dataarray_layout(array, name)
    values = _numeric_array(array.values, name)
    _check_rank(values, name)
    n, d = values.shape
    return values, np.arange(d) if features is None else features, np.arange(n) if index is None else index


#: Rows checked for finite values at a time (bounds the check's temporary).
_FINITE_CHECK_ROWS = 1 << 16


def _check_finite(values: np.ndarray, name: str) -> None:
    for start in range(0, len(values), _FINITE_CHECK_ROWS):
        if not np.isfinite(values[start:start + _FINITE_CHECK_ROWS]).all():
            raise ValueError(non_finite_message(non_finite_rows(values), name))


def non_finite_rows(values: np.ndarray, offset: int = 0) -> dict:
    """Rows (plus ``offset``) holding NaN and infinite values, by kind.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._input import non_finite_rows
    >>> rows = non_finite_rows(np.array([[0.0, np.nan], [1.0, 2.0], [np.inf, 0.0]]), offset=10)
    >>> {kind: r.tolist() for kind, r in rows.items()}
    {'NaN': [10], 'infinite': [12]}
    """
    return {
        kind: np.flatnonzero(bad.any(axis=1)) + offset
        for kind, bad in (("NaN", np.isnan(values)), ("infinite", np.isinf(values)))
    }


def non_finite_message(rows: dict, name: str) -> str:
    """The error message for the non-finite rows found by :func:`non_finite_rows`.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._input import non_finite_message
    >>> non_finite_message({"NaN": np.array([3]), "infinite": np.array([], dtype=int)}, "X")
    'X contains NaN values in 1 row(s) [3] (rows counted from 0); missing or infinite values are not supported: drop or impute them'
    """
    problems = []
    for kind, bad in rows.items():
        if bad.size:
            shown = ", ".join(map(str, bad[:5])) + (", ..." if bad.size > 5 else "")
            problems.append(f"{kind} values in {bad.size} row(s) [{shown}]")
    return (
        f"{name} contains {' and '.join(problems)} (rows counted from 0); "
        "missing or infinite values are not supported: drop or impute them"
    )


def as_sample_weight(sample_weight, n_obs: int) -> np.ndarray | None:
    """Validate observation weights: finite, non-negative, one per row, not all zero.

    Parameters
    ----------
    sample_weight : array-like of shape (n_obs,) or None
        Observation weights; None means every observation has weight 1.
    n_obs : int
        Number of observations the weights must match.

    Returns
    -------
    ndarray of shape (n_obs,) or None
        The weights as a C-contiguous float64 array, or None if
        ``sample_weight`` is None.

    Raises
    ------
    TypeError
        For non-numeric weights.
    ValueError
        For weights that are not 1-D, do not have one value per observation,
        are negative or non-finite, or sum to zero.

    Examples
    --------
    >>> from emkit._input import as_sample_weight
    >>> as_sample_weight([1, 2, 0], n_obs=3).tolist()
    [1.0, 2.0, 0.0]
    >>> as_sample_weight(None, n_obs=3) is None
    True
    """
    if sample_weight is None:
        return None
    w = _numeric_array(sample_weight, "sample_weight").astype(np.float64)
    if w.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D (one value per observation), got shape {w.shape}")
    if w.shape != (n_obs,):
        raise ValueError(f"sample_weight has {w.size} values for {n_obs} observations")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError("sample_weight sums to zero")
    return np.ascontiguousarray(w)

"""Turn user data (numpy, pandas, xarray, lists) into a checked float matrix.

Feature names and observation labels travel with the matrix so that results
carry the user's coordinates.
"""

from __future__ import annotations

import difflib
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
    #: Names of the encoded columns that are ordered pandas categoricals.
    ordered: tuple = ()

    @property
    def n_obs(self) -> int:
        """Number of observations (rows), n."""
        return self.values.shape[0]

    @property
    def n_features(self) -> int:
        """Number of features (columns), d."""
        return self.values.shape[1]


def as_observations(
    X, name: str = "X", categories: dict | None = None, features=None, columns=None, missing=None
) -> Observations:
    """Validate data and return it as :class:`Observations`.

    Accepts a 2-D array-like (rows are observations), a 1-D array-like (one
    feature), a pandas DataFrame or Series, or a 2-D xarray DataArray (the
    dimension named ``feature`` is the feature axis if present, otherwise
    the second one).

    ``categories`` allows non-numeric DataFrame columns (pandas categorical,
    string, object): ``None`` rejects them; a dict encodes them as codes
    ``0 .. C - 1``, using the labels it gives for a column (unknown labels
    are an error) or, for a column it does not name, the column's own
    categories (a pandas categorical's in their declared order, other
    columns' distinct values sorted). The labels used are in ``Observations.categories``, the names
    of the ordered pandas categoricals among them in ``Observations.ordered``.

    ``features`` reads the data for a fitted model: the fitted feature
    coordinate. Data with names (DataFrame columns, a DataArray's feature
    coordinate) are matched by name (see :func:`feature_positions`): columns
    may come in any order, extra columns are dropped and a missing one is an
    error. Data without names, and data whose names are not those of a fit
    without names (features ``0 .. d-1``, a fit to a plain array), are read
    by position and must have ``d`` columns.

    ``columns`` reads the data for a fit: the columns a model's declaration
    uses (``FiniteMixture.used_columns``), None for all. Data with names
    keep only those columns, in the data's order, and every other column
    (text included) is ignored; see :func:`used_positions`.

    ``missing="marginalize"`` accepts NaN (a value missing at random, see
    docs/missing_values.md); without it a NaN is an error naming its rows
    and the option. Infinite values are always an error.

    MultiIndex labels (rows or columns) are flattened: the levels of each
    label joined with ``"_"`` (``("size", "mean")`` becomes ``"size_mean"``).

    float32 data stay float32 (half the memory; the Gaussian and Student-t
    E-steps then run their matrix products in float32, see
    docs/gaussian_mixtures.md); every other numeric type becomes float64.

    Raises
    ------
    TypeError
        For non-numeric or complex data.
    ValueError
        For a wrong number of dimensions, empty data, NaN or infinite values,
        duplicate column names, (with ``features``) a missing feature or a
        wrong number of columns, or (with ``columns``) a column the data lack.

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

    For a fitted model, columns are matched by name:

    >>> frame = pd.DataFrame({"b": [3.0, 4.0], "a": [1.0, 2.0], "extra": [0.0, 0.0]})
    >>> as_observations(frame, features=["a", "b"]).values.tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    >>> as_observations(frame[["b"]], features=["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: X lacks the column 'a' that the model was fitted to (its features: a, b)

    For a fit, the columns the declaration uses; the others are ignored:

    >>> with_id = frame.assign(id=["p", "q"])
    >>> as_observations(with_id, columns=("a", "b")).features.tolist()
    ['b', 'a']
    >>> as_observations(with_id, columns=("a", "bb"))
    Traceback (most recent call last):
    ...
    ValueError: X has no column 'bb', which the model names (did you mean 'b'?); its columns are b, a, extra, id

    NaN is accepted as a missing value only when asked:

    >>> as_observations([[1.0, np.nan]], missing="marginalize").values.tolist()
    [[1.0, nan]]
    >>> as_observations([[1.0, np.nan]])
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN values in 1 row(s) [0] (rows counted from 0); pass missing="marginalize" to fit and predict with NaN as values missing at random, or drop or impute them
    """
    if isinstance(X, pd.Series):
        X = X.to_frame()
    encoded, ordered = {}, ()
    if isinstance(X, pd.DataFrame):
        if features is not None:
            X = _select_columns(X, features, name)
        positions = used_positions(_labels(X.columns), columns, name)
        if positions is not None:
            X = X.iloc[:, positions]
        if categories is not None:
            ordered = ordered_columns(X)
            X, encoded = _encode_categories(X, categories, name, allow_missing=missing == "marginalize")
        values, labels, index = _from_frame(X, name)
    elif isinstance(X, xr.DataArray):
        values, labels, index = _from_dataarray(X, name, features, columns)
    elif isinstance(X, xr.Dataset):
        raise TypeError(f"{name} is an xarray Dataset; pass a DataArray, e.g. ds.to_array('feature').T")
    else:
        values = _numeric_array(X, name)
        if values.ndim == 1:
            values = values[:, None]
        _check_rank(values, name)
        labels, index = np.arange(values.shape[1]), np.arange(values.shape[0])
    if features is not None:
        check_width(values.shape[1], features, name)
        labels = features
    values = np.ascontiguousarray(values, dtype=np.float32 if values.dtype == np.float32 else np.float64)
    _check_finite(values, name, allow_nan=missing == "marginalize")
    return Observations(values, np.asarray(labels), np.asarray(index), encoded, ordered)


def has_feature_names(features) -> bool:
    """Whether fitted ``features`` are names, not the positions ``0 .. d-1`` given to data without names.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit._input import has_feature_names
    >>> has_feature_names(np.array(["a", "b"])), has_feature_names(np.arange(2)), has_feature_names([1, 0])
    (True, False, True)
    """
    features = np.asarray(features)
    return not (features.dtype.kind in "iu" and np.array_equal(features, np.arange(features.size)))


def feature_positions(labels, features, name: str = "X") -> np.ndarray | None:
    """Where each fitted feature sits among the data's column ``labels``; None to read by position.

    Names are compared as text, so a column read back from a file as a
    string still matches. Data without names (``labels`` None) are read by
    position. So are data whose names do not include the features of a fit
    without names (:func:`has_feature_names`): the columns ``a, b`` given to
    a fit to a plain array are its features ``0, 1``, while the columns
    ``1, 0`` (such as ``pd.DataFrame(array)[[1, 0]]``) are matched by name.

    Parameters
    ----------
    labels : array-like or None
        The data's column names (DataFrame columns, DataArray feature coordinate).
    features : array-like
        The fitted feature coordinate.
    name : str
        How error messages name the data.

    Returns
    -------
    ndarray of int or None
        Column positions in the order of ``features``.

    Raises
    ------
    ValueError
        If a feature is missing from ``labels`` or named by several columns.

    Examples
    --------
    >>> from emkit._input import feature_positions
    >>> feature_positions(["c", "b", "a"], ["a", "b"]).tolist()
    [2, 1]
    >>> feature_positions(["c", "b", "a"], [0, 1]) is None
    True
    >>> feature_positions([1, 0], [0, 1]).tolist()
    [1, 0]
    >>> feature_positions(["a", "c"], ["a", "b", "d"])
    Traceback (most recent call last):
    ...
    ValueError: X lacks the columns 'b', 'd' that the model was fitted to (its features: a, b, d)
    """
    if labels is None:
        return None
    wanted = [str(f) for f in np.asarray(features)]
    columns = pd.Index([str(label) for label in np.asarray(labels)])
    missing = [f for f in wanted if f not in columns]
    if missing and not has_feature_names(features):
        return None
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ValueError(
            f"{name} lacks the column{plural} {_listed(missing, repr)} that the model was fitted to "
            f"(its features: {_listed(wanted)})"
        )
    repeated = set(columns[columns.duplicated()])
    clashing = [f for f in wanted if f in repeated]
    if clashing:
        raise ValueError(f"{name} has more than one column named {clashing[0]!r}")
    return columns.get_indexer_for(wanted)


def used_positions(labels, columns, name: str = "X") -> np.ndarray | None:
    """Positions of the ``columns`` a declaration uses among the data's column ``labels``; None to read all.

    Names are compared as text. A declaration that names every column it
    uses (``columns`` all strings) reads only those, in the data's order.
    Data without names (``labels`` None), a declaration that uses every
    column (``columns`` None) and one that refers to a column by position
    (an int: a position in the data as given) read every column.

    Parameters
    ----------
    labels : array-like or None
        The data's column names (DataFrame columns, DataArray feature coordinate).
    columns : sequence or None
        The columns the declaration uses (``FiniteMixture.used_columns``).
    name : str
        How error messages name the data.

    Returns
    -------
    ndarray of int or None

    Raises
    ------
    ValueError
        If a named column is not among ``labels``; the message lists the
        data's columns and suggests a close match.

    Examples
    --------
    >>> from emkit._input import used_positions
    >>> used_positions(["id", "h", "v"], ("v", "h")).tolist()
    [1, 2]
    >>> used_positions(["id", "h", "v"], ("v", 1)) is None, used_positions(["h"], None) is None
    (True, True)
    >>> used_positions(["eruptions", "waiting"], ("eruptons",))
    Traceback (most recent call last):
    ...
    ValueError: X has no column 'eruptons', which the model names (did you mean 'eruptions'?); its columns are eruptions, waiting
    """
    if columns is None or labels is None:
        return None
    names = [str(label) for label in np.asarray(labels)]
    for column in columns:
        if isinstance(column, str) and column not in names:
            raise ValueError(
                f"{name} has no column {column!r}, which the model names{close_match_hint(column, names)}; "
                f"its columns are {_listed(names, limit=30)}"
            )
    if not all(isinstance(column, str) for column in columns):
        return None
    used = set(columns)
    return np.array([j for j, label in enumerate(names) if label in used], dtype=int)


def close_match_hint(column, names) -> str:
    """`` (did you mean 'x'?)`` naming the name in ``names`` closest to ``column``, or "" if none is close.

    Examples
    --------
    >>> from emkit._input import close_match_hint
    >>> close_match_hint("Waiting", ["eruptions", "waiting"]), close_match_hint("zzz", ["a", "b"])
    (" (did you mean 'waiting'?)", '')
    """
    names = [str(n) for n in names]
    lowered = {n.lower(): n for n in names}
    matches = difflib.get_close_matches(str(column).lower(), list(lowered), n=1)
    return f" (did you mean {lowered[matches[0]]!r}?)" if matches else ""


def check_width(n_columns: int, features, name: str = "X") -> None:
    """``ValueError`` unless data read by position have one column per fitted feature.

    Examples
    --------
    >>> from emkit._input import check_width
    >>> check_width(2, ["a", "b"])
    >>> check_width(1, ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: X has 1 features; the model was fitted to 2 (a, b)
    """
    if n_columns != len(features):
        raise ValueError(
            f"{name} has {n_columns} features; the model was fitted to {len(features)} ({_listed(features)})"
        )


def _listed(items, form=str, limit: int = 10) -> str:
    """``items`` joined with commas, the first ``limit`` of them then "..."."""
    shown = [form(item) for item in list(items)[:limit]]
    return ", ".join(shown) + (", ..." if len(items) > limit else "")


def _select_columns(frame: pd.DataFrame, features, name: str) -> pd.DataFrame:
    """The columns of ``frame`` for the fitted ``features``, in their order (all of them if read by position)."""
    positions = feature_positions(_labels(frame.columns), features, name)
    return frame if positions is None else frame.iloc[:, positions]


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
    this keeps saved and loaded results alike. Tuples (the labels of a
    pandas MultiIndex) become their parts joined with ``"_"``.
    """
    values = np.asarray(values)
    if values.dtype == object:
        values = np.array(["_".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in values], dtype=str)
    return values


def ordered_columns(frame: pd.DataFrame) -> tuple:
    """Names of the columns of ``frame`` that are ordered pandas categoricals.

    Examples
    --------
    >>> import pandas as pd
    >>> from emkit._input import ordered_columns
    >>> size = pd.Categorical(["S", "L"], categories=["S", "M", "L"], ordered=True)
    >>> ordered_columns(pd.DataFrame({"size": size, "colour": pd.Categorical(["red", "blue"]), "x": [1.0, 2.0]}))
    ('size',)
    """
    return tuple(str(c) for c, dt in frame.dtypes.items() if isinstance(dt, pd.CategoricalDtype) and dt.ordered)


def _encode_categories(frame: pd.DataFrame, known: dict, name: str, allow_missing: bool = False):
    """Replace category columns by their positions among their labels; returns the frame and the labels used.

    A column is encoded if it is non-numeric (pandas categorical, string,
    object) or if ``known`` gives its labels (a column encoded when the model
    was fitted, whatever its type now, so that the number 3 is never read as
    the position of a label). Labels: those in ``known``, else a pandas
    categorical's categories in their declared order (unused ones included),
    else the sorted distinct values. Numeric and boolean columns not in
    ``known`` are left as numbers: :class:`emkit.Categorical` takes their
    categories from the values themselves.

    A missing value (NaN, None, ``pd.NA``, a categorical's missing entry) is
    not a category: with ``allow_missing`` (the ``missing="marginalize"``
    option) its code is NaN, otherwise it is a ValueError naming its row.

    Examples
    --------
    >>> import pandas as pd
    >>> from emkit._input import _encode_categories
    >>> level = pd.Categorical(["high", "low", "high"], categories=["low", "mid", "high"], ordered=True)
    >>> frame, used = _encode_categories(pd.DataFrame({"level": level, "score": [3, 1, 2]}), {}, "X")
    >>> frame["level"].tolist(), used
    ([2.0, 0.0, 2.0], {'level': ['low', 'mid', 'high']})
    >>> _encode_categories(pd.DataFrame({"level": [1, 2]}), {"level": ["1", "2"]}, "X")[0]["level"].tolist()
    [0.0, 1.0]
    >>> _encode_categories(pd.DataFrame({"level": ["low", "top"]}), used, "X")
    Traceback (most recent call last):
    ...
    ValueError: X column 'level' has the unknown category 'top' in row 1
    >>> answers = pd.DataFrame({"q": ["yes", None, "no", float("nan")]})
    >>> frame, used = _encode_categories(answers, {}, "X", allow_missing=True)
    >>> frame["q"].tolist(), used
    ([1.0, nan, 0.0, nan], {'q': ['no', 'yes']})
    >>> _encode_categories(answers, {}, "X")
    Traceback (most recent call last):
    ...
    ValueError: X column 'q' is missing in row 1; pass missing="marginalize" to take missing values as missing at random, or drop or impute them
    """
    frame = frame.copy()
    used = {}
    encoded = non_numeric_columns(frame) + [str(c) for c in frame.columns if str(c) in known]
    for column in [c for c in frame.columns if str(c) in encoded]:
        series = frame[column]
        labels = known.get(str(column))
        if labels is None:
            labels = [str(v) for v in pd.Categorical(series).categories]
        absent = series.isna().to_numpy()
        codes = pd.Index(labels).get_indexer(series.astype(str).where(~absent)).astype(np.float64)
        if allow_missing:
            codes[absent] = np.nan
        unmatched = np.flatnonzero(codes < 0)
        if unmatched.size:
            value = series.iloc[unmatched[0]]
            value = value.item() if isinstance(value, np.generic) else value
            if pd.isna(value):
                raise ValueError(
                    f"{name} column {column!r} is missing in row {unmatched[0]}; pass missing=\"marginalize\" to "
                    "take missing values as missing at random, or drop or impute them"
                )
            raise ValueError(f"{name} column {column!r} has the unknown category {value!r} in row {unmatched[0]}")
        frame[column] = codes
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
    features = _labels(frame.columns)
    _check_unique(features, name)
    return values, features, _labels(frame.index)


def _check_unique(features: np.ndarray, name: str) -> None:
    names, counts = np.unique(features.astype(str), return_counts=True)
    if (counts > 1).any():
        first = str(names[counts > 1][0])
        raise ValueError(f"{name} has more than one column named {first!r}; column names must be unique")


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

    features = coord(feat_dim)
    if features is not None:
        _check_unique(features, name)
    return array, features, coord(obs_dim)


def select_features(array: xr.DataArray, labels, features, name: str = "X") -> xr.DataArray:
    """The feature columns of ``array`` (laid out by :func:`dataarray_layout`) for the fitted ``features``.

    Matched by name through :func:`feature_positions`; unchanged (to be
    read by position, see :func:`check_width`) for data or fits without names.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from emkit._input import dataarray_layout, select_features
    >>> array = xr.DataArray([[1.0, 2.0]], dims=("obs", "feature"), coords={"feature": ["b", "a"]})
    >>> array, labels, _ = dataarray_layout(array, "X")
    >>> select_features(array, labels, ["a", "b"]).values.tolist()
    [[2.0, 1.0]]
    """
    positions = feature_positions(labels, features, name)
    return array if positions is None else array.isel({array.dims[1]: positions})


def _from_dataarray(array: xr.DataArray, name: str, fitted=None, columns=None):
    array, features, index = dataarray_layout(array, name)
    if fitted is not None:
        array, features = select_features(array, features, fitted, name), np.asarray(fitted)
    positions = used_positions(features, columns, name)
    if positions is not None:
        array, features = array.isel({array.dims[1]: positions}), features[positions]
    values = _numeric_array(array.values, name)
    _check_rank(values, name)
    n, d = values.shape
    return values, np.arange(d) if features is None else features, np.arange(n) if index is None else index


#: Rows checked for finite values at a time (bounds the check's temporary).
_FINITE_CHECK_ROWS = 1 << 16


def _check_finite(values: np.ndarray, name: str, allow_nan: bool = False) -> None:
    for start in range(0, len(values), _FINITE_CHECK_ROWS):
        block = values[start:start + _FINITE_CHECK_ROWS]
        if not (~np.isinf(block) if allow_nan else np.isfinite(block)).all():
            rows = non_finite_rows(values)
            if allow_nan:
                rows = {"infinite": rows["infinite"]}
            raise ValueError(non_finite_message(rows, name))


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
    'X contains NaN values in 1 row(s) [3] (rows counted from 0); pass missing="marginalize" to fit and predict with NaN as values missing at random, or drop or impute them'
    >>> non_finite_message({"infinite": np.array([0, 2])}, "X")
    'X contains infinite values in 2 row(s) [0, 2] (rows counted from 0); infinite values are not supported: drop or replace them'
    """
    problems = []
    for kind, bad in rows.items():
        if bad.size:
            shown = ", ".join(map(str, bad[:5])) + (", ..." if bad.size > 5 else "")
            problems.append(f"{kind} values in {bad.size} row(s) [{shown}]")
    advice = (
        'pass missing="marginalize" to fit and predict with NaN as values missing at random, or drop or impute them'
        if rows.get("NaN", np.zeros(0)).size
        else "infinite values are not supported: drop or replace them"
    )
    return f"{name} contains {' and '.join(problems)} (rows counted from 0); {advice}"


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

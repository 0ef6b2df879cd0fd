"""Initial parameters for EM.

Every strategy but user-given parameters produces a partition or soft
responsibilities of the observations, and the initial parameters are one
M-step from them, so any family can be initialised the same way:

``"kmeans++"``
    k-means++ seeding (Arthur & Vassilvitskii, 2007): the first seed is a
    random observation, each further seed an observation drawn with
    probability proportional to its squared distance to the nearest seed;
    observations are then assigned to their nearest seed.
``"random_from_data"``
    K distinct observations drawn uniformly as seeds, then nearest-seed
    assignment.
``"random"``
    Responsibilities drawn uniformly at random and normalised per row.
an ``xarray.Dataset``
    Parameters in the layout of ``FitResult.params``.
an array of shape (n, K)
    Responsibilities (non-negative, each row normalised to sum to 1).

Seeding and assignment use Euclidean distance in the data's units.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..exceptions import DegenerateComponentError
from ..models.mixture import FiniteMixture
from .chunks import ChunkedData

INIT_METHODS = ("kmeans++", "random_from_data", "random")


def check_init(init, n_obs: int, n_features: int, n_components: int):
    """Validate an ``init`` argument; returns it (arrays as float64).

    Parameters
    ----------
    init : str, xarray.Dataset or array-like
        A method name from ``INIT_METHODS``, parameters laid out like
        ``FitResult.params``, or (n, K) responsibilities.
    n_obs, n_features, n_components : int
        Shape of the data and number of components the ``init`` must fit.

    Returns
    -------
    str, xarray.Dataset or ndarray
        Names and Datasets unchanged; responsibilities as a float64 array
        whose rows are normalised to sum to 1.

    Raises
    ------
    TypeError
        If ``init`` is of an unsupported type.
    ValueError
        For an unknown method name, a Dataset with the wrong number of
        features, or responsibilities of the wrong shape, negative, non-finite
        or with an all-zero row.

    Examples
    --------
    >>> from emkit.em.init import check_init
    >>> check_init("kmeans++", n_obs=2, n_features=1, n_components=2)
    'kmeans++'
    >>> check_init([[1, 1], [0, 2]], n_obs=2, n_features=1, n_components=2).tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    if isinstance(init, str):
        if init not in INIT_METHODS:
            raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INIT_METHODS)}, "
                             "an xarray.Dataset of parameters or an (n, K) array of responsibilities")
        return init
    if isinstance(init, xr.Dataset):
        if init.sizes.get("feature", n_features) != n_features:
            raise ValueError(f"initial parameters have {init.sizes['feature']} features, the data have {n_features}")
        return init
    try:
        resp = np.asarray(init, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"init must be a method name, an xarray.Dataset or an array of responsibilities, "
            f"not {type(init).__name__}"
        ) from None
    if resp.shape != (n_obs, n_components):
        raise ValueError(f"initial responsibilities must have shape ({n_obs}, {n_components}), got {resp.shape}")
    if not np.all(np.isfinite(resp)) or np.any(resp < 0):
        raise ValueError("initial responsibilities must be finite and non-negative")
    totals = resp.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError("every row of the initial responsibilities needs a positive entry")
    return resp / totals


def initialise(declaration: FiniteMixture, data: ChunkedData, init, rng: np.random.Generator) -> FiniteMixture:
    """The initial fitted mixture for one EM restart.

    Parameters
    ----------
    declaration : FiniteMixture
        The (unfitted) model declaration.
    data : ChunkedData
        Training observations.
    init : str, xarray.Dataset or ndarray
        As returned by :func:`check_init`.
    rng : numpy.random.Generator
        Randomness of the seeding strategies.

    Returns
    -------
    FiniteMixture
        One M-step from the initial partition or responsibilities, or the
        given parameters.

    Raises
    ------
    DegenerateComponentError
        If the data have too few distinct rows for the seeds, or a component
        starts without weight.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.models.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.init import initialise
    >>> data = ChunkedData(np.array([[0.0], [0.1], [5.0], [5.1]]), None, chunk_size=64)
    >>> declaration = FiniteMixture([Gaussian("spherical", 2)])
    >>> start = initialise(declaration, data, "kmeans++", np.random.default_rng(0))
    >>> start.is_fitted, sorted(start.families[0].means.ravel().round(2).tolist())
    (True, [0.05, 5.05])
    >>> start = initialise(declaration, data, np.eye(2)[[1, 1, 0, 0]], np.random.default_rng(0))
    >>> start.families[0].means.round(2).tolist()
    [[5.05], [0.05]]
    """
    K = declaration.n_components
    if isinstance(init, xr.Dataset):
        return declaration.from_dataset(init)
    if isinstance(init, np.ndarray):
        return _from_responsibilities(declaration, data, lambda start, stop: init[start:stop])
    if init == "random":
        resp = rng.random((data.n_obs, K))
        resp /= resp.sum(axis=1, keepdims=True)
        return _from_responsibilities(declaration, data, lambda start, stop: resp[start:stop])
    seeds = _kmeanspp_seeds(data, K, rng) if init == "kmeans++" else _random_seeds(data, K, rng)
    labels = np.concatenate([_nearest(x, seeds) for _, x, _ in data.chunks()])
    eye = np.eye(K)
    return _from_responsibilities(declaration, data, lambda start, stop: eye[labels[start:stop]])


def _from_responsibilities(declaration, data, resp_rows) -> FiniteMixture:
    def chunk_stats(offset, x, w):
        resp = resp_rows(offset, offset + len(x))
        if w is not None:
            resp = resp * w[:, None]
        return declaration.stats_from_responsibilities(x, resp)

    return declaration.m_step(data.reduce(chunk_stats))


def _selection_weights(data: ChunkedData) -> np.ndarray:
    w = np.ones(data.n_obs) if data.sample_weight is None else data.sample_weight
    return w / w.sum()


def _random_seeds(data: ChunkedData, K: int, rng) -> np.ndarray:
    p = _selection_weights(data)
    order = rng.choice(data.n_obs, size=np.count_nonzero(p), replace=False, p=p)
    rows = data.values[order]
    _, first = np.unique(rows, axis=0, return_index=True)
    if len(first) < K:
        raise DegenerateComponentError(f"the data have {len(first)} distinct rows, fewer than {K} components")
    return rows[np.sort(first)[:K]]


def _kmeanspp_seeds(data: ChunkedData, K: int, rng) -> np.ndarray:
    x, w = data.values, _selection_weights(data)
    seeds = np.empty((K, x.shape[1]))
    seeds[0] = x[rng.choice(len(x), p=w)]
    nearest = np.sum(np.square(x - seeds[0]), axis=1)
    for k in range(1, K):
        mass = nearest * w
        total = mass.sum()
        if total <= 0:
            raise DegenerateComponentError(
                f"k-means++ found only {k} distinct seeds for {K} components: the data have too few distinct rows"
            )
        seeds[k] = x[rng.choice(len(x), p=mass / total)]
        np.minimum(nearest, np.sum(np.square(x - seeds[k]), axis=1), out=nearest)
    return seeds


def _nearest(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    # |x - s|^2 up to a term constant in s, computed about the seeds' centre so a
    # large common offset does not round the distances away.
    centre = seeds.mean(axis=0)
    shifted = seeds - centre
    distance = np.square(shifted).sum(axis=1) - 2.0 * ((x - centre) @ shifted.T)
    return np.argmin(distance, axis=1)

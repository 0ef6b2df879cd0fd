"""Initial parameters for EM.

Every strategy but user-given parameters produces a partition or soft
responsibilities of the observations, and the initial parameters are one
M-step from them, so any family can be initialised the same way:

``"auto"`` (the default of ``fit``)
    What the model's families declare suits their data
    (:func:`emkit.components.base.declared_init`): ``"short_em"`` as soon as
    one family is discrete (categorical, Bernoulli, Poisson), ``"kmeans++"``
    otherwise.
``"short_em"``
    The best of :data:`~emkit.em.driver.SHORT_EM_STARTS` short EM runs
    (:data:`~emkit.em.driver.SHORT_EM_ITER` iterations each) from
    ``"random"`` and ``"kmeans++"`` starts, after Biernacki, Celeux & Govaert (2003); EM then
    continues from it. It runs EM, so the driver makes it
    (:func:`emkit.em.driver.starting_mixture`).

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
``"segments"``
    For sequences (a hidden Markov model): each sequence cut into K
    consecutive segments of (nearly) equal length, segment k given to
    component k, the "flat start" of a left-right model (the default of
    one). Mixtures refuse it: their rows are no sequences.
``"screened"``
    For sequences (a hidden Markov model): the best of short EM runs of
    the chain itself from the starts its ``screening_starts`` name (k-means++
    emissions and random state weights, say), EM then continuing from it:
    the default of a hidden Markov model. It runs EM, so the driver makes
    it (:func:`emkit.em.driver.starting_mixture`); mixtures refuse it (their
    ``"short_em"`` is the same idea).
an ``xarray.Dataset``
    Parameters in the layout of ``FitResult.params``, their features matched
    to the data's columns by name (:func:`params_in_data_order`), so
    parameters fitted to columns ``rt, correct`` start a fit to columns
    ``correct, rt``.
an array of shape (n, K)
    Responsibilities (non-negative, each row normalised to sum to 1).

With partial labels (data with ``labels``, from ``fit(X, labels=y)``) a
method name starts from the labelled rows instead (:func:`labelled_start`):
one M-step from their indicator responsibilities, components with no
labelled row seeded by the method among the rest, so that a fit whose every
component has labelled rows starts the same way whatever the seed.

Seeding and assignment use Euclidean distance in the data's units, which
suits continuous data; on category codes, 0/1 items or counts those
distances tie or mean nothing and k-means++ starts often end in poor local
optima, hence ``"short_em"`` for such families. Seeding and assignment
touch the data only through the executor's passes (``reduce``, ``map``,
``chunk``), one pass per seed, so they work the same on in-memory and on
dask data, and their draws do not depend on how the data are chunked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from .._input import has_feature_names
from ..exceptions import DegenerateComponentError
from ..latent.protocol import LatentModel
from .chunks import ChunkedData

INIT_METHODS = ("kmeans++", "random_from_data", "random", "short_em", "segments", "screened")

#: Methods for rows that form sequences (a hidden Markov model) only.
SEQUENTIAL_METHODS = ("segments", "screened")

#: The ``init`` that stands for what the model's families declare.
AUTO = "auto"

#: Methods that draw K observations as seeds and assign every row to its nearest seed.
SEEDINGS = ("kmeans++", "random_from_data")

_INIT_CHOICES = (
    f"{AUTO}, {', '.join(INIT_METHODS)}, an xarray.Dataset of parameters or an (n, K) array of responsibilities"
)


def check_init(
    init, n_obs: int, n_features: int, n_components: int, auto: str = "kmeans++", sequential: bool = False,
    features=None,
):
    """Validate an ``init`` argument; returns it (arrays as float64).

    Parameters
    ----------
    init : str, xarray.Dataset or array-like
        ``"auto"``, a method name from ``INIT_METHODS``, parameters laid out
        like ``FitResult.params``, or (n, K) responsibilities.
    n_obs, n_features, n_components : int
        Shape of the data and number of components the ``init`` must fit.
    auto : str, default "kmeans++"
        The method ``"auto"`` stands for (the model's
        ``default_init``).
    sequential : bool, default False
        Whether the rows form sequences (a hidden Markov model); only then
        are ``"segments"`` and ``"screened"`` allowed.
    features : array-like, optional
        The data's feature names, to which a Dataset's ``feature`` (and
        ``feature2``) coordinate is matched by name
        (:func:`params_in_data_order`); None matches by position.

    Returns
    -------
    str, xarray.Dataset or ndarray
        ``"auto"`` replaced by ``auto``, other names unchanged; a Dataset
        with its features in the data's order; responsibilities as a
        float64 array whose rows are normalised to sum to 1.

    Raises
    ------
    TypeError
        If ``init`` is of an unsupported type (``None``, a number).
    ValueError
        For an unknown method name, a Dataset with the wrong number of
        features or lacking one of the data's features, or responsibilities
        of the wrong shape, negative, non-finite or with an all-zero row.

    Examples
    --------
    >>> from emkit.em.init import check_init
    >>> check_init("kmeans++", n_obs=2, n_features=1, n_components=2)
    'kmeans++'
    >>> check_init("auto", n_obs=2, n_features=1, n_components=2, auto="short_em")
    'short_em'
    >>> check_init([[1, 1], [0, 2]], n_obs=2, n_features=1, n_components=2).tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    >>> check_init(None, n_obs=2, n_features=1, n_components=2)
    Traceback (most recent call last):
    ...
    TypeError: init=None is not a start; choose one of auto, kmeans++, random_from_data, random, short_em, segments, screened, an xarray.Dataset of parameters or an (n, K) array of responsibilities
    """
    if isinstance(init, str):
        if init == AUTO:
            return auto
        if init not in INIT_METHODS:
            raise ValueError(f"unknown init {init!r}; choose one of {_INIT_CHOICES}")
        if init in SEQUENTIAL_METHODS and not sequential:
            raise ValueError(f"init={init!r} starts a model of sequences; a mixture's rows are independent")
        return init
    if isinstance(init, xr.Dataset):
        if init.sizes.get("feature", n_features) != n_features:
            raise ValueError(f"initial parameters have {init.sizes['feature']} features, the data have {n_features}")
        return init if features is None else params_in_data_order(init, features)
    try:
        resp = np.asarray(init, dtype=float)
    except (TypeError, ValueError):
        resp = None
    if resp is None or resp.ndim == 0:
        raise TypeError(f"init={init!r:.60} is not a start; choose one of {_INIT_CHOICES}")
    if resp.shape != (n_obs, n_components):
        raise ValueError(f"initial responsibilities must have shape ({n_obs}, {n_components}), got {resp.shape}")
    if not np.all(np.isfinite(resp)) or np.any(resp < 0):
        raise ValueError("initial responsibilities must be finite and non-negative")
    totals = resp.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError("every row of the initial responsibilities needs a positive entry")
    return resp / totals


def params_in_data_order(params: xr.Dataset, features) -> xr.Dataset:
    """``params`` with its ``feature`` and ``feature2`` coordinates in the order of the data's ``features``.

    Features are matched by name (compared as text, as columns are when a
    fitted model reads data), so parameters fitted to columns ``rt,
    correct`` start a fit to columns ``correct, rt``. Parameters or data
    without names (the positions ``0 .. d-1`` of a plain array, see
    :func:`emkit._input.has_feature_names`) are matched by position.

    Parameters
    ----------
    params : xarray.Dataset
        Parameters laid out like ``FitResult.params``, with as many features
        as the data.
    features : array-like
        The data's feature names.

    Returns
    -------
    xarray.Dataset
        ``params`` reordered, its feature coordinates set to ``features``.

    Raises
    ------
    ValueError
        If the parameters lack one of the data's features.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from emkit.em.init import params_in_data_order
    >>> params = xr.Dataset({"means": (("component", "feature"), [[1.0, 2.0]])}, coords={"feature": ["a", "b"]})
    >>> params_in_data_order(params, np.array(["b", "a"])).means.values.tolist()
    [[2.0, 1.0]]
    >>> params_in_data_order(params, np.array(["b", "c"]))
    Traceback (most recent call last):
    ...
    ValueError: initial parameters lack the feature 'c' of the data (their features: a, b); give parameters over the data's columns
    """
    if "feature" not in params.dims:
        return params
    given = np.asarray(params["feature"].values)
    features = np.asarray(features)
    if not (has_feature_names(given) and has_feature_names(features)):
        return params
    wanted = [str(f) for f in features]
    dims = [dim for dim in ("feature", "feature2") if dim in params.dims]
    positions = {dim: _named_positions(params[dim].values, wanted) for dim in dims}
    return params.isel(positions).assign_coords({dim: features for dim in positions})


def _named_positions(coordinate, wanted: list) -> np.ndarray:
    """Where each name of ``wanted`` sits in a parameter Dataset's feature ``coordinate`` (names as text)."""
    names = pd.Index([str(f) for f in coordinate])
    if not names.is_unique:
        raise ValueError(f"initial parameters name a feature more than once (their features: {', '.join(names)})")
    lacking = [repr(f) for f in wanted if f not in names]
    if lacking:
        plural = "s" if len(lacking) > 1 else ""
        raise ValueError(
            f"initial parameters lack the feature{plural} {', '.join(lacking)} of the data "
            f"(their features: {', '.join(names)}); give parameters over the data's columns"
        )
    return names.get_indexer(wanted)


def initialise(declaration: LatentModel, data: ChunkedData, init, rng: np.random.Generator) -> LatentModel:
    """The initial fitted mixture for one EM restart.

    Parameters
    ----------
    declaration : LatentModel
        The (unfitted) model declaration (a mixture, a hidden Markov chain).
    data : ChunkedData
        Training observations.
    init : str, xarray.Dataset or ndarray
        As returned by :func:`check_init`, but not ``"short_em"``, which runs
        EM (:func:`emkit.em.driver.starting_mixture` makes it).
    rng : numpy.random.Generator
        Randomness of the seeding strategies.

    Returns
    -------
    LatentModel
        One M-step from the initial partition or responsibilities, or the
        given parameters.

    Raises
    ------
    DegenerateComponentError
        If the data have too few distinct rows for the seeds, or a component
        starts without weight.
    ValueError
        For ``"short_em"`` or an unknown method name.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
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
    if isinstance(init, str) and data.labels is not None:
        return labelled_start(declaration, data, init, rng)
    if isinstance(init, xr.Dataset):
        return declaration.from_dataset(init)
    if isinstance(init, np.ndarray):
        return _from_responsibilities(declaration, data, lambda offset, x, lengths: init[offset : offset + len(x)])
    if init == "segments":
        return _from_responsibilities(declaration, data, lambda offset, x, lengths: segment_responsibilities(
            [len(x)] if lengths is None else lengths, K
        ))
    if init == "random":
        entropy = int(rng.integers(2**63))
        return _from_responsibilities(
            declaration, data, lambda offset, x, lengths: random_responsibilities(entropy, offset, offset + len(x), K)
        )
    if init not in SEEDINGS:
        raise ValueError(f"initialise makes {', '.join(SEEDINGS)}, 'random' or 'segments' starts, not {init!r}")
    seeds = _draw_seeds(data, K, rng, squared_distance=init == "kmeans++")
    eye = np.eye(K)
    return _from_responsibilities(declaration, data, lambda offset, x, lengths: eye[_nearest(x, seeds)])


def labelled_start(declaration: LatentModel, data: ChunkedData, init: str, rng: np.random.Generator) -> LatentModel:
    """The start of a fit with partial labels: one M-step from the labelled rows, the rest seeded.

    Labelled rows take their component's indicator as responsibilities. If
    every component has a labelled row, the unlabelled rows take none (the
    start is the supervised estimate of the labelled rows alone, whatever
    the seed). Otherwise the components without one are seeded by ``init``
    as in :func:`initialise`, k-means++ measuring distances to the labelled
    components' weighted means too, and every unlabelled row goes to its
    nearest centre among those means and the seeds (``"random"``: random
    responsibilities over all components).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.components.gaussian import Gaussian
    >>> from emkit.latent.mixture import FiniteMixture
    >>> from emkit.em.chunks import ChunkedData
    >>> from emkit.em.init import labelled_start
    >>> x = np.array([[0.0], [0.2], [5.0], [5.2], [9.0], [9.2]])
    >>> data = ChunkedData(x, None, 64, labels=np.array([0, -1, 1, -1, -1, -1]))
    >>> start = labelled_start(FiniteMixture([Gaussian("spherical", 3)]), data, "kmeans++", np.random.default_rng(0))
    >>> start.families[0].means.ravel().round(2).tolist()
    [0.1, 5.1, 9.1]
    """
    K = declaration.n_components
    labelled = data.reduce(lambda offset, x, w, labels: _class_sums(x, w, labels, K), with_labels=True)
    eye = np.eye(K)
    unseen = labelled.counts <= 0
    if not unseen.any():
        unlabelled_rows = lambda offset, x: np.zeros((len(x), K))  # noqa: E731
    elif init == "random":
        entropy = int(rng.integers(2**63))
        unlabelled_rows = lambda offset, x: random_responsibilities(entropy, offset, offset + len(x), K)  # noqa: E731
    else:
        means = labelled.sums[~unseen] / labelled.counts[~unseen, None]
        seeds = _draw_seeds(data, int(unseen.sum()), rng, init != "random_from_data", means)
        centres = np.empty((K, data.n_features))
        centres[~unseen], centres[unseen] = means, seeds[len(means):]
        unlabelled_rows = lambda offset, x: eye[_nearest(x, centres)]  # noqa: E731

    def chunk_stats(offset, x, w, labels):
        resp = unlabelled_rows(offset, x)
        known = labels >= 0
        resp[known] = eye[labels[known]]
        if w is not None:
            resp = resp * w[:, None]
        return declaration.stats_from_responsibilities(x, resp)

    return declaration.m_step(data.reduce(chunk_stats, with_labels=True))


def _class_sums(x: np.ndarray, w: np.ndarray | None, labels: np.ndarray, K: int):
    """Weighted counts (K,) and sums (K, d) of the labelled rows of a chunk, by component."""
    known = labels >= 0
    weight = np.ones(int(known.sum())) if w is None else w[known]
    counts = np.bincount(labels[known], weights=weight, minlength=K)
    sums = np.zeros((K, x.shape[1]))
    np.add.at(sums, labels[known], x[known] * weight[:, None])
    return _Sums(counts, sums)


@dataclass(frozen=True)
class _Sums:
    """Per-component counts and sums, added chunk by chunk."""

    counts: np.ndarray
    sums: np.ndarray

    def __add__(self, other: "_Sums") -> "_Sums":
        return _Sums(self.counts + other.counts, self.sums + other.sums)


#: Rows per block of :func:`random_responsibilities`: each block has its own
#: random stream, so any chunking of the data draws the same values.
RANDOM_BLOCK_ROWS = 4096


def random_responsibilities(entropy: int, start: int, stop: int, n_components: int) -> np.ndarray:
    """Uniform random responsibilities of rows ``start .. stop - 1``, normalised per row.

    Row ``i`` draws from the stream of block ``i // RANDOM_BLOCK_ROWS``,
    seeded by ``(entropy, block)``, so the values of a row do not depend on
    how the data are split into chunks or blocks.

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.em.init import random_responsibilities
    >>> whole = random_responsibilities(7, 0, 10000, 3)
    >>> parts = np.concatenate([random_responsibilities(7, a, b, 3) for a, b in [(0, 4000), (4000, 10000)]])
    >>> np.array_equal(whole, parts), np.allclose(whole.sum(axis=1), 1.0)
    (True, True)
    """
    first, last = start // RANDOM_BLOCK_ROWS, (stop - 1) // RANDOM_BLOCK_ROWS
    blocks = [
        np.random.default_rng([entropy, block]).random((RANDOM_BLOCK_ROWS, n_components))
        for block in range(first, last + 1)
    ]
    skip = start - first * RANDOM_BLOCK_ROWS
    resp = np.concatenate(blocks)[skip : skip + stop - start]
    return resp / resp.sum(axis=1, keepdims=True)


def segment_responsibilities(lengths, n_components: int) -> np.ndarray:
    """Each sequence cut into ``n_components`` consecutive segments: one-hot rows (the ``"segments"`` start).

    Step t of a sequence of length L goes to component ``floor(K t / L)``.

    Examples
    --------
    >>> from emkit.em.init import segment_responsibilities
    >>> segment_responsibilities([6, 3], 3).argmax(axis=1).tolist()
    [0, 0, 1, 1, 2, 2, 0, 1, 2]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    steps = np.arange(lengths.sum()) - starts
    labels = (n_components * steps) // np.repeat(lengths, lengths)
    return np.eye(n_components)[labels]


def _from_responsibilities(declaration, data, resp_rows) -> LatentModel:
    """One M-step from the responsibilities ``resp_rows(offset, x, lengths)`` of each chunk."""

    def chunk_stats(offset, x, w, lengths):
        resp = resp_rows(offset, x, lengths)
        if w is not None:
            resp = resp * w[:, None]
        return declaration.stats_from_responsibilities(x, resp)

    return declaration.m_step(data.reduce(chunk_stats, with_lengths=True))


def _draw_seeds(data, K: int, rng, squared_distance: bool, given: np.ndarray | None = None) -> np.ndarray:
    """K distinct observations drawn one after another (k-means++ or uniform), after the ``given`` seeds.

    Each draw picks a row with probability proportional to its weight times
    its squared distance to the nearest seed so far (k-means++) or times 1
    if it differs from every seed (uniform over distinct rows). A draw is one
    pass over the data that sums the masses per chunk, then one chunk is
    read again to find the row, so no per-observation array is kept.
    """
    seeds = np.empty((0, data.n_features)) if given is None else np.asarray(given, dtype=float)
    wanted = len(seeds) + K
    for _ in range(K):
        mass = _seed_mass(seeds, squared_distance)
        totals = np.array(data.map(lambda offset, x, w: float(_weighted(mass(x), w).sum())))
        cumulative = np.cumsum(totals)
        if cumulative[-1] <= 0:
            raise DegenerateComponentError(
                f"{'k-means++ ' if squared_distance else ''}found only {len(seeds)} distinct seeds for {wanted} "
                "components: the data have too few distinct rows"
            )
        target = rng.random() * cumulative[-1]
        index = _step_at(cumulative, target)
        _, x, w = data.chunk(index)
        row = _step_at(np.cumsum(_weighted(mass(x), w)), target - (cumulative[index] - totals[index]))
        seeds = np.vstack([seeds, x[row]])
    return seeds


def _step_at(cumulative: np.ndarray, target: float) -> int:
    """The i with ``cumulative[i - 1] <= target < cumulative[i]``.

    A target at or past the end (by rounding) gives the last positive step.
    """
    index = int(np.searchsorted(cumulative, target, side="right"))
    if index == len(cumulative):
        index = int(np.flatnonzero(np.diff(cumulative, prepend=0.0) > 0)[-1])
    return index


def _seed_mass(seeds: np.ndarray, squared_distance: bool):
    """Per-row selection mass given the seeds drawn so far (before weights)."""

    def mass(x: np.ndarray) -> np.ndarray:
        if len(seeds) == 0:
            return np.ones(len(x))
        nearest = _nearest_squared_distance(x, seeds)
        return nearest if squared_distance else (nearest > 0).astype(float)

    return mass


def _squared_distances(x: np.ndarray, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``|x_i - c_j|^2`` for every row and seed, (n, k), by one matrix product, and its scale.

    Expanded about the seeds' centre ``m``: ``|u|^2 - 2 u . v_j + |v_j|^2`` with
    ``u = x - m``, ``v_j = c_j - m``, so a large common offset does not round
    the distances away. The expansion is exact to a few ``eps`` times the
    returned scale ``|u|^2 + max_j |v_j|^2`` of each row.
    """
    centre = seeds.mean(axis=0)
    u = x - centre
    v = seeds - centre
    uu, vv = np.einsum("nd,nd->n", u, u), np.einsum("kd,kd->k", v, v)
    return uu[:, None] + (vv - 2.0 * (u @ v.T)), uu + vv.max()


def _nearest_squared_distance(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """``min_j |x_i - c_j|^2`` for every row: exactly 0 for a row equal to a seed.

    Rows whose expanded distance (:func:`_squared_distances`) is within its
    rounding of 0 are measured directly from their differences.
    """
    distances, scale = _squared_distances(x, seeds)
    nearest = np.maximum(distances.min(axis=1), 0.0)
    close = np.flatnonzero(nearest <= 1e-8 * scale)
    if close.size:
        nearest[close] = np.square(x[close, None, :] - seeds[None, :, :]).sum(axis=2).min(axis=1)
    return nearest


def _weighted(mass: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    return mass if w is None else mass * w


def _nearest(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Index of each row's nearest seed."""
    return np.argmin(_squared_distances(x, seeds)[0], axis=1)

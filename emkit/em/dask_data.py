"""The dask executor: every pass over the data is a dask computation.

A dask array of observations is split into row blocks. One pass maps a
function over the blocks (inside a block, the in-memory executor walks
cache-sized chunks) and sums the per-block values in a tree, so only the
statistics travel between workers, never the data. Whatever scheduler is
active runs the pass: dask's threads by default, or a
``dask.distributed.Client`` (a ``LocalCluster`` or any cluster) once one
is created. Data opened lazily (zarr, netCDF, ...) are read block by block
on every pass, so memory holds a few blocks at a time, not the data set;
``X.persist()`` keeps blocks in the workers' memory instead.

The interface is that of :class:`~emkit.em.chunks.ChunkedData` (``reduce``,
``map``, ``chunk``, ``n_obs``, ``total_weight``), so the EM driver and the
initialisation run unchanged on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from .chunks import ChunkedData
from .sequences import lengths_within

#: Per-block values summed together in one task of the tree reduction.
SPLIT_EVERY = 8


def _block_sum(chunk_stats, offset, x, w, labels, chunk_size, bounds, with_lengths, with_labels):
    """Sum ``chunk_stats`` over cache-sized chunks of one block (offsets global; sequences whole)."""
    block = ChunkedData(
        np.asarray(x), None if w is None else np.asarray(w), chunk_size, sequence_bounds=bounds,
        labels=None if labels is None else np.asarray(labels),
    )
    return block.reduce(
        lambda start, *rest, **labelled: chunk_stats(offset + start, *rest, **labelled), with_lengths, with_labels
    )


def _ordered_sum(*parts):
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _block_value(chunk_value, offset, x, w):
    return chunk_value(offset, np.asarray(x), None if w is None else np.asarray(w))


@dataclass(frozen=True)
class DaskData:
    """Observations in a dask array, processed block by block.

    Parameters
    ----------
    values : dask.array.Array of shape (n, d)
        Observations in rows, chunked along rows only (one block of columns).
    sample_weight : dask.array.Array of shape (n,) or None
        Observation weights chunked like the rows of ``values``, None for unit weights.
    chunk_size : int
        Rows per chunk of the in-memory passes inside a block.
    sequence_bounds : ndarray of int, optional
        Row offsets of sequences (see :class:`~emkit.em.chunks.ChunkedData`);
        every block must then end at a sequence end (:func:`aligned_blocks`
        rechunks so).
    labels : dask.array.Array of int of shape (n,), optional
        The known component of each row, -1 where unknown, chunked like the
        rows of ``values``: each block's labels travel with it, as its
        weights do (see :class:`~emkit.em.chunks.ChunkedData`).

    Raises
    ------
    ValueError
        If a block boundary splits a sequence.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from emkit.em.dask_data import DaskData
    >>> data = DaskData(da.from_array(np.arange(10.0).reshape(5, 2), chunks=(2, 2)), None, chunk_size=64)
    >>> data.n_obs, data.n_chunks, data.reduce(lambda offset, x, w: x.sum(axis=0)).tolist()
    (5, 3, [20.0, 25.0])
    """

    values: object
    sample_weight: object | None
    chunk_size: int
    sequence_bounds: np.ndarray | None = None
    labels: object | None = None

    def __post_init__(self):
        if self.sequence_bounds is not None:
            ends = np.cumsum(self.values.chunks[0])
            for start, stop in zip([0, *ends[:-1].tolist()], ends.tolist()):
                lengths_within(self.sequence_bounds, start, stop)

    def lengths_within(self, offset: int, n_rows: int) -> np.ndarray | None:
        """Lengths of the sequences in rows ``offset:offset + n_rows`` (see :meth:`ChunkedData.lengths_within`)."""
        if self.sequence_bounds is None:
            return None
        return lengths_within(self.sequence_bounds, offset, offset + n_rows)

    def _block_bounds(self, offset: int, n_rows: int) -> np.ndarray | None:
        lengths = self.lengths_within(offset, n_rows)
        return None if lengths is None else np.concatenate(([0], np.cumsum(lengths)))

    @property
    def n_obs(self) -> int:
        """Number of observations (rows)."""
        return int(self.values.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return int(self.values.shape[1])

    @property
    def n_chunks(self) -> int:
        """Number of row blocks."""
        return len(self.values.chunks[0])

    @cached_property
    def total_weight(self) -> float:
        """Sum of the observation weights (``n_obs`` without weights), computed once."""
        return float(self.n_obs if self.sample_weight is None else self.sample_weight.sum().compute())

    @cached_property
    def _offsets(self) -> list[int]:
        return np.concatenate([[0], np.cumsum(self.values.chunks[0])[:-1]]).astype(int).tolist()

    def _blocks(self) -> list:
        """``(offset, x_block, w_block)`` per block, as dask delayed objects."""
        x_blocks = self.values.to_delayed().ravel().tolist()
        return list(zip(self._offsets, x_blocks, _row_blocks(self.sample_weight, len(x_blocks))))

    def reduce(self, chunk_stats: Callable[..., object], with_lengths: bool = False, with_labels: bool = False):
        """Sum ``chunk_stats(offset, x, w)`` over all rows, tree-reduced over blocks.

        ``with_lengths`` passes each chunk's sequence lengths as a fourth
        argument, ``with_labels`` its labels as the keyword ``labels`` (see
        :meth:`ChunkedData.reduce`).

        Inside a block the sum runs over chunks of ``chunk_size`` rows in
        order; blocks are summed in a tree of fan-in :data:`SPLIT_EVERY`. The
        function is one task input shared by all blocks, so it is sent to
        each worker once.

        Examples
        --------
        >>> import numpy as np, dask.array as da
        >>> from emkit.em.dask_data import DaskData
        >>> x = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(3, 2))
        >>> w = da.from_array(np.arange(10.0), chunks=3)
        >>> DaskData(x, w, chunk_size=2).reduce(lambda offset, x, w: w @ x).tolist()
        [570.0, 615.0]
        """
        import dask

        stats = dask.delayed(chunk_stats, pure=True)
        blocks = self._blocks()
        parts = [
            dask.delayed(_block_sum, pure=True)(
                stats, offset, x, w, labels, self.chunk_size, self._block_bounds(offset, int(rows)),
                with_lengths, with_labels,
            )
            for (offset, x, w), labels, rows in zip(
                blocks, _row_blocks(self.labels, len(blocks)), self.values.chunks[0]
            )
        ]
        while len(parts) > 1:
            parts = [
                dask.delayed(_ordered_sum, pure=True)(*parts[i : i + SPLIT_EVERY])
                for i in range(0, len(parts), SPLIT_EVERY)
            ]
        return parts[0].compute()

    def map(self, chunk_value: Callable[[int, np.ndarray, np.ndarray | None], object]) -> list:
        """``chunk_value(offset, x, w)`` of every block, in block order (small values only).

        Examples
        --------
        >>> import numpy as np, dask.array as da
        >>> from emkit.em.dask_data import DaskData
        >>> x = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(4, 2))
        >>> DaskData(x, None, chunk_size=2).map(lambda offset, x, w: (offset, len(x)))
        [(0, 4), (4, 4), (8, 2)]
        """
        import dask

        value = dask.delayed(chunk_value, pure=True)
        tasks = [dask.delayed(_block_value, pure=True)(value, offset, x, w) for offset, x, w in self._blocks()]
        return list(dask.compute(*tasks))

    def chunk(self, index: int) -> tuple[int, np.ndarray, np.ndarray | None]:
        """Block ``index`` read into memory as ``(offset, x_block, weight_block)``.

        Examples
        --------
        >>> import numpy as np, dask.array as da
        >>> from emkit.em.dask_data import DaskData
        >>> x = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(4, 2))
        >>> offset, block, w = DaskData(x, None, chunk_size=2).chunk(2)
        >>> offset, block.tolist(), w
        (8, [[16.0, 17.0], [18.0, 19.0]], None)
        """
        x = np.asarray(self.values.blocks[index].compute())
        w = None if self.sample_weight is None else np.asarray(self.sample_weight.blocks[index].compute())
        return self._offsets[index], x, w


def _row_blocks(array, n_blocks: int) -> list:
    """The blocks of a per-row dask array (weights, labels) as delayed objects, Nones for None."""
    return [None] * n_blocks if array is None else array.to_delayed().ravel().tolist()


def aligned_blocks(values, bounds: np.ndarray):
    """``values`` (a dask array) rechunked along rows so that every block ends at a sequence end.

    Each block boundary moves to the nearest sequence boundary at or after
    it; blocks left empty are dropped.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from emkit.em.dask_data import aligned_blocks
    >>> x = da.zeros((10, 1), chunks=(4, 1))
    >>> aligned_blocks(x, np.array([0, 3, 7, 10])).chunks[0]
    (7, 3)
    """
    ends = np.cumsum(values.chunks[0])
    moved = np.unique(bounds[np.searchsorted(bounds, ends)])
    sizes = np.diff(np.concatenate(([0], moved)))
    if tuple(sizes.tolist()) == tuple(values.chunks[0]):
        return values
    return values.rechunk({0: tuple(int(s) for s in sizes)})

"""Write and read several Datasets as groups of one netCDF-4 file (h5netcdf)."""

from __future__ import annotations

import os
import tempfile

import h5py
import xarray as xr

_ENGINE = "h5netcdf"


def write_groups(path: str | os.PathLike, attrs: dict, groups: dict[str, xr.Dataset]) -> None:
    """Write ``attrs`` on the root group and each Dataset as a named group.

    Examples
    --------
    >>> import tempfile, os, xarray as xr
    >>> from emkit.results.netcdf import read_groups, write_groups
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "x.nc")
    ...     write_groups(path, {"a": 1}, {"g": xr.Dataset({"v": ("i", [1.0, 2.0])})})
    ...     print(read_groups(path, ["g"])["g"].v.values.tolist())
    [1.0, 2.0]
    """
    # Write next to the target and rename, so a failure never leaves a half-written file.
    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(suffix=".nc.partial", dir=directory)
    os.close(handle)
    try:
        xr.Dataset(attrs=attrs).to_netcdf(partial, mode="w", engine=_ENGINE)
        for name, ds in groups.items():
            ds.to_netcdf(partial, mode="a", group=name, engine=_ENGINE)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def read_attrs(path: str | os.PathLike) -> dict:
    """The attributes of the root group of a netCDF-4 file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is not a netCDF-4 (HDF5) file.

    Examples
    --------
    >>> import tempfile, os, xarray as xr
    >>> from emkit.results.netcdf import read_attrs, write_groups
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "x.nc")
    ...     write_groups(path, {"a": 1}, {})
    ...     print(int(read_attrs(path)["a"]))
    1
    """
    _check_netcdf4(path)
    with xr.open_dataset(path, engine=_ENGINE) as root:
        return dict(root.attrs)


def read_groups(path: str | os.PathLike, names) -> dict[str, xr.Dataset]:
    """Read the named groups, fully loaded into memory.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is not a netCDF-4 file or lacks one of the groups.

    Examples
    --------
    >>> import os, tempfile, xarray as xr
    >>> from emkit.results.netcdf import read_groups, write_groups
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "x.nc")
    ...     write_groups(path, {}, {"a": xr.Dataset({"v": ("i", [1.0, 2.0])}), "b": xr.Dataset()})
    ...     groups = read_groups(path, ["a"])
    >>> list(groups), groups["a"].v.values.tolist()
    (['a'], [1.0, 2.0])
    """
    _check_netcdf4(path)
    with h5py.File(path, "r") as handle:
        missing = [name for name in names if name not in handle]
    if missing:
        raise ValueError(f"{path} has no group(s) {', '.join(map(repr, missing))}")
    groups = {}
    for name in names:
        with xr.open_dataset(path, group=name, engine=_ENGINE) as ds:
            groups[name] = ds.load()
    return groups


def _check_netcdf4(path) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    if not os.path.isfile(path) or not h5py.is_hdf5(path):
        raise ValueError(f"{path} is not a netCDF-4 file")

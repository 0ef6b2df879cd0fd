"""Write and read several Datasets as groups of one netCDF-4 file (h5netcdf)."""

from __future__ import annotations

import os

import xarray as xr

_ENGINE = "h5netcdf"


def write_groups(path: str | os.PathLike, attrs: dict, groups: dict[str, xr.Dataset]) -> None:
    """Write ``attrs`` on the root group and each Dataset as a named group.

    Examples
    --------
    >>> import tempfile, os, xarray as xr
    >>> from emkit.results.netcdf import read_groups, write_groups
    >>> path = os.path.join(tempfile.mkdtemp(), "x.nc")
    >>> write_groups(path, {"a": 1}, {"g": xr.Dataset({"v": ("i", [1.0, 2.0])})})
    >>> attrs, groups = read_groups(path, ["g"])
    >>> int(attrs["a"]), groups["g"].v.values.tolist()
    (1, [1.0, 2.0])
    """
    xr.Dataset(attrs=attrs).to_netcdf(path, mode="w", engine=_ENGINE)
    for name, ds in groups.items():
        ds.to_netcdf(path, mode="a", group=name, engine=_ENGINE)


def read_groups(path: str | os.PathLike, names) -> tuple[dict, dict[str, xr.Dataset]]:
    """Read the root attributes and the named groups, fully loaded into memory."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    with xr.open_dataset(path, engine=_ENGINE) as root:
        attrs = dict(root.attrs)
    groups = {}
    for name in names:
        with xr.open_dataset(path, group=name, engine=_ENGINE) as ds:
            groups[name] = ds.load()
    return attrs, groups

"""Write and read several Datasets as groups of one netCDF-4 file (h5netcdf).

Writing goes to a temporary file next to the target, made readable by its
owner only (mode 0600, whatever the umask), then renamed over the target, so
a failure never leaves a half-written file and an overwritten file ends up
0600 too. Errors name the target, never the temporary file.

Reading first walks the whole HDF5 tree with h5py (every attribute and every
array is read, so checksums are verified), then lets xarray decode it. Any
failure to read -- a truncated file, flipped bytes, a missing group or
attribute -- is a ``ValueError`` naming the file (:func:`reading`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile

import h5py
import xarray as xr

_ENGINE = "h5netcdf"
#: Saved files are readable and writable by their owner only.
FILE_MODE = 0o600
#: What h5py, h5netcdf and xarray raise on a damaged file (JSONDecodeError is a ValueError).
_READ_ERRORS = (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError)


def write_groups(path: str | os.PathLike, attrs: dict, groups: dict[str, xr.Dataset]) -> None:
    """Write ``attrs`` on the root group and each Dataset as a named group.

    The file is written next to ``path`` (through a symbolic link, as
    ``open`` would), set to mode 0600 and renamed over ``path``.

    Raises
    ------
    OSError
        If the file cannot be written; the error names ``path``.

    Examples
    --------
    >>> import tempfile, os, xarray as xr
    >>> from emkit.results.netcdf import read_file, write_groups
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "x.nc")
    ...     write_groups(path, {"a": 1}, {"g": xr.Dataset({"v": ("i", [1.0, 2.0])})})
    ...     print(read_file(path, ["g"])[1]["g"].v.values.tolist(), oct(os.stat(path).st_mode & 0o777))
    [1.0, 2.0] 0o600
    """
    target = os.path.realpath(path)
    try:
        handle, partial = tempfile.mkstemp(suffix=".nc.partial", dir=os.path.dirname(target))
    except OSError as err:
        raise _naming(err, path, None) from None
    os.close(handle)
    try:
        xr.Dataset(attrs=attrs).to_netcdf(partial, mode="w", engine=_ENGINE)
        for name, ds in groups.items():
            ds.to_netcdf(partial, mode="a", group=name, engine=_ENGINE)
        os.chmod(partial, FILE_MODE)
        os.replace(partial, target)
    except OSError as err:
        raise _naming(err, path, partial) from None
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _naming(err: OSError, path, partial: str | None) -> OSError:
    """``err`` of the same kind, naming ``path`` instead of the temporary file."""
    path = os.fspath(path)
    if err.errno is not None and err.strerror:
        return type(err)(err.errno, _renamed(err.strerror, partial, path), path)
    message = _renamed(str(err), partial, path)
    return type(err)(message if path in message else f"{path}: {message}")


def _renamed(text: str, partial: str | None, path: str) -> str:
    return text if partial is None else text.replace(partial, path)


def read_file(path: str | os.PathLike, names) -> tuple[dict, dict[str, xr.Dataset]]:
    """The root attributes and those of the named groups present (fully loaded) of a netCDF-4 file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming ``path``: it is not a netCDF-4 file, or it is damaged (see
        :func:`reading`).

    Examples
    --------
    >>> import os, tempfile, xarray as xr
    >>> from emkit.results.netcdf import read_file, write_groups
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "x.nc")
    ...     write_groups(path, {"n": 3}, {"a": xr.Dataset({"v": ("i", [1.0, 2.0])}), "b": xr.Dataset()})
    ...     attrs, groups = read_file(path, ["a", "c"])
    >>> int(attrs["n"]), list(groups), groups["a"].v.values.tolist()
    (3, ['a'], [1.0, 2.0])
    """
    _check_netcdf4(path)
    with reading(path):
        present = _verified_groups(path)
        with xr.open_dataset(path, engine=_ENGINE) as root:
            attrs = dict(root.attrs)
        groups = {}
        for name in names:
            if name in present:
                with xr.open_dataset(path, group=name, engine=_ENGINE) as ds:
                    groups[name] = ds.load()
    return attrs, groups


@contextlib.contextmanager
def reading(path: str | os.PathLike):
    """Turn a failure to read or decode ``path`` into a ``ValueError`` naming it.

    ``ValueError``s that already name the file pass unchanged; others get
    the file's name in front. Errors of the HDF5 layer (``OSError``,
    ``KeyError``, ``RuntimeError``, ...) mean the file is damaged.

    Examples
    --------
    >>> from emkit.results.netcdf import reading
    >>> with reading("fit.nc"):
    ...     raise KeyError("best_restart")
    Traceback (most recent call last):
    ...
    ValueError: cannot load fit.nc: it is damaged or was not written by emkit (KeyError: 'best_restart')
    """
    try:
        yield
    except _READ_ERRORS as err:
        if isinstance(err, FileNotFoundError) and not os.path.exists(path):
            raise
        if isinstance(err, ValueError) and os.fspath(path) in str(err):
            raise
        raise ValueError(f"cannot load {path}: {_reason(err)}") from err


def _reason(err: Exception) -> str:
    """Why reading failed, on one line: a ValueError's own message, otherwise damage."""
    text = " ".join(str(err).split())
    if isinstance(err, ValueError) and not isinstance(err, json.JSONDecodeError):
        return text
    return f"it is damaged or was not written by emkit ({type(err).__name__}: {text})"


def _verified_groups(path) -> set[str]:
    """Read every attribute and array of the file with h5py (checksums included); the group names."""

    def read(name, item):
        dict(item.attrs)
        if isinstance(item, h5py.Dataset):
            item[()]

    with h5py.File(path, "r") as handle:
        dict(handle.attrs)
        handle.visititems(read)
        return {name for name, item in handle.items() if isinstance(item, h5py.Group)}


def _check_netcdf4(path) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    if not os.path.isfile(path) or not h5py.is_hdf5(path):
        raise ValueError(f"{path} is not a netCDF-4 file")

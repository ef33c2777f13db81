"""Where a report comes from: code version, run time, input checksums and package versions, without local paths.

:func:`provenance` is what a kommune report's ``summary.json`` (key ``provenance``) and its documentation
section hold, so a reader can tell two reports apart and a researcher can rebuild one:

- ``git``: the commit of the project checkout (``"not a git checkout"`` without one), whether the run
  differs from that commit (``dirty``: tracked files changed, or an input file that git does not have or
  has changed, such as a new parameter file) and which inputs those are (``uncommitted_inputs``);
- ``run``: the date and time of the run, ISO 8601 with the UTC offset (``2026-03-14T10:02:11+01:00``);
- ``sha256``: the full SHA-256 (hex) of every processed data table, the instrument codebook, the kommune
  parameter file and the lock file ``requirements.lock``, keyed by their path (:func:`relative`);
- ``versions``: relkap, Python and the statistics and figure packages;
- ``parameters``: the notebook's parameters, every path as :func:`relative` writes it.

Paths inside the project (:data:`relkap.config.ROOT`) are written relative to it and marked so
(``<project>/data/processed``); a path outside it by its name only, marked too (``<outside>/processed``), so
the two are never confused. No absolute local path (a user name, a home folder) is ever written.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import config
from .filememo import FileMemo

__all__ = ["provenance", "relative", "sha256", "PACKAGES", "LOCK_FILE", "NOT_GIT", "IN_PROJECT", "OUTSIDE",
           "PATH_PARAMETERS"]

PACKAGES = ("relkap", "pandas", "numpy", "scipy", "statsmodels", "pingouin", "matplotlib", "papermill",
            "nbconvert")
LOCK_FILE = "requirements.lock"
NOT_GIT = "not a git checkout"
IN_PROJECT = "<project>"  # marks a path relative to the project root
OUTSIDE = "<outside>"  # marks a path outside the project, of which only the name is written


def sha256(path: str | os.PathLike) -> str:
    """The full SHA-256 of a file's bytes, as 64 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# the hashes of unchanged files kept (a warm kernel hashes the same ~4 MB store for every kommune's report)
_sha256_kept = FileMemo(sha256, size=64)


def relative(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """``path`` relative to the project ``root`` and marked so, or only its name, marked as outside it.

    A relative ``path`` is taken from the current folder, as every path a user gives (:func:`relkap.config.resolve`).

    Examples
    --------
    >>> relative("/srv/relkap/data/processed", "/srv/relkap"), relative("/srv/other/x.yaml", "/srv/relkap")
    ('<project>/data/processed', '<outside>/x.yaml')
    """
    root = Path(config.ROOT if root is None else root).resolve()
    p = config.resolve(path, root).resolve()
    try:
        inside = p.relative_to(root).as_posix()
    except ValueError:
        return f"{OUTSIDE}/{p.name}"
    return IN_PROJECT if inside == "." else f"{IN_PROJECT}/{inside}"


def _git(root: Path, inputs: list[Path]) -> dict:
    def run(*args: str) -> str | None:
        try:
            # no optional index lock (reports run side by side in one checkout); a minute for a loaded machine
            r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60,
                               env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.rstrip() if r.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    if not commit:
        return {"commit": NOT_GIT, "dirty": None}
    tracked = run("status", "--porcelain", "--untracked-files=no")
    inside = [str(f.resolve().relative_to(root)) for f in inputs if f.resolve().is_relative_to(root)]
    # inputs git does not have (untracked, not ignored: a new parameter file) or has otherwise (modified);
    # ignored files (the processed data) are data, identified by their SHA-256
    listed = run("status", "--porcelain", "--untracked-files=all", "--", *inside) if inside else ""
    uncommitted = sorted({line[3:].strip('"') for line in (listed or "").splitlines() if len(line) > 3})
    dirty = None if tracked is None else bool(tracked) or bool(uncommitted)
    return {"commit": commit, "dirty": dirty, "uncommitted_inputs": uncommitted}


@functools.cache  # read once per process (each read scans site-packages); a process runs what it imported
def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


# the notebooks' parameters that are paths: a relative one typed by hand ("processed") is marked as well
PATH_PARAMETERS = ("data_dir", "out_dir", "instrument", "params_dir", "quotes_dir", "notebook")


def _parameter(name: str, value: object, root: Path) -> object:
    if isinstance(value, os.PathLike) or (isinstance(value, str) and (
            os.path.isabs(value) or (name in PATH_PARAMETERS and value != ""))):
        return relative(value, root)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def provenance(data_dir: str | os.PathLike, instrument_path: str | os.PathLike,
               params_file: str | os.PathLike | None = None, parameters: dict | None = None,
               root: str | os.PathLike | None = None, now: dt.datetime | None = None) -> dict:
    """The provenance of a report run, as JSON-ready data (see the module docstring).

    Parameters
    ----------
    data_dir : path
        The processed tables (every ``*.parquet`` in it is hashed).
    instrument_path : path
        The codebook.
    params_file : path, optional
        The kommune's parameter file (``params/kommuner/<code>.yaml``).
    parameters : dict, optional
        The notebook's parameters; paths among them are made relative.
    root : path, optional
        The project root (default :data:`relkap.config.ROOT`): git is asked there, the lock file is
        ``root/requirements.lock`` and paths are relative to it.
    now : datetime, optional
        The run time (default: now, in the local time zone; a naive time is taken as local).

    Returns
    -------
    dict
        ``git`` (``commit``, ``dirty``, ``uncommitted_inputs``), ``run`` (ISO 8601 with offset), ``sha256``
        (marked path -> 64 hex digits), ``versions`` (package -> version, and ``python``), ``parameters``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "relations.parquet").write_bytes(b"x")
    >>> p = provenance(d, d / "relations.parquet", root=d)
    >>> p["git"]["commit"], p["sha256"]["<project>/relations.parquet"][:12]
    ('not a git checkout', '2d711642b726')
    """
    root_path = Path(config.ROOT if root is None else root).resolve()
    files = sorted(Path(data_dir).glob("*.parquet"))
    files += [Path(instrument_path)]
    if params_file is not None:
        files.append(Path(params_file))
    files.append(root_path / LOCK_FILE)
    hashes = {relative(f, root_path): _sha256_kept(f) for f in files if Path(f).is_file()}
    when = now if now is not None and now.tzinfo is not None else (now or dt.datetime.now()).astimezone()
    return {
        "git": _git(root_path, [Path(f) for f in files if Path(f).is_file()]),
        "run": when.isoformat(timespec="seconds"),
        "sha256": hashes,
        "versions": {"python": platform.python_version(), **{p: _version(p) for p in PACKAGES}},
        "parameters": {str(k): _parameter(str(k), v, root_path) for k, v in (parameters or {}).items()},
    }

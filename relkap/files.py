"""Writing files so that a reader never sees half of one: atomic writes, folder swaps and JSON values.

Every output relkap writes (parquet tables, reports, summaries, CSV tables, keys) goes through here, so
"nothing already written is lost or half-written" is implemented once.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["atomic_write", "write_text", "write_json", "json_value", "swap_folder", "temp_folder"]


def atomic_write(path: str | os.PathLike, write: Callable[[str], object], mode: int = 0o644) -> Path:
    """Write ``path`` through a temporary file in the same folder, then rename it into place.

    ``write(tmp)`` receives the temporary file's name. On any error the temporary file is removed and
    ``path`` is left as it was (absent, or the previous complete version).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(d / "a.txt", lambda tmp: pathlib.Path(tmp).write_text("hej")).read_text()
    'hej'
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, mode)  # mkstemp makes the file private; outputs are shared like the reports
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def write_text(path: str | os.PathLike, text: str, mode: int = 0o644) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), mode=mode)


def json_value(v: object, digits: int | None = None) -> object:
    """A plain JSON value for ``v``: numpy scalars to Python, NaN/inf/NA to ``None``, anything else to str.

    ``digits`` rounds floats (``None`` keeps full precision).

    Examples
    --------
    >>> json_value(np.float64("nan")), json_value(np.int16(3)), json_value(0.1234567, digits=3)
    (None, 3, 0.123)
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        if not math.isfinite(f):
            return None
        return round(f, digits) if digits is not None else f
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return {str(k): json_value(x, digits) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_value(x, digits) for x in v]
    return str(v)


def write_json(path: str | os.PathLike, data: object) -> Path:
    """Write ``data`` as indented UTF-8 JSON (Danish letters kept) atomically."""
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def temp_folder(final: str | os.PathLike) -> Path:
    """A new empty folder beside ``final`` (same file system, so :func:`swap_folder` is a rename)."""
    f = Path(final)
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{f.name}-", dir=f.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; output folders are shared
    return tmp


def swap_folder(tmp: str | os.PathLike, final: str | os.PathLike) -> Path:
    """Put the finished folder ``tmp`` in place of ``final``; the old ``final`` stays whole until then.

    The old folder is renamed aside, ``tmp`` renamed to ``final``, then the old one removed; if the second
    rename fails the old folder is put back.
    """
    tmp, final = Path(tmp), Path(final)
    old = final.parent / f".{final.name}-old-{os.getpid()}"
    if final.exists():
        final.rename(old)
    try:
        tmp.rename(final)
    except BaseException:
        if old.exists() and not final.exists():
            old.rename(final)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return final

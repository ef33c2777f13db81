"""Values computed from a file's bytes, kept while the file is unchanged (a warm report kernel reads the same
codebook and hashes the same store for every kommune).

A file is known unchanged by its identity (:func:`identity`): device, inode, size, and modification and change
times. Replacing a file (an import moves new files in) gives another inode, and every write sets both times,
which no one can set back (the change time). The times have the clock's coarse resolution, though (a few
milliseconds): a file rewritten in place within one tick, to the same size, would keep its identity. So a
value computed from a file changed less than :data:`SETTLE_SECONDS` ago is not kept (git's "racily clean"
rule), and a file changed later always has a newer change time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["identity", "settled", "FileMemo", "SETTLE_SECONDS"]

SETTLE_SECONDS = 2.0  # a file changed less than this ago is read again next time (its times' resolution)

T = TypeVar("T")


def identity(path: str | os.PathLike) -> tuple:
    """``(path, device, inode, size, mtime_ns, ctime_ns)`` of a file: equal identities, the same bytes (see the
    module docstring). Raises ``FileNotFoundError`` for a missing file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("hej")
    >>> identity(p)[3], identity(p) == identity(p)
    (3, True)
    """
    p = Path(path).resolve()
    st = p.stat()
    return (str(p), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def settled(*identities: tuple, seconds: float = SETTLE_SECONDS) -> bool:
    """Whether every file of ``identities`` was last changed ``seconds`` ago or longer (so a value computed
    from it may be kept: a later change gives another identity)."""
    now = time.time_ns()
    return all(now - ident[-1] >= seconds * 1e9 for ident in identities)


class FileMemo(Generic[T]):
    """``compute(path)`` for a file, kept under the file's identity for the next call (``size`` files at most,
    the oldest dropped first; not for a file changed less than ``settle`` seconds ago).

    The identity is taken before ``compute`` reads the file, so a file replaced meanwhile is never kept under
    the old one's identity. A kept value is returned as it is: keep only immutable values (a string, a
    tuple), or copy a mutable one on the way out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("hej")
    >>> upper = FileMemo(lambda path: path.read_text().upper())
    >>> upper(p)
    'HEJ'
    """

    def __init__(self, compute: Callable[[Path], T], size: int = 16, settle: float = SETTLE_SECONDS):
        self._compute = compute
        self._size = size
        self._settle = settle
        self._kept: dict[tuple, T] = {}

    def __call__(self, path: str | os.PathLike) -> T:
        key = identity(path)
        if key in self._kept:
            return self._kept[key]
        value = self._compute(Path(path))
        self._kept = {k: v for k, v in self._kept.items() if k[0] != key[0]}  # the file's older versions
        if settled(key, seconds=self._settle):
            self._kept[key] = value
            while len(self._kept) > self._size:
                del self._kept[next(iter(self._kept))]
        return value

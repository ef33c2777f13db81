"""PRIVATE: the coded interview quotes behind a theme, for the explorer on the researcher's own machine.

Read from the raw ``.qdpx`` projects (:func:`relkap.interviews.private_quotes`) when asked for, never at load
and never by any other view; the widget shows them under a banner saying they must not be shared.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from .. import config, interviews
from ..instrument import Instrument

__all__ = ["PrivateQuotes"]


class PrivateQuotes:
    """PRIVATE: the coded quotes behind a theme, read from the raw ``.qdpx`` projects on this machine.

    For the researcher's own machine only (:func:`relkap.interviews.private_quotes`): quotes identify people and
    never leave it. ``folders`` are interview folders (``*.qdpx`` with their ``mapping.yaml``); by default
    every ``interviews`` folder under ``data/raw``. Projects are read when asked for, not at load.
    """

    def __init__(self, folders=None, *, instrument: Instrument):
        if folders is None:
            folders = sorted(config.RAW_DIR.glob("**/interviews")) if config.RAW_DIR.is_dir() else []
        elif isinstance(folders, str | Path):
            folders = [folders]
        self.folders = [Path(f) for f in folders if Path(f).is_dir() and (Path(f) / "mapping.yaml").exists()]
        self.projects = [p for f in self.folders for p in sorted(f.glob("*.qdpx"))]
        self.instrument = instrument

    def __bool__(self) -> bool:
        return bool(self.projects)

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def quotes(self, kommune: int, theme_kind: str, theme: str) -> pd.DataFrame:
        """The coded text of every selection of ``theme`` in ``kommune``'s interviews (every wave):
        ``wave, group, valence, text`` plus the pseudonym ``source``, sorted by wave; ``attrs["private"]``."""
        parts = [interviews.private_quotes(p, p.parent / "mapping.yaml", kommune=kommune, theme=theme,
                                    theme_kind=theme_kind, instrument=self.instrument) for p in self.projects]
        parts = [q for q in parts if len(q)]
        cols = ["wave", "source", "group", "valence", "text"]
        out = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
        out = out.sort_values(["wave", "source"], kind="stable").reset_index(drop=True)
        out.attrs["private"] = True
        return out

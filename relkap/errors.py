"""Errors a user can act on: each names the file, the rows and the column, and says what is allowed."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["RelkapError", "InputError", "InstrumentError"]


class RelkapError(Exception):
    """Base class of every error relkap raises on purpose (the CLI prints these without a traceback)."""


class InputError(RelkapError, ValueError):
    """A raw input file that cannot be imported as it is.

    Parameters
    ----------
    file : the file the problem is in.
    problem : what is wrong, in one sentence.
    rows : 1-based row numbers as a user sees them in a spreadsheet (header = row 1), if known.
    column : the column the problem is in, if known.
    fix : what is allowed / how to fix it.
    """

    max_rows_shown = 5

    def __init__(
        self,
        file: object,
        problem: str,
        *,
        rows: Sequence[int] | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file)
        self.problem = problem
        self.rows = [int(r) for r in rows] if rows is not None else []
        self.column = column
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.file}:"]
        if self.column is not None:
            parts.append(f"column '{self.column}':")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[: self.max_rows_shown])
            more = len(self.rows) - self.max_rows_shown
            noun = "row" if len(self.rows) == 1 else "rows"
            parts.append(f"{noun} {shown}" + (f" and {more} more" if more > 0 else "") + ":")
        parts.append(self.problem.rstrip("."))
        msg = " ".join(parts) + "."
        if self.fix:
            msg += f" {self.fix.rstrip('.')}."
        return msg


class InstrumentError(RelkapError, ValueError):
    """A codebook (instrument YAML) or a parameter file that does not validate; names the key."""

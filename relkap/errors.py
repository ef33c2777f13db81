"""Errors a user can act on: each names the file, the rows and the column, and says what is allowed."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["RelkapError", "InputError", "InstrumentError", "column_letter", "listing"]


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 1-based column position: 1 -> A, 27 -> AA, 43 -> AQ."""
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def listing(names, limit: int = 12) -> str:
    """'a, b, c' or, for a long list, the first ``limit`` names and 'and N more' (never cut mid-list).

    Examples
    --------
    >>> listing(["skole", "ppr"]), listing(range(1, 9), limit=5)
    ('skole, ppr', '1, 2, 3, 4, 5 and 3 more')
    """
    names = [str(n) for n in names]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


class RelkapError(Exception):
    """Base class of every error relkap raises on purpose (the CLI prints these without a traceback)."""


class InputError(RelkapError, ValueError):
    """A raw input file that cannot be imported as it is.

    Parameters
    ----------
    file : the file the problem is in.
    problem : what is wrong, in one sentence.
    rows : 1-based row numbers as a user sees them in a spreadsheet (header = row 1), if known.
    column : the column the problem is in (its header), if known.
    position : the column's 1-based position in the file, if known; shown with its spreadsheet letter
        ("column AQ (43) 'respekt__ppr'").
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
        position: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file)
        self.problem = problem
        self.rows = [int(r) for r in rows] if rows is not None else []
        self.column = column
        self.position = int(position) if position is not None else None
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.file}:"]
        if self.position is not None:
            name = f" '{self.column}'" if self.column else ""
            parts.append(f"column {column_letter(self.position)} ({self.position}){name}:")
        elif self.column is not None:
            parts.append(f"column '{self.column}':")
        if self.rows:
            noun = "row" if len(self.rows) == 1 else "rows"
            parts.append(f"{noun} {listing(self.rows, self.max_rows_shown)}:")
        parts.append(self.problem.rstrip("."))
        msg = " ".join(parts) + "."
        if self.fix:
            msg += f" {self.fix.rstrip('.')}."
        return msg


class InstrumentError(RelkapError, ValueError):
    """A codebook (instrument YAML) or a parameter file that does not validate; names the key."""

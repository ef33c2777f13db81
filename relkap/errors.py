"""Errors a user can act on: each names the file, the rows and the column, and says what is allowed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

__all__ = ["RelkapError", "InputError", "InputErrors", "Problems", "InstrumentError", "column_letter", "listing"]


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
        super().__init__(self.message())

    def message(self, with_file: bool = True) -> str:
        """The message as one line; without ``with_file`` it starts at the column (a list under the file)."""
        parts = [f"{self.file}:"] if with_file else []
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


class InputErrors(InputError):
    """Every problem found in the input files of one import: all of them at once, so one round of fixes does.

    With one problem the message is that problem's one line (as :class:`InputError`); with more it starts
    with the file (or the folder the files share) and how many, then per file its problems grouped by column (in column order, the file's own problems first), at
    most ``max_per_file`` per file and "and N more" after them. ``problems`` holds each :class:`InputError`;
    ``file``, ``rows``, ``column`` and ``position`` are those of the first.

    Examples
    --------
    >>> e = InputErrors([InputError("a.csv", "unknown wave label 'x'", rows=[3], column="wave", position=2),
    ...                  InputError("a.csv", "not a number", rows=[4], column="vision_1", position=9)])
    >>> print(e)
    a.csv: 2 problems; nothing was imported. Fix them all, then import again:
      - column B (2) 'wave': row 3: unknown wave label 'x'.
      - column I (9) 'vision_1': row 4: not a number.
    """

    max_per_file = 10

    def __init__(self, problems: Sequence[InputError]) -> None:
        if not problems:
            raise ValueError("InputErrors needs at least one problem")
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.file, first.problem, rows=first.rows, column=first.column, position=first.position,
                         fix=first.fix)

    def message(self, with_file: bool = True) -> str:
        if len(self.problems) == 1:
            return self.problems[0].message(with_file)
        files: dict[str, list[InputError]] = {}
        for p in self.problems:
            files.setdefault(p.file, []).append(p)
        if len(files) == 1:
            lines = [f"{self.file}: {len(self.problems)} problems; nothing was imported. Fix them all, then import"
                     " again:"]
        else:
            try:
                where = os.path.commonpath(list(files))
            except ValueError:  # files on two Windows drives
                where = ""
            lines = [f"{where + ': ' if where else ''}{len(self.problems)} problems in {len(files)} files; nothing"
                     " was imported. Fix them all, then import again:"]
        for file, found in files.items():
            if len(files) > 1:
                lines.append(f"{file}:")
            ordered = sorted(found, key=lambda p: (p.position is not None or p.column is not None, p.position or 0))
            lines += [f"  - {p.message(with_file=False)}" for p in ordered[:self.max_per_file]]
            if len(ordered) > self.max_per_file:
                lines.append(f"  - and {len(ordered) - self.max_per_file} more in this file")
        return "\n".join(lines)


class Problems:
    """Collects the :class:`InputError` of many checks, so an import reports all of them in one pass.

    Examples
    --------
    >>> found = Problems()
    >>> with found.step():  # a step that fails is recorded, and the next step runs
    ...     raise InputError("a.csv", "the file is empty")
    >>> found.add(InputError("b.csv", "not a number", rows=[2], column="vision_1"))
    >>> len(found), found.files()
    (2, ['a.csv', 'b.csv'])
    >>> found.raise_any()
    Traceback (most recent call last):
    ...
    relkap.errors.InputErrors: 2 problems in 2 files; nothing was imported. Fix them all, then import again:
    a.csv:
      - the file is empty.
    b.csv:
      - column 'vision_1': row 2: not a number.
    """

    def __init__(self) -> None:
        self.found: list[InputError] = []

    def __len__(self) -> int:
        return len(self.found)

    def add(self, problem: InputError) -> None:
        self.found += problem.problems if isinstance(problem, InputErrors) else [problem]

    @contextmanager
    def step(self) -> Iterator[None]:
        """Run a step that may raise :class:`InputError`: the error is recorded instead of raised."""
        try:
            yield
        except InputError as exc:
            self.add(exc)

    def files(self) -> list[str]:
        return list(dict.fromkeys(p.file for p in self.found))

    def raise_any(self) -> None:
        """Raise :class:`InputErrors` with every problem found, if any."""
        if self.found:
            raise InputErrors(self.found)


class InstrumentError(RelkapError, ValueError):
    """A codebook (instrument YAML) or a parameter file that does not validate; names the key."""

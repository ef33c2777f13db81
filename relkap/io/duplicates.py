"""Respondents (coders) who appear twice for the same kommune and wave, in one export or in two: named with
the id, both rows and both files, and told apart from exact copies of a row (an export pasted twice).

:func:`duplicates_in_file` checks one raw frame, :func:`duplicates_across_files` each frame against those of
the same kind checked before it. Both add their findings to a :class:`~relkap.errors.Problems`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError, Problems, listing

__all__ = ["row_signatures", "duplicates_in_file", "duplicates_across_files"]

_SHOWN = 5  # id or row pairs named in one message before "and N more"


def row_signatures(df: pd.DataFrame) -> pd.Series:
    """A hash of each row's cells (columns in name order, so two exports with the columns in another order
    still match): equal signatures are exact copies.

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["1", "1", "2"], "b": ["x", "x", "x"]}, index=[2, 3, 4])
    >>> s = row_signatures(df)
    >>> bool(s[2] == s[3]), bool(s[2] == s[4])
    (True, False)
    """
    cells = df[sorted(df.columns)].astype("string").fillna("\0")
    return pd.Series(pd.util.hash_pandas_object(cells, index=False).to_numpy(), index=df.index)


def _keys(ids: pd.DataFrame, idcol: str) -> pd.DataFrame:
    return pd.DataFrame({"kommune": ids["kommune"].to_numpy(), "wave": ids["wave"].astype(str).to_numpy(),
                         "id": ids[idcol].astype(str).to_numpy()}, index=ids.index)


def _more(items: list[str]) -> str:
    return listing(items, _SHOWN)


def duplicates_in_file(df: pd.DataFrame, ids: pd.DataFrame, idcol: str, path: Path, problems: Problems,
                       position: int | None = None) -> None:
    """Rows of one export with the same kommune, wave and ``idcol``: exact copies ("row 12 is an exact copy of
    row 7") and respondents with two different answers ("'E17' in rows 7 and 12")."""
    keys = _keys(ids, idcol)
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    signature = row_signatures(df)
    copies: list[tuple[int, int]] = []
    differing: list[tuple[str, list[int]]] = []
    for (_k, _w, rid), rows in keys[dup].groupby(["kommune", "wave", "id"], sort=False).groups.items():
        first: dict[int, int] = {}  # signature -> its first row
        for r in sorted(int(x) for x in rows):
            s = int(signature[r])
            if s in first:
                copies.append((r, first[s]))
            else:
                first[s] = r
        if len(first) > 1:
            differing.append((rid, sorted(first.values())))
    if copies:
        copies.sort()
        text = (f"row {copies[0][0]} is an exact copy of row {copies[0][1]}" if len(copies) == 1 else
                "rows that are exact copies of an earlier row: "
                + _more([f"row {r} of row {o}" for r, o in copies]))
        problems.add(InputError(path, text, fix="Delete the copied rows (the export holds those answers twice)"))
    if differing:
        text = f"duplicate {idcol} within the same kommune and wave, with different answers: " + _more(
            [f"'{rid}' in rows {' and '.join(map(str, rows))}" if len(rows) == 2 else
             f"'{rid}' in rows {', '.join(map(str, rows))}" for rid, rows in differing])
        problems.add(InputError(path, text, rows=sorted(r for _, rows in differing for r in rows), column=idcol,
                                position=position, fix="Each respondent may answer once per wave; keep one of the"
                                " rows or give the other its own id"))


def duplicates_across_files(seen: dict[str, pd.DataFrame], kind: str, df: pd.DataFrame, ids: pd.DataFrame,
                            idcol: str, path: Path, problems: Problems, position: int | None = None) -> None:
    """Ids of ``df`` already in another export of the same ``kind`` for the same kommune and wave (e.g. the
    same wave exported twice), naming the other file, its row and the id; exact copies said as such.

    ``seen`` holds, per kind, the ids of the files checked so far (with file, row and row signature) and
    gets those of ``df``.
    """
    keys = _keys(ids, idcol).assign(file=path.name, row=ids.index.to_numpy(), signature=row_signatures(df))
    keys = keys.drop_duplicates(["kommune", "wave", "id"])
    prev = seen.get(kind)
    seen[kind] = keys if prev is None else pd.concat([prev, keys], ignore_index=True)
    if prev is None:
        return
    both = keys.merge(prev, on=["kommune", "wave", "id"], suffixes=("", "_other"))
    if both.empty:
        return
    exact = both["signature"] == both["signature_other"]
    for other, found in both[exact].groupby("file_other", sort=False):
        pairs = list(zip(found["row"], found["row_other"], strict=True))
        text = (f"row {pairs[0][0]} is an exact copy of {other} row {pairs[0][1]}" if len(pairs) == 1 else
                f"rows that are exact copies of rows of {other}: "
                + _more([f"row {r} of its row {o}" for r, o in pairs]))
        problems.add(InputError(path, text, fix=f"Import each export once: remove {path.name} or {other} (or the"
                                " copied rows)"))
    for other, found in both[~exact].groupby("file_other", sort=False):
        rows = list(zip(found["id"], found["row"], found["row_other"], strict=True))
        text = (f"{idcol} '{rows[0][0]}' is also in {other} (its row {rows[0][2]}) for the same kommune and wave,"
                " with other answers" if len(rows) == 1 else
                f"{idcol}s also in {other} for the same kommune and wave, with other answers: "
                + _more([f"'{rid}' (row {r}; its row {o})" for rid, r, o in rows]))
        problems.add(InputError(path, text, rows=sorted(found["row"].astype(int)), column=idcol, position=position,
                                fix="Each respondent answers once per wave: the same wave exported twice? Keep one"
                                " of the two rows"))

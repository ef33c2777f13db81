"""Small input checks shared by the statistics modules. Each raises ``ValueError`` with a plain message."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "check_dataframe",
    "check_columns",
    "as_list",
    "check_numeric",
    "check_min_n",
    "check_count",
    "check_choice",
]


def check_dataframe(data: object, what: str = "data") -> None:
    """``data`` must be a pandas DataFrame; ``what`` names it in the message."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")


def as_list(cols: str | Iterable[str] | None) -> list[str]:
    """Column argument as a list: ``None`` -> ``[]``, ``"a"`` -> ``["a"]``, a list or tuple -> a list."""
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    try:
        out = list(cols)
    except TypeError:
        raise ValueError(
            f"expected a column name or a list of column names, got {cols!r}"
        ) from None
    for c in out:
        if not isinstance(c, str):
            raise ValueError(f"column names must be strings, got {c!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"column names are repeated in {out}")
    return out


def check_columns(
    data: pd.DataFrame, cols: str | Iterable[str] | None, what: str = "data"
) -> list[str]:
    """Check that ``data`` is a DataFrame with every column in ``cols``; return ``cols`` as a list."""
    check_dataframe(data, what)
    cols = as_list(cols)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        shown = ", ".join(f"'{c}'" for c in missing)
        available = ", ".join(f"'{c}'" for c in data.columns)
        raise ValueError(f"{noun} {shown} not found in {what} (columns are: {available})")
    return cols


def check_numeric(data: pd.DataFrame, cols: str | Iterable[str]) -> None:
    """Every column in ``cols`` must hold numbers (NaN allowed)."""
    for c in as_list(cols):
        if not (pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])):
            raise ValueError(f"column '{c}' must be numeric, got dtype {data[c].dtype}")


def check_count(name: str, value: object) -> None:
    """The argument ``name`` must be a non-negative integer (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def check_min_n(min_n: int | None, allow_none: bool = True) -> None:
    """``min_n`` must be a non-negative integer (or ``None`` where that means no suppression)."""
    if min_n is None and allow_none:
        return
    check_count("min_n", min_n)


def check_choice(name: str, value: object, allowed: Iterable[object]) -> None:
    """``value`` of the argument ``name`` must be one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {shown}, got {value!r}")

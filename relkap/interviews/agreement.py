"""Intercoder agreement of coded interviews, from the ``codings`` table (its ``coder`` and ``unit`` columns).

Where two or more coders coded the same interview, every passage (``unit``: overlapping selections of all
coders merged, or a coded-segments table's ``segment``) is a unit; for each theme, each of the interview's
coders either applied a code of that theme to the passage (1) or not (0). Agreement per theme is then
:func:`relkap.intercoder.code_agreement`: Cohen's kappa (two coders) and Krippendorff's alpha (nominal, any
number of coders), at segment level as MAXQDA and NVivo report it. Interviews coded by one coder, and codings
of a whole source (no passage), do not enter.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..intercoder import code_agreement

__all__ = ["interview_agreement", "AGREEMENT_COLUMNS"]

AGREEMENT_COLUMNS = ["theme_kind", "theme", "n_interviews", "n_units", "n_coders", "agreement", "kappa", "alpha"]


def interview_agreement(codings: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Agreement per theme (and ``by``, e.g. ``kommune``) over the interviews two or more coders coded.

    Returns
    -------
    DataFrame with ``*by, theme_kind, theme, n_interviews`` (interviews coded by two or more coders),
    ``n_units, n_coders, agreement, kappa, alpha`` (:func:`relkap.intercoder.code_agreement`); no rows when no
    interview has two coders (or the table has no ``coder`` column).

    Examples
    --------
    >>> c = pd.DataFrame({"kommune": 766, "wave": "baseline", "source": "s1", "theme_kind": "dimension",
    ...                   "theme": ["kendskab", "kendskab", "respekt", "kendskab"], "coder": ["a", "a", "a", "b"],
    ...                   "unit": [0, 1, 2, 0]})
    >>> a = interview_agreement(c)   # kendskab: a = 1, 1, 0 and b = 1, 0, 0 over the three passages
    >>> a[["theme", "n_interviews", "n_units", "n_coders"]].to_dict("records")
    [{'theme': 'kendskab', 'n_interviews': 1, 'n_units': 3, 'n_coders': 2}, {'theme': 'respekt', 'n_interviews': 1, 'n_units': 3, 'n_coders': 2}]
    >>> a["kappa"].round(6).tolist()   # by hand: (2/3 - 4/9) / (1 - 4/9) = 0.4; respekt: (2/3 - 2/3) / (1/3) = 0
    [0.4, 0.0]
    """
    by = list(by)
    cols = [*by, *AGREEMENT_COLUMNS]
    if "coder" not in codings.columns or "unit" not in codings.columns or codings.empty:
        return pd.DataFrame(columns=cols)
    src = ["kommune", "wave", "source"]
    c = codings[codings["coder"].notna() & codings["unit"].notna()]
    c = c.assign(**{k: c[k].astype(str) for k in (*src, "theme_kind", "theme", "coder")})
    n_coders = c.groupby(src)["coder"].nunique()
    double = n_coders[n_coders >= 2].index
    c = c.set_index(src).loc[lambda d: d.index.isin(double)].reset_index()
    if c.empty:
        return pd.DataFrame(columns=cols)
    c["_unit"] = c["kommune"] + "\x1f" + c["wave"] + "\x1f" + c["source"] + "\x1f" + c["unit"].astype(str)
    units = c[list(dict.fromkeys([*by, *src, "_unit"]))].drop_duplicates()  # ``by`` may name a source column
    coders = c[[*src, "coder"]].drop_duplicates()
    themes = c[[*by, "theme_kind", "theme"]].drop_duplicates()
    grid = units.merge(coders, on=src).merge(themes, on=by, how="inner") if by else (
        units.merge(coders, on=src).merge(themes, how="cross"))
    applied = c[["_unit", "coder", "theme_kind", "theme"]].drop_duplicates().assign(coded=1)
    grid = grid.merge(applied, on=["_unit", "coder", "theme_kind", "theme"], how="left")
    grid["coded"] = grid["coded"].fillna(0).astype("int64")
    out = code_agreement(grid, code="theme", unit="_unit", coder="coder", value="coded", by=[*by, "theme_kind"])
    sources = c[list(dict.fromkeys([*by, *src]))].drop_duplicates()
    n_int = (out[by].merge(sources.groupby(by).size().rename("n").reset_index(), on=by, how="left")["n"]
             .to_numpy() if by else len(sources))
    out.insert(len(by) + 2, "n_interviews", n_int)
    return out[cols].reset_index(drop=True)

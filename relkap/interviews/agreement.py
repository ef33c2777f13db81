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

import numpy as np
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
    if c.empty:
        return pd.DataFrame(columns=cols)
    # plain Python values (a kommune's codings are a few hundred rows): ids as text, as in the grid's keys
    text = {k: c[k].astype(str).tolist() for k in (*src, "theme_kind", "theme", "coder")}
    plain = {k: text[k] if k in text else c[k].tolist() for k in dict.fromkeys([*by, *src])}
    unit = c["unit"].astype(str).tolist()
    coders_of: dict[tuple, dict[str, None]] = {}  # the coders of each interview, in order of appearance
    for i, coder in enumerate(text["coder"]):
        coders_of.setdefault(tuple(text[k][i] for k in src), {}).setdefault(coder)
    double = {key for key, coders in coders_of.items() if len(coders) >= 2}
    rows = [i for i in range(len(unit)) if tuple(text[k][i] for k in src) in double]
    if not rows:
        return pd.DataFrame(columns=cols)
    # every passage (unit) of a doubly coded interview x its coders x the themes (of its ``by`` cell): coded 1
    # where the coder applied a code of the theme there, else 0
    units: dict[tuple, None] = {}
    themes: dict[tuple, dict[tuple[str, str], None]] = {}
    applied = set()
    sources: dict[tuple, None] = {}
    for i in rows:
        key = tuple(plain[k][i] for k in by)
        source = tuple(text[k][i] for k in src)
        passage = "\x1f".join((*source, unit[i]))
        units.setdefault((key, source, passage))
        themes.setdefault(key, {}).setdefault((text["theme_kind"][i], text["theme"][i]))
        applied.add((passage, text["coder"][i], text["theme_kind"][i], text["theme"][i]))
        sources.setdefault(tuple(plain[k][i] for k in dict.fromkeys([*by, *src])))
    grid = [(key, source, passage, coder, kind, theme)
            for key, source, passage in units for coder in coders_of[source]
            for kind, theme in themes[key]]
    data = pd.DataFrame({
        **{k: pd.Series([g[0][j] for g in grid], dtype=None if k in text else c[k].dtype) for j, k in enumerate(by)},
        "_unit": [g[2] for g in grid], "coder": [g[3] for g in grid],
        "theme_kind": [g[4] for g in grid], "theme": [g[5] for g in grid],
        "coded": np.array([int((g[2], g[3], g[4], g[5]) in applied) for g in grid], dtype=np.int64),
    })
    out = code_agreement(data, code="theme", unit="_unit", coder="coder", value="coded", by=[*by, "theme_kind"])
    if by:
        per_cell: dict[tuple, int] = {}
        for row in sources:
            per_cell[row[:len(by)]] = per_cell.get(row[:len(by)], 0) + 1
        n_int = [per_cell.get(tuple(r), np.nan) for r in out[by].itertuples(index=False, name=None)]
    else:
        n_int = len(sources)
    out.insert(len(by) + 2, "n_interviews", n_int)
    return out[cols].reset_index(drop=True)

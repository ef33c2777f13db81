"""Respondents linked across waves: how many answered in more than one wave, recognised by their pseudonym.

The same raw id gets the same pseudonym in every wave (:func:`relkap.io.pseudonymise`), so a respondent who
answered at baseline and at follow-up appears with one id in both. How many did says how far the waves are
the same people: the report's methods say it in words, and it decides whether paired comparisons are possible.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["linked_respondents"]


def linked_respondents(data: pd.DataFrame, by: str | list[str] | None = None, *, respondent: str = "respondent_id",
                       wave: str = "wave") -> pd.DataFrame:
    """Respondents per wave and how many answered in more than one wave (their id recurs).

    Parameters
    ----------
    data : DataFrame
        Long answers with a respondent id and a wave column (e.g. the ``relations`` table); any number of rows
        per respondent and wave.
    by : str or list of str, optional
        Count within each group of these columns (e.g. ``"kommune"``); ``None`` counts over all rows.
    respondent, wave : str
        The id and wave columns.

    Returns
    -------
    DataFrame
        One row (per group of ``by``) with ``n_waves`` (waves with answers), ``n_respondents`` (distinct ids),
        ``n_linked`` (ids with answers in two or more waves), ``n_every_wave`` (ids in every wave of the
        group) and ``n_<wave>`` (distinct ids per wave, in the order of the wave column's categories, else
        of appearance).

    Notes
    -----
    A respondent is counted in a wave when it has at least one row there, a missing score included ("ved
    ikke" is an answer). With two waves ``n_linked`` equals ``n_every_wave``: the respondents who answered
    both times.

    Examples
    --------
    >>> d = pd.DataFrame({"kommune": [766] * 5 + [336] * 2, "respondent_id": list("aabcd") + ["x", "y"],
    ...                   "wave": ["baseline", "followup", "baseline", "followup", "followup",
    ...                            "baseline", "followup"]})
    >>> linked_respondents(d, "kommune")[["kommune", "n_respondents", "n_linked", "n_baseline", "n_followup"]]
       kommune  n_respondents  n_linked  n_baseline  n_followup
    0      336              2         0           1           1
    1      766              4         1           2           3
    >>> linked_respondents(d).loc[0, ["n_waves", "n_respondents", "n_linked", "n_every_wave"]].tolist()
    [2, 6, 1, 1]
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    for col in (*keys, respondent, wave):
        if col not in data.columns:
            raise ValueError(f"linked_respondents: no column '{col}' in the data")
    waves = [str(w) for w in (data[wave].cat.categories if isinstance(data[wave].dtype, pd.CategoricalDtype)
                              else pd.unique(data[wave].dropna()))]
    pairs = data[[*keys, respondent, wave]].dropna(subset=[respondent, wave]).drop_duplicates()
    pairs = pairs.assign(**{wave: pairs[wave].astype(str)})
    if not keys:  # one group of all rows
        keys, pairs = ["_all"], pairs.assign(_all=0)
    per_id = pairs.groupby([*keys, respondent], observed=True)[wave].nunique().rename("waves").reset_index()
    per_id = per_id.join(pairs.groupby(keys, observed=True)[wave].nunique().rename("n_waves"), on=keys)
    per_id = per_id.assign(linked=per_id["waves"] >= 2, every=per_id["waves"] == per_id["n_waves"])
    out = per_id.groupby(keys, observed=True).agg(n_waves=("n_waves", "first"), n_respondents=(respondent, "size"),
                                                  n_linked=("linked", "sum"), n_every_wave=("every", "sum"))
    per_wave = pairs.groupby([*keys, wave], observed=True)[respondent].nunique().unstack(wave, fill_value=0)
    per_wave = per_wave.reindex(columns=waves, fill_value=0).add_prefix("n_")
    out = out.join(per_wave).astype("int64").reset_index()
    return out.drop(columns=["_all"]) if keys == ["_all"] else out

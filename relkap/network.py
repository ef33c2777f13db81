"""The tie matrix of one kommune as a directed network of professional groups, and its key figures.

Input is the tidy output of :func:`relkap.scoring.tie_scores` (columns ``group, target, n, mean, band,
suppressed, diagonal``, see ``docs/contract.md``) for **one** kommune, wave and dimension. Edge A->B is the
directed tie T(A->B): how group A experiences B's collaboration with A.

Design choices
--------------
- Diagonal ties (a group rating itself) are stored as **node attributes** (``self_mean``, ``self_n``,
  ``self_band``, ``self_suppressed``), not as self-loops: the default cross-group index excludes them, and a
  self-loop would enter in-strength and PageRank as if a group could collaborate with itself across units.
- Suppressed ties (n < min_n) stay in the graph as edges with ``mean`` NaN, ``band`` None and
  ``suppressed=True``, so a figure can show that the tie was asked but is not reported. Every metric here
  skips them explicitly.
- :func:`layout` places groups once per kommune (circular, in codebook order), so the baseline, follow-up
  and change views share node positions and can be compared by eye.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
import pandas as pd

from . import scoring
from .checks import check_choice, check_columns
from .config import ALPHA
from .instrument import Instrument
from .labels import group_order

__all__ = [
    "tie_graph",
    "change_graph",
    "layout",
    "tie_table",
    "strength",
    "asymmetry",
    "extreme_ties",
    "band_share",
    "centrality",
    "check_one_table",
]

_TIE_COLUMNS = ("group", "target", "n", "mean", "suppressed")
# Columns that must hold one value per tie table: a table mixing kommuner, waves or dimensions would
# silently average unrelated ties.
_ONE_VALUE_COLUMNS = ("kommune", "wave", "dimension")


def check_one_table(
    data: pd.DataFrame, keys: Iterable[str] | None, what: str, fixed: Iterable[str] = _ONE_VALUE_COLUMNS
) -> None:
    """Raise ``ValueError`` unless ``data`` holds one value of each ``fixed`` column and one row per ``keys``.

    A table mixing kommuner, waves or dimensions would silently average unrelated ties; every tie view
    (graphs here, figures in :mod:`relkap.plots`) checks its input with this.

    Examples
    --------
    >>> t = pd.DataFrame({"wave": ["baseline", "followup"], "group": ["a", "a"], "target": ["b", "b"]})
    >>> check_one_table(t, ("group", "target"), "ties")
    Traceback (most recent call last):
    ...
    ValueError: ties holds several values of 'wave' (['baseline', 'followup']); filter it to one, e.g. data[data['wave'] == 'baseline']
    """
    for col in fixed:
        if col in data.columns and data[col].nunique(dropna=False) > 1:
            values = sorted(map(str, data[col].unique()))
            raise ValueError(
                f"{what} holds several values of '{col}' ({values}); filter it to one, e.g. "
                f"data[data['{col}'] == {values[0]!r}]"
            )
    if keys is None:
        return
    keys = list(keys)
    dup = data.duplicated(keys, keep=False)
    if dup.any():
        first = data.loc[dup, keys].iloc[0].tolist()
        raise ValueError(f"{what} has more than one row for {keys} = {first}")


def _is_missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _float(x: object) -> float:
    return float("nan") if _is_missing(x) else float(x)


def _int_or_none(x: object) -> int | None:
    return None if _is_missing(x) else int(x)


def _flag(x: object) -> bool:
    return False if _is_missing(x) else bool(x)


def _first(data: pd.DataFrame, col: str) -> object:
    return data[col].iloc[0] if col in data.columns and len(data) else None


def tie_graph(
    ties: pd.DataFrame,
    group_sizes: Mapping[str, int] | pd.Series | None = None,
    *,
    instrument: Instrument,
) -> nx.DiGraph:
    """Directed network of one kommune, wave and dimension from a :func:`~relkap.scoring.tie_scores` table.

    Parameters
    ----------
    ties : DataFrame
        ``group, target, n, mean, suppressed`` and optionally ``sd, ci_low, ci_high, band, diagonal,
        kommune, wave, dimension`` (one value each). Without ``band`` the codebook's bands are applied.
    group_sizes : mapping or Series, optional
        Raters per group. Without it a node's ``n`` is the largest tie ``n`` of the group as rater, i.e. the
        raters who scored at least one target: a lower bound of the group's size.
    instrument : Instrument
        The codebook: orders the nodes as its groups; its bands apply when ``ties`` has no ``band``.

    Returns
    -------
    networkx.DiGraph
        Graph attributes ``kommune, wave, dimension`` (when present). Nodes are group codes with ``n``,
        ``self_mean``, ``self_n``, ``self_band``, ``self_suppressed`` (the diagonal tie, NaN/None when not
        asked). Edges A->B (A != B) carry ``mean, n, sd, ci_low, ci_high, band, suppressed``; a suppressed
        edge has ``mean`` NaN and ``band`` None. No self-loops.
    """
    check_columns(ties, _TIE_COLUMNS, "ties")
    check_one_table(ties, ("group", "target"), "ties")
    g = nx.DiGraph()
    for col in _ONE_VALUE_COLUMNS:
        if col in ties.columns and len(ties):
            g.graph[col] = _first(ties, col)

    nodes = group_order(pd.concat([ties["group"].astype(object), ties["target"].astype(object)]), instrument)
    if group_sizes is not None:
        sizes = {str(k): v for k, v in dict(group_sizes).items()}
        nodes = group_order([*nodes, *sizes], instrument)
    else:
        n = pd.to_numeric(ties["n"], errors="coerce")
        derived = n.groupby(ties["group"].astype(str)).max()
        sizes = {k: v for k, v in derived.items() if not _is_missing(v)}
    for node in nodes:
        g.add_node(node, n=_int_or_none(sizes.get(node)), self_mean=float("nan"), self_n=None,
                   self_band=None, self_suppressed=None)

    for row in ties.to_dict("records"):
        a, b = str(row["group"]), str(row["target"])
        suppressed = _flag(row["suppressed"])
        attrs = {
            "mean": float("nan") if suppressed else _float(row["mean"]),
            "n": _int_or_none(row["n"]),
            "sd": float("nan") if suppressed else _float(row.get("sd")),
            "ci_low": float("nan") if suppressed else _float(row.get("ci_low")),
            "ci_high": float("nan") if suppressed else _float(row.get("ci_high")),
            "band": None if suppressed else _band(row.get("band"), row["mean"], instrument),
            "suppressed": suppressed,
        }
        if a == b:
            g.nodes[a].update(self_mean=attrs["mean"], self_n=attrs["n"], self_band=attrs["band"],
                              self_suppressed=suppressed)
        else:
            g.add_edge(a, b, **attrs)
    return g


def _band(band: object, mean: object, instrument: Instrument) -> str | None:
    """The table's band, or (for a table without one) the codebook's band of ``mean``."""
    if not _is_missing(band):
        return str(band)
    if _is_missing(mean):
        return None
    b = instrument.bands
    return str(scoring.band(float(mean), b.weak_below, b.strong_above)[0])


def _as_graph(obj: nx.DiGraph | pd.DataFrame, instrument: Instrument | None) -> nx.DiGraph:
    """``obj`` itself, or the :func:`tie_graph` of a tie table (which needs the codebook: no silent default)."""
    if isinstance(obj, nx.DiGraph):
        return obj
    if instrument is None:
        raise TypeError("a tie table needs instrument= (the codebook orders its groups and bands its ties); "
                        "or pass the graph from tie_graph")
    return tie_graph(obj, instrument=instrument)


def _scored_edges(g: nx.DiGraph) -> list[tuple[str, str, dict]]:
    return [(a, b, d) for a, b, d in g.edges(data=True) if not d.get("suppressed") and not math.isnan(d["mean"])]


def change_graph(
    baseline: pd.DataFrame | nx.DiGraph,
    followup: pd.DataFrame | nx.DiGraph,
    comparison: pd.DataFrame | None = None,
    *,
    alpha: float = ALPHA,
    p: str = "p_fdr",
    instrument: Instrument,
) -> nx.DiGraph:
    """Network of the change from baseline to follow-up for one kommune and dimension.

    Parameters
    ----------
    baseline, followup : DataFrame or DiGraph
        Tie tables (or graphs from :func:`tie_graph`) of the two waves.
    comparison : DataFrame, optional
        A :func:`relkap.change.compare_waves` table with ``group, target`` among its ``by`` columns and
        ``diff`` and ``p`` (one kommune and dimension). Supplies the tested ``diff`` and its CI, ``p_val``,
        ``p_fdr``, ``p_holm`` and ``hedges``.
    alpha : float
        An edge is ``significant`` when its ``p`` column is below ``alpha``.
    p : str
        The adjusted p-value column of ``comparison`` used for ``significant`` (``"p_fdr"`` or
        ``"p_holm"``).
    instrument : Instrument
        The codebook: orders the nodes as its groups (and bands tie tables given instead of graphs).

    Returns
    -------
    networkx.DiGraph
        Nodes carry ``n_baseline, n_followup`` and ``n`` (follow-up size, else baseline). Edges (the union
        of both waves) carry ``mean_baseline, mean_followup, n_baseline, n_followup, band_baseline,
        band_followup``, ``diff`` = follow-up minus baseline, ``suppressed`` (True when either wave is
        suppressed or the comparison suppresses it; then ``diff`` is NaN), and, from ``comparison``:
        ``p_val, p_fdr, p_holm, hedges, diff_ci_low, diff_ci_high`` (NaN without it) and ``significant``
        (bool).

    Notes
    -----
    With ``comparison``, ``diff`` is the comparison's ``diff`` (the tested difference, which for a paired
    test rests on the linked respondents only) so the change network and the change heat map show the same
    numbers; without it, or for a tie the comparison lacks, ``diff`` = ``mean_followup - mean_baseline``.
    """
    gb, gf = _as_graph(baseline, instrument), _as_graph(followup, instrument)
    g = nx.DiGraph()
    g.graph.update({k: v for k, v in gb.graph.items() if k != "wave"})
    for node in group_order([*gb.nodes, *gf.nodes], instrument):
        nb = gb.nodes[node].get("n") if node in gb else None
        nf = gf.nodes[node].get("n") if node in gf else None
        g.add_node(node, n_baseline=nb, n_followup=nf, n=nf if nf is not None else nb)

    stats: dict[tuple[str, str], dict] = {}
    if comparison is not None:
        check_columns(comparison, ("group", "target", "diff", p), "comparison")
        check_one_table(comparison, ("group", "target"), "comparison")
        for row in comparison.to_dict("records"):
            stats[(str(row["group"]), str(row["target"]))] = row

    stat_cols = ("p_val", "p_fdr", "p_holm", "hedges", "diff_ci_low", "diff_ci_high")
    order = {node: i for i, node in enumerate(g.nodes)}
    for a, b in sorted(set(gb.edges) | set(gf.edges), key=lambda e: (order[e[0]], order[e[1]])):
        eb, ef = gb.edges.get((a, b), {}), gf.edges.get((a, b), {})
        row = stats.get((a, b), {})
        suppressed = bool(eb.get("suppressed") or ef.get("suppressed") or _flag(row.get("suppressed")))
        mb, mf = _float(eb.get("mean")), _float(ef.get("mean"))
        attrs = {
            "mean_baseline": mb,
            "mean_followup": mf,
            "n_baseline": eb.get("n"),
            "n_followup": ef.get("n"),
            "band_baseline": eb.get("band"),
            "band_followup": ef.get("band"),
            "diff": float("nan") if suppressed else _float(row["diff"]) if row else mf - mb,
            "suppressed": suppressed,
        }
        for col in stat_cols:
            attrs[col] = float("nan") if suppressed else _float(row.get(col))
        pv = float("nan") if suppressed else _float(row.get(p))
        attrs["significant"] = bool(not math.isnan(pv) and pv < alpha)
        g.add_edge(a, b, **attrs)
    return g


def _codes(groups) -> list[str]:
    tables = [groups] if isinstance(groups, pd.DataFrame) else list(groups)
    out: list[str] = []
    for t in tables:
        if isinstance(t, pd.DataFrame):
            check_columns(t, ("group", "target"), "layout input")
            out += [*t["group"].astype(str), *t["target"].astype(str)]
        elif isinstance(t, nx.DiGraph):
            out += list(t.nodes)
        else:
            out.append(str(t))
    return out


def layout(
    groups: Iterable[str] | pd.DataFrame | Iterable[pd.DataFrame],
    seed: int = 0,
    *,
    kind: str = "circular",
    instrument: Instrument,
) -> dict[str, np.ndarray]:
    """Node positions for a kommune's groups, computed once and passed as ``pos=`` to every network view.

    Parameters
    ----------
    groups : iterable of str, DataFrame or list of DataFrames
        Group codes, or tie tables whose ``group`` and ``target`` columns name them. Pass both waves
        (``[baseline, followup]``) or all of the kommune's codes so every view places every group.
    seed : int
        Seed of the ``"spring"`` layout; the circular layout does not need it.
    kind : {"circular", "spring"}
        ``"circular"`` puts the groups on a circle in codebook order, clockwise from the top, so the same
        group sits in the same place in every kommune's report. ``"spring"`` is a seeded force layout that
        starts from the circle (deterministic for a given seed).
    instrument : Instrument
        The codebook: the circle follows its group order.

    Returns
    -------
    dict
        Group code -> array ``[x, y]`` within [-1, 1].
    """
    check_choice("kind", kind, ("circular", "spring"))
    nodes = group_order(_codes(groups), instrument)
    if not nodes:
        return {}
    angles = np.pi / 2 - 2 * np.pi * np.arange(len(nodes)) / len(nodes)
    pos = {node: np.array([np.cos(a), np.sin(a)]) for node, a in zip(nodes, angles, strict=True)}
    if kind == "circular":
        return pos
    h = nx.Graph()
    h.add_nodes_from(nodes)
    h.add_edges_from((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:])
    return {k: np.asarray(v) for k, v in nx.spring_layout(h, pos=pos, seed=seed).items()}


def tie_table(g: nx.DiGraph) -> pd.DataFrame:
    """The graph back as a tie table: ``group, target, n, mean, band, suppressed, diagonal`` (diagonal from
    the node attributes), in node order."""
    rows = [{"group": a, "target": b, "n": d.get("n"), "mean": _float(d.get("mean")), "band": d.get("band"),
             "suppressed": bool(d.get("suppressed")), "diagonal": False} for a, b, d in g.edges(data=True)]
    for v, d in g.nodes(data=True):
        if d.get("self_suppressed") is not None:
            rows.append({"group": v, "target": v, "n": d.get("self_n"), "mean": _float(d.get("self_mean")),
                         "band": d.get("self_band"), "suppressed": bool(d["self_suppressed"]), "diagonal": True})
    order = {v: i for i, v in enumerate(g.nodes)}
    rows.sort(key=lambda r: (order[r["group"]], order[r["target"]]))
    return pd.DataFrame(rows, columns=["group", "target", "n", "mean", "band", "suppressed", "diagonal"])


def strength(g: nx.DiGraph | pd.DataFrame, *, instrument: Instrument | None = None) -> pd.DataFrame:
    """Received and perceived strength of every group (diagonal excluded), in node order.

    A tie table (instead of a graph) needs ``instrument``: it becomes :func:`tie_graph` of that codebook.

    The figures of :func:`relkap.scoring.received_perceived` for one graph; groups without scored ties
    (e.g. only known from ``group_sizes``) get NaN and counts of 0.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``received`` = mean over raters A != B of T(A->B) (how the others
        experience collaborating with B), ``n_received`` = the scored ties averaged, ``perceived`` = mean
        over targets B != A of T(A->B) (how A experiences the others), ``n_perceived``, ``self`` = the
        diagonal tie (NaN when not asked or suppressed). Suppressed ties are left out of both means, so
        the counts say on how many ties a figure rests.
    """
    g = _as_graph(g, instrument)
    cols = ["group", "received", "n_received", "perceived", "n_perceived", "self"]
    table = tie_table(g)
    if table.empty:
        out = pd.DataFrame({"group": list(g.nodes)}).reindex(columns=cols)
    else:
        out = scoring.received_perceived(table)[cols]
        out = out.assign(group=out["group"].astype(str)).set_index("group").reindex(list(g.nodes)).reset_index()
    for c in ("n_received", "n_perceived"):
        out[c] = out[c].fillna(0).astype("int64")
    return out[cols]


def asymmetry(g: nx.DiGraph | pd.DataFrame, *, instrument: Instrument | None = None) -> pd.DataFrame:
    """Asymmetry of every pair of groups: how differently A and B experience their collaboration.

    A tie table (instead of a graph) needs ``instrument``: it becomes :func:`tie_graph` of that codebook.

    Returns
    -------
    DataFrame
        One row per unordered pair present in either direction, in node order: ``group_a, group_b``,
        ``mean_ab`` = T(a->b), ``mean_ba`` = T(b->a), ``asymmetry`` = T(a->b) - T(b->a) (NaN when either
        tie is suppressed or missing).
    """
    g = _as_graph(g, instrument)
    nodes = list(g.nodes)
    rows = []
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            if not (g.has_edge(a, b) or g.has_edge(b, a)):
                continue
            ab = _float(g.edges[a, b]["mean"]) if g.has_edge(a, b) else float("nan")
            ba = _float(g.edges[b, a]["mean"]) if g.has_edge(b, a) else float("nan")
            rows.append({"group_a": a, "group_b": b, "mean_ab": ab, "mean_ba": ba, "asymmetry": ab - ba})
    return pd.DataFrame(rows, columns=["group_a", "group_b", "mean_ab", "mean_ba", "asymmetry"])


def extreme_ties(g: nx.DiGraph | pd.DataFrame, k: int = 3, *, instrument: Instrument | None = None) -> pd.DataFrame:
    """The ``k`` weakest and ``k`` strongest scored cross-group ties.

    A tie table (instead of a graph) needs ``instrument``: it becomes :func:`tie_graph` of that codebook.

    Returns
    -------
    DataFrame
        ``kind`` ("weakest" or "strongest"), ``rank`` (1 = most extreme), ``group``, ``target``, ``mean``,
        ``n``, ``band``. Equal means are ordered by group and target so the result is deterministic.
        Suppressed ties never appear.
    """
    g = _as_graph(g, instrument)
    order = {node: i for i, node in enumerate(g.nodes)}
    scored = [{"group": a, "target": b, "mean": d["mean"], "n": d["n"], "band": d.get("band")}
              for a, b, d in _scored_edges(g)]
    rows = []
    for kind, sign in (("weakest", 1), ("strongest", -1)):
        ranked = sorted(scored, key=lambda t: (sign * t["mean"], order[t["group"]], order[t["target"]]))
        rows += [{"kind": kind, "rank": i + 1, **t} for i, t in enumerate(ranked[:k])]
    return pd.DataFrame(rows, columns=["kind", "rank", "group", "target", "mean", "n", "band"])


def band_share(g: nx.DiGraph | pd.DataFrame, *, instrument: Instrument | None = None) -> pd.DataFrame:
    """How many cross-group ties fall in each band, and how many are suppressed.

    A tie table (instead of a graph) needs ``instrument``: it becomes :func:`tie_graph` of that codebook.

    Returns
    -------
    DataFrame
        Rows ``weak, moderate, strong, suppressed`` with ``band``, ``n_ties``, ``share`` (of all
        cross-group ties in the graph) and ``share_scored`` (of the scored ties; NaN for ``suppressed``).
    """
    g = _as_graph(g, instrument)
    counts = dict.fromkeys(("weak", "moderate", "strong", "suppressed"), 0)
    for _, _, d in g.edges(data=True):
        key = "suppressed" if d.get("suppressed") else d.get("band")
        if key in counts:
            counts[key] += 1
    total = sum(counts.values())
    scored = total - counts["suppressed"]
    rows = [{"band": band, "n_ties": c,
             "share": c / total if total else float("nan"),
             "share_scored": (c / scored if scored else float("nan")) if band != "suppressed" else float("nan")}
            for band, c in counts.items()]
    return pd.DataFrame(rows, columns=["band", "n_ties", "share", "share_scored"])


def centrality(
    g: nx.DiGraph | pd.DataFrame,
    *,
    scale: tuple[float, float] | None = None,
    alpha: float = 0.85,
    instrument: Instrument,
) -> pd.DataFrame:
    """Two centralities for weighted directed ties: normalised in-strength and weighted PageRank.

    Parameters
    ----------
    g : DiGraph or DataFrame
        From :func:`tie_graph` (or a tie table).
    scale : (min, max), optional
        The response scale; default the instrument's (1-5).
    alpha : float
        PageRank damping factor.
    instrument : Instrument
        The codebook: its response scale when ``scale`` is not given, its bands for a tie table.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``in_strength``, ``pagerank``, ``n_in`` (scored incoming ties).

    Notes
    -----
    ``in_strength`` = mean over scored incoming ties of (T - min) / (max - min), in [0, 1]. It is a mean,
    not the usual sum of weights, because suppression removes ties unevenly: a sum would rank a group lower
    just because fewer of its raters reached ``min_n``. It is ``received`` rescaled, so it is read on the
    same terms.

    ``pagerank`` uses weights T - min (a tie at the bottom of the scale passes on nothing). PageRank divides
    each rater's weights by the rater's total, which removes rater leniency (a group that rates everybody
    high does not inflate everybody), and it counts recognition from groups that are themselves well
    regarded for more. It sums to 1 over the groups; with 5-10 groups and means between 3 and 5 the values
    lie close together, so read it as a ranking. Suppressed ties and the diagonal are left out of both.
    """
    g = _as_graph(g, instrument)
    if scale is None:
        inst_scale = instrument.scale
        scale = (inst_scale.min, inst_scale.max)
    lo, hi = scale
    h = nx.DiGraph()
    h.add_nodes_from(g.nodes)
    for a, b, d in _scored_edges(g):
        h.add_edge(a, b, weight=max(d["mean"] - lo, 0.0))
    pr = nx.pagerank(h, alpha=alpha, weight="weight") if len(h) else {}
    rows = []
    for node in g.nodes:
        incoming = [(d["weight"]) / (hi - lo) for _, _, d in h.in_edges(node, data=True)]
        rows.append({"group": node,
                     "in_strength": float(np.mean(incoming)) if incoming else float("nan"),
                     "pagerank": float(pr.get(node, float("nan"))),
                     "n_in": len(incoming)})
    return pd.DataFrame(rows, columns=["group", "in_strength", "pagerank", "n_in"])

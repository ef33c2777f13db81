"""Network of ties: graph construction and key figures against values computed by hand."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from relkap import load_instrument, network

nan = float("nan")
INST = load_instrument()

# Three groups in codebook order: myndighed (A), skole (B), ppr (C).
A, B, C = "myndighed", "skole", "ppr"


def _ties(rows, wave="baseline"):
    """A tie_scores-style table (contract columns) from (group, target, n, mean) rows; n < 5 is suppressed."""
    out = []
    for g, t, n, m in rows:
        sup = n < 5
        band = None if sup else ("weak" if m < 3.5 else "strong" if m > 4.0 else "moderate")
        out.append({"kommune": 101, "wave": wave, "group": g, "target": t, "dimension": "rk", "n": n,
                    "mean": nan if sup else m, "sd": nan if sup else 0.5,
                    "ci_low": nan if sup else m - 0.4, "ci_high": nan if sup else m + 0.4,
                    "band": band, "suppressed": sup, "diagonal": g == t})
    return pd.DataFrame(out)


BASE = [(A, A, 7, 4.8), (A, B, 6, 3.0), (A, C, 6, 4.2), (B, A, 8, 4.0), (B, C, 8, 3.6),
        (C, A, 5, 4.5), (C, B, 3, 9.9)]
FOLLOW = [(A, B, 6, 3.6), (A, C, 6, 4.0), (B, A, 8, 4.1), (B, C, 8, 3.7), (C, A, 6, 4.4), (C, B, 6, 3.9)]


@pytest.fixture
def base():
    return _ties(BASE)


def test_tie_graph_nodes_edges_and_attributes(base):
    g = network.tie_graph(base, instrument=INST)
    assert list(g.nodes) == [A, B, C]  # codebook order
    # the diagonal is a node attribute, not a self-loop; the suppressed tie stays as an edge
    assert nx.number_of_selfloops(g) == 0
    assert g.number_of_edges() == 6
    assert g.nodes[A]["self_mean"] == 4.8 and g.nodes[A]["self_n"] == 7
    # node n = max tie n of the group as rater (A: 6, 6, 7 on the diagonal)
    assert [g.nodes[x]["n"] for x in (A, B, C)] == [7, 8, 5]
    e = g.edges[C, B]
    assert e["suppressed"] is True and math.isnan(e["mean"]) and e["band"] is None and e["n"] == 3
    assert g.edges[A, B]["mean"] == 3.0 and g.edges[A, B]["band"] == "weak" and not g.edges[A, B]["suppressed"]
    assert g.graph == {"kommune": 101, "wave": "baseline", "dimension": "rk"}


def test_tie_graph_group_sizes_and_missing_band(base):
    g = network.tie_graph(base.drop(columns="band"), group_sizes={A: 12, B: 9, C: 5, "ledere": 4}, instrument=INST)
    assert g.nodes[A]["n"] == 12 and g.nodes["ledere"]["n"] == 4
    # bands come from the codebook (weak < 3.5 <= moderate <= 4.0 < strong) when the table has none
    assert [g.edges[e]["band"] for e in [(A, B), (B, A), (A, C), (C, B)]] == ["weak", "moderate", "strong", None]


def test_tie_graph_rejects_mixed_tables(base):
    mixed = pd.concat([base, _ties(FOLLOW, wave="followup")])
    with pytest.raises(ValueError, match="several values of 'wave'"):
        network.tie_graph(mixed, instrument=INST)
    with pytest.raises(ValueError, match="not found in ties"):
        network.tie_graph(base.drop(columns="suppressed"), instrument=INST)
    with pytest.raises(ValueError, match="more than one row"):
        network.tie_graph(pd.concat([base, base.iloc[[1]]]), instrument=INST)


def test_strength_by_hand(base):
    s = network.strength(base, instrument=INST).set_index("group")
    # received(B) = mean over raters A != B of T(A->B); C->B is suppressed and left out
    assert s.loc[A, "received"] == pytest.approx((4.0 + 4.5) / 2)
    assert s.loc[B, "received"] == pytest.approx(3.0) and s.loc[B, "n_received"] == 1
    assert s.loc[C, "received"] == pytest.approx((4.2 + 3.6) / 2)
    # perceived(A) = mean over targets B != A of T(A->B); the diagonal is separate
    assert s.loc[A, "perceived"] == pytest.approx((3.0 + 4.2) / 2)
    assert s.loc[B, "perceived"] == pytest.approx((4.0 + 3.6) / 2)
    assert s.loc[C, "perceived"] == pytest.approx(4.5) and s.loc[C, "n_perceived"] == 1
    assert s.loc[A, "self"] == 4.8 and math.isnan(s.loc[B, "self"])


def test_strength_of_a_group_without_ties_and_tie_table_round_trip(base):
    g = network.tie_graph(base, group_sizes={A: 7, B: 8, C: 5, "ledere": 4}, instrument=INST)
    s = network.strength(g).set_index("group")
    assert list(s.index) == [A, B, C, "ledere"]
    assert np.isnan(s.loc["ledere", "received"]) and s.loc["ledere", "n_received"] == 0
    t = network.tie_table(g)
    assert list(zip(t.group, t.target, strict=True)) == [(a, b) for a, b, *_ in BASE]  # node order
    assert t.loc[t.diagonal, "mean"].tolist() == [4.8]
    back = network.tie_graph(t, instrument=INST)
    assert sorted(back.edges) == sorted(g.edges)
    pd.testing.assert_frame_equal(network.strength(back, instrument=INST), network.strength(base, instrument=INST))


def test_asymmetry_by_hand(base):
    a = network.asymmetry(base, instrument=INST)
    assert list(zip(a.group_a, a.group_b, strict=True)) == [(A, B), (A, C), (B, C)]
    assert a.asymmetry.iloc[0] == pytest.approx(3.0 - 4.0)
    assert a.asymmetry.iloc[1] == pytest.approx(4.2 - 4.5)
    assert math.isnan(a.asymmetry.iloc[2])  # C->B suppressed


def test_extreme_ties_and_band_share(base):
    e = network.extreme_ties(base, k=2, instrument=INST)
    weakest = e[e.kind == "weakest"]
    strongest = e[e.kind == "strongest"]
    assert list(zip(weakest.group, weakest.target, strict=True)) == [(A, B), (B, C)]
    assert list(zip(strongest.group, strongest.target, strict=True)) == [(C, A), (A, C)]
    assert list(strongest["rank"]) == [1, 2]
    b = network.band_share(base, instrument=INST).set_index("band")
    assert b.n_ties.to_dict() == {"weak": 1, "moderate": 2, "strong": 2, "suppressed": 1}
    assert b.loc["weak", "share"] == pytest.approx(1 / 6)
    assert b.loc["moderate", "share_scored"] == pytest.approx(2 / 5)
    assert math.isnan(b.loc["suppressed", "share_scored"])


def test_centrality_in_strength_by_hand_and_pagerank_by_power_iteration(base):
    c = network.centrality(base, instrument=INST).set_index("group")
    # in-strength: mean over scored incoming ties of (T - 1) / 4
    assert c.loc[A, "in_strength"] == pytest.approx(((4.0 - 1) / 4 + (4.5 - 1) / 4) / 2)
    assert c.loc[B, "in_strength"] == pytest.approx((3.0 - 1) / 4)
    # PageRank on weights T - 1, computed independently: every node has an out-edge (no dangling nodes)
    nodes = [A, B, C]
    w = np.zeros((3, 3))
    for g, t, n, m in BASE:
        if g != t and n >= 5:
            w[nodes.index(g), nodes.index(t)] = m - 1
    p = w / w.sum(axis=1, keepdims=True)
    pr = np.full(3, 1 / 3)
    for _ in range(200):
        pr = 0.15 / 3 + 0.85 * p.T @ pr
    assert c.loc[nodes, "pagerank"].to_numpy() == pytest.approx(pr, abs=1e-6)
    assert c.pagerank.sum() == pytest.approx(1.0)


def test_change_graph_without_and_with_comparison(base):
    follow = _ties(FOLLOW, wave="followup")
    g = network.change_graph(base, follow, instrument=INST)
    assert "wave" not in g.graph
    assert g.edges[A, B]["diff"] == pytest.approx(0.6)
    assert g.edges[C, B]["suppressed"] and math.isnan(g.edges[C, B]["diff"])
    assert not any(d["significant"] for *_, d in g.edges(data=True))
    assert g.nodes[C]["n_baseline"] == 5 and g.nodes[C]["n_followup"] == 6

    comp = pd.DataFrame({"kommune": 101, "dimension": "rk", "group": [A, A, B, C],
                         "target": [B, C, A, A], "diff": [0.62, -0.2, 0.1, -0.1],
                         "p_val": [0.001, 0.2, 0.04, 0.5], "p_fdr": [0.004, 0.27, 0.08, 0.5],
                         "suppressed": False})
    g = network.change_graph(base, follow, comparison=comp, instrument=INST)
    # the tested diff is used where the comparison has the tie
    assert g.edges[A, B]["diff"] == pytest.approx(0.62) and g.edges[A, B]["p_fdr"] == 0.004
    assert g.edges[B, C]["diff"] == pytest.approx(0.1)  # not in the comparison: difference of means
    assert [e for e, s in nx.get_edge_attributes(g, "significant").items() if s] == [(A, B)]
    assert network.change_graph(base, follow, comparison=comp, alpha=0.1, instrument=INST).edges[B, A]["significant"]
    with pytest.raises(ValueError, match="p_fdr"):
        network.change_graph(base, follow, comparison=comp.drop(columns="p_fdr"), instrument=INST)


def test_layout_is_shared_by_both_waves(base):
    follow = _ties(FOLLOW, wave="followup")
    pos = network.layout([base, follow], instrument=INST)
    assert list(pos) == [A, B, C]
    codes = network.layout([A, B, C], instrument=INST)
    assert all(np.allclose(pos[k], codes[k]) for k in codes)
    assert np.allclose(pos[A], [0, 1])  # first group at the top
    assert all(np.hypot(*p) == pytest.approx(1) for p in pos.values())
    s1 = network.layout([A, B, C], kind="spring", seed=3, instrument=INST)
    s2 = network.layout([C, B, A], kind="spring", seed=3, instrument=INST)
    assert all(np.allclose(s1[k], s2[k]) for k in s1)
    with pytest.raises(ValueError, match="kind"):
        network.layout([A, B], kind="random", instrument=INST)


def test_the_codebook_is_required():
    """No silent fallback to the packaged codebook: a run on another codebook must say so everywhere."""
    for call in (lambda: network.tie_graph(_ties(BASE)), lambda: network.layout([A, B]),
                 lambda: network.centrality(_ties(BASE)), lambda: network.change_graph(_ties(BASE), _ties(FOLLOW)),
                 lambda: network.strength(_ties(BASE)), lambda: network.band_share(_ties(BASE))):
        with pytest.raises(TypeError, match="instrument"):
            call()

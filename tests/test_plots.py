"""Figure content checked through matplotlib artists (not pixels): cells, texts, arrows, markers, labels."""

from __future__ import annotations

from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402
from test_network import BASE, FOLLOW, A, B, C, _ties  # noqa: E402

from relkap import load_instrument, network, plots  # noqa: E402
from relkap.plots import alt  # noqa: E402
from relkap.plots.cells import tie_cells  # noqa: E402
from relkap.style import cielab, delta_e  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def example():
    return plots.example_data()


def _texts(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid]


def _in_cell(t, i, j):
    x, y = t.get_position()
    return j <= x <= j + 1 and i <= y <= i + 1


def _arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def test_tie_heatmap_cells_values_n_and_suppression():
    ties = _ties(BASE)
    ax = plots.tie_heatmap(ties)
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert mesh.get_array().size == 9  # 3 raters x 3 targets
    assert mesh.norm.vmin == 1 and mesh.norm.vmax == 5  # the fixed scale, not the data's range
    values = sorted(t.get_text() for t in _texts(ax, "value"))
    assert values == sorted(["4,8", "3,0", "4,2", "4,0", "3,6", "4,5"])  # Danish decimal comma
    assert sorted(t.get_text() for t in _texts(ax, "n")) == sorted(["n=7", "n=6", "n=6", "n=8", "n=8", "n=5"])
    # C -> B (row 2, column 1) is suppressed: "n<5" and no value, no n
    sup = _texts(ax, "suppressed")
    assert [t.get_text() for t in sup] == ["n<5"] and _in_cell(sup[0], 2, 1)
    assert not [t for t in _texts(ax, "value") + _texts(ax, "n") if _in_cell(t, 2, 1)]
    assert "3" not in "".join(t.get_text() for t in ax.texts if _in_cell(t, 2, 1))  # the true n=3 is hidden
    # not-asked cells (B->B, C->C) are masked and carry no text
    assert mesh.get_array().mask.sum() == 3
    # band boundaries drawn on the colour bar
    cbar_ax = ax.figure.axes[1]
    assert sorted(line.get_ydata()[0] for line in cbar_ax.lines if line.get_gid() == "band_boundary") == [3.5, 4.0]


def test_tie_heatmap_uses_the_given_min_n_and_language():
    ties = _ties(BASE)
    ax = plots.tie_heatmap(ties, min_n=7, language="en")
    assert [t.get_text() for t in _texts(ax, "suppressed")] == ["n<7"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Case managers", "Schools", "Educational psychology\n(PPR)"]
    assert ax.get_ylabel() == "Rating group" and "Baseline" in ax.get_title()
    assert "3.0" in [t.get_text() for t in _texts(ax, "value")]
    da = plots.tie_heatmap(ties)
    assert [t.get_text() for t in da.get_yticklabels()][0] == "Myndighedsrådgivere"
    assert da.get_ylabel() == "Vurderende gruppe" and "Førmåling" in da.get_title()
    with pytest.raises(ValueError, match="language"):
        plots.tie_heatmap(ties, language="de")


def test_tie_heatmap_without_suppressed_column_uses_min_n():
    ties = _ties(BASE).drop(columns="suppressed")
    ax = plots.tie_heatmap(ties, min_n=6)
    assert len(_texts(ax, "suppressed")) == 2  # n=3 and n=5


def _comparison():
    return pd.DataFrame({
        "group": [A, A, B, B, C, C], "target": [B, C, A, C, A, B],
        "diff": [0.6, -0.2, 0.1, -0.45, -0.1, np.nan],
        "p_fdr": [0.004, 0.27, 0.03, 0.01, 0.5, np.nan],
        "hedges": [0.9, -0.3, 0.15, -0.7, -0.1, np.nan],
        "hedges_ci_low": [0.3, -0.8, -0.3, -1.2, -0.6, np.nan],
        "hedges_ci_high": [1.5, 0.2, 0.6, -0.2, 0.4, np.nan],
        "suppressed": [False, False, False, False, False, True],
    })


def test_change_heatmap_diverging_significance_and_suppression():
    ax = plots.change_heatmap(_comparison())
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert mesh.get_array().size == 9
    assert mesh.norm.vmin == -mesh.norm.vmax  # centred at 0
    assert len(_texts(ax, "significant")) == 3  # p_fdr < 0.05: A->B, B->A, B->C
    assert sorted(t.get_text() for t in _texts(ax, "value")) == sorted(["+0,60", "−0,20", "+0,10", "−0,45", "−0,10"])
    sup = _texts(ax, "suppressed")
    assert [t.get_text() for t in sup] == ["n<5"] and _in_cell(sup[0], 2, 1)
    assert len(_texts(plots.change_heatmap(_comparison(), alpha=0.005), "significant")) == 1
    assert len(_texts(plots.change_heatmap(_comparison(), p="p_fdr", alpha=1.0), "significant")) == 5


class _Cells(HTMLParser):
    """The body cells of an HTML heat map: rows of {class, style, title, text} plus row and column heads."""

    def __init__(self):
        super().__init__()
        self.rows, self.cols, self.row_heads, self.caption = [], [], [], ""
        self._cell = self._where = None
        self._section = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("thead", "tbody", "caption"):
            self._section = tag
        elif tag == "tr" and self._section == "tbody":
            self.rows.append([])
        elif tag == "td":
            self._cell = {"class": a.get("class", "").split(), "style": a.get("style", ""),
                          "title": a.get("title", ""), "text": ""}
        elif tag == "th":
            self._where = "col" if "col" in a.get("class", "") else ("row" if a.get("scope") == "row" else None)
            if self._where:
                (self.cols if self._where == "col" else self.row_heads).append("")

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None
        elif tag == "th":
            self._where = None
        elif tag == "caption":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        elif self._where:
            target = self.cols if self._where == "col" else self.row_heads
            target[-1] += data
        elif self._section == "caption":
            self.caption += data


def _html_cells(markup: str) -> _Cells:
    parser = _Cells()
    parser.feed(markup)
    return parser


def _background(cell) -> str:
    return next((part.split(":")[1] for part in cell["style"].split(";") if part.startswith("background:")), "")


def test_tie_heatmap_html_shows_the_cells_of_tie_heatmap():
    ties = _ties(BASE)
    page = _html_cells(plots.tie_heatmap_html(ties))
    mesh = next(c for c in plots.tie_heatmap(ties).collections if isinstance(c, QuadMesh))
    assert page.row_heads == ["Myndighedsrådgivere", "Skole", "PPR"] == page.cols
    assert "Førmåling" in page.caption
    texts = [[c["text"] for c in row] for row in page.rows]
    # same numbers as the matplotlib cells (value, then n), rows rate columns
    assert texts[0] == ["4,8n=7", "3,0n=6", "4,2n=6"]
    assert texts[1][0] == "4,0n=8" and texts[1][1] == ""  # B->B not asked: white, empty
    # the suppressed cell C->B: "n<5" only, grey hatch, and the true n=3 is nowhere in it
    sup = page.rows[2][1]
    assert sup["text"] == "n<5" and "suppressed" in sup["class"] and "3" not in sup["title"] + sup["text"]
    assert [c["class"] for row in page.rows for c in row].count(["suppressed"]) == 1
    # each scored cell has the colour the matplotlib mesh gives it (same colour map, same fixed 1-5 scale)
    colours = mesh.to_rgba(mesh.get_array())
    for i, row in enumerate(page.rows):
        for j, cell in enumerate(row):
            if "value" in cell["class"]:
                assert _background(cell) == matplotlib.colors.to_hex(colours[i, j], keep_alpha=False)
    assert [("diagonal" in c["class"]) for c in page.rows[0]] == [True, False, False]
    # hover: the tie, the mean to two decimals and the 95% CI when the table has it
    assert page.rows[0][1]["title"].startswith("Myndighedsrådgivere → Skole: 3,00, n=6")


def test_tie_heatmap_html_language_and_min_n():
    page = _html_cells(plots.tie_heatmap_html(_ties(BASE), min_n=7, language="en", title="Stevns"))
    assert page.caption == "Stevns" and page.cols[2] == "Educational psychology (PPR)"
    # the table's own suppressed flag decides; min_n only names the threshold (as in tie_heatmap)
    assert [c["text"] for row in page.rows for c in row if "suppressed" in c["class"]] == ["n<7"]
    without_flag = _html_cells(plots.tie_heatmap_html(_ties(BASE).drop(columns="suppressed"), min_n=6))
    assert sum(c["text"] == "n<6" for row in without_flag.rows for c in row) == 2  # n=3 and n=5
    assert page.rows[0][1]["text"] == "3.0n=6"
    with pytest.raises(ValueError, match="language"):
        plots.tie_heatmap_html(_ties(BASE), language="de")


def test_change_heatmap_html_signs_stars_and_suppression():
    page = _html_cells(plots.change_heatmap_html(_comparison()))
    flat = [c for row in page.rows for c in row]
    assert sorted(c["text"].rstrip("*") for c in flat if "value" in c["class"]) == sorted(
        ["+0,60", "−0,20", "+0,10", "−0,45", "−0,10"])
    assert sum(c["text"].endswith("*") for c in flat) == 3  # p_fdr < 0.05: A->B, B->A, B->C
    assert page.rows[2][1]["text"] == "n<5" and "suppressed" in page.rows[2][1]["class"]
    assert "p_fdr = 0,004" in page.rows[0][1]["title"]
    # the colour scale is centred at 0: +0,10 is pale blue, -0,45 clearly red
    mesh = next(c for c in plots.change_heatmap(_comparison()).collections if isinstance(c, QuadMesh))
    colours = mesh.to_rgba(mesh.get_array())
    assert _background(page.rows[1][2]) == matplotlib.colors.to_hex(colours[1, 2], keep_alpha=False)


def test_network_diagram_arrows_are_the_scored_cross_group_ties(example):
    ties = _ties(BASE)
    ax = plots.network_diagram(ties)
    assert len(_arrows(ax)) == 5  # 6 cross-group edges, C->B suppressed; no arrow for the diagonal
    suppressed = [line for line in ax.lines if line.get_gid() == "suppressed"]
    assert len(suppressed) == 1
    # node n printed, but not below min_n (C rates with n=5 at most; with min_n=6 it shows "<6")
    assert sorted(t.get_text() for t in _texts(ax, "node_n")) == ["5", "7", "8"]
    small = plots.network_diagram(ties, min_n=6)
    assert sorted(t.get_text() for t in _texts(small, "node_n")) == ["7", "8", "<6"]
    # band carried by line style as well as colour
    styles = {p.get_gid(): p.get_linestyle() for p in _arrows(ax)}
    assert styles[f"tie:{A}->{B}"] != styles[f"tie:{A}->{C}"]  # weak vs strong
    base = example["ties_baseline"]
    ax = plots.network_diagram(base)
    expected = int((~base["suppressed"] & ~base["diagonal"]).sum())
    assert len(_arrows(ax)) == expected
    # node size grows with n
    nodes = next(c for c in ax.collections if c.get_gid() == "nodes")
    n = base[base.group == base.target].set_index("group")["n"]  # diagonal n is the group's full size here
    sizes = dict(zip(network.layout(base, instrument=load_instrument()), nodes.get_sizes(), strict=True))
    assert sizes[n.idxmax()] == max(sizes.values())


def test_network_views_share_node_positions(example):
    base, follow, comp = example["ties_baseline"], example["ties_followup"], example["comparison"]
    pos = network.layout([base, follow], instrument=load_instrument())
    fig, axes = plt.subplots(1, 3)
    plots.network_diagram(base, pos=pos, ax=axes[0])
    plots.network_diagram(follow, pos=pos, ax=axes[1])
    plots.change_network(comp, baseline=base, followup=follow, pos=pos, ax=axes[2])
    offsets = [next(c for c in ax.collections if c.get_gid() == "nodes").get_offsets() for ax in axes]
    assert np.allclose(offsets[0], offsets[1]) and np.allclose(offsets[0], offsets[2])
    assert np.allclose(offsets[0], np.array(list(pos.values())))
    # change view: an arrow per tie scored in both waves, "*" per significant tie
    cross = comp[comp.group != comp.target]
    assert len(_arrows(axes[2])) == int((~cross["suppressed"]).sum())
    assert len(_texts(axes[2], "significant")) == int((cross["p_fdr"] < 0.05).sum()) > 0
    with pytest.raises(ValueError, match="no position"):
        plots.network_diagram(base, pos={k: v for k, v in list(pos.items())[:3]})


def test_change_network_without_comparison_has_no_markers():
    ax = plots.change_network(baseline=_ties(BASE), followup=_ties(FOLLOW, wave="followup"))
    assert len(_arrows(ax)) == 5 and not _texts(ax, "significant")
    dashed = [p for p in _arrows(ax) if p.get_linestyle() != "solid" and p.get_linestyle() != "-"]
    assert len(dashed) == 2  # decreases A->C (4.2 -> 4.0) and C->A (4.5 -> 4.4)


def test_forest_plot_rows_and_sort_order():
    comp = _comparison()
    ax = plots.forest_plot(comp, label=["group", "target"], language="en")
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]  # long ties are wrapped
    assert len(labels) == 5  # the suppressed row is left out
    assert labels[0] == "Case managers → Schools"  # largest g at the top
    g = comp.dropna(subset=["hedges"]).sort_values("hedges", ascending=False)
    order = [f"{a} → {b}" for a, b in zip(g.group, g.target, strict=True)]
    en = {A: "Case managers", B: "Schools", C: "Educational psychology (PPR)"}
    assert labels == [o.replace(A, en[A]).replace(B, en[B]).replace(C, en[C]) for o in order]
    ylim = ax.get_ylim()
    assert ylim[0] > ylim[1]  # first row drawn at the top
    sig = next(c for c in ax.collections if c.get_gid() == "significant")
    assert len(sig.get_offsets()) == 3
    unsorted = plots.forest_plot(comp, sort=False)
    assert [t.get_text().replace("\n", " ") for t in unsorted.get_yticklabels()][0] == "Myndighedsrådgivere → Skole"


def test_response_overview_bars_hatches_and_threshold(example):
    counts = example["counts"]
    ax = plots.response_overview(counts, min_n=6)
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("wave:")]
    assert len(bars) == len(counts)
    hatches = {p.get_gid(): p.get_hatch() for p in bars}
    assert hatches["wave:baseline"] != hatches["wave:followup"]  # waves differ without colour
    threshold = next(line for line in ax.lines if line.get_gid() == "threshold")
    assert list(threshold.get_ydata()) == [6, 6]
    assert "6" in threshold.get_label()


def test_dimension_profile_markers_and_language(example):
    ax = plots.dimension_profile(example["profile"], language="en")
    lines = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("wave:")}
    assert set(lines) == {"wave:baseline", "wave:followup"}
    assert lines["wave:baseline"].get_marker() != lines["wave:followup"].get_marker()
    assert len(lines["wave:baseline"].get_xdata()) == 6
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "Mutual knowledge"
    da = plots.dimension_profile(example["profile"])
    assert [t.get_text() for t in da.get_xticklabels()][0] == "Gensidigt\nkendskab"


def test_dimension_profile_hides_suppressed_rows(example):
    profile = example["profile"].drop(columns="suppressed")
    profile["n"] = 40
    profile.loc[0, "n"] = 3  # one dimension in one wave below min_n: without the flag, n decides
    ax = plots.dimension_profile(profile)
    assert [t.get_text() for t in _texts(ax, "suppressed")] == ["n<5"]
    baseline = next(line for line in ax.lines if line.get_gid() == f"wave:{profile.loc[0, 'wave']}")
    assert np.isnan(baseline.get_ydata()[0]) and not np.isnan(baseline.get_ydata()[1:]).any()


def test_scale_change_markers_significance_and_suppression(example):
    scales = example["scales"]
    ax = plots.scale_change(scales)
    lines = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("wave:")}
    assert len(lines["wave:baseline"].get_xdata()) == len(lines["wave:followup"].get_xdata()) == len(scales)
    assert lines["wave:baseline"].get_marker() != lines["wave:followup"].get_marker()
    assert len(_texts(ax, "significant")) == int((scales["p_fdr"] < 0.05).sum()) > 0
    assert "KI for ændringen" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    # the employee scales get their survey heading, in English too
    en = plots.scale_change(scales, language="en")
    assert {"Employees", "Citizens"} <= {t.get_text() for t in en.texts}
    hidden = scales.assign(suppressed=scales["scale"] == "vision", p_fdr=0.001)
    ax = plots.scale_change(hidden)
    assert [t.get_text() for t in _texts(ax, "suppressed")] == ["n<5"]
    assert len(_texts(ax, "significant")) == len(scales) - 1  # no "*" on the suppressed scale


def test_gallery_writes_small_pngs(tmp_path):
    paths = plots.gallery(tmp_path, source="example")
    assert len(paths) == 10 and all(p.suffix == ".png" for p in paths)
    assert all(0 < p.stat().st_size < 200_000 for p in paths)
    with pytest.raises(ValueError, match="source"):
        plots.gallery(tmp_path, source="real")


def test_demo_data_has_the_tables_the_figures_need():
    # runs the other modules (synth, io, scoring, change) end to end; skipped while they are missing
    pytest.importorskip("relkap.scoring")
    pytest.importorskip("relkap.change")
    demo, example = plots.demo_data(), plots.example_data()
    assert demo.keys() == example.keys()
    for key in ("ties_baseline", "ties_followup", "comparison"):
        assert set(example[key].columns) <= set(demo[key].columns), key
    assert example["ties_baseline"]["kommune"].nunique() == 1
    pos = network.layout([example["ties_baseline"], example["ties_followup"]], instrument=load_instrument())
    ax = plots.change_network(example["comparison"], baseline=example["ties_baseline"],
                              followup=example["ties_followup"], pos=pos)
    assert len(_arrows(ax)) > 0


# ----------------------------------------------------------------------------------------------------
# One change scale for every kommune, targeted ties marked, text large enough in print
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_kommuner(demo_project):
    import relkap
    from relkap import report
    from relkap.params import load_all_kommune_params

    project = demo_project(10, 1)
    inst = relkap.load_instrument()
    tables = relkap.load(project.data)
    out = {}
    for code in (336, 461, 766):
        t = report.kommune_tables(tables, code)
        out[code] = {"ties": report.tie_table(t.relations, inst), "change": report.tie_change(t.relations, inst),
                     "params": load_all_kommune_params(project.params)[code]}
    return out


def test_change_colour_scale_is_the_same_in_every_kommune(demo_kommuner):
    limits = set()
    for d in demo_kommuner.values():
        ax = plots.change_heatmap(d["change"])
        mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
        limits.add((mesh.norm.vmin, mesh.norm.vmax))
        html = plots.change_heatmap_html(d["change"])
        assert "+1,0</span>" in html and "−1,0</span>" in html
    small = _comparison().assign(diff=lambda d: d["diff"] / 10)  # tiny changes: still the same scale
    mesh = next(c for c in plots.change_heatmap(small).collections if isinstance(c, QuadMesh))
    limits.add((mesh.norm.vmin, mesh.norm.vmax))
    assert limits == {(-plots.common.CHANGE_LIMIT, plots.common.CHANGE_LIMIT)} == {(-1.0, 1.0)}
    big = _comparison().assign(diff=[1.6, -0.2, 0.1, -0.45, -0.1, np.nan])  # beyond the scale: clipped colour
    ax = plots.change_heatmap(big)
    assert "+1,60" in [t.get_text() for t in _texts(ax, "value")]  # but its number printed
    assert ax.figure.axes[1].get_label() == "<colorbar>"
    assert "Samme farveskala i alle kommuner" in _texts(ax, "note")[0].get_text().replace("\n", " ")


def _targeted_cells(ax):
    frames = [p for p in ax.patches if p.get_gid() == "targeted"]
    glyphs = [t for t in ax.texts if t.get_gid() == "targeted"]
    return frames, glyphs


def test_targeted_tie_is_marked_in_the_heat_maps():
    ties = _ties(BASE)
    ax = plots.tie_heatmap(ties, targeted=[(A, B)])
    frames, glyphs = _targeted_cells(ax)
    # A -> B is row 0, column 1: a thick black frame and a "◆" in that cell
    assert len(frames) == 1 and frames[0].get_xy() == pytest.approx((1.06, 0.06))
    assert frames[0].get_linewidth() >= 3 and frames[0].get_edgecolor()[:3] == (0, 0, 0)
    assert [g.get_text() for g in glyphs] == ["◆"] and _in_cell(glyphs[0], 0, 1)
    assert "◆ og tyk sort ramme" in _texts(ax, "note")[0].get_text().replace("\n", " ")
    plain = plots.tie_heatmap(ties)
    assert _targeted_cells(plain) == ([], []) and "◆" not in _texts(plain, "note")[0].get_text()
    ax = plots.change_heatmap(_comparison(), targeted=[(B, C), ("jobcenter", A)], language="en")  # unknown: ignored
    frames, glyphs = _targeted_cells(ax)
    assert len(frames) == 1 and _in_cell(glyphs[0], 1, 2)
    assert "◆ and thick black frame" in _texts(ax, "note")[0].get_text().replace("\n", " ")


def test_targeted_tie_is_marked_in_the_html_heat_maps():
    page = plots.tie_heatmap_html(_ties(BASE), targeted=[(A, B)])
    cells = _html_cells(page)
    marked = [c for row in cells.rows for c in row if "targeted" in c["class"]]
    assert len(marked) == 1 and "◆" in marked[0]["text"]
    assert "3,0" in marked[0]["text"]  # A -> B at baseline
    page = plots.change_heatmap_html(_comparison(), targeted=[(A, B)])
    assert page.count("class='mark'") == 1


def test_html_heat_map_is_described_by_its_alt_text():
    """The report's heat maps are tables only (no picture): the figure's alt text is the table's description
    (aria-describedby a hidden paragraph); the same table twice gets the same id (a report is reproducible)."""
    from bs4 import BeautifulSoup

    ties, inst = _ties(BASE), load_instrument()
    summary = alt.alt_tie_heatmap(ties, inst, "da")
    page = plots.tie_heatmap_html(ties, instrument=inst, summary=summary)
    soup = BeautifulSoup(page, features="html.parser")
    described = soup.find(id=soup.find("table")["aria-describedby"])
    assert described.name == "p" and described.has_attr("hidden") and described.get_text() == summary
    assert page == plots.tie_heatmap_html(ties, instrument=inst, summary=summary)
    comp = _comparison()
    change = plots.change_heatmap_html(comp, instrument=inst, summary=alt.alt_change_heatmap(comp, inst, "da"))
    assert soup.find("table")["aria-describedby"] not in change  # another map, another id
    assert "aria-describedby" not in plots.tie_heatmap_html(ties)  # the explorer's tables: no description


def test_targeted_tie_is_a_double_line_in_the_networks():
    base, follow = _ties(BASE), _ties(FOLLOW)
    ax = plots.network_diagram(base, targeted=[(A, B)])
    arrows = {p.get_gid(): p for p in _arrows(ax)}
    assert len(arrows[f"tie:{A}->{B}"].get_path_effects()) == 3  # black, white, the line itself
    assert all(not p.get_path_effects() for gid, p in arrows.items() if gid != f"tie:{A}->{B}")
    assert [t.get_text() for t in ax.texts if t.get_gid() == "targeted"] == ["◆"]
    assert any("Dobbelt streg" in t.get_text() for t in ax.get_legend().get_texts())
    ax = plots.change_network(baseline=base, followup=follow, targeted=[(A, B)], language="en")
    assert len({p.get_gid(): p for p in _arrows(ax)}[f"tie:{A}->{B}"].get_path_effects()) == 3
    assert any("Double line" in t.get_text() for t in ax.get_legend().get_texts())


def test_demo_figures_print_their_text_at_least_9_pt_on_a4(demo_kommuner):
    from relkap.plots.common import MIN_FONT, printed_font_sizes

    for d in demo_kommuner.values():
        ties, change, kp = d["ties"], d["change"], d["params"]
        figures = [
            plots.tie_heatmap(ties[ties["wave"] == "followup"], targeted=kp.targeted_ties),
            plots.change_heatmap(change, targeted=kp.targeted_ties),
            plots.network_diagram(ties[ties["wave"] == "baseline"], targeted=kp.targeted_ties),
            plots.change_network(change, baseline=ties[ties["wave"] == "baseline"],
                                 followup=ties[ties["wave"] == "followup"], targeted=kp.targeted_ties),
            plots.forest_plot(change[~change["diagonal"]]),
        ]
        for ax in figures:
            smallest = printed_font_sizes(ax.figure)[0]
            assert smallest[0] >= MIN_FONT - 1e-9, (ax.get_title(), smallest)
        plt.close("all")


def test_long_column_labels_do_not_overlap():
    import relkap

    inst = relkap.load_instrument()
    groups = inst.group_codes  # every group of the codebook, the longest names included
    ties = pd.DataFrame([(a, b, 8, 3.5) for a in groups for b in groups], columns=["group", "target", "n", "mean"])
    ax = plots.tie_heatmap(ties, instrument=inst)
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 <= right.x0 + 0.5, (left, right)


def test_forest_plot_legend_stands_outside_the_data():
    comp = _comparison()
    ax = plots.forest_plot(comp, label=["group", "target"])
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1  # above the axes, on no CI


def test_scale_change_axis_names_the_ci_only_when_drawn(example):
    comp = pd.DataFrame({"scale": ["vision", "samskabelse"], "mean_baseline": [3.2, 3.5], "mean_followup": [3.6, 3.55],
                         "diff_ci_low": [0.2, -0.2], "diff_ci_high": [0.6, 0.3], "p_fdr": [0.002, 0.7],
                         "suppressed": [False, False]})
    ax = plots.scale_change(comp, language="en")
    assert ax.get_ylabel() == "Mean"  # the legend says the CI drawn is the change's
    per_wave = comp.assign(ci_low_baseline=[3.0, 3.3], ci_high_baseline=[3.4, 3.7], ci_low_followup=[3.4, 3.3],
                           ci_high_followup=[3.8, 3.8])
    assert plots.scale_change(per_wave, language="en").get_ylabel() == "Mean with 95% confidence interval"


def test_tie_heatmap_colours_carry_the_bands():
    """The band colour map (relkap.style.band_colormap): 3,3 (svag) and 3,6 (moderat) differ at least as much
    as 3,6 and 4,2 (stærk), a jump at each boundary, and lightness falling over the scale (greyscale print).
    CIE76 distances by relkap.style.delta_e, checked on white/black (100) in its doctest; the sRGB->Lab
    formulas are the CIE's (IEC 61966-2-1, CIE 15:2004)."""
    inst = load_instrument()
    codes = [g.code for g in inst.groups]
    ties = pd.DataFrame({"group": codes[0], "target": codes[1:5], "n": 8, "mean": [3.3, 3.6, 3.8, 4.2],
                         "suppressed": False})
    cells = tie_cells(ties, instrument=inst)
    colour = {v: cells.cmap(cells.norm(v)) for v in (1.0, 3.3, 3.4, 3.6, 3.8, 4.2, 5.0)}
    assert delta_e(colour[3.3], colour[3.6]) >= delta_e(colour[3.6], colour[4.2]) > 40
    assert delta_e(colour[3.4], colour[3.6]) > 5 * delta_e(colour[3.6], colour[3.8])
    lightness = [cielab(colour[v])[0] for v in sorted(colour)]
    assert lightness == sorted(lightness, reverse=True)
    assert cielab(colour[3.4])[0] - cielab(colour[3.6])[0] > 15  # greyscale: the band boundary is a step
    html = plots.tie_heatmap_html(ties, instrument=inst)
    assert matplotlib.colors.to_hex(colour[3.3]) in html and matplotlib.colors.to_hex(colour[3.6]) in html

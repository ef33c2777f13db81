"""relkap.plots.svgcharts: the explorer's figures written as SVG text show what the matplotlib figures show."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from relkap import fmt, load_instrument, network, plots, words  # noqa: E402
from relkap.labels import wave_label  # noqa: E402
from relkap.plots.alt import alt_forest, alt_network, alt_profile, alt_response, alt_trend  # noqa: E402

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def inst():
    return load_instrument()


def _trend(inst, hidden=()):
    """The index and two dimensions in every wave of the codebook; ``hidden``: (wave, dimension) with n 3."""
    rows = []
    for i, w in enumerate(inst.waves.codes):
        for j, d in enumerate(["rk", *inst.relational_codes[:2]]):
            mean = 3.1 + 0.23 * i + 0.31 * j + (1.667 if (w, d) in hidden else 0)
            rows.append({"wave": w, "dimension": d, "n": 3 if (w, d) in hidden else 40 + i, "mean": mean,
                         "ci_low": mean - 0.2, "ci_high": mean + 0.15})
    return pd.DataFrame(rows)


def _points(root):
    """Per dimension code, the drawn points ``{wave: (x, y)}`` of the SVG."""
    out = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        pts = {}
        for el in g:
            if "data-wave" in el.attrib:
                x = float(el.get("cx", el.get("data-cx")))
                y = float(el.get("cy", el.get("data-cy")))
                pts[el.get("data-wave")] = (x, y)
        out[g.get("data-dimension")] = pts
    return out


def _y_value(root, language="en"):
    """The px-to-value map of the y axis, read from its tick labels (right-aligned texts left of the axes)."""
    ticks = []
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        if t.get("text-anchor") == "end" and t.get("transform") is None:
            label = "".join(t.itertext()).replace("−", "-")
            ticks.append((float(t.get("y")), float(label.replace(",", ".") if language == "da" else label)))
    (y1, v1), (y2, v2) = ticks[0], ticks[-1]
    return lambda y: v1 + (y - y1) * (v2 - v1) / (y2 - y1)


def test_trend_svg_parses_and_is_accessible(inst):
    data = _trend(inst)
    svg = plots.wave_trend_svg(data, language="en", instrument=inst, title="Heading")
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img"
    assert root.find("s:title", NS).text == "Heading"
    assert root.find("s:desc", NS).text == alt_trend(data, inst, "en")
    words = " ".join(root.itertext())
    for w in inst.waves.codes:  # wave names from the codebook, axis labels from the catalogue
        assert wave_label(w, "en", inst).split()[0] in words
    assert "Mean (1-5)" in words and "Wave" in words


@pytest.mark.parametrize("language", ["da", "en"])
def test_trend_svg_points_are_the_means_and_the_matplotlib_points(inst, language):
    data = _trend(inst)
    root = ET.fromstring(plots.wave_trend_svg(data, language=language, instrument=inst).encode())
    value, pts = _y_value(root, language), _points(root)
    ax = plots.wave_trend(data, language=language, instrument=inst)
    for line in (ln for ln in ax.lines if ln.get_gid()):
        code = line.get_gid().removeprefix("dimension:")
        xs, ys = line.get_xdata(), line.get_ydata()
        drawn = {inst.waves.codes[int(x)]: y for x, y in zip(xs, ys, strict=True) if np.isfinite(y)}
        assert set(pts[code]) == set(drawn)
        for w, y in drawn.items():
            assert value(pts[code][w][1]) == pytest.approx(y, abs=0.005)
    xs = [pts["rk"][w][0] for w in inst.waves.codes]
    assert xs == sorted(xs)  # waves left to right in the codebook's order
    plt.close("all")


def test_trend_svg_hides_suppressed_as_matplotlib_does(inst):
    first, last = inst.waves.codes[0], inst.waves.codes[-1]
    dim = inst.relational_codes[0]
    data = _trend(inst, hidden={(first, "rk"), (last, dim)})
    svg = plots.wave_trend_svg(data, language="en", instrument=inst, min_n=5)
    root = ET.fromstring(svg.encode())
    pts = _points(root)
    assert first not in pts["rk"] and last not in pts[dim]
    assert last in pts["rk"] and first in pts[dim]
    words, value = " ".join(root.itertext()), _y_value(root)
    drawn = [value(y) for p in pts.values() for _, y in p.values()]
    for _, r in data[data["n"] < 5].iterrows():  # the hidden values are in no text, tooltip or position
        for v in (r["mean"], r["ci_low"], r["ci_high"]):
            assert fmt.number(v, 2, "en") not in words and fmt.number(v, 1, "en") not in words
        assert all(abs(d - r["mean"]) > 0.05 for d in drawn)
    assert "n<5" in " ".join(root.itertext())  # the suppressed index says so
    ax = plots.wave_trend(data, language="en", instrument=inst, min_n=5)
    for line in (ln for ln in ax.lines if ln.get_gid()):  # the matplotlib figure leaves out the same points
        code = line.get_gid().removeprefix("dimension:")
        shown = {inst.waves.codes[int(x)] for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
                 if np.isfinite(y)}
        assert shown == set(pts[code])
    # a flag alone hides too, whatever n
    flagged = _trend(inst).assign(suppressed=lambda t: (t["wave"] == first) & (t["dimension"] == "rk"))
    assert first not in _points(ET.fromstring(plots.wave_trend_svg(flagged, instrument=inst).encode()))["rk"]
    plt.close("all")


def test_message_svg_is_xml(inst):
    root = ET.fromstring(plots.svgcharts.message_svg("Title & more", "No data").encode())
    assert root.find("s:title", NS).text == "Title & more" and "No data" in " ".join(root.itertext())


def _profile(inst, hidden=()):
    rows = []
    for i, w in enumerate(inst.waves.codes):
        for j, d in enumerate(inst.relational_codes):
            mean = 2.9 + 0.21 * i + 0.17 * j + (1.333 if (w, d) in hidden else 0)
            rows.append({"wave": w, "dimension": d, "n": 3 if (w, d) in hidden else 30, "mean": mean,
                         "ci_low": mean - 0.3, "ci_high": mean + 0.25})
    return pd.DataFrame(rows)


def _profile_points(root):
    """Per wave code, the drawn points ``{dimension: (x, y)}``."""
    out = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("data-wave") is not None:
            out[g.get("data-wave")] = {el.get("data-dimension"): (float(el.get("cx", el.get("data-cx"))),
                                                                  float(el.get("cy", el.get("data-cy"))))
                                       for el in g if "data-dimension" in el.attrib}
    return out


@pytest.mark.parametrize("language", ["da", "en"])
def test_profile_svg_points_are_the_matplotlib_points_and_hide_the_suppressed(inst, language):
    first, dim = inst.waves.codes[0], inst.relational_codes[2]
    data = _profile(inst, hidden={(first, dim)})
    svg = plots.dimension_profile_svg(data, language=language, instrument=inst, title="T")
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img" and root.find("s:title", NS).text == "T"
    assert root.find("s:desc", NS).text == alt_profile(data.assign(suppressed=data["n"] < 5), inst, language)
    value, pts = _y_value(root, language), _profile_points(root)
    ax = plots.dimension_profile(data, language=language, instrument=inst)
    for w in inst.waves.codes:  # matplotlib's errorbar markers: the same points, the same hidden one
        line = next(ln for ln in ax.lines if ln.get_gid() == f"wave:{w}")
        order = [c for c in inst.relational_codes if c in set(data["dimension"])]
        mpl_points = {order[round(x)]: y for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
                      if np.isfinite(y)}
        assert set(pts[w]) == set(mpl_points)
        for d, y in mpl_points.items():
            assert value(pts[w][d][1]) == pytest.approx(y, abs=0.01)
    assert dim not in pts[first]
    words = " ".join(root.itertext())
    hidden = data[data["n"] < 5].iloc[0]
    for v in (hidden["mean"], hidden["ci_low"], hidden["ci_high"]):
        assert fmt.number(v, 2, language) not in words
    assert words.count("n<5") == 1
    xs = [pts[first][d][0] for d in inst.relational_codes if d != dim]
    assert xs == sorted(xs)  # dimensions left to right in the codebook's order
    plt.close("all")


A, B, C = "myndighed", "skole", "ppr"
NET_BASE = [(A, A, 7, 4.8), (A, B, 6, 3.0), (A, C, 6, 4.2), (B, A, 8, 4.0), (B, C, 8, 3.6), (C, A, 5, 4.5),
            (C, B, 3, 9.9)]
NET_FOLLOW = [(A, B, 6, 3.6), (A, C, 6, 4.0), (B, A, 8, 4.1), (B, C, 8, 3.7), (C, A, 6, 4.4), (C, B, 6, 3.9)]


def _network_ties(rows, wave="baseline"):
    """A tie_scores-style table from (group, target, n, mean) rows; n < 5 flagged suppressed, its mean kept
    (the drawing must apply the flag)."""
    out = []
    for g, t, n, m in rows:
        band = "weak" if m < 3.5 else "strong" if m > 4.0 else "moderate"
        out.append({"kommune": 101, "wave": wave, "group": g, "target": t, "dimension": "rk", "n": n, "mean": m,
                    "ci_low": m - 0.4, "ci_high": m + 0.4, "band": band, "suppressed": n < 5, "diagonal": g == t})
    return pd.DataFrame(out)


def _arrows(root):
    """Per drawn tie "a->b" its line (the path of the arrow's <g>), and the suppressed ties' lines."""
    shown, hidden = {}, {}
    for el in root.iter():
        if "data-tie" in el.attrib:
            shown[el.get("data-tie")] = next(iter(el))
        elif "data-suppressed" in el.attrib:
            hidden[el.get("data-suppressed")] = el
    return shown, hidden


def test_network_svg_draws_the_matplotlib_network(inst):
    ties = _network_ties(NET_BASE)
    groups = sorted(set(ties["group"]) | set(ties["target"]))
    pos = network.layout(groups, instrument=inst)
    svg = plots.network_svg(ties, pos=pos, language="en", instrument=inst, title="T")
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img" and root.find("s:desc", NS).text == alt_network(ties, inst, "en", 5)
    ax = plots.network_diagram(ties, pos=pos, language="en", instrument=inst)
    shown, hidden = _arrows(root)
    assert {f"tie:{t}" for t in shown} == {p.get_gid() for p in ax.patches}  # the same arrows
    assert len(hidden) == sum(ln.get_gid() == "suppressed" for ln in ax.lines) == 1
    assert "ppr->skole" in hidden  # n 3: suppressed, its mean (9.9) nowhere
    assert "9.9" not in " ".join(root.itertext()) and "9,9" not in svg
    node_n = sorted(t.get_text() for t in ax.texts if t.get_gid() == "node_n")
    circles = {c.get("data-group"): c for c in root.iter("{http://www.w3.org/2000/svg}circle")}
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert sorted(t for t in texts if t in node_n) == node_n
    for (a, b), mean in ties.set_index(["group", "target"])["mean"].items():  # width by the mean
        if f"{a}->{b}" in shown:
            assert float(shown[f"{a}->{b}"].get("stroke-width")) == pytest.approx(
                0.3 + 3.2 * ((mean - 1) / 4) ** 2, abs=0.01)
    # the layout's positions, at one scale and y up
    (g0, g1) = groups[:2]
    dx = float(circles[g1].get("cx")) - float(circles[g0].get("cx"))
    dy = float(circles[g1].get("cy")) - float(circles[g0].get("cy"))
    scale = dx / (pos[g1][0] - pos[g0][0])
    assert scale > 0 and -dy / (pos[g1][1] - pos[g0][1]) == pytest.approx(scale, rel=1e-3)
    plt.close("all")


def test_change_network_svg_colours_and_marks_as_matplotlib(inst):
    base, follow = _network_ties(NET_BASE), _network_ties(NET_FOLLOW, "followup")
    pos = network.layout(sorted(set(base["group"]) | set(base["target"])), instrument=inst)
    root = ET.fromstring(plots.change_network_svg(baseline=base, followup=follow, pos=pos,
                                                  instrument=inst).encode())
    ax = plots.change_network(baseline=base, followup=follow, pos=pos, instrument=inst)
    shown, hidden = _arrows(root)
    patches = {p.get_gid().removeprefix("tie:"): p for p in ax.patches}
    assert set(shown) == set(patches)
    for t, line in shown.items():
        assert line.get("stroke") == matplotlib.colors.to_hex(patches[t].get_edgecolor())
        assert ("stroke-dasharray" in line.attrib) == (patches[t].get_linestyle() == "--")
    assert len(hidden) == sum(ln.get_gid() == "suppressed" for ln in ax.lines)
    plt.close("all")


SVG = "{http://www.w3.org/2000/svg}"


def _markup(root):
    """Every text and every attribute value of the SVG, one string (where a hidden number must not be)."""
    return " ".join([*root.itertext(), *(v for el in root.iter() for v in el.attrib.values())])


def _counts(inst):
    """Employees per group and wave: one group under 5 in the first wave (n 3), one exactly at 5."""
    groups, waves = inst.group_codes[:4], inst.waves.codes
    rows = [{"group": g, "wave": w, "n": 11 + 3 * i + 2 * j} for i, g in enumerate(groups) for j, w in enumerate(waves)]
    rows[0]["n"], rows[len(waves)]["n"] = 3, 5
    return pd.DataFrame(rows)


@pytest.mark.parametrize("language", ["da", "en"])
def test_response_svg_draws_the_matplotlib_bars_and_hides_the_small_count(inst, language):
    counts = _counts(inst)
    svg = plots.response_overview_svg(counts, min_n=5, language=language, instrument=inst)
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img" and root.find("s:title", NS).text == alt_response(counts, inst, language, 5)
    ax = plots.response_overview(counts, min_n=5, language=language, instrument=inst)
    mpl_bars = [p for p in ax.patches if (p.get_gid() or "").startswith("wave:")]
    bars = [el for el in root.iter(f"{SVG}rect") if "data-group" in el.attrib]
    assert len(bars) == len(mpl_bars) == len(counts)
    value = _y_value(root, language)
    # the same bars, wave by wave in the same order, at the same heights (a small count at min_n), unfilled
    # and dashed where the count is below min_n
    for el, p in zip(bars, mpl_bars, strict=True):
        assert p.get_gid() == f"wave:{el.get('data-wave')}"
        top, base = float(el.get("y")), float(el.get("y")) + float(el.get("height"))
        assert value(base) == pytest.approx(0, abs=0.02) and value(top) == pytest.approx(p.get_height(), abs=0.02)
        small = el.get("data-small") == "true"
        assert small == (p.get_facecolor()[3] == 0) and (el.get("fill") == "none") == small
        assert small == ("stroke-dasharray" in el.attrib)
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "count"]
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    drawn = ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("dominant-baseline") == "auto"]
    assert drawn == labels  # every bar's count above it, in the same order, "<5" for the small one
    assert labels.count("<5") == 1 and "5" in labels
    # the exact small count (3) is nowhere: no text, tooltip or attribute, and its bar is as high as min_n
    assert not re.search(r"(?<![\d.])3(?![\d.])", " ".join(texts + [t.text or "" for t in root.iter(f"{SVG}title")]))
    assert all(el.get("data-small") != "true" or value(float(el.get("y"))) == pytest.approx(5, abs=0.02) for el in bars)
    # the threshold line at min_n, the legend's words as matplotlib's, the axis names from the catalogue
    line = next(el for el in root.iter(f"{SVG}line") if el.get("data-threshold"))
    assert value(float(line.get("y1"))) == pytest.approx(5, abs=0.02)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert all(w in texts for w in legend)
    assert words.text("figure.respondents", language) in texts and words.text("glossary.group", language) in texts
    # waves told apart without colour: each wave's hatch differs
    hatches = {}
    for el, nxt in zip(list(root)[:-1], list(root)[1:], strict=True):  # a bar's hatch follows it
        if el.tag == f"{SVG}rect" and "data-group" in el.attrib and el.get("data-small") != "true":
            hatches.setdefault(el.get("data-wave"), nxt.get("d") if nxt.tag == f"{SVG}path" else "")
    assert len(set(hatches.values())) == len(inst.waves.codes)
    plt.close("all")


def test_response_svg_prints_its_text_at_8_pt_within_the_a4_width(inst):
    counts = _counts(inst)
    for groups in (2, 4):
        root = ET.fromstring(plots.response_overview_svg(counts[counts["group"].isin(inst.group_codes[:groups])],
                                                         instrument=inst).encode())
        width = float(root.get("width"))
        assert width <= 688  # 182 mm, the A4 page's text width: printed at its own size, not shrunk
        box = [float(v) for v in root.get("viewBox").split()]  # drawn in its own units: scales down on a phone
        assert box[2] / box[3] == pytest.approx(width / float(root.get("height")), rel=0.01)
        sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
        assert min(sizes) * 72 / 96 >= 8
        # nothing drawn outside the figure: the turned group names' left end stays inside
        first = next(t for t in root.iter(f"{SVG}text") if t.get("transform"))
        assert float(first.get("x")) - 0.87 * 0.58 * 11 * max(len(s) for s in "".join(first.itertext()).split()) > -2


def _ties_change():
    """A compare_waves-style tie table: five shown ties, one suppressed (its values must appear nowhere)."""
    a, b, c = "myndighed", "skole", "ppr"
    return pd.DataFrame({
        "group": [a, a, b, b, c, c], "target": [b, c, a, c, a, b],
        "hedges": [0.91, -0.33, 0.17, -0.71, -0.12, 0.777], "hedges_ci_low": [0.31, -0.83, -0.29, -1.21, -0.61, 0.444],
        "hedges_ci_high": [1.52, 0.19, 0.63, -0.23, 0.38, 1.111], "p_fdr": [0.004, 0.27, 0.03, 0.01, 0.5, 0.02],
        "n_baseline": [20, 20, 18, 18, 9, 3], "n_followup": [22, 22, 17, 17, 8, 6],
        "suppressed": [False, False, False, False, False, True], "diagonal": [False] * 6})


def _x_value(root, language):
    """The px-to-value map of the x axis, read from its tick labels (centred texts hanging below the axes)."""
    ticks = [(float(t.get("x")), float("".join(t.itertext()).replace("−", "-").replace(",", ".")
                                       if language == "da" else "".join(t.itertext()).replace("−", "-")))
             for t in root.iter(f"{SVG}text")
             if t.get("dominant-baseline") == "hanging" and t.get("text-anchor") == "middle"]
    (x1, v1), (x2, v2) = ticks[0], ticks[-1]
    return lambda x: v1 + (x - x1) * (v2 - v1) / (x2 - x1)


@pytest.mark.parametrize("language", ["da", "en"])
def test_forest_svg_draws_the_matplotlib_rows_and_leaves_out_the_suppressed(inst, language):
    comp = _ties_change()
    svg = plots.forest_plot_svg(comp, min_n=5, language=language, instrument=inst)
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img" and root.find("s:title", NS).text == alt_forest(comp, inst, language, 5)
    ax = plots.forest_plot(comp, min_n=5, language=language, instrument=inst)
    names = [t.get_text() for t in ax.get_yticklabels()]
    rows = [g for g in root.iter(f"{SVG}g") if "data-row" in g.attrib]
    assert len(rows) == len(names) == 5
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t.replace("\n", "") in {n.replace("\n", "") for n in names}] == \
        [n.replace("\n", "") for n in names]  # the same rows, top to bottom (largest g first)
    value = _x_value(root, language)
    segments = next(c for c in ax.collections if c.get_gid() == "ci").get_segments()
    points = {gid: c.get_offsets() for c in ax.collections if (gid := c.get_gid()) in ("significant", "not_significant")}
    ys = []
    for i, g in enumerate(rows):
        line, square = g.find(f"{SVG}line"), g.find(f"{SVG}rect")
        (lo, y0), (hi, _) = segments[i]
        assert value(float(line.get("x1"))) == pytest.approx(lo, abs=0.01)
        assert value(float(line.get("x2"))) == pytest.approx(hi, abs=0.01)
        kind = "significant" if square.get("data-significant") == "true" else "not_significant"
        assert (square.get("fill") == "#000000") == (kind == "significant")
        est = [x for x, y in points[kind] if y == y0]
        assert len(est) == 1 and value(float(square.get("data-cx"))) == pytest.approx(est[0], abs=0.01)
        ys.append(float(square.get("data-cy")))
    assert ys == sorted(ys)  # first row on top
    # the suppressed tie (ppr -> skole, g 0.777 [0.444, 1.111]) is in no text, tooltip or attribute
    markup = _markup(root)
    for v in (0.777, 0.444, 1.111):
        for shown in (fmt.number(v, 2, language), fmt.number(v, 3, language)):
            assert not re.search(rf"(?<![\d.]){re.escape(shown)}(?!\d)", markup), shown
    assert all(abs(value(float(g.find(f"{SVG}rect").get("data-cx"))) - 0.777) > 0.02 for g in rows)
    # the legend: the catalogue's heading and markers, as matplotlib's entries
    assert words.text("figure.p_adj_below", language, alpha=fmt.number(0.05, 2, language)) + ":" in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        words.text("figure.sig_marker", language), words.text("figure.not_sig_marker", language)]
    assert all(t.get_text() in texts for t in ax.get_legend().get_texts())
    assert words.text("figure.hedges", language) in texts
    plt.close("all")


def test_forest_svg_of_scales_names_its_rows_in_its_description(inst):
    comp = pd.DataFrame({"scale": ["vision", "motivation"], "hedges": [0.1, 0.5], "hedges_ci_low": [-0.2, 0.2],
                         "hedges_ci_high": [0.4, 0.8], "p_fdr": [0.5, 0.01], "n": [30, 30]})
    root = ET.fromstring(plots.forest_plot_svg(comp, language="en", instrument=inst).encode())
    assert root.find("s:title", NS).text == ("Hedges' g with 95% confidence interval: Motivation +0.50, "
                                             "Communicated shared vision +0.10.")
    assert root.find("s:desc", NS) is None  # no title drawn: the description is the figure's name


def test_response_svg_turns_the_counts_of_narrow_bars_and_keeps_room_above_them(inst):
    """Ten groups: the bars are narrower than a two-digit count at 8 pt, so the counts read upwards above
    their bars (the same counts as matplotlib's), inside the axes."""
    counts = pd.DataFrame([{"group": g, "wave": w, "n": 40 + i + 30 * j if i else 3}
                           for i, g in enumerate(inst.group_codes) for j, w in enumerate(inst.waves.codes)])
    root = ET.fromstring(plots.response_overview_svg(counts, min_n=5, instrument=inst).encode())
    turned = [t for t in root.iter(f"{SVG}text") if (t.get("transform") or "").startswith("rotate(-90")
              and t.get("text-anchor") == "start"]
    ax = plots.response_overview(counts, min_n=5, instrument=inst)
    assert ["".join(t.itertext()) for t in turned] == [t.get_text() for t in ax.texts if t.get_gid() == "count"]
    frame = next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == "none" and "data-group" not in r.attrib)
    top = float(frame.get("y"))
    for t in turned:  # a count's far end (its top) is below the axes' top
        assert float(t.get("y")) - plots.svgcharts.text_width("".join(t.itertext()), 11) > top
    plt.close("all")

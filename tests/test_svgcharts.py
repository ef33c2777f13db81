"""relkap.plots.svgcharts: the explorer's figures written as SVG text show what the matplotlib figures show."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from relkap import fmt, load_instrument, network, plots  # noqa: E402
from relkap.labels import wave_label  # noqa: E402
from relkap.plots.alt import alt_network, alt_profile, alt_trend  # noqa: E402

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

"""The explorer's data model over waves (issue 20.6): every declared wave is a view, change between any two,
a trend per tie and for the index; an unknown wave or kommune is refused with a clear error."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import relkap.io as rio  # noqa: E402
from relkap import report, synth  # noqa: E402
from relkap.errors import RelkapError  # noqa: E402
from relkap.explore import Explorer, model  # noqa: E402
from relkap.explore.model import ExplorerData  # noqa: E402
from relkap.instrument import Waves  # noqa: E402
from relkap.io.codebook import store_instrument  # noqa: E402
from relkap.plots.alt import alt_trend  # noqa: E402
from relkap.report import tables  # noqa: E402

K = 766


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    synth.write_demo(raw, n_kommuner=2, seed=3, respondents=60, waves=3, interviews=False)
    out = raw.parent / "processed"
    rio.import_raw(raw, out, instrument=raw / "codebook.yaml")
    return out


@pytest.fixture(scope="module")
def explorer(store):
    return ExplorerData(store, instrument=store_instrument(store))


def test_every_wave_is_a_view_with_trend_and_change_between_any_two(explorer):
    assert explorer.waves_of(K) == ("baseline", "midtvejs", "followup")
    assert [explorer.wave(v) for v in ("baseline", "midtvejs", "followup")] == ["baseline", "midtvejs", "followup"]
    trend = explorer.index_trend(K, 5)
    rel = explorer.tables.relations
    shared = tables.shared_tables(tables.kommune_tables(explorer.tables, K), explorer.instrument, 5).relations
    pd.testing.assert_frame_equal(trend.reset_index(drop=True),  # the report's trend: the same numbers
                                  tables.rk_by_wave(shared, explorer.instrument, 5).reset_index(drop=True),
                                  check_dtype=False, atol=1e-12)
    tie = explorer.tie_trend(K, "rk", 5, "myndighed", "myndighed")
    assert list(tie["wave"].astype(str)) == ["baseline", "midtvejs", "followup"]
    between = explorer.change_between(K, "rk", 5, "midtvejs", "followup")
    direct = report.tie_change(shared, explorer.instrument.between("midtvejs", "followup"), min_n=5)
    row = direct[~direct["suppressed"].astype(bool)].iloc[0]
    got = between[(between["group"] == row["group"]) & (between["target"] == row["target"])].iloc[0]
    assert got["diff"] == pytest.approx(row["diff"], abs=1e-12)
    assert set(rel["wave"].astype(str)) == {"baseline", "midtvejs", "followup"}


def test_a_change_against_time_order_is_the_explorers_change_in_time_order_turned_round(explorer, store):
    """"From" a later wave: the explorer turns the change in time order round (relkap.change.reverse_change, whose
    equality with a fit the other way is tests/test_change.py's) instead of fitting again."""
    for before, after in (("followup", "baseline"), ("followup", "midtvejs"), ("midtvejs", "baseline")):
        turned = explorer.change_between(K, "rk", 5, before, after)
        ahead = explorer.change_between(K, "rk", 5, after, before)
        shown = ~ahead["suppressed"].astype(bool)
        assert shown.any() and (turned.loc[shown, "diff"] == -ahead.loc[shown, "diff"]).all()
        assert (turned.loc[shown, "n_baseline"] == ahead.loc[shown, "n_followup"]).all()


def test_unknown_wave_and_kommune_are_refused_by_name(explorer):
    with pytest.raises(RelkapError, match=r"unknown view 'efter'.*baseline, midtvejs, followup"):
        explorer.wave("efter")
    with pytest.raises(RelkapError, match=r"kommune 999 has no answers in the data \(kommuner there: "):
        explorer.shared(999, 5)
    with pytest.raises(RelkapError, match="unknown view"):
        explorer.change_between(K, "rk", 5, "baseline", "efter")


# ----------------------------------------------------------------------------------------------------
# the widget over three waves: set the controls as a user would and read what is shown
# ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def widget(store):
    ex = Explorer(store, instrument=store_instrument(store))
    ex.data.ready()
    return ex


def _shared(explorer, kommune=K, min_n=5):
    """The kommune's answers a shown value is computed from, as the kommune report computes them."""
    return tables.shared_tables(tables.kommune_tables(explorer.tables, kommune), explorer.instrument,
                                min_n).relations


def test_wave_selector_lists_every_wave_by_its_display_name(widget):
    ex = widget
    ex.kommune.value = K
    assert ex.view.options == (("Førmåling", "baseline"), ("Midtvejsmåling", "midtvejs"),
                               ("Eftermåling", "followup"), ("Ændring", "change"), ("Udvikling", "trend"))
    assert [o for o, _ in ex.before.options] == ["Førmåling", "Midtvejsmåling", "Eftermåling"]
    ex.language.value = "en"
    assert [o for o, _ in ex.view.options] == ["Baseline", "Midway", "Follow-up", "Change", "Trend"]
    assert ex.before.description == "From" and ex.after.description == "To"
    ex.language.value = "da"


def test_each_wave_view_shows_that_waves_ties(widget, explorer):
    ex = widget
    ex.kommune.value, ex.dimension.value, ex.figure_kind.value = K, "rk", "heatmap"
    want_all = tables.tie_table(_shared(explorer), explorer.instrument, min_n=5)
    for code, name in (("baseline", "Førmåling"), ("midtvejs", "Midtvejsmåling"), ("followup", "Eftermåling")):
        ex.view.value = code
        assert ex.heading.value.endswith(f"– {name}</h3>")
        assert set(ex.current_ties["wave"].astype(str)) == {code}
        want = want_all[(want_all["wave"].astype(str) == code) & ~want_all["diagonal"] & ~want_all["suppressed"]]
        got = ex.table[~ex.table["suppressed"]].merge(want.astype({"group": str, "target": str}),
                                                      on=["group", "target"], suffixes=("", "_want"))
        assert len(got) == len(want) > 0
        assert got["mean"].to_numpy() == pytest.approx(got["mean_want"].to_numpy(), abs=1e-12)
        # on screen: the heat map's cells hold these means (decimal comma)
        assert f"{got['mean'].iloc[0]:.1f}".replace(".", ",") in ex.html_view.value


def test_change_between_any_two_waves_from_the_controls(widget, explorer):
    ex = widget
    ex.kommune.value, ex.dimension.value, ex.figure_kind.value = K, "rk", "heatmap"
    ex.view.value = "change"
    assert ex.before.layout.display == "" and ex.after.layout.display == ""
    assert (ex.before.value, ex.after.value) == ("baseline", "followup")
    ex.before.value = "midtvejs"
    assert "Ændring fra Midtvejsmåling til Eftermåling" in ex.heading.value
    want = report.tie_change(_shared(explorer), explorer.instrument.between("midtvejs", "followup"), min_n=5)
    want = want[~want["diagonal"] & ~want["suppressed"]]
    got = ex.table[~ex.table["suppressed"]].merge(want, on=["group", "target"], suffixes=("", "_want"))
    assert len(got) == len(want) > 0
    for c in ("diff", "hedges", "p_fdr"):
        assert got[c].astype(float).to_numpy() == pytest.approx(got[f"{c}_want"].to_numpy(), abs=1e-12)
    # the table's columns are named by the two waves
    assert "<th>n Midtvejsmåling</th><th>n Eftermåling</th>" in ex.table_view.value
    # choosing the other control's wave swaps the two (a change compares two different waves)
    ex.after.value = "midtvejs"
    assert (ex.before.value, ex.after.value) == ("followup", "midtvejs")
    assert "Ændring fra Eftermåling til Midtvejsmåling" in ex.heading.value
    back = ex.table.set_index(["group", "target"])["diff"].astype(float)
    forth = got.set_index(["group", "target"])["diff"].astype(float)
    assert back.reindex(forth.index).to_numpy() == pytest.approx(-forth.to_numpy(), abs=1e-12)
    # the tie drill-down: every wave by name and the change between the chosen two
    a, b = got["group"].iloc[0], got["target"].iloc[0]
    ex.tie.value = (a, b)
    d = ex.drill.set_index("measure")
    assert list(d.index) == ["baseline", "midtvejs", "followup", "change"]
    assert d.loc["change", "mean"] == pytest.approx(-float(forth.loc[(a, b)]), abs=1e-12)
    assert "Midtvejsmåling" in ex.drill_text.value and "Ændring fra Eftermåling til Midtvejsmåling" in ex.drill_text.value
    ex.tie.value = None
    ex.before.value, ex.after.value = "baseline", "followup"
    ex.view.value = "baseline"
    assert ex.before.layout.display == "none"


def test_the_warm_up_compares_every_pair_of_waves_in_time_order_ahead(widget):
    """After the background warm-up, the change between two waves is not computed at the click (baseline to
    midway, midway to follow-up; the first to the latest is the kommune's own change table; against time order
    one of them turned round)."""
    widget.data.settled()
    before = ExplorerData._change_between.cache_info()
    for a, b in (("baseline", "midtvejs"), ("midtvejs", "followup")):
        for k in widget.data.kommuner:
            widget.data.change_between(k, "rk", 5, a, b)
    after = ExplorerData._change_between.cache_info()
    assert after.misses == before.misses and after.hits - before.hits == 2 * len(widget.data.kommuner)
    # against time order: the change in time order turned round, no fit at the click either
    widget.data.change_between(K, "rk", 5, "midtvejs", "baseline")
    assert ExplorerData._change_between.cache_info().misses == before.misses


def test_trend_view_shows_the_index_and_each_tie_over_the_waves(widget, explorer):
    ex = widget
    ex.kommune.value, ex.dimension.value = K, "rk"
    ex.view.value = "trend"
    assert ex.heading.value.endswith("– Udvikling</h3>") and ex.figure_kind.layout.display == "none"
    assert bytes(ex.image.value).startswith(b"<?xml") and ex.html_view.layout.display == "none"
    # the index's trend: the report's rk_by_wave of the shared answers, drawn by plots.wave_trend
    want = tables.rk_by_wave(_shared(explorer), explorer.instrument, 5)
    ax = ex.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Førmåling", "Midtvejsmåling", "Eftermåling"]
    index = next(line for line in ax.lines if line.get_gid() == "dimension:rk")
    rk = want[want["dimension"] == "rk"]
    assert list(index.get_ydata()) == pytest.approx(rk["mean"].tolist(), abs=1e-12)
    # the table: every tie in every wave
    assert set(ex.table["wave"]) == {"baseline", "midtvejs", "followup"}
    assert "<td>Midtvejsmåling</td>" in ex.table_view.value
    # a tie's trend: its score and its six dimensions in each wave
    ties = tables.tie_table(_shared(explorer), explorer.instrument, min_n=5)
    shown = ties[~ties["diagonal"] & ~ties["suppressed"]]
    tie = next((a, b) for (a, b), n in shown.groupby(["group", "target"], observed=True).size().items() if n == 3)
    ex.tie.value = tie
    ax = ex.drill_figure.axes[0]
    line = next(ln for ln in ax.lines if ln.get_gid() == "dimension:rk")
    one = shown[(shown["group"] == tie[0]) & (shown["target"] == tie[1])]
    order = {"baseline": 0, "midtvejs": 1, "followup": 2}
    one = one.assign(o=one["wave"].astype(str).map(order)).sort_values("o")
    assert list(line.get_ydata()) == pytest.approx(one["mean"].tolist(), abs=1e-12)
    assert {ln.get_gid() for ln in ax.lines} >= {f"dimension:{d}" for d in explorer.instrument.relational_codes}
    ex.tie.value = None
    # the trend view is the trend whatever figure was chosen before (the figure buttons are hidden there)
    ex.view.value = "baseline"
    ex.figure_kind.value = "interviews"
    ex.view.value = "trend"
    assert bytes(ex.image.value).startswith(b"<?xml") and ex.html_view.layout.display == "none"
    # on screen: SVG written from the data, the index's alt text as its description
    svg = ET.fromstring(bytes(ex.image.value))
    assert svg.get("role") == "img"
    desc = svg.find("{http://www.w3.org/2000/svg}desc").text
    assert desc == alt_trend(ex.data.index_trend(K, 5), ex.data.instrument, "da")
    assert ex.theme.layout.display == "none"
    ex.view.value = "baseline"
    ex.figure_kind.value = "heatmap"
    assert ex.figure_kind.layout.display == ""


def test_unknown_kommune_is_refused_by_every_table(explorer):
    for call in (lambda: explorer.groups(999), lambda: explorer.ties(999, "rk", 5),
                 lambda: explorer.benchmark(999, "rk", 5, "baseline"), lambda: explorer.index_trend(999, 5)):
        with pytest.raises(RelkapError, match=r"kommune 999 has no answers in the data"):
            call()
    with pytest.raises(RelkapError, match="two different waves"):
        explorer.change_between(K, "rk", 5, "midtvejs", "midtvejs")


def test_a_codebook_of_one_wave_has_no_change_but_a_trend(store, monkeypatch):
    """One declared wave (issue 20: any number >= 1): no change to choose, the wave and the trend views work,
    the drill-down has that wave's row only, and the background warm-up runs through."""
    inst = store_instrument(store)
    one = inst.model_copy(update={"waves": Waves(root=[inst.waves.root[0]])})
    stored = rio.load(store)
    rel = stored.relations
    first = dataclasses.replace(stored, relations=rel[rel["wave"].astype(str) == "baseline"].reset_index(drop=True))
    monkeypatch.setattr(model, "load", lambda _d, **_kw: first)
    ex = Explorer(None, instrument=one)
    ex.data.settled()
    assert ex.view.options == (("Førmåling", "baseline"), ("Udvikling", "trend"))
    ex.kommune.value = K
    ex.view.value = "trend"
    assert ex.heading.value.endswith("– Udvikling</h3>") and bytes(ex.image.value).startswith(b"<?xml")
    ex.tie.value = ex.tie.options[1][1]
    assert list(ex.drill["measure"]) == ["baseline"] and "Førmåling" in ex.drill_text.value

"""The explorer without a browser: set the controls as a user would and check what is drawn and shown."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import threading

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from test_plots import _html_cells  # noqa: E402

import relkap  # noqa: E402
from relkap import benchmark, privacy, report, scoring, synth  # noqa: E402
from relkap.explore import ALL, Explorer, ExplorerData, explore, model  # noqa: E402
from relkap.io import import_raw  # noqa: E402

INST = relkap.load_instrument()


def _shareable(relations: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The answers a shared table is computed from (relkap.privacy, as the reports)."""
    return privacy.shareable(relations, min_n, min_items=INST.min_items)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "test-key")
    root = tmp_path_factory.mktemp("explore")
    synth.write_demo(root / "raw", n_kommuner=10, seed=1, respondents=80)
    import_raw(root / "raw", out_dir=root / "processed")
    return root / "processed"


@pytest.fixture
def ex(data_dir):
    e = Explorer(data_dir, instrument=INST)
    e.data.ready()  # the national tables are warmed in the background: counted calls start after
    return e


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _title(ex) -> str:
    return ex.figure.axes[0].get_title()


def _heatmap_shows_the_table(ex) -> None:
    """Every scored tie of ``ex.table`` is in the on-screen heat map at (rater, target) with its mean."""
    page = _html_cells(ex.html_view.value)
    cells = {(r, c): cell["text"] for r, row in zip(page.row_heads, page.rows, strict=True)
             for c, cell in zip(page.cols, row, strict=True)}
    scored = ex.table[~ex.table["suppressed"]]
    assert len(scored) > 0
    for t in scored.itertuples():
        text = cells[(INST.label(t.group), INST.label(t.target))]
        assert text.startswith(f"{t.mean:.1f}".replace(".", ",")) and text.endswith(f"n={t.n}")


def test_kommune_control_redraws_with_that_kommune(ex):
    assert ALL in [v for _, v in ex.kommune.options]
    ex.kommune.value = 336
    assert _title(ex).startswith("Stevns – ")
    # the heat map is on screen as an HTML table under the heading, the SVG image hidden
    assert "Stevns – " in ex.heading.value
    _heatmap_shows_the_table(ex)
    assert ex.image.layout.display == "none" and ex.html_view.layout.display == ""
    html_336 = ex.html_view.value
    ex.kommune.value = 766
    assert _title(ex).startswith("Hedensted – ") and "Hedensted – " in ex.heading.value
    assert ex.html_view.value != html_336
    _heatmap_shows_the_table(ex)
    ex.kommune.value = ALL
    assert _title(ex).startswith("Alle kommuner – ")
    assert set(ex.current_ties.columns) >= {"group", "target", "n", "mean", "suppressed"}


def test_table_rows_equal_the_report_functions(ex, data_dir):
    ex.kommune.value = 336
    ex.dimension.value = "videndeling"
    relations = _shareable(report.kommune_tables(relkap.load(data_dir), 336).relations, 5)
    want = scoring.tie_scores(relations, INST, by=["wave"], dimension="videndeling", min_n=5)
    want = want[(want["wave"] == INST.waves.baseline) & ~want["diagonal"]].astype({"group": str, "target": str})
    got = ex.table
    assert len(got) == len(want) > 0
    merged = got.merge(want, on=["group", "target"], suffixes=("", "_want"))
    assert len(merged) == len(want)
    # counts below min_n are not shown (missing), the others are the tie's n
    assert (merged["n"].isna() == (merged["n_want"] < 5)).all()
    assert (merged["n"].dropna() == merged.loc[merged["n"].notna(), "n_want"]).all()
    np.testing.assert_allclose(merged["mean"].astype(float), merged["mean_want"], equal_nan=True)
    assert "Videndeling" in _title(ex) or INST.label("videndeling") in _title(ex)

    ex.view.value = "change"
    want = report.tie_change(relations, INST, min_n=5, dimension="videndeling")
    want = want[~want["diagonal"]]
    merged = ex.table.merge(want, on=["group", "target"], suffixes=("", "_want"))
    assert len(merged) == len(want) <= len(ex.table)
    # a tie whose answers are all hidden is listed, suppressed, without a count
    extra = ex.table[~ex.table.set_index(["group", "target"]).index.isin(merged.set_index(["group", "target"]).index)]
    assert extra["suppressed"].all() and extra["n_baseline"].isna().all()
    ok = ~merged["suppressed"]
    np.testing.assert_allclose(merged.loc[ok, "hedges"].astype(float), merged.loc[ok, "hedges_want"])
    np.testing.assert_allclose(merged.loc[ok, "p_fdr"].astype(float), merged.loc[ok, "p_fdr_want"])
    assert _title(ex).endswith("Ændring fra Førmåling til Eftermåling")


def test_pooled_tables_equal_the_report_functions_on_shareable_data(ex, data_dir):
    """All kommuner pooled = the report functions on the shareable answers of every kommune (the rule per
    kommune, then pooled), at the load's min_n (pooled with the load) and at another (pooled at a click).
    A tie whose answers are all hidden is listed, suppressed without a count (privacy.with_hidden)."""
    relations = relkap.load(data_dir).relations
    for min_n in (5, 10):
        shared = _shareable(relations, min_n)
        assert len(shared) < len(relations)  # something is hidden
        for dim in ("rk", "respekt"):
            d = None if dim == "rk" else dim
            want = report.tie_change(shared, INST, min_n=min_n, dimension=d)
            got = ex.data.tie_change(ALL, dim, min_n)
            listed = got.merge(want[["group", "target"]], how="left", indicator=True)["_merge"] == "both"
            assert got.loc[~listed.to_numpy(), ["n_baseline", "n_followup"]].isna().all().all()
            assert got.loc[~listed.to_numpy(), "suppressed"].all()
            pd.testing.assert_frame_equal(got[listed.to_numpy()].reset_index(drop=True), want, check_dtype=False)
            want = report.tie_table(shared, INST, min_n=min_n, dimension=d)
            got = ex.data.ties(ALL, dim, min_n)
            cols = ["wave", "group", "target", "n", "mean", "ci_low", "ci_high", "suppressed"]
            got = got[cols].astype({"wave": str, "group": str, "target": str})
            want = want[cols].astype({"wave": str, "group": str, "target": str})
            merged = got.merge(want, on=["wave", "group", "target"], how="left", suffixes=("", "_want"))
            extra = merged["n_want"].isna()
            assert (merged.loc[extra, "n"] == 0).all() and merged.loc[extra, "suppressed"].all()
            pd.testing.assert_frame_equal(got[~extra.to_numpy()].reset_index(drop=True), want)


def test_followup_view_shows_the_followup_wave(ex):
    ex.kommune.value = 766
    ex.view.value = "followup"
    assert set(ex.current_ties["wave"].astype(str)) == {INST.waves.followup}
    assert _title(ex).endswith("Eftermåling")


def test_suppressed_cells_have_no_value_and_more_with_higher_min_n(ex):
    ex.kommune.value = 336
    counts = []
    assert ex.min_n.min == INST.privacy.min_n_floor  # the slider starts at the codebook's floor
    for min_n in (5, 10, 25):
        ex.min_n.value = min_n
        t = ex.table
        assert (t["suppressed"] == t["n"].isna()).all() and (t["n"].dropna() >= min_n).all()
        # the table on screen shows "<min_n" instead of a count below min_n, and no value in those rows
        rows = re.findall(r"<tr>(.*?)</tr>", ex.table_view.value)
        small = [r for r in rows if f"<td>&lt;{min_n}</td>" in r]
        assert len(small) == int(t["suppressed"].sum())
        assert all(re.findall(r"<td>(\d+)</td>", r) == [] for r in small)
        assert t.loc[t["suppressed"], "mean"].isna().all()
        assert t.loc[~t["suppressed"], "mean"].notna().all()
        counts.append(int(t["suppressed"].sum()))
        # the heat map prints no mean in a suppressed cell: only "n<min_n" marks it, on screen and in the
        # matplotlib figure
        n_suppressed = int(ex.current_ties["suppressed"].sum())
        cells = [c for row in _html_cells(ex.html_view.value).rows for c in row]
        assert [c["text"] for c in cells if "suppressed" in c["class"]] == [f"n<{min_n}"] * n_suppressed
        assert sum(s == f"n<{min_n}" for s in _texts(ex.figure)) == n_suppressed
    assert counts[0] <= counts[1] <= counts[2] and counts[2] > counts[0]


def test_views_and_figures_all_draw(ex):
    ex.kommune.value = 766
    for kind in ("heatmap", "network", "benchmark"):
        ex.figure_kind.value = kind
        for view in ("baseline", "followup", "change"):
            ex.view.value = view
            assert _title(ex).startswith("Hedensted")
            assert "Hedensted" in ex.heading.value
            if kind in ("heatmap", "benchmark"):  # HTML tables on screen
                assert _html_cells(ex.html_view.value).rows
                assert ex.image.layout.display == "none"
            else:
                assert bytes(ex.image.value).startswith(b"<?xml") and b"<svg" in bytes(ex.image.value)
                assert b"Hedensted" in bytes(ex.image.value) and ex.html_view.layout.display == "none"


def test_benchmark_names_no_other_kommune(ex):
    ex.kommune.value = 766
    ex.figure_kind.value = "benchmark"
    fig = ex.figure
    words = " ".join([ax.get_title() for ax in fig.axes] + _texts(fig)
                     + [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()])
    others = [report.kommune_name(k) for _, k in ex.kommune.options if k not in (ALL, 766)]
    for shown in (words, ex.html_view.value):  # the matplotlib figure and the HTML on screen
        assert "Hedensted" in shown and "andre kommuner" in shown and "blandt 10 kommuner" not in shown
        assert not [name for name in others if name in shown]
    # the red dots are this kommune's ties
    own = [c for c in fig.axes[0].collections if c.get_gid() == "own"]
    assert len(own) == 1 and np.isfinite(own[0].get_offsets()[:, 0]).any()


def test_benchmark_rows_equal_a_hand_computation(ex, data_dir):
    """Quantiles, own value and percentile rank of one tie, recomputed from the tie scores of the other
    kommuner (the kommune itself is not in its own distribution)."""
    ex.kommune.value = 766
    bench = ex.data.benchmark(766, "rk", 5, "baseline")
    every = scoring.tie_scores(_shareable(relkap.load(data_dir).relations, 5), INST, by=["kommune", "wave"],
                               min_n=5)
    every = every[(every["wave"] == INST.waves.baseline) & ~every["diagonal"] & ~every["suppressed"]]
    row = bench[bench["enough"]].dropna(subset=["value"]).iloc[3]
    tie = every[(every["group"] == row["group"]) & (every["target"] == row["target"])]
    values = tie.loc[tie["kommune"] != 766, "mean"].to_numpy()
    assert row["n_kommuner"] == len(values) >= benchmark.MIN_BENCHMARK_KOMMUNER
    np.testing.assert_allclose(row[["p5", "q25", "median", "q75", "p95"]].astype(float),
                               np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]))
    own = float(tie.loc[tie["kommune"] == 766, "mean"].iloc[0])
    assert row["value"] == pytest.approx(own)
    assert row["share_below"] == pytest.approx(((values < own).sum() + 0.5 * (values == own).sum()) / len(values))
    # a tie suppressed in this kommune has no value and no rank, and its row shows "n<5" on screen
    ex.figure_kind.value = "benchmark"
    ex.min_n.value = 11
    sup = ex.data.benchmark(766, "rk", 11, "baseline")
    sup = sup[sup["enough"]]
    assert sup["value"].isna().any() and sup.loc[sup["value"].isna(), "share_below"].isna().all()
    assert sup["value"].notna().any()
    assert ex.html_view.value.count(">n&lt;11<") == int(sup["value"].isna().sum())


def test_benchmark_shows_only_ties_over_enough_other_kommuner(ex):
    """Ties that fewer than MIN_BENCHMARK_KOMMUNER other kommuner have are counted in the heading, not drawn."""
    ex.kommune.value = 766
    ex.figure_kind.value = "benchmark"
    ex.min_n.value = 12
    bench = ex.data.benchmark(766, "rk", 12, "baseline")
    assert (~bench["enough"]).any() and bench["enough"].any()  # at min_n 12 some ties are too rare
    assert bench.loc[~bench["enough"], ["p5", "median", "p95", "share_below"]].isna().all().all()
    cov = ex.data.benchmark_coverage(766, "rk", 12, "baseline")
    assert cov["shown"] == int(bench["enough"].sum()) and cov["hidden"] == int((~bench["enough"]).sum())
    page = _html_cells(ex.html_view.value)
    assert len(page.rows) == cov["shown"]
    assert f"{cov['hidden']} relationer vises ikke" in ex.html_view.value


def test_tie_drill_down(ex, data_dir):
    ex.kommune.value = 766
    assert ex.tie.options[0][1] is None  # nothing selected at first
    a, b = ex.tie.options[1][1]
    ex.tie.value = (a, b)
    d = ex.drill.set_index("measure")
    relations = _shareable(report.kommune_tables(relkap.load(data_dir), 766).relations, 5)
    change = report.tie_change(relations, INST, min_n=5)
    row = change[(change["group"] == a) & (change["target"] == b)].iloc[0]
    if not row["suppressed"]:
        assert d.loc["change", "hedges"] == pytest.approx(row["hedges"])
        assert d.loc["change", "p_fdr"] == pytest.approx(row["p_fdr"])
        assert d.loc["change", "mean"] == pytest.approx(row["diff"])
    assert "Hedges' g" in ex.drill_text.value and "p (FDR)" in ex.drill_text.value
    # a tie below min_n: "<min_n" instead of its count, and no value
    ex.min_n.value = 30
    assert ex.drill["suppressed"].all() and ex.drill["mean"].isna().all()
    assert re.findall(r"<td>(\d+)</td>", ex.drill_text.value) == [] and "<td>&lt;30</td>" in ex.drill_text.value
    ex.min_n.value = 5
    # profile of the six dimensions, both waves
    ax = ex.drill_figure.axes[0]
    assert "Hedensted" in ax.get_title()
    assert len(ax.get_xticklabels()) == len(INST.relational_codes)
    assert {line.get_gid() for line in ax.lines} >= {f"wave:{INST.waves.baseline}", f"wave:{INST.waves.followup}"}
    ex.tie.value = None
    assert ex.drill.empty and ex.drill_image.value == b""


def test_language_relabels_and_keeps_the_state(ex):
    ex.kommune.value = 336
    ex.view.value = "change"
    ex.language.value = "en"
    assert ex.view.value == "change" and ex.kommune.value == 336
    assert _title(ex) == f"Stevns – {INST.label('rk', 'en')} – Change from Baseline to Follow-up"
    assert ex.kommune.options[0] == ("All kommuner", ALL)


def test_interactions_reuse_cached_tables_and_figures(ex):
    ex.kommune.value = 336
    ex.kommune.value = 766
    drawn = ex.draws
    ex.kommune.value = 336  # seen before: served from the figure cache
    assert ex.draws == drawn
    calls = ExplorerData.ties.cache_info().hits
    ex.figure_kind.value = "network"
    assert ExplorerData.ties.cache_info().hits > calls  # tables reused, only the figure is new


def test_explore_function_and_display(data_dir):
    e = explore(data_dir, instrument=INST, min_n=7, language="en")
    assert e.min_n.value == 7 and e.language.value == "en"
    assert hasattr(e, "_ipython_display_") and e.widget.children
    assert isinstance(e.table, pd.DataFrame)


# ----------------------------------------------------------------------------------------------------
# the interviews view (issue 16): joint displays for every reader, quotes only with the raw projects here
# ----------------------------------------------------------------------------------------------------
def test_interview_section_of_the_data_model(data_dir):
    from relkap import interviews

    data = ExplorerData(data_dir, instrument=INST)
    assert len(data.codings) > 0 and set(data.codings["kommune"]) == set(data.kommuner)
    section = data.interview_section(336, 5, "da")
    assert isinstance(section, interviews.JointSection) and len(section.tables) == 3
    assert data.interview_section(336, 5, "da") is section  # cached
    assert data.interview_section(ALL, 5, "da") is None
    themes = data.interview_themes(336)
    assert ("tie", "myndighed->udfoerer") in themes or any(k == "tie" for k, _ in themes)
    assert [k for k, _ in themes] == sorted((k for k, _ in themes), key=["dimension", "tie", "leadership",
                                                                         "structure", "free"].index)


def test_interviews_view_shows_joint_displays_and_private_quotes_only_with_the_raw_projects(data_dir):
    from relkap import interviews

    folder = data_dir.parent / "raw" / "interviews"
    ex = Explorer(data_dir, instrument=INST, quotes_dir=[])  # no raw projects here: no quotes
    ex.kommune.value = 336
    ex.figure_kind.value = "interviews"
    page = ex.html_view.value
    assert ex.html_view.layout.display == "" and ex.image.layout.display == "none"
    assert "Relationer: spørgeskema og interviews" in page and "Peger samme vej" in page
    assert ex.theme.layout.display == "none" and ex.quotes_view.value == ""
    quotes = interviews.private_quotes(folder / "336.qdpx", folder / "mapping.yaml", source_names=True)
    secrets = set(quotes["text"]) | set(quotes["source_name"])
    assert not [q for q in secrets if q in page]
    ex.kommune.value = ALL
    assert "Vælg en kommune" in ex.html_view.value

    ex = Explorer(data_dir, instrument=INST, quotes_dir=folder)
    ex.kommune.value, ex.figure_kind.value = 336, "interviews"
    assert ex.theme.layout.display == ""
    tie = next(v for _, v in ex.theme.options if v is not None and v[0] == "tie")
    ex.theme.value = tie
    shown = ex.quotes_view.value
    assert "må ikke deles" in shown and "kun på din egen maskine" in shown
    expected = quotes[(quotes["theme"] == tie[1]) & (quotes["kommune"] == 336)]
    assert sorted(ex.quotes["text"]) == sorted(expected["text"]) and len(expected) > 0
    assert ex.quotes.attrs["private"] and "source_name" not in ex.quotes.columns
    assert not [name for name in quotes["source_name"] if name in shown]  # pseudonyms only
    ex.language.value = "en"
    assert "must not be shared" in ex.quotes_view.value
    ex.figure_kind.value = "heatmap"  # other views: no quotes on screen
    assert ex.theme.layout.display == "none" and ex.quotes_view.layout.display == "none"
    assert ex.quotes.empty


# ----------------------------------------------------------------------------------------------------
# disclosure control (relkap.privacy): every value on screen is computed without the hidden cells
# ----------------------------------------------------------------------------------------------------
KOMMUNE, MIN_N = 766, 5


@pytest.fixture(scope="module")
def small_group(data_dir):
    """The demo with, in one kommune's baseline, one small group (its largest cut to 3 respondents) and
    one hidden tie inside a shown group (only 3 of its raters keep their answers about one target), and a
    function that sets the hidden answers to a value (the attack of tests/test_privacy.py)."""
    tables = relkap.load(data_dir)
    rel = tables.relations
    base = (rel["kommune"] == KOMMUNE) & (rel["wave"] == INST.waves.baseline)
    sizes = rel[base].groupby("group", observed=True)["respondent_id"].nunique().sort_values()
    small, other = str(sizes.index[-1]), str(sizes.index[-2])
    assert sizes[other] >= MIN_N + 3
    members = rel.loc[base & (rel["group"] == small), "respondent_id"].unique()
    rel = rel[~(base & (rel["group"] == small) & ~rel["respondent_id"].isin(members[:3]))]
    base = (rel["kommune"] == KOMMUNE) & (rel["wave"] == INST.waves.baseline)
    target = next(g for g in INST.group_codes if g not in (small, other)
                  and ((rel["group"] == other) & (rel["target"] == g) & base).any())
    raters = rel.loc[base & (rel["group"] == other), "respondent_id"].unique()
    tie = base & (rel["group"] == other) & (rel["target"] == target)
    rel = rel[~(tie & ~rel["respondent_id"].isin(raters[:3]))].reset_index(drop=True)
    base = (rel["kommune"] == KOMMUNE) & (rel["wave"] == INST.waves.baseline)
    hidden = base & ((rel["group"] == small) | ((rel["group"] == other) & (rel["target"] == target)))

    def with_hidden(value: float):
        r = rel.copy()
        r.loc[hidden & r["score"].notna(), "score"] = value
        return dataclasses.replace(tables, relations=r)

    return with_hidden, small, (other, target)


def _on_screen(data: ExplorerData, kommune: int, tie: tuple[str, str]) -> dict:
    """Every value the explorer shows of ``kommune`` at MIN_N (as the widget shows it, counts masked):
    tie tables of each view and dimension, the drill-down and profile, the interview section's index
    comparison and the benchmark."""
    out = {}
    for dim in ("rk", "respekt"):
        for view in ("baseline", "followup", "change"):
            t = data.view_ties(model.Selection(kommune, view, dim, MIN_N))
            out[f"table:{dim}:{view}"] = model.shown_table(t, view, MIN_N)
            if kommune != ALL:
                out[f"bench:{dim}:{view}"] = data.benchmark(kommune, dim, MIN_N, view)
    out["drill"] = data.tie_summary(kommune, "rk", MIN_N, *tie)
    out["profile"] = data.tie_dimensions(kommune, *tie, MIN_N)
    if kommune != ALL:
        out["index"] = data._rk_change(kommune, MIN_N)
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], obj=key)


def test_screen_reveals_nothing_of_a_hidden_group_or_tie(small_group, monkeypatch):
    """Hidden answers all 1 or all 5: the kommune's screens, the pooled screens of all kommuner and another
    kommune's benchmark are the same, so no shown number (index, dimension or tie, pooled or benchmark)
    holds anything of the hidden cells and subtraction recovers nothing."""
    with_hidden, small, tie = small_group
    screens = []
    for value in (1.0, 5.0):
        tables = with_hidden(value)
        monkeypatch.setattr(model, "load", lambda _d, t=tables, **_kw: t)
        data = ExplorerData(instrument=INST)
        screens.append({k: _on_screen(data, k, tie) for k in (KOMMUNE, ALL, 336)})
    for k in screens[0]:
        _assert_same(screens[0][k], screens[1][k])
    # the hidden group's ties and the hidden tie are shown as suppressed, without a count
    shown = screens[0][KOMMUNE]["table:rk:baseline"]
    hidden = shown[(shown["group"] == small) | ((shown["group"] == tie[0]) & (shown["target"] == tie[1]))]
    assert len(hidden) > 0 and hidden["suppressed"].all() and hidden["n"].isna().all()
    assert screens[0][KOMMUNE]["drill"].set_index("measure").loc["baseline", "suppressed"]


def test_screen_values_equal_the_report_functions_on_shareable_data(small_group, monkeypatch):
    """What the explorer shows is what the report functions give on privacy.shareable answers."""
    with_hidden, _, tie = small_group
    tables = with_hidden(1.0)
    monkeypatch.setattr(model, "load", lambda _d, **_kw: tables)
    data = ExplorerData(instrument=INST)
    every = _shareable(tables.relations, MIN_N)
    own = _shareable(tables.relations[tables.relations["kommune"] == KOMMUNE], MIN_N)
    keys = ["wave", "group", "target"]
    for kommune, rel in ((KOMMUNE, own), (ALL, every)):
        for dim in ("rk", "respekt"):
            d = None if dim == "rk" else dim
            got = data.ties(kommune, dim, MIN_N)
            want = report.tie_table(rel, INST, min_n=MIN_N, dimension=d)
            got, want = (t[~t["suppressed"]].astype({c: str for c in keys}) for t in (got, want))
            m = got.merge(want, on=keys, suffixes=("", "_want"), validate="1:1")
            assert len(m) == len(got) == len(want) > 0
            for c in ("n", "mean", "ci_low", "ci_high"):
                np.testing.assert_allclose(m[c].astype(float), m[f"{c}_want"].astype(float), rtol=1e-12)
            got = data.tie_change(kommune, dim, MIN_N)
            want = report.tie_change(rel, INST, min_n=MIN_N, dimension=d)
            got, want = got[~got["suppressed"]], want[~want["suppressed"]]
            m = got.merge(want, on=["group", "target"], suffixes=("", "_want"), validate="1:1")
            assert len(m) == len(got) == len(want) > 0
            for c in ("n_baseline", "n_followup", "diff", "diff_ci_low", "hedges", "p_fdr"):
                np.testing.assert_allclose(m[c].astype(float), m[f"{c}_want"].astype(float), rtol=1e-9)
    pd.testing.assert_frame_equal(data._rk_change(KOMMUNE, MIN_N), report.rk_change(own, INST, MIN_N))
    # the benchmark: every kommune's tie values from its own shareable answers
    nat = scoring.tie_scores(every, INST, by=["kommune", "wave"], min_n=MIN_N)
    nat = nat[~nat["diagonal"] & ~nat["suppressed"]].astype({"wave": str, "group": str, "target": str})
    got = data.national_ties("rk", MIN_N)
    got = got[~got["suppressed"]]
    m = got.merge(nat, on=["kommune", *keys], suffixes=("", "_want"), validate="1:1")
    assert len(m) == len(got) == len(nat)
    np.testing.assert_allclose(m["mean"], m["mean_want"], rtol=1e-12)
    prof = data.tie_dimensions(KOMMUNE, *tie, MIN_N)
    one = own[(own["group"] == tie[0]) & (own["target"] == tie[1])]
    want = scoring.tie_scores(one, INST, by=["wave"], dimension="all", min_n=MIN_N)
    np.testing.assert_allclose(prof.loc[~prof["suppressed"], "mean"], want.loc[~want["suppressed"], "mean"])


def test_national_scores_rescore_only_the_kommuner_the_rule_changes(small_group, monkeypatch):
    """The benchmark's national tables, assembled per tie (the scores of all answers with the threshold
    applied where the rule removes nothing, the others scored again), are exactly the tables of one pass
    over every kommune's shared answers, at every min_n; and only the changed ties are scored again."""
    with_hidden, _, _ = small_group
    tables = with_hidden(1.0)
    monkeypatch.setattr(model, "load", lambda _d, **_kw: tables)
    data = ExplorerData(instrument=INST)
    changed = {}
    for min_n in (1, 3, 5, 8, 12, 30):
        changed[min_n] = tuple(data._changed(min_n))
        got, want = data._national_scores(min_n), data._national_scores_full(min_n)
        assert list(got) == list(want) == ["rk", *INST.relational_codes]
        for d in want:
            pd.testing.assert_frame_equal(got[d], want[d], check_exact=True)
    # min_n 1 hides nothing: every kommune's tables come from the ties of all its answers; the small
    # group is hidden from min_n 4, and a kommune changed at a min_n is changed at a larger one
    assert changed[1] == () and KOMMUNE in changed[5] and set(changed[3]) <= set(changed[5])
    # an unchanged kommune is not scored again
    scored = []
    tie_scores = scoring.tie_scores
    here = threading.current_thread()  # not the background warm-up of an earlier test's explorer, still running
    monkeypatch.setattr(scoring, "tie_scores", lambda rel, *a, **kw: (
        threading.current_thread() is here and scored.append(len(rel))) or tie_scores(rel, *a, **kw))
    data._national_scores(6)
    rows = sum(int(r.sum()) for r in data._changed(6).values())
    every = tables.relations["kommune"].isin(list(data._changed(6))).sum()
    assert scored == [rows, rows] and 0 < rows < every


def test_min_n_is_applied_once_per_kommune_for_every_min_n(data_dir, monkeypatch):
    """The rule costs one pass over a kommune's rows for every min_n the slider offers, at the first view of
    the kommune; another min_n or a revisit costs none. The pooled view applies it to every kommune once."""
    calls = []

    def counted(table, *args, **kwargs):
        calls.append(len(table))
        return shareable_levels(table, *args, **kwargs)

    shareable_levels = privacy.shareable_levels
    monkeypatch.setattr(privacy, "shareable_levels", counted)
    ex = Explorer(data_dir, instrument=INST)
    ex.data.ready()
    rel = ex.data.tables.relations
    assert sorted(calls) == sorted(int((rel["kommune"] == k).sum()) for k in ex.data.kommuner)  # warmed
    calls.clear()
    for k in (336, ALL, 766):
        ex.kommune.value = k
        for m in (8, 5, 30, 1):
            ex.min_n.value = m
    assert calls == []


def test_precomputed_masks_equal_the_rule_at_every_min_n(data_dir):
    """The explorer's shared answers from the precomputed levels equal privacy.shareable_rows of one pass,
    per kommune and pooled, for several min_n (and a min_n beyond the slider, computed directly)."""
    data = ExplorerData(data_dir, instrument=INST)
    rel = data.tables.relations
    for min_n in (1, 2, 5, 9, 17, model.MAX_MIN_N, model.MAX_MIN_N + 3):
        keep = np.zeros(len(rel), dtype=bool)
        for k in data.kommuner:
            own = rel["kommune"] == k
            want = privacy.shareable_rows(rel[own].reset_index(drop=True), min_n, min_items=INST.min_items)
            got = data.shared(k, min_n)
            np.testing.assert_array_equal(got["score"].notna().to_numpy(),
                                          want & rel.loc[own, "score"].notna().to_numpy())
            keep[own.to_numpy()] = want
        np.testing.assert_array_equal(data.shared(ALL, min_n)["score"].notna().to_numpy(),
                                      keep & rel["score"].notna().to_numpy())
        one_pass = rel.assign(score=rel["score"].where(keep))  # the rule of one pass, as shared() sets it
        pd.testing.assert_frame_equal(data.ties(ALL, "rk", min_n),
                                      report.tie_table(one_pass, INST, min_n=min_n), check_exact=True)
        nat = scoring.tie_scores(one_pass, INST, by=["kommune", "wave"], dimension="all", min_n=min_n)
        nat = nat[~nat["diagonal"]].astype({"wave": str, "group": str, "target": str})
        got = data.national_ties("respekt", min_n)
        want = nat[nat["dimension"] == "respekt"][got.columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)


def test_background_warm_up_computes_every_min_n_of_the_slider_ahead(data_dir, monkeypatch):
    """After the warm-up, a new min_n on the benchmark view rescores no other kommune: the national tables of
    every min_n the slider offers were computed in the background, equal to computing them at the click."""
    ex = Explorer(data_dir, instrument=INST)
    ex.data.settled()
    assert set(ex.data._national) == set(range(ex.min_n.min, model.MAX_MIN_N + 1))
    scored = []
    tie_scores = scoring.tie_scores
    here = threading.current_thread()  # not the background warm-up of an earlier test's explorer, still running
    monkeypatch.setattr(scoring, "tie_scores", lambda rel, *a, **kw: (
        threading.current_thread() is here and scored.append(len(rel))) or tie_scores(rel, *a, **kw))
    ex.kommune.value = 766
    ex.figure_kind.value = "benchmark"
    for m in (7, 19, model.MAX_MIN_N):
        ex.min_n.value = m
    own = int((ex.data.tables.relations["kommune"] == 766).sum())
    assert scored and max(scored) <= own  # only the kommune's own tables were scored at the clicks
    fresh = ExplorerData(data_dir, instrument=INST)
    for m in (7, 19):
        for d in ("rk", "respekt"):
            pd.testing.assert_frame_equal(ex.data.national_ties(d, m), fresh.national_ties(d, m), check_exact=True)
    # the pooled tables of all kommuner and their trend at every min_n of the slider, computed ahead, equal
    # those computed at the click (another min_n: other tables)
    assert {(ALL, m) for m in range(ex.min_n.min, model.MAX_MIN_N + 1)} <= set(ex.data._pooled)
    for m in (7, 19):
        for d in ("rk", "respekt"):
            for got, want in ((ex.data.ties(ALL, d, m), fresh.ties(ALL, d, m)),
                              (ex.data.tie_change(ALL, d, m), fresh.tie_change(ALL, d, m))):
                pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, check_dtype=False,
                                              check_categorical=False)
        pd.testing.assert_frame_equal(ex.data.index_trend(ALL, m), fresh.index_trend(ALL, m), check_exact=True)
    assert not ex.data.tie_change(ALL, "rk", 7)["n_baseline"].equals(ex.data.tie_change(ALL, "rk", 19)["n_baseline"])
    # each kommune's tables of every dimension, from one pass, equal the tables of that dimension alone (the
    # minimum detectable change, solved numerically, to 1e-9)
    assert (336, 5) in ex.data._pooled
    for d in ("rk", "respekt", "innovation"):
        for got, want in ((ex.data.ties(336, d, 5), fresh.ties(336, d, 5)),
                          (ex.data.tie_change(336, d, 5), fresh.tie_change(336, d, 5))):
            pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, check_dtype=False,
                                          check_categorical=False)


def test_scales_and_citizens_are_read_only_when_used_and_never_from_another_import(data_dir, tmp_path):
    """The explorer loads relations and codings only; the other tables are read when first used, equal to
    an ordinary load, and refused (load again) once an import has changed the store since."""
    store = tmp_path / "processed"
    shutil.copytree(data_dir, store)
    data = ExplorerData(store, instrument=INST)
    assert "scales" not in vars(data.tables) and "citizens" not in vars(data.tables)
    whole = relkap.load(store)
    pd.testing.assert_frame_equal(data.tables.scales, whole.scales)
    assert "scales" in vars(data.tables)  # read once
    import_raw(data_dir.parent / "raw", out_dir=store)  # a new import: a new generation of the store
    with pytest.raises(relkap.errors.InputError, match="changed .* since they were loaded"):
        _ = data.tables.citizens
    with pytest.raises(ValueError, match="only survey tables"):
        relkap.load(store, deferred=("codings",))


def test_benchmark_from_tie_codes_equals_the_comparison_by_group_and_target(data_dir):
    """The benchmark compared on one integer code per tie (cached per dimension, min_n and view) equals
    benchmark.compare by group and target, for several kommuner, min_n and views; another min_n gives
    another answer."""
    data = ExplorerData(data_dir, instrument=INST)
    for kommune in (336, 766):
        for min_n in (5, 11):
            for view in ("baseline", "change"):
                got = data.benchmark(kommune, "rk", min_n, view)
                want = benchmark.compare(data.benchmark_values("rk", min_n, view), kommune, by=["group", "target"])
                g = data.groups(kommune)
                order = {(a, b): i for i, (a, b) in enumerate((a, b) for a in g for b in g if a != b)}
                want = want.assign(_o=[order.get(k) for k in zip(want["group"], want["target"], strict=True)])
                want = want.dropna(subset=["_o"]).sort_values("_o")[got.columns].reset_index(drop=True)
                pd.testing.assert_frame_equal(got, want, check_exact=True)
                assert len(got)
        assert not data.benchmark(kommune, "rk", 5, "baseline").equals(data.benchmark(kommune, "rk", 11, "baseline"))


def test_tie_drill_down_scored_on_the_ties_rows_equals_the_shared_answers(data_dir):
    """A tie's six dimensions, scored on its own rows with the rule applied to them, equal scoring the tie's
    rows of all shared answers (per kommune and pooled); another min_n changes a pooled profile."""
    data = ExplorerData(data_dir, instrument=INST)
    for kommune in (766, ALL):
        g = data.groups(kommune)
        for min_n in (5, 12):
            for a, b in ((g[0], g[1]), (g[2], g[0]), (g[1], g[1])):
                rel = data.shared(kommune, min_n)
                want = scoring.tie_scores(rel[(rel["group"] == a) & (rel["target"] == b)], INST, by=["wave"],
                                          dimension="all", min_n=min_n)
                pd.testing.assert_frame_equal(data.tie_dimensions(kommune, a, b, min_n), want, check_exact=True)
    g = data.groups(ALL)
    assert not data.tie_dimensions(ALL, g[0], g[1], 5).equals(data.tie_dimensions(ALL, g[0], g[1], 25))

"""Disclosure control that holds against arithmetic (relkap.privacy.shareable).

The tests attack what a kommune report publishes (summary.json and the tables behind the HTML): for every
hidden cell they try to recover its count and its mean from totals and siblings. Before the rule, the
demo's Stevns leaks its 4 Ledere and their mean (the issue's example); after it, nothing is recoverable,
and changing a hidden cell's answers changes no published number at all.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relkap
from relkap import privacy, report
from relkap.params import default_kommune_params

INST = relkap.load_instrument()
MIN_N = 5
B, F = INST.waves.baseline, INST.waves.followup


@pytest.fixture(scope="module")
def demo(demo_project):
    return relkap.load(demo_project(10, 1).data)


def _kommune(tables, kommune: int):
    return report.kommune_tables(tables, kommune)


def _shared(tables):
    """The tables a shared product is computed from: hidden cells' answers removed."""
    return dataclasses.replace(tables, relations=privacy.shareable(tables.relations, MIN_N, min_items=INST.min_items),
                               scales=privacy.shareable(tables.scales, MIN_N, min_items=INST.min_items))


def _group_index(relations: pd.DataFrame) -> pd.DataFrame:
    """Each group's respondent-level RK index per wave (n, mean): a number a report may publish per group."""
    s = report.respondent_dimension_scores(relations, INST)
    s = s[s["dimension"] == "rk"].astype({"wave": str, "group": str})
    return s.groupby(["wave", "group"])["score"].agg(n="count", mean="mean").reset_index()


def published(tables, kommune: int, rule: bool = True) -> dict:
    """Everything the report publishes about ``kommune``, as plain JSON data (what a reader can compute with).

    The summary is :func:`relkap.report.summary` of :func:`relkap.report.build` (which applies the rule);
    ``rule=False`` builds it at min_n 1, i.e. from every answer, as the reports did before the rule.
    """
    data = _kommune(tables, kommune)
    overview = report.response_overview(data, INST, min_n=MIN_N)
    ties = report.tie_table(data.relations, INST, min_n=MIN_N)
    model = report.build(tables, INST, default_kommune_params(kommune), min_n=MIN_N if rule else 1,
                         min_n_override_reason=None if rule else "the attack without the rule")
    summary = report.summary(model)
    groups = _group_index(data.relations)
    shown = groups[groups["n"] >= MIN_N]
    rp = relkap.scoring.received_perceived(ties)
    tie_rows = privacy.mask_small_counts(ties[~ties["suppressed"]], MIN_N)
    shown_overview = privacy.mask_small_counts(overview, MIN_N).dropna(subset=["n"])
    return json.loads(json.dumps({
        "summary": summary,
        "overview": shown_overview[["group", "wave", "n"]].astype({"n": int}).to_dict("records"),
        "groups": shown.round(6).to_dict("records"),
        "received_perceived": rp.astype({"wave": str, "group": str}).round(6).to_dict("records"),
        "ties": tie_rows[["wave", "group", "target", "n", "mean", "sd", "ci_low", "ci_high"]]
        .astype({"wave": str, "group": str, "target": str, "n": float}).round(6).to_dict("records"),
    }, default=str))


def attack_group(pub: dict, wave: str) -> tuple[float, float]:
    """Complementary disclosure: the hidden groups' count and mean = the index minus the shown groups (the index
    of the wave as the trend publishes it: its respondents and their plain mean; the comparison's means are a
    model's where respondents link)."""
    index = next(r for r in pub["summary"]["by_wave"] if r["wave"] == wave and r["dimension"] == "rk")
    n_total, mean_total = index["n"], index["mean"]
    shown = [g for g in pub["groups"] if g["wave"] == wave]
    n_hidden = n_total - sum(g["n"] for g in shown)
    if n_hidden <= 0:
        return 0, float("nan")
    return n_hidden, (n_total * mean_total - sum(g["n"] * g["mean"] for g in shown)) / n_hidden


def _numbers_with_count_keys(data, found=None) -> list[tuple[str, float]]:
    found = [] if found is None else found
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, int | float) and not isinstance(v, bool) and k in privacy.COUNT_COLUMNS:
                found.append((k, v))
            else:
                _numbers_with_count_keys(v, found)
    elif isinstance(data, list):
        for v in data:
            _numbers_with_count_keys(v, found)
    return found


def test_stevns_leaks_ledere_by_subtraction_without_the_rule(demo):
    """(a) The issue's example: the totals hold Ledere (4 baseline respondents), the siblings give them away."""
    stevns = _kommune(demo, 336)
    truth = _group_index(stevns.relations)
    ledere = truth[(truth["wave"] == B) & (truth["group"] == "ledere")].iloc[0]
    assert ledere["n"] < MIN_N
    pub = published(demo, 336, rule=False)
    n, mean = attack_group(pub, B)
    assert n == ledere["n"]  # a count below min_n, recovered exactly
    assert mean == pytest.approx(ledere["mean"], abs=1e-4)  # and the hidden mean


def test_stevns_after_the_rule_reveals_nothing(demo):
    """(b) With the totals computed without hidden cells, subtraction recovers no count and no mean."""
    shared = _shared(demo)
    pub = published(shared, 336)
    for wave in (B, F):
        n, mean = attack_group(pub, wave)
        assert n == 0 and np.isnan(mean)
    counts = _numbers_with_count_keys(pub)
    assert counts and all(v >= MIN_N for _, v in counts), [c for c in counts if c[1] < MIN_N]
    for wave in (B, F):  # the respondents in all minus the shown groups: no hidden count left over
        shown = sum(g["n"] for g in pub["overview"] if g["wave"] == wave and g["group"] != "borgere")
        assert pub["summary"]["respondents"][wave] - shown == 0


@pytest.fixture(scope="module")
def one_small_group(demo):
    """Hedensted with one small group: Skole cut to 3 baseline respondents, who all answer 1.

    Also one hidden tie inside a shown group: only 3 of Jobcenter's baseline raters keep their answers
    about Myndighed. Extreme answers make a lucky guess (the mean of the others) miss the truth by far.
    """
    rel = demo.relations
    k = rel["kommune"] == 766
    base = k & (rel["wave"] == B)
    skole = rel.loc[base & (rel["group"] == "skole"), "respondent_id"].unique()
    assert len(skole) >= MIN_N
    drop = base & (rel["group"] == "skole") & ~rel["respondent_id"].isin(skole[:3])
    rel = rel[~drop].copy()
    rel.loc[base.reindex(rel.index) & (rel["group"] == "skole"), "score"] = 1.0
    job = rel.loc[(rel["kommune"] == 766) & (rel["wave"] == B) & (rel["group"] == "jobcenter"), "respondent_id"].unique()
    assert len(job) >= MIN_N + 3
    tie = (rel["kommune"] == 766) & (rel["wave"] == B) & (rel["group"] == "jobcenter") & (rel["target"] == "myndighed")
    rel = rel[~(tie & ~rel["respondent_id"].isin(job[:3]))].copy()
    return dataclasses.replace(demo, relations=rel.reset_index(drop=True))


def _perturb(tables, mask_fn, value: float):
    rel = tables.relations.copy()
    m = mask_fn(rel)
    rel.loc[m & rel["score"].notna(), "score"] = value
    return dataclasses.replace(tables, relations=rel)


def _hidden_group(rel):
    return (rel["kommune"] == 766) & (rel["wave"] == B) & (rel["group"] == "skole")


def _hidden_tie(rel):
    return (rel["kommune"] == 766) & (rel["wave"] == B) & (rel["group"] == "jobcenter") & (rel["target"] == "myndighed")


def test_generated_kommune_leaks_without_the_rule(one_small_group):
    pub = published(one_small_group, 766, rule=False)
    n, mean = attack_group(pub, B)
    assert n == 3 and mean == pytest.approx(1.0, abs=0.05)  # the hidden Skole's answers, recovered
    # the hidden tie moves the published index: it is inside it
    moved = published(_perturb(one_small_group, _hidden_tie, 5.0), 766, rule=False)
    assert moved["summary"]["rk_index"]["mean_baseline"] != pub["summary"]["rk_index"]["mean_baseline"]


def test_generated_kommune_after_the_rule_no_hidden_value_is_recoverable(one_small_group):
    shared = _shared(one_small_group)
    pub = published(shared, 766)
    n, mean = attack_group(pub, B)
    assert n == 0 and np.isnan(mean)
    # whatever the hidden cells' answers, every published number is the same: nothing to recover
    for hidden in (_hidden_group, _hidden_tie):
        for value in (1.0, 5.0):
            other = _shared(_perturb(one_small_group, hidden, value))
            assert published(other, 766) == pub, hidden.__name__
    # the hidden tie and group are still said to be hidden, and no count below min_n appears
    ties = {(t["group"], t["target"]) for t in pub["ties"] if t["wave"] == B}
    assert ("jobcenter", "myndighed") not in ties and not any(g == "skole" for g, _ in ties)
    assert all(v >= MIN_N for _, v in _numbers_with_count_keys(pub))
    assert privacy.hidden_groups(one_small_group.relations[one_small_group.relations["kommune"] == 766],
                                 MIN_N).to_dict("records") == [{"kommune": 766, "wave": B, "group": "skole"}]


def test_shareable_is_idempotent_and_keeps_big_cells(demo):
    rel = demo.relations
    once = privacy.shareable(rel, MIN_N)
    pd.testing.assert_frame_equal(privacy.shareable(once, MIN_N), once)
    sizes = once.groupby(["kommune", "wave", "group"], observed=True)["respondent_id"].nunique()
    assert (sizes >= MIN_N).all()
    ties = relkap.scoring.tie_scores(once, INST, by=["kommune", "wave"], min_n=None)
    assert (ties["n"] >= MIN_N).all()
    # a kommune-wave without small cells is untouched
    n = rel.groupby(["kommune", "wave", "group"], observed=True)["respondent_id"].nunique()
    assert len(once) > 0.8 * len(rel) and set(once.columns) == set(rel.columns)
    assert dict(once.dtypes) == dict(rel.dtypes)
    assert (n < MIN_N).any()


def test_response_chart_prints_no_small_count():
    from relkap import plots

    counts = pd.DataFrame({"group": ["skole", "ppr"] * 2, "wave": [B] * 2 + [F] * 2, "n": [12, 4, 11, 6]})
    ax = plots.response_overview(counts, min_n=MIN_N)
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "count"]
    assert labels == ["12", "<5", "11", "6"]
    heights = sorted(p.get_height() for p in ax.patches if (p.get_gid() or "").startswith("wave:"))
    assert 4 not in heights and heights[0] == MIN_N  # the bar does not show the small count either


# -- shareable on integer codes equals the pandas implementation it replaced ----------------------------
def _shareable_reference(table: pd.DataFrame, min_n: int, by=("kommune", "wave", "group"), *,
                         respondent: str = "respondent_id", min_items: int | None = 4) -> pd.DataFrame:
    """relkap.privacy.shareable as it was written first (pandas groupby and merge), the reference."""

    def group_sizes(table, by):
        return table.groupby(by, observed=True)[respondent].transform("nunique")

    def small_cells(table, keys, min_items):
        valid = table.dropna(subset=["score"])
        if min_items is not None:
            per = valid.groupby([*keys, respondent], observed=True)["score"].size()
            per = per[per >= min_items].reset_index()
        else:
            per = valid[[*keys, respondent]].drop_duplicates()
        raters = per.groupby(keys, observed=True)[respondent].nunique().rename("_raters").reset_index()
        merged = table[keys].merge(raters, on=keys, how="left")
        return pd.Series(merged["_raters"].fillna(0).to_numpy() < min_n, index=table.index)

    by = [c for c in by if c in table.columns]
    relational = {"target", "item"} <= set(table.columns)
    tie = [*by, "target"]
    out = table
    while True:
        keep = group_sizes(out, by) >= min_n
        if relational and len(out):
            keep &= ~small_cells(out, tie, min_items)
            keep &= ~small_cells(out, [*tie, "item"], None)
        if keep.all():
            return out.reset_index(drop=True)
        out = out[keep]


def _random_relations(seed: int, n_kommuner: int = 3, categorical: bool = True) -> pd.DataFrame:
    """Small groups (1-8 respondents), raters who know only some targets, missing scores ("ved ikke"),
    items left out, several kommuner and waves: every rule fires, often in chains."""
    rng = np.random.default_rng(seed)
    groups, items = ["a", "b", "c", "d"], ["i1", "i2", "i3", "i4", "i5", "i6"]
    rows = []
    for k in range(1, n_kommuner + 1):
        for w in (B, F):
            for g in groups:
                for r in range(int(rng.integers(0, 9))):
                    rid = f"k{k}{g}{r}" if rng.random() > 0.1 else f"k{k}x{r}"  # some ids in two groups
                    for t in groups:
                        if rng.random() < 0.3:
                            continue  # does not know the target
                        p_missing = rng.choice([0.0, 0.2, 0.6])
                        for i in items:
                            if rng.random() < 0.1:
                                continue  # not asked
                            score = np.nan if rng.random() < p_missing else float(rng.integers(1, 6))
                            rows.append((k, w, rid, g, t, i, score))
    rel = pd.DataFrame(rows, columns=["kommune", "wave", "respondent_id", "group", "target", "item", "score"])
    if categorical:
        rel = rel.astype({"wave": pd.CategoricalDtype([B, F]), "group": pd.CategoricalDtype(groups),
                          "target": pd.CategoricalDtype(groups), "item": pd.CategoricalDtype(items)})
    return rel.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # rows in no particular order


@pytest.mark.parametrize("seed", range(12))
def test_shareable_equals_the_pandas_reference_on_random_tables(seed):
    rel = _random_relations(seed, categorical=seed % 2 == 0)
    for min_n in (1, 2, 3, 5):
        for min_items in (None, 0, 1, 4, 6, 7):
            want = _shareable_reference(rel, min_n, min_items=min_items)
            got = privacy.shareable(rel, min_n, min_items=min_items)
            pd.testing.assert_frame_equal(got, want, obj=f"min_n={min_n} min_items={min_items}")
    # other cells: by kommune and group only (the waves pooled), and a scales-like table (no target)
    pd.testing.assert_frame_equal(privacy.shareable(rel, 3, by=("kommune", "group")),
                                  _shareable_reference(rel, 3, by=("kommune", "group")))
    scales = rel.drop(columns=["target", "item"])
    pd.testing.assert_frame_equal(privacy.shareable(scales, 4), _shareable_reference(scales, 4))


def test_shareable_equals_the_reference_with_missing_keys():
    """Rows without a group, target, item or respondent id: in no shown cell, counted by no cell."""
    rel = _random_relations(99, n_kommuner=2, categorical=False).astype({"kommune": float})
    rng = np.random.default_rng(99)
    for col in ("kommune", "group", "target", "item", "respondent_id"):
        rel.loc[rng.random(len(rel)) < 0.02, col] = None
    for min_n in (0, 2, 4):
        pd.testing.assert_frame_equal(privacy.shareable(rel, min_n), _shareable_reference(rel, min_n))
    empty = rel.iloc[:0]
    pd.testing.assert_frame_equal(privacy.shareable(empty, 3), _shareable_reference(empty, 3))


def test_shareable_equals_the_reference_on_the_demo(demo):
    for min_n in (3, 5, 8, 12):
        for table in (demo.relations, demo.scales):
            pd.testing.assert_frame_equal(privacy.shareable(table, min_n, min_items=INST.min_items),
                                          _shareable_reference(table, min_n, min_items=INST.min_items))


def test_shareable_over_all_kommuner_is_each_kommunes(demo):
    """Every cell holds its kommune, so one call over all kommuner keeps what a call per kommune keeps."""
    rel = demo.relations
    for min_n in (5, 9):
        every = privacy.shareable_rows(rel, min_n)
        for _, rows in rel.groupby("kommune", observed=True).indices.items():
            part = rel.take(rows).reset_index(drop=True)
            np.testing.assert_array_equal(every[rows], privacy.shareable_rows(part, min_n))


_ROW = st.tuples(st.sampled_from([1, 2]), st.sampled_from([B, F]), st.integers(0, 5).map(lambda i: f"r{i}"),
                 st.sampled_from(["a", "b"]), st.sampled_from(["a", "b", "c"]), st.sampled_from(["i1", "i2", "i3"]),
                 st.sampled_from([np.nan, 1.0, 4.0]))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_ROW, max_size=60), min_n=st.integers(1, 4), min_items=st.sampled_from([None, 1, 2, 3]))
def test_shareable_equals_the_reference_on_any_small_table(rows, min_n, min_items):
    rel = pd.DataFrame(rows, columns=["kommune", "wave", "respondent_id", "group", "target", "item", "score"])
    pd.testing.assert_frame_equal(privacy.shareable(rel, min_n, min_items=min_items),
                                  _shareable_reference(rel, min_n, min_items=min_items))


# -- every min_n of a slider at once ---------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(8))
def test_shareable_levels_equal_shareable_rows_at_every_min_n(seed):
    """levels >= m is the rule of one pass at m, for every m up to max_n; above its level a row is kept
    by no larger m (the rule only removes more). Random tables where every rule fires, in chains."""
    rel = _random_relations(seed, categorical=seed % 2 == 0)
    for min_items in (None, 1, 4):
        levels = privacy.shareable_levels(rel, 9, min_items=min_items)
        for m in range(1, 10):
            np.testing.assert_array_equal(levels >= m, privacy.shareable_rows(rel, m, min_items=min_items),
                                          err_msg=f"min_n={m} min_items={min_items}")
    scales = rel.drop(columns=["target", "item"])
    levels = privacy.shareable_levels(scales, 6)
    for m in range(1, 7):
        np.testing.assert_array_equal(levels >= m, privacy.shareable_rows(scales, m))


def test_shareable_levels_with_missing_keys_and_on_the_demo(demo):
    rel = _random_relations(99, n_kommuner=2, categorical=False).astype({"kommune": float})
    rng = np.random.default_rng(99)
    for col in ("kommune", "group", "target", "item", "respondent_id"):
        rel.loc[rng.random(len(rel)) < 0.02, col] = None
    levels = privacy.shareable_levels(rel, 5)
    for m in range(1, 6):
        np.testing.assert_array_equal(levels >= m, privacy.shareable_rows(rel, m))
    levels = privacy.shareable_levels(demo.relations, 30, min_items=INST.min_items)
    for m in (1, 3, 5, 8, 12, 20, 30):
        np.testing.assert_array_equal(levels >= m, privacy.shareable_rows(demo.relations, m, min_items=INST.min_items))
    assert len(privacy.shareable_levels(rel.iloc[:0], 5)) == 0

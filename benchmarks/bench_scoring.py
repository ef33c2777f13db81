"""Benchmark of relkap.scoring at national scale (98 kommuner, two waves).

Builds the tidy ``relations`` table of ``docs/contract.md`` directly with numpy (categoricals for wave,
group, target and item; string pseudonyms; ~5% "ved ikke" NaN; ~3% cells not asked), then times

- ``tie_scores`` (RK index) and ``tie_scores(dimension="all")``,
- a minimal hand-written pandas groupby computing the same tie means (respondent x target mean with the
  min_items filter, then the tie mean): the yardstick; tie_scores should stay within 1.5x of it,
- ``respondent_scores`` and ``unit_index`` (both weightings),
- ``relkap.agreement.icc`` and ``relkap.change.compare_waves`` over every tie when those modules exist.

Times are the best of ``--repeat`` rounds (each round runs every function once). Peak memory: traced numpy/Python allocations of one extra run
of each function (tracemalloc) and the process peak RSS (``resource.getrusage``).

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--kommuner 98] [--respondents 300] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from relkap import load_instrument
from relkap.kommuner import KOMMUNER
from relkap.scoring import respondent_scores, tie_scores, unit_index


def make_relations(n_kommuner: int = 98, respondents: int = 300, seed: int = 1) -> pd.DataFrame:
    """National-scale tidy relations: every kommune has 8-10 of the codebook's groups; each respondent
    rates every group of their kommune (own group included) on the 6 relational items, in two waves."""
    rk = load_instrument()
    rng = np.random.default_rng(seed)
    groups, items = rk.group_codes, rk.relational_codes
    waves = rk.waves.codes
    kommuner = np.array(sorted(KOMMUNER)[:n_kommuner], dtype=np.int16)
    parts = []
    next_id = 0
    for k in kommuner:
        kgroups = np.sort(rng.choice(len(groups), size=rng.integers(8, 11), replace=False))
        tie_mean = rng.normal(3.7, 0.4, size=(len(groups), len(groups)))
        for w in range(len(waves)):
            n_resp = int(rng.integers(int(respondents * 0.85), int(respondents * 1.15) + 1))
            rgroup = rng.choice(kgroups, size=n_resp)
            rid = np.arange(next_id, next_id + n_resp)
            next_id += n_resp
            # rows: respondent x target x item
            n_t, n_i = len(kgroups), len(items)
            r_idx = np.repeat(np.arange(n_resp), n_t * n_i)
            t_idx = np.tile(np.repeat(kgroups, n_i), n_resp)
            i_idx = np.tile(np.arange(n_i), n_resp * n_t)
            g_idx = rgroup[r_idx]
            resp_effect = rng.normal(0, 0.5, size=n_resp)[r_idx]
            raw = tie_mean[g_idx, t_idx] + resp_effect + rng.normal(0, 0.7, size=len(r_idx))
            score = np.clip(np.rint(raw), 1, 5)
            score[rng.random(len(score)) < 0.05] = np.nan  # "ved ikke"
            asked = rng.random(len(score)) >= 0.03  # blank = not asked: dropped
            parts.append((np.full(asked.sum(), k, dtype=np.int16), np.full(asked.sum(), w, dtype=np.int8),
                          rid[r_idx][asked], g_idx[asked], t_idx[asked], i_idx[asked], score[asked]))
    cols = [np.concatenate(p) for p in zip(*parts, strict=True)]
    kommune, wave, rid, group, target, item, score = cols
    pseudonyms = pd.array([f"p{(i * 2654435761) % 2**32:08x}{i:06d}" for i in range(next_id)], dtype="str")
    return pd.DataFrame({
        "kommune": kommune,
        "wave": pd.Categorical.from_codes(wave, categories=waves),
        "respondent_id": pd.Series(pseudonyms).take(rid).reset_index(drop=True),
        "group": pd.Categorical.from_codes(group, categories=groups),
        "target": pd.Categorical.from_codes(target, categories=groups),
        "item": pd.Categorical.from_codes(item, categories=items),
        "score": score,
    })


def synth_relations(n_kommuner: int, respondents: int, seed: int = 1) -> pd.DataFrame:
    """Relations from ``relkap.synth.simulate`` (raw wide employees) made tidy as ``relkap.io`` does.

    Uses :func:`relkap.io.tidy_tables` in memory, with a fixed benchmark key, so that no files and no
    pseudonymisation key file are written.
    """
    from relkap import io as rio
    from relkap.synth import simulate

    rk = load_instrument()
    employees = simulate(n_kommuner, seed=seed, respondents=respondents, instrument=rk).employees
    return rio.tidy_tables(employees, instrument=rk, key=b"relkap-benchmark").relations


def baseline_tie_means(relations: pd.DataFrame, min_items: int) -> pd.Series:
    """The yardstick: two plain groupbys (respondent x target mean with a count filter, then tie mean)."""
    r = relations.groupby(["kommune", "wave", "respondent_id", "group", "target"], observed=True)["score"].agg(
        ["mean", "count"])
    r = r[r["count"] >= min_items]
    return r.groupby(["kommune", "wave", "group", "target"], observed=True)["mean"].mean()


def best_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def traced_peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, default=98)
    ap.add_argument("--respondents", type=int, default=360,
                    help="mean respondents per kommune and wave (360 with ~9 targets gives ~3.7M rows)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--source", choices=("numpy", "synth"), default="numpy",
                    help="numpy: the generator here (default); synth: relkap.synth + relkap.io's tidying")
    ap.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    args = ap.parse_args(argv)
    rk = load_instrument()

    t0 = time.perf_counter()
    if args.source == "synth":
        rel = synth_relations(args.kommuner, args.respondents)
    else:
        rel = make_relations(args.kommuner, args.respondents)
    print(f"relations ({args.source}): {len(rel):,} rows, {rel['respondent_id'].nunique():,} respondents, "
          f"{args.kommuner} kommuner, {rel.memory_usage(deep=True).sum() / 2**20:.0f} MiB "
          f"(built in {time.perf_counter() - t0:.1f} s)")

    jobs = {
        "baseline groupby (tie means)": lambda: baseline_tie_means(rel, rk.min_items),
        "tie_scores (rk)": lambda: tie_scores(rel, rk),
        'tie_scores (dimension="all")': lambda: tie_scores(rel, rk, dimension="all"),
        "respondent_scores (rk)": lambda: respondent_scores(rel, rk),
        'unit_index (weighting="respondent")': lambda: unit_index(rel, rk),
        'unit_index (weighting="tie")': lambda: unit_index(rel, rk, weighting="tie"),
    }
    # Rounds run every job once, so a change of machine load hits the baseline and tie_scores alike.
    results, times = {}, {name: float("inf") for name in jobs}
    for _ in range(args.repeat):
        for name, fn in jobs.items():
            seconds, results[name] = best_time(fn, 1)
            times[name] = min(times[name], seconds)
    print(f"\n{'function':40s} {'best s':>8s} {'traced peak MiB':>16s}")
    for name, fn in jobs.items():
        peak = float("nan") if args.no_trace else traced_peak_mb(fn)
        print(f"{name:40s} {times[name]:8.3f} {peak:16.0f}")

    base, ours = results["baseline groupby (tie means)"], results["tie_scores (rk)"]
    ties = ours.set_index(["kommune", "wave", "group", "target"])["mean"]
    unsup = ours.loc[~ours["suppressed"]].set_index(["kommune", "wave", "group", "target"])["mean"]
    same = np.allclose(unsup.to_numpy(), base.reindex(unsup.index).to_numpy())
    n_all = len(results['tie_scores (dimension="all")'])
    print(f"\nties: {len(ours):,} (rk), {n_all:,} (all); "
          f"{int(ours['suppressed'].sum())} suppressed; unsuppressed means equal the baseline: {same}; "
          f"baseline ties {len(base):,} vs ours with n>0 {int((ours['n'] > 0).sum()):,}")
    del ties
    ratio = times["tie_scores (rk)"] / times["baseline groupby (tie means)"]
    ratio_all = times['tie_scores (dimension="all")'] / times["baseline groupby (tie means)"]
    print(f"ratio tie_scores(rk) / baseline: {ratio:.2f} (target <= 1.5); dimension='all' / baseline: {ratio_all:.2f}")

    # Concurrently written modules: time them over every tie when they exist.
    scores = results["respondent_scores (rk)"]
    tie_keys = ["kommune", "wave", "group", "target"]
    try:
        from relkap.agreement import icc
    except ImportError:
        print("relkap.agreement.icc: skipped (module not available)")
    else:
        # one-way ANOVA of s(r, B) on the tie: ICC(1)/ICC(2) of aggregating respondents to every tie
        _optional("agreement.icc (every tie)", lambda: icc(scores, dv="score", group=tie_keys), args.repeat)
    try:
        from relkap.change import compare_waves
    except ImportError:
        print("relkap.change.compare_waves: skipped (module not available)")
    else:
        # Welch test of baseline vs follow-up per kommune and directed tie
        _optional("change.compare_waves (every tie)",
                  lambda: compare_waves(scores, dv="score", by=["kommune", "group", "target"]), args.repeat)

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"process peak RSS: {peak_rss:.0f} MiB")
    return 0


def _optional(name: str, fn, repeat: int) -> None:
    """Time a function of a concurrently written module; report instead of failing if its API moved."""
    try:
        seconds, result = best_time(fn, repeat)
    except Exception as exc:
        print(f"{name}: skipped ({type(exc).__name__}: {exc})")
        return
    print(f"{name:40s} {seconds:8.3f}   ({len(result):,} result rows)")


if __name__ == "__main__":
    sys.exit(main())

"""Time ``relkap.report.build`` (one kommune's report as data) at national size, in one run.

    .venv/bin/python benchmarks/bench_build.py [--data DIR --params DIR [--national FILE] | --kommuner N]
                                               [--codes 101 751 ...] [--repeat 5] [--against SRC]

Each report notebook calls :func:`relkap.report.build` once; a national batch calls it once per kommune. For
each kommune (``--codes``, default the first, the middle and the last of the store) the script builds the
report once to warm up, then ``--repeat`` times, and prints the median wall time and the median CPU time of
the process (``time.process_time``: less sensitive than wall time to other work on a shared machine), its
minimum (the least disturbed build) and the load average before and after. On a loaded machine run it
twice: the ratios move with the load (2 cores, load 4-9: 1.2-2.4x between runs of the same code). The benchmark tables of all kommuner (``--national``, the batch's
``national.json``) are read from the file when given, else computed once first (as the batch does, timed
apart): a report gets them from the batch.

``--against SRC`` also times the same builds with the ``relkap`` package of the folder ``SRC`` (e.g. ``git
archive main relkap | tar -x -C /tmp/main``), each version in its own process (the other version first),
and prints the ratio per kommune: before/after in one run.

``--kommuner N`` makes its own store (``relkap synth --kommuner N`` and ``relkap import`` into a temporary
folder, seed 1, as ``bench_batch.py``); else ``--data`` and ``--params`` (default the demo's).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from relkap import benchmark, config, load, report, synth
from relkap.io import import_raw
from relkap.params import kommuner_in_data


def make_data(n: int, root: Path) -> tuple[Path, Path]:
    """A synthetic store of ``n`` kommuner and their parameter files (seed 1)."""
    raw, data, params = root / "raw", root / "processed", root / "params"
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "bench")
    synth.write_demo(raw, n_kommuner=n, seed=1, params_dir=params)
    import_raw(raw, out_dir=data)
    return data, params


def time_builds(data: Path, params: Path, national: str | None, codes: list[int], repeat: int,
                min_n: int = config.MIN_N) -> dict:
    """Median wall and CPU seconds of ``repeat`` builds per kommune (after one warm-up build)."""
    tables = load(data)
    t0 = time.perf_counter()
    nat = None
    if national:
        nat = benchmark.NationalTables.read(national)
    out = {"national_s": None, "kommuner": {}}
    for code in codes:
        run = report.inputs(code, data_dir=data, out_dir=tempfile.gettempdir(), instrument="", params_dir=params,
                            baseline="", followup="", min_n=min_n, language="da")
        if nat is None:  # what the batch computes once and hands to every report
            nat = benchmark.national_tables(tables, run.instrument, min_n, invariance=True)
            out["national_s"] = time.perf_counter() - t0

        def build(run=run, nat=nat):
            return report.build(tables, run.instrument, run.params, min_n=min_n, language="da",
                                source=run.data_dir, national=nat)

        build()
        wall, cpu = [], []
        for _ in range(repeat):
            w, c = time.perf_counter(), time.process_time()
            build()
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        out["kommuner"][str(code)] = {"wall": statistics.median(wall), "cpu": statistics.median(cpu),
                                      "cpu_min": min(cpu)}
    return out


def run_child(src: str, args: argparse.Namespace, data: Path, params: Path, codes: list[int]) -> dict:
    """:func:`time_builds` in a new process importing ``relkap`` from ``src``."""
    cmd = [sys.executable, __file__, "--child", "--data", str(data), "--params", str(params), "--repeat",
           str(args.repeat), "--codes", *map(str, codes)] + (["--national", args.national] if args.national else [])
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, help="make N synthetic kommuner in a temporary folder")
    ap.add_argument("--data", default=str(config.DEMO_DIR / "processed"))
    ap.add_argument("--params", default=str(config.KOMMUNE_PARAMS_DIR))
    ap.add_argument("--national", help="the batch's national tables file (national.json); else computed once")
    ap.add_argument("--codes", type=int, nargs="*", help="kommuner to build (default: first, middle, last)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--against", help="a folder holding another relkap package: time it too, in its own process")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.kommuner:
        data, params = make_data(args.kommuner, Path(tempfile.mkdtemp(prefix="relkap-bench-build-")))
    else:
        data, params = Path(args.data).resolve(), Path(args.params).resolve()
    all_codes = sorted(kommuner_in_data(data))
    codes = args.codes or sorted({all_codes[0], all_codes[len(all_codes) // 2], all_codes[-1]})
    if args.child:
        print(json.dumps(time_builds(data, params, args.national, codes, args.repeat)))
        return
    load_before = os.getloadavg()
    runs = {}
    if args.against:
        runs["against"] = run_child(str(Path(args.against).resolve()), args, data, params, codes)
    here = str(Path(__file__).resolve().parents[1])
    runs["this"] = run_child(here, args, data, params, codes) if args.against else time_builds(
        data, params, args.national, codes, args.repeat)
    load_after = os.getloadavg()
    print(f"report.build on {len(all_codes)} kommuner ({data}), median of {args.repeat} builds per kommune")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    for name, r in runs.items():
        if r["national_s"] is not None:
            print(f"  national tables ({name}): {r['national_s']:.2f} s, once per batch")
    head = f"{'kommune':>8} {'wall s':>8} {'cpu s':>8} {'cpu min':>8}"
    if args.against:
        head += (f" {'against wall':>13} {'against cpu':>12} {'against min':>12} {'ratio wall':>11}"
                 f" {'ratio cpu':>10} {'ratio min':>10}")
    print(head)
    for code in map(str, codes):
        t = runs["this"]["kommuner"][code]
        line = f"{code:>8} {t['wall']:8.3f} {t['cpu']:8.3f} {t['cpu_min']:8.3f}"
        if args.against:
            a = runs["against"]["kommuner"][code]
            line += (f" {a['wall']:13.3f} {a['cpu']:12.3f} {a['cpu_min']:12.3f} {a['wall'] / t['wall']:11.2f}"
                     f" {a['cpu'] / t['cpu']:10.2f} {a['cpu_min'] / t['cpu_min']:10.2f}")
        print(line)


if __name__ == "__main__":
    main()

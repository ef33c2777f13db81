"""What a warm report kernel pays per kommune to read its inputs, with the files kept and without, in one run.

    .venv/bin/python benchmarks/bench_warm_reads.py [--data DIR --params DIR] [--repeat 10]

A warm kernel (``relkap batch``) runs many kommuner's reports in one process. Each report resolves its inputs
and parses the codebook (:func:`relkap.report.inputs`), loads the store (:func:`relkap.load`) and hashes
every input for its provenance (:func:`relkap.report.record.Inputs.provenance`). Unchanged files are read
once per process (:mod:`relkap.filememo`): this script times the three steps for kommuner one after another
in a copy of the store, "kept" as a warm kernel runs them, and "changed" with every file's times renewed
before the kommune (so every file is read again, as in a fresh kernel), interleaved, and prints the minimum
CPU time of each step (``time.process_time``: the least disturbed run on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from relkap import config, load, report
from relkap.filememo import SETTLE_SECONDS
from relkap.params import kommuner_in_data

STEPS = ("inputs", "load", "provenance")


def steps(kommune: int, data: Path, params: Path, out: Path) -> tuple[float, float, float]:
    """CPU seconds of the three steps for one kommune."""
    t0 = time.process_time()
    run = report.inputs(kommune, data_dir=data, out_dir=out, params_dir=params)
    t1 = time.process_time()
    load(run.data_dir)
    t2 = time.process_time()
    run.provenance()
    return t1 - t0, t2 - t1, time.process_time() - t2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(config.DEMO_DIR / "processed"))
    ap.add_argument("--params", default=str(config.KOMMUNE_PARAMS_DIR))
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="relkap-bench-warm-"))
    data = root / "processed"
    shutil.copytree(args.data, data, ignore=shutil.ignore_patterns(".lock", ".import-*"))
    params = Path(args.params).resolve()
    files = sorted(p for p in data.iterdir() if p.is_file())
    codes = sorted(kommuner_in_data(data))
    time.sleep(SETTLE_SECONDS + 0.1)  # the copies settle: a warm kernel's store was written long before
    steps(codes[0], data, params, root / "out")
    runs: dict[str, list] = {"kept": [], "changed": []}
    for i in range(args.repeat):
        code = codes[(i + 1) % len(codes)]
        steps(codes[i % len(codes)], data, params, root / "out")  # the kernel's previous kommune (read, kept)
        runs["kept"].append(steps(code, data, params, root / "out"))
        for f in files:
            os.utime(f)  # new times: every file is read again
        runs["changed"].append(steps(code, data, params, root / "out"))
        time.sleep(SETTLE_SECONDS + 0.1)
    shutil.rmtree(root, ignore_errors=True)
    print(f"{len(codes)} kommuner ({args.data}), minimum of {args.repeat} per step, CPU ms per report")
    for mode, times in runs.items():
        print(f"  {mode:8s} " + "  ".join(f"{s} {1000 * min(t[i] for t in times):6.1f}" for i, s in enumerate(STEPS))
              + f"  total {1000 * min(sum(t) for t in times):6.1f}")


if __name__ == "__main__":
    main()

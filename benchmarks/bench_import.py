"""Import national-scale synthetic data (98 kommuner, about 300 employees per kommune and wave) and print
the wall time and peak memory of `relkap import`.

    .venv/bin/python benchmarks/bench_import.py [--respondents 300] [--keep DIR]

The raw files are written first (not timed); the import runs in a child process so its peak resident memory
(ru_maxrss of the child) is measured on its own. Aim (issue 2): under 15 s and 2 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from relkap import synth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, default=98)
    ap.add_argument("--respondents", type=int, default=300)
    ap.add_argument("--keep", default=None, help="folder to keep the raw and processed data in")
    args = ap.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="relkap-bench-"))
    raw, out = root / "raw", root / "processed"
    t0 = time.perf_counter()
    synth.write_demo(raw, n_kommuner=args.kommuner, seed=1, respondents=args.respondents)
    t_synth = time.perf_counter() - t0
    sizes = {p.name: p.stat().st_size / 2**20 for p in sorted(raw.glob("*.csv"))}
    env = {**os.environ, "RELKAP_PSEUDONYM_KEY": "benchmark"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "relkap.cli", "import", str(raw), "--out", str(out)], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    t_import = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB
    import pandas as pd

    rows = {p.stem: len(pd.read_parquet(p)) for p in sorted(out.glob("*.parquet"))}
    print(f"kommuner: {args.kommuner}, employees per kommune and wave: ~{args.respondents}")
    print("raw files (MiB): " + ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()))
    print("tidy rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"synth (not part of the aim): {t_synth:.1f} s")
    print(f"import: {t_import:.1f} s wall, peak memory {peak:.2f} GiB (aim: < 15 s, < 2 GiB)")


if __name__ == "__main__":
    main()

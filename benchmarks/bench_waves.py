"""A three-wave batch against the two-wave batch of the same demo kommuner, in one run (issue 20: at most 1.3x).

    .venv/bin/python benchmarks/bench_waves.py [--kommuner 10] [--workers N] [--repeat K]

Writes the demo (``relkap synth --seed 1``) twice into a temporary folder, with two waves and with
``--waves 3`` (the midway wave from its own random stream; baseline and follow-up are byte for byte the same),
imports each into its own store (the three-wave one with the codebook the synth writes beside its files),
then times ``relkap batch`` (the kommune reports, no research) on each, ``--repeat`` times in ABBA order (a
load that drifts weighs on both kinds alike), and prints the wall times and the ratio of their sums.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from relkap import batch, synth
from relkap.io import import_raw


def store(root: Path, waves: int, n_kommuner: int) -> tuple[Path, Path]:
    raw, params = root / f"raw{waves}", root / f"params{waves}"
    synth.write_demo(raw, n_kommuner=n_kommuner, seed=1, params_dir=params, waves=waves)
    data = root / f"processed{waves}"
    import_raw(raw, out_dir=data, instrument=raw / "codebook.yaml" if waves == 3 else None)
    return data, params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=1, help="batches of each kind, in ABBA order (default 1)")
    args = ap.parse_args()
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "bench-key")
    root = Path(tempfile.mkdtemp(prefix="relkap-bench-waves-"))
    times = {}
    stores = {waves: store(root, waves, args.kommuner) for waves in (2, 3)}
    times = {2: 0.0, 3: 0.0}
    # ABBA order (2, 3, 3, 2, ...): a load that drifts during the run weighs on both alike
    order = [w for r in range(args.repeat) for w in ((2, 3) if r % 2 == 0 else (3, 2))]
    for i, waves in enumerate(order):
        data, params = stores[waves]
        t0 = time.perf_counter()
        results = batch.run_batch(data_dir=data, params_dir=params, out_root=root / f"reports{waves}-{i}",
                                  workers=args.workers, progress=False)
        took = time.perf_counter() - t0
        times[waves] += took
        failed = [r.kommune for r in results if r.status != "ok"]
        print(f"{waves} waves: {took:.1f} s for {len(results)} reports (load average {os.getloadavg()[0]:.1f})"
              + (f" (failed: {failed})" if failed else ""))
    ratio = times[3] / times[2]
    print(f"{args.kommuner} kommuner, {os.cpu_count()} cores, workers {args.workers}, {args.repeat} run(s) each: "
          f"three waves cost {ratio:.2f}x the two-wave batch ({'within' if ratio <= 1.3 else 'ABOVE'} the 1.3x "
          "allowed)")

if __name__ == "__main__":
    main()

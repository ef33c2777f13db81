"""Benchmark of relkap.privacy.shareable (the disclosure rule) on the demo relations at national scale.

Writes synthetic raw data (``relkap.synth.write_demo``, 98 kommuner by default), imports it, then times,
best of ``--repeat`` rounds, for each ``min_n`` in ``--min-n``:

- ``shareable`` on integer codes (numpy bincounts), over one kommune at a time and over all kommuner in
  one call (every cell holds its kommune, so both keep the same rows),
- the pandas implementation it replaced (groupby/merge, kept as ``_shareable_reference`` in
  ``tests/test_privacy.py``), per kommune and over all kommuner,

and checks that both keep the same rows. Per kommune is what the explorer did for a new ``min_n`` over
every kommune; over all kommuner in one call is what it does now.

Run: ``.venv/bin/python benchmarks/bench_privacy.py [--kommuner 98] [--respondents 300] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from relkap import load, load_instrument, privacy, synth
from relkap.io import import_raw

_TESTS = Path(__file__).resolve().parents[1] / "tests" / "test_privacy.py"


def _reference():
    spec = importlib.util.spec_from_file_location("_test_privacy", _TESTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._shareable_reference


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def main(argv=None) -> int:  # noqa: D103
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, default=98)
    ap.add_argument("--respondents", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--min-n", type=int, nargs="+", default=[5, 10])
    a = ap.parse_args(argv)
    os.environ.setdefault("RELKAP_PSEUDONYM_KEY", "bench-key")  # no key file written
    with tempfile.TemporaryDirectory() as tmp:
        synth.write_demo(Path(tmp, "raw"), a.kommuner, respondents=a.respondents)
        import_raw(Path(tmp, "raw"), out_dir=Path(tmp, "processed"))
        rel = load(Path(tmp, "processed")).relations
    min_items = load_instrument().min_items
    reference = _reference()
    parts = [rel.take(rows).reset_index(drop=True)
             for rows in rel.groupby("kommune", observed=True, sort=True).indices.values()]
    print(f"{a.kommuner} kommuner, {len(rel):,} relation rows; best of {a.repeat}")
    print(f"{'min_n':>5} {'implementation':<16}{'per kommune ms':>15}{'all in one ms':>14}{'rows kept':>11}")
    for min_n in a.min_n:
        new = privacy.shareable(rel, min_n, min_items=min_items)
        old = reference(rel, min_n, min_items=min_items)
        pd.testing.assert_frame_equal(new, old)
        times = {}
        for name, fn in (("numpy", privacy.shareable), ("pandas (before)", reference)):
            each = _best(lambda fn=fn, m=min_n: [fn(p, m, min_items=min_items) for p in parts], a.repeat)
            whole = _best(lambda fn=fn, m=min_n: fn(rel, m, min_items=min_items), a.repeat)
            times[name] = each, whole
            print(f"{min_n:>5} {name:<16}{each:>15.0f}{whole:>14.0f}{len(new):>11,}")
        mask = _best(lambda m=min_n: privacy.shareable_rows(rel, m, min_items=min_items), a.repeat)
        (ne, nw), (oe, ow) = times["numpy"], times["pandas (before)"]
        print(f"{min_n:>5} {'shareable_rows':<16}{'':>15}{mask:>14.0f}")
        print(f"      speed-up: per kommune {oe / ne:.1f}x, all in one {ow / nw:.1f}x; "
              f"pandas per kommune / numpy all in one {oe / nw:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

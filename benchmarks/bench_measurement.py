"""The pooled measurement models of the 98-kommune synthetic data (issue 24: under 30 s on this machine).

    .venv/bin/python benchmarks/bench_measurement.py [--kommuner 98] [--seed 1]

Simulates ``relkap synth --kommuner N --seed S`` in memory (:func:`relkap.synth.example_tables`, the same
tables ``relkap import`` writes), then times :func:`relkap.measurement.measure`: every codebook model
pooled, and its invariance across waves and professional groups (configural, metric, scalar, partial
scalar with score tests), and the RK wave check each kommune report makes
(:func:`relkap.measurement.rk_wave_invariance`). Prints wall and CPU time per part; CPU time is the fairer number on a shared
machine (wall time includes waiting for the other processes).
"""

from __future__ import annotations

import argparse
import time

from relkap import load_instrument
from relkap.measurement import measure, rk_wave_invariance
from relkap.synth import example_tables


def timed(label: str, fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    print(f"{label:<38} wall {time.perf_counter() - w:6.1f} s   cpu {time.process_time() - c:6.1f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kommuner", type=int, default=98)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    inst = load_instrument()
    tables = timed(f"synthetic data ({args.kommuner} kommuner)",
                   lambda: example_tables(args.kommuner, seed=args.seed, respondents=60))
    timed("RK across waves (per kommune report)", lambda: rk_wave_invariance(tables, inst))
    timed("pooled models only", lambda: measure(tables, inst, across=()))
    timed("pooled + invariance across waves", lambda: measure(tables, inst, across=("wave",)))
    m = timed("pooled + waves + groups (default)", lambda: measure(tables, inst))
    print(m.fit[["model", "status", "n", "chisq", "df", "cfi", "rmsea", "srmr"]].round(3).to_string(index=False))
    inv = m.invariance[["model", "across", "step", "n_groups", "cfi", "delta_cfi", "verdict", "freed"]]
    print(inv.round(3).to_string(index=False))


if __name__ == "__main__":
    main()

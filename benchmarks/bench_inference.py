"""Size and power of the kommune-level tests by simulation (issue 23), with replicate counts that tell 6.5 %
from 5 %.

- DiD null (``relkap.change.did``): 10 kommuner, 5 intervention, a small kommune x wave variance so that
  many fits put it at zero; rejection at 5 % of the model p (df bounded by the between-kommune df) and of
  lmerTest's unbounded Satterthwaite df, overall and in the boundary fits.
- Targeted ties (``relkap.targeting.targeted_contrast``): intervention kommuner target their 2 weakest
  baseline ties; rejection of the permutation p without an effect (adjusted and unadjusted for the
  baseline) and with an effect of 0.4 on the targeted ties (power).

The tests (tests/test_inference_sim.py) run the same simulations with fewer replicates and wider bounds.

Run: ``.venv/bin/python benchmarks/bench_inference.py [--did 1000] [--targeting 2000] [--seed 1]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy import stats

from relkap.change import did
from relkap.designsim import did_panel, targeting_ties
from relkap.targeting import targeted_contrast


def did_null(reps: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    p, p_raw, boundary = [], [], []
    for _ in range(reps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            o = did(did_panel(rng), dv="score", n_permutations=0).iloc[0]
        p.append(o["p_val"])
        p_raw.append(2 * stats.t.sf(abs(o["estimate"] / o["se"]), o["df_satterthwaite"]))
        boundary.append(o["method"] == "satterthwaite_between")
    p, p_raw, boundary = np.array(p), np.array(p_raw), np.array(boundary)
    return {"reps": reps, "reject": float((p < 0.05).mean()), "reject_unbounded": float((p_raw < 0.05).mean()),
            "boundary_share": float(boundary.mean()), "reject_in_boundary": float((p[boundary] < 0.05).mean()),
            "reject_unbounded_in_boundary": float((p_raw[boundary] < 0.05).mean())}


def targeting(reps: int, seed: int, effect: float) -> dict:
    rng = np.random.default_rng(seed)
    p, p_unadj, est = [], [], []
    for _ in range(reps):
        ties, arms, targeted = targeting_ties(rng, effect=effect)
        a = targeted_contrast(ties, arms, targeted).iloc[0]
        p.append(a["p_perm"])
        est.append(a["estimate"])
        p_unadj.append(targeted_contrast(ties, arms, targeted, adjust=False)["p_perm"].iloc[0])
    return {"reps": reps, "effect": effect, "mean_estimate": float(np.mean(est)),
            "reject": float((np.array(p) < 0.05).mean()), "reject_unadjusted": float((np.array(p_unadj) < 0.05).mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--did", type=int, default=1000, help="DiD null replicates")
    ap.add_argument("--targeting", type=int, default=2000, help="targeted-ties replicates (null and effect each)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    for name, run in (("targeting null", lambda: targeting(a.targeting, a.seed, 0.0)),
                      ("targeting effect 0.4", lambda: targeting(a.targeting // 4, a.seed + 1, 0.4)),
                      ("did null", lambda: did_null(a.did, a.seed))):
        start = time.perf_counter()
        out = run()
        se = np.sqrt(0.05 * 0.95 / out["reps"])
        print(f"{name}: {out}  (binomial SE at 5 %: {se:.4f}; {time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

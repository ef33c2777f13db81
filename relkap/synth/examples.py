"""Small made-up surveys for docstring examples, tests and the figure gallery.

:func:`example_tables` runs :func:`relkap.synth.simulate` through :func:`relkap.io.tidy_tables` (a few
respondents per kommune, seconds); :func:`example_survey` is one hand-designed kommune (751) that shows every
figure feature (:mod:`relkap.plots.gallery`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instrument import Instrument, load_instrument
from ..io import tidy_tables
from .survey import simulate

__all__ = ["example_tables", "example_survey"]


def example_tables(n_kommuner: int = 2, seed: int = 1, respondents: int = 10, key: bytes = b"k"):
    """Small synthetic tidy tables for docstring examples and tests: :func:`simulate` through
    :func:`relkap.io.tidy_tables` (codebook ``params/instrument.yaml``, pseudonym ``key``).

    Examples
    --------
    >>> t = example_tables(1)
    >>> t.relations["kommune"].nunique(), sorted(t.relations["wave"].unique())
    (1, ['baseline', 'followup'])
    """
    d = simulate(n_kommuner=n_kommuner, seed=seed, respondents=respondents)
    return tidy_tables(d.employees, d.citizens, d.structures, instrument=load_instrument(), key=key)


def example_survey(seed: int = 7, instrument: Instrument | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw employee and citizen answers of a made-up kommune (751), designed to show every figure feature.

    Tie means come from a rater effect + target effect + noise; follow-up adds a small general
    improvement and a large one on the myndighed-udfører ties (significant changes); sundhedspleje has
    four respondents at baseline (suppressed ties); some respondents answer "ved ikke" (9) about a group.

    Returns
    -------
    employees, citizens : DataFrame
        Wide tables in the raw contract format (``docs/contract.md``), for :func:`relkap.io.tidy_tables`.
    """
    inst = load_instrument(instrument)
    rng = np.random.default_rng(seed)
    lo, hi = inst.scale.min, inst.scale.max
    groups = ["myndighed", "udfoerer", "skole", "dagtilbud", "ppr", "sundhedspleje", "ledere"]
    sizes = {"baseline": [24, 17, 31, 22, 8, 4, 9], "followup": [26, 19, 27, 20, 9, 6, 10]}
    rater = rng.normal(0, 0.2, len(groups))
    target = [-0.35, -0.1, 0.0, 0.25, 0.15, 0.3, -0.2]
    focus = {("myndighed", "udfoerer"), ("udfoerer", "myndighed"), ("skole", "ppr"), ("myndighed", "skole")}
    dims = np.array([3.9, 4.1, 3.8, 3.4, 3.5, 3.2])[: len(inst.relational_codes)]
    dims = dims - dims.mean()
    scale_means = {"vision": (3.3, 0.35), "deltagelse": (3.1, 0.25), "ramme": (3.4, 0.3), "involvering": (3.0, 0.4),
                   "motivation": (3.9, 0.05), "samskabelse": (3.5, 0.2), "tilfredshed": (3.8, 0.1),
                   "effekt": (3.4, 0.15)}

    def answers(latent: float, noise: float, size: int) -> np.ndarray:
        return np.clip(np.rint(latent + rng.normal(0, noise, size)), lo, hi)

    def scale_answers(kind: str, wave: str) -> dict:
        out = {}
        for s in inst.scales_for(kind):
            m, lift = scale_means.get(s.code, (3.5, 0.0))
            raw = answers(m + (lift if wave == "followup" else 0.0) + rng.normal(0, 0.75), 0.5, len(s.items))
            out |= {i: (lo + hi - v if i in s.reverse else v) for i, v in zip(s.items, raw, strict=True)}
        return out

    employees, citizens = [], []
    for wave in ("baseline", "followup"):
        for gi, g in enumerate(groups):
            for k in range(sizes[wave][gi]):
                row = {"kommune": 751, "wave": wave, "respondent_id": f"{wave[0]}{gi}{k:03d}", "group": g}
                for ti, t in enumerate(groups):
                    lift = 0.0 if wave == "baseline" else 0.12 + (0.55 if (g, t) in focus else 0.0)
                    latent = 3.7 + rater[gi] + target[ti] + (0.3 if g == t else 0.0) + lift + rng.normal(0, 0.6)
                    raw = answers(latent + dims, 0.5, len(dims))
                    if g != t and rng.uniform() > 0.85:  # does not know the group well enough to answer
                        raw[:] = inst.missing_codes[0]
                    row |= {f"{item}__{t}": v for item, v in zip(inst.relational_codes, raw, strict=True)}
                employees.append(row | scale_answers("employee", wave))
        for k in range(64 if wave == "baseline" else 71):
            citizens.append({"kommune": 751, "wave": wave, "respondent_id": f"c{wave[0]}{k:03d}"}
                            | scale_answers("citizen", wave))

    def frame(rows: list[dict], ids: int) -> pd.DataFrame:
        df = pd.DataFrame(rows)
        return df.astype({c: "Int64" for c in df.columns[ids:]})

    return frame(employees, 4), frame(citizens, 3)

"""Synthetic RK surveys of real Danish kommuner, with known built-in effects (the demo data and test bed).

:func:`simulate` returns the raw wide tables of ``docs/contract.md`` (employees, citizens, structures) plus
the per-kommune parameters and the population truth; :func:`write_demo` writes them as Danish Excel CSV files
(``;``, cp1252) and, on request, ``params/kommuner/<code>.yaml``. The same seed gives the same data, and a
kommune's data do not depend on how many other kommuner are simulated (each has its own random stream), except
through its arm, which is balanced across the kommuner simulated.

Design
------
- Kommuner: the first ten are :data:`DEMO_KOMMUNER` (Hedensted, Haderslev, Randers, Rødovre, Stevns, ...), then
  the other kommuner of :data:`relkap.kommuner.KOMMUNER` by code (98 = all). Arms are a seeded balanced split
  (``ceil(n / 2)`` intervention; 5/5 for ten).
- 5-8 groups per kommune (``myndighed`` always, the rest drawn from the codebook), unequal sizes around
  :data:`DEFAULT_EMPLOYEES` employees per kommune and wave in total (schools, day care and case managers are
  large; psychiatry, managers and health small, often fewer than 5 and so suppressed at ``min_n = 5``).
  Follow-up group sizes are drawn anew; about :data:`REPEAT_SHARE` of a group's baseline respondents (at most
  the follow-up size) answer again with the same ``respondent_id`` and keep their person effects.
- Every respondent rates every group present in the kommune, their own included (the diagonal); the column
  ``<item>__<group>`` is blank where the group is not in the kommune. :data:`DONT_KNOW_SHARE` of the answered
  relational cells are "ved ikke" (the instrument's first missing code, 9), :data:`SCALE_DONT_KNOW_SHARE` of
  the scale items. Reverse-keyed items (``motivation_4``) and custom maps are written as raw answers, so that
  keying them gives back the simulated score (raw = 6 - keyed for a reverse item).

Built-in effects (all on the latent 1-5 scale, before discretisation)
--------------------------------------------------------------------
- Intervention: in intervention kommuner, 2-3 ``targeted_ties`` (rater group, target group; chosen among
  the weaker off-diagonal ties whose rater group has at least 5 respondents in both waves) rise by
  :data:`INTERVENTION_EFFECT` = +0.5 at follow-up on all six dimensions.
- Time trend: every tie in every kommune rises by :data:`TIME_TREND` = +0.05 at follow-up. Nothing else
  changes between the waves (leadership, structures and group effects are stable), so in control kommuner
  the expected change of every tie is the trend, and the difference-in-differences of a targeted tie is +0.5.
- Midway wave (``waves=3``, ``relkap synth --waves 3``): a third measurement between baseline and
  follow-up (code ``midtvejs``, "Midtvejsmåling"), drawn from a random stream of its own (``[seed, kommune,
  20]``), so baseline and follow-up are byte for byte those of a two-wave run. Its trajectory: every effect
  at :data:`MIDWAY_SHARE` = 0.5 of its follow-up size, so a targeted tie rises 0 -> +0.275 -> +0.55 (the
  intervention effect grows) and every other tie 0 -> +0.025 -> +0.05. Group sizes are drawn around the
  same expected sizes; about :data:`REPEAT_SHARE` of a group's baseline respondents answer again (same id,
  same person effects), independently of who answers at follow-up, so some answer in all three waves.
- Leadership (H2, RQ3): a respondent's latent leadership score (1-5 scale) is a group-shared part plus a
  personal part; the RK of every tie the respondent rates rises by :data:`LEADERSHIP_SLOPE` = 0.4 per point of
  leadership, and motivation by :data:`MOTIVATION_SLOPE` = 0.3 per point. The four leadership scales measure
  the same latent leadership score (plus scale and item noise).
- Structures (H1, H3): each kommune has a latent formalisation score S (mean 3, SD 0.8), coded by two
  researchers (:data:`CODERS`) in each wave with coder noise; RK rises by :data:`STRUCTURE_SLOPE` = 0.1 and
  the kommune's mean leadership by :data:`STRUCTURE_LEADERSHIP_SLOPE` = 0.15 per point of S (so RK rises by
  0.1 + 0.4 * 0.15 = 0.16 per point of S in all, directly and through leadership).
- Co-creation (RQ2): a kommune's mean citizen co-creation in a wave rises by :data:`COCREATION_SLOPE` = 0.6 per
  point of the kommune's population cross-group RK (unweighted mean of its latent off-diagonal tie means).
- Citizen outcomes (RQ1): per point of a citizen's latent co-creation, satisfaction rises by
  :data:`SATISFACTION_SLOPE` = 0.5 and perceived effect by :data:`EFFECT_SLOPE` = 0.4.
- Clustering: kommune, rater-group, target-group and tie effects and the group-shared leadership make the
  ICC(1) of the respondent-level cross-group RK by (kommune, group) about 0.1 (:data:`TARGET_ICC1`).

Measurement model (issue 24; :mod:`relkap.measurement` recovers it): on the latent 1-5 scale every item
loads 1 on its factor. An RK dimension answer is the tie mean plus the person's effects (shared by all six
dimensions) plus item noise (:data:`SD_ITEM`), so the respondent's six dimension means over the groups they
rate are tau-equivalent indicators of one RK factor; a leadership item is its subscale's level plus item noise
(:data:`SD_SCALE_ITEM`), the four subscales share the respondent's leadership (correlated factors); the four
motivation items measure the respondent's motivation. Rounding and clipping to 1-5 keep the unstandardised
loadings (relative to the first item) near 1, a little lower for items whose mean lies near 5.
Built-in scalar non-invariance: in :data:`ITEM_SHIFT_SHARE` of the kommuner (at least one; drawn from their own
random stream ``[seed, 24]``, so no other answer changes), the follow-up wording of :data:`ITEM_SHIFT_ITEM`
(``motivation_2``) was changed: each valid follow-up answer is one point higher with probability
:data:`ITEM_SHIFT_PROBABILITY` (never above the scale maximum), an item-specific shift of about +0.5 that
the construct does not share. :func:`item_shift_kommuner` names those kommuner.

Invited counts (not an effect, the response rates of the demo): per group and wave, the number of employees
invited is ``ceil(n / rate)`` with a response rate drawn from its own random stream (``[seed, 13, kommune]``),
so adding them changed no answer. Rates are uniform on :data:`RESPONSE_RATE` (55-90 %), except that a group
is low (uniform on :data:`LOW_RESPONSE_RATE`, 35-55 %) with probability :data:`LOW_RESPONSE_SHARE`; the
parameter files carry them as ``invited``.

Discretisation: a respondent's answer is ``clip(round(latent), 1, 5)``, where the latent answer is normal
around the tie mean with SD about 0.84 (person, leadership, respondent x target and item noise). Rounding alone
is nearly unbiased, but clipping at 5 (and 1) pulls answers towards the middle, so a latent effect shows up a
little smaller in the answers: +0.5 on a dimension whose latent tie mean is 3.0 gives +0.49 in the expected
answer, at 3.5 +0.47, at 4.0 +0.41, at 4.5 +0.31. Targeted ties are among the weaker ties, so the intervention
raises their expected raw means by about +0.48 (plus the trend, about +0.045), and the raw
difference-in-differences is about +0.48. ``SynthData.truth`` gives, per kommune, wave and tie, both the latent
mean and the expected mean of the keyed answers under this normal model (discretised exactly), so a test can
compare estimates with either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .. import config
from ..errors import RelkapError
from ..files import atomic_write, write_text
from ..instrument import Instrument, Waves, load_instrument
from ..io.codebook import codebook_text
from ..kommuner import KOMMUNER
from ..params import KommuneParams, dump_kommune_params
from .frames import assemble, assemble_employees, assemble_structures, raw_tables
from .interviews import write_demo_interviews

__all__ = [
    "SynthData",
    "SynthError",
    "simulate",
    "expected_answer",
    "write_demo",
    "demo_kommuner",
    "DEMO_KOMMUNER",
    "INTERVENTION_EFFECT",
    "TIME_TREND",
    "LEADERSHIP_SLOPE",
    "MOTIVATION_SLOPE",
    "STRUCTURE_SLOPE",
    "STRUCTURE_LEADERSHIP_SLOPE",
    "COCREATION_SLOPE",
    "SATISFACTION_SLOPE",
    "EFFECT_SLOPE",
    "TARGET_ICC1",
    "MIDWAY_SHARE",
    "MIDWAY_WAVE",
    "with_waves",
    "REPEAT_SHARE",
    "DONT_KNOW_SHARE",
    "SCALE_DONT_KNOW_SHARE",
    "DEFAULT_EMPLOYEES",
    "CITIZENS",
    "CODERS",
    "RESPONSE_RATE",
    "LOW_RESPONSE_RATE",
    "LOW_RESPONSE_SHARE",
    "ITEM_SHIFT_ITEM",
    "ITEM_SHIFT_SHARE",
    "ITEM_SHIFT_PROBABILITY",
    "item_shift_kommuner",
]

# -- the documented effects (latent 1-5 scale) -------------------------------------------------------------
INTERVENTION_EFFECT = 0.5  # targeted ties, intervention kommuner, follow-up, all dimensions
TIME_TREND = 0.05  # every tie, every kommune, follow-up
LEADERSHIP_SLOPE = 0.4  # RK per point of the respondent's latent leadership
MOTIVATION_SLOPE = 0.3  # motivation per point of the respondent's latent leadership
STRUCTURE_SLOPE = 0.1  # RK per point of the kommune's formalisation (H1)
STRUCTURE_LEADERSHIP_SLOPE = 0.15  # kommune mean leadership per point of formalisation (H3)
COCREATION_SLOPE = 0.6  # kommune mean co-creation per point of the kommune's cross-group RK (RQ2)
SATISFACTION_SLOPE = 0.5  # satisfaction per point of the citizen's co-creation (RQ1)
EFFECT_SLOPE = 0.4  # perceived effect per point of the citizen's co-creation (RQ1)
ITEM_SHIFT_ITEM = "motivation_2"  # scalar non-invariance: this item reads higher at follow-up ...
ITEM_SHIFT_SHARE = 0.3  # ... in this share of the kommuner (at least one) ...
ITEM_SHIFT_PROBABILITY = 0.6  # ... where each valid answer is one point higher with this probability
TARGET_ICC1 = (0.05, 0.15)  # ICC(1) of respondent-level cross-group RK by (kommune, group)
MIDWAY_SHARE = 0.5  # a midway wave (``waves=3``) lies halfway: trend and intervention effect at half size
CODEBOOK_NAME = "codebook.yaml"  # the three-wave demo's codebook, beside its raw files
MIDWAY_WAVE = {"code": "midtvejs", "da": "Midtvejsmåling", "en": "Midway"}  # inserted into a two-wave codebook

# -- design ------------------------------------------------------------------------------------------------
DEMO_KOMMUNER: tuple[int, ...] = (766, 510, 730, 175, 336, 751, 615, 461, 157, 787)
REPEAT_SHARE = 0.4  # share of a group's baseline respondents who answer again at follow-up
DONT_KNOW_SHARE = 0.05  # "ved ikke" among answered relational cells
SCALE_DONT_KNOW_SHARE = 0.02  # "ved ikke" among scale items (employees and citizens)
DEFAULT_EMPLOYEES = 60  # mean employees per kommune and wave
CITIZENS = 40  # mean citizens per kommune and wave
CODERS: tuple[str, ...] = ("koder_1", "koder_2")
MIN_GROUPS, MAX_GROUPS = 5, 8
RESPONSE_RATE = (0.55, 0.90)  # usual response rate of a group (uniform)
LOW_RESPONSE_RATE = (0.35, 0.55)  # a low-response group (uniform)
LOW_RESPONSE_SHARE = 0.12  # share of groups (per wave) with a low response rate

# -- levels and variance components (latent 1-5 scale) -----------------------------------------------------
RK_MEAN = 3.55
DIAGONAL_BONUS = 0.35  # own group rated higher
SD_KOMMUNE = 0.08
SD_RATER_GROUP = 0.08
SD_TARGET_GROUP = 0.12
SD_TIE = 0.15
SD_PERSON = 0.55  # respondent effect, same for all targets (kept by repeat respondents)
SD_PERSON_TARGET = 0.25  # respondent x target, drawn anew each wave
SD_ITEM = 0.55  # item noise
LEADERSHIP_MEAN = 3.4
SD_LEADERSHIP_GROUP = 0.2
SD_LEADERSHIP_PERSON = 0.5
SD_LEADERSHIP_SCALE = 0.25
SD_SCALE_ITEM = 0.5
MOTIVATION_MEAN = 3.9
SD_MOTIVATION_PERSON = 0.45
STRUCTURE_MEAN = 3.0
SD_STRUCTURE = 0.8
SD_CODER = 0.45
COCREATION_MEAN = 3.4
SD_COCREATION_KOMMUNE = 0.1
SD_COCREATION_CITIZEN = 0.6
SATISFACTION_MEAN = 3.7
SD_SATISFACTION = 0.5
EFFECT_MEAN = 3.3
SD_EFFECT = 0.55
SD_CITIZEN_ITEM = 0.45
SD_SIZE_KOMMUNE = 0.25  # log-SD of a kommune's number of employees around the mean
SD_SIZE_GROUP = 0.3  # log-SD of a group's share around its typical weight

# typical relative group sizes (a codebook group not listed gets weight 1)
GROUP_WEIGHTS = {
    "myndighed": 1.6, "udfoerer": 1.2, "skole": 1.8, "dagtilbud": 1.5, "ppr": 0.6, "sundhedspleje": 0.6,
    "jobcenter": 0.8, "psykiatri": 0.35, "sundhed": 0.5, "ledere": 0.45,
}
# how well a group is typically experienced as a collaborator (target-group offset)
TARGET_OFFSETS = {
    "myndighed": -0.1, "udfoerer": 0.05, "skole": 0.0, "dagtilbud": 0.1, "ppr": -0.05, "sundhedspleje": 0.15,
    "jobcenter": -0.25, "psykiatri": -0.3, "sundhed": 0.05, "ledere": -0.05,
}
DIMENSION_OFFSETS = {
    "kendskab": 0.1, "respekt": 0.25, "bidrag": 0.05, "videndeling": -0.05, "problemloesning": -0.1,
    "innovation": -0.25,
}
LEADERSHIP_SCALES = {"vision": 0.1, "deltagelse": -0.1, "ramme": 0.05, "involvering": -0.05}
STRUCTURE_OFFSETS = {"organisering": 0.2, "strukturer": 0.0, "processer": -0.1, "strategier": 0.1}

FOCAL_PROCESSES = (
    "Tidlig opsporing af børn i mistrivsel",
    "Håndtering af underretninger om udsatte børn og unge",
    "Overgangen fra dagtilbud til skole for børn med særlige behov",
    "Samarbejdet om børnefaglige undersøgelser",
    "Forebyggende indsatser for familier med komplekse problemer",
    "Unge i overgangen fra skole til uddannelse og job",
    "Bekymrende skolefravær i udskolingen",
    "Sammenhængende indsats for børn og unge med psykisk sårbarhed",
    "Opfølgning på handleplaner for anbragte børn",
    "Tværfaglig sparring om bekymringer for de 0-6-årige",
    "Familier med både beskæftigelses- og børnesager",
    "Inklusion af børn med særlige behov i almenområdet",
)


class SynthError(RelkapError, ValueError):
    """A simulation request that cannot be met (e.g. more kommuner than Denmark has)."""


@dataclass
class SynthData:
    """Raw wide tables (``docs/contract.md``), kommune parameters and the population truth.

    ``truth`` has one row per kommune, wave and directed tie (group = rater group, target): ``latent`` (the
    latent tie mean over the relational items), ``expected`` (the expected mean of the keyed answers after
    discretisation), ``effect`` (trend + intervention applied at follow-up), ``targeted``, ``diagonal``,
    ``arm``. ``kommune_truth`` has one row per kommune and wave: ``structure`` (latent formalisation),
    ``leadership`` (mean of the groups' latent leadership), ``rk`` (latent cross-group RK, unweighted over
    ties), ``cocreation`` (latent mean co-creation) and the numbers of employees and citizens. ``effects``
    holds the documented effect sizes by name.
    """

    employees: pd.DataFrame
    citizens: pd.DataFrame
    structures: pd.DataFrame
    params: list[KommuneParams]
    truth: pd.DataFrame
    kommune_truth: pd.DataFrame
    effects: dict[str, float] = field(default_factory=dict)
    instrument: Instrument | None = None  # the codebook the data follow (with the midway wave, if simulated)


def demo_kommuner(n_kommuner: int = 10) -> list[int]:
    """Codes of the first ``n_kommuner`` demo kommuner: :data:`DEMO_KOMMUNER`, then the others by code."""
    if isinstance(n_kommuner, bool) or not isinstance(n_kommuner, int | np.integer):
        raise SynthError(f"n_kommuner must be a whole number, got {n_kommuner!r}")
    if not 1 <= n_kommuner <= len(KOMMUNER):
        raise SynthError(f"n_kommuner must be between 1 and {len(KOMMUNER)} (Denmark has 98 kommuner), got {n_kommuner}")
    order = list(DEMO_KOMMUNER) + [c for c in sorted(KOMMUNER) if c not in DEMO_KOMMUNER]
    return order[: int(n_kommuner)]


def _effects() -> dict[str, float]:
    names = ("INTERVENTION_EFFECT", "TIME_TREND", "LEADERSHIP_SLOPE", "MOTIVATION_SLOPE", "STRUCTURE_SLOPE",
             "STRUCTURE_LEADERSHIP_SLOPE", "COCREATION_SLOPE", "SATISFACTION_SLOPE", "EFFECT_SLOPE")
    return {n.lower(): float(globals()[n]) for n in names}


def _discretise(latent: np.ndarray, inst: Instrument) -> np.ndarray:
    """Latent 1-5 values to integer answers on the instrument's scale (rescaled, rounded, clipped)."""
    lo, hi = inst.scale.min, inst.scale.max
    x = lo + (latent - 1.0) * (hi - lo) / 4.0
    return np.clip(np.rint(x), lo, hi)


def expected_answer(mean: np.ndarray, sd: float, inst: Instrument) -> np.ndarray:
    """E[clip(round(X))] for X ~ N(mean, sd) on the latent 1-5 scale, in the instrument's units."""
    lo, hi = inst.scale.min, inst.scale.max
    step = (hi - lo) / 4.0
    x = lo + (np.asarray(mean, dtype="float64") - 1.0) * step
    out = np.full_like(x, float(lo))
    for j in range(lo, hi):
        out += 1.0 - ndtr((j + 0.5 - x) / (sd * step))
    return out


def _to_raw(keyed: np.ndarray, table: np.ndarray, lo: int) -> np.ndarray:
    return table[(keyed - lo).astype(np.intp)]


class _KommuneSim:
    """One kommune's draws (own random stream: the data do not depend on the other kommuner)."""

    def __init__(self, code: int, arm: str, seed: int, inst: Instrument, raw_tables: dict[str, np.ndarray],
                 n_mean: float):
        self.code = code
        self.arm = arm
        self.inst = inst
        self.raw_tables = raw_tables
        rng = np.random.default_rng([seed, code])
        codes = inst.group_codes
        n_all = len(codes)

        # groups present: myndighed (when the codebook has it) plus a random draw of the rest
        n_groups = int(min(n_all, rng.integers(MIN_GROUPS, MAX_GROUPS + 1)))
        core = [i for i, c in enumerate(codes) if c == "myndighed"]
        rest = [i for i in range(n_all) if i not in core]
        drawn = rng.choice(rest, size=n_groups - len(core), replace=False).tolist()
        self.present = np.array(sorted(core + drawn))
        present_mask = np.zeros(n_all, dtype=bool)
        present_mask[self.present] = True
        self.present_mask = present_mask

        # kommune-level latents
        self.structure = float(np.clip(STRUCTURE_MEAN + SD_STRUCTURE * rng.standard_normal(), 1.2, 4.8))
        u = SD_KOMMUNE * rng.standard_normal() + STRUCTURE_SLOPE * (self.structure - STRUCTURE_MEAN)
        v = SD_RATER_GROUP * rng.standard_normal(n_all)
        t = np.array([TARGET_OFFSETS.get(c, 0.0) for c in codes]) + SD_TARGET_GROUP * rng.standard_normal(n_all)
        p = SD_TIE * rng.standard_normal((n_all, n_all))
        self.lead_group = (LEADERSHIP_MEAN + STRUCTURE_LEADERSHIP_SLOPE * (self.structure - STRUCTURE_MEAN)
                           + SD_LEADERSHIP_GROUP * rng.standard_normal(n_all))
        # tie means at baseline without the dimension offsets: rater x target
        self.tie0 = (RK_MEAN + u + v[:, None] + t[None, :] + p + DIAGONAL_BONUS * np.eye(n_all)
                     + LEADERSHIP_SLOPE * (self.lead_group - LEADERSHIP_MEAN)[:, None])

        # group sizes per wave
        total = n_mean * np.exp(SD_SIZE_KOMMUNE * rng.standard_normal() - SD_SIZE_KOMMUNE**2 / 2)
        w = np.array([GROUP_WEIGHTS.get(codes[i], 1.0) for i in self.present])
        w = w * np.exp(SD_SIZE_GROUP * rng.standard_normal(len(w)))
        expected = total * w / w.sum()
        self.sizes = np.maximum(2, rng.poisson(expected, size=(2, len(w))))  # wave x present group
        self.expected = expected

        # targeted ties: own stream, so the arm does not change the kommune's other draws
        self.targeted = np.zeros((n_all, n_all), dtype=bool)
        if arm == "intervention":
            self._draw_targets(np.random.default_rng([seed, code, 1]))

        self.rng = rng

    def invited(self, seed: int, groups: Sequence[str], waves: Sequence[str]) -> dict[str, dict[str, int]]:
        """Employees invited per wave and present group: ``ceil(n / rate)``, rates from a stream of their own."""
        rng = np.random.default_rng([seed, 13, self.code])
        shape = self.sizes.shape
        rate = rng.uniform(*RESPONSE_RATE, size=shape)
        low = rng.random(shape) < LOW_RESPONSE_SHARE
        rate[low] = rng.uniform(*LOW_RESPONSE_RATE, size=int(low.sum()))
        n_invited = np.ceil(self.sizes / rate).astype(int)
        return {str(w): {groups[g]: int(n_invited[i, j]) for j, g in enumerate(self.present)}
                for i, w in enumerate(waves)}

    def _draw_targets(self, rng: np.random.Generator) -> None:
        big = self.present[(self.sizes >= 5).all(axis=0)]
        if len(big) == 0:
            big = self.present[[int(np.argmax(self.sizes.min(axis=0)))]]
        pairs = [(a, b) for a in big for b in self.present if a != b]
        pairs.sort(key=lambda ab: self.tie0[ab])
        n_t = int(min(len(pairs), rng.integers(2, 4)))
        pool = pairs[: max(n_t, len(pairs) // 2)]
        for k in rng.choice(len(pool), size=n_t, replace=False):
            self.targeted[pool[k]] = True

    def tie_means(self, wave: int) -> np.ndarray:
        """Latent tie means (rater x target) in a wave, without the dimension offsets."""
        return self.tie0 + wave * (TIME_TREND + INTERVENTION_EFFECT * self.targeted)

    def employees(self, dim_off: np.ndarray) -> dict[str, np.ndarray]:
        rng = self.rng
        # baseline persons, then follow-up: repeats from the same group's baseline respondents plus new ones
        groups_b = np.repeat(self.present, self.sizes[0])
        n_b = len(groups_b)
        person_b = np.arange(n_b)
        person_f, groups_f = [], []
        next_person = n_b
        for j, g in enumerate(self.present):
            n_f = int(self.sizes[1, j])
            pool = person_b[groups_b == g]
            n_rep = int(rng.binomial(min(len(pool), n_f), REPEAT_SHARE))
            person_f.append(rng.choice(pool, size=n_rep, replace=False))
            person_f.append(np.arange(next_person, next_person + n_f - n_rep))
            next_person += n_f - n_rep
            groups_f.append(np.full(n_f, g))
        person = np.concatenate([person_b, *person_f]).astype(np.intp)
        group = np.concatenate([groups_b, *groups_f]).astype(np.intp)
        wave = np.r_[np.zeros(n_b, dtype=np.intp), np.ones(len(person) - n_b, dtype=np.intp)]
        n_persons = next_person

        e_person = SD_PERSON * rng.standard_normal(n_persons)
        l_person = SD_LEADERSHIP_PERSON * rng.standard_normal(n_persons)
        m_person = SD_MOTIVATION_PERSON * rng.standard_normal(n_persons)
        ids = rng.permutation(n_persons) + 1 + int(rng.integers(0, 500))
        # kept for a midway wave (its own stream): the baseline persons, their effects and ids
        self.people = {"person_b": person_b, "groups_b": groups_b, "e": e_person, "l": l_person, "m": m_person,
                       "ids": ids}

        means = np.stack([self.tie_means(0), self.tie_means(1)])  # wave x rater x target
        rel, scales = self._answers(rng, means[wave, group, :], group, person, e_person, l_person, m_person, dim_off)
        return {"wave": wave, "group": group, "id": ids[person], "rel": rel, "scales": scales}

    def _answers(self, rng: np.random.Generator, means: np.ndarray, group: np.ndarray, person: np.ndarray,
                 e_person: np.ndarray, l_person: np.ndarray, m_person: np.ndarray, dim_off: np.ndarray
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Relational and employee-scale answers of respondent rows whose latent tie means are ``means``."""
        inst = self.inst
        n_all, n_rows = len(inst.group_codes), len(person)
        lead = self.lead_group[group] + l_person[person]
        base = (means + LEADERSHIP_SLOPE * l_person[person][:, None]
                + e_person[person][:, None] + SD_PERSON_TARGET * rng.standard_normal((n_rows, n_all)))
        n_dims = len(dim_off)
        latent = base[:, None, :] + dim_off[None, :, None] + SD_ITEM * rng.standard_normal((n_rows, n_dims, n_all))
        keyed = _discretise(latent, inst)
        lo = inst.scale.min
        raw = np.empty_like(keyed)
        for d, item in enumerate(inst.relational_codes):
            raw[:, d, :] = _to_raw(keyed[:, d, :], self.raw_tables[item], lo)
        raw[rng.random(raw.shape) < DONT_KNOW_SHARE] = inst.missing_codes[0]
        raw[:, :, ~self.present_mask] = np.nan
        rel = raw.reshape(n_rows, n_dims * n_all)  # item-major: item 0 x all targets, item 1 x ...

        scales: dict[str, np.ndarray] = {}
        for s in inst.scales_for("employee"):
            if s.code in LEADERSHIP_SCALES:
                level = lead + LEADERSHIP_SCALES[s.code] + SD_LEADERSHIP_SCALE * rng.standard_normal(n_rows)
            else:  # motivation (and any other employee scale): driven by leadership
                level = (MOTIVATION_MEAN + MOTIVATION_SLOPE * (lead - LEADERSHIP_MEAN) + m_person[person])
            for item in s.items:
                scales[item] = self._item_answers(item, level, rng)
        return rel, scales

    def midway(self, seed: int, dim_off: np.ndarray) -> tuple[dict, dict, dict, dict[str, int]]:
        """The midway wave (index 2; module docstring) from its own stream: employees, citizens, structures, invited."""
        rng = np.random.default_rng([seed, self.code, 20])
        inst, ppl = self.inst, self.people
        sizes = np.maximum(2, rng.poisson(self.expected))
        persons, groups, next_id, n_known = [], [], int(ppl["ids"].max()) + 1, len(ppl["e"])
        for j, g in enumerate(self.present):
            pool = ppl["person_b"][ppl["groups_b"] == g]
            n_rep = int(rng.binomial(min(len(pool), int(sizes[j])), REPEAT_SHARE))
            persons.append(rng.choice(pool, size=n_rep, replace=False))
            persons.append(np.arange(n_known, n_known + int(sizes[j]) - n_rep))
            n_known += int(sizes[j]) - n_rep
            groups.append(np.full(int(sizes[j]), g))
        person = np.concatenate(persons).astype(np.intp)
        group = np.concatenate(groups).astype(np.intp)
        n_new = n_known - len(ppl["e"])
        e = np.r_[ppl["e"], SD_PERSON * rng.standard_normal(n_new)]
        lp = np.r_[ppl["l"], SD_LEADERSHIP_PERSON * rng.standard_normal(n_new)]
        m = np.r_[ppl["m"], SD_MOTIVATION_PERSON * rng.standard_normal(n_new)]
        ids = np.r_[ppl["ids"], next_id + rng.permutation(n_new)]
        rel, scales = self._answers(rng, self.tie_means(MIDWAY_SHARE)[group, :], group, person, e, lp, m, dim_off)
        emp = {"wave": np.full(len(person), 2, dtype=np.intp), "group": group, "id": ids[person], "rel": rel,
               "scales": scales}

        n_cit = max(5, int(rng.poisson(CITIZENS)))
        cocreation = COCREATION_MEAN + self.cocreation_shift + COCREATION_SLOPE * (self.rk(MIDWAY_SHARE, dim_off) - RK_MEAN)
        cit = self._citizen_items(rng, np.full(n_cit, cocreation))
        cit.update({"wave": np.full(n_cit, 2, dtype=np.intp), "id": rng.permutation(n_cit) + 1,
                    "cocreation": cocreation})
        struc = self._structure_items(rng, np.full(len(CODERS), 2, dtype=np.intp))

        rate = rng.uniform(*RESPONSE_RATE, size=len(sizes))
        low = rng.random(len(sizes)) < LOW_RESPONSE_SHARE
        rate[low] = rng.uniform(*LOW_RESPONSE_RATE, size=int(low.sum()))
        invited = {inst.group_codes[g]: int(np.ceil(n / r)) for g, n, r in zip(self.present, sizes, rate, strict=True)}
        return emp, cit, struc, invited

    def _item_answers(self, item: str, level: np.ndarray, rng: np.random.Generator,
                      sd: float = SD_SCALE_ITEM, dont_know: float = SCALE_DONT_KNOW_SHARE) -> np.ndarray:
        inst = self.inst
        keyed = _discretise(level + sd * rng.standard_normal(len(level)), inst)
        raw = _to_raw(keyed, self.raw_tables[item], inst.scale.min)
        if dont_know:
            raw[rng.random(len(raw)) < dont_know] = inst.missing_codes[0]
        return raw

    def rk(self, wave: int, dim_off: np.ndarray) -> float:
        """Latent cross-group RK: unweighted mean of the off-diagonal tie means among the present groups."""
        m = self.tie_means(wave)[np.ix_(self.present, self.present)]
        off = ~np.eye(len(self.present), dtype=bool)
        return float(m[off].mean() + dim_off.mean())

    def citizens(self, dim_off: np.ndarray) -> dict[str, np.ndarray]:
        rng = self.rng
        shift = SD_COCREATION_KOMMUNE * rng.standard_normal()
        self.cocreation_shift = shift
        n = np.maximum(5, rng.poisson(CITIZENS, size=2))
        wave = np.repeat([0, 1], n)
        cocreation_mean = np.array([COCREATION_MEAN + shift + COCREATION_SLOPE * (self.rk(w, dim_off) - RK_MEAN)
                                    for w in (0, 1)])
        out = self._citizen_items(rng, cocreation_mean[wave])
        ids = rng.permutation(len(wave)) + 1
        return {"wave": wave, "id": ids, "items": out["items"], "cocreation": cocreation_mean}

    def _citizen_items(self, rng: np.random.Generator, mean: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """Citizen-scale answers of citizens whose kommune's mean co-creation is ``mean`` (one per citizen)."""
        inst = self.inst
        c = mean + SD_COCREATION_CITIZEN * rng.standard_normal(len(mean))
        level = {
            "samskabelse": c,
            "tilfredshed": SATISFACTION_MEAN + SATISFACTION_SLOPE * (c - COCREATION_MEAN)
            + SD_SATISFACTION * rng.standard_normal(len(c)),
            "effekt": EFFECT_MEAN + EFFECT_SLOPE * (c - COCREATION_MEAN) + SD_EFFECT * rng.standard_normal(len(c)),
        }
        items = {}
        for s in inst.scales_for("citizen"):
            lv = level.get(s.code)
            if lv is None:  # a citizen scale the model does not know: a weaker function of co-creation
                lv = 3.5 + 0.3 * (c - COCREATION_MEAN) + 0.55 * rng.standard_normal(len(c))
            for item in s.items:
                items[item] = self._item_answers(item, lv, rng, sd=SD_CITIZEN_ITEM)
        return {"items": items}

    def structures(self) -> dict[str, np.ndarray]:
        return self._structure_items(self.rng, np.repeat([0, 1], len(CODERS)))

    def _structure_items(self, rng: np.random.Generator, wave: np.ndarray) -> dict[str, np.ndarray]:
        """The coders' structure answers (each wave coded by every coder in :data:`CODERS`)."""
        inst = self.inst
        coder = np.tile(np.arange(len(CODERS)), len(wave) // len(CODERS))
        items = {}
        for s in inst.scales_for("structures"):
            level = np.full(len(wave), self.structure + STRUCTURE_OFFSETS.get(s.code, 0.0))
            for item in s.items:
                items[item] = self._item_answers(item, level, rng, sd=SD_CODER, dont_know=0.0)
        return {"wave": wave, "coder": coder, "items": items}


def simulate(
    n_kommuner: int = 10,
    seed: int = 1,
    respondents: int | None = None,
    instrument: Instrument | str | Path | None = None,
    waves: int = 2,
) -> SynthData:
    """Simulate the raw surveys of ``n_kommuner`` kommuner (both waves) with the built-in effects.

    Parameters
    ----------
    n_kommuner : 1-98; the first ten are :data:`DEMO_KOMMUNER`.
    seed : the same seed gives the same data.
    respondents : mean employees per kommune and wave (default :data:`DEFAULT_EMPLOYEES`, about 60).
    instrument : codebook (an :class:`~relkap.instrument.Instrument` or a path; default
        ``params/instrument.yaml``).
    waves : 2, or 3 for a midway wave too (module docstring); a two-wave codebook gets :data:`MIDWAY_WAVE`
        inserted (``SynthData.instrument``, the codebook to import with).

    Returns
    -------
    SynthData with the raw wide tables ``employees``, ``citizens`` and ``structures`` of
    ``docs/contract.md``, the kommune parameters and the truth (see the module docstring for the effects).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SynthError(f"seed must be a whole number of at least 0, got {seed!r}")
    inst = with_waves(load_instrument(instrument), waves)
    if respondents is None:
        n_mean = float(DEFAULT_EMPLOYEES)
    elif isinstance(respondents, bool) or not isinstance(respondents, int | np.integer) or respondents < 5:
        raise SynthError(f"respondents must be a whole number of at least 5 per kommune and wave, got {respondents!r}")
    else:
        n_mean = float(respondents)
    codes = demo_kommuner(n_kommuner)
    n = len(codes)

    design = np.random.default_rng([int(seed), 0])
    order = design.permutation(n)
    arms = ["intervention" if order[i] < (n + 1) // 2 else "control" for i in range(n)]
    start = int(design.integers(len(FOCAL_PROCESSES)))
    focal = [FOCAL_PROCESSES[(start + i) % len(FOCAL_PROCESSES)] for i in range(n)]

    groups = inst.group_codes
    raws = raw_tables(inst)
    dim_off = np.array([DIMENSION_OFFSETS.get(c, 0.0) for c in inst.relational_codes])
    codes_w = inst.waves.codes
    wave_codes = np.array([codes_w[0], codes_w[-1], *codes_w[1:-1]], dtype=object)  # by index: 0, 1, 2 = midway
    sd_answer = float(np.sqrt((LEADERSHIP_SLOPE * SD_LEADERSHIP_PERSON) ** 2 + SD_PERSON**2
                              + SD_PERSON_TARGET**2 + SD_ITEM**2))

    emp_parts, cit_parts, str_parts, truth_parts, k_rows, params = [], [], [], [], [], []
    for code, arm, fp in zip(codes, arms, focal, strict=True):
        k = _KommuneSim(code, arm, int(seed), inst, raws, n_mean)
        emp, cit, struc = k.employees(dim_off), k.citizens(dim_off), k.structures()
        invited = k.invited(int(seed), groups, wave_codes[:2])
        positions = {0: 0.0, 1: 1.0}  # wave index -> share of the follow-up effects
        if waves == 3:
            emp_m, cit_m, struc_m, invited_m = k.midway(int(seed), dim_off)
            emp = {key: np.concatenate([emp[key], emp_m[key]]) for key in ("wave", "group", "id", "rel")} | {
                "scales": {i: np.r_[emp["scales"][i], emp_m["scales"][i]] for i in emp["scales"]}}
            cit = {"wave": np.r_[cit["wave"], cit_m["wave"]], "id": np.r_[cit["id"], cit_m["id"]],
                   "items": {i: np.r_[cit["items"][i], cit_m["items"][i]] for i in cit["items"]},
                   "cocreation": np.r_[cit["cocreation"], cit_m["cocreation"]]}
            struc = {"wave": np.r_[struc["wave"], struc_m["wave"]], "coder": np.r_[struc["coder"], struc_m["coder"]],
                     "items": {i: np.r_[struc["items"][i], struc_m["items"][i]] for i in struc["items"]}}
            invited = {codes_w[0]: invited[codes_w[0]], codes_w[1]: invited_m, codes_w[-1]: invited[codes_w[-1]]}
            positions[2] = MIDWAY_SHARE
        emp_parts.append((code, emp))
        cit_parts.append((code, cit))
        str_parts.append((code, struc))
        present = [groups[i] for i in k.present]
        params.append(KommuneParams(
            kommune=code, name=KOMMUNER[code], groups=present, focal_process=fp, arm=arm,
            targeted_ties=[(groups[a], groups[b]) for a, b in zip(*np.nonzero(k.targeted), strict=True)],
            invited=invited,
        ))
        a_idx, b_idx = np.meshgrid(k.present, k.present, indexing="ij")
        a_idx, b_idx = a_idx.ravel(), b_idx.ravel()
        for w, share in positions.items():
            m = k.tie_means(share)[a_idx, b_idx]
            expected = expected_answer(m[:, None] + dim_off[None, :], sd_answer, inst).mean(axis=1)
            truth_parts.append(pd.DataFrame({
                "kommune": code, "arm": arm, "wave": wave_codes[w],
                "group": [groups[i] for i in a_idx], "target": [groups[i] for i in b_idx],
                "latent": m + dim_off.mean(), "expected": expected,
                "effect": share * (TIME_TREND + INTERVENTION_EFFECT * k.targeted[a_idx, b_idx]),
                "targeted": k.targeted[a_idx, b_idx], "diagonal": a_idx == b_idx,
            }))
            k_rows.append({
                "kommune": code, "name": KOMMUNER[code], "arm": arm, "wave": wave_codes[w],
                "structure": k.structure, "leadership": float(k.lead_group[k.present].mean()),
                "rk": k.rk(share, dim_off), "cocreation": float(cit["cocreation"][w]),
                "n_employees": int((emp["wave"] == w).sum()), "n_citizens": int((cit["wave"] == w).sum()),
            })

    employees = _shift_item(assemble_employees(emp_parts, inst, wave_codes), codes, int(seed), inst)
    citizens = assemble(cit_parts, wave_codes, "B", inst.items_for("citizen"))
    structures = assemble_structures(str_parts, wave_codes, inst.items_for("structures"), CODERS)
    truth = pd.concat(truth_parts, ignore_index=True)
    return SynthData(employees=employees, citizens=citizens, structures=structures, params=params,
                     truth=truth, kommune_truth=pd.DataFrame(k_rows), effects=_effects(), instrument=inst)


def with_waves(inst: Instrument, waves: int) -> Instrument:
    """``inst`` for ``waves`` waves (3 with a two-wave codebook: :data:`MIDWAY_WAVE` between its waves)."""
    if waves not in (2, 3):
        raise SynthError(f"waves must be 2 or 3, got {waves!r}")
    have = len(inst.waves)
    if have == waves:
        return inst
    if waves == 3 and have == 2:
        listed = [w.model_dump() for w in inst.waves]
        return inst.model_copy(update={"waves": Waves.model_validate([listed[0], MIDWAY_WAVE, listed[1]])})
    raise SynthError(f"the codebook declares {have} waves ({', '.join(inst.waves.codes)}); a simulation of {waves}"
                     " waves needs a codebook of two waves" + (" or three" if waves == 3 else ""))


def item_shift_kommuner(codes: Sequence[int], seed: int = 1) -> list[int]:
    """The kommuner whose follow-up answers to :data:`ITEM_SHIFT_ITEM` are shifted (stream ``[seed, 24]``).

    Examples
    --------
    >>> item_shift_kommuner(demo_kommuner(10), seed=1)
    [461, 730, 766]
    """
    k = max(1, int(np.ceil(ITEM_SHIFT_SHARE * len(codes))))
    pick = np.random.default_rng([int(seed), 24]).choice(len(codes), size=k, replace=False)
    return sorted(int(codes[i]) for i in pick)


def _shift_item(employees: pd.DataFrame, codes: Sequence[int], seed: int, inst: Instrument) -> pd.DataFrame:
    """The built-in scalar non-invariance (module docstring): raw follow-up answers of one item shifted."""
    item = ITEM_SHIFT_ITEM
    lo = float(inst.scale.min)
    if item not in employees.columns or inst.key(item, np.array([lo]))[0] != lo:
        return employees  # a codebook without the item (or with it keyed otherwise) gets no shift
    rng = np.random.default_rng([seed, 24, 1])
    raw = employees[item].to_numpy(dtype="float64", na_value=np.nan)
    rows = (employees["kommune"].isin(item_shift_kommuner(codes, seed)) & (employees["wave"] == inst.waves.followup)
            ).to_numpy() & (raw >= inst.scale.min) & (raw <= inst.scale.max)
    ends = employees["wave"].isin([inst.waves.baseline, inst.waves.followup]).to_numpy()  # midway rows draw none
    u = np.ones(len(raw))
    u[ends] = rng.random(int(ends.sum()))
    up = rows & (u < ITEM_SHIFT_PROBABILITY)
    raw[up] = np.minimum(raw[up] + 1, inst.scale.max)
    out = employees.copy()
    out[item] = pd.array(raw, dtype="Float64").astype("Int64")
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    atomic_write(path, lambda tmp: df.to_csv(tmp, sep=";", encoding="cp1252", index=False))
    return path


def write_demo(
    out_dir: str | Path | None = None,
    n_kommuner: int = 10,
    seed: int = 1,
    respondents: int | None = None,
    params_dir: str | Path | None = None,
    instrument: Instrument | str | Path | None = None,
    interviews: bool = True,
    waves: int = 2,
) -> list[Path]:
    """Write ``employees.csv``, ``citizens.csv`` and ``structures.csv`` of :func:`simulate` into ``out_dir``.

    Danish Excel conventions (``;`` delimiter, cp1252), each file written atomically. With ``interviews``
    (default), also the coded interviews of :func:`relkap.synth.interviews.write_demo_interviews` into
    ``<out_dir>/interviews/`` (``<code>.qdpx`` per kommune and ``mapping.yaml``), drawn from random streams of
    their own: the survey files are the same with or without them. With ``params_dir``, also
    ``<params_dir>/<code>.yaml`` per kommune. Relative folders are taken from the project root (``out_dir``
    default ``data/demo/raw``). With ``waves=3`` also a midway wave (:func:`simulate`) and the codebook that
    declares it, ``codebook.yaml`` (import with ``--instrument <out_dir>/codebook.yaml``); the two-wave files
    are the same as with ``waves=2``. Returns the written paths.
    """
    data = simulate(n_kommuner=n_kommuner, seed=seed, respondents=respondents, instrument=instrument, waves=waves)
    out = config.resolve(out_dir, config.DEMO_DIR / "raw")
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        _write_csv(data.employees, out / "employees.csv"),
        _write_csv(data.citizens, out / "citizens.csv"),
        _write_csv(data.structures, out / "structures.csv"),
    ]
    if waves == 3:
        paths.append(write_text(out / CODEBOOK_NAME, codebook_text(data.instrument)))
    if interviews:
        inst = load_instrument(instrument)
        paths += write_demo_interviews(out / "interviews", data.params, seed=seed, instrument=inst)
    if params_dir is not None:
        pdir = config.resolve(params_dir, config.KOMMUNE_PARAMS_DIR)
        pdir.mkdir(parents=True, exist_ok=True)
        for kp in data.params:
            path = pdir / f"{kp.kommune}.yaml"
            text = dump_kommune_params(kp)
            write_text(path, text)
            paths.append(path)
    return paths

"""Write the three-wave respondent x target RK scores for tests/R/event_study.R (issue 20, RQ4 event study).

Run from the repository root:  python tests/R/event_study_export.py
The data are synthetic (``relkap.synth.simulate(n_kommuner=8, seed=4, respondents=25, waves=3)``, 4 + 4 kommuner,
no real respondent): the respondent x target RK scores (``relkap.scoring.respondent_scores``) of every answer,
with the kommune's arm and its targeted ties. tests/test_research_waves.py feeds this file to
``relkap.research.event_study`` and compares with what R computed from the same file.
"""

from pathlib import Path

from relkap import io, scoring, synth

OUT = Path(__file__).resolve().parent.parent / "data"


def main() -> None:
    d = synth.simulate(n_kommuner=8, seed=4, respondents=25, waves=3)
    t = io.tidy_tables(d.employees, d.citizens, d.structures, instrument=d.instrument, key=b"event-study")
    arms = {p.kommune: p.arm for p in d.params}
    targeted = {(p.kommune, g, h) for p in d.params if p.arm == "intervention" for g, h in p.targeted_ties}
    s = scoring.respondent_scores(t.relations, d.instrument)
    s = s.astype({"wave": str, "group": str, "target": str})
    s = s[s["score"].notna()]
    s["arm"] = s["kommune"].map(arms)
    s["targeted"] = [(k, g, h) in targeted for k, g, h in zip(s["kommune"], s["group"], s["target"], strict=True)]
    cols = ["kommune", "arm", "wave", "respondent_id", "group", "target", "targeted", "score"]
    s[cols].to_csv(OUT / "event_study_scores.csv", index=False, float_format="%.15g")
    print("event_study_scores.csv", len(s))


if __name__ == "__main__":
    main()

"""Write the demo's pooled respondent tables for tests/R/measurement_reference.R (issue 24).

Run from the repository root:  python tests/R/measurement_demo_export.py
The demo is ``relkap synth --kommuner 10 --seed 1`` (synthetic: no real respondent); the tables are the
ones relkap.measurement fits: the RK dimension means per respondent and wave, the leadership and
motivation items, the citizen scales' items. Respondent ids are left out (R does not need them).
"""

from pathlib import Path

from relkap import load_instrument
from relkap.measurement import codebook_models, model_data
from relkap.synth import example_tables

OUT = Path(__file__).resolve().parent.parent / "data"


def main() -> None:
    inst = load_instrument()
    models = codebook_models(inst)
    data = model_data(example_tables(10, seed=1, respondents=60), inst, models)
    for name, file in (("rk", "measurement_demo_rk.csv"), ("leadership", "measurement_demo_leadership.csv"),
                       ("motivation", "measurement_demo_motivation.csv"),
                       ("citizen", "measurement_demo_citizen.csv")):
        items = [i for v in models[name].values() for i in v]
        ids = ["wave", "group"] if "group" in data[name].columns else ["wave"]
        d = data[name][[*ids, *items]].dropna()
        d.to_csv(OUT / file, index=False, float_format="%.15g")
        print(file, len(d))


if __name__ == "__main__":
    main()

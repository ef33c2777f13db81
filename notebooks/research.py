# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (relkap)
#     language: python
#     name: relkap
# ---

# %% tags=["remove"]
# The research questions across all kommuner (H1-H3, RQ1-RQ4). Run from JupyterLab, from
# `relkap.models.run_research(data_dir, out_dir)`, or from the command line:
#   papermill notebooks/research.ipynb out.ipynb -p data_dir data/processed -p out_dir reports/research
# Cells tagged "remove" and the parameters cells are left out of the HTML.

# %% tags=["parameters"]
data_dir = ""  # default: data/processed
out_dir = ""  # default: reports/research
instrument = ""  # default: params/instrument.yaml
params_dir = ""  # default: params/kommuner (arms and targeted ties)
nesting = "vc"  # "vc": kommune intercept + group-in-kommune variance component; "combined": kommune:group
n_boot = 2000  # bootstrap resamples of kommuner (mediation)
mediation_correction = "mediator"  # sampling-error correction of the kommune means: "mediator", "all", "none"
n_permutations = 999  # arm permutations over kommuner (RQ4)
seed = 1
min_units = 20  # fewer kommuner than this: kommune-level results are flagged as low-powered
min_n = 5
text_language = "en"  # methods and limitations text ("en" for a paper, "da")
decimal = ","  # decimal mark of the CSV files

# %% tags=["remove"]
import time

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from relkap import config, load, load_instrument, models, report
from relkap.params import load_all_kommune_params

started = time.time()
inst = load_instrument(instrument or None)
data_path = config.resolve(data_dir or None, config.PROCESSED_DIR)
out_path = config.resolve(out_dir or None, config.REPORTS_DIR / "research")
out_path.mkdir(parents=True, exist_ok=True)
kparams = load_all_kommune_params(params_dir or None)
arms = {k: p.arm for k, p in kparams.items()}
targeted = {k: p.targeted_ties for k, p in kparams.items() if p.targeted_ties}
tables = load(data_path)
parameters = {"data_dir": str(data_path), "params_dir": str(params_dir or config.KOMMUNE_PARAMS_DIR),
              "instrument": str(instrument or config.INSTRUMENT_PATH), "nesting": nesting, "n_boot": int(n_boot),
              "n_permutations": int(n_permutations), "seed": int(seed), "min_units": int(min_units),
              "min_n": int(min_n), "mediation_correction": mediation_correction}
results = models.analyse(tables, inst, arms=arms, targeted=targeted, nesting=nesting, n_boot=int(n_boot),
                         n_permutations=int(n_permutations), seed=int(seed), min_units=int(min_units),
                         min_n=int(min_n), mediation_correction=mediation_correction)
n = models.research_summary(results, parameters)["n"]
plt.rcParams["figure.dpi"] = 90

# %% [markdown]
# # Relationel kapacitet på tværs af kommuner: hypoteser og forskningsspørgsmål
#
# Notebooken samler alle kommuner og tester projektets tre hypoteser (H1-H3) og fire forskningsspørgsmål
# (RQ1-RQ4). Den er skrevet til forskerne og referencegruppen. Med få kommuner er analyserne på
# kommuneniveau usikre: læs konfidensintervallerne, ikke kun p-værdierne. Alle tabeller gemmes også som
# CSV-filer og i `research_summary.json`.

# %%
display(pd.DataFrame({"Antal": n}).rename(index={
    "kommuner": "Kommuner", "units": "Kommune-målinger", "waves": "Målinger", "employees": "Medarbejderbesvarelser",
    "citizens": "Borgerbesvarelser", "intervention": "Interventionskommuner", "control": "Kontrolkommuner"}))

# %% [markdown]
# ## 1. Kan RK behandles som en egenskab ved kommunen?
#
# Før vi sammenligner kommuner, tjekker vi, om medarbejderne i samme kommune (og samme faggruppe) ligner
# hinanden nok til, at et gennemsnit giver mening. *ICC(1)* er den andel af forskellene mellem
# medarbejdere, der ligger mellem enhederne (over 0,05 er almindeligt), *ICC(2)* er, hvor pålideligt
# enhedens gennemsnit er (0,70 eller mere), og *r_wg(j)* er enigheden inden for enheden (medianen over
# enheder; 0,70 eller mere). Konklusionen står i kolonnen *verdict*.

# %%
display(models.show(results, "aggregation"))

# %% [markdown]
# ## 2. H1: Formelle strukturer og relationel kapacitet
#
# Forskernes kodning af de formelle strukturer (gennemsnit af de fire dimensioner og to kodere) mod
# kommunens RK i hver måling. Hovedanalysen er på kommuneniveau (OLS med kommune-klyngede
# standardfejl); alternativet er en mixed model på medarbejderniveau. *estimate* er ændringen i RK pr.
# point på strukturskalaen; *estimate_std* er den standardiserede koefficient.

# %%
display(models.show(results, "h1_structures_rk"))
ax = models.plot_estimates(results["h1_structures_rk"], label=["model", "predictor"], estimate="estimate_std",
                           xlabel="Standardiseret koefficient med 95 %-KI", title="H1: strukturer → RK")
plt.show()

# %% [markdown]
# ## 3. H2 og RQ3: Ledelse, relationel kapacitet og motivation
#
# De fire former for strategisk relationel ledelse og deres gennemsnit mod medarbejderens RK og motivation.
# Mixed models med medarbejdere i faggrupper i kommuner (valget af struktur står i metodeteksten).
# *estimate_corrected* er korrigeret for målefejl i ledelsesskalaen (Cronbachs alfa i kolonnen
# *reliability*).

# %%
display(models.show(results, "h2_leadership"))
ax = models.plot_estimates(results["h2_leadership"], label=["outcome", "predictor"], estimate="estimate_std",
                           xlabel="Standardiseret koefficient med 95 %-KI", title="H2/RQ3: ledelse → RK og motivation")
plt.show()

# %% [markdown]
# ## 4. H3: Strukturer og ledelse påvirker hinanden
#
# Sammenhængen mellem strukturer og ledelse på tværs af kommuner i hver måling, hældningen over alle
# kommune-målinger og, med to målinger, det krydsforsinkede mønster (standardiserede koefficienter):
# forudsiger strukturer ved baseline ledelse ved opfølgning, når ledelse ved baseline holdes fast, og
# omvendt?

# %%
display(models.show(results, "h3_structures_leadership"))
ax = models.plot_estimates(results["h3_structures_leadership"], label=["analysis", "path", "wave"],
                           xlabel="Estimat med 95 %-KI", title="H3: strukturer ↔ ledelse")
plt.show()

# %% [markdown]
# ## 5. RQ1: Samskabelse, tilfredshed og oplevet effekt (borgerne)
#
# Borgernes oplevelse af samskabelse mod deres tilfredshed og oplevede effekt, med tilfældigt intercept for
# kommunen.

# %%
display(models.show(results, "rq1_cocreation"))
ax = models.plot_estimates(results["rq1_cocreation"], label=["outcome"], estimate="estimate_std",
                           xlabel="Standardiseret koefficient med 95 %-KI", title="RQ1: samskabelse → borgerudfald")
plt.show()

# %% [markdown]
# ## 6. RQ2: Relationel kapacitet og borgernes oplevelse
#
# Kommunens RK mod borgernes samskabelse, tilfredshed og oplevede effekt i samme måling, og mediationen
# ledelse → RK → borgerudfald (sti *a*: ledelse → RK; *b*: RK → udfald; *indirect* = a × b; *direct*:
# ledelse → udfald ved fast RK), justeret for strukturer, med bootstrap over kommuner. Kommunens RK er et
# gennemsnit af forholdsvis få besvarelser; *estimate_corrected* og mediationen er korrigeret for denne
# usikkerhed (se metodeteksten).

# %%
display(models.show(results, "rq2_rk_citizen"))
display(models.show(results, "rq2_mediation"))
if results["rq2_mediation"].get("low_power", pd.Series(dtype=bool)).any():
    display(Markdown(f"**Bemærk:** kun {n['kommuner']} kommuner (under {min_units}); analyserne på "
                     "kommuneniveau har lav styrke, og intervallerne er brede."))
ax = models.plot_estimates(results["rq2_mediation"], label=["outcome", "path"], xlabel="Estimat med 95 %-KI",
                           title="RQ2: ledelse → RK → borgerudfald")
plt.show()

# %% [markdown]
# ## 7. RQ4: Virker interventionerne?
#
# Difference-in-differences: ændringen fra baseline til opfølgning i interventionskommunerne minus
# ændringen i kontrolkommunerne, for alle relationer mellem grupperne og for de relationer,
# interventionerne var rettet mod, pr. dimension. p-værdien kommer fra en permutationstest over kommuner.

# %%
if len(results["rq4_did"]):
    display(models.show(results, "rq4_did"))
    ax = models.plot_estimates(results["rq4_did"], label=["scope", "dimension"],
                               xlabel="Difference-in-differences med 95 %-KI", title="RQ4: intervention mod kontrol")
    plt.show()
else:
    display(Markdown("Der er ikke både interventions- og kontrolkommuner i parameterfilerne."))

# %% [markdown]
# ## 8. Metode og begrænsninger
#
# Teksten nedenfor er dannet ud fra parametrene og de faktiske antal og kan bruges som udgangspunkt for
# metodeafsnittet i en artikel.

# %%
display(Markdown(models.methods_text(results, parameters, text_language)))
display(Markdown("### Begrænsninger\n\n" + models.limitations_text(results, parameters, text_language)))

# %% [markdown]
# ## 9. Dokumentation
#
# Tabellerne er gemt som CSV (semikolon, UTF-8 med BOM) og i `research_summary.json`.

# %%
paths = models.write_tables(results, out_path, parameters, decimal=decimal, language=text_language)
display(report.provenance(data_path, config.resolve(instrument or None, config.INSTRUMENT_PATH), parameters,
                          started))

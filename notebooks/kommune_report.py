# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (relkap)
#     language: python
#     name: relkap
# ---

# %% tags=["remove"]
# Run from JupyterLab, from `relkap batch`, or from the command line:
#   papermill notebooks/kommune_report.ipynb out.ipynb -p kommune 766
# Cells tagged "remove" and the parameters cells are left out of the HTML report, and so are the narrative
# cells tagged with the other language ("da" or "en") than the `language` parameter.

# %% tags=["parameters"]
kommune = 766
data_dir = ""  # default: data/processed
out_dir = ""  # default: reports/hand/<kommune> (a hand run; the batch passes its own folder)
instrument = ""  # default: params/instrument.yaml
params_dir = ""  # default: params/kommuner
baseline = ""  # default: the codebook's baseline label
followup = ""  # default: the codebook's follow-up label
min_n = 5
language = "da"

# %% tags=["remove"]
import time
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from relkap import config, load, load_instrument, plots, report
from relkap.network import layout
from relkap.params import kommune_params
from relkap.report import narrative
from relkap.style import wave_label

started = time.time()
kommune = int(kommune)
inst = load_instrument(instrument or None)
if baseline or followup:
    inst = inst.model_copy(update={"waves": inst.waves.model_copy(
        update={k: v for k, v in (("baseline", baseline), ("followup", followup)) if v})})
data_path = config.resolve(data_dir or None, config.PROCESSED_DIR)
out_path = config.resolve(out_dir or None, config.REPORTS_DIR / "hand" / str(kommune))
out_path.mkdir(parents=True, exist_ok=True)
kp = kommune_params(kommune, params_dir or None)  # its parameter file, or defaults (kp.source == "defaults")
name = kp.name
tables_all = load(data_path)
data = report.kommune_tables(tables_all, kommune)
report.check_kommune(data, kommune, data_path)
B, F = inst.waves.baseline, inst.waves.followup
has_followup = report.has_wave(data, F)
plt.rcParams["figure.dpi"] = 90

# %%
display(Markdown(narrative.title(name, kommune, kp.focal_process or None, language)))

# %% [markdown] tags=["da"]
# ## 1. Overblik
#
# Undersøgelsen måler **relationel kapacitet**: hvordan medarbejderne i hver faggruppe oplever samarbejdet
# med hver af de andre faggrupper om det fælles arbejde. Hver medarbejder har vurderet de andre grupper på
# seks dimensioner (kendskab, respekt, faglige bidrag, videndeling, problemløsning og nye løsninger) på en
# skala fra 1 til 5. Tallene er ikke karakterer til de enkelte grupper, men et udgangspunkt for en fælles
# samtale om, hvor samarbejdet fungerer, og hvor det kan styrkes.

# %% [markdown] tags=["en"]
# ## 1. Overview
#
# The survey measures **relational capacity**: how the employees in each professional group experience their
# collaboration with each of the other groups on their shared work. Every employee rated the other groups on
# six dimensions (knowledge, respect, professional contributions, knowledge sharing, problem solving and new
# solutions) on a scale from 1 to 5. The numbers are not marks for the individual groups but a starting point
# for a shared conversation about where collaboration works and where it can be strengthened.

# %%
overview = report.response_overview(data, inst, min_n=min_n)
display(Markdown(narrative.overview_note(overview, inst, min_n, has_followup, language)))
ax = plots.response_overview(overview[overview["group"] != report.tables.CITIZENS], min_n=min_n, language=language,
                             instrument=inst)
plt.show()

# %% [markdown] tags=["da"]
# ## 2. Relationel kapacitet før og efter
#
# Tabellen viser indekset for relationel kapacitet (gennemsnittet af de seks dimensioner, samarbejdet med
# de *andre* grupper) og hver dimension, ved førmåling og eftermåling. *Ændring* er eftermåling minus
# førmåling med 95 %-konfidensinterval; *Hedges' g* er ændringen i standardafvigelser (0,2 lille, 0,5
# middel, 0,8 stor); *p (FDR)* er justeret for, at der testes mange forskelle på én gang.

# %% [markdown] tags=["en"]
# ## 2. Relational capacity before and after
#
# The table shows the relational capacity index (the mean of the six dimensions, collaboration with the
# *other* groups) and each dimension at baseline and follow-up. *Change* is follow-up minus baseline with
# its 95% confidence interval; *Hedges' g* is the change in standard deviations (0.2 small, 0.5 medium,
# 0.8 large); *p (FDR)* is adjusted for testing many differences at once.

# %%
rk = report.rk_change(data.relations, inst, min_n=min_n)
display(report.change_table(rk, "dimension", inst, language, min_n))
display(Markdown(narrative.rk_headline(rk, has_followup, language)))

# %% [markdown] tags=["da"]
# ### Samarbejdet mellem grupperne
#
# Hver række er den gruppe, der vurderer; hver kolonne er den gruppe, der bliver vurderet. Feltet i række
# A og kolonne B viser altså, hvordan gruppe A oplever samarbejdet med gruppe B. Farven følger skalaen fra 1
# til 5 (svag under 3,5, stærk over 4,0), og tallet nederst i feltet er antallet af svar. Grå felter har
# for få svar til at blive vist.

# %% [markdown] tags=["en"]
# ### Collaboration between the groups
#
# Each row is the group that rates; each column is the group that is rated. The cell in row A and column B
# thus shows how group A experiences its collaboration with group B. The colour follows the scale from 1 to 5
# (weak below 3.5, strong above 4.0), and the number at the bottom of the cell is the number of answers. Grey
# cells have too few answers to be shown.

# %%
ties = report.tie_table(data.relations, inst, min_n=min_n)
waves_present = [w for w in (B, F) if (ties["wave"] == w).any()]
fig, axes = plt.subplots(1, len(waves_present), figsize=(7.2 * len(waves_present), 6.2), squeeze=False)
for ax, w in zip(axes[0], waves_present):
    plots.tie_heatmap(ties[ties["wave"] == w], ax=ax, min_n=min_n, language=language, instrument=inst,
                      title=wave_label(w, language, inst))
plt.tight_layout()
plt.show()

# %%
tie_diff = report.tie_change(data.relations, inst, min_n=min_n)
if has_followup:
    display(Markdown(narrative.change_map_intro(language)))
    ax = plots.change_heatmap(tie_diff, min_n=min_n, language=language, instrument=inst)
    plt.show()
else:
    display(Markdown(narrative.no_followup(language)))

# %% [markdown] tags=["da"]
# ### Netværket
#
# Samme tal som netværk: hver cirkel er en gruppe (større cirkel, flere svar), og en pil fra A til B er A's
# oplevelse af samarbejdet med B. Jo tykkere pil, jo højere gennemsnit; heltrukne blå pile er stærke
# relationer (over 4,0), stiplede er moderate og prikkede er svage (under 3,5). Grupperne står samme sted i
# begge målinger, så billederne kan sammenlignes direkte.

# %% [markdown] tags=["en"]
# ### The network
#
# The same numbers as a network: each circle is a group (a larger circle, more answers), and an arrow from A
# to B is A's experience of its collaboration with B. The thicker the arrow, the higher the mean; solid blue
# arrows are strong ties (above 4.0), dashed are moderate and dotted are weak (below 3.5). The groups keep
# their place in both waves, so the pictures compare directly.

# %%
pos = layout(sorted(set(ties["group"].astype(str)) | set(ties["target"].astype(str)),
                    key=inst.group_codes.index))
fig, axes = plt.subplots(1, len(waves_present), figsize=(6.5 * len(waves_present), 6.2), squeeze=False)
for ax, w in zip(axes[0], waves_present):
    plots.network_diagram(ties[ties["wave"] == w], pos=pos, ax=ax, min_n=min_n, language=language,
                          instrument=inst, title=wave_label(w, language, inst))
plt.tight_layout()
plt.show()

# %%
if has_followup:
    ax = plots.change_network(ties[ties["wave"] == B], ties[ties["wave"] == F], comparison=tie_diff, pos=pos,
                              min_n=min_n, language=language, instrument=inst)
    plt.show()
    display(Markdown(narrative.most_changed_intro(language)))
    display(report.most_changed(tie_diff, inst, language, min_n=min_n))

# %% [markdown] tags=["da"]
# ### Forskelle med effektstørrelse
#
# Alle relationer med nok svar i begge målinger, sorteret efter Hedges' g. Udfyldte punkter er
# statistisk sikre: p under 0,05 efter korrektion for mange test (FDR).

# %% [markdown] tags=["en"]
# ### Differences with effect size
#
# Every tie with enough answers in both waves, sorted by Hedges' g. Filled points are statistically
# significant: p below 0.05 after correction for many tests (FDR).

# %%
if has_followup:
    ax = plots.forest_plot(tie_diff[~tie_diff["diagonal"]], min_n=min_n, language=language, instrument=inst)
    plt.show()

# %% [markdown] tags=["da"]
# ### Modtaget og oplevet samarbejde
#
# *Modtaget* er, hvordan de andre grupper i gennemsnit oplever samarbejdet med gruppen; *oplevet* er,
# hvordan gruppen selv oplever samarbejdet med de andre. En stor forskel mellem de to er en god anledning
# til at spørge hinanden, hvad man ser forskelligt.

# %% [markdown] tags=["en"]
# ### Received and perceived collaboration
#
# *Received* is how the other groups on average experience their collaboration with the group; *perceived* is
# how the group itself experiences its collaboration with the others. A large gap between the two is a good
# occasion to ask each other what you see differently.

# %%
display(report.received_perceived_table(ties, inst, language))

# %% [markdown] tags=["da"]
# ### De seks dimensioner
#
# Profilen viser, på hvilke dimensioner samarbejdet står stærkest og svagest, med 95 % konfidensinterval.

# %% [markdown] tags=["en"]
# ### The six dimensions
#
# The profile shows on which dimensions collaboration is strongest and weakest, with 95% confidence
# intervals.

# %%
profile = report.dimension_profile_data(data.relations, inst, min_n=min_n)
ax = plots.dimension_profile(profile, language=language, instrument=inst)
plt.show()

# %% [markdown] tags=["da"]
# ## 3. Enighed og pålidelighed
#
# *Cronbachs alfa* viser, om spørgsmålene i en skala måler det samme (0,7 eller mere er godt). *ICC(1)*
# er den andel af forskellene mellem medarbejdere, der skyldes hvilken gruppe de er i; *ICC(2)* er, hvor
# pålideligt en gruppes gennemsnit er. *r_wg(j)* er enigheden inden for en gruppe (0,7 eller mere betyder,
# at gruppens gennemsnit dækker over ret ens svar). Alfa for RK-spørgsmålene er beregnet på svar om flere
# grupper fra samme person og er kun beskrivende.

# %% [markdown] tags=["en"]
# ## 3. Agreement and reliability
#
# *Cronbach's alpha* shows whether the questions of a scale measure the same thing (0.7 or more is good).
# *ICC(1)* is the share of the differences between employees that is due to the group they belong to;
# *ICC(2)* is how reliable a group's mean is. *r_wg(j)* is the agreement within a group (0.7 or more means
# that the group's mean stands for fairly similar answers). Alpha for the RK questions is computed on
# answers about several groups from the same person and is descriptive only.

# %%
agree = report.agreement_tables(data, inst, min_n=min_n)
for key in ("alpha", "icc", "rwg"):
    display(report.agreement_display(agree, key, inst, language, min_n))

# %% [markdown] tags=["da"]
# ## 4. Ledelse og motivation
#
# De fire former for strategisk relationel ledelse og medarbejdernes motivation, som medarbejderne selv
# oplever dem, ved førmåling og eftermåling.

# %% [markdown] tags=["en"]
# ## 4. Leadership and motivation
#
# The four forms of strategic relational leadership and the employees' motivation, as the employees
# themselves experience them, at baseline and follow-up.

# %%
scales = report.scale_change(data, inst, min_n=min_n)
employee_scales = scales[scales["instrument"] == "employee"]
if len(employee_scales):
    display(report.change_table(employee_scales, "scale", inst, language, min_n))
    ax = plots.scale_change(employee_scales, language=language, instrument=inst)
    plt.show()
else:
    display(Markdown(narrative.no_data(language)))

# %% [markdown] tags=["da"]
# ## 5. Borgerne
#
# Borgernes oplevelse af samskabelse, tilfredshed og effekt af indsatsen, ved førmåling og eftermåling.

# %% [markdown] tags=["en"]
# ## 5. The citizens
#
# The citizens' experience of co-creation, satisfaction and the effect of the effort, at baseline and
# follow-up.

# %%
citizen_scales = scales[scales["instrument"] == "citizen"]
if len(citizen_scales):
    display(report.change_table(citizen_scales, "scale", inst, language, min_n))
    ax = plots.scale_change(citizen_scales, language=language, instrument=inst)
    plt.show()
else:
    display(Markdown(narrative.no_data(language)))

# %% [markdown] tags=["da"]
# ## 6. Kommunen blandt alle kommuner i undersøgelsen
#
# Kommunens indeks sammenlignet med de øvrige kommuner i data (ingen andre kommuner nævnes). Rang 1 er
# den højeste værdi.

# %% [markdown] tags=["en"]
# ## 6. The kommune among all kommuner in the study
#
# The kommune's index compared with the other kommuner in the data (no other kommune is named). Rank 1 is
# the highest value.

# %%
bench = report.benchmark(tables_all.relations, inst, kommune, min_n=min_n)
display(report.benchmark_display(bench, inst, language))

# %% [markdown] tags=["da"]
# ## 7. Dokumentation
#
# Versioner, parametre og kontrolsummer for de data, rapporten bygger på.

# %% [markdown] tags=["en"]
# ## 7. Documentation
#
# Versions, parameters and checksums of the data the report is built on.

# %%
parameters = {"kommune": kommune, "data_dir": data_path, "instrument": instrument or config.INSTRUMENT_PATH,
              "baseline": B, "followup": F, "min_n": min_n, "language": language}
summary = report.summary(kommune, name, inst, overview, rk, tie_diff, scales, bench, min_n=min_n,
                         parameters=parameters)
report.write_summary(out_path / "summary.json", summary)
display(report.provenance(data_path, config.resolve(instrument or None, config.INSTRUMENT_PATH), parameters,
                          started, language))

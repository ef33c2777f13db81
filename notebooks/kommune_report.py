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
min_n_override_reason = ""  # required for a min_n below the codebook's floor (privacy.min_n_floor); printed
language = "da"

# %% tags=["remove"]
import time

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from relkap import export, fmt, load, plots, report
from relkap.plots import alt
from relkap.report import briefing, changed, dialogue, keypoints, narrative, response, targeted, ties
from relkap.labels import wave_label
from relkap.words import text

started = time.time()
plt.rcParams["figure.dpi"] = 90
run = report.inputs(kommune, data_dir=data_dir, out_dir=out_dir, instrument=instrument, params_dir=params_dir,
                    baseline=baseline, followup=followup, min_n=min_n, language=language)
inst, kp = run.instrument, run.params
# Disclosure rule: every shared number is computed without the hidden cells (groups, ties, tie dimensions
# with fewer than min_n answers); the full data give only the response overview and which groups and ties
# exist (shown as "n<min_n"). report.build applies it.
r = report.build(load(run.data_dir), inst, kp, min_n=min_n, language=language, source=run.data_dir,
                 min_n_override_reason=min_n_override_reason or None)
name = r.name

# %%
export.title(briefing.title_block(name, r.kommune, kp, r.has_followup, language, inst),
             text("report.document_title", language, name=name), language)
if kp.source == "defaults":
    display(Markdown(text("report.defaults", language, name=name, kommune=r.kommune)))
display(Markdown(narrative.section(text("briefing.key.heading", language),
                                   keypoints.key_point_sentences(r.key_points, language, inst, r.rates), bullets=True)))
if len(r.dialogue):
    display(Markdown(narrative.start_here(r.dialogue, language, inst, r.targeted)))
display(Markdown(narrative.section(text("briefing.reading.heading", language),
                                   briefing.reading_guide(language, inst, min_n, targeted=bool(r.targeted)),
                                   level=3, bullets=True)))

# %% [markdown] tags=["da"]
# ## Hvem har svaret
#
# Undersøgelsen måler **relationel kapacitet**: hvordan medarbejderne i hver faggruppe oplever samarbejdet
# med hver af de andre faggrupper om det fælles arbejde. Her er antallet af svar pr. gruppe og måling og,
# hvor kommunen har oplyst hvor mange der blev inviteret, svarprocenten.

# %% [markdown] tags=["en"]
# ## Who answered
#
# The survey measures **relational capacity**: how the employees in each professional group experience their
# collaboration with each of the other groups on their shared work. Here are the answers per group and wave
# and, where the kommune gave the number invited, the response rate.

# %%
display(Markdown(narrative.overview_note(r.shown_overview, inst, min_n, r.has_followup, language,
                                         hidden=r.hidden_groups)))
ax = plots.response_overview(r.employees, min_n=min_n, language=language, instrument=inst)
export.figure(ax.figure, alt.alt_response(r.employees, inst, language, min_n))
display(export.captioned(response.response_table(r.rates, language, inst, min_n).style.hide(axis="index"),
                         text("report.caption.response", language)))
display(Markdown(text("briefing.response.note", language, threshold=fmt.percent(response.LOW_RESPONSE, language),
                      min_n=min_n)))
if r.unknown_rate_waves:
    display(Markdown(text("briefing.response.unknown", language, waves=ties.join_list(
        [wave_label(w, language, inst).lower() for w in r.unknown_rate_waves], language))))

# %% [markdown] tags=["da"]
# ## Relationel kapacitet før og efter
#
# Tabellen viser indekset for relationel kapacitet (gennemsnittet af de seks dimensioner, samarbejdet med
# de *andre* grupper) og hver dimension, ved førmåling og eftermåling. *Ændring* er eftermåling minus
# førmåling med 95 %-konfidensinterval; *Hedges' g* er ændringen i standardafvigelser (0,2 lille, 0,5
# middel, 0,8 stor); *p (FDR)* er justeret for, at der testes mange forskelle på én gang.

# %% [markdown] tags=["en"]
# ## Relational capacity before and after
#
# The table shows the relational capacity index (the mean of the six dimensions, collaboration with the
# *other* groups) and each dimension at baseline and follow-up. *Change* is follow-up minus baseline with
# its 95% confidence interval; *Hedges' g* is the change in standard deviations (0.2 small, 0.5 medium,
# 0.8 large); *p (FDR)* is adjusted for testing many differences at once.

# %%
display(Markdown(briefing.headline(r.rk, language, instrument=inst)))
display(export.captioned(report.change_table(r.rk, "dimension", inst, language, min_n),
                         text("report.caption.dimensions", language)))

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
for w in r.waves_present:
    wave_ties = r.wave_ties(w)
    title = wave_label(w, language, inst)
    export.html(plots.tie_heatmap_html(wave_ties, min_n=min_n, language=language, instrument=inst,
                                       title=title, targeted=r.targeted), media="screen")
    ax = plots.tie_heatmap(wave_ties, min_n=min_n, language=language, instrument=inst, title=title,
                           targeted=r.targeted)
    export.figure(ax.figure, alt.alt_tie_heatmap(wave_ties, inst, language, min_n), media="print")

# %%
if r.has_followup:
    display(Markdown(narrative.change_map_intro(language)))
    export.html(plots.change_heatmap_html(r.tie_diff, min_n=min_n, language=language, instrument=inst,
                                          targeted=r.targeted), media="screen")
    ax = plots.change_heatmap(r.tie_diff, min_n=min_n, language=language, instrument=inst, targeted=r.targeted)
    export.figure(ax.figure, alt.alt_change_heatmap(r.tie_diff, inst, language, min_n), media="print")
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
for w in r.waves_present:
    wave_ties = r.wave_ties(w)
    ax = plots.network_diagram(wave_ties, pos=r.positions, min_n=min_n, language=language, instrument=inst,
                               title=wave_label(w, language, inst), targeted=r.targeted)
    export.figure(ax.figure, alt.alt_network(wave_ties, inst, language, min_n))
if r.has_followup:
    ax = plots.change_network(r.tie_diff, baseline=r.wave_ties(r.waves[0]), followup=r.wave_ties(r.waves[-1]),
                              pos=r.positions, min_n=min_n, language=language, instrument=inst, targeted=r.targeted)
    export.figure(ax.figure, alt.alt_change_network(r.tie_diff, inst, language, min_n))

# %%
if r.most_changed is not None:
    display(Markdown(narrative.section(text("briefing.most_changed.heading", language),
                                       [text("briefing.most_changed.intro", language, k=report.model.MOST_CHANGED_K,
                                             min_n=min_n)], level=3)))
    display(export.captioned(changed.most_changed_table(r.most_changed, language, inst, min_n).style.hide(axis="index"),
                             text("report.caption.most_changed", language)))

# %%
if r.targeted_comparison is not None:
    display(Markdown(narrative.section(text("briefing.targeted.heading", language),
                                       targeted.targeted_text(r.targeted_comparison, language, inst), level=3)))
    display(export.captioned(targeted.targeted_table(r.targeted_comparison, language).style.hide(axis="index"),
                             text("report.caption.targeted", language)))
    display(Markdown(narrative.section(text("briefing.targeted.caveats_heading", language),
                                       targeted.targeted_caveats(language), level=4, bullets=True)))

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
if r.cross_ties is not None:
    ax = plots.forest_plot(r.cross_ties, min_n=min_n, language=language, instrument=inst)
    export.figure(ax.figure, alt.alt_forest(r.cross_ties, inst, language, min_n))
else:
    display(Markdown(narrative.no_followup(language)))

# %% [markdown] tags=["da"]
# ### Modtaget og oplevet samarbejde
#
# *Modtaget* er, hvordan de andre grupper i gennemsnit oplever samarbejdet med gruppen; *oplevet* er,
# hvordan gruppen selv oplever samarbejdet med de andre. *Forskel* er modtaget minus oplevet: en stor
# forskel er en god anledning til at spørge hinanden, hvad man ser forskelligt.

# %% [markdown] tags=["en"]
# ### Received and perceived collaboration
#
# *Received* is how the other groups on average experience their collaboration with the group; *perceived* is
# how the group itself experiences its collaboration with the others. *Gap* is received minus perceived: a
# large gap is a good occasion to ask each other what you see differently.

# %%
display(export.captioned(report.received_perceived_table(r.ties, inst, language, min_n).style.hide(axis="index"),
                         text("report.caption.received_perceived", language)))
display(Markdown(text("briefing.limitations.rater_sets", language)))

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
ax = plots.dimension_profile(r.profile, language=language, instrument=inst)
export.figure(ax.figure, alt.alt_profile(r.profile, inst, language))

# %%
display(Markdown(dialogue.dialogue_markdown(r.dialogue, language, inst, r.targeted)))

# %% tags=["interviews"]
# Coded interviews beside the survey (joint displays per tie and dimension, themes spoken of), when the
# kommune's interviews are imported; nothing otherwise. Counts below the threshold read "<3"; no quotes.
if r.interviews is not None:
    display(Markdown(f"## {r.interviews.heading}"))
    display(r.interviews)

# %% [markdown] tags=["da"]
# ## Enighed og pålidelighed
#
# *Cronbachs alfa* viser, om spørgsmålene i en skala måler det samme (0,7 eller mere er godt). *ICC(1)*
# er den andel af forskellene mellem medarbejdere, der skyldes hvilken gruppe de er i; *ICC(2)* er, hvor
# pålideligt en gruppes gennemsnit er. *r_wg(j)* er enigheden inden for en gruppe (0,7 eller mere betyder,
# at gruppens gennemsnit dækker over ret ens svar). Alfa for RK-spørgsmålene er beregnet på svar om flere
# grupper fra samme person og er kun beskrivende.

# %% [markdown] tags=["en"]
# ## Agreement and reliability
#
# *Cronbach's alpha* shows whether the questions of a scale measure the same thing (0.7 or more is good).
# *ICC(1)* is the share of the differences between employees that is due to the group they belong to;
# *ICC(2)* is how reliable a group's mean is. *r_wg(j)* is the agreement within a group (0.7 or more means
# that the group's mean stands for fairly similar answers). Alpha for the RK questions is computed on
# answers about several groups from the same person and is descriptive only.

# %%
for key in ("alpha", "icc", "rwg"):
    if len(r.agreement[key]):
        display(export.captioned(report.agreement_display(r.agreement, key, inst, language, min_n),
                                 text(f"report.caption.{key}", language)))

# %% [markdown] tags=["da"]
# ## Ledelse og motivation
#
# De fire former for strategisk relationel ledelse og medarbejdernes motivation, som medarbejderne selv
# oplever dem, ved førmåling og eftermåling.

# %% [markdown] tags=["en"]
# ## Leadership and motivation
#
# The four forms of strategic relational leadership and the employees' motivation, as the employees
# themselves experience them, at baseline and follow-up.

# %%
employee_scales = r.scales_of("employee")
if len(employee_scales):
    display(export.captioned(report.change_table(employee_scales, "scale", inst, language, min_n),
                             text("report.caption.employee_scales", language)))
    ax = plots.scale_change(employee_scales, language=language, instrument=inst)
    export.figure(ax.figure, alt.alt_scales(employee_scales, inst, language))
else:
    display(Markdown(narrative.no_data(language)))

# %% [markdown] tags=["da"]
# ## Borgerne
#
# Borgernes oplevelse af samskabelse, tilfredshed og effekt af indsatsen, ved førmåling og eftermåling.

# %% [markdown] tags=["en"]
# ## The citizens
#
# The citizens' experience of co-creation, satisfaction and the effect of the effort, at baseline and
# follow-up.

# %%
citizen_scales = r.scales_of("citizen")
if len(citizen_scales):
    display(export.captioned(report.change_table(citizen_scales, "scale", inst, language, min_n),
                             text("report.caption.citizen_scales", language)))
    ax = plots.scale_change(citizen_scales, language=language, instrument=inst)
    export.figure(ax.figure, alt.alt_scales(citizen_scales, inst, language))
else:
    display(Markdown(narrative.no_data(language)))

# %% [markdown] tags=["da"]
# ## Kommunen blandt de andre kommuner i undersøgelsen
#
# Kommunens indeks sammenlignet med de andre kommuner i data (kommunen selv er ikke med i sammenligningen,
# og ingen andre kommuner nævnes). Rang 1 er den højeste værdi.

# %% [markdown] tags=["en"]
# ## The kommune among the other kommuner in the study
#
# The kommune's index compared with the other kommuner in the data (the kommune itself is not part of the
# comparison, and no other kommune is named). Rank 1 is the highest value.

# %%
if len(r.benchmark):
    display(export.captioned(report.benchmark_display(r.benchmark, inst, language),
                             text("report.caption.benchmark", language)))
    if note := narrative.benchmark_note(r.benchmark, inst, language):
        display(Markdown(note))
else:
    display(Markdown(narrative.no_data(language)))

# %%
display(Markdown(narrative.section(text("briefing.methods.heading", language), r.methods)))
display(Markdown(narrative.section(text("briefing.limitations.heading", language), r.limitations, level=3,
                                   bullets=True)))

# %% [markdown] tags=["da"]
# ## Dokumentation
#
# Versioner, parametre og kontrolsummer for de data, rapporten bygger på.

# %% [markdown] tags=["en"]
# ## Documentation
#
# Versions, parameters and checksums of the data the report is built on.

# %%
prov = run.provenance()
report.write_summary(run.out_dir / "summary.json", report.summary(r, parameters=run.parameters, provenance=prov))
display(export.captioned(report.provenance_table(prov, language, time.time() - started),
                         text("report.caption.provenance", language)))
display(Markdown(text("report.provenance_note", language)))

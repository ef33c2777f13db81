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
instrument = ""  # default: the store's own codebook (data_dir/codebook.yaml), else params/instrument.yaml
params_dir = ""  # default: params/kommuner
baseline = ""  # default: the codebook's baseline label
followup = ""  # default: the codebook's follow-up label
min_n = 5
min_n_override_reason = ""  # required for a min_n below the codebook's floor (privacy.min_n_floor); printed
language = "da"
national = ""  # the batch run's national tables file (default: computed here)

# %% tags=["remove"]
import time

from IPython.display import Markdown, display

from relkap import benchmark, fmt, load, plots, publish, report
from relkap.plots import alt
from relkap.report import brief, briefing, changed, narrative, response, targeted
from relkap.report import waves as over_waves
from relkap.labels import wave_label
from relkap.words import text


def appendix(markdown: str) -> None:
    """A heading or text of the appendix (its cell is tagged \"appendix\": folded on screen, printed)."""
    display(Markdown(markdown))

started = time.time()
run = report.inputs(kommune, data_dir=data_dir, out_dir=out_dir, instrument=instrument, params_dir=params_dir,
                    baseline=baseline, followup=followup, min_n=min_n, language=language)
inst, kp = run.instrument, run.params
# Disclosure rule: every shared number is computed without the hidden cells (groups, ties, tie dimensions
# with fewer than min_n answers); the full data give only the response overview and which groups and ties
# exist (shown as "n<min_n"). report.build applies it.
r = report.build(load(run.data_dir), inst, kp, min_n=min_n, language=language, source=run.data_dir,
                 national=benchmark.NationalTables.read(national) if national else None,
                 min_n_override_reason=min_n_override_reason or None)
name = r.name

# %%
# The brief: two printed pages for a meeting (relkap.report.brief). Page one: what this is, the answer, the
# ties now and their change; page two ("##" starts it): three ties to talk about, the ties the kommune worked
# on with their caveat, who answered.
publish.title(brief.title(r), text("report.document_title", language, name=name), language)
if kp.source == "defaults":
    display(Markdown(text("report.defaults", language, name=name, kommune=r.kommune)))
if r.missing_waves:  # the codebook declares waves the kommune has no answers from
    display(Markdown(over_waves.missing_note(r.missing_waves, inst, language)))
parts = brief.sections(r)
display(Markdown(parts["intro"]))
display(Markdown(parts["picture"]))
latest = r.wave_ties(r.waves_present[-1])
change = r.tie_diff if r.has_followup else None
title = wave_label(r.waves_present[-1], language, inst)
# one HTML table for screen and print (the export's print stylesheet fits it to A4 in its colours)
publish.html(plots.tie_heatmap_html(latest, min_n=min_n, language=language, instrument=inst, title=title,
                                    targeted=r.targeted, change=change,
                                    summary=alt.alt_tie_heatmap(latest, inst, language, min_n)))

# %%
display(Markdown(parts["dialogue"]))
if parts["targeted"]:
    display(Markdown(parts["targeted"]))
display(Markdown(parts["who"]))

# %%
# The full report: contents, then each fact once; researcher material in the appendix ("Bilag").
publish.html(publish.contents(text("brief.contents", language)))
display(Markdown(f"## {text('report.who_heading', language)}"))
display(Markdown(narrative.overview_note(r.shown_overview, inst, min_n, r.has_followup, language,
                                         hidden=r.hidden_groups)))
# the figures are SVG written from the data, in the page (text stays text; their alt text is their <title>/<desc>)
publish.svg(plots.response_overview_svg(r.employees, min_n=min_n, language=language, instrument=inst))
display(publish.captioned(response.response_table(r.rates, language, inst, min_n).style.hide(axis="index"),
                          text("report.caption.response", language)))
display(Markdown(text("briefing.response.note", language, threshold=fmt.percent(response.LOW_RESPONSE, language),
                      min_n=min_n)))
if over_waves.linked_sentence(r.linked, min_n, language):
    display(Markdown(over_waves.linked_sentence(r.linked, min_n, language)))
if r.unknown_rate_waves:
    display(Markdown(text("briefing.response.unknown", language,
                          waves=over_waves.wave_names(r.unknown_rate_waves, inst, language))))
display(Markdown(narrative.section(text("briefing.reading.heading", language),
                                   briefing.reading_guide(language, inst, min_n, targeted=bool(r.targeted)),
                                   level=3, bullets=True)))

# %% [markdown] tags=["da", "same-page"]
# ## Relationel kapacitet før og efter
#
# Tabellen viser målet for relationel kapacitet (gennemsnittet af de seks dimensioner af samarbejdet med de
# *andre* grupper) og hver dimension ved hver måling. *Ændring* er forskellen mellem de viste tal.

# %% [markdown] tags=["en", "same-page"]
# ## Relational capacity before and after
#
# The table shows the measure of relational capacity (the mean of the six dimensions of collaboration with
# the *other* groups) and each dimension in each wave. *Change* is the difference of the numbers shown.

# %%
display(Markdown(briefing.headline(r.rk, language, instrument=inst)))
# every wave and the tested changes in one table (first to latest; with three or more waves also the latest step)
tested = [(r.first_wave, r.latest_wave, r.rk)] if r.has_followup else []
if r.previous_wave is not None:
    tested.append((r.previous_wave, r.latest_wave, r.rk_previous))
display(publish.captioned(report.wave_change_table(r.rk_waves, tested, inst, language, min_n),
                          text("brief.caption_waves", language)))

# %% [markdown] tags=["da"]
# ### Samarbejdet mellem grupperne
#
# Hver række er den gruppe, der vurderer; hver kolonne er den gruppe, der bliver vurderet. Tallet nederst i
# feltet er antallet af svar. Farverne og de grå felter læses som i vejledningen ovenfor.

# %% [markdown] tags=["en"]
# ### Collaboration between the groups
#
# Each row is the group that rates; each column is the group that is rated. The number at the bottom of the
# cell is the number of answers. Read the colours and the grey cells as the guide above says.

# %%
# the latest wave's heat map is the brief's picture; here the earlier waves, then the change (HTML tables on
# screen and in print, as the brief's)
for w in r.waves_present[:-1]:
    wave_ties = r.wave_ties(w)
    publish.html(plots.tie_heatmap_html(wave_ties, min_n=min_n, language=language, instrument=inst,
                                        title=wave_label(w, language, inst), targeted=r.targeted,
                                        summary=alt.alt_tie_heatmap(wave_ties, inst, language, min_n)))

# %%
if r.has_followup:
    display(Markdown(narrative.change_map_intro(language)))
    publish.html(plots.change_heatmap_html(r.tie_diff, min_n=min_n, language=language, instrument=inst,
                                           targeted=r.targeted,
                                           summary=alt.alt_change_heatmap(r.tie_diff, inst, language, min_n)))
else:
    display(Markdown(narrative.no_followup(language)))

# %%
if r.most_changed is not None:
    display(Markdown(narrative.section(text("briefing.most_changed.heading", language),
                                       [text("briefing.most_changed.intro", language, k=report.model.MOST_CHANGED_K,
                                             min_n=min_n)], level=3)))
    most = changed.most_changed_table(r.most_changed, language, inst, min_n)
    if len(most):
        display(publish.captioned(most.drop(columns=[text("glossary.ci_short", language)]).style.hide(axis="index"),
                                  text("report.caption.most_changed", language)))
    else:
        display(Markdown(text("briefing.most_changed.none", language, min_n=min_n)))

# %%
if r.targeted_comparison is not None:
    display(Markdown(narrative.section(text("briefing.targeted.heading", language),
                                       targeted.targeted_text(r.targeted_comparison, language, inst), level=3)))
    display(publish.captioned(targeted.targeted_table(r.targeted_comparison, language).style.hide(axis="index"),
                              text("report.caption.targeted", language)))
    display(Markdown(narrative.section(text("briefing.targeted.caveats_heading", language),
                                       targeted.targeted_caveats(language), level=4, bullets=True)))

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
display(publish.captioned(report.received_perceived_table(r.ties, inst, language, min_n).style.hide(axis="index"),
                          text("report.caption.received_perceived", language)))
display(Markdown(text("briefing.limitations.rater_sets", language)))

# %% [markdown] tags=["da", "same-page"]
# ## Ledelse, motivation og borgerne
#
# De fire former for strategisk relationel ledelse og medarbejdernes motivation, som medarbejderne selv
# oplever dem, og borgernes oplevelse af samskabelse, tilfredshed og effekt, ved hver måling.

# %% [markdown] tags=["en", "same-page"]
# ## Leadership, motivation and the citizens
#
# The four forms of strategic relational leadership and the employees' motivation, as the employees
# themselves experience them, and the citizens' experience of co-creation, satisfaction and effect, in
# each wave.

# %%
for kind in ("employee", "citizen"):
    scales = r.scales_of(kind)
    if len(scales):
        display(publish.captioned(report.plain_change_table(scales, "scale", inst, language, min_n),
                                  text(f"report.caption.{kind}_scales", language)))
    else:
        display(Markdown(narrative.no_data(language)))

# %% [markdown] tags=["da"]
# ### Kommunen blandt de andre kommuner i undersøgelsen
#
# Kommunens indeks sammenlignet med de andre kommuner i data. Ingen andre kommuner nævnes. Tallene står i
# bilaget.

# %% [markdown] tags=["en"]
# ### The kommune among the other kommuner in the study
#
# The kommune's index compared with the other kommuner in the data. No other kommune is named. The numbers
# are in the appendix.

# %%
if len(r.benchmark) and (note := narrative.benchmark_note(r.benchmark, inst, language)):
    display(Markdown(note))
elif not len(r.benchmark):
    display(Markdown(narrative.no_data(language)))

# %%
# The appendix ("Bilag"): folded on screen (the <details> below; CSS hides the cells tagged "appendix" while
# it is closed), printed after a page break.
display(Markdown(f"## {text('brief.appendix', language)}"))
publish.html(f'<details class="relkap-appendix-toggle"><summary>{text("brief.appendix_summary", language)}'
             f'</summary></details><p>{text("brief.appendix_intro", language)}</p>')

# %% tags=["appendix"]
appendix(f"### {text('report.appendix.change_heading', language)}")
display(publish.captioned(report.change_table(r.rk, "dimension", inst, language, min_n),
                          text("report.caption.dimensions", language)))
for kind in ("employee", "citizen"):
    scales = r.scales_of(kind)
    if len(scales):
        display(publish.captioned(report.change_table(scales, "scale", inst, language, min_n),
                                  text(f"report.caption.{kind}_scales", language)))
if r.cross_ties is not None:
    # on screen: the ties' changes with intervals; print keeps their certainty in the change heat map's stars
    publish.svg(plots.forest_plot_svg(r.cross_ties, min_n=min_n, language=language, instrument=inst), media="screen")

# %% tags=["appendix"]
if r.previous_wave is not None:  # three or more waves: the trend with intervals, the latest step, targeted ties
    display(Markdown(narrative.section(text("waves.heading", language),
                                       [over_waves.families_sentence(r.comparisons, inst, language)], level=3)))
    publish.svg(plots.wave_trend_svg(r.rk_waves, min_n=min_n, language=language, instrument=inst, scale=1.2),
                media="screen")  # print: the table
    display(publish.captioned(over_waves.trend_table(r.rk_waves, inst, language, min_n).style.hide(axis="index"),
                              text("waves.trend_caption", language)))
    before, after = (wave_label(w, language, inst).lower() for w in (r.previous_wave, r.latest_wave))
    display(publish.captioned(over_waves.comparison_table(r.rk_previous, r.previous_wave, r.latest_wave, inst,
                                                          language, min_n).style.hide(axis="index"),
                              text("waves.change_caption", language, before=before, after=after)))
    most = changed.most_changed_table(r.most_changed_previous, language, inst, min_n)
    if len(most):
        display(publish.captioned(most.style.hide(axis="index"),
                                  text("waves.most_changed_caption", language, before=before, after=after)))
    else:
        display(Markdown(text("briefing.most_changed.none", language, min_n=min_n)))
    if r.targeted_trajectory is not None and len(r.targeted_trajectory):
        display(publish.captioned(over_waves.trajectory_table(r.targeted_trajectory, inst, language, min_n)
                                  .style.hide(axis="index"), text("waves.targeted_caption", language)))

# %% tags=["interviews", "appendix"]
# Coded interviews beside the survey (joint displays per tie and dimension, themes spoken of), when the
# kommune's interviews are imported; nothing otherwise. Counts below the threshold read "<3"; no quotes.
if r.interviews is not None:
    appendix(f"### {r.interviews.heading}")
    display(r.interviews)

# %% [markdown] tags=["da", "appendix"]
# ### Enighed og pålidelighed
#
# *Cronbachs alfa* viser, om spørgsmålene i en skala måler det samme (0,7 eller mere er godt). *ICC(1)*
# er den andel af forskellene mellem medarbejdere, der skyldes hvilken gruppe de er i; *ICC(2)* er, hvor
# pålideligt en gruppes gennemsnit er. *r_wg(j)* er enigheden inden for en gruppe (0,7 eller mere betyder,
# at gruppens gennemsnit dækker over ret ens svar). Alfa for RK-spørgsmålene er beregnet på svar om flere
# grupper fra samme person og er kun beskrivende.

# %% [markdown] tags=["en", "appendix"]
# ### Agreement and reliability
#
# *Cronbach's alpha* shows whether the questions of a scale measure the same thing (0.7 or more is good).
# *ICC(1)* is the share of the differences between employees that is due to the group they belong to;
# *ICC(2)* is how reliable a group's mean is. *r_wg(j)* is the agreement within a group (0.7 or more means
# that the group's mean stands for fairly similar answers). Alpha for the RK questions is computed on
# answers about several groups from the same person and is descriptive only.

# %% tags=["appendix"]
for key in ("alpha", "icc", "rwg"):
    if len(r.agreement[key]):
        display(publish.captioned(report.agreement_display(r.agreement, key, inst, language, min_n),
                                  text(f"report.caption.{key}", language)))

# %% tags=["appendix"]
if len(r.benchmark):
    appendix(f"### {text('report.caption.benchmark', language)}")
    display(publish.captioned(report.benchmark_display(r.benchmark, inst, language),
                              text("report.caption.benchmark", language)))

# %% tags=["appendix"]
display(Markdown(narrative.section(text("briefing.methods.heading", language), r.methods, level=3)))
# the limitations the main part states beside their numbers (received/perceived; the targeted ties' caveats)
said = {text("briefing.limitations.rater_sets", language)} | ({text(f"briefing.limitations.{k}", language)
                                                               for k in ("regression", "not_proof")}
                                                              if r.targeted_comparison is not None else set())
display(Markdown(narrative.section(text("briefing.limitations.heading", language),
                                   [x for x in r.limitations if x not in said], level=4, bullets=True)))

# %% tags=["appendix"]
appendix(f"### {text('report.appendix.provenance_heading', language)}")
prov = run.provenance()
report.write_summary(run.out_dir / "summary.json", report.summary(r, parameters=run.parameters, provenance=prov))
display(publish.captioned(report.provenance_table(prov, language, time.time() - started),
                          text("report.caption.provenance", language)))
display(Markdown(text("report.provenance_note", language)))

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
# The research questions across all kommuner (H1-H3, RQ1-RQ4). Run from JupyterLab, from
# `relkap.research.run_research(data_dir, out_dir)`, or from the command line:
#   papermill notebooks/research.ipynb out.ipynb -p data_dir data/processed -p out_dir reports/research
# Cells tagged "remove" and the parameters cells are left out of the HTML, and so are the narrative cells
# tagged with the other language ("da" or "en") than the `language` parameter.

# %% tags=["parameters"]
data_dir = ""  # default: data/processed
out_dir = ""  # default: reports/research
instrument = ""  # default: the store's own codebook (data_dir/codebook.yaml), else params/instrument.yaml
params_dir = ""  # default: params/kommuner (arms and targeted ties)
nesting = "vc"  # "vc": kommune intercept + group-in-kommune variance component; "combined": kommune:group
n_boot = 2000  # bootstrap resamples of kommuner (mediation)
mediation_correction = "mediator"  # sampling-error correction of the kommune means: "mediator", "all", "none"
n_permutations = 999  # arm permutations over kommuner (RQ4)
seed = 1
min_units = 20  # fewer kommuner than this: kommune-level results are flagged as low-powered
min_n = 5
language = "da"  # narrative, tables and figures ("da" or "en")
text_language = "en"  # methods and limitations text ("en" for a paper, "da")
decimal = ","  # decimal mark of the CSV files

# %% tags=["remove"]
import time

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from relkap import config, interviews, load, load_instrument, measurement, publish, report, research
from relkap.io.codebook import store_codebook_path
from relkap.provenance import relative
from relkap.params import load_all_kommune_params
from relkap.words import text, text_n

started = time.time()
data_path = config.resolve(data_dir or None, config.PROCESSED_DIR)
instrument_path = store_codebook_path(data_path, instrument or None)
inst = load_instrument(instrument_path)
out_path = config.resolve(out_dir or None, config.REPORTS_DIR / "research")
out_path.mkdir(parents=True, exist_ok=True)
kparams = load_all_kommune_params(params_dir or None)
arms = {k: p.arm for k, p in kparams.items()}
targeted = {k: p.targeted_ties for k, p in kparams.items() if p.targeted_ties}
tables = load(data_path)
# paths as the project names them (never a local absolute path in a shared summary)
parameters = {"data_dir": relative(data_path), "params_dir": relative(params_dir or config.KOMMUNE_PARAMS_DIR),
              "instrument": relative(instrument_path), "nesting": nesting, "n_boot": int(n_boot),
              "n_permutations": int(n_permutations), "seed": int(seed), "min_units": int(min_units),
              "min_n": int(min_n), "mediation_correction": mediation_correction}
results = research.analyse(tables, inst, arms=arms, targeted=targeted, nesting=nesting, n_boot=int(n_boot),
                           n_permutations=int(n_permutations), seed=int(seed), min_units=int(min_units),
                           min_n=int(min_n), mediation_correction=mediation_correction)
results.update(measurement.as_results(measurement.measure(tables, inst)))  # CFA and invariance, pooled
n = research.counts(results)
plt.rcParams["figure.dpi"] = 90

# %%
publish.title(f"# {text('research.heading', language)}", text("research.heading", language), language)

# %% [markdown] tags=["da"]
# Rapporten er skrevet til projektets forskere. Den samler alle kommuner og tester projektets tre hypoteser
# (H1-H3) og fire forskningsspørgsmål (RQ1-RQ4) med de statistiske detaljer: modeller, frihedsgrader,
# justerede p-værdier og følsomhedsanalyser. Den deles ikke med kommunerne: projektets referencegruppe får
# projektbriefen (`brief.html` ved siden af denne fil), og hver kommune får sin egen rapport. Med få kommuner
# er analyserne på kommuneniveau usikre: læs konfidensintervallerne, ikke kun p-værdierne. Et spørgsmål, som
# data ikke kan besvare (for eksempel med for få kommuner), står der en bemærkning om. Alle tabeller gemmes
# også som CSV-filer og i `research_summary.json`.

# %% [markdown] tags=["en"]
# This report is written for the project's researchers. It pools every kommune and tests the project's three
# hypotheses (H1-H3) and four research questions (RQ1-RQ4) with the statistical detail: models, degrees of
# freedom, adjusted p-values and sensitivity analyses. It is not shared with the kommuner: the project's
# reference group gets the project brief (`brief.html` beside this file) and each kommune its own report.
# With few kommuner the kommune-level analyses are uncertain: read the confidence intervals, not only the
# p-values. A question the data cannot answer (with too few kommuner, for example) gets a note saying so.
# Every table is also saved as a CSV file and in `research_summary.json`.

# %%
display(Markdown(f"## {text('research.answer.heading', language)}"))
display(publish.captioned(research.answers_table(results, inst, language, parameters).style.hide(axis="index"),
                          text("research.answer.caption", language)))
display(Markdown(research.answers_rule(language)))
display(Markdown(research.answers_reasons(results, inst, language, parameters)))

# %%
display(publish.captioned(research.counts_table(n, language).style.hide(axis="index"), text("research.count", language)))
display(Markdown(research.waves_note(results, inst, language)))  # the waves every model uses, in time order

# %% [markdown] tags=["da"]
# ## 1. Kan RK behandles som en egenskab ved kommunen?
#
# Før vi sammenligner kommuner, tjekker vi, om medarbejderne i samme kommune (og samme faggruppe) ligner
# hinanden nok til, at et gennemsnit giver mening. *ICC(1)* er den andel af forskellene mellem
# medarbejdere, der ligger mellem enhederne (over 0,05 er almindeligt), *ICC(2)* er, hvor pålideligt
# enhedens gennemsnit er (0,70 eller mere), og *r_wg(j)* er enigheden inden for enheden (medianen over
# enheder med kvartilerne; 0,70 eller mere). Kolonnen *Over grænsen* siger for hvert mål, om det når sin
# grænse; *Samlet vurdering* gælder niveauet i den måling (alle tre mål: begrundet; to: delvis begrundet).

# %% [markdown] tags=["en"]
# ## 1. Can RK be treated as a property of the kommune?
#
# Before comparing kommuner we check whether employees in the same kommune (and the same professional group)
# are alike enough for a mean to make sense. *ICC(1)* is the share of the differences between employees that
# lies between the units (above 0.05 is common), *ICC(2)* is how reliable a unit's mean is (0.70 or more), and
# *r_wg(j)* is the agreement within the unit (median over units with the quartiles; 0.70 or more). The column
# *Meets threshold* says for each statistic whether it reaches its threshold; *Overall verdict* is the level's
# in that wave (all three: justified; two: partly justified).

# %%
research.present(results, "aggregation", inst, language, plot=False, decimals=3)  # ICC(1) beside its 0,05

# %% [markdown] tags=["da"]
# ## 1b. Måler skalaerne det samme i hver måling og faggruppe?
#
# Før gennemsnit sammenlignes mellem målinger og faggrupper, tjekker vi måleinstrumentet med
# konfirmatorisk faktoranalyse (maximum likelihood som R-pakken lavaan) på de samlede data: RK som én
# faktor med de seks dimensioner (hver medarbejders gennemsnit pr. dimension over de andre faggrupper),
# ledelse som fire korrelerede delskalaer, motivation og borgerskalaerne. Tilpasningen (CFI og TLI over
# 0,95, RMSEA og SRMR under 0,06-0,08 er gode), de standardiserede ladninger og reliabiliteten (McDonalds
# omega ved siden af Cronbachs alfa) står først. Derefter målingsinvarians: har modellen samme struktur,
# samme ladninger (metrisk) og samme skæringspunkter (skalar) i begge målinger og i alle faggrupper? Kun
# med skalar invarians kan gennemsnit sammenlignes direkte. Hvor et skæringspunkt er frigjort (delvis
# invarians), ændrer netop det spørgsmål sig, uden at det, der måles, gør det.

# %% [markdown] tags=["en"]
# ## 1b. Do the scales measure the same thing in every wave and group?
#
# Before means are compared between waves and groups, we check the instrument with confirmatory factor
# analysis (maximum likelihood as the R package lavaan) on the pooled data: RK as one factor with the six
# dimensions (each employee's mean per dimension over the other groups), leadership as four correlated
# subscales, motivation and the citizen scales. Fit (CFI and TLI above 0.95, RMSEA and SRMR below
# 0.06-0.08 are good), the standardised loadings and the reliability (McDonald's omega beside Cronbach's
# alpha) come first. Then measurement invariance: does the model have the same structure, equal loadings
# (metric) and equal intercepts (scalar) in both waves and in every professional group? Only with scalar
# invariance can means be compared directly. Where an intercept is freed (partial invariance), that item
# changes without what it measures changing.

# %%
shown = measurement.measurement_display(results, inst, language)
for name in ("fit", "loadings", "reliability", "invariance"):
    if name in shown:
        display(publish.captioned(shown[name].style.hide(axis="index"), text(f"measurement.caption.{name}", language)))
display(Markdown(measurement.invariance_rule(language) + " " + text("measurement.levels_note", language)))
display(Markdown(" ".join(w["text"] for w in measurement.measurement_block(results, language)["waves"].values())))

# %% [markdown] tags=["da"]
# ## 2. H1: Formelle strukturer og relationel kapacitet
#
# Forskernes kodning af de formelle strukturer (gennemsnit af de fire dimensioner og to kodere) mod
# kommunens RK i hver måling: på kommuneniveau (OLS med kommune-klyngede standardfejl og t med antal
# kommuner − 1 frihedsgrader) og i en mixed model på medarbejderniveau, hvor strukturernes effekt mellem
# kommuner er H1-estimatet. Strukturerne varierer kun mellem kommuner, så testen hviler på kommunerne:
# p-værdien er en t-test med Satterthwaite-frihedsgrader (kolonnen *Frihedsgrader*), ikke en
# normalfordelingstest. *Estimat* er ændringen i RK pr. point på strukturskalaen; *Standardiseret* er den
# standardiserede koefficient.

# %% [markdown] tags=["en"]
# ## 2. H1: Formal structures and relational capacity
#
# The researchers' coding of the formal structures (mean of the four dimensions and two coders) against the
# kommune's RK in each wave: at kommune level (OLS with kommune-clustered standard errors and t with the
# number of kommuner − 1 df) and in a mixed model at employee level, where the structures' effect between
# kommuner is the H1 estimate. Structures vary only between kommuner, so the test rests on the kommuner:
# the p-value is a t test on Satterthwaite degrees of freedom (column *df*), not a normal test. *Estimate* is
# the change in RK per point on the structure scale; *Standardised* is the standardised coefficient.

# %%
research.present(results, "h1_structures_rk", inst, language, label=["model", "predictor"],
                 estimate="estimate_std", xlabel="std")

# %% [markdown] tags=["da"]
# ## 3. H2 og RQ3: Ledelse, relationel kapacitet og motivation
#
# De fire former for strategisk relationel ledelse og deres gennemsnit mod medarbejderens RK og motivation.
# Mixed models med medarbejdere i faggrupper i kommuner (valget af struktur står i metodeteksten).
# *Korrigeret for målefejl* er korrigeret for målefejl i ledelsesskalaen (Cronbachs alfa i kolonnen
# *Reliabilitet*). p-værdierne er t-test med Satterthwaite-frihedsgrader. De samme medarbejdere vurderer
# både ledelsen og RK/motivation, hvilket gør sammenhængen større (fælles metodevarians). Kolonnen *Delt
# stikprøve* tager ledelse fra en tilfældig halvdel af hver faggruppes medarbejdere og udfaldet fra den
# anden halvdel: et konservativt estimat af sammenhængen mellem grupper uden fælles kilde.

# %% [markdown] tags=["en"]
# ## 3. H2 and RQ3: Leadership, relational capacity and motivation
#
# The four forms of strategic relational leadership and their mean against the employee's RK and motivation.
# Mixed models with employees in professional groups in kommuner (the choice of structure is given in the
# methods text). *Corrected for measurement error* is corrected for measurement error in the leadership
# scale (Cronbach's alpha in the column *Reliability*). The p-values are t tests on Satterthwaite df. The
# same employees rate both the leadership and their RK/motivation, which inflates the association
# (common-method variance). The column *Split sample* takes leadership from a random half of each group's
# employees and the outcome from the other half: a conservative estimate of the association between
# groups without a shared source.

# %%
research.present(results, "h2_leadership", inst, language, label=["outcome", "predictor"],
                 estimate="estimate_std", xlabel="std")

# %% [markdown] tags=["da"]
# ## 4. H3: Strukturer og ledelse påvirker hinanden
#
# Sammenhængen mellem strukturer og ledelse på tværs af kommuner i hver måling, hældningen over alle
# kommune-målinger og, med to målinger, det krydsforsinkede mønster (standardiserede koefficienter):
# forudsiger strukturer ved førmålingen ledelse ved eftermålingen, når ledelse ved førmålingen holdes fast,
# og omvendt? Enhederne er kommuner, så alle test bruger t med kommunernes frihedsgrader (kolonnen *Metode*).

# %% [markdown] tags=["en"]
# ## 4. H3: Structures and leadership influence each other
#
# The association between structures and leadership across kommuner in each wave, the slope over all
# kommune-waves and, with two waves, the cross-lagged pattern (standardised coefficients): do structures at
# baseline predict leadership at follow-up when leadership at baseline is held fixed, and the other way
# round? The units are kommuner, so every test uses t on the kommuner's df (column *Method*).

# %%
research.present(results, "h3_structures_leadership", inst, language, label=["analysis", "path", "wave"])

# %% [markdown] tags=["da"]
# ## 5. RQ1: Samskabelse, tilfredshed og oplevet effekt (borgerne)
#
# Borgernes oplevelse af samskabelse mod deres tilfredshed og oplevede effekt, med tilfældigt intercept for
# kommunen (t-test med Satterthwaite-frihedsgrader). Samskabelse og udfald er besvaret af de samme borgere.

# %% [markdown] tags=["en"]
# ## 5. RQ1: Co-creation, satisfaction and perceived effect (the citizens)
#
# The citizens' experience of co-creation against their satisfaction and perceived effect, with a random
# intercept for the kommune (t tests on Satterthwaite df). Co-creation and outcomes are rated by the same
# citizens.

# %%
research.present(results, "rq1_cocreation", inst, language, label=["outcome"], estimate="estimate_std",
                 xlabel="std")

# %% [markdown] tags=["da"]
# ## 6. RQ2: Relationel kapacitet og borgernes oplevelse
#
# Kommunens RK mod borgernes samskabelse, tilfredshed og oplevede effekt i samme måling, og mediationen
# ledelse → RK → borgerudfald (sti *a*: ledelse → RK; *b*: RK → udfald; *indirekte* = a × b; *direkte*:
# ledelse → udfald ved fast RK), justeret for strukturer, med bootstrap over kommuner. Kommunens RK er et
# gennemsnit af forholdsvis få besvarelser; kolonnen *Korrigeret for målefejl* og mediationen er korrigeret
# for denne usikkerhed (se metodeteksten). RK → udfald testes med t med antal kommuner − 1 frihedsgrader,
# mediationen med en bootstrap over kommuner.

# %% [markdown] tags=["en"]
# ## 6. RQ2: Relational capacity and the citizens' experience
#
# The kommune's RK against the citizens' co-creation, satisfaction and perceived effect in the same wave, and
# the mediation leadership → RK → citizen outcome (path *a*: leadership → RK; *b*: RK → outcome; *indirect* =
# a × b; *direct*: leadership → outcome at fixed RK), adjusted for structures, with a bootstrap over kommuner.
# The kommune's RK is a mean of relatively few answers; the column *Corrected for measurement error* and the
# mediation are corrected for this uncertainty (see the methods text). RK → outcome is tested with t on the
# number of kommuner − 1 df, the mediation with a bootstrap over kommuner.

# %%
research.present(results, "rq2_rk_citizen", inst, language, label=["outcome"], plot=False)
if results["rq2_mediation"].get("low_power", pd.Series(dtype=bool)).any():
    display(Markdown(text("research.note", language,
                          text=text_n("research.low_power", n["kommuner"], language, k=n["kommuner"], m=min_units))))
research.present(results, "rq2_mediation", inst, language, label=["outcome", "path"])

# %% [markdown] tags=["da"]
# ## 7. RQ4: Virker indsatserne?
#
# Det primære estimat: de relationer, indsatserne var rettet mod, sammenlignet med *de samme gruppepar* i
# kontrolkommunerne, som en tredobbelt difference (relationer med indsats mod kommunens øvrige relationer,
# indsats mod kontrol), hvor hver relations ændring er justeret for dens værdi ved førmålingen. Teams vælger
# svage relationer, og en relation, der tilfældigt blev målt lavt, stiger af sig selv ved næste måling
# (regression mod middelværdien); uden justeringen ville det ligne en effekt. Indsatsen blev tildelt kommuner,
# så p-værdien kommer fra en permutationstest af forsøgsarmene over kommuner, hvor hver kommune beholder sine
# relationer. Følsomhedsanalyser: det samme uden justering, pr. dimension, og difference-in-differences over
# alle relationer (*Estimat (mixed model)* og *p (mixed model)* med Satterthwaite-frihedsgrader, højst
# kommunernes J − 2).

# %% [markdown] tags=["en"]
# ## 7. RQ4: Do the interventions work?
#
# The primary estimate: the ties the interventions targeted compared with *the same group pairs* in the
# control kommuner, as a triple difference (targeted versus the kommune's other ties, intervention versus
# control) in which each tie's change is adjusted for its baseline value. Teams choose weak ties, and a tie
# that was measured low by chance rises by itself at the next wave (regression to the mean); without the
# adjustment that would look like an effect. The interventions were assigned to kommuner, so the p-value
# comes from a permutation test of the arms over kommuner in which each kommune keeps its ties. Sensitivity
# analyses: the same without the adjustment, per dimension, and the difference-in-differences over all ties
# (*Estimate (mixed model)* and *p (mixed model)* on Satterthwaite df, at most the kommuner's J − 2).

# %%
research.present(results, "rq4_did", inst, language, label=["scope", "dimension", "wave"], xlabel="did")

# %% [markdown] tags=["da"]
# ### Hver måling mod førmålingen (event study) og trend
#
# Med mere end to målinger sammenlignes hver senere måling med førmålingen på samme måde som ovenfor, og den
# primære test er den seneste måling mod førmålingen; de tidligere målinger er en Holm-familie for sig (kolonnen
# *Testfamilie*). *Alle målinger* er forskellen mellem forsøgsarmene i den lineære trend over målingerne (point
# pr. måling, målingerne med lige afstand i deres rækkefølge): for relationerne med indsats hver relations
# hældning, justeret som ovenfor; for alle relationer kommunernes hældninger med en permutationstest og, som
# model, OLS af kommune-målingernes gennemsnit med kommune-klyngede CR2-standardfejl og
# Satterthwaite-frihedsgrader. Med to målinger er tabellen ovenfor hele svaret.

# %% [markdown] tags=["en"]
# ### Each wave against baseline (event study) and trend
#
# With more than two waves each later wave is compared with baseline as above, and the primary test is the
# latest wave against baseline; the earlier waves form a Holm family of their own (column *Test family*).
# *All waves* is the difference between the arms in the linear trend over the waves (points per wave, the waves
# equally spaced in their order): for the targeted ties each tie's slope, adjusted as above; for all ties the
# kommuner's slopes with a permutation test and, as a model, OLS of the kommune-wave means with
# kommune-clustered CR2 standard errors and Satterthwaite df. With two waves the table above is the whole
# answer.

# %%
event_rows = research.event_study_rows(results)
if event_rows["wave"].nunique() > 1:  # more than one later wave, or a trend
    research.present({"rq4_event_study": event_rows}, "rq4_event_study", inst, language,
                     label=["wave", "wave_term"], xlabel="did")

# %% [markdown] tags=["da"]
# ### Interviews ved siden af spørgeskemaet
#
# Hvor kodede interviews er importeret: om interviewene taler om de målrettede relationer som en styrke
# oftere ved eftermålingen (RQ4), og hvordan interviewenes temaer om strukturer (H1) og ledelse (H2/RQ3)
# ligger i forhold til spørgeskemaet. Antal under grænsen vises ikke; citater vises aldrig.

# %% [markdown] tags=["en"]
# ### Interviews beside the survey
#
# Where coded interviews are imported: whether the interviews speak of the targeted ties as a strength more
# often at follow-up (RQ4), and how the interviews' themes on structures (H1) and leadership (H2/RQ3) line
# up with the survey. Counts below the threshold are not shown; quotes never are.

# %%
if len(tables.codings):
    joint = interviews.research_joint(tables, tables.codings, arms, targeted, inst, min_n=int(min_n))
    display(interviews.research_display(joint, inst, language))
else:
    display(Markdown(text("interviews.none", language)))

# %%
# Intercoder agreement: interview themes per passage (kappa, alpha) and the documents' structure codings
# (alpha, interval), where two or more coders coded the same material.
agreement = interviews.agreement_section(tables.codings, tables.structures, inst, language)
display(Markdown(f"### {agreement.heading}"))
display(agreement)

# %% [markdown] tags=["da"]
# ## 8. Metode og begrænsninger
#
# Teksten nedenfor er dannet ud fra parametrene og de faktiske antal og kan bruges som udgangspunkt for
# metodeafsnittet i en artikel.

# %% [markdown] tags=["en"]
# ## 8. Methods and limitations
#
# The text below is generated from the parameters and the actual numbers and can serve as a starting point
# for the methods section of a paper.

# %%
display(Markdown(research.methods_text(results, parameters, text_language, inst)))
display(Markdown(f"### {text('research.limitations', text_language)}\n\n"
                 + research.limitations_text(results, parameters, text_language)))

# %% [markdown] tags=["da"]
# ## 9. Dokumentation
#
# Tabellerne er gemt som CSV (semikolon, UTF-8 med BOM) og i `research_summary.json`.

# %% [markdown] tags=["en"]
# ## 9. Documentation
#
# The tables are saved as CSV (semicolon, UTF-8 with BOM) and in `research_summary.json`.

# %%
paths = research.write_tables(results, out_path, parameters, decimal=decimal, language=text_language,
                              instrument=inst)
display(publish.captioned(report.provenance(data_path, instrument_path, parameters, started, language),
                          text("report.caption.provenance", language)))

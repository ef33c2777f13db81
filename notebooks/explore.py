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

# %% [markdown]
# # Udforsk relationel kapacitet
#
# Vælg kommune (eller alle), måling (hver måling i kodebogen ved sit navn, ændringen mellem to målinger, som
# du vælger under "Fra" og "Til", eller udviklingen over alle målinger), RK-indekset eller én af de seks
# dimensioner, sprog og `min_n`. Figuren viser varmekortet, netværket eller kommunen mod alle kommuner
# (benchmark; ingen anden kommune nævnes); tabellen viser relationerne. Vælg en relation for at se dens
# profil på de seks dimensioner i hver måling med n, konfidensinterval, Hedges' g og justeret p.
# Felter med færre end `min_n` svar vises ikke, heller ikke her. Hold musen over et felt i varmekortet for
# konfidensinterval eller p-værdi. `explorer.figure.savefig("figur.png")` gemmer den viste figur, som den
# ser ud i rapporterne; `explorer.table` og `explorer.drill` er tabellerne bag, `explorer.data` alle tabeller.
#
# Explore the data interactively (kernel needed): hover a heat map cell for its CI or p-value;
# `explorer.figure` is the current view as a matplotlib figure (as in the reports) for `savefig`;
# `explorer.table`, `explorer.drill` and `explorer.data` (e.g. `explorer.data.benchmark(766, "rk", 5,
# "baseline")`) are the tables behind the views. The exported kommune reports are static.

# %% tags=["parameters"]
data_dir = ""  # default: data/processed
instrument = ""  # default: the store's own codebook (data_dir/codebook.yaml), else params/instrument.yaml
min_n = 5
language = "da"

# %%
from relkap.io.codebook import store_instrument
from relkap.explore import explore

inst = store_instrument(data_dir or None, instrument or None)  # the codebook, chosen once here
explorer = explore(data_dir or None, instrument=inst, min_n=min_n, language=language)
explorer

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

# %% [markdown]
# # Udforsk relationel kapacitet
#
# Vælg kommune (eller alle), måling (baseline, opfølgning eller ændring), RK-indekset eller én af de seks
# dimensioner, sprog og `min_n`. Figuren viser varmekortet, netværket eller kommunen mod alle kommuner
# (benchmark; ingen anden kommune nævnes); tabellen viser relationerne. Vælg en relation for at se dens
# profil på de seks dimensioner i begge målinger med n, konfidensinterval, Hedges' g og justeret p.
# Felter med færre end `min_n` svar vises ikke, heller ikke her.
#
# Explore the data interactively (kernel needed). The exported kommune reports are static.

# %% tags=["parameters"]
data_dir = ""  # default: data/processed
instrument = ""  # default: params/instrument.yaml
min_n = 5
language = "da"

# %%
from relkap.explore import explore

explorer = explore(data_dir or None, instrument=instrument or None, min_n=min_n, language=language)
explorer

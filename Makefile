# The two commands: `make demo` and `make test`. Each creates .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The exact versions `make demo` and `make test` install; `make lock` renews it from pyproject.toml.
LOCK := requirements.lock
# Git strips notebook outputs on commit (cell ids, tags and jupytext's metadata kept), so a notebook run in
# JupyterLab leaves the repository clean; .gitattributes names the filter. NB_EXTRA_KEYS are the notebook
# metadata a run adds that nbstripout keeps by default (JupyterLab's language_info, VS Code's); a test reads it.
NBSTRIPOUT := "$(abspath $(BIN))/python" -m nbstripout
NB_EXTRA_KEYS := metadata.language_info metadata.vscode

.PHONY: demo test venv bench lint clean browser screenshots lock

$(STAMP): pyproject.toml $(LOCK) Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name relkap --display-name "Python 3 (relkap)"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(NBSTRIPOUT) --keep-id' && \
	  git config filter.nbstripout.extrakeys '$(NB_EXTRA_KEYS)' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && \
	  git config diff.ipynb.textconv '$(NBSTRIPOUT) -t'; fi
	touch $(STAMP)

venv: $(STAMP)

# The demo has a store of its own (data/demo/processed, raw files in data/demo/raw): a team's data/processed
# never meets it, and `relkap import` refuses to mix synthetic and own data in one store.
demo: $(STAMP)
	$(BIN)/relkap synth --kommuner 10 --seed 1 --waves 3 --out data/demo/raw
	$(BIN)/relkap import data/demo/raw --out data/demo/processed --only-into-own --instrument data/demo/raw/codebook.yaml
	$(BIN)/relkap batch --research --data data/demo/processed --out reports
	@echo "Open reports/index.html for every kommune's report."

# Headless Chromium for the browser tests, from Debian (Playwright is pointed at it; it downloads nothing), and
# axe-core (the accessibility audit of tests/axe_audit.py) from npm at the version package-lock.json pins.
browser:
	@{ command -v chromium && command -v pdftotext && command -v npm; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium (PDFs, browser tests), poppler-utils (PDF text in tests) and npm (axe-core)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver poppler-utils npm >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

# Two processes (pytest-xdist): each test file is one unit of work, so its module fixtures run once. (Not
# --dist loadgroup: with pytest 9.2 xdist 3.8 cannot add the group to a test's id, and splits files.)
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# Renew the README's screenshots (the browser tests write to reports/screenshots otherwise).
screenshots: $(STAMP) browser
	RELKAP_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_privacy.py
	$(BIN)/python benchmarks/bench_batch.py
	-$(BIN)/python benchmarks/bench_explore.py

# Resolve pyproject.toml's dependencies (with the dev, dask and pdf extras) to exact versions for every platform, with uv
# in a throwaway environment. tests/test_lock.py fails when the lock no longer satisfies pyproject.toml.
lock:
	test -x .venv-lock/bin/uv || { $(PYTHON) -m venv .venv-lock && .venv-lock/bin/python -m pip install --quiet uv; }
	.venv-lock/bin/uv pip compile pyproject.toml --extra dev --extra dask --extra pdf --python-version 3.11 --universal --no-header \
	  --quiet -o $(LOCK)

lint: $(STAMP)
	$(BIN)/ruff check relkap tests benchmarks

# The demo's data and the reports; a team's own data/raw and data/processed are never removed.
clean:
	rm -rf reports data/demo data/raw/demo

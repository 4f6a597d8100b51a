# Set-up and entry points. `make demo` and `make test` work on a fresh machine with Python 3.11+.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: setup browser demo test benchmark benchmark-ingest benchmark-cluster benchmark-load benchmark-cli benchmark-ui benchmark-million benchmark-embed benchmark-robustness benchmark-top-level clean

setup: $(VENV)/.installed

# torch first, pinned: 2.13.0 resolves to the CPU wheel here, while an unpinned torch
# (pulled in by sentence-transformers) would download gigabytes of CUDA packages.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install torch==2.13.0
	$(PIP) install -c constraints.txt -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/drive-tagger demo

# The web page's tests drive Debian's chromium through chromedriver (installed once; we run as root)
# and check its accessibility with axe-core, the npm package, kept inside the virtual environment.
AXE_VERSION := 4.14.1
AXE := $(VENV)/node_modules/axe-core/axe.min.js

browser: $(AXE)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver)

$(AXE):
	command -v npm >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm)
	npm install --no-audit --no-fund --no-save --prefix $(VENV) axe-core@$(AXE_VERSION)

# Lint, format and type checks first (ruff: seconds; mypy over drive_tagger/ and the test doubles:
# under a minute), then the suite on two workers.
test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Issues #5 and #14: ST encode vs `drive-tagger ingest`, whole processes, 1,000 BBC documents (several minutes).
benchmark-ingest: setup
	$(BIN)/python benchmarks/ingest_speed.py

# Issue #4: refresh of 10k and 100k stored documents vs BERTopic's UMAP + HDBSCAN (a few minutes).
benchmark-cluster: setup
	$(BIN)/python benchmarks/cluster_speed.py

benchmark: setup
	$(BIN)/python -m benchmarks.api_and_queue

# Issue #11: 200 concurrent clients (wrk) for 60 s on a 100,000-document workspace.
benchmark-load: setup
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python -m benchmarks.api_load

# Issue #14: a million documents: store, refresh, arrivals, reads under 20 clients (wrk; about an hour).
benchmark-million: setup
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python -m benchmarks.million --index-trial 100000

# Issue #14: POST /embed under 20 clients, today's set-up against the batched default (wrk; minutes).
benchmark-embed: setup
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python -m benchmarks.embed_load

# Issue #10: cold start of the query commands, whole processes.
benchmark-cli: setup
	$(BIN)/python benchmarks/cli_startup.py

# Issue #15: first paint of the web page and a filter's first page on a 100,000-document workspace.
benchmark-ui: setup browser
	$(BIN)/python -m benchmarks.ui_speed

clean:
	rm -rf $(VENV)

# Issue #27: filters and names over 9 collections x 5 sizes x 8 seeds, beside KMeans told the true k,
# BERTopic, EVōC and Topeax (hours; ARGS=--quick for minutes). turftopic comes without its pins
# (it wants rich<14; typer here has rich 15); the Debian packages give 4 of the collections.
ROBUSTNESS_DEBS := fortunes manpages manpages-dev linux-doc-6.1 python3.11-doc
benchmark-robustness: setup
	$(PIP) install -c constraints.txt -e '.[dev,peers]'
	$(PIP) install --no-deps 'turftopic==0.28.0'
	ls /var/lib/apt/lists/*_main_i18n_Translation-en* >/dev/null 2>&1 || apt-get -o Acquire::Languages=en update -q
	dpkg -s $(ROBUSTNESS_DEBS) >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(ROBUSTNESS_DEBS)
	$(BIN)/python -m benchmarks.robustness $(ARGS)

# The model selection alone on the same collections and subsets (no names, no peers): a minute or two.
benchmark-top-level: setup
	ls /var/lib/apt/lists/*_main_i18n_Translation-en* >/dev/null 2>&1 || apt-get -o Acquire::Languages=en update -q
	dpkg -s $(ROBUSTNESS_DEBS) >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(ROBUSTNESS_DEBS)
	$(BIN)/python -m benchmarks.top_level $(ARGS)

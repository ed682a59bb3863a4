# Papers Archive. `make site` builds the site from the bundled archive; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install node-deps browser site serve test test-engine engine engines no-mkdocs lint format check golden clean linkcheck lock system-deps screenshots

# The engine that builds the site (generator/engines.py): mkdocs (the default), properdocs or zensical.
# Each has its own lock, every package pinned with its hashes: requirements.lock (MkDocs and Material),
# requirements-properdocs.lock, requirements-zensical.lock (neither MkDocs nor Material). Every lock
# holds the core and the test tools too, at the same versions, so engines share one .venv.
ENGINE ?= mkdocs
ENGINES := mkdocs properdocs zensical
ifeq ($(filter $(ENGINE),$(ENGINES)),)
$(error unknown ENGINE=$(ENGINE): use one of $(ENGINES))
endif
lock_of = $(if $(filter mkdocs,$(1)),requirements.lock,requirements-$(1).lock)
ENGINE_STAMP = $(VENV)/.engine-$(ENGINE)

# The virtual environment and the project itself, without dependencies: an engine's lock brings those
# (-qq: setuptools' notes about editable installs are not problems and would bury real ones).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -qq --no-deps -e .
	touch $(STAMP)

# Installs exactly the pinned, hashed versions of an engine's lock (its name worked out from the stamp's).
.SECONDEXPANSION:
$(VENV)/.engine-%: $(STAMP) $$(call lock_of,%)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(call lock_of,$*)
	touch $@

install: $(ENGINE_STAMP)  ## set up .venv with the project and ENGINE's pinned dependencies (default: mkdocs)
engine: $(ENGINE_STAMP)   ## the same: install ENGINE (mkdocs, properdocs, zensical) into .venv
engines: $(foreach engine,$(ENGINES),$(VENV)/.engine-$(engine))  ## install every engine (the tests build with each)

# MKDOCS_FLAGS=--dirty: render only what changed since the last build into site/ (the deploy workflow's; exact).
MKDOCS_FLAGS ?=
site: $(ENGINE_STAMP)  ## build site/ from archive/ with ENGINE (default mkdocs; strict: any warning fails)
	$(BIN)/papers build --engine $(ENGINE) $(MKDOCS_FLAGS)

# Zensical runs no plugin, so nothing rebuilds on an edit: its site is built, then served as it is (search included).
serve: $(ENGINE_STAMP)  ## serve at http://127.0.0.1:8000 with live reload of every edit (with zensical: built once, run again after an edit)
ifeq ($(ENGINE),zensical)
	$(BIN)/papers build --engine zensical
	@echo "Serving site/ at http://127.0.0.1:8000/ (Ctrl-C to stop); after an edit, run make serve ENGINE=zensical again"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory site 8000
else
	$(BIN)/$(ENGINE) serve -f mkdocs.yml --dev-addr 127.0.0.1:8000
endif

# Debian packages the tests use: newsboat, a real feed reader subscribed to the built feeds.
SYSTEM_TOOLS := newsboat
# As root (this machine) apt-get directly; elsewhere (GitHub's runners) through passwordless sudo.
APT := $(shell if [ "$$(id -u)" = 0 ]; then echo apt-get; elif sudo -n true 2>/dev/null; then echo "sudo -n apt-get"; fi)
system-deps:  ## install the Debian packages the tests use (as root or with sudo; otherwise those tests are skipped)
	@missing=$$(for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || echo $$t; done); \
	if [ -n "$$missing" ]; then \
	  if [ -n "$(APT)" ] && command -v apt-get >/dev/null; then \
	    $(APT) install -y -qq $$missing >/dev/null 2>&1 || { $(APT) update -qq && $(APT) install -y -qq $$missing; }; \
	  else echo "not installed: $$missing (sudo apt-get install $$missing); the tests that need it are skipped"; fi; \
	fi

# A Chromium for the browser tests: Debian's where it runs (installed with apt-get as root here);
# elsewhere (GitHub's runners: not root, and Ubuntu's chromium is a snap stub that does not run)
# the one Playwright installs for itself. The tests use whichever runs.
browser: $(ENGINE_STAMP)  ## install a Chromium the browser tests can drive
	@if chromium --headless=new --no-sandbox --disable-gpu --version >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; \
	else $(BIN)/python -m playwright install chromium; fi

# The JavaScript the browser tests inject (axe-core), exactly as package-lock.json pins it (hashes
# checked), into node_modules/; again only when the lock changes. Scripts off: nothing runs at install.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (with npm), then run make again" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)  ## install the pinned JavaScript the browser tests inject (axe-core) into node_modules/

# Two runs: every test on both cores, then alone the few that load every core themselves (busy loops,
# parallel kills), which would otherwise slow the tests beside them several times over.
test: engines $(NODE_STAMP) system-deps browser  ## lint and every test, end-to-end and browser tests included (every engine)
	$(BIN)/ruff check generator tests scripts
	$(BIN)/ruff format --check generator tests scripts
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=10 -m "not loaded"
	$(BIN)/python -m pytest -q --durations=5 -m loaded

# CI's matrix: one engine's build of the bundled archive, checked end to end (tests/test_engines.py).
test-engine: $(ENGINE_STAMP) $(NODE_STAMP) browser  ## the end-to-end checks of ENGINE's build only
	PAPERS_ENGINES=$(ENGINE) $(BIN)/python -m pytest -q tests/test_engines.py

# Zensical's install is the way out should MkDocs or Material stop installing: CI checks it holds neither.
no-mkdocs: $(ENGINE_STAMP)  ## fail if .venv can import MkDocs or Material (CI's Zensical job)
	@! $(BIN)/python -c "import mkdocs" 2>/dev/null && ! $(BIN)/python -c "import material" 2>/dev/null \
	  || { echo "MkDocs or Material is installed: this environment does not show a build without them" >&2; exit 1; }

check: $(ENGINE_STAMP)  ## validate every record of the archive
	$(BIN)/papers check

format: $(ENGINE_STAMP)
	$(BIN)/ruff format generator tests scripts
	$(BIN)/ruff check --fix generator tests scripts

golden: $(ENGINE_STAMP)  ## regenerate golden files after an intended change; review the diff
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden

linkcheck: $(ENGINE_STAMP)  ## check every internal link and anchor of site/ offline (run `make site` first)
	$(BIN)/python scripts/check_links.py site

screenshots: site browser  ## retake the README's screenshots (home, a paper, search open, dark mode) of the built site
	$(BIN)/python scripts/screenshots.py --site site --out .github

lock: $(ENGINE_STAMP)  ## refresh requirements.lock and each engine's lock from pyproject.toml (add --upgrade for newer versions)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --generate-hashes --extra test --extra mkdocs --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	for engine in properdocs zensical; do \
	  $(BIN)/pip-compile --generate-hashes --extra test --extra $$engine --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	    -c requirements.lock -o requirements-$$engine.lock pyproject.toml; \
	done

clean:
	rm -rf site .cache

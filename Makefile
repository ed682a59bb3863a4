# Papers Archive. `make site` builds the site from the bundled archive; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install node-deps browser site serve test test-engine engine engines lint format check golden clean linkcheck lock system-deps screenshots

# Installs exactly the pinned, hashed versions of requirements.lock, then the project itself
# (-qq: setuptools' notes about editable installs are not problems and would bury real ones).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -qq --no-deps -e .
	touch $(STAMP)

install: $(STAMP)  ## set up .venv with the pinned dependencies and the project

# The engine that builds the site: mkdocs (the default), properdocs or zensical (generator/engines.py).
# Each but MkDocs is optional: its own lock (requirements.lock and the engine, pinned and hashed) installs it.
ENGINE ?= mkdocs
ENGINES := mkdocs properdocs zensical
ifeq ($(filter $(ENGINE),$(ENGINES)),)
$(error unknown ENGINE=$(ENGINE): use one of $(ENGINES))
endif
ENGINE_STAMP = $(if $(filter mkdocs,$(ENGINE)),$(STAMP),$(VENV)/.engine-$(ENGINE))
$(VENV)/.engine-%: requirements-%.lock $(STAMP)
	$(BIN)/python -m pip install --quiet --require-hashes -r $<
	touch $@

engine: $(ENGINE_STAMP)  ## install ENGINE (properdocs, zensical) into .venv; mkdocs is in the default install
engines: $(VENV)/.engine-properdocs $(VENV)/.engine-zensical  ## install every engine (the tests build with each)

# MKDOCS_FLAGS=--dirty: render only what changed since the last build into site/ (the deploy workflow's; exact).
MKDOCS_FLAGS ?=
site: $(ENGINE_STAMP)  ## build site/ from archive/ with ENGINE (default mkdocs; strict: any warning fails)
	$(BIN)/papers build --engine $(ENGINE) $(MKDOCS_FLAGS)

serve: $(STAMP)  ## serve at http://127.0.0.1:8000 with live reload (archive edits included)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

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
browser: $(STAMP)  ## install a Chromium the browser tests can drive
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
test: $(STAMP) $(NODE_STAMP) system-deps browser engines  ## lint and every test, end-to-end and browser tests included (every engine)
	$(BIN)/ruff check generator tests scripts
	$(BIN)/ruff format --check generator tests scripts
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=10 -m "not loaded"
	$(BIN)/python -m pytest -q --durations=5 -m loaded

# CI's matrix: one engine's build of the bundled archive, checked end to end (tests/test_engines.py).
test-engine: $(ENGINE_STAMP) $(NODE_STAMP) browser  ## the end-to-end checks of ENGINE's build only
	PAPERS_ENGINES=$(ENGINE) $(BIN)/python -m pytest -q tests/test_engines.py

check: $(STAMP)  ## validate every record of the archive
	$(BIN)/papers check

format: $(STAMP)
	$(BIN)/ruff format generator tests scripts
	$(BIN)/ruff check --fix generator tests scripts

golden: $(STAMP)  ## regenerate golden files after an intended change; review the diff
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden

linkcheck: $(STAMP)  ## check every internal link and anchor of site/ offline (run `make site` first)
	$(BIN)/python scripts/check_links.py site

screenshots: site browser  ## retake the README's screenshots (home, a paper, search open, dark mode) of the built site
	$(BIN)/python scripts/screenshots.py --site site --out .github

lock: $(STAMP)  ## refresh requirements.lock from pyproject.toml (add --upgrade for newer versions)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --generate-hashes --extra test --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	for engine in properdocs zensical; do \
	  $(BIN)/pip-compile --generate-hashes --extra test --extra $$engine --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	    -c requirements.lock -o requirements-$$engine.lock pyproject.toml; \
	done

clean:
	rm -rf site .cache

# animateur: `make run` serves it, `make test` runs every test. Both set everything up first.
# Only what changed is redone: the Python packages when pyproject.toml changes, the front-end
# assets when package.json or package-lock.json change.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.animateur-installed
NPM_STAMP := node_modules/.animateur-installed
# The front-end files from npm (their list: src/animateur/config/assets.py), copied once npm ran.
VENDOR_STAMP := node_modules/.animateur-vendor-copied
# Root needs no sudo (containers, CI); anyone else does for apt-get.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

RUN_ARGS ?=
PYTEST_ARGS ?=

.PHONY: help setup run worker test lint bench chromium bench-tools clean

help:
	@echo "make run    serve animateur at http://127.0.0.1:8000 (data in ./var)"
	@echo "make test   run the whole test suite, browser tests included"
	@echo "make lint   ruff, mypy and the layers contract (lint-imports)"
	@echo "make bench  every benchmark in bench/, at small scale"

setup: $(PY_STAMP) $(VENDOR_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "animateur needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end assets (apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR_STAMP): $(NPM_STAMP) src/animateur/config/assets.py | $(BIN)/python
	$(BIN)/python src/animateur/config/assets.py copy node_modules
	@touch $@

run: setup
	$(BIN)/animateur run $(RUN_ARGS)

worker: setup
	$(BIN)/animateur worker

# Browser tests drive Debian's chromium; without apt-get (not Debian) they are skipped locally.
chromium:
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium not found and no apt-get: browser tests will be skipped" >&2; fi

# pytest's status 5 means no test was collected (e.g. a filter that matched nothing): not a failure.
test: setup chromium
	@status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; status=0; fi; exit $$status

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

# wrk measures the server, not itself; nginx serving a file is what bench/space.py compares the public
# pages with. Without them it falls back to a Python client and to the app's own static files.
BENCH_TOOLS := wrk nginx
bench-tools:
	@missing=""; for tool in $(BENCH_TOOLS); do \
		command -v $$tool >/dev/null || [ -x /usr/sbin/$$tool ] || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ] || ! command -v apt-get >/dev/null; then exit 0; fi; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
		|| { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } \
		|| echo "could not install$$missing: bench/space.py falls back to what it has" >&2

# Every benchmark runs even if one fails; the status says whether any did.
bench: setup bench-tools
	@failed=""; for script in bench/*.py; do echo "== $$script"; \
		$(BIN)/python $$script --scale small || failed="$$failed $$script"; done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed" >&2; exit 1; fi

clean:
	rm -rf $(VENV) node_modules src/animateur/static/vendor build dist .pytest_cache .mypy_cache .ruff_cache

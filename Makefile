# DispyCluster — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The node install's wheels for this machine, which the offline-install tests serve from a master:
# tests reach no package index, make does (as pip install does), once per change of pyproject.toml.
TEST_WHEELS := $(VENV)/test-wheels
HOST   ?= 127.0.0.1
PORT   ?= 8085

# Debian packages the test suite drives as real processes (installed only when missing, only as root).
SYSTEM_PACKAGES := prometheus prometheus-node-exporter prometheus-alertmanager chromium systemd postgresql dbus-daemon

.PHONY: install system-deps run test lint bench dashboards alerts clean

# The UI's JavaScript linter, from npm into a git-ignored node_modules (versions locked in package-lock.json).
# Node.js and npm come from Debian when missing (as root, like system-deps).
ESLINT := node_modules/.bin/eslint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Idempotent: pip re-resolves quickly when everything is already there. The master's install: the
# base (what a node needs) plus the server extra, and the test tools.
install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server,test]'
	@$(MAKE) --no-print-directory $(TEST_WHEELS)/.done

$(TEST_WHEELS)/.done: pyproject.toml
	$(BIN)/dispycluster wheelhouse build --platform $(shell uname -m) --platform armv7l --python-version 3.11 \
		--out $(TEST_WHEELS)
	$(BIN)/pip download --quiet --only-binary=:all: -d $(TEST_WHEELS)/build-requirements 'setuptools>=68' wheel
	$(BIN)/pip download --quiet --no-deps --no-binary=:all: -d $(TEST_WHEELS)/build-requirements \
		"psutil==$$(ls $(TEST_WHEELS) | sed -n 's/^psutil-\([^-]*\)-.*/\1/p')"
	touch $@

system-deps:
	@./deploy/scripts/install-system-packages.sh $(SYSTEM_PACKAGES)

run: install
	$(BIN)/dispycluster up --host $(HOST) --port $(PORT)

# The linters first, then the whole suite on SQLite (the default), then against a throwaway PostgreSQL
# server the tests that reach a database (tests/conftest.py leaves out the others in that run).
test: lint system-deps
	$(BIN)/python -m pytest
	DISPYCLUSTER_TEST_DATABASE=postgresql $(BIN)/python -m pytest

lint: install $(ESLINT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(ESLINT) webapi/ui/static/js

$(ESLINT): package.json package-lock.json
	@command -v npm >/dev/null || ./deploy/scripts/install-system-packages.sh nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: install system-deps
	$(BIN)/python -m bench

dashboards: install
	$(BIN)/dispycluster dashboards --out dashboards/generated

alerts: install
	$(BIN)/dispycluster rules --out alerts/generated

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache node_modules

# `make test` works on a fresh clone: it makes .venv, installs the project with its dev extra, and runs
# the linter and the whole test suite.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint bench proxy cassettes clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks

test: lint
	$(BIN)/pytest

bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The bundled cassettes, recorded again through the proxy against the deterministic reference server: the same
# bytes every time, so a git diff after this shows only what a change to the contract, server or tours did.
cassettes: install
	$(BIN)/assistants-contract record-cassettes --out cassettes

proxy: install
	$(BIN)/assistants-contract proxy --record out/cassettes --report out/report

clean:
	rm -rf $(VENV) build dist .pytest_cache

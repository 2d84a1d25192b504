# `make test` works on a fresh clone: it makes .venv, installs the project with its dev extra, and runs
# the linter and the whole test suite.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint bench proxy demo cassettes clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks

# Two workers, a test file each at a time: the files' module fixtures (servers, proxies, the demo's run) are made
# once, on the worker that runs the file.
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

# BENCH_ARGS goes to every script: `make bench BENCH_ARGS=--quick` runs each at its smallest size (a smoke run;
# its numbers mean nothing).
BENCH_ARGS ?=
bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script $(BENCH_ARGS) || exit 1; done

# The bundled cassettes, recorded again through the proxy against the deterministic reference server: the same
# bytes every time, so a git diff after this shows only what a change to the contract, server or tours did.
CASSETTES_OUT ?= cassettes
cassettes: install
	$(BIN)/assistants-contract record-cassettes --out $(CASSETTES_OUT)

# The proxy alone, for a client of your own: in front of the built-in reference server, or of UPSTREAM
# (`make proxy UPSTREAM=https://api.openai.com`).
UPSTREAM ?=
PROXY_PORT ?= 8080
PROXY_OUT ?= out
proxy: install
	$(BIN)/assistants-contract proxy --record $(PROXY_OUT)/cassettes --report $(PROXY_OUT)/report \
		--listen-port $(PROXY_PORT)$(if $(UPSTREAM), --upstream $(UPSTREAM))

# The main job in one command: reference server, proxy, the openai client, verify, replay, the v1 -> v2 check.
DEMO_OUT ?= demo-output
demo: install
	$(BIN)/assistants-contract demo --out $(DEMO_OUT)

clean:
	rm -rf $(VENV) build dist .pytest_cache

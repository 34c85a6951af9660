# Every target sets up what it needs on a fresh machine: the virtualenv, the Python
# packages pinned in pyproject.toml, and the Go-built Kubernetes tools (cached under
# ~/.cache/model-deployment-operator, reused on later runs).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=
# `make test` runs test modules on three pytest-xdist workers: most of the end-to-end time is
# waiting for the emulator and the operator, not CPU, so three fit on two cores. Each worker
# starts its own API server, emulator and operators (session fixtures are per worker), and
# --dist loadfile keeps a module on one worker. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 3

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> Creating the virtualenv in $(VENV) and installing pinned packages"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[emulator,dev]'
	@rm -f $(VENV)/.installed-* && touch $@

.PHONY: venv
venv: $(STAMP) ## Create the virtualenv with the operator, the emulator and the dev tools

.PHONY: tools
tools: venv ## Build (or reuse) kube-apiserver, etcd, kubectl and helm from the Go module proxy
	@$(BIN)/python -m devcluster build

.PHONY: lint
lint: venv ## ruff, strict mypy and the import-linter layer contracts
	@echo "==> ruff"; $(BIN)/ruff check . && $(BIN)/ruff format --check .
	@echo "==> mypy (strict)"; $(BIN)/mypy
	@echo "==> import-linter"; $(BIN)/lint-imports

.PHONY: fmt
fmt: venv ## Format and autofix
	@$(BIN)/ruff format . && $(BIN)/ruff check --fix .

.PHONY: test-unit
test-unit: venv ## Fast tests: no API server, no emulator process
	@$(BIN)/pytest -m "not cluster and not emulator and not e2e" $(PYTEST_ARGS)

.PHONY: test
test: lint tools ## Everything CI runs: lint, unit, emulator conformance, cluster and end-to-end tests
	@$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

.PHONY: demo
demo: tools ## Run the operator end to end on the local stack: approve, update, roll back, delete
	@$(BIN)/python scripts/demo.py

.PHONY: demo-shared
demo-shared: tools ## The seed 002 flow: three models on one multi-model endpoint, refreshed from the registry
	@$(BIN)/python -m scripts.demo_shared

.PHONY: bench
bench: tools ## Benchmarks: emulator throughput, then the operator (latency, API calls, memory)
	@$(BIN)/python bench/emulator_throughput.py
	@$(BIN)/python -m bench.operator_bench $(BENCH_ARGS)

.PHONY: chaos
chaos: tools ## Chaos suite: SIGKILL the operator 120 times under faults, then check every invariant (CHAOS_ARGS)
	@$(BIN)/python -m scripts.chaos $(CHAOS_ARGS)

.PHONY: kube-up
kube-up: tools ## Start a local kube-apiserver + etcd in the background; admin kubeconfig in .local/kubeconfig
	@$(BIN)/python -m devcluster up --state-dir .local

.PHONY: kube-down
kube-down: venv ## Stop the local API server started by kube-up and remove its files
	@$(BIN)/python -m devcluster down --state-dir .local

.PHONY: clean
clean: kube-down ## Remove the virtualenv and local state (the Go build cache is kept)
	@rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache build dist

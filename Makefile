# One command sets up and does the job: `make synth` (every lab into cdk.out/), `make test`.
# Set-up is idempotent: the venv and node_modules are reinstalled only when their pins change.
SHELL := /bin/bash
.DEFAULT_GOAL := synth

# Node 20 is end-of-life: jsii prints a banner on every run (the variable depends on how old
# jsii thinks the Node release is). Silence only that banner.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CDK := node_modules/.bin/cdk

.PHONY: setup synth test lint format snapshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP)

synth: setup
	$(CDK) synth --quiet
	$(PY) -m course.synthesized cdk.out

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

snapshots: setup
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest tests/test_snapshots.py

clean:
	rm -rf cdk.out .pytest_cache

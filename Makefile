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
# checkov conflicts with our boto3 pin: it lives in a venv of its own (tests/test_checkov.py),
# installed for the tests only.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# pytest-xdist: one worker per core; a test module stays on one worker.
PARALLEL := -n auto --dist loadfile

.PHONY: setup synth test lint format snapshots clean bench rehearsal class-up class-down class-status class-sweep check

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --disable-pip-version-check --quiet -r $<
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP)

synth: setup
	$(CDK) synth --quiet
	$(PY) -m course.synthesized cdk.out

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The suite on every core, then the deploy rehearsal.
test: lint $(CHECKOV_STAMP)
	$(PY) -m pytest $(PARALLEL)
	$(PY) -m pytest -m rehearsal

# Deploy and destroy labs with the pinned CDK CLI against a local moto server (about a minute).
rehearsal: setup
	$(PY) -m pytest -m rehearsal

# Timings of synth and tests against the floor (an empty CDK app); RUNS=n runs of each.
bench: setup $(CHECKOV_STAMP)
	$(PY) bench/run.py --runs $(or $(RUNS),3)

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

snapshots: setup
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest tests/test_snapshots.py

# A lab for a whole class: `make class-up LAB=LabS3Lifecycle PARTICIPANTS="ana ben"`
# (optional CONCURRENCY=4, EXPIRES_IN_HOURS=N), `make class-down ...`, `make class-status ...`.
CLASS := $(PY) -m course.classroom --lab "$(LAB)" --participants "$(PARTICIPANTS)"
CLASS_RUN := $(if $(CONCURRENCY),--concurrency $(CONCURRENCY))

class-up: setup
	$(CLASS) up $(CLASS_RUN) $(if $(EXPIRES_IN_HOURS),--expires-in-hours $(EXPIRES_IN_HOURS))

class-down: setup
	$(CLASS) down $(CLASS_RUN)

class-status: setup
	$(CLASS) status

# What participants left that no stack owns (read-only; DELETE=1 deletes it):
# `make class-sweep LAB=LabBackup PARTICIPANTS="ana ben" [DELETE=1]`.
class-sweep: setup
	$(PY) -m course.sweep --lab "$(LAB)" --participants "$(PARTICIPANTS)" $(if $(DELETE),--delete)

# Check a deployed lab against its objectives: `make check LAB=LabS3Lifecycle [PARTICIPANT=ana]`.
check: setup
	$(PY) -m labcheck $(LAB) $(if $(PARTICIPANT),--participant $(PARTICIPANT))

clean:
	rm -rf cdk.out cdk.out.* .pytest_cache

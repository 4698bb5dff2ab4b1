"""Shared fixtures: the app is synthesized once per session (see tests/synth.py).

The clock-shift guard (issue #23): a test may use fixed dates only if it injects its clock all
the way down (CLI entry points too); one that lets the code read the real clock passes the day it
is written and fails later. So every test of a module marked `handles_time` runs twice, in the
same session: `[today]`, and `[a-year-ahead]` under time-machine's `travel(real now + 365 days,
tick=True)`, which moves `datetime.now()`, `time.time()` and friends in this process and its
threads (moto in-process included, so stacks are created "a year ahead" too) but not
`time.monotonic()` or `time.sleep()`. A test that only passes on today's date fails there.
Subprocesses (the CDK CLI, moto's server) keep the real clock: modules that need them do not
carry the mark. tests/test_clock_shift.py proves the shift works and that every module using
fixed dates or an injected clock carries the mark.
"""

import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.synth import EVERY_OPTION, PARTICIPANT, Synth, synthesized


@pytest.fixture(scope="session")
def synth() -> Synth:
    """The app as `make synth` builds it: default context, no participant."""
    return synthesized()


@pytest.fixture(scope="session")
def participant_synth() -> Synth:
    """The app for one participant of a class (`-c participant=ana`)."""
    return synthesized(participant=PARTICIPANT)


@pytest.fixture(scope="session")
def every_option_synth() -> Synth:
    """The app with every non-default option (`EVERY_OPTION`)."""
    return synthesized(**EVERY_OPTION)


@pytest.fixture
def account(monkeypatch):
    """A fake AWS account (moto, in-process, dummy credentials) to build a lab in by hand."""
    from tests.labcheck_fixtures import fake_account

    with fake_account(monkeypatch) as session:
        yield session


# The modules that take longest, handed out first: pytest-xdist gives each worker whole modules
# in collection order (`--dist loadfile --no-loadscope-reorder`, see the Makefile), so a long
# module left for the end keeps one core busy alone. A scheduling hint only (from `--durations`):
# a module missing here runs all the same, in its collection order.
LONGEST_FIRST = (
    "tests/classroom/test_engine_rehearsal.py",
    "tests/test_rehearsal.py",
    "tests/test_checkov.py",
    "tests/classroom/test_engine.py",
    "tests/classroom/test_run.py",
    "tests/test_terraform_apply.py",
    "tests/classroom/test_preflight.py",
    "tests/classroom/test_accounts.py",
    "tests/test_matrix.py",
    "tests/test_guards.py",
    "tests/classroom/test_engine_stops.py",
    "tests/test_labcheck_backup.py",
)


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (make test): a worker per core, and one more. The class engine's tests and the
    rehearsals wait on processes, servers and timers a good part of their time, which a third
    worker fills on two cores (make bench: 134 s against 160 s); more workers cost more than
    they give (each collects every module and starts its own jsii)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_modifyitems(items):
    rank = {module: place for place, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


# How far ahead the second run of a test that handles time moves the clock.
SHIFT_DAYS = 365


def pytest_generate_tests(metafunc):
    """Each test of a module marked `handles_time`: once today, once a year ahead."""
    if metafunc.definition.get_closest_marker("handles_time"):
        metafunc.parametrize(
            "clock_shift_days", [0, SHIFT_DAYS], ids=["today", "a-year-ahead"], indirect=True
        )


def pytest_sessionfinish(session):
    """On the xdist controller: delete the synths its workers shared (tests/synth.py)."""
    run = getattr(session.config.option, "testrunuid", None)
    if run and not hasattr(session.config, "workerinput"):  # workers may still read them
        shutil.rmtree(Path(tempfile.gettempdir()) / f"course-labs-synth-{run}", ignore_errors=True)


def pytest_configure(config):
    # The controller names the test run (xdist passes it to its workers), so that it knows
    # which shared synths to delete at the end.
    if hasattr(config.option, "testrunuid") and not hasattr(config, "workerinput"):
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex
    config.addinivalue_line(
        "markers",
        "handles_time: reads or injects clocks; each test runs today and a year ahead",
    )


@pytest.fixture
def clock_shift_days(request) -> int:
    """How many days ahead of the real clock this test runs (0 but in its `[a-year-ahead]` run)."""
    return getattr(request, "param", 0)


@pytest.fixture(autouse=True)
def shifted_clock(clock_shift_days):
    """The test runs `clock_shift_days` ahead of the real clock (see above)."""
    if not clock_shift_days:
        yield
        return
    import time_machine

    with time_machine.travel(datetime.now(UTC) + timedelta(days=clock_shift_days), tick=True):
        yield

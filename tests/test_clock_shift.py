"""The clock-shift guard itself (issue #23): no test result may depend on the day it runs.

How it works (tests/conftest.py): `pytest --shift-clock-days N` runs every test under
time-machine's `travel(real now + N days, tick=True)`. `make test` runs every module marked
`handles_time` a second time with N = 365. A test that uses a fixed date but lets the code read
the real clock (the report's "cost so far" against a 2026-11-26 stack) fails there, whatever the
date today. Judged here: time-machine moves the wall clock of this process and of moto's
in-process backends; a subprocess (`date`) still reads the real clock.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from tests.synth import ROOT

pytestmark = pytest.mark.handles_time

YEAR = 365 * 24 * 3600
# What makes a test module handle time: a fixed date, or a clock handed to the code.
HANDLES_TIME = re.compile(r"datetime\(\d{4},|\bnow=|\btime\.time\b|ExpiresAt=\"\d{4}-")


def real_time() -> int:
    """The real clock, read outside this process (time-machine moves only this one)."""
    return int(subprocess.check_output(["date", "+%s"], text=True))


def test_under_the_shift_the_clocks_and_moto_read_a_year_ahead(request, account):
    if request.config.getoption("--shift-clock-days") != 365:
        pytest.skip("runs in make test's clock-shift session (--shift-clock-days 365)")
    real = real_time()
    assert abs(time.time() - real - YEAR) < 120
    assert abs(datetime.now(UTC).timestamp() - real - YEAR) < 120
    before = time.monotonic()
    time.sleep(0.01)  # sleep and the monotonic clock are left alone
    assert 0.005 < time.monotonic() - before < 5
    cloudformation = account.client("cloudformation")
    cloudformation.create_stack(StackName="shifted", TemplateBody='{"Resources": {}}')
    (stack,) = cloudformation.describe_stacks(StackName="shifted")["Stacks"]
    assert abs(stack["CreationTime"].timestamp() - real - YEAR) < 120, "moto in-process too"


def test_the_shift_session_runs_and_moves_the_clock():
    """The test above, run as `make test` runs the shifted session: it passes, not skips."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "--shift-clock-days",
            "365",
            f"{__file__}::test_under_the_shift_the_clocks_and_moto_read_a_year_ahead",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout


def test_every_module_with_fixed_dates_or_an_injected_clock_runs_a_year_ahead():
    unmarked = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if HANDLES_TIME.search(text := path.read_text()) and "pytest.mark.handles_time" not in text
    ]
    assert unmarked == [], "mark these `pytestmark = pytest.mark.handles_time`"


def test_make_test_runs_the_marked_modules_a_year_ahead():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "--shift-clock-days 365 -m handles_time" in recipe
    # It collects the marked modules only (no other test module is imported): all of them.
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shifted = next(line for line in dry_run.splitlines() if "--shift-clock-days 365" in line)
    marked = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if "pytest.mark.handles_time" in path.read_text()
    }
    assert {word for word in shifted.split() if word.startswith("tests/")} == marked

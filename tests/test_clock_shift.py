"""The clock-shift guard itself (issue #23): no test result may depend on the day it runs.

How it works (tests/conftest.py): every test of a module marked `handles_time` runs twice in
the same session, `[today]` and `[a-year-ahead]`, the second under time-machine's
`travel(real now + 365 days, tick=True)`. A test that uses a fixed date but lets the code read
the real clock (the report's "cost so far" against a 2026-11-26 stack) fails there, whatever the
date today. Judged here: time-machine moves the wall clock of this process and of moto's
in-process backends; a subprocess (`date`) still reads the real clock.
"""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime

import pytest

from tests.synth import ROOT

pytestmark = pytest.mark.handles_time

# What makes a test module handle time: a fixed date, or a clock handed to the code.
HANDLES_TIME = re.compile(r"datetime\(\d{4},|\bnow=|\btime\.time\b|ExpiresAt=\"\d{4}-")


def real_time() -> int:
    """The real clock, read outside this process (time-machine moves only this one)."""
    return int(subprocess.check_output(["date", "+%s"], text=True))


def test_the_clocks_and_moto_read_the_shift_and_sleep_is_left_alone(clock_shift_days, account):
    shift = clock_shift_days * 24 * 3600
    real = real_time()
    assert abs(time.time() - real - shift) < 120
    assert abs(datetime.now(UTC).timestamp() - real - shift) < 120
    before = time.monotonic()
    time.sleep(0.01)  # sleep and the monotonic clock are left alone
    assert 0.005 < time.monotonic() - before < 5
    cloudformation = account.client("cloudformation")
    cloudformation.create_stack(StackName="shifted", TemplateBody='{"Resources": {}}')
    (stack,) = cloudformation.describe_stacks(StackName="shifted")["Stacks"]
    assert abs(stack["CreationTime"].timestamp() - real - shift) < 120, "moto in-process too"


def test_each_test_that_handles_time_runs_today_and_a_year_ahead(request):
    """Judged on what this session collected (whatever `-k` or paths chose): a test of a marked
    module carries the shift as a parameter, 0 or 365 days, any other test none; and this
    module, collected again, holds each of its tests twice: today and a year ahead."""
    marked = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if "pytest.mark.handles_time" in path.read_text()
    }
    for item in request.session.items:
        params = getattr(item, "callspec", None)
        shift = params.params.get("clock_shift_days") if params else None
        module = item.nodeid.split("::")[0]
        assert shift in ({0, 365} if module in marked else {None}), item.nodeid
    runs = [item.name for item in request.node.parent.collect()]
    assert f"{request.function.__name__}[today]" in runs
    assert f"{request.function.__name__}[a-year-ahead]" in runs


def test_every_module_with_fixed_dates_or_an_injected_clock_runs_a_year_ahead():
    unmarked = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if HANDLES_TIME.search(text := path.read_text()) and "pytest.mark.handles_time" not in text
    ]
    assert unmarked == [], "mark these `pytestmark = pytest.mark.handles_time`"

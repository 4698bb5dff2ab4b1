"""Targets whose output is data print the data alone: `make class-report ... JSON=1 > f` is JSON.

make echoes each command before it runs it, unless the target is silent (`.SILENT:` in the
Makefile). The test runs make for real, as a trainer types it, with the tools swapped out: `PY`
is a stand-in that prints its arguments as JSON (the real commands need AWS), and `-o setup`
(`--assume-old`) skips the set-up, whose steps print to stderr anyway (checked below on what a
first run would do, `-n -B`). Whatever make adds to stdout breaks the JSON.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.make_runner import run_make

# Each target whose stdout is data, with what a trainer or student passes.
DATA_TARGETS = {
    "class-report": ["LAB=LabDynamoDbUsers", "PARTICIPANTS=ana ben", "JSON=1"],
    "class-status": ["PARTICIPANTS=ana ben"],
    "class-sweep": ["LAB=LabBackup", "PARTICIPANTS=ana ben"],
    "check": ["LAB=LabS3Lifecycle", "PARTICIPANT=ana"],
    "course-roles": [],
}


@pytest.fixture
def python_that_prints_its_arguments(tmp_path) -> str:
    script = tmp_path / "python"
    script.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize(("target", "variables"), DATA_TARGETS.items())
def test_a_data_target_prints_only_what_its_command_prints(
    python_that_prints_its_arguments, target, variables
):
    result = run_make(
        "-o", "setup", "-o", "setup-labcheck", target, *variables,
        f"PY={python_that_prints_its_arguments}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    arguments = json.loads(result.stdout)  # fails on an echoed command line
    assert arguments[0] == "-m"
    if target == "class-report":
        assert "--json" in arguments


def test_the_stand_in_sees_an_echoed_command(python_that_prints_its_arguments):
    """The check above can fail: `class-up` is not silent, and its echo breaks the JSON."""
    result = run_make(
        "-o", "setup", "class-up", "LAB=LabS3Lifecycle", "PARTICIPANTS=ana",
        f"PY={python_that_prints_its_arguments}",
    )  # fmt: skip
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_every_set_up_step_writes_to_stderr():
    """What a first run would do (`-n -B`): each line that prints (the step's line, pip, npm,
    the total) sends it to stderr, so a first `make class-report ... JSON=1 > f` is JSON too."""
    first_run = run_make("-n", "-B", "setup-test", "PYTHON=python3").stdout
    printing = [
        line
        for line in first_run.splitlines()
        if 'echo "==>' in line or "pip install" in line or line.startswith("npm ci")
    ]
    assert len(printing) >= 6, first_run  # four steps, their installs, the total
    assert [line for line in printing if ">&2" not in line] == []

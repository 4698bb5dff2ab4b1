"""Class-wide commands (issue #9): `make class-up|class-down|class-status`.

Deploy and destroy run against a fake CDK runner, status against moto: no AWS, no real cdk.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from course import classroom
from tests.synth import ROOT

LABS = classroom.lab_ids()
LAB = LABS[0]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MAKE_OPTIONS = ["CONCURRENCY=2", "EXPIRES_IN_HOURS=6"]
CDK_RUN = [str(classroom.CDK)]


def own_output_no_prompt(who):
    return ["--output", f"cdk.out.{who}", "--require-approval", "never"]


class FakeCdk:
    """Stands in for the CDK CLI: records each command, measures how many run at once."""

    def __init__(self, failing: tuple[str, ...] = (), delay: float = 0.05, raising=()) -> None:
        self.failing, self.raising, self.delay = failing, raising, delay
        self.commands: list[list[str]] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()

    @staticmethod
    def participant(command) -> str:
        return command[command.index("-c") + 1].removeprefix("participant=")

    def __call__(self, command, log: Path) -> int:
        who = self.participant(command)
        with self._lock:
            self.commands.append(list(command))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if who in self.raising:
                raise FileNotFoundError("node_modules/.bin/cdk")
            time.sleep(self.delay)
            log.write_text(f"$ {' '.join(command)}\n\n❌ {who}: Resource limit exceeded\n")
            return 1 if who in self.failing else 0
        finally:
            with self._lock:
                self.in_flight -= 1


def run(action, participants, tmp_path, *extra, fake=None):
    fake = fake or FakeCdk()
    argv = [action, "--lab", LAB, "--participants", " ".join(participants), *extra]
    return classroom.main(argv, runner=fake, log_dir=tmp_path), fake


def test_up_deploys_the_lab_once_per_participant_each_with_its_own_output_dir(tmp_path):
    code, fake = run("up", ["ana", "ben"], tmp_path)
    assert code == 0
    assert sorted(fake.commands) == [
        [*CDK_RUN, "deploy", LAB, "-c", f"participant={who}", *own_output_no_prompt(who)]
        for who in ("ana", "ben")
    ], "each run needs its own participant and --output, or runs overwrite each other's cdk.out"


def test_down_destroys_without_asking(tmp_path):
    code, fake = run("down", ["ana"], tmp_path, "--expires-in-hours", "6")
    assert code == 0
    assert fake.commands == [
        [*CDK_RUN, "destroy", LAB, "-c", "participant=ana", "--output", "cdk.out.ana", "--force"]
    ], "destroy must not prompt (nobody answers) and ignores the expiry"


def test_up_passes_the_expiry_to_every_stack(tmp_path):
    _, fake = run("up", ["ana", "ben"], tmp_path, "--expires-in-hours", "4")
    assert all("expires_in_hours=4" in command for command in fake.commands)


def test_runs_start_in_the_participants_order(tmp_path):
    names = ["cem", "ana", "dia", "ben"]
    _, fake = run("up", names, tmp_path, "--concurrency", "1")
    assert [FakeCdk.participant(c) for c in fake.commands] == names


def test_results_come_back_in_the_participants_order_whoever_finishes_first(tmp_path):
    names = ["ana", "ben", "cem"]
    results = classroom.run_class(
        classroom.ACTIONS["up"],
        LAB,
        classroom.validate(LAB, names, LABS),
        runner=SlowFirst(),
        concurrency=3,
        log_dir=tmp_path,
    )
    assert [r.participant for r in results] == names


class SlowFirst:
    """The first participant's run takes longest."""

    def __call__(self, command, log):
        time.sleep(0.15 if FakeCdk.participant(command) == "ana" else 0.01)
        return 0


@pytest.mark.parametrize("concurrency", [1, 3])
def test_no_more_than_the_concurrency_bound_run_at_once(tmp_path, concurrency):
    names = [f"p{i}" for i in range(8)]
    code, fake = run("up", names, tmp_path, "--concurrency", str(concurrency))
    assert code == 0
    assert len(fake.commands) == 8
    assert fake.max_in_flight == concurrency, (
        f"runs must be parallel but bounded: {fake.max_in_flight} ran at once"
    )


def test_a_failure_does_not_stop_the_others_and_the_exit_code_says_so(tmp_path, capsys):
    code, fake = run("up", ["ana", "ben", "cem"], tmp_path, fake=FakeCdk(failing=("ben",)))
    out = capsys.readouterr().out.splitlines()
    assert code == classroom.EXIT_FAILED
    assert sorted(FakeCdk.participant(c) for c in fake.commands) == ["ana", "ben", "cem"]
    lines = {line.split()[1]: line for line in out if line.startswith(("ok ", "FAILED "))}
    assert set(lines) == {"ana", "ben", "cem"}, "one line per participant"
    assert lines["ana"].startswith("ok ")
    assert f"ana-{LAB}" in lines["ana"]
    assert lines["ben"].startswith("FAILED ")
    assert "exit 1" in lines["ben"]
    assert "cdk.out.ben.log: ❌ ben: Resource limit exceeded" in lines["ben"], (
        "a failure names its log and its last line"
    )
    assert out[-1] == f"{LAB} deployed for 2 of 3; FAILED: ben"


def test_all_succeeded_exits_zero_with_a_summary(tmp_path, capsys):
    code, _ = run("down", ["ana", "ben"], tmp_path)
    assert code == classroom.EXIT_OK
    assert capsys.readouterr().out.splitlines()[-1] == f"{LAB} destroyed for 2 of 2: all done"


def test_a_runner_that_cannot_start_fails_that_participant_only(tmp_path, capsys):
    code, _ = run("up", ["ana", "ben"], tmp_path, fake=FakeCdk(raising=("ana",)))
    assert code == classroom.EXIT_FAILED
    assert capsys.readouterr().out.splitlines()[-1] == f"{LAB} deployed for 1 of 2; FAILED: ana"
    assert "could not run the CDK CLI" in (tmp_path / "cdk.out.ana.log").read_text()


@pytest.mark.parametrize(
    ("lab", "participants", "extra", "problem"),
    [
        (LAB, "ana Ben", (), "invalid context participant='Ben'"),
        (LAB, "ana 9lives", (), "invalid context participant='9lives'"),
        (LAB, "ana ana", (), "participants named twice: ana"),
        (LAB, "", (), "no participants"),
        ("LabNope", "ana", (), "unknown lab 'LabNope'"),
        ("", "ana", (), "no lab: set LAB="),
        (LAB, "ana", ("--expires-in-hours", "200"), "expires_in_hours='200'"),
        (LAB, "ana", ("--concurrency", "0"), "--concurrency must be 1 to"),
    ],
)
def test_bad_input_is_rejected_before_anything_runs(lab, participants, extra, problem, capsys):
    fake = FakeCdk()
    argv = ["up", "--lab", lab, "--participants", participants, *extra]
    assert classroom.main(argv, runner=fake) == classroom.EXIT_INVALID
    assert fake.commands == [], "nothing may be deployed when any name is bad"
    err = capsys.readouterr().err
    assert err.startswith("error: nothing was run")
    assert problem in err


def test_every_problem_is_listed_at_once(capsys):
    fake = FakeCdk()
    argv = ["down", "--lab", "LabNope", "--participants", "Ana bob bob"]
    assert classroom.main(argv, runner=fake) == classroom.EXIT_INVALID
    assert capsys.readouterr().err.splitlines()[1:] == [
        f"unknown lab 'LabNope': use one of {', '.join(LABS)}, LabAccess",
        "participants named twice: bob",
        "invalid context participant='Ana': use 1-20 lowercase letters, digits or single "
        "hyphens, starting with a letter and not ending with a hyphen (e.g. ana)",
    ]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("class-up", '--participants "ana ben" up --concurrency 2 --expires-in-hours 6'),
        ("class-down", '--participants "ana ben" down --concurrency 2'),
        ("class-status", '--participants "ana ben" status'),
    ],
)
def test_make_targets_call_the_class_runner(target, expected):
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            target,
            f"LAB={LAB}",
            "PARTICIPANTS=ana ben",
            *MAKE_OPTIONS,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    command = result.stdout.strip().splitlines()[-1]
    assert command.startswith(f'.venv/bin/python -m course.classroom --lab "{LAB}"')
    assert " ".join(command.split()).endswith(expected)


# --- class-status against moto ---------------------------------------------------------------


@pytest.fixture
def cloudformation(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("cloudformation", region_name="us-east-1")
        calls: list[str] = []
        client.meta.events.register(
            "before-call.cloudformation.*", lambda model, **_: calls.append(model.name)
        )
        yield client, calls


def _create(client, name, expires_at=None):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    if expires_at:
        template["Outputs"] = {"ExpiresAt": {"Value": expires_at}}
    client.create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_status_lists_each_participants_labs_with_expiry(cloudformation, capsys):
    client, calls = cloudformation
    other = LABS[1]
    _create(client, f"ana-{LAB}", expires_at="2026-11-20T15:30:00Z")
    _create(client, f"ana-{other}")
    _create(client, f"ben-{LAB}", expires_at="2026-11-20T11:00:00Z")
    _create(client, f"zoe-{LAB}")  # not in this class
    _create(client, "cem-SomethingElse")  # not a lab
    _create(client, f"cem-{other}")
    client.delete_stack(StackName=f"cem-{other}")  # gone: DELETE_COMPLETE

    calls.clear()
    argv = ["status", "--participants", "ana ben cem"]
    code = classroom.main(argv, runner=FakeCdk(), client=client, now=lambda: NOW)
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]

    assert code == 0
    assert lines == [
        f"ana {LAB} CREATE_COMPLETE expires 2026-11-20 15:30 UTC (in 3h30m)",
        f"ana {other} CREATE_COMPLETE",
        f"ben {LAB} CREATE_COMPLETE EXPIRED 2026-11-20 11:00 UTC but still there: "
        "check its stack events",
        "cem -",
        "3 lab stacks for 2 of 3 participants",
    ]
    assert calls, "status must ask CloudFormation"
    assert all(call.startswith(("Describe", "List", "Get")) for call in calls), (
        f"status must only read: {calls}"
    )


def test_status_can_be_narrowed_to_one_lab(cloudformation, capsys):
    client, _ = cloudformation
    _create(client, f"ana-{LAB}")
    _create(client, f"ana-{LABS[1]}")
    argv = ["status", "--lab", LAB, "--participants", "ana"]
    assert classroom.main(argv, client=client, now=lambda: NOW) == 0
    out = capsys.readouterr().out
    assert f"ana-{LAB}" not in out
    assert LAB in out
    assert LABS[1] not in out


def test_status_validates_names_before_calling_aws(capsys):
    class NoAws:
        def get_paginator(self, name):
            raise AssertionError("no AWS call for bad input")

    argv = ["status", "--participants", "ana Ben"]
    assert classroom.main(argv, client=NoAws()) == classroom.EXIT_INVALID
    assert "participant='Ben'" in capsys.readouterr().err


# --- the course overview -----------------------------------------------------------------------

OVERVIEW = ROOT / "labs" / "README.md"


def test_overview_lists_every_lab_in_course_order_with_its_guide_and_commands():
    text = OVERVIEW.read_text()
    table = [line for line in text.splitlines() if line.startswith("| ") and "](" in line]
    listed = [lab for row in table for lab in LABS if f"`{lab}`" in row.split("|")[2]]
    assert listed == LABS, "the overview's lab table must follow the course order (stacks.LABS)"
    for lab in LABS:
        for command in (
            f"npx cdk deploy {lab} -c participant=ana",
            f"make check LAB={lab} PARTICIPANT=ana",
            f"npx cdk destroy {lab} -c participant=ana",
        ):
            assert command in text, f"the overview needs the one-line `{command}`"


def test_overview_states_prices_region_date_and_prerequisites():
    text = " ".join(OVERVIEW.read_text().split())
    assert "us-east-1" in text
    assert "2026-11" in text
    assert "estimates" in text, "prices from public lists must be called estimates"
    assert "3-hour session" in text
    assert "npx cdk bootstrap" in text
    assert "Block Public Access" in text
    assert "not reproducible" in text, "expiring templates are not reproducible: say so"


def test_main_readme_links_the_overview():
    assert "](labs/README.md)" in (ROOT / "README.md").read_text()


def test_a_class_gets_its_sign_ins_like_a_lab(tmp_path, capsys):
    fake = FakeCdk()
    argv = ["up", "--lab", "LabAccess", "--participants", "ana ben"]
    assert classroom.main(argv, runner=fake, log_dir=tmp_path) == classroom.EXIT_OK
    assert "LabAccess for 2 participants" in capsys.readouterr().out
    assert [command[command.index("deploy") + 1] for command in fake.commands] == [
        "LabAccess",
        "LabAccess",
    ]

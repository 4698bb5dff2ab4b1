"""Class-wide commands (issues #9, #14): `make class-up|class-down|class-status`.

Deploy and destroy run against a fake CDK runner and a fake CloudFormation (the runner sets the
stack states the state checks read back), status against moto: no AWS, no real cdk. A real
SIGINT to a real run against a moto server is in tests/test_rehearsal.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from classroom import cdk_commands, class_input, deploys
from classroom import run as class_run
from tests.make_runner import last_command
from tests.synth import ROOT

# Runs again a year ahead in `make test` (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

LABS = class_input.lab_ids()
LAB = LABS[0]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# How long a fake deploy runs: long enough for the runs of a class to overlap.
RUN_SECONDS = 0.05
MAKE_OPTIONS = ["CONCURRENCY=2", "EXPIRES_IN_HOURS=6"]
CDK = str(cdk_commands.CDK)


class FakeCloud:
    """CloudFormation's DescribeStacks and DescribeStackEvents over a dict of stacks."""

    def __init__(self) -> None:
        self.stacks: dict[str, dict] = {}
        self.events: dict[str, list[dict]] = {}

    def describe_stacks(self, StackName):
        if StackName not in self.stacks:
            error = {
                "Code": "ValidationError",
                "Message": f"Stack with id {StackName} does not exist",
            }
            raise ClientError({"Error": error}, "DescribeStacks")
        return {"Stacks": [{"StackName": StackName, **self.stacks[StackName]}]}

    def describe_stack_events(self, StackName):
        return {"StackEvents": self.events.get(StackName, [])}


class FakeCdk:
    """Stands in for the CDK CLI: records each command, measures how many run at once, and
    leaves the stack in the state a real run would (or in `states`, to tell a false success)."""

    def __init__(
        self,
        failing: tuple[str, ...] = (),
        raising=(),
        states: dict[str, dict] | None = None,
        synth_exit: int = 0,
    ) -> None:
        self.cloud = FakeCloud()
        self.failing, self.raising = failing, raising
        self.states, self.synth_exit = states or {}, synth_exit
        self.commands: list[list[str]] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()

    @staticmethod
    def participant(command) -> str:
        return command[4].split("/")[0]  # cdk deploy --app <assembly> <participant>/<lab>

    def deploys(self) -> list[list[str]]:
        return [c for c in self.commands if c[1] != "synth"]

    def __call__(self, command, log: Path) -> int:
        with self._lock:
            self.commands.append(list(command))
        if command[1] == "synth":
            log.write_text("$ cdk synth\nerror: unknown lab\n")
            return self.synth_exit
        who = self.participant(command)
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if who in self.raising:
                raise FileNotFoundError("node_modules/.bin/cdk")
            time.sleep(RUN_SECONDS)
            self.act(command, who)
            log.write_text(f"$ {' '.join(command)}\n\n❌ {who}: Resource limit exceeded\n")
            return 1 if who in self.failing else 0
        finally:
            with self._lock:
                self.in_flight -= 1

    def act(self, command, who) -> None:
        stack = f"{who}-{command[4].split('/')[1]}"  # `cdk deploy --app DIR ana/LabX ...`
        if who in self.states:
            self.cloud.stacks[stack] = self.states[who]
        elif who in self.failing:
            return
        elif command[1] == "deploy":
            self.cloud.stacks[stack] = {"StackStatus": "CREATE_COMPLETE"}
        else:
            self.cloud.stacks.pop(stack, None)


def run(action, participants, tmp_path, *extra, fake=None):
    fake = fake or FakeCdk()
    argv = [
        action,
        "--lab",
        LAB,
        "--participants",
        " ".join(participants),
        "--work-dir",
        str(tmp_path),
        *extra,
    ]
    return class_run.main(argv, runner=fake, client=fake.cloud), fake


def outcome_lines(out: str) -> dict[str, str]:
    """The per-participant lines, by participant."""
    return {
        line.split()[1]: line
        for line in out.splitlines()
        if line.startswith(("ok ", "FAILED ", "STOPPED ", "- "))
    }


def test_up_synthesizes_the_class_once_then_deploys_each_participant_from_it(tmp_path):
    code, fake = run("up", ["ana", "ben", "cem"], tmp_path, "--expires-in-hours", "4")
    assembly = str(tmp_path / f"cdk.out.class-{LAB}")
    assert code == class_run.EXIT_OK
    assert len(fake.commands) == 4, "one synth and one deploy per participant"
    assert fake.commands[0] == [
        CDK, "synth", "--quiet", "-c", f"lab={LAB}", "-c", "participants=ana,ben,cem",
        "-c", "expires_in_hours=4", "--output", assembly,
    ]  # fmt: skip
    assert sorted(fake.deploys()) == [
        [CDK, "deploy", "--app", assembly, f"{who}/{LAB}", "--require-approval", "never"]
        for who in ("ana", "ben", "cem")
    ], "each deploy reads the class's assembly (no synth of its own) and never prompts"


def test_down_destroys_without_asking_and_ignores_the_expiry(tmp_path):
    fake = FakeCdk()
    fake.cloud.stacks[f"ana-{LAB}"] = {"StackStatus": "CREATE_COMPLETE"}
    code, _ = run("down", ["ana"], tmp_path, "--expires-in-hours", "6", fake=fake)
    assembly = str(tmp_path / f"cdk.out.class-{LAB}")
    assert code == class_run.EXIT_OK
    assert fake.commands == [
        [
            CDK,
            "synth",
            "--quiet",
            "-c",
            f"lab={LAB}",
            "-c",
            "participants=ana",
            "--output",
            assembly,
        ],
        [CDK, "destroy", "--app", assembly, f"ana/{LAB}", "--force"],
    ]
    assert fake.cloud.stacks == {}


def test_runs_start_in_the_participants_order(tmp_path):
    names = ["cem", "ana", "dia", "ben"]
    _, fake = run("up", names, tmp_path, "--concurrency", "1")
    assert [FakeCdk.participant(c) for c in fake.deploys()] == names


def test_results_come_back_in_the_participants_order_whoever_finishes_first(tmp_path):
    names = ["ana", "ben", "cem"]
    fake = SlowFirst()
    run_ = deploys.run_class(
        cdk_commands.ACTIONS["up"],
        LAB,
        class_input.validate(LAB, names, LABS),
        client=fake.cloud,
        runner=fake,
        concurrency=3,
        work_dir=tmp_path,
    )
    assert [r.participant for r in run_.results] == names
    assert [r.outcome for r in run_.results] == ["done"] * 3


class SlowFirst(FakeCdk):
    """The first participant's run takes longest."""

    def __call__(self, command, log):
        if command[1] != "synth":
            time.sleep(0.15 if FakeCdk.participant(command) == "ana" else 0.01)
        return super().__call__(command, log)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_no_more_than_the_concurrency_bound_run_at_once(tmp_path, concurrency):
    names = [f"p{i}" for i in range(8)]
    code, fake = run("up", names, tmp_path, "--concurrency", str(concurrency))
    assert code == 0
    assert len(fake.deploys()) == 8
    assert fake.max_in_flight == concurrency, (
        f"runs must be parallel but bounded: {fake.max_in_flight} ran at once"
    )


def test_a_failure_does_not_stop_the_others_and_the_exit_code_says_so(tmp_path, capsys):
    code, fake = run("up", ["ana", "ben", "cem"], tmp_path, fake=FakeCdk(failing=("ben",)))
    out = capsys.readouterr().out
    lines = outcome_lines(out)
    assert code == class_run.EXIT_FAILED
    assert sorted(FakeCdk.participant(c) for c in fake.deploys()) == ["ana", "ben", "cem"]
    assert set(lines) == {"ana", "ben", "cem"}, "one line per participant"
    assert lines["ana"].startswith("ok ")
    assert f"ana-{LAB}" in lines["ana"]
    assert lines["ana"].endswith("(CREATE_COMPLETE)")
    assert lines["ben"].startswith("FAILED ")
    assert "stack does not exist" in lines["ben"]
    assert "exit 1" in lines["ben"]
    assert out.splitlines()[-1] == f"{LAB} deployed for 2 of 3; FAILED: ben"


def test_a_deploy_that_exits_0_but_leaves_the_stack_in_review_is_a_failure(tmp_path, capsys):
    review = {"StackStatus": "REVIEW_IN_PROGRESS", "StackStatusReason": "User Initiated"}
    fake = FakeCdk(states={"cem": review})
    code, _ = run("up", ["ana", "ben", "cem"], tmp_path, fake=fake)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED, "cdk's exit code 0 is not the stack's state"
    assert "stack REVIEW_IN_PROGRESS: User Initiated (exit 0" in outcome_lines(out)["cem"]
    assert out.splitlines()[-1] == f"{LAB} deployed for 2 of 3; FAILED: cem"


def test_a_failed_stack_without_a_status_reason_is_explained_by_its_latest_failed_event(
    tmp_path, capsys
):
    fake = FakeCdk(failing=("ana",), states={"ana": {"StackStatus": "ROLLBACK_COMPLETE"}})
    fake.cloud.events[f"ana-{LAB}"] = [  # newest first, as CloudFormation lists them
        {"LogicalResourceId": f"ana-{LAB}", "ResourceStatus": "ROLLBACK_COMPLETE"},
        {
            "LogicalResourceId": "Bucket83908E77",
            "ResourceStatus": "CREATE_FAILED",
            "ResourceStatusReason": "Resource limit exceeded",
        },
        {"LogicalResourceId": "Key961B73FD", "ResourceStatus": "CREATE_COMPLETE"},
    ]
    code, _ = run("up", ["ana"], tmp_path, fake=fake)
    line = outcome_lines(capsys.readouterr().out)["ana"]
    assert code == class_run.EXIT_FAILED
    assert "stack ROLLBACK_COMPLETE: Bucket83908E77: Resource limit exceeded (exit 1" in line


@pytest.mark.parametrize(
    ("status", "deployed"),
    [
        ("CREATE_COMPLETE", True),
        ("UPDATE_COMPLETE", True),
        # An update that failed and was rolled back: the stack runs the old template, the
        # change the trainer asked for is not there.
        ("UPDATE_ROLLBACK_COMPLETE", False),
        ("UPDATE_ROLLBACK_FAILED", False),
        ("ROLLBACK_COMPLETE", False),
        ("IMPORT_COMPLETE", False),
    ],
)
def test_deployed_means_created_or_updated_as_asked(tmp_path, capsys, status, deployed):
    fake = FakeCdk(states={"ana": {"StackStatus": status}})
    code, _ = run("up", ["ana"], tmp_path, fake=fake)
    line = outcome_lines(capsys.readouterr().out)["ana"]
    assert code == (class_run.EXIT_OK if deployed else class_run.EXIT_FAILED)
    assert line.startswith("ok " if deployed else "FAILED ")
    if not deployed:
        assert f"stack {status}" in line


@pytest.mark.parametrize(
    ("state", "destroyed"),
    [
        (None, True),
        ({"StackStatus": "DELETE_COMPLETE"}, True),
        ({"StackStatus": "DELETE_FAILED", "StackStatusReason": "bucket not empty"}, False),
        ({"StackStatus": "DELETE_IN_PROGRESS"}, False),
    ],
)
def test_destroyed_means_the_stack_is_gone(tmp_path, state, destroyed):
    fake = FakeCdk(states={"ana": state} if state else {})
    fake.cloud.stacks[f"ana-{LAB}"] = {"StackStatus": "CREATE_COMPLETE"}
    code, _ = run("down", ["ana"], tmp_path, fake=fake)
    assert code == (class_run.EXIT_OK if destroyed else class_run.EXIT_FAILED)


def test_all_succeeded_exits_zero_with_a_summary(tmp_path, capsys):
    code, _ = run("down", ["ana", "ben"], tmp_path)
    assert code == class_run.EXIT_OK
    assert capsys.readouterr().out.splitlines()[-1] == f"{LAB} destroyed for 2 of 2: all done"


def test_a_runner_that_cannot_start_fails_that_participant_only(tmp_path, capsys):
    code, _ = run("up", ["ana", "ben"], tmp_path, fake=FakeCdk(raising=("ana",)))
    assert code == class_run.EXIT_FAILED
    assert capsys.readouterr().out.splitlines()[-1] == f"{LAB} deployed for 1 of 2; FAILED: ana"
    assert "could not run the CDK CLI" in (tmp_path / "cdk.out.ana.log").read_text()


def test_a_failed_synth_deploys_nothing(tmp_path, capsys):
    code, fake = run("up", ["ana", "ben"], tmp_path, fake=FakeCdk(synth_exit=1))
    out = capsys.readouterr().out.splitlines()
    assert code == class_run.EXIT_FAILED
    assert len(fake.commands) == 1, "only the synth ran"
    assert f"FAILED  synth exit 1, see cdk.out.class-{LAB}.log: error: unknown lab" in out
    assert out[-1] == f"{LAB} deployed for 0 of 2; never started: ana ben"


# --- Ctrl-C -----------------------------------------------------------------------------------


def ctrl_c(times: int = 1) -> None:
    """What the terminal does on Ctrl-C: SIGINT to this process (Python handles it in the main
    thread); then give the handler time to run before the caller goes on."""
    for _ in range(times):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)


class InterruptedCdk(FakeCdk):
    """Ctrl-C `times` times during `who`'s deploy; with a `stop()` like the real runner's."""

    def __init__(self, who: str, times: int, running: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.who, self.times, self.running = who, times, running
        self.stopped = threading.Event()
        self.entered: list[str] = []

    def __call__(self, command, log):
        if command[1] != "synth":
            self.entered.append(self.participant(command))
        if command[1] != "synth" and self.participant(command) == self.who:
            while len(self.entered) < self.running:  # Ctrl-C once `running` runs are going
                time.sleep(0.01)
            ctrl_c(self.times)
        if self.times > 1 and command[1] != "synth":
            self.stopped.wait(timeout=10)  # a long deploy, until the second Ctrl-C stops it
            self.commands.append(list(command))
            return -signal.SIGTERM
        return super().__call__(command, log)

    def stop(self) -> None:
        self.stopped.set()


def test_first_ctrl_c_starts_nothing_new_lets_the_running_finish_and_exits_130(tmp_path, capsys):
    fake = InterruptedCdk("ana", times=1)
    code, _ = run("up", ["ana", "ben", "cem"], tmp_path, "--concurrency", "1", fake=fake)
    out, err = capsys.readouterr()
    assert code == class_run.EXIT_INTERRUPTED
    assert [FakeCdk.participant(c) for c in fake.deploys()] == ["ana"], "ben and cem not started"
    assert not fake.stopped.is_set(), "the first Ctrl-C lets the running deploy finish"
    assert fake.cloud.stacks == {f"ana-{LAB}": {"StackStatus": "CREATE_COMPLETE"}}
    lines = outcome_lines(out)
    assert lines["ana"].startswith("ok ")
    assert lines["ben"].endswith("never started")
    assert f"{LAB} deployed for 1 of 3; never started: ben cem" in out.splitlines()
    assert out.splitlines()[-1].startswith("interrupted: see where each stack stands with make")
    assert "Ctrl-C: starting nothing new; waiting for the 1 running to finish (ana)" in err
    assert "Traceback" not in out + err


def test_second_ctrl_c_stops_the_running_at_once_and_names_their_stacks(tmp_path, capsys):
    fake = InterruptedCdk("ana", times=2, running=2)
    code, _ = run("up", ["ana", "ben", "cem"], tmp_path, "--concurrency", "2", fake=fake)
    out, err = capsys.readouterr()
    assert code == class_run.EXIT_INTERRUPTED
    assert fake.stopped.is_set(), "the second Ctrl-C stops the runs"
    assert sorted(FakeCdk.participant(c) for c in fake.deploys()) == ["ana", "ben"]
    lines = outcome_lines(out)
    assert lines["ana"].startswith("STOPPED ")
    assert lines["ben"].startswith("STOPPED ")
    assert lines["cem"].endswith("never started")
    assert f"{LAB} deployed for 0 of 3; interrupted: ana ben; never started: cem" in out
    assert out.splitlines()[-1] == (
        f"stopped: these stacks may be left in progress: ana-{LAB} ben-{LAB}; run make "
        f'class-status LAB={LAB} PARTICIPANTS="ana ben cem"'
    )
    assert "Ctrl-C: stopping the running CDK commands now." in err
    assert "Traceback" not in out + err


def test_ctrl_c_during_the_synth_stops_it_and_deploys_nothing(tmp_path, capsys):
    class CtrlCInSynth(InterruptedCdk):
        def __call__(self, command, log):
            self.commands.append(list(command))
            ctrl_c()
            return -signal.SIGTERM if self.stopped.is_set() else 0

    fake = CtrlCInSynth("", times=1)
    code, _ = run("up", ["ana", "ben"], tmp_path, fake=fake)
    out, err = capsys.readouterr()
    assert code == class_run.EXIT_INTERRUPTED
    assert fake.stopped.is_set(), "the synth is stopped"
    assert len(fake.commands) == 1, "nothing runs after it"
    assert out.splitlines()[-2] == f"{LAB} deployed for 0 of 2; never started: ana ben"
    assert "Ctrl-C: stopping the synth now." in err


def test_the_signal_handler_is_restored_after_the_run(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    run("up", ["ana"], tmp_path)
    assert signal.getsignal(signal.SIGINT) is before


def test_the_class_runner_does_not_import_aws_cdk_lib():
    """Its jsii process would die on the trainer's Ctrl-C (BrokenPipeError at exit)."""
    code = "import sys, classroom.run; print('aws_cdk' in sys.modules, 'jsii' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_class_runner_knows_every_lab_in_course_order():
    from stacks import LABS as STACKS

    assert [lab.lab_id for lab in STACKS] == LABS


@pytest.mark.parametrize(
    ("lab", "participants", "extra", "problem"),
    [
        (LAB, "ana Ben", (), "invalid context participant='Ben'"),
        (LAB, "ana 9lives", (), "invalid context participant='9lives'"),
        (LAB, "ana lab", (), "invalid context participant='lab': lab-... are names the course"),
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
    assert class_run.main(argv, runner=fake) == class_run.EXIT_INVALID
    assert fake.commands == [], "nothing may be deployed when any name is bad"
    err = capsys.readouterr().err
    assert err.startswith("error: nothing was run")
    assert problem in err


def test_every_problem_is_listed_at_once(capsys):
    fake = FakeCdk()
    argv = ["down", "--lab", "LabNope", "--participants", "Ana bob bob"]
    assert class_run.main(argv, runner=fake) == class_run.EXIT_INVALID
    assert capsys.readouterr().err.splitlines()[1:] == [
        f"unknown lab 'LabNope': use one of {', '.join(LABS)}, LabAccess",
        "participants named twice: bob",
        "invalid context participant='Ana': use 1-20 lowercase letters or digits, starting"
        " with a letter, no hyphen (e.g. ana or ana2)",
    ]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("class-up", '--participants "ana ben" up --concurrency 2 --expires-in-hours 6'),
        ("class-down", '--participants "ana ben" down --concurrency 2'),
    ],
)
def test_make_targets_call_the_class_runner(target, expected):
    command = last_command(target, f"LAB={LAB}", "PARTICIPANTS=ana ben", *MAKE_OPTIONS)
    assert command.startswith(f'.venv/bin/python -m classroom.run --lab "{LAB}"')
    assert command.endswith(expected)


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
    assert "after the end of its deploy" in text, "say when the expiry counts from (#20)"


def test_main_readme_links_the_overview():
    assert "](labs/README.md)" in (ROOT / "README.md").read_text()


def test_a_class_gets_its_sign_ins_like_a_lab(tmp_path, capsys):
    fake = FakeCdk()
    argv = ["up", "--lab", "LabAccess", "--participants", "ana ben", "--work-dir", str(tmp_path)]
    assert class_run.main(argv, runner=fake, client=fake.cloud) == class_run.EXIT_OK
    assert "LabAccess for 2 participants" in capsys.readouterr().out
    assert sorted(command[4] for command in fake.deploys()) == ["ana/LabAccess", "ben/LabAccess"]

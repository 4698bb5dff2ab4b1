"""`make class-up|class-down` (issues #9, #14, #27): `python -m classroom.run up|down`.

The command as a trainer runs it, with the CDK CLI replaced by tests/classroom/fake_cdk.py (a
real process) against a moto server, CloudFormation's time from the timeline
(tests/classroom/fake_cloud.py): exit codes, the lines and the summary, what is synthesized
and run. The engine's own promises (failures, time limits, throttling, rosters, signals) are in
tests/classroom/test_engine*.py; the pinned CLI itself in test_engine_rehearsal.py.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from classroom import class_input
from classroom import run as class_run
from tests.classroom.engine_fixtures import LAB, outcome_lines, signal_when
from tests.make_runner import last_command
from tests.synth import ROOT

LABS = class_input.lab_ids()
MAKE_OPTIONS = ["CONCURRENCY=2", "EXPIRES_IN_HOURS=6"]


def class_up(cloud, names, *extra, **options) -> int:
    return cloud.main(["up", "--lab", LAB, "--participants", " ".join(names), *extra], **options)


def test_up_synthesizes_the_class_once_then_deploys_it_at_once_from_it(cloud, capsys):
    code = class_up(cloud, ["ana", "ben", "cem"], "--expires-in-hours", "4")
    out = capsys.readouterr().out
    assembly = str(cloud.work_dir / f"cdk.out.class-{LAB}")
    assert code == class_run.EXIT_OK
    assert cloud.commands("synth") == [
        ["synth", "--quiet", "-c", f"lab={LAB}", "-c", "participants=ana,ben,cem",
         "-c", "expires_in_hours=4", "--output", assembly],
    ]  # fmt: skip
    (deploy,) = cloud.commands("deploy")
    assert deploy[:3] == ["deploy", "--app", assembly], "the class's assembly, no synth of its own"
    assert deploy[-3:] == [f"ana/{LAB}", f"ben/{LAB}", f"cem/{LAB}"], "the class's order"
    assert deploy[deploy.index("--require-approval") + 1] == "never"
    assert out.splitlines()[0] == (
        f"up: {LAB} for 3 participants in region us-east-1 (from AWS_REGION), all at once "
        f"(logs: cdk.out.<participant>.{LAB}.up.log)"
    )
    assert out.splitlines()[-1] == f"{LAB} deployed for 3 of 3: all done"


def test_one_participant_is_one_participant(cloud, capsys):
    class_up(cloud, ["ana"], "--concurrency", "1")
    assert f"up: {LAB} for 1 participant in region us-east-1 (from AWS_REGION), 1 at a time" in (
        capsys.readouterr().out
    )


def test_down_destroys_without_asking_ignores_the_expiry_and_looks_for_leftovers(cloud, capsys):
    class_up(cloud, ["ana"])
    capsys.readouterr()
    code = cloud.main(["down", "--lab", LAB, "--participants", "ana", "--expires-in-hours", "6"])
    out = capsys.readouterr().out
    assembly = str(cloud.work_dir / f"cdk.out.class-{LAB}")
    assert code == class_run.EXIT_OK
    assert cloud.commands("synth")[-1] == [
        "synth", "--quiet", "-c", f"lab={LAB}", "-c", "participants=ana", "--output", assembly,
    ]  # fmt: skip
    assert cloud.commands("destroy") == [
        ["destroy", "--app", assembly, "--concurrency", "1", "--force", f"ana/{LAB}"]
    ]
    assert cloud.status(f"ana-{LAB}") is None
    assert out.splitlines()[-2:] == [
        f"{LAB} destroyed for 1 of 1: all done",
        f"{LAB}: nothing left behind that no stack owns (class-sweep)",
    ]


def test_a_failure_does_not_stop_the_others_and_the_exit_code_says_so(cloud, capsys):
    cloud.plan(stacks={"ben": "error"})
    code = class_up(cloud, ["ana", "ben", "cem"])
    out = capsys.readouterr().out
    lines = outcome_lines(out)
    assert code == class_run.EXIT_FAILED
    assert set(lines) == {"ana", "ben", "cem"}, "one line per participant"
    assert lines["ben"].startswith("FAILED ")
    assert "stack does not exist" in lines["ben"]
    assert out.splitlines()[-1] == f"{LAB} deployed for 2 of 3; FAILED: ben"


@pytest.mark.parametrize(
    ("status", "deployed"),
    [
        ("CREATE_COMPLETE", True),
        # An update that failed and was rolled back: the stack runs the old template, the
        # change the trainer asked for is not there.
        ("UPDATE_ROLLBACK_COMPLETE", False),
        ("UPDATE_ROLLBACK_FAILED", False),
        ("ROLLBACK_COMPLETE", False),
        ("IMPORT_COMPLETE", False),
    ],
)
def test_deployed_means_created_or_updated_as_asked(cloud, capsys, status, deployed):
    # The CLI says ✅ whatever happened: the stack's state decides.
    cloud.plan(stacks={"ana": f"final:{status}"}, claims_success=True)
    code = class_up(cloud, ["ana"])
    line = outcome_lines(capsys.readouterr().out)["ana"]
    assert code == (class_run.EXIT_OK if deployed else class_run.EXIT_FAILED)
    assert line.startswith("ok " if deployed else "FAILED ")
    assert status in line


@pytest.mark.parametrize(
    ("kind", "destroyed"),
    [("ok", True), ("final:DELETE_COMPLETE", True), ("final:DELETE_FAILED", False)],
)
def test_destroyed_means_the_stack_is_gone(cloud, kind, destroyed):
    class_up(cloud, ["ana"])
    cloud.plan(stacks={"ana": kind}, claims_success=True)
    code = cloud.main(["down", "--lab", LAB, "--participants", "ana"])
    assert code == (class_run.EXIT_OK if destroyed else class_run.EXIT_FAILED)


def test_a_time_out_fails_the_run(cloud, capsys):
    cloud.plan(stacks={"ben": "stuck"})
    code = cloud.main(["up", "--lab", LAB, "--participants", "ana ben"], limit_minutes=0.05)
    assert code == class_run.EXIT_FAILED
    assert capsys.readouterr().out.splitlines()[-1] == f"{LAB} deployed for 1 of 2; timed out: ben"


def test_a_cdk_cli_that_cannot_start_fails_the_class(cloud, capsys):
    code = class_up(cloud, ["ana", "ben"], cdk=[str(cloud.work_dir / "no-cdk")])
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert "FAILED  synth: could not run the CDK CLI" in out
    assert out.splitlines()[-1] == f"{LAB} deployed for 0 of 2; never started: ana ben"


def test_a_failed_synth_deploys_nothing(cloud, capsys):
    cloud.plan(synth_exit=1)
    code = class_up(cloud, ["ana", "ben"])
    out = capsys.readouterr().out.splitlines()
    assert code == class_run.EXIT_FAILED
    assert cloud.commands("deploy") == []
    assert f"FAILED  synth exit 1, see cdk.out.class-{LAB}.log: error: unknown lab" in out
    assert out[-1] == f"{LAB} deployed for 0 of 2; never started: ana ben"


# --- Ctrl-C -------------------------------------------------------------------------------------


def test_first_ctrl_c_watches_the_submitted_to_their_end_and_exits_130(cloud, capsys):
    cloud.plan(busy=1.0)
    signal_when((cloud.submitted(f"ana-{LAB}"), signal.SIGINT))
    code = class_up(cloud, ["ana", "ben", "cem"], "--concurrency", "1")
    out, err = capsys.readouterr()
    assert code == class_run.EXIT_INTERRUPTED
    assert f"{LAB} deployed for 1 of 3; never started: ben cem" in out.splitlines()
    assert out.splitlines()[-1] == (
        f"interrupted: see where each stack stands with make class-status LAB={LAB} "
        'PARTICIPANTS="ana ben cem"'
    )
    assert "Traceback" not in out + err


def test_second_ctrl_c_names_the_stacks_left_in_progress(cloud, capsys):
    cloud.plan(busy=60)
    both = cloud.submitted(f"ana-{LAB}", f"ben-{LAB}")
    signal_when((both, signal.SIGINT), (lambda: True, signal.SIGINT))
    code = class_up(cloud, ["ana", "ben", "cem"], "--concurrency", "2")
    out, err = capsys.readouterr()
    assert code == class_run.EXIT_INTERRUPTED
    assert f"{LAB} deployed for 0 of 3; left in progress: ana ben; never started: cem" in out
    assert out.splitlines()[-1] == (
        f"stopped: these stacks were left in progress: ana-{LAB} ben-{LAB}; run make "
        f'class-status LAB={LAB} PARTICIPANTS="ana ben cem"'
    )
    assert "Traceback" not in out + err


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
        (LAB, "ana", ("--concurrency", "0"), "--concurrency must be 1 to 50"),
        (LAB, "ana", ("--concurrency", "51"), "--concurrency must be 1 to 50"),
    ],
)
def test_bad_input_is_rejected_before_anything_runs(
    cloud, lab, participants, extra, problem, capsys
):
    argv = ["up", "--lab", lab, "--participants", participants, *extra]
    assert cloud.main(argv) == class_run.EXIT_INVALID
    assert cloud.records() == [], "nothing may be run when any name is bad"
    err = capsys.readouterr().err
    assert err.startswith("error: nothing was run")
    assert problem in err


def test_every_problem_is_listed_at_once(cloud, capsys):
    argv = ["down", "--lab", "LabNope", "--participants", "Ana bob bob"]
    assert cloud.main(argv) == class_run.EXIT_INVALID
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


def test_a_class_gets_its_sign_ins_like_a_lab(cloud, capsys):
    argv = ["up", "--lab", "LabAccess", "--participants", "ana ben"]
    assert cloud.main(argv) == class_run.EXIT_OK
    assert "LabAccess for 2 participants" in capsys.readouterr().out
    (deploy,) = cloud.commands("deploy")
    assert deploy[-2:] == ["ana/LabAccess", "ben/LabAccess"]

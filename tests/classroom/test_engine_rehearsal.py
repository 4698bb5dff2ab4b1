"""The class engine with the pinned CDK CLI against a moto server (issue #27), side by side.

A class of 3 in LabS3Lifecycle: one synth, `cdk bootstrap --app`, ONE `cdk deploy
--method=direct --concurrency 3` for the three stacks; then `python -m classroom.run` as the
trainer runs it, stopped by a real Ctrl-C (once, twice) with the real CLI running; then one
`cdk destroy --concurrency 7` for the whole class. What moto cannot do, a helper does
(tests/moto_custom_resources.py): it answers the stacks' custom resources as their Lambda
functions would, so a stack created without a change set completes. Slow (a real synth, about
a minute), so it is marked `rehearsal`: `make test` runs it with
the rest, `make rehearsal` alone.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from classroom.account_run import AccountPart
from classroom.cdk_commands import ACTIONS, Target
from classroom.engine import Engine
from course.config import LabSettings
from tests.moto_custom_resources import CustomResourceAnswers
from tests.moto_server import moto_environment
from tests.synth import ROOT

pytestmark = pytest.mark.rehearsal

LAB = "LabS3Lifecycle"
REGION = "us-east-1"
CLASS = ["ana", "ben", "cem"]
CLI_TIMEOUT = 300
# The Lambda code every participant's stack shares: published once for the class.
SHARED_ASSET = "Custom::S3AutoDeleteObjectsCustomResourceProvider Code"


@pytest.fixture(scope="module")
def endpoint(moto_endpoint) -> str:
    """moto's server of this module (tests/classroom/conftest.py)."""
    return moto_endpoint


@pytest.fixture(scope="module")
def env(endpoint) -> dict[str, str]:
    return moto_environment(endpoint, REGION)


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("class")


def client(endpoint: str):
    return boto3.client(
        "cloudformation",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def run(endpoint, env, work_dir, action, names, **options):
    settings = [LabSettings(participant=name) for name in names]
    out, err = io.StringIO(), io.StringIO()
    engine = Engine(
        ACTIONS[action], LAB, work_dir=work_dir, env=env, out=out, err=err, poll_seconds=1,
        limit_minutes=3,  # moto takes seconds: a stuck stack fails the test soon
        **options,
    )  # fmt: skip
    account = AccountPart(Target(), client(endpoint), tuple(settings))
    return engine.run(settings, [account]), out.getvalue(), err.getvalue()


def status(endpoint: str, stack: str) -> str | None:
    stacks = {
        s["StackName"]: s["StackStatus"] for s in client(endpoint).describe_stacks()["Stacks"]
    }
    return stacks.get(stack)


def test_the_class_deploys_at_once_with_one_cli_and_the_assets_published_once(
    endpoint, env, work_dir
):
    with CustomResourceAnswers(endpoint):
        class_run, out, err = run(endpoint, env, work_dir, "up", CLASS, bootstrap=True)
    assert [r.outcome for r in class_run.results] == ["done"] * 3, out + err
    assert "bootstrap default credentials: aws://123456789012/us-east-1, CDKToolkit " in out
    assert "deploy: 3 stacks, 3 at a time, in default credentials" in out
    whole = (work_dir / f"cdk.out.class-{LAB}.up.log").read_text()
    assert whole.count("$ ") == 1, "one CLI process for the class"
    assert whole.count(f"start: Publishing {LAB.join(['ana/', '/'])}{SHARED_ASSET}") == 1
    assert f"Publishing ben/{LAB}/{SHARED_ASSET}" not in whole, "published once, by ana's"
    for name in CLASS:
        assert status(endpoint, f"{name}-{LAB}") == "CREATE_COMPLETE"
        log = (work_dir / f"cdk.out.{name}.{LAB}.up.log").read_text()
        assert f"✅  {name}/{LAB} ({name}-{LAB})" in log


# --- the command line, as the trainer runs it ----------------------------------------------------
# `python -m classroom.run` in a process group of its own, the "terminal" the test signals:
# SIGINT to the group, as the terminal sends it on Ctrl-C.


def class_command(env, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def class_up(env, work_dir, names: list[str]) -> subprocess.Popen[str]:
    participants = " ".join(names)
    return class_command(env, "classroom.run", "up", "--lab", LAB, "--participants",
                         participants, "--work-dir", str(work_dir))  # fmt: skip


def when(condition, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + CLI_TIMEOUT
    while not condition():
        assert process.poll() is None, f"the class run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "the stacks never appeared"
        time.sleep(0.2)


def test_ctrl_c_stops_the_cli_and_the_run_watches_the_stacks_cloudformation_finishes(
    endpoint, env, work_dir
):
    # The custom resources answer 5 s after the stacks appear: the CLI is stopped while they
    # are CREATE_IN_PROGRESS, and they complete without it.
    names = ["dia", "eli"]
    with CustomResourceAnswers(endpoint, delay=5):
        run = class_up(env, work_dir, names)
        when(lambda: all(status(endpoint, f"{n}-{LAB}") for n in names), run)
        os.killpg(run.pid, signal.SIGINT)
        out, err = run.communicate(timeout=CLI_TIMEOUT)
    assert run.returncode == 130, out + err
    assert "Traceback" not in out + err
    assert "BrokenPipeError" not in out + err
    assert "Ctrl-C: starting nothing new." in err
    assert f"{LAB} deployed for 2 of 2: all done" in out.splitlines()
    assert out.splitlines()[-1] == (
        f"interrupted: see where each stack stands with make class-status LAB={LAB} "
        'PARTICIPANTS="dia eli"'
    )
    whole = (work_dir / f"cdk.out.class-{LAB}.up.log").read_text()
    assert f"✅  dia/{LAB}" not in whole, "the CLI did not live to see it"

    status_run = class_command(env, "classroom.status", "--lab", LAB, "--participants", "dia fay")
    lines = [" ".join(line.split()) for line in status_run.communicate(timeout=60)[0].splitlines()]
    assert lines == [
        "region us-east-1 (from AWS_REGION)",
        f"dia {LAB} CREATE_COMPLETE",
        "fay -",
        "1 lab stack for 1 of 2 participants",
    ]


def test_a_second_ctrl_c_stops_watching_and_names_the_stacks_left_in_progress(
    endpoint, env, work_dir
):
    names = ["fay", "gus"]
    with CustomResourceAnswers(endpoint, delay=3600):  # CloudFormation takes its time
        run = class_up(env, work_dir, names)
        when(lambda: all(status(endpoint, f"{n}-{LAB}") for n in names), run)
        os.killpg(run.pid, signal.SIGINT)
        time.sleep(1)
        os.killpg(run.pid, signal.SIGINT)
        out, err = run.communicate(timeout=CLI_TIMEOUT)
    assert run.returncode == 130, out + err
    assert "Traceback" not in out + err
    assert f"{LAB} deployed for 0 of 2; left in progress: fay gus" in out.splitlines()
    assert out.splitlines()[-1].startswith(
        f"stopped: these stacks were left in progress: fay-{LAB} gus-{LAB}; run make class-status"
    )
    assert status(endpoint, f"fay-{LAB}") == "CREATE_IN_PROGRESS"


def test_the_class_is_destroyed_at_once_with_one_cli(endpoint, env, work_dir):
    everyone = [*CLASS, "dia", "eli", "fay", "gus"]
    down = class_command(env, "classroom.run", "down", "--lab", LAB, "--participants",
                         " ".join(everyone), "--work-dir", str(work_dir))  # fmt: skip
    out, err = down.communicate(timeout=CLI_TIMEOUT)
    assert down.returncode == 0, out + err
    assert out.splitlines()[-2:] == [
        f"{LAB} destroyed for 7 of 7: all done",
        f"{LAB}: nothing left behind that no stack owns (class-sweep)",
    ]
    whole = (work_dir / f"cdk.out.class-{LAB}.down.log").read_text()
    assert whole.count("$ ") == 1, "one CLI process for the class"
    assert "--concurrency 7 --force" in whole
    assert all(status(endpoint, f"{name}-{LAB}") is None for name in everyone)

"""The class engine with the pinned CDK CLI against a moto server (issue #27), side by side.

A class of 3 in LabS3Lifecycle: one synth, `cdk bootstrap --app`, ONE `cdk deploy
--method=direct --concurrency 3` for the three stacks, one `cdk destroy --concurrency 3`; then
a Ctrl-C with the real CLI running. What moto cannot do, a helper does
(tests/moto_custom_resources.py): it answers the stacks' custom resources as their Lambda
functions would, so a stack created without a change set completes. Slow (a real synth, about
a minute), so it is marked `rehearsal`: `make test` runs it in a session of its own.
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from classroom.engine import ACTIONS, Account, Engine, Target
from course.config import LabSettings
from tests.classroom.engine_fixtures import outcome_lines, signal_when
from tests.moto_custom_resources import CustomResourceAnswers
from tests.moto_server import moto_server

pytestmark = pytest.mark.rehearsal

LAB = "LabS3Lifecycle"
REGION = "us-east-1"
CLASS = ["ana", "ben", "cem"]
# The Lambda code every participant's stack shares: published once for the class.
SHARED_ASSET = "Custom::S3AutoDeleteObjectsCustomResourceProvider Code"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def env(endpoint) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "JSII_"))}
    return env | {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
    }


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
    account = Account(Target(), client(endpoint), tuple(settings))
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


def test_ctrl_c_stops_the_real_cli_and_cloudformation_finishes_what_it_was_given(
    endpoint, env, work_dir
):
    # The custom resources answer 5 s after the stacks appear: the CLI is stopped while they
    # are CREATE_IN_PROGRESS, and they complete without it.
    names = ["dia", "eli"]
    submitted = lambda: all(status(endpoint, f"{n}-{LAB}") for n in names)  # noqa: E731
    signal_when((submitted, signal.SIGINT))
    with CustomResourceAnswers(endpoint, delay=5):
        class_run, out, err = run(endpoint, env, work_dir, "up", names)
    assert class_run.interrupted
    assert [r.outcome for r in class_run.results] == ["done", "done"], out + err
    assert "Ctrl-C: starting nothing new." in err
    assert outcome_lines(out)["dia"].endswith("(CREATE_COMPLETE)")
    whole = (work_dir / f"cdk.out.class-{LAB}.up.log").read_text()
    assert f"✅  dia/{LAB}" not in whole, "the CLI did not live to see it"


def test_the_class_is_destroyed_at_once_with_one_cli(endpoint, env, work_dir):
    everyone = [*CLASS, "dia", "eli"]
    class_run, out, err = run(endpoint, env, work_dir, "down", everyone)
    assert [r.outcome for r in class_run.results] == ["done"] * 5, out + err
    whole = (work_dir / f"cdk.out.class-{LAB}.down.log").read_text()
    assert "--concurrency 5 --force" in whole
    assert all(status(endpoint, f"{name}-{LAB}") is None for name in everyone)

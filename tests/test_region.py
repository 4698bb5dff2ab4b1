"""One region rule (issue #14): labcheck and the class commands use the region the CDK CLI
deploys into (AWS_REGION, then AWS_DEFAULT_REGION, then the profile's), and print it."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from classroom import run as class_run
from classroom import status
from course.region import Region, resolve_region
from labcheck.cli import main as labcheck
from tests.synth import ROOT

CONFIG = """\
[default]
region = eu-west-1

[profile lab]
region = eu-central-1

[profile bare]
output = json
"""
CREDENTIALS = """\
[keyed]
aws_access_key_id = testing
aws_secret_access_key = testing
region = ap-south-1
"""


@pytest.fixture
def aws_files(tmp_path) -> dict[str, str]:
    """A temporary config and credentials file, and nothing else from the environment."""
    (tmp_path / "config").write_text(CONFIG)
    (tmp_path / "credentials").write_text(CREDENTIALS)
    return {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "HOME": str(tmp_path),
    }


@pytest.mark.parametrize(
    ("environment", "profile", "region", "source"),
    [
        ({"AWS_REGION": "us-west-2"}, None, "us-west-2", "AWS_REGION"),
        ({"AWS_DEFAULT_REGION": "sa-east-1"}, None, "sa-east-1", "AWS_DEFAULT_REGION"),
        (
            {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "sa-east-1"},
            None,
            "us-west-2",
            "AWS_REGION",
        ),
        ({"AWS_REGION": "us-west-2", "AWS_PROFILE": "lab"}, None, "us-west-2", "AWS_REGION"),
        ({"AWS_REGION": "us-west-2"}, "lab", "us-west-2", "AWS_REGION"),
        ({}, None, "eu-west-1", "profile default in {config}"),
        ({"AWS_PROFILE": "lab"}, None, "eu-central-1", "profile lab in {config}"),
        ({"AWS_DEFAULT_PROFILE": "lab"}, None, "eu-central-1", "profile lab in {config}"),
        ({"AWS_PROFILE": "bare"}, "lab", "eu-central-1", "profile lab in {config}"),
        ({"AWS_PROFILE": "bare"}, None, "eu-west-1", "profile default in {config}"),
        ({"AWS_PROFILE": "keyed"}, None, "ap-south-1", "profile keyed in {credentials}"),
        ({"AWS_PROFILE": "nobody"}, None, "eu-west-1", "profile default in {config}"),
    ],
)
def test_the_region_is_the_one_the_cdk_cli_picks(aws_files, environment, profile, region, source):
    found = resolve_region(profile, {**aws_files, **environment})
    files = {"config": aws_files["AWS_CONFIG_FILE"]}
    files["credentials"] = aws_files["AWS_SHARED_CREDENTIALS_FILE"]
    assert found == Region(region, source.format(**files))


def test_without_any_configuration_it_is_the_cdks_default(tmp_path):
    environment = {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    found = resolve_region(None, environment)
    assert str(found) == "us-east-1 (from the CDK's default: no region configured)"


def test_the_region_module_imports_neither_boto3_nor_the_cdk():
    """labcheck imports it with boto3 alone; the class runner must not start jsii."""
    code = "import sys, course.region; print(sorted({'boto3', 'aws_cdk'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- the tools use it ----------------------------------------------------------------------------

STACK = "ana-LabS3Lifecycle"


@pytest.fixture
def only_aws_region(monkeypatch, aws_files):
    """AWS_REGION=us-west-2 and a default profile in eu-west-1: boto3 alone would pick the
    profile's region, the CDK CLI deploys into us-west-2. A stack exists in us-west-2 only."""
    for key in ("AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AMAZON_REGION"):
        monkeypatch.delenv(key, raising=False)
    for key, value in {
        **aws_files,
        "AWS_REGION": "us-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        assert boto3.Session().region_name == "eu-west-1", "boto3 ignores AWS_REGION"
        template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
        boto3.client("cloudformation", region_name="us-west-2").create_stack(
            StackName=STACK, TemplateBody=json.dumps(template)
        )
        yield


def test_labcheck_looks_in_the_region_the_cdk_deployed_into(only_aws_region, capsys):
    code = labcheck(["LabS3Lifecycle", "--participant", "ana"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("labcheck: the stack of LabS3Lifecycle has no output"), (
        "labcheck found the stack in us-west-2 (it has none of the lab's outputs)"
    )


def test_labcheck_prints_the_region_and_where_it_came_from(only_aws_region, capsys):
    labcheck(["LabS3Lifecycle", "--bucket", "not-there"])
    assert capsys.readouterr().out.splitlines()[0] == (
        "LabS3Lifecycle in us-west-2 (from AWS_REGION): bucket not-there"
    )


def test_class_status_looks_in_the_region_the_cdk_deployed_into(only_aws_region, capsys):
    assert status.main(["--participants", "ana"]) == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert lines[:2] == ["region us-west-2 (from AWS_REGION)", "ana LabS3Lifecycle CREATE_COMPLETE"]


def test_class_runs_pass_the_profiles_region_to_the_cdk_cli(only_aws_region, tmp_path, monkeypatch):
    # A "CDK CLI" that says which region it was given; its synth fails, nothing else runs.
    cdk = [sys.executable, "-c", "import os; print(os.environ['AWS_REGION']); raise SystemExit(1)"]
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_PROFILE", "lab")  # the CDK CLI would read it, and so do we
    argv = ["up", "--lab", "LabS3Lifecycle", "--participants", "ana", "--work-dir", str(tmp_path)]
    assert class_run.main(argv, cdk=cdk) == class_run.EXIT_FAILED
    log = (tmp_path / "cdk.out.class-LabS3Lifecycle.log").read_text().splitlines()
    assert log[1:] == ["eu-central-1"], "the CDK CLI is told the region the states are read in"

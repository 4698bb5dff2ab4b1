"""Deploy rehearsal: the trainer's path with the pinned CDK CLI, against moto's server on loopback.

`npx cdk bootstrap`, then `npx cdk deploy` and `npx cdk destroy --force` of a few labs, one at a
time: what breaks here (a CLI too old for the cloud assembly of aws-cdk-lib, asset publishing,
bootstrap version checks) would break in the classroom. Slow (about 45 s), so it is marked
`rehearsal`: `make test` runs it with the rest, `make rehearsal` alone.

What moto can and cannot show, so this asserts only what it builds:
- moto runs no Lambda without Docker: custom resources (auto-delete objects, bucket
  deployments, seed items, ...) never execute, yet the CLI still reports success;
- it drops lifecycle, website, public-access-block and bucket-policy settings, point-in-time
  recovery, IAM database authentication, RDS max storage and every `AWS::Backup::*` resource,
  and it cannot delete the RDS lab's VPC. A deploy of such a lab prints success with the lab's
  point missing, so those labs are reported as SKIPPED "not rehearsed: <why>" (`NOT_REHEARSED`),
  never as passed;
- with `--concurrency 5` it mixes up the stacks and the CLI reports a false success, so stacks
  are deployed one at a time.
Those properties are covered by the template assertions of each lab's test module.
moto resolves a TemplateURL's bucket from the URL path only for the host `localhost`, so the
endpoint is `http://localhost:<port>` (the server listens on 127.0.0.1 only).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from stacks import LABS
from tests.moto_server import moto_environment, moto_server
from tests.synth import ROOT

pytestmark = pytest.mark.rehearsal

# The labs a trainer deploys most and moto builds faithfully enough.
REHEARSED_LABS = ("LabS3Lifecycle", "LabDynamoDbUsers")
# The others, and why a deploy to moto would prove nothing about them (it would print success).
NOT_REHEARSED = {
    "LabS3Website": "moto drops the website configuration, the public bucket policy and the"
    " Block Public Access settings the lab is about",
    "LabRdsMysql": "moto drops IAM database authentication and the storage limit, and cannot"
    " delete the lab's VPC on destroy",
    "LabBackup": "moto builds no AWS::Backup::* resource (vault, plan, selection)",
}
# What `npx cdk` must not print from the project (bin/cdk.js, course/node.py).
NODE_BANNERS = ("end-of-life", "NodeVersionSupportWarning")
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
TOOLKIT_STACK = "CDKToolkit"
CLI_TIMEOUT = 300
# Resources that moto creates for real, and how to see them through boto3.
CHECKED_TYPES = ("AWS::S3::Bucket", "AWS::DynamoDB::Table")
# labcheck on each rehearsed stack: the objectives whose settings moto keeps must pass ("our
# stack passes our checker"). moto drops the lifecycle rule and Block Public Access, runs no
# Lambda (no test.txt, no John Doe) and gives change-set creates no outputs, so the resources
# are named by option: the lab bucket (the one that writes access logs), the table.
LABCHECK = {
    "LabS3Lifecycle": (
        "--bucket",
        lambda resource: (
            resource["Type"] == "AWS::S3::Bucket"
            and "LoggingConfiguration" in resource["Properties"]
        ),
        ["The bucket exists"],
    ),
    "LabDynamoDbUsers": (
        "--table",
        lambda resource: resource["Type"] == "AWS::DynamoDB::Table",
        [
            "The Users table exists",
            "The partition key is email (String), with no sort key",
            "Capacity mode is on-demand",
            "A global secondary index on the name, projecting ALL attributes, is active",
        ],
    ),
}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    """moto's server on a free loopback port, for this module only."""
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def aws_env(endpoint) -> dict[str, str]:
    """The environment of every CLI and boto3 call: moto, dummy credentials, nothing real."""
    return moto_environment(endpoint, REGION)


def _cdk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`npx cdk <args>` in the project, as a trainer runs it."""
    result = subprocess.run(
        ["npx", "--no-install", "cdk", *args, "--no-notices"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"`cdk {' '.join(args)}` failed ({result.returncode}):\n{result.stderr[-4000:]}"
    )
    shown = [banner for banner in NODE_BANNERS if banner in result.stdout + result.stderr]
    assert shown == [], f"`npx cdk {args[0]}` printed a Node version banner"
    return result


def _client(env: dict[str, str], service: str):
    return boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _stack_status(env: dict[str, str], stack_name: str) -> str | None:
    try:
        stacks = _client(env, "cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return stacks[0]["StackStatus"]


@pytest.fixture(scope="module")
def assembly(aws_env, tmp_path_factory) -> Path:
    """`npx cdk synth` through cdk.json, as a trainer's deploy does it; deploys reuse it."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    _cdk(aws_env, "synth", "--quiet", "--output", str(outdir))
    return outdir


@pytest.fixture(scope="module")
def bootstrapped(aws_env, assembly) -> dict[str, str]:
    """`cdk bootstrap` of the account, from the assembly (in the project, the CLI would
    synthesize the app again first: seconds of CPU for nothing the bootstrap uses)."""
    _cdk(aws_env, "bootstrap", f"aws://{ACCOUNT}/{REGION}", "--app", str(assembly))
    return aws_env


def _resources(env: dict[str, str], stack_name: str) -> list[dict]:
    paginator = _client(env, "cloudformation").get_paginator("list_stack_resources")
    return [
        summary
        for page in paginator.paginate(StackName=stack_name)
        for summary in page["StackResourceSummaries"]
    ]


def _exists(env: dict[str, str], resource_type: str, physical_id: str) -> bool:
    try:
        if resource_type == "AWS::S3::Bucket":
            _client(env, "s3").head_bucket(Bucket=physical_id)
        else:
            _client(env, "dynamodb").describe_table(TableName=physical_id)
    except ClientError:
        return False
    return True


def test_bootstrap_creates_the_toolkit_stack_and_assets_bucket(bootstrapped):
    assert _stack_status(bootstrapped, TOOLKIT_STACK) == "CREATE_COMPLETE"
    bucket = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"
    assert _exists(bootstrapped, "AWS::S3::Bucket", bucket), "bootstrap made no assets bucket"


def test_every_lab_is_rehearsed_or_says_why_not():
    labs = [lab.lab_id for lab in LABS]
    assert sorted(labs) == sorted([*REHEARSED_LABS, *NOT_REHEARSED])


@pytest.mark.parametrize(
    "lab_id",
    [
        pytest.param(
            lab_id,
            marks=pytest.mark.skip(reason=f"{lab_id} not rehearsed: {NOT_REHEARSED[lab_id]}")
            if lab_id in NOT_REHEARSED
            else (),
        )
        for lab_id in (lab.lab_id for lab in LABS)
    ],
)
def test_lab_deploys_and_destroys_with_the_pinned_cli(bootstrapped, assembly, lab_id):
    env = bootstrapped
    manifest = json.loads((assembly / "manifest.json").read_text())
    stack_name = manifest["artifacts"][lab_id]["properties"].get("stackName", lab_id)
    template = json.loads((assembly / f"{lab_id}.template.json").read_text())
    declared = sorted(
        (resource["Type"], logical_id)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in CHECKED_TYPES
    )

    _cdk(env, "deploy", lab_id, "--app", str(assembly), "--require-approval", "never")

    assert _stack_status(env, stack_name) == "CREATE_COMPLETE", f"{lab_id} did not deploy"
    built = {
        summary["LogicalResourceId"]: summary["PhysicalResourceId"]
        for summary in _resources(env, stack_name)
        if summary["ResourceType"] in CHECKED_TYPES
    }
    assert sorted(built) == [logical_id for _, logical_id in declared], (
        f"{lab_id}: the stack does not hold the template's buckets and tables"
    )
    missing = [f"{t} {built[i]}" for t, i in declared if not _exists(env, t, built[i])]
    assert missing == [], f"{lab_id}: deployed, but these do not exist"
    _labcheck_passes_what_moto_keeps(env, lab_id, template, built)
    assets = json.loads((assembly / f"{lab_id}.assets.json").read_text())["files"]
    s3 = _client(env, "s3")
    for asset in assets.values():
        for destination in asset["destinations"].values():
            bucket = destination["bucketName"].replace("${AWS::AccountId}", ACCOUNT)
            bucket = bucket.replace("${AWS::Region}", REGION)
            s3.head_object(Bucket=bucket, Key=destination["objectKey"])  # published

    _cdk(env, "destroy", lab_id, "--app", str(assembly), "--force")

    assert _stack_status(env, stack_name) in (None, "DELETE_COMPLETE"), f"{lab_id} not destroyed"
    left = [f"{t} {built[i]}" for t, i in declared if _exists(env, t, built[i])]
    assert left == [], f"{lab_id}: these outlived `cdk destroy`"


def _labcheck_passes_what_moto_keeps(env, lab_id: str, template: dict, built: dict) -> None:
    option, is_checked, kept = LABCHECK[lab_id]
    (logical_id,) = [i for i, r in template["Resources"].items() if is_checked(r)]
    command = [sys.executable, "-m", "labcheck", lab_id, "--region", REGION, "--json"]
    command += [option, built[logical_id]]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode in (0, 1), f"labcheck could not run: {result.stderr}"
    statuses = {o["description"]: o["status"] for o in json.loads(result.stdout)["objectives"]}
    assert {d: statuses.get(d) for d in kept} == dict.fromkeys(kept, "PASS"), result.stdout


def test_every_rehearsed_lab_is_checked_by_labcheck():
    assert sorted(LABCHECK) == sorted(REHEARSED_LABS)

"""Sandbox accounts for the class commands' tests (test_preflight.py, test_accounts.py).

moto in this process, behind a server the fake CDK CLI (tests/classroom/fake_cdk.py, a real
process) reaches: it leaves the stacks in moto, in the region it was told (ThreadedMotoServer
shares mock_aws's state). AWS files with two sandbox profiles, each in a region of its own.
moto 5.2 answers Service Quotas for the `vpc` service only (GetServiceQuota: the default
values, e.g. 5 VPCs per Region) and implements neither an RDS quota nor
GetAWSDefaultServiceQuota: those answers, and AccessDenied, come from a `before-call` hook on
the session (`answer_quotas`); every count of what is in use comes from moto's EC2 and RDS.
The fixtures that use these are in tests/classroom/conftest.py (`aws`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.server import ThreadedMotoServer

from classroom import run as class_run
from course.region import REGION_VARIABLES
from tests.classroom.engine_fixtures import FAKE_CDK, FakeClass

LAB = "LabRdsMysql"
REGIONS = {None: "us-east-1", "sandbox-ana": "eu-west-1", "sandbox-ben": "us-east-2"}


@contextmanager
def in_process_server() -> Iterator[str]:
    """moto's server in this process (its state is mock_aws's): its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        _, port = server.get_host_and_port()
        yield f"http://localhost:{port}"
    finally:
        server.stop()


@contextmanager
def sandbox_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> Iterator[FakeClass]:
    """A fresh moto behind `endpoint` (`in_process_server`), the sandbox profiles, the fake
    CLI's environment; afterwards, no fake CLI is left running."""
    for key in (
        *REGION_VARIABLES,
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(
        "".join(
            f"[{'profile ' + p if p else 'default'}]\nregion = {r}\n" for p, r in REGIONS.items()
        )
    )
    credentials.write_text(
        "".join(
            f"[{p or 'default'}]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
            for p in REGIONS
        )
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    with mock_aws():
        cloud = FakeClass(endpoint, tmp_path)
        for region in REGIONS.values():
            cloud.bootstrap(region)
        for key, value in cloud.cli_env.items():
            monkeypatch.setenv(key, value)
        yield cloud
        assert cloud.left_behind() == []


def answer_quotas(values: dict[str, float] | None = None, denied: bool = False):
    """A session maker whose Service Quotas answers `values` by quota code (else moto), or
    AccessDenied for every GetServiceQuota."""

    def handler(params, **_):
        code = json.loads(params["body"])["QuotaCode"]
        if denied:
            error = {"Code": "AccessDeniedException", "Message": "not authorized"}
            return AWSResponse("https://quotas", 400, {}, None), {"Error": error}
        if values and code in values:
            return AWSResponse("https://quotas", 200, {}, None), {
                "Quota": {"QuotaCode": code, "Value": values[code]}
            }
        return None

    def make(profile, region):
        session = boto3.Session(profile_name=profile, region_name=region)
        session.events.register("before-call.service-quotas.GetServiceQuota", handler)
        return session

    return make


# The defaults: DB instances, DB subnet groups, DB parameter groups; IAM roles per account.
RDS_QUOTA = {"L-7B6409FD": 40.0, "L-48C6BF61": 50.0, "L-DE55804A": 50.0, "L-FE177D64": 1000.0}


class Ran:
    """What the fake CDK CLI was asked to do (its record): each command's arguments."""

    def __init__(self, cloud: FakeClass) -> None:
        self.cloud = cloud

    @property
    def commands(self) -> list[list[str]]:
        return [record["argv"] for record in self.cloud.records("start")]

    def runs(self, verb: str) -> list[list[str]]:
        return [command for command in self.commands if command[0] == verb]

    def stacks(self, verb: str) -> list[str]:
        """The stacks (`ana/LabX`) of every `verb` run."""
        return [a for c in self.runs(verb) for a in c if "/" in a and not a.startswith(("/", "-"))]


def vpcs(region: str, count: int) -> None:
    ec2 = boto3.client("ec2", region_name=region)
    for i in range(count):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")


def up(cloud, *argv, session=None, lab=LAB, verb="up") -> tuple[int, Ran]:
    """`python -m classroom.run up` (or `verb`) of `lab` with the fake CLI."""
    code = class_run.main(
        [verb, "--lab", lab, "--work-dir", str(cloud.work_dir), *argv],
        session=session or answer_quotas(RDS_QUOTA),
        cdk=FAKE_CDK,
        poll_seconds=0.05,
    )
    return code, Ran(cloud)


def roster(tmp_path, text: str) -> str:
    path = tmp_path / "class.csv"
    path.write_text(text)
    return str(path)

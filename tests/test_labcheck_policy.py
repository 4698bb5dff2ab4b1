"""labcheck is read-only and labs/labcheck-policy.json is exactly what it needs.

Every lab's checks run against moto with a hook on botocore's `before-parameter-build` event
(emitted for every call, also those the Stubber answers, whose `before-call` handler would stop
the emit before ours) that records each API operation. The recorded operations must be reads,
each listed in `PERMISSIONS`, and the policy must grant exactly their IAM actions.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from labcheck.aws import PERMISSIONS, POLICY_FILE, Aws, stack_outputs
from labcheck.cli import LABS, names_by_hand
from tests.labcheck_builds import backup, dynamodb_users, rds_mysql, s3_lifecycle, s3_website
from tests.labcheck_fixtures import REGION, assert_all_met, create_stack, fake_account

READ_PREFIXES = ("Get", "List", "Describe", "Head", "Query")
POLICY = Path(__file__).resolve().parent.parent / POLICY_FILE
LAB_BUILDS = {
    "LabS3Lifecycle": (s3_lifecycle.lab_results, {}),
    "LabS3Website": (s3_website.lab_results, {}),
    "LabRdsMysql": (rds_mysql.lab_results, {}),
    "LabDynamoDbUsers": (dynamodb_users.lab_results, {}),
    "LabBackup": (backup.lab_results, {}),
    "LabBackup, plan named by its name": (backup.lab_results, {"plan_by_name": True}),
}


@pytest.fixture(scope="module")
def operations() -> set[tuple[str, str]]:
    """Every (service, operation) labcheck calls while checking each lab and finding a stack."""
    called: set[tuple[str, str]] = set()

    def record(event_name: str, **_kwargs) -> None:
        _, service, operation = event_name.split(".")
        called.add((service, operation))

    with pytest.MonkeyPatch.context() as monkeypatch:
        for build, options in LAB_BUILDS.values():
            with fake_account(monkeypatch) as session:
                recording = boto3.Session(region_name=REGION)
                recording.events.register("before-parameter-build", record)
                assert_all_met(build(session, Aws(recording), **options))
        with fake_account(monkeypatch) as session:
            create_stack(session, "ana-LabS3Lifecycle", {"BucketName": "b"})
            recording = boto3.Session(region_name=REGION)
            recording.events.register("before-parameter-build", record)
            assert stack_outputs(Aws(recording), "LabS3Lifecycle", "ana", "--bucket NAME")
            # ben has no stack: his build by hand, named as the guide names it
            assert names_by_hand(LABS["LabS3Lifecycle"], Aws(recording), "ben")
    return called


def test_labcheck_only_reads(operations):
    writes = sorted(op for _, op in operations if not op.startswith(READ_PREFIXES))
    assert not writes, f"labcheck must only Get/List/Describe/Head/Query, not {writes}"


def test_every_operation_has_its_iam_action(operations):
    unlisted = sorted(operations - set(PERMISSIONS))
    assert not unlisted, f"add these operations and their IAM actions to PERMISSIONS: {unlisted}"
    unused = sorted(set(PERMISSIONS) - operations)
    assert not unused, f"PERMISSIONS lists operations labcheck never calls: {unused}"


def test_policy_grants_exactly_what_labcheck_needs(operations):
    policy = json.loads(POLICY.read_text())
    assert policy["Version"] == "2012-10-17"
    assert {statement["Effect"] for statement in policy["Statement"]} == {"Allow"}
    needed = {PERMISSIONS[operation] for operation in operations}
    granted = {action for statement in policy["Statement"] for action in _actions(statement)}
    assert granted >= needed, f"{POLICY_FILE} lacks {sorted(needed - granted)}"
    assert granted <= needed, f"{POLICY_FILE} grants more than needed: {sorted(granted - needed)}"
    assert all(not action.endswith("*") for action in granted), "no wildcard actions"


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def _resources_of(action: str) -> set[str]:
    policy = json.loads(POLICY.read_text())
    return {
        resource
        for statement in policy["Statement"]
        if action in _actions(statement)
        for resource in (
            [statement["Resource"]]
            if isinstance(statement["Resource"], str)
            else statement["Resource"]
        )
    }


def test_objects_are_read_only_where_the_checks_read_them():
    assert _resources_of("s3:GetObject") == {
        "arn:aws:s3:::*/test.txt",
        "arn:aws:s3:::*/index.html",
        "arn:aws:s3:::*/error.html",
    }


@pytest.mark.parametrize("action", ["dynamodb:GetItem", "dynamodb:Query"])
def test_items_are_read_only_in_the_users_tables(action):
    assert _resources_of(action) == {
        "arn:aws:dynamodb:*:*:table/Users",
        "arn:aws:dynamodb:*:*:table/Users/index/*",
        "arn:aws:dynamodb:*:*:table/*-Users",
        "arn:aws:dynamodb:*:*:table/*-Users/index/*",
    }


def test_only_the_calls_iam_cannot_scope_run_on_every_resource():
    policy = json.loads(POLICY.read_text())
    unscoped = {
        action
        for statement in policy["Statement"]
        if statement["Resource"] == "*"
        for action in _actions(statement)
    }
    # The Service Authorization Reference lists no resource type for these three.
    assert unscoped == {"backup:ListBackupJobs", "backup:ListBackupPlans", "sts:GetCallerIdentity"}

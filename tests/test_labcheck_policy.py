"""labcheck is read-only and labs/labcheck-policy.json is exactly what it needs.

Every lab's checks run against moto with a hook on botocore's `before-parameter-build` event
(emitted for every call, also those the Stubber answers, whose `before-call` handler would stop
the emit before ours) that records each API operation. The recorded operations must be reads,
each listed in `PERMISSIONS`, and the policy must grant exactly their IAM actions.

Where the policy lets those actions reach (which buckets, objects and tables) is judged by
tests/iam_evaluation.py on the policy file (moto would evaluate no condition, and authorizes
DynamoDB calls against `*`).
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from labcheck.aws import PERMISSIONS, POLICY_FILE, Aws, stack_outputs
from labcheck.cli import LABS, names_by_hand
from tests.iam_evaluation import Principal, Request, evaluate
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


# Issue 25, path 8: the policy read test.txt, index.html and error.html of every bucket, listed
# every bucket and queried every *-Users table. The names labcheck reads: the guides' by hand
# (`<p>-lifecycle-<account>`, `lifecycle-lab-<you>-<random>`, the same with website) and
# CloudFormation's for the stacks (`<stack name, lowercased>-<logical id>-<random>`).
LAB_BUCKETS = [
    "ana-lifecycle-123456789012",
    "lifecycle-lab-zoe-7f3a",
    "labs3lifecycle-lifecyclebucketb5db832a-1x2y3z",
    "ana-labs3lifecycle-lifecyclebucketb5db832a-1x2y3z",
    "ana-website-123456789012",
    "website-lab-zoe-7f3a",
    "labs3website-websitebucket75c24d94-1x2y3z",
]


def reader() -> Principal:
    """A role with labs/labcheck-policy.json (the trainer's report, a student's checker)."""
    policy = json.loads(POLICY.read_text())
    return Principal("arn:aws:iam::123456789012:role/labcheck", [policy])


@pytest.mark.parametrize(
    ("action", "resource", "allowed"),
    [
        *(("s3:ListBucket", f"arn:aws:s3:::{b}", True) for b in LAB_BUCKETS),
        ("s3:ListBucket", "arn:aws:s3:::payroll-exports", False),
        ("s3:GetBucketPolicy", "arn:aws:s3:::payroll-exports", False),
        ("s3:GetObject", "arn:aws:s3:::ana-lifecycle-123456789012/test.txt", True),
        ("s3:GetObject", "arn:aws:s3:::ana-website-123456789012/index.html", True),
        ("s3:GetObject", "arn:aws:s3:::ana-website-123456789012/error.html", True),
        ("s3:GetObject", "arn:aws:s3:::ana-lifecycle-123456789012/notes.txt", False),
        ("s3:GetObject", "arn:aws:s3:::payroll-exports/test.txt", False),
        ("s3:GetObject", "arn:aws:s3:::payroll-exports/index.html", False),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/ben-Users", True),
        ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:123456789012:table/ben-Users", False),
        (
            "dynamodb:Query",
            "arn:aws:dynamodb:us-east-1:123456789012:table/ben-Users/index/name-index",
            True,
        ),
        ("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:123456789012:table/ben-Users", False),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders", False),
    ],
)
def test_the_policy_reads_what_labcheck_reads_and_nothing_else(action, resource, allowed):
    """Judged by tests/iam_evaluation.py on labs/labcheck-policy.json."""
    decision = evaluate(reader(), Request(action, resource))
    assert decision.allowed is allowed, decision.reason


def test_the_guides_name_buckets_the_policy_reads():
    """The guides' names by hand (labcheck.cli's) are among those the policy reads."""
    for lab_id in ("LabS3Lifecycle", "LabS3Website"):
        (template,) = [n.by_hand for n in LABS[lab_id].names if n.by_hand]
        name = template.format(participant="ana", account="123456789012")
        assert evaluate(reader(), Request("s3:ListBucket", f"arn:aws:s3:::{name}")), name


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

"""labcheck LabBackup: a correct build meets every objective; each break fails just one.

moto 5.2.5 implements vaults and plans but not ListBackupSelections, GetBackupSelection,
ListRecoveryPointsByBackupVault or ListBackupJobs: those four calls (only) answer from botocore's
Stubber, with the assignment the test build would have created.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from labcheck.backup import LAB, selects
from tests.test_labcheck import (
    REGION,
    LabChecks,
    StubbedCalls,
    assert_all_met,
    checker,
    results,
)

VAULT = "ana-lab-vault"
TABLE = "ana-Users"
TAG = ("course-backup", "ana-LabBackup")
ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
RULE = {
    "RuleName": "Daily",
    "TargetBackupVaultName": VAULT,
    "ScheduleExpression": "cron(0 5 * * ? *)",
    "Lifecycle": {"DeleteAfterDays": 7},
}
BY_TAG = {
    "SelectionName": "UsersTable",
    "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup",
    "ListOfTags": [
        {"ConditionType": "STRINGEQUALS", "ConditionKey": TAG[0], "ConditionValue": TAG[1]}
    ],
}
JOB = {
    "BackupJobId": "job-1",
    "State": "COMPLETED",
    "ResourceArn": TABLE_ARN,
    "CreationDate": datetime(2026, 11, 25, 5, 3, tzinfo=UTC),
}


def lab_results(
    session,
    aws=None,
    *,
    vault=True,
    aws_managed_key=False,
    plan=True,
    rule=RULE,
    selection=BY_TAG,
    plan_by_name=False,
):
    """Build the lab in moto as a student would (with the given mistakes) and check it."""
    ddb = session.client("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": TAG[0], "Value": TAG[1]}],
    )
    key_arn = session.client("kms").create_key()["KeyMetadata"]["Arn"]
    backup = session.client("backup")
    if vault:
        backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=key_arn)
    plan_id = "no-such-plan"
    if plan:
        created = backup.create_backup_plan(
            BackupPlan={"BackupPlanName": "ana-lab-plan", "Rules": [rule]}
        )
        plan_id = created["BackupPlanId"]
    aws = aws or checker()
    calls = {
        "list_backup_selections",
        "get_backup_selection",
        "list_recovery_points_by_backup_vault",
        "list_backup_jobs",
    }
    stubbed = StubbedCalls(aws, "backup", calls).stubber
    stubbed.add_response(
        "list_backup_selections",
        {"BackupSelectionsList": [{"SelectionId": "s-1", "SelectionName": "UsersTable"}]},
        {"BackupPlanId": plan_id},
    )
    stubbed.add_response(
        "get_backup_selection",
        {"BackupSelection": selection, "SelectionId": "s-1", "BackupPlanId": plan_id},
        {"BackupPlanId": plan_id, "SelectionId": "s-1"},
    )
    stubbed.add_response(
        "list_recovery_points_by_backup_vault", {"RecoveryPoints": []}, {"BackupVaultName": VAULT}
    )
    stubbed.add_response("list_backup_jobs", {"BackupJobs": [JOB]}, {"ByBackupVaultName": VAULT})
    if aws_managed_key:
        # moto has no AWS managed keys (alias/aws/backup): DescribeKey alone is stubbed.
        kms = StubbedCalls(aws, "kms", {"describe_key"}).stubber
        kms.add_response(
            "describe_key",
            {"KeyMetadata": {"KeyId": "k", "Arn": key_arn, "KeyManager": "AWS"}},
            {"KeyId": key_arn},
        )
    names = {"vault": VAULT, "plan": "ana-lab-plan" if plan_by_name else plan_id}
    return results(LAB, aws, names, participant="ana")


BREAKS = {
    "The backup vault exists": {"vault": False},
    "The vault is encrypted with a customer-managed KMS key": {"aws_managed_key": True},
    "The backup plan exists": {"plan": False},
    "The plan's rule backs up daily": {"rule": {**RULE, "ScheduleExpression": "cron(0 * * * ? *)"}},
    "Backups are kept 7 days": {"rule": {**RULE, "Lifecycle": {"DeleteAfterDays": 35}}},
    "The rule uses the default backup window": {"rule": {**RULE, "StartWindowMinutes": 60}},
    "The rule stores backups in the vault": {"rule": {**RULE, "TargetBackupVaultName": "Default"}},
    # Another participant's table: the assignment must pick this participant's.
    "A resource assignment covers the Users table": {
        "selection": {
            "SelectionName": "UsersTable",
            "IamRoleArn": BY_TAG["IamRoleArn"],
            "Resources": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ben-Users"],
        }
    },
}


def test_a_correct_build_reports_recovery_points_and_the_last_job(account):
    found = lab_results(account)
    assert found["Recovery points"].detail.startswith("none yet")
    assert (
        found["Last backup job"].detail == f"COMPLETED ({TABLE_ARN}, started 2026-11-25 05:03 UTC)"
    )


class TestObjectives(LabChecks):
    LAB = LAB
    BREAKS = BREAKS
    build = staticmethod(lab_results)


def test_a_plan_named_by_its_name_is_found(account):
    assert_all_met(lab_results(account, plan_by_name=True))


@pytest.mark.parametrize(
    ("selection", "selected"),
    [
        ({"Resources": [TABLE_ARN]}, True),
        ({"Resources": ["arn:aws:dynamodb:*:*:table/*"]}, True),
        ({"Resources": ["*"], "NotResources": [TABLE_ARN]}, False),
        ({"ListOfTags": [{"ConditionKey": TAG[0], "ConditionValue": "ben-LabBackup"}]}, False),
        (
            {
                "Resources": ["*"],
                "Conditions": {
                    "StringEquals": [
                        {"ConditionKey": f"aws:ResourceTag/{TAG[0]}", "ConditionValue": TAG[1]}
                    ]
                },
            },
            True,
        ),
        (
            {
                "Resources": ["*"],
                "Conditions": {
                    "StringLike": [{"ConditionKey": "aws:ResourceTag/other", "ConditionValue": "*"}]
                },
            },
            False,
        ),
    ],
)
def test_assignment_rules_select_as_aws_backup_does(selection, selected):
    assert selects(selection, TABLE_ARN, {TAG[0]: TAG[1]}) is selected


@pytest.mark.parametrize(
    "schedule",
    ["cron(0 5 ? * SUN *)", "cron(0 5 ? * MON-FRI *)", "cron(0 5 1 * ? *)", "rate(7 days)"],
)
def test_a_weekly_weekday_or_monthly_rule_is_not_daily(account, schedule):
    found = lab_results(account, rule={**RULE, "ScheduleExpression": schedule})
    daily = found["The plan's rule backs up daily"]
    assert (daily.status, daily.detail) == ("FAIL", f"rule '{RULE['RuleName']}' runs on {schedule}")


@pytest.mark.parametrize("schedule", ["cron(30 1 * * ? *)", "cron(0 5 ? * * *)", "rate(1 day)"])
def test_every_daily_schedule_is_daily(account, schedule):
    found = lab_results(account, rule={**RULE, "ScheduleExpression": schedule})
    assert found["The plan's rule backs up daily"].status == "PASS"

"""LabBackup built in moto as a student would, correctly or with the given mistakes."""

from __future__ import annotations

from datetime import UTC, datetime

from labcheck.backup import LAB
from tests.labcheck_fixtures import (
    REGION,
    StubbedCalls,
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

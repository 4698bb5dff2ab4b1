"""labcheck LabBackup: a correct build meets every objective; each break fails just one.

moto 5.2.5 implements vaults and plans but not ListBackupSelections, GetBackupSelection,
ListRecoveryPointsByBackupVault or ListBackupJobs: those four calls (only) answer from botocore's
Stubber, with the assignment the test build would have created.
"""

from __future__ import annotations

import pytest

from labcheck.backup import LAB, selects
from tests.labcheck_builds.backup import (
    ACCOUNT,
    BY_TAG,
    RULE,
    TABLE_ARN,
    TAG,
    lab_results,
)
from tests.labcheck_fixtures import (
    REGION,
    LabChecks,
    assert_all_met,
)

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

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

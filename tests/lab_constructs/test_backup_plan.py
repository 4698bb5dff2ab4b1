"""LabBackupPlan on its own: one rule into the vault, the assignment by ARN, the role's key use."""

from aws_cdk import Duration
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms

from lab_constructs import LabBackupPlan
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type

TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/Users"


def _plan() -> dict:
    def build(stack):
        key = kms.Key(stack, "Key")
        LabBackupPlan(
            stack,
            "Plan",
            plan_name="Plan",
            rule_name="Daily",
            schedule=events.Schedule.cron(minute="0", hour="5"),
            delete_after=Duration.days(7),
            vault=backup.BackupVault(stack, "Vault", encryption_key=key),
            key=key,
            selection_name="Users",
            resource_arns=[TABLE_ARN],
            role_description="Backs up Users",
        )

    return bare_template(build)


def test_one_rule_daily_at_five_kept_seven_days():
    (plan,) = of_type(_plan(), "AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": 7}


def test_the_assignment_selects_by_arn_with_a_role_only_aws_backup_assumes():
    template = _plan()
    (selection,) = of_type(template, "AWS::Backup::BackupSelection").values()
    assert selection["Properties"]["BackupSelection"]["Resources"] == [TABLE_ARN]
    (role,) = of_type(template, "AWS::IAM::Role").values()
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}


def test_the_role_may_use_the_vault_key_by_its_own_policy():
    (policy,) = of_type(_plan(), "AWS::IAM::Policy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == {"UseTheVaultKey", "GrantsForAwsResourcesOnTheVaultKey"}
    assert all(s["Resource"] == {"Fn::GetAtt": ["Key961B73FD", "Arn"]} for s in statements.values())
    assert statements["GrantsForAwsResourcesOnTheVaultKey"]["Condition"] == {
        "Bool": {"kms:GrantIsForAWSResource": "true"}
    }

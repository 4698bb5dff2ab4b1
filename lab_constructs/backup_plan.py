"""An AWS Backup plan of one rule, its resource assignment and the role AWS Backup assumes."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from lab_constructs.nag import acknowledge, managed_policy_finding

BACKUP_SERVICE = "backup.amazonaws.com"
# The AWS managed policies the role uses, with the reason for each (cdk-nag IAM4).
MANAGED_POLICIES = {
    "AWSBackupServiceRolePolicyForBackup": "AWS's documented service-role policy for AWS Backup "
    "jobs (what the console's default role uses); it follows new backup features, and this "
    "role is assumable by AWS Backup only.",
    "AWSBackupServiceRolePolicyForRestores": "AWS's documented service-role policy for AWS "
    "Backup restore jobs, which the guide runs to restore the table under a new name; "
    "assumable by AWS Backup only.",
}


class LabBackupPlan(Construct):
    """A plan with one rule into `vault`, assigning `resource_arns` with a role of its own.

    The role may back up and restore (AWS's service-role policies, added by CDK for an
    assignment that allows restores) and use the vault's `key`: granted in the role's own IAM
    policy, not in the key policy, because "The principals in the key policy must exist and be
    visible to KMS ... you might need to enforce a delay before including the new principal in
    a key policy" (KMS API reference, CreateKey, Policy): a role created seconds earlier in the
    same deploy may not be visible yet. The key's default statement for the account ("Allows
    access to the AWS account and enables IAM policies": KMS Developer Guide, default key
    policy) lets an IAM policy grant it. Actions named one by one, on this key only.

    Attributes:
        plan: the backup plan.
        role: the role AWS Backup assumes for the assignment.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        plan_name: str,
        rule_name: str,
        schedule: events.Schedule,
        delete_after: Duration,
        vault: backup.IBackupVault,
        key: kms.IKey,
        selection_name: str,
        resource_arns: Sequence[str],
        role_description: str,
    ) -> None:
        """
        Args:
            plan_name, rule_name, selection_name: the names the console shows.
            schedule: when the rule runs; delete_after: how long its recovery points stay.
            vault: where the rule stores recovery points; key: the vault's key.
            resource_arns: what the assignment backs up, by ARN.
            role_description: what the role is for, shown in the IAM console.
        """
        super().__init__(scope, construct_id)
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=plan_name,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name=rule_name,
                    schedule_expression=schedule,
                    delete_after=delete_after,
                    backup_vault=vault,
                )
            ],
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(BACKUP_SERVICE),
            description=role_description,
        )
        for policy, reason in MANAGED_POLICIES.items():
            acknowledge(self.role, managed_policy_finding(f"service-role/{policy}"), reason)
        self.plan.add_selection(
            "Selection",
            backup_selection_name=selection_name,
            resources=[backup.BackupResource.from_arn(arn) for arn in resource_arns],
            role=self.role,
            allow_restores=True,
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="UseTheVaultKey",
                actions=[
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                resources=[key.key_arn],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="GrantsForAwsResourcesOnTheVaultKey",
                # CreateGrant only: kms:GrantIsForAWSResource is never set for RetireGrant, and
                # AWS Backup retires its grants as their retiring principal, which needs no
                # permission (AWS KMS developer guide, "Retiring and revoking grants").
                actions=["kms:CreateGrant"],
                resources=[key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )

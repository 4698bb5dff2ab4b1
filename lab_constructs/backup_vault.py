"""AWS Backup vaults for the labs: encrypted, and emptied of their recovery points on destroy.

A vault that holds recovery points cannot be deleted, so without help `cdk destroy` fails after
the first backup and leaves the stack in DELETE_FAILED. `LabBackupVault` adds a custom resource
that depends on the vault: CloudFormation deletes it first, and its handler
(handlers/purge_vault/index.py) stops the vault's backup jobs in flight, deletes every recovery
point and waits until the vault is empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lab_constructs.nag import acknowledge
from lab_constructs.waiting_provider import waiting_provider

POLL_INTERVAL = Duration.seconds(30)
# The handler gives up first and names the recovery points left; the Provider's waiter and the
# resource's ServiceTimeout (the waiter, the on-event handler and a minute: 56 minutes) are
# only safety nets.
PURGE_TIMEOUT = Duration.minutes(45)
WAITER_TIMEOUT = Duration.minutes(50)
BACKUP_SERVICE = "backup.amazonaws.com"
RESOURCE_TYPE = "Custom::EmptyBackupVault"


class LabBackupVault(Construct):
    """A backup vault encrypted with a customer-managed key that `cdk destroy` always deletes.

    On stack deletion the `purge` custom resource stops the vault's backup jobs still in flight
    (and waits for those AWS Backup will not stop), deletes every recovery point of the vault
    (all pages), waits until the vault is empty, and only then lets CloudFormation delete the
    vault. Throttling and 5xx answers are retried until the purge timeout. A vault that is
    already empty or gone is success; a recovery point that cannot be deleted fails the
    deletion with a message naming it and why. Its Lambda functions log to log groups of the
    stack with a retention, and may list and delete recovery points of this vault only (plus
    the DynamoDB backups of `dynamodb_table_names`, see below), list and stop backup jobs.

    Attributes:
        vault: the backup vault.
        purge: the custom resource that empties the vault on delete. Make whatever creates
            recovery points (a backup plan) depend on it, so it is deleted before the purge.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vault_name: str,
        encryption_key: kms.IKey,
        dynamodb_table_names: Sequence[str] = (),
    ) -> None:
        """
        Args:
            vault_name: the vault's name (2-50 letters, digits, hyphens or underscores).
            encryption_key: the customer-managed key that encrypts the recovery points.
            dynamodb_table_names: the DynamoDB tables backed up into this vault. In accounts
                without AWS Backup's advanced DynamoDB features their recovery points are
                DynamoDB backups (`<table ARN>/backup/<id>`); the purge may delete those.
        """
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=vault_name,
            encryption_key=encryption_key,
            removal_policy=RemovalPolicy.DESTROY,
        )

        handlers = waiting_provider(
            self,
            handler="purge_vault",
            description="Empties the backup vault of its stack when the stack is deleted",
            logs_id="PurgeLogs",
            provider_id="PurgeProvider",
            query_interval=POLL_INTERVAL,
            total_timeout=WAITER_TIMEOUT,
            # The vault to purge, fixed at deploy: never taken from the invoking event.
            environment={"BACKUP_VAULT_NAME": self.vault.backup_vault_name},
        )
        self.provider = handlers.provider
        self._allow_purge(handlers.is_complete, dynamodb_table_names)

        self.purge = handlers.handler.resource(
            self,
            "Purge",
            resource_type=RESOURCE_TYPE,
            properties={"TimeoutSeconds": str(int(PURGE_TIMEOUT.to_seconds()))},
        )
        self.purge.node.add_dependency(self.vault)  # deleted, and so run, before the vault

    def _allow_purge(self, handler: lambda_.Function, dynamodb_tables: Sequence[str]) -> None:
        """List and delete this vault's recovery points, list and stop backup jobs."""
        stack = Stack.of(self)
        handler.add_to_role_policy(
            iam.PolicyStatement(
                actions=["backup:ListRecoveryPointsByBackupVault"],
                resources=[self.vault.backup_vault_arn],
            )
        )
        recovery_points = stack.format_arn(
            service="backup",
            resource="recovery-point",
            resource_name="*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        handler.add_to_role_policy(
            iam.PolicyStatement(actions=["backup:DeleteRecoveryPoint"], resources=[recovery_points])
        )
        # Issue #20: without AWS Backup's advanced DynamoDB features a recovery point of a table
        # is a DynamoDB backup, `arn:...:dynamodb:<region>:<account>:table/<name>/backup/<id>`.
        # IAM's recoveryPoint resource type takes any service's ARN
        # (`arn:${Partition}:${Vendor}:${Region}:*:.*`, Service Authorization Reference, AWS
        # Backup), and deleting one removes the DynamoDB backup, which needs dynamodb:DeleteBackup
        # on it (resource type `backup`, `table/<name>/backup/<id>`): both on the backups of
        # the given tables only.
        if dynamodb_tables:
            handler.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["backup:DeleteRecoveryPoint", "dynamodb:DeleteBackup"],
                    resources=[
                        stack.format_arn(
                            service="dynamodb", resource="table", resource_name=f"{table}/backup/*"
                        )
                        for table in dynamodb_tables
                    ],
                )
            )
        # ListBackupJobs and StopBackupJob take no resource (Service Authorization Reference,
        # AWS Backup: no resource types): the handler lists this vault's jobs only
        # (ByBackupVaultName) and stops exactly those.
        handler.add_to_role_policy(
            iam.PolicyStatement(
                actions=["backup:ListBackupJobs", "backup:StopBackupJob"], resources=["*"]
            )
        )
        # AWS Backup deletes through its service-linked role and creates it on first use; without
        # this permission a deletion silently leaves the recovery point EXPIRED.
        handler.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole"],
                resources=[
                    stack.format_arn(
                        service="iam",
                        region="",
                        resource="role",
                        resource_name="aws-service-role/backup.amazonaws.com/"
                        "AWSServiceRoleForBackup",
                    )
                ],
                conditions={"StringEquals": {"iam:AWSServiceName": BACKUP_SERVICE}},
            )
        )
        acknowledge(
            handler.role,
            f"IAM5[Resource::{_RECOVERY_POINTS_EVIDENCE}]",
            "IAM cannot name the vault of a recovery point: backup:DeleteRecoveryPoint takes "
            "recovery-point ARNs (arn:...:recovery-point:<id>) only. The handler lists this "
            "vault's points (ListRecoveryPointsByBackupVault is scoped to this vault's ARN) and "
            "deletes exactly those, in this account and region.",
        )
        acknowledge(
            handler.role,
            "IAM5[Resource::*]",
            "backup:ListBackupJobs and backup:StopBackupJob support no resource-level permission "
            "(Service Authorization Reference). The handler lists the jobs of this vault only "
            "(ByBackupVaultName) and stops exactly those, so that no backup lands in the vault "
            "it is emptying.",
        )
        for table in dynamodb_tables:
            acknowledge(
                handler.role,
                f"IAM5[Resource::{_DYNAMODB_BACKUPS_EVIDENCE.format(table=table)}]",
                "DynamoDB backup ids are made by DynamoDB: the backups of this one table (the "
                "recovery points of this vault in accounts without AWS Backup's advanced "
                "DynamoDB features), which the purge deletes on destroy.",
            )


# Recovery point ARNs are arn:<partition>:backup:<region>:<account>:recovery-point:<id>.
_RECOVERY_POINTS_EVIDENCE = (
    "arn:<AWS::Partition>:backup:<AWS::Region>:<AWS::AccountId>:recovery-point:*"
)


_DYNAMODB_BACKUPS_EVIDENCE = (
    "arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{table}/backup/*"
)

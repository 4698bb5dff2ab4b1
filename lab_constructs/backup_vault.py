"""AWS Backup vaults for the labs: encrypted, and emptied of their recovery points on destroy.

A vault that holds recovery points cannot be deleted, so without help `cdk destroy` fails after
the first backup and leaves the stack in DELETE_FAILED. `LabBackupVault` adds a custom resource
that depends on the vault: CloudFormation deletes it first, and its handler
(handlers/purge_vault/index.py) stops the vault's backup jobs in flight, deletes every recovery
point and waits until the vault is empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import ArnFormat, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from lab_constructs.nag import acknowledge

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "purge_vault"
# The newest Python runtime of aws-cdk-lib 2.275 (cdk-nag's L1 asks for the newest).
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
HANDLER_TIMEOUT = Duration.minutes(5)
LOG_RETENTION = logs.RetentionDays.ONE_WEEK
POLL_INTERVAL = Duration.seconds(30)
# The handler gives up first and names the recovery points left; the Provider's waiter (at most
# one hour) and CloudFormation's custom resource timeout (one hour) are only safety nets.
PURGE_TIMEOUT = Duration.minutes(45)
WAITER_TIMEOUT = Duration.minutes(50)
BACKUP_SERVICE = "backup.amazonaws.com"
RESOURCE_TYPE = "Custom::EmptyBackupVault"
# The Provider's waiter state machine invokes these two framework functions.
WAITER_FUNCTIONS = ("isComplete", "onTimeout")

_FRAMEWORK = (
    "CDK's custom resource provider framework (custom_resources.Provider), which runs the purge "
    "handler of this vault and waits for it; "
)
_PROVIDER_FINDINGS = {
    "SF1": _FRAMEWORK + "its waiter state machine only polls the is-complete handler, which logs "
    "every poll (recovery points left) to this vault's PurgeLogs group; logging ALL events "
    "would need logs:* on every resource for the state machine.",
    "SF2": _FRAMEWORK + "its waiter state machine is not configurable for X-Ray, and one purge "
    "per stack lifetime needs no tracing: each poll is logged by the handler.",
}


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

        handler_logs = _log_group(self, "PurgeLogs")
        on_event = _handler(self, "OnEvent", "index.on_event", handler_logs)
        is_complete = _handler(self, "IsComplete", "index.is_complete", handler_logs)
        self._allow_purge(is_complete, dynamodb_table_names)

        provider_logs = _log_group(self, "ProviderLogs")
        # Our own roles for the framework functions: they write to the provider's log group
        # only (no AWS managed policy); the framework adds what it invokes.
        framework_roles = [
            _lambda_role(self, "FrameworkOnEventRole", provider_logs),
            _lambda_role(self, "FrameworkWaiterRole", provider_logs),
        ]
        self.provider = cr.Provider(
            self,
            "PurgeProvider",
            on_event_handler=on_event,
            is_complete_handler=is_complete,
            query_interval=POLL_INTERVAL,
            total_timeout=WAITER_TIMEOUT,
            log_group=provider_logs,
            framework_on_event_role=framework_roles[0],
            framework_complete_and_timeout_role=framework_roles[1],
        )
        for rule, reason in _PROVIDER_FINDINGS.items():
            acknowledge(self.provider, rule, reason)
        for role in framework_roles:
            _acknowledge_invokes(role, [on_event, is_complete])
        _acknowledge_invokes(
            self.provider,
            [self.provider.node.find_child(f"framework-{name}") for name in WAITER_FUNCTIONS],
        )

        self.purge = CustomResource(
            self,
            "Purge",
            service_token=self.provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties={
                "BackupVaultName": self.vault.backup_vault_name,
                "TimeoutSeconds": str(int(PURGE_TIMEOUT.to_seconds())),
            },
            removal_policy=RemovalPolicy.DESTROY,
        )

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


def _acknowledge_invokes(scope: Construct, functions: list[IConstruct]) -> None:
    """The framework's lambda:InvokeFunction grants name each function and its versions."""
    stack = Stack.of(scope)
    for function in functions:
        logical_id = stack.get_logical_id(function.node.default_child)
        acknowledge(
            scope,
            f"IAM5[Resource::<{logical_id}.Arn>:*]",
            _FRAMEWORK + "aws-cdk-lib grants lambda:InvokeFunction on one function of this "
            "purge and its versions (<arn>:*), nothing wider.",
        )


def _log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    return logs.LogGroup(
        scope, construct_id, retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
    )


def _lambda_role(scope: Construct, construct_id: str, log_group: logs.ILogGroup) -> iam.Role:
    """A role for a Lambda function that may write to `log_group` and nothing else (yet)."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group.grant_write(role)
    return role


def _handler(
    scope: Construct, construct_id: str, handler: str, log_group: logs.LogGroup
) -> lambda_.Function:
    return lambda_.Function(
        scope,
        construct_id,
        runtime=HANDLER_RUNTIME,
        handler=handler,
        code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
        timeout=HANDLER_TIMEOUT,
        role=_lambda_role(scope, f"{construct_id}Role", log_group),
        log_group=log_group,
        description="Empties the backup vault of its stack when the stack is deleted",
    )

"""Lab "Backup a DynamoDB Table": a daily AWS Backup plan keeps the Users table for 7 days."""

from aws_cdk import Duration
from aws_cdk import aws_events as events
from constructs import Construct

from course import sheets
from course.config import LabSettings
from lab_constructs import LabAlerts, LabBackupPlan, LabBackupVault, LabKey
from stacks.lab_stack import LabStack

VAULT_NAME = sheets.BACKUP.vault_name
PLAN_NAME = "LabBackupPlan"
RULE_NAME = "DailyBackups"
SELECTION_NAME = "UsersTable"
TOPIC_NAME = "LabBackupNotifications"
# "Daily": 05:00 UTC, the console's default start time. No start or completion window is set,
# so AWS Backup uses its defaults, as the lab sheet asks.
SHEET = sheets.BACKUP
DAILY = events.Schedule.cron(minute="0", hour=str(SHEET.daily_at_hour_utc))
RETENTION = Duration.days(SHEET.retention_days)
# Beyond the sheet (its best practice): tell someone when a backup job does not succeed.
FAILED_JOB_STATES = ("FAILED", "ABORTED", "EXPIRED")


class BackupStack(LabStack):
    """An encrypted vault, a daily plan with 7-day retention on Users, failure notifications."""

    lab = sheets.lab("LabBackup")

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        super().__init__(scope, settings=settings)

        # Step 1: a backup vault. Beyond the sheet: encrypted with a customer-managed key, and
        # emptied on destroy, otherwise the first backup would make `cdk destroy` fail.
        self.key = LabKey(
            self,
            "VaultKey",
            description=f"Encrypts the recovery points and notifications of {self.stack_name}",
        ).key
        lab_vault = LabBackupVault(
            self,
            "Vault",
            vault_name=settings.physical_name(VAULT_NAME),
            encryption_key=self.key,
            dynamodb_table_names=[settings.users_table_name],
        )
        self.vault = lab_vault.vault

        # Steps 2-3: a plan with one rule (daily, delete after 7 days, into the vault) that
        # assigns the participant's Users table (LabDynamoDbUsers) by its ARN, built from the
        # name both labs agree on: no cross-stack reference (see the guide for why not tags).
        self.users_table_arn = self.format_arn(
            service="dynamodb", resource="table", resource_name=settings.users_table_name
        )
        lab_plan = LabBackupPlan(
            self,
            "Plan",
            plan_name=settings.physical_name(PLAN_NAME),
            rule_name=RULE_NAME,
            schedule=DAILY,
            delete_after=RETENTION,
            vault=self.vault,
            key=self.key,
            selection_name=SELECTION_NAME,
            resource_arns=[self.users_table_arn],
            role_description="The role AWS Backup assumes to back up and restore the Users table",
        )
        self.plan, self.role = lab_plan.plan, lab_plan.role
        # On destroy the plan goes first, so no new backup lands in the vault being emptied.
        self.plan.node.add_dependency(lab_vault.purge)

        # Beyond the sheet: failed, aborted or expired backup jobs of this vault go to a topic.
        self.topic = LabAlerts(
            self,
            "JobFailures",
            topic_name=settings.physical_name(TOPIC_NAME),
            display_name="Lab backup job failures",
            key=self.key,
            event_pattern=events.EventPattern(
                source=["aws.backup"],
                detail_type=["Backup Job State Change"],
                detail={
                    "state": list(FAILED_JOB_STATES),
                    "backupVaultName": [self.vault.backup_vault_name],
                },
            ),
            description="AWS Backup jobs of the lab's vault that failed, were aborted or expired",
            email=settings.notify_email,
        ).topic

        self.output("VaultName", self.vault.backup_vault_name, "The lab's backup vault")
        self.output("PlanId", self.plan.backup_plan_id, "The lab's backup plan")
        self.output("BackupRoleArn", self.role.role_arn, "The role to pass to start-backup-job")
        self.output(
            "NotificationTopicArn", self.topic.topic_arn, "Failed backup jobs are sent here"
        )
        self.output(
            "StartBackupCommand",
            f"aws backup start-backup-job --backup-vault-name {self.vault.backup_vault_name} "
            f"--resource-arn {self.users_table_arn} --iam-role-arn {self.role.role_arn}",
            "Back up the Users table now instead of waiting for the daily run",
        )

"""Lab "Backup a DynamoDB Table": a daily AWS Backup plan keeps the Users table for 7 days."""

from aws_cdk import Duration
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from course import sheets
from course.config import LabSettings
from lab_constructs import LabBackupVault, LabKey, acknowledge
from stacks.lab_stack import LabStack

VAULT_NAME = "LabBackupVault"
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
BACKUP_SERVICE = "backup.amazonaws.com"


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

        # Step 2: a backup plan with one rule: daily, delete after 7 days, into the vault.
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=settings.physical_name(PLAN_NAME),
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name=RULE_NAME,
                    schedule_expression=DAILY,
                    delete_after=RETENTION,
                    backup_vault=self.vault,
                )
            ],
        )
        # On destroy the plan goes first, so no new backup lands in the vault being emptied.
        self.plan.node.add_dependency(lab_vault.purge)

        # Step 3: assign the participant's Users table (LabDynamoDbUsers) by its ARN, built from
        # the name both labs agree on: no cross-stack reference (see the guide for why not tags).
        self.role = iam.Role(
            self,
            "BackupRole",
            assumed_by=iam.ServicePrincipal(BACKUP_SERVICE),
            description="The role AWS Backup assumes to back up and restore the Users table",
        )
        acknowledge(
            self.role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
            "AWS's documented service-role policy for AWS Backup jobs (what the console's default "
            "role uses); it follows new backup features, and this role is assumable by AWS "
            "Backup only.",
        )
        acknowledge(
            self.role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForRestores]",
            "AWS's documented service-role policy for AWS Backup restore jobs, which the guide "
            "runs to restore the table under a new name; assumable by AWS Backup only.",
        )
        self.users_table_arn = self.format_arn(
            service="dynamodb", resource="table", resource_name=settings.users_table_name
        )
        self.plan.add_selection(
            "Selection",
            backup_selection_name=SELECTION_NAME,
            resources=[backup.BackupResource.from_arn(self.users_table_arn)],
            role=self.role,
            allow_restores=True,
        )
        self._let_aws_backup_use_the_key()

        # Beyond the sheet: failed, aborted or expired backup jobs of this vault go to a topic.
        self.topic = sns.Topic(
            self,
            "Notifications",
            topic_name=settings.physical_name(TOPIC_NAME),
            display_name="Lab backup job failures",
            master_key=self.key,
            enforce_ssl=True,
        )
        if settings.notify_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.notify_email))
        self.failure_rule = events.Rule(
            self,
            "BackupJobFailed",
            description="AWS Backup jobs of the lab's vault that failed, were aborted or expired",
            event_pattern=events.EventPattern(
                source=["aws.backup"],
                detail_type=["Backup Job State Change"],
                detail={
                    "state": list(FAILED_JOB_STATES),
                    "backupVaultName": [self.vault.backup_vault_name],
                },
            ),
            # EventBridge publishes with a role of this rule, so neither the topic policy nor
            # the key policy has to trust the whole EventBridge service.
            targets=[targets.SnsTopic(self.topic, authorize_using_role=True)],
        )
        acknowledge(
            self.failure_rule.node.find_child("EventsRole"),
            "IAM5[Action::kms:GenerateDataKey*]",
            "aws-cdk-lib's grant to publish to an encrypted topic: GenerateDataKey and "
            "GenerateDataKeyWithoutPlaintext on this stack's key only, which SNS needs to encrypt "
            "the messages this rule's role publishes.",
        )

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

    def _let_aws_backup_use_the_key(self) -> None:
        """The backup role's own policy: encrypt and decrypt recovery points with the key.

        Granted in the role's IAM policy, not in the key policy: "The principals in the key
        policy must exist and be visible to KMS ... you might need to enforce a delay before
        including the new principal in a key policy" (KMS API reference, CreateKey, Policy),
        and a role created seconds earlier in the same deploy may not be visible yet. The key's
        default statement for the account ("Allows access to the AWS account and enables IAM
        policies": KMS Developer Guide, default key policy) lets an IAM policy grant it.
        Actions named one by one (no wildcard), on this key only.
        """
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
                resources=[self.key.key_arn],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="GrantsForAwsResourcesOnTheVaultKey",
                actions=["kms:CreateGrant", "kms:RetireGrant"],
                resources=[self.key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )

"""LabBackup "Backup a DynamoDB Table": an encrypted vault, a daily plan kept 7 days, on Users."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from functools import cached_property

from botocore.exceptions import ClientError

from course.config import LabSettings
from course.sheets import BACKUP
from labcheck.aws import Aws, error_code
from labcheck.core import Kind, Lab, Name, Objective

RETENTION_DAYS = BACKUP.retention_days
# AWS Backup's default window: start within 8 hours, complete within 7 days.
DEFAULT_START_MINUTES = 480
DEFAULT_COMPLETION_MINUTES = 10080
# cron(minutes hours day-of-month month day-of-week year): one fixed time, every day.
DAILY_CRON = re.compile(r"cron\(\d+ \d+ [*?] \* [*?] \*\)")
NOT_FOUND = {"ResourceNotFoundException", "InvalidParameterValueException"}
TAG_PREFIX = "aws:ResourceTag/"


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _pages(call, key: str, **kwargs) -> list[dict]:
    """Every item of a paginated Backup list call (NextToken), without a paginator."""
    items, token = [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


class BackupSetup:
    def __init__(self, aws: Aws, vault: str, plan: str, table: str) -> None:
        self.backup = aws.client("backup")
        self.kms = aws.client("kms")
        self.ddb = aws.client("dynamodb")
        self.vault_name, self.plan_ref, self.table_name = vault, plan, table

    def _found(self, call, **kwargs) -> dict:
        try:
            return call(**kwargs)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return {}
            raise

    @cached_property
    def vault(self) -> dict:
        return self._found(self.backup.describe_backup_vault, BackupVaultName=self.vault_name)

    @cached_property
    def plan(self) -> dict:
        """The plan, named by its id (stack output) or by its name (what students see)."""
        plan = self._found(self.backup.get_backup_plan, BackupPlanId=self.plan_ref)
        if plan:
            return plan
        plans = _pages(self.backup.list_backup_plans, "BackupPlansList")
        match = next((p for p in plans if p.get("BackupPlanName") == self.plan_ref), None)
        return self.backup.get_backup_plan(BackupPlanId=match["BackupPlanId"]) if match else {}

    @cached_property
    def rule(self) -> dict:
        """The plan's rule into the vault, else its first rule."""
        rules = self.plan["BackupPlan"]["Rules"]
        into_vault = [r for r in rules if r.get("TargetBackupVaultName") == self.vault_name]
        return (into_vault or rules or [{}])[0]

    @cached_property
    def selections(self) -> list[dict]:
        plan_id = self.plan["BackupPlanId"]
        listed = _pages(
            self.backup.list_backup_selections, "BackupSelectionsList", BackupPlanId=plan_id
        )
        return [
            self.backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=s["SelectionId"])[
                "BackupSelection"
            ]
            for s in listed
        ]

    @cached_property
    def table(self) -> tuple[str, dict[str, str]] | None:
        """The Users table's ARN and tags, or None if there is no such table."""
        found = self._found(self.ddb.describe_table, TableName=self.table_name)
        if not found:
            return None
        arn = found["Table"]["TableArn"]
        tags = _pages(self.ddb.list_tags_of_resource, "Tags", ResourceArn=arn)
        return arn, {tag["Key"]: tag["Value"] for tag in tags}


def selects(selection: dict, arn: str, tags: dict[str, str]) -> bool:
    """Whether an assignment selects the resource: (Resources or ListOfTags) and every
    Conditions entry, minus NotResources — AWS Backup's rules for combining them."""
    if any(fnmatchcase(arn, pattern) for pattern in selection.get("NotResources") or []):
        return False
    resources = selection.get("Resources") or []
    tagged = selection.get("ListOfTags") or []
    by_arn = any(fnmatchcase(arn, pattern) for pattern in resources)
    by_tag = any(
        tags.get(t["ConditionKey"].removeprefix(TAG_PREFIX)) == t["ConditionValue"] for t in tagged
    )
    if (resources or tagged) and not (by_arn or by_tag):
        return False
    tests = {
        "StringEquals": lambda found, value: found == value,
        "StringNotEquals": lambda found, value: found != value,
        "StringLike": lambda found, value: found is not None and fnmatchcase(found, value),
        "StringNotLike": lambda found, value: found is None or not fnmatchcase(found, value),
    }
    return all(
        tests[operator](tags.get(c["ConditionKey"].removeprefix(TAG_PREFIX)), c["ConditionValue"])
        for operator, conditions in (selection.get("Conditions") or {}).items()
        for c in conditions
    )


def vault_exists(setup: BackupSetup) -> str | None:
    return None if setup.vault else f"there is no backup vault {setup.vault_name}"


def vault_key_customer_managed(setup: BackupSetup) -> str | None:
    key_arn = setup.vault.get("EncryptionKeyArn")
    if not key_arn:
        return "the vault reports no encryption key"
    key = setup.kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    if key.get("KeyManager") != "CUSTOMER":
        return f"the vault uses an AWS managed key ({key_arn})"
    return None


def plan_exists(setup: BackupSetup) -> str | None:
    return None if setup.plan else f"there is no backup plan {setup.plan_ref}"


def runs_daily(setup: BackupSetup) -> str | None:
    schedule = setup.rule.get("ScheduleExpression", "")
    if DAILY_CRON.fullmatch(schedule) or schedule in ("rate(1 day)", "rate(24 hours)"):
        return None
    return f"rule {setup.rule.get('RuleName')!r} runs on {schedule or 'no schedule'}"


def kept_seven_days(setup: BackupSetup) -> str | None:
    days = setup.rule.get("Lifecycle", {}).get("DeleteAfterDays")
    if days == RETENTION_DAYS:
        return None
    return f"backups are deleted after {days} days" if days else "backups are never deleted"


def default_window(setup: BackupSetup) -> str | None:
    start = setup.rule.get("StartWindowMinutes", DEFAULT_START_MINUTES)
    completion = setup.rule.get("CompletionWindowMinutes", DEFAULT_COMPLETION_MINUTES)
    if (start, completion) == (DEFAULT_START_MINUTES, DEFAULT_COMPLETION_MINUTES):
        return None
    return f"start within {start} minutes, complete within {completion} minutes"


def into_vault(setup: BackupSetup) -> str | None:
    target = setup.rule.get("TargetBackupVaultName")
    return None if target == setup.vault_name else f"the rule stores backups in {target}"


def covers_users_table(setup: BackupSetup) -> str | None:
    if setup.table is None:
        return f"there is no table {setup.table_name} to back up"
    arn, tags = setup.table
    if any(selects(selection, arn, tags) for selection in setup.selections):
        return None
    names = ", ".join(s["SelectionName"] for s in setup.selections) or "none"
    return f"no resource assignment selects {arn} (assignments: {names})"


def recovery_points(setup: BackupSetup) -> str:
    points = _pages(
        setup.backup.list_recovery_points_by_backup_vault,
        "RecoveryPoints",
        BackupVaultName=setup.vault_name,
    )
    if not points:
        return "none yet (the first daily backup runs within a day, or start one now)"
    latest = max(p["CreationDate"] for p in points)
    return f"{len(points)} in the vault, the latest from {_utc(latest)}"


def last_job(setup: BackupSetup) -> str:
    jobs = setup.backup.list_backup_jobs(ByBackupVaultName=setup.vault_name)["BackupJobs"]
    if not jobs:
        return "no backup job into this vault in the last 30 days"
    job = max(jobs, key=lambda j: j["CreationDate"])
    return f"{job['State']} ({job.get('ResourceArn')}, started {_utc(job['CreationDate'])})"


OBJECTIVES = (
    Objective(
        "The backup vault exists",
        vault_exists,
        "create the vault in this region, or pass its exact name with --vault NAME",
        gate=True,
    ),
    Objective(
        "The vault is encrypted with a customer-managed KMS key",
        vault_key_customer_managed,
        "a vault's key is chosen at creation: create a KMS key (Customer managed keys > Create"
        " key) and a new vault encrypted with it",
    ),
    Objective(
        "The backup plan exists",
        plan_exists,
        "create the plan in this region, or pass its name or id with --plan",
        gate=True,
    ),
    Objective(
        "The plan's rule backs up daily",
        runs_daily,
        "edit the backup rule: Backup frequency Daily",
    ),
    Objective(
        f"Backups are kept {RETENTION_DAYS} days",
        kept_seven_days,
        f"edit the backup rule: Retention period {RETENTION_DAYS} days",
    ),
    Objective(
        "The rule uses the default backup window",
        default_window,
        "edit the backup rule: Backup window 'Use backup window defaults' (start within 8"
        " hours, complete within 7 days)",
    ),
    Objective(
        "The rule stores backups in the vault",
        into_vault,
        "edit the backup rule: Backup vault = the lab's encrypted vault",
    ),
    Objective(
        "A resource assignment covers the Users table",
        covers_users_table,
        "plan > Assign resources: include the DynamoDB table Users (by its ARN, or by a tag the"
        " table carries); deploy LabDynamoDbUsers first if the table is missing",
    ),
    Objective("Recovery points", recovery_points, kind=Kind.INFO),
    Objective("Last backup job", last_job, kind=Kind.INFO),
)

LAB = Lab(
    lab_id="LabBackup",
    names=(
        Name("vault", output="VaultName", option="vault", by_hand="{participant}-LabBackupVault"),
        Name("plan", output="PlanId", option="plan", by_hand="{participant}-LabBackupPlan"),
        Name("table", output=None, option="table", required=False, by_hand="{participant}-Users"),
    ),
    connect=lambda aws, names, participant: BackupSetup(
        aws,
        names["vault"],
        names["plan"],
        names.get("table") or LabSettings(participant=participant).users_table_name,
    ),
    objectives=OBJECTIVES,
)

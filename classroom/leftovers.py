"""What a class leaves behind that no stack owns, per participant, with how to delete it.

The guides make things `cdk destroy` cannot remove, because no stack owns them:
- LabDynamoDbUsers, LabBackup: DynamoDB tables (e.g. the restored `<p>-Users-restored`) and
  on-demand DynamoDB backups of the participant's tables; LabBackup also recovery points left
  in the participant's vault when its stack is gone or failed to delete;
- LabRdsMysql: DB instances and read replicas made by hand, manual DB snapshots.
The S3 labs make nothing outside their stack.

Whose is what: a resource is the participant's when its name starts with `<p>-` exactly (so
`ana` never matches `ana2-...` or `an-...`), or carries the tag `participant=<p>`; an RDS
replica or snapshot also when its source instance is the participant's (the guide's CLI replica
is named `lab-rds-mysql-replica-cli`), and an RDS instance when it sits in the participant's lab
network (its DB subnet group, named by CloudFormation after the stack: `<p>-labrdsmysql-...`;
a replica promoted when the stack deleted its source keeps it). It is left behind when it is not a
resource of one of the participant's lab stacks (CloudFormation's own list of the stack's
physical resources, not tags, which RDS copies to replicas). Participants are required: the
trainer's own unprefixed resources cannot be told apart from anything else in the account, so
the sweep never touches them.

Costs are estimates per month (us-east-1 list prices, 2026-11; see labs/README.md), from each
resource's size. Read by `python -m classroom.sweep` (which also deletes), after
`python -m classroom.run down` and in the class report's leftovers column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from course import sheets
from course.config import LabSettings

GIB = 1024**3
HOURS_PER_MONTH = 730
# us-east-1 list prices, 2026-11 (labs/README.md's sources).
DYNAMODB_STORAGE_PER_GIB_MONTH = 0.25
DYNAMODB_BACKUP_PER_GIB_MONTH = 0.10
AWS_BACKUP_DYNAMODB_PER_GIB_MONTH = 0.10
RDS_GP3_PER_GIB_MONTH = 0.115
RDS_SNAPSHOT_PER_GIB_MONTH = 0.095
RDS_MYSQL_PER_HOUR = {
    "db.t3.micro": 0.017,
    "db.t3.small": 0.034,
    "db.t3.medium": 0.068,
    "db.t4g.micro": 0.016,
    "db.t4g.small": 0.032,
    "db.t4g.medium": 0.065,
}
PARTICIPANT_TAG = "participant"
# A stack in these states no longer looks after its resources (its purge will not run again).
STACK_GONE_STATES = {"DELETE_COMPLETE", "DELETE_FAILED"}


@dataclass(frozen=True)
class Leftover:
    """One resource a participant left behind, and how to delete it."""

    participant: str
    kind: str
    name: str
    monthly_cost: float | None  # None: unknown (e.g. an instance class without a price here)
    delete: Callable[[], Any]

    @property
    def cost_text(self) -> str:
        if self.monthly_cost is None:
            return "cost unknown"
        return f"≈ ${self.monthly_cost:.2f}/month"

    def line(self) -> str:
        return f"{self.participant:<20} {self.kind:<24} {self.name:<50} {self.cost_text}"


def owns(name: str, participant: str, tags: Iterable[dict[str, str]] = ()) -> bool:
    """Whether `name` (or its tags) says it is `participant`'s: prefix `<p>-` or the tag."""
    if name.startswith(f"{participant}-"):
        return True
    return any(
        tag.get("Key") == PARTICIPANT_TAG and tag.get("Value") == participant for tag in tags
    )


class Account:
    """boto3 clients of one session (the default one unless a test passes its own)."""

    def __init__(self, session: Any = None) -> None:
        import boto3

        self.session = session or boto3.Session()
        self._clients: dict[tuple[str, str | None], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        """The session's client of `service` (in `region`, else the session's), made once."""
        if (service, region) not in self._clients:
            self._clients[service, region] = self.session.client(service, region_name=region)
        return self._clients[service, region]

    def stack_resources(self, participant: str, labs: Sequence[str]) -> set[str]:
        """Physical ids of every resource of the participant's lab stacks that exist."""
        cloudformation = self.client("cloudformation")
        owned: set[str] = set()
        for lab in labs:
            stack = LabSettings(participant=participant).stack_name(lab)
            try:
                pages = cloudformation.get_paginator("list_stack_resources").paginate(
                    StackName=stack
                )
                owned |= {
                    summary["PhysicalResourceId"]
                    for page in pages
                    for summary in page["StackResourceSummaries"]
                    if summary.get("PhysicalResourceId")
                }
            except ClientError as error:
                if "does not exist" not in str(error):
                    raise
        return owned

    def stack_alive(self, stack_name: str) -> bool:
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=stack_name)
        except ClientError as error:
            if "does not exist" in str(error):
                return False
            raise
        return stacks["Stacks"][0]["StackStatus"] not in STACK_GONE_STATES


# --- DynamoDB (LabDynamoDbUsers, LabBackup) --------------------------------------------------


def dynamodb_leftovers(account: Account, participant: str, owned: set[str]) -> list[Leftover]:
    dynamodb = account.client("dynamodb")
    found = []
    tables = [
        name
        for page in dynamodb.get_paginator("list_tables").paginate()
        for name in page["TableNames"]
    ]
    for name in tables:
        if name in owned:
            continue
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
            tags = dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
        except ClientError:
            if name.startswith(f"{participant}-"):
                raise
            continue  # not the participant's by name, and its tags are not ours to read
        if not owns(name, participant, tags):
            continue
        size = table.get("TableSizeBytes", 0) / GIB
        found.append(
            Leftover(
                participant,
                "dynamodb table",
                name,
                size * DYNAMODB_STORAGE_PER_GIB_MONTH,
                lambda name=name: dynamodb.delete_table(TableName=name),
            )
        )
    for page in dynamodb.get_paginator("list_backups").paginate(BackupType="USER"):
        for backup in page["BackupSummaries"]:
            if not owns(backup["TableName"], participant):
                continue
            arn = backup["BackupArn"]
            found.append(
                Leftover(
                    participant,
                    "dynamodb on-demand backup",
                    f"{backup['TableName']}/{backup.get('BackupName', arn)}",
                    backup.get("BackupSizeBytes", 0) / GIB * DYNAMODB_BACKUP_PER_GIB_MONTH,
                    lambda arn=arn: dynamodb.delete_backup(BackupArn=arn),
                )
            )
    return found


def vault_leftovers(account: Account, participant: str, _owned: set[str]) -> list[Leftover]:
    """Recovery points of the participant's vault when its stack is gone or failed to delete."""
    settings = LabSettings(participant=participant)
    if account.stack_alive(settings.stack_name("LabBackup")):
        return []  # the stack's purge empties the vault on destroy
    backup = account.client("backup")
    vault = settings.physical_name(sheets.BACKUP.vault_name)
    try:
        backup.describe_backup_vault(BackupVaultName=vault)
        pages = list(
            backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
                BackupVaultName=vault
            )
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return []
        raise
    return [
        Leftover(
            participant,
            "backup recovery point",
            point["RecoveryPointArn"],
            point.get("BackupSizeInBytes", 0) / GIB * AWS_BACKUP_DYNAMODB_PER_GIB_MONTH,
            lambda arn=point["RecoveryPointArn"]: backup.delete_recovery_point(
                BackupVaultName=vault, RecoveryPointArn=arn
            ),
        )
        for page in pages
        for point in page.get("RecoveryPoints", [])
    ]


# --- RDS (LabRdsMysql) -----------------------------------------------------------------------


def instance_monthly_cost(instance: dict[str, Any]) -> float | None:
    hourly = RDS_MYSQL_PER_HOUR.get(instance.get("DBInstanceClass", ""))
    if hourly is None:
        return None
    copies = 2 if instance.get("MultiAZ") else 1
    storage = instance.get("AllocatedStorage", 0) * RDS_GP3_PER_GIB_MONTH
    return copies * (hourly * HOURS_PER_MONTH + storage)


def rds_leftovers(account: Account, participant: str, owned: set[str]) -> list[Leftover]:
    rds = account.client("rds")
    instances = [
        instance
        for page in rds.get_paginator("describe_db_instances").paginate()
        for instance in page["DBInstances"]
    ]
    found = []
    for instance in instances:
        name = instance["DBInstanceIdentifier"]
        source = (instance.get("ReadReplicaSourceDBInstanceIdentifier") or "").split(":")[-1]
        subnet_group = instance.get("DBSubnetGroup", {}).get("DBSubnetGroupName", "")
        theirs = (
            owns(name, participant, instance.get("TagList", []))
            or owns(source, participant)  # a replica of their instance
            # in their lab's network: CloudFormation names the subnet group after the stack
            # (`<p>-labrdsmysql-...`), and a promoted replica keeps it
            or owns(subnet_group, participant)
        )
        if name in owned or not theirs:
            continue
        found.append(
            Leftover(
                participant,
                "rds read replica" if source else "rds db instance",
                name,
                instance_monthly_cost(instance),
                lambda name=name: rds.delete_db_instance(
                    DBInstanceIdentifier=name, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
                ),
            )
        )
    for page in rds.get_paginator("describe_db_snapshots").paginate(SnapshotType="manual"):
        for snapshot in page["DBSnapshots"]:
            name = snapshot["DBSnapshotIdentifier"]
            if not (
                owns(name, participant, snapshot.get("TagList", []))
                or owns(snapshot.get("DBInstanceIdentifier", ""), participant)
            ):
                continue
            found.append(
                Leftover(
                    participant,
                    "rds manual snapshot",
                    name,
                    snapshot.get("AllocatedStorage", 0) * RDS_SNAPSHOT_PER_GIB_MONTH,
                    lambda name=name: rds.delete_db_snapshot(DBSnapshotIdentifier=name),
                )
            )
    return found


# What each lab's guide can leave behind. The S3 labs make nothing outside their stack.
FINDERS: dict[str, tuple[Callable[[Account, str, set[str]], list[Leftover]], ...]] = {
    "LabS3Lifecycle": (),
    "LabS3Website": (),
    "LabRdsMysql": (rds_leftovers,),
    "LabDynamoDbUsers": (dynamodb_leftovers,),
    "LabBackup": (dynamodb_leftovers, vault_leftovers),
}


def leftovers(account: Account, lab: str, participants: Sequence[str]) -> list[Leftover]:
    """Everything of `lab` that `participants` left and no stack of theirs owns."""
    found = []
    for participant in participants:
        owned = account.stack_resources(participant, list(FINDERS))
        for finder in FINDERS[lab]:
            found += finder(account, participant, owned)
    return found


def report(found: Sequence[Leftover], participants: Sequence[str]) -> list[str]:
    lines = [leftover.line() for leftover in found]
    known = [f.monthly_cost for f in found if f.monthly_cost is not None]
    who = len({f.participant for f in found})
    total = f", ≈ ${sum(known):.2f}/month" if found else ""
    lines.append(f"{len(found)} leftovers of {who} of {len(participants)} participants{total}")
    return lines


def delete(found: Sequence[Leftover]) -> list[str]:
    """Delete each leftover; one line each, deleted or why not."""
    lines = []
    for leftover in found:
        try:
            leftover.delete()
            lines.append(f"deleted {leftover.kind} {leftover.name} ({leftover.participant})")
        except (ClientError, BotoCoreError) as error:
            lines.append(f"NOT deleted {leftover.kind} {leftover.name}: {error}")
    return lines

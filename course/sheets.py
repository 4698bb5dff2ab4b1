"""The labs of the course and each lab's sheet (its numbers, names and files): one place.

`LABS` is the registry, in course order: every other list of labs derives from it (stacks.LABS,
labcheck's LABS) or is checked against it by a test (the READMEs' tables, the cost figures, the
policy test's builds, the rehearsal). The sheets below are what the lab guides ask for; the
stacks build them, labcheck checks a student's build against them. Plain Python, no CDK:
labcheck imports this with boto3 alone.

Tests state these figures literally (30 days, the allowed classes, John Doe, ...), never import
them from here: a wrong value here must fail a test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABS_DIR = Path(__file__).resolve().parent.parent / "labs"


@dataclass(frozen=True)
class Minutes:
    """How long CloudFormation takes, at most on an ordinary day, to create and to delete a
    participant's stack of a lab, in minutes: the class runner's time limit per participant
    derives from it (classroom/engine.py)."""

    create: int
    delete: int


@dataclass(frozen=True)
class Lab:
    """One lab of the course.

    Attributes:
        lab_id: the stack's construct id and name (`ana-` + it for a participant), `LAB=` of
            `make check`.
        folder: its folder under labs/: the guide (README.md) and the files the stack uses.
        title: the lab's title, as the guide and the stack's description give it.
        stack: `module:Class` of its CDK stack (imported by stacks/__init__.py only).
        checker: the labcheck module whose `LAB` holds its objectives.
        minutes: how long its stack takes to create and to delete (`Minutes`).
    """

    lab_id: str
    folder: str
    title: str
    stack: str
    checker: str
    minutes: Minutes

    @property
    def guide(self) -> Path:
        return LABS_DIR / self.folder / "README.md"


LABS: tuple[Lab, ...] = (
    Lab(
        "LabS3Lifecycle",
        "s3_lifecycle",
        "Create a Lifecycle Rule",
        "stacks.s3_lifecycle:S3LifecycleStack",
        "labcheck.s3_lifecycle",
        # Two buckets, two small functions and their roles; the delete empties the buckets.
        Minutes(create=3, delete=3),
    ),
    Lab(
        "LabS3Website",
        "s3_website",
        "Host a Static Website with S3",
        "stacks.s3_website:S3WebsiteStack",
        "labcheck.s3_website",
        Minutes(create=3, delete=3),
    ),
    Lab(
        "LabRdsMysql",
        "rds_mysql",
        "Hands-On - RDS",
        "stacks.rds_mysql:RdsMysqlStack",
        "labcheck.rds_mysql",
        # A Multi-AZ MySQL takes 15-25 minutes to create. Its delete takes 10-15, then the VPC's
        # network clean-up waits for the Lambda network interfaces AWS releases late: 40 minutes
        # and more. (A class deploys no read replica; one would add its own 15-20 minutes.)
        Minutes(create=25, delete=45),
    ),
    Lab(
        "LabDynamoDbUsers",
        "dynamodb_users",
        "My First DynamoDB Table and My First Secondary Index",
        "stacks.dynamodb_users:DynamoDbUsersStack",
        "labcheck.dynamodb_users",
        Minutes(create=3, delete=3),
    ),
    Lab(
        "LabBackup",
        "backup",
        "Backup a DynamoDB Table",
        "stacks.backup:BackupStack",
        "labcheck.backup",
        # The vault's delete first purges its recovery points (a function of its own).
        Minutes(create=3, delete=5),
    ),
)
LAB_IDS: tuple[str, ...] = tuple(lab.lab_id for lab in LABS)
# A participant's sign-in (LabAccess, not a lab): an IAM user, its policy and secret.
ACCESS_MINUTES = Minutes(create=2, delete=2)


def lab(lab_id: str) -> Lab:
    """The registered lab `lab_id`; KeyError names the known ones."""
    for known in LABS:
        if known.lab_id == lab_id:
            return known
    raise KeyError(f"unknown lab {lab_id!r}: one of {', '.join(LAB_IDS)}")


@dataclass(frozen=True)
class LifecycleSheet:
    """LabS3Lifecycle: one rule for the whole bucket, Glacier after N days, expired after M."""

    glacier_after_days: int
    expire_after_days: int
    test_file: str

    @property
    def rule_id(self) -> str:
        """The rule's id, which says what it does: GlacierAfter30DaysExpireAfter365Days."""
        return f"GlacierAfter{self.glacier_after_days}DaysExpireAfter{self.expire_after_days}Days"


@dataclass(frozen=True)
class WebsiteSheet:
    """LabS3Website: static website hosting with an index and an error page."""

    index_document: str
    error_document: str
    # Beyond the sheet: an explicit Content-Type, so browsers render the pages and their UTF-8.
    content_type: str

    @property
    def pages(self) -> tuple[str, str]:
        return (self.index_document, self.error_document)


@dataclass(frozen=True)
class RdsSheet:
    """LabRdsMysql: storage autoscaling from allocated to max; "db.t3.medium or smaller"."""

    allocated_storage_gb: int
    max_storage_gb: int
    allowed_instance_classes: tuple[str, ...]
    default_instance_class: str


@dataclass(frozen=True)
class UsersSheet:
    """LabDynamoDbUsers: table Users keyed by email, an index on the name, the item John Doe."""

    table: str
    partition_key: str
    index_name: str
    index_key: str
    seed_item_file: str

    def seed_item(self) -> dict[str, Any]:
        """The seed item in DynamoDB JSON, as the guide's put-item and the stack write it."""
        return json.loads(
            (LABS_DIR / lab("LabDynamoDbUsers").folder / self.seed_item_file).read_text()
        )


@dataclass(frozen=True)
class BackupSheet:
    """LabBackup: a daily backup plan whose backups are kept N days."""

    retention_days: int
    # "Daily" at this hour (UTC): 05:00, the console's default start time.
    daily_at_hour_utc: int
    # The vault's name (with the participant's prefix): the stack names it, the class sweep
    # looks in it for recovery points left behind.
    vault_name: str


S3_LIFECYCLE = LifecycleSheet(glacier_after_days=30, expire_after_days=365, test_file="test.txt")
S3_WEBSITE = WebsiteSheet(
    index_document="index.html",
    error_document="error.html",
    content_type="text/html; charset=utf-8",
)
# The lab sheet asks for "db.t3.medium or smaller"; the Graviton equivalents are allowed too.
RDS_MYSQL = RdsSheet(
    allocated_storage_gb=20,
    max_storage_gb=50,
    allowed_instance_classes=(
        "db.t3.micro",
        "db.t3.small",
        "db.t3.medium",
        "db.t4g.micro",
        "db.t4g.small",
        "db.t4g.medium",
    ),
    default_instance_class="db.t3.micro",
)
# The index's name is the one the console proposes for an index on `name`.
DYNAMODB_USERS = UsersSheet(
    table="Users",
    partition_key="email",
    index_name="name-index",
    index_key="name",
    seed_item_file="john_doe.json",
)
BACKUP = BackupSheet(retention_days=7, daily_at_hour_utc=5, vault_name="LabBackupVault")

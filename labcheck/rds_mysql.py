"""LabRdsMysql "RDS": encrypted Multi-AZ MySQL with IAM authentication and storage autoscaling."""

from __future__ import annotations

from functools import cached_property

from botocore.exceptions import ClientError

from course.config import ALLOWED_DB_INSTANCE_CLASSES
from course.sheets import RDS_MYSQL
from labcheck.aws import Aws, error_code
from labcheck.core import Kind, Lab, Name, Objective

ENGINE = "mysql"
STORAGE_GB = range(RDS_MYSQL.allocated_storage_gb, RDS_MYSQL.max_storage_gb + 1)


class Database:
    def __init__(self, aws: Aws, instance_id: str) -> None:
        self.rds = aws.client("rds")
        self.instance_id = instance_id

    @cached_property
    def instance(self) -> dict:
        """The instance as DescribeDBInstances shows it; empty when there is none."""
        try:
            found = self.rds.describe_db_instances(DBInstanceIdentifier=self.instance_id)
        except ClientError as error:
            if error_code(error) == "DBInstanceNotFound":
                return {}
            raise
        return found["DBInstances"][0]


def _expect(db: Database, key: str, expected: object, found: str) -> str | None:
    return None if db.instance.get(key) == expected else found


def instance_exists(db: Database) -> str | None:
    return None if db.instance else f"there is no DB instance {db.instance_id}"


def is_mysql(db: Database) -> str | None:
    return _expect(db, "Engine", ENGINE, f"the engine is {db.instance.get('Engine')}")


def is_multi_az(db: Database) -> str | None:
    return _expect(db, "MultiAZ", True, "Multi-AZ is off: one instance in one Availability Zone")


def is_encrypted(db: Database) -> str | None:
    return _expect(db, "StorageEncrypted", True, "storage is not encrypted")


def has_iam_auth(db: Database) -> str | None:
    return _expect(db, "IAMDatabaseAuthenticationEnabled", True, "IAM DB authentication is off")


def class_allowed(db: Database) -> str | None:
    instance_class = db.instance.get("DBInstanceClass")
    if instance_class in ALLOWED_DB_INSTANCE_CLASSES:
        return None
    return f"the instance class is {instance_class}"


def storage_autoscaling(db: Database) -> str | None:
    allocated = db.instance.get("AllocatedStorage")
    maximum = db.instance.get("MaxAllocatedStorage")
    if allocated not in STORAGE_GB:
        return f"{allocated} GB allocated"
    if not maximum or maximum <= allocated:
        return f"{allocated} GB allocated, storage autoscaling off (no maximum storage)"
    return None


def is_available(db: Database) -> str | None:
    status = db.instance.get("DBInstanceStatus")
    return None if status == "available" else f"the instance is {status}"


def replica_info(db: Database) -> str:
    replicas = db.instance.get("ReadReplicaDBInstanceIdentifiers", [])
    return f"read replicas: {', '.join(replicas)}" if replicas else "no read replica"


def monitoring_info(db: Database) -> str:
    interval = db.instance.get("MonitoringInterval", 0)
    enhanced = f"every {interval} s" if interval else "off"
    insights = db.instance.get("DatabaseInsightsMode") or (
        "Performance Insights" if db.instance.get("PerformanceInsightsEnabled") else "off"
    )
    return f"Enhanced Monitoring {enhanced}; Database Insights {insights}"


OBJECTIVES = (
    Objective(
        "The DB instance exists",
        instance_exists,
        "create it in this region, or pass its DB identifier with --db-instance NAME",
        gate=True,
    ),
    Objective("The engine is MySQL", is_mysql, "create the database with engine type MySQL"),
    Objective(
        "Multi-AZ is on (a standby in a second Availability Zone)",
        is_multi_az,
        "Modify > Availability & durability: 'Create a standby instance' (Multi-AZ DB instance)",
    ),
    Objective(
        "Storage is encrypted",
        is_encrypted,
        "encryption can only be chosen at creation: create the instance again with 'Enable"
        " encryption' ticked (or restore an encrypted copy of a snapshot)",
    ),
    Objective(
        "IAM database authentication is on",
        has_iam_auth,
        "Modify > Database authentication: 'Password and IAM database authentication'",
    ),
    Objective(
        "The instance class is db.t3.medium or smaller",
        class_allowed,
        "Modify > Instance configuration: choose one of " + ", ".join(ALLOWED_DB_INSTANCE_CLASSES),
    ),
    Objective(
        f"{STORAGE_GB.start}-{STORAGE_GB.stop - 1} GB of storage, with storage autoscaling"
        " (a maximum storage set)",
        storage_autoscaling,
        f"Modify > Storage: allocate {STORAGE_GB.start} GB and tick 'Enable storage autoscaling'"
        f" with a maximum storage threshold (the lab uses {STORAGE_GB.stop - 1} GB)",
    ),
    Objective(
        "The instance is available",
        is_available,
        "wait until the console shows 'Available' (a Multi-AZ instance takes 20-40 minutes)",
    ),
    Objective("Read replica", replica_info, kind=Kind.INFO),
    Objective("Monitoring", monitoring_info, kind=Kind.INFO),
)

LAB = Lab(
    lab_id="LabRdsMysql",
    names=(
        Name(
            "db_instance",
            output="DbInstanceId",
            option="db-instance",
            by_hand="{participant}-lab-rds-mysql",
        ),
    ),
    connect=lambda aws, names, participant: Database(aws, names["db_instance"]),
    objectives=OBJECTIVES,
)

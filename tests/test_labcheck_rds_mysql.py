"""labcheck LabRdsMysql: a correct build meets every objective; each break fails just one."""

from __future__ import annotations

from labcheck.rds_mysql import LAB
from tests.labcheck_builds.rds_mysql import (
    INSTANCE,
    lab_results,
)
from tests.labcheck_fixtures import (
    LabChecks,
    StubbedCalls,
    checker,
    results,
)

BREAKS = {
    "The DB instance exists": {"exists": False},
    "The engine is MySQL": {"Engine": "postgres"},
    "Multi-AZ is on (a standby in a second Availability Zone)": {"MultiAZ": False},
    "Storage is encrypted": {"StorageEncrypted": False},
    "IAM database authentication is on": {"EnableIAMDatabaseAuthentication": False},
    "The instance class is db.t3.medium or smaller": {"DBInstanceClass": "db.m5.large"},
    "20-50 GB of storage, with storage autoscaling (a maximum storage set)": {
        "MaxAllocatedStorage": None
    },
    "The instance is available": {"stopped": True},
}


def test_a_correct_build_reports_replica_and_monitoring(account):
    found = lab_results(account)
    assert found["Read replica"].detail == "no read replica"
    assert found["Monitoring"].detail == "Enhanced Monitoring every 60 s; Database Insights off"


class TestObjectives(LabChecks):
    LAB = LAB
    BREAKS = BREAKS
    build = staticmethod(lab_results)


def test_every_class_the_sheet_allows_passes(account):
    found = lab_results(account, DBInstanceClass="db.t4g.medium")
    assert found["The instance class is db.t3.medium or smaller"].status == "PASS"


def test_too_much_storage_is_named(account):
    found = lab_results(account, AllocatedStorage=100, MaxAllocatedStorage=200)
    assert found[LAB.objectives[6].description].detail == "100 GB allocated"


def test_a_read_replica_is_reported(account):
    lab_results(account)
    account.client("rds").create_db_instance_read_replica(
        DBInstanceIdentifier=f"{INSTANCE}-replica", SourceDBInstanceIdentifier=INSTANCE
    )
    found = results(LAB, checker(), {"db_instance": INSTANCE})
    assert found["Read replica"].detail == f"read replicas: {INSTANCE}-replica"


def test_a_maximum_storage_equal_to_the_allocated_storage_is_autoscaling_off(account):
    """RDS reports MaxAllocatedStorage 20 for 20 GB allocated: autoscaling cannot grow it. moto
    drops a maximum equal to the allocation (a build in moto would never reach the comparison),
    so the instance built in moto is described with the maximum RDS would report (Stubber)."""
    lab_results(account)
    aws = checker()
    (built,) = account.client("rds").describe_db_instances(DBInstanceIdentifier=INSTANCE)[
        "DBInstances"
    ]
    StubbedCalls(aws, "rds", {"describe_db_instances"}).stubber.add_response(
        "describe_db_instances",
        {"DBInstances": [built | {"AllocatedStorage": 20, "MaxAllocatedStorage": 20}]},
        {"DBInstanceIdentifier": INSTANCE},
    )
    found = results(LAB, aws, {"db_instance": INSTANCE})
    storage = found["20-50 GB of storage, with storage autoscaling (a maximum storage set)"]
    assert (storage.status, storage.detail) == (
        "FAIL",
        "20 GB allocated, storage autoscaling off (no maximum storage)",
    )
    assert found["The engine is MySQL"].status == "PASS", "the rest is described as built"


def test_a_maximum_storage_above_the_allocated_storage_is_autoscaling_on(account):
    found = lab_results(account, AllocatedStorage=20, MaxAllocatedStorage=21)
    assert found[
        "20-50 GB of storage, with storage autoscaling (a maximum storage set)"
    ].status == ("PASS")

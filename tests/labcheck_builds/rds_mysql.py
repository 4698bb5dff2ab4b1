"""LabRdsMysql built in moto as a student would, correctly or with the given mistakes."""

from __future__ import annotations

from labcheck.rds_mysql import LAB
from tests.labcheck_fixtures import (
    checker,
    results,
)

INSTANCE = "ana-lab-mysql"
CORRECT = {
    "Engine": "mysql",
    "DBInstanceClass": "db.t3.micro",
    "AllocatedStorage": 20,
    "MaxAllocatedStorage": 50,
    "MultiAZ": True,
    "StorageEncrypted": True,
    "EnableIAMDatabaseAuthentication": True,
    "MonitoringInterval": 60,
    "MonitoringRoleArn": "arn:aws:iam::123456789012:role/rds-monitoring",
}


def lab_results(session, aws=None, *, exists=True, stopped=False, **changes):
    """Create the instance in moto as a student would (with the given mistakes) and check it."""
    rds = session.client("rds")
    if exists:
        settings = {k: v for k, v in (CORRECT | changes).items() if v is not None}
        rds.create_db_instance(
            DBInstanceIdentifier=INSTANCE,
            MasterUsername="admin",
            MasterUserPassword="not-a-real-password",
            **settings,
        )
    if stopped:
        rds.stop_db_instance(DBInstanceIdentifier=INSTANCE)
    return results(LAB, aws or checker(), {"db_instance": INSTANCE})

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


def lab_network(rds, ec2, *subnet_groups: str, cidr: str = "10.0") -> str:
    """A VPC with two subnets in two zones and the DB subnet groups named; returns the VPC id."""
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{n}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for n, zone in ((1, "eu-west-1a"), (2, "eu-west-1b"))
    ]
    for group in subnet_groups:
        rds.create_db_subnet_group(
            DBSubnetGroupName=group, DBSubnetGroupDescription="lab", SubnetIds=subnets
        )
    return vpc


def db_instance(rds, name: str, subnet_group: str | None = None, **extra) -> None:
    """A MySQL instance made by hand (e.g. a replica a student made in the lab's network)."""
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        **({"DBSubnetGroupName": subnet_group} if subnet_group else {}),
        **extra,
    )

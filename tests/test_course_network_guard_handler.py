"""The course network's guard (lab_constructs/handlers/course_network_guard), against moto:
the network's deletion waits while participants' databases are in it."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from lab_constructs.handlers.course_network_guard import index as guard

# Runs again a year ahead in `make test` (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


@pytest.fixture
def rds(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        client = boto3.client("rds", region_name="us-east-1")
        vpcs = {}
        for name, cidr in (("course", "10.0.0.0/16"), ("other", "10.1.0.0/16")):
            vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
            subnets = [
                ec2.create_subnet(
                    VpcId=vpc, CidrBlock=cidr.replace("0.0/16", f"{i}.0/24"), AvailabilityZone=az
                )["Subnet"]["SubnetId"]
                for i, az in enumerate(("us-east-1a", "us-east-1b"))
            ]
            client.create_db_subnet_group(
                DBSubnetGroupName=f"{name}-group",
                DBSubnetGroupDescription=name,
                SubnetIds=subnets,
            )
            vpcs[name] = vpc
        yield client, vpcs


def db(client, name: str, group: str) -> None:
    client.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="labmaster",
        MasterUserPassword="password123",
        AllocatedStorage=20,
        DBSubnetGroupName=group,
    )


def delete_event(vpc: str, deadline: float) -> dict:
    return {
        "RequestType": "Delete",
        "PhysicalResourceId": vpc,
        "ResourceProperties": {"VpcId": vpc, "TimeoutSeconds": "1800"},
        guard.DEADLINE_KEY: deadline,
    }


def test_delete_sets_the_deadline():
    event = {
        "RequestType": "Delete",
        "PhysicalResourceId": "vpc-1",
        "ResourceProperties": {"VpcId": "vpc-1", "TimeoutSeconds": "1800"},
    }
    assert guard.on_event(event, now=lambda: 1000.0) == {
        "PhysicalResourceId": "vpc-1",
        guard.DEADLINE_KEY: 2800.0,
    }


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_pass_at_once(request_type):
    event = {"RequestType": request_type, "ResourceProperties": {"VpcId": "vpc-1"}}
    assert guard.on_event(event) == {"PhysicalResourceId": "vpc-1"}
    assert guard.is_complete(event, rds=object()) == {"IsComplete": True}


def test_deletion_waits_while_a_participants_database_is_in_the_course_vpc(rds):
    client, vpcs = rds
    db(client, "ana-lab-rds-mysql", "course-group")
    db(client, "trainer-db", "other-group")  # another VPC: not the network's business
    event = delete_event(vpcs["course"], deadline=2000.0)
    assert guard.is_complete(event, rds=client, now=lambda: 1000.0) == {"IsComplete": False}
    with pytest.raises(guard.NetworkInUse) as caught:
        guard.is_complete(event, rds=client, now=lambda: 2001.0)
    message = str(caught.value)
    assert "ana-lab-rds-mysql (available)" in message
    assert "trainer-db" not in message
    assert "make class-down LAB=LabRdsMysql" in message


def test_deletion_goes_ahead_once_no_database_is_in_the_course_vpc(rds):
    client, vpcs = rds
    db(client, "trainer-db", "other-group")
    event = delete_event(vpcs["course"], deadline=2000.0)
    assert guard.is_complete(event, rds=client, now=lambda: 1000.0) == {"IsComplete": True}

"""The course network's guard (lab_constructs/handlers/course_network_guard), against moto:
the network's deletion waits while participants' databases, security groups or network
interfaces are in it; a listing that fails (botocore's Stubber) is waited for too. The VPC is
the function's environment (`COURSE_VPC_ID`, deploy time), whatever the event says."""

from __future__ import annotations

from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from lab_constructs.handlers.course_network_guard import index as guard
from tests.labcheck_fixtures import fake_credentials
from tests.stubs import stubbed

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


@pytest.fixture
def network(monkeypatch):
    """Two VPCs in moto, the course network's and another, each with two subnets and a DB
    subnet group (`course-group`, `other-group`)."""
    fake_credentials(monkeypatch, "us-east-1")
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        client = boto3.client("rds", region_name="us-east-1")
        vpcs, first_subnets = {}, {}
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
            vpcs[name], first_subnets[name] = vpc, subnets[0]
        yield SimpleNamespace(rds=client, ec2=ec2, vpcs=vpcs, subnets=first_subnets)


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
        "ResourceProperties": {"TimeoutSeconds": "1800"},
        guard.DEADLINE_KEY: deadline,
    }


def guarding(vpc: str) -> dict[str, str]:
    """The guard function's environment, as the CourseNetwork stack sets it."""
    return {guard.VPC_VARIABLE: vpc}


def test_delete_sets_the_deadline():
    event = {
        "RequestType": "Delete",
        "PhysicalResourceId": "vpc-1",
        "ResourceProperties": {"TimeoutSeconds": "1800"},
    }
    assert guard.on_event(event, now=lambda: 1000.0, environ=guarding("vpc-1")) == {
        "PhysicalResourceId": "vpc-1",
        guard.DEADLINE_KEY: 2800.0,
    }


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_pass_at_once(request_type):
    event = {"RequestType": request_type, "ResourceProperties": {"TimeoutSeconds": "1800"}}
    assert guard.on_event(event, environ=guarding("vpc-1")) == {"PhysicalResourceId": "vpc-1"}
    found = guard.is_complete(event, rds=object(), ec2=object(), environ=guarding("vpc-1"))
    assert found == {"IsComplete": True}


def waits_then_names(network, *, deadline: float = 2000.0) -> str:
    """The guard waits before the deadline and fails after it; returns its message."""
    event = delete_event(network.vpcs["course"], deadline=deadline)
    clients = {"rds": network.rds, "ec2": network.ec2, "environ": guarding(network.vpcs["course"])}
    assert guard.is_complete(event, **clients, now=lambda: deadline - 1) == {"IsComplete": False}
    with pytest.raises(guard.NetworkInUse) as caught:
        guard.is_complete(event, **clients, now=lambda: deadline + 1)
    message = str(caught.value)
    assert "make class-down LAB=LabRdsMysql" in message
    assert "then destroy CourseNetwork again" in message
    return message


def test_deletion_waits_while_a_participants_database_is_in_the_course_vpc(network):
    db(network.rds, "ana-lab-rds-mysql", "course-group")
    db(network.rds, "trainer-db", "other-group")  # another VPC: not the network's business
    message = waits_then_names(network)
    assert "DB instance ana-lab-rds-mysql (available)" in message
    assert "trainer-db" not in message


def test_an_event_that_names_another_vpc_changes_nothing(network):
    """Anyone allowed to invoke the function could write the event: the guard lists the VPC of
    its environment (deploy time), so an event naming an empty VPC does not let the deletion
    through while a participant's database is in the course network."""
    db(network.rds, "ana-lab-rds-mysql", "course-group")
    event = delete_event(network.vpcs["other"], deadline=2000.0)
    event["ResourceProperties"]["VpcId"] = network.vpcs["other"]
    clients = {"rds": network.rds, "ec2": network.ec2, "environ": guarding(network.vpcs["course"])}
    assert guard.is_complete(event, **clients, now=lambda: 1000.0) == {"IsComplete": False}


def test_deletion_waits_while_a_participants_security_group_is_in_the_course_vpc(network):
    """A security group blocks deleting the VPC: a participant's stack not yet deleted, or a
    group made by hand."""
    group = network.ec2.create_security_group(
        GroupName="ana-LabRdsMysql-Database", Description="ana", VpcId=network.vpcs["course"]
    )["GroupId"]
    network.ec2.create_security_group(
        GroupName="trainer-group", Description="x", VpcId=network.vpcs["other"]
    )
    message = waits_then_names(network)
    assert f"security group {group} (ana-LabRdsMysql-Database)" in message
    assert "trainer-group" not in message
    assert "1 resource(s)" in message, "the VPC's default group is the network's own"


def test_deletion_waits_while_a_cloudshell_interface_is_in_the_course_vpc(network):
    """A network interface blocks deleting its subnet: a CloudShell VPC environment's, which
    outlives the participant's stack while the environment is open."""
    interface = network.ec2.create_network_interface(
        SubnetId=network.subnets["course"], Description="CloudShell VPC environment ana"
    )["NetworkInterface"]["NetworkInterfaceId"]
    network.ec2.create_network_interface(SubnetId=network.subnets["other"], Description="elsewhere")
    message = waits_then_names(network)
    assert f"network interface {interface} (available: CloudShell VPC environment ana)" in message
    assert "elsewhere" not in message


def test_deletion_goes_ahead_once_nothing_of_participants_is_in_the_course_vpc(network):
    db(network.rds, "trainer-db", "other-group")
    network.ec2.create_security_group(
        GroupName="trainer-group", Description="x", VpcId=network.vpcs["other"]
    )
    event = delete_event(network.vpcs["course"], deadline=2000.0)
    clients = {"rds": network.rds, "ec2": network.ec2, "environ": guarding(network.vpcs["course"])}
    found = guard.is_complete(event, **clients, now=lambda: 1000.0)
    assert found == {"IsComplete": True}


@pytest.mark.parametrize(
    ("service", "operation", "code"),
    [
        ("rds", "describe_db_instances", "Throttling"),
        ("rds", "describe_db_instances", "AccessDenied"),
        ("ec2", "describe_security_groups", "UnauthorizedOperation"),
        ("ec2", "describe_network_interfaces", "RequestLimitExceeded"),
    ],
)
def test_a_listing_that_fails_is_waited_for_never_taken_for_nothing_left(service, operation, code):
    """Throttled or denied, a listing says nothing about what is in the VPC: the guard waits
    (the next poll lists again) and at the deadline names the listing that failed."""
    with stubbed("rds") as (rds, rds_stub), stubbed("ec2") as (ec2, ec2_stub):
        stubs = {"rds": rds_stub, "ec2": ec2_stub}
        for _poll in range(2):  # one poll before the deadline, one after
            for stub_service, stub_operation, empty in (
                ("rds", "describe_db_instances", {"DBInstances": []}),
                ("ec2", "describe_security_groups", {"SecurityGroups": []}),
                ("ec2", "describe_network_interfaces", {"NetworkInterfaces": []}),
            ):
                if (stub_service, stub_operation) == (service, operation):
                    stubs[service].add_client_error(operation, service_error_code=code)
                else:
                    stubs[stub_service].add_response(stub_operation, empty)
        event = delete_event("vpc-1", deadline=2000.0)
        environ = guarding("vpc-1")
        assert guard.is_complete(event, rds=rds, ec2=ec2, now=lambda: 1000.0, environ=environ) == {
            "IsComplete": False
        }
        with pytest.raises(guard.NetworkInUse) as caught:
            guard.is_complete(event, rds=rds, ec2=ec2, now=lambda: 2001.0, environ=environ)
    assert "cannot list them yet" in str(caught.value)
    assert code in str(caught.value)

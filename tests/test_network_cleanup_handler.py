"""The network clean-up handler of LabRdsMysql (lab_constructs/handlers/network_cleanup).

moto (in-process) fakes EC2 network interfaces with tags, the `vpc-id` and `tag-key` filters
and their deletion, and RDS instances in DB subnet groups; an interface attached to an
environment ('in-use') comes from botocore's Stubber, which moto cannot make without an
instance.

What the handler acts on is its environment (set at deploy time), never the event: an event
naming another lab's subnet group deletes nothing of that lab.
"""

import boto3
import pytest
from botocore.stub import Stubber

from lab_constructs.handlers.network_cleanup import index as handler
from tests.labcheck_builds.rds_mysql import db_instance, lab_network
from tests.stubs import offline_client

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

STARTED = 1_000_000.0
TIMEOUT_SECONDS = 1200


def delete_event(vpc: str, deadline: float = STARTED + TIMEOUT_SECONDS) -> dict:
    return {
        "RequestType": "Delete",
        "PhysicalResourceId": vpc,
        "ResourceProperties": {"TimeoutSeconds": str(TIMEOUT_SECONDS)},
        handler.DEADLINE_KEY: deadline,
    }


def environment(
    vpc: str, subnet_group: str = "", keep: tuple[str, ...] = (), groups: tuple[str, ...] = ()
) -> dict[str, str]:
    """The function's environment, as lab_constructs/network_cleanup.py sets it at deploy."""
    variables = {
        "LAB_VPC_ID": vpc,
        "LAB_DB_SUBNET_GROUP": subnet_group,
        "LAB_KEEP_DB_INSTANCES": ",".join(keep),
    }
    return variables | ({"LAB_INTERFACE_SECURITY_GROUPS": ",".join(groups)} if groups else {})


def run(client, event, now=STARTED, rds=None, env=None) -> dict:
    env = env or environment(event["PhysicalResourceId"])
    return handler.is_complete(event, None, ec2=client, rds=rds, now=lambda: now, environ=env)


@pytest.fixture
def ec2(account):
    return account.client("ec2")


def interface(ec2, vpc_cidr: str, tags: dict[str, str]) -> tuple[str, str]:
    """A VPC with one subnet and one interface tagged `tags`: (vpc id, interface id)."""
    vpc = ec2.create_vpc(CidrBlock=vpc_cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=vpc_cidr.replace("/16", "/24"))
    eni = ec2.create_network_interface(
        SubnetId=subnet["Subnet"]["SubnetId"],
        TagSpecifications=[
            {
                "ResourceType": "network-interface",
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ],
    )["NetworkInterface"]["NetworkInterfaceId"]
    return vpc, eni


def existing(ec2) -> set[str]:
    return {
        eni["NetworkInterfaceId"] for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]
    }


def test_create_names_the_vpc_of_its_environment_as_physical_id():
    event = {"RequestType": "Create", "ResourceProperties": {"VpcId": "vpc-of-the-event"}}
    assert handler.on_event(event, environ=environment("vpc-1")) == {"PhysicalResourceId": "vpc-1"}


def test_delete_sets_the_deadline():
    event = delete_event("vpc-1")
    del event[handler.DEADLINE_KEY]
    result = handler.on_event(event, now=lambda: STARTED, environ=environment("vpc-1"))
    assert result == {"PhysicalResourceId": "vpc-1", handler.DEADLINE_KEY: STARTED + 1200}


def test_detached_cloudshell_interfaces_of_the_lab_vpc_are_deleted_nothing_else(ec2):
    lab_vpc, leftover = interface(ec2, "10.1.0.0/16", {"ManagedByCloudShell": "true"})
    _, other_vpcs = interface(ec2, "10.2.0.0/16", {"ManagedByCloudShell": "true"})
    lab_subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [lab_vpc]}])
    untagged = ec2.create_network_interface(SubnetId=lab_subnet["Subnets"][0]["SubnetId"])
    untagged_id = untagged["NetworkInterface"]["NetworkInterfaceId"]

    assert run(ec2, delete_event(lab_vpc)) == {"IsComplete": True}

    left = existing(ec2)
    assert leftover not in left, "the detached CloudShell interface of the lab's VPC is gone"
    assert other_vpcs in left, "another VPC's CloudShell interface is never touched"
    assert untagged_id in left, "an interface without the CloudShell tag is never touched"


def test_a_vpc_without_cloudshell_interfaces_is_complete_at_once(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    assert run(ec2, delete_event(vpc)) == {"IsComplete": True}


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_touch_nothing(request_type):
    client = offline_client("ec2")
    with Stubber(client):  # no response queued: any EC2 call would fail
        event = {**delete_event("vpc-1"), "RequestType": request_type}
        assert run(client, event) == {"IsComplete": True}


def stubbed_ec2():
    client = offline_client("ec2")
    return client, Stubber(client)


def expect_listing(stubber, vpc: str, *interfaces: tuple[str, str]) -> None:
    stubber.add_response(
        "describe_network_interfaces",
        {
            "NetworkInterfaces": [
                {"NetworkInterfaceId": eni, "Status": status, "VpcId": vpc}
                for eni, status in interfaces
            ]
        },
        {
            "Filters": [
                {"Name": "vpc-id", "Values": [vpc]},
                {"Name": "tag-key", "Values": ["ManagedByCloudShell"]},
            ]
        },
    )


def test_an_attached_interface_is_waited_for_then_deleted():
    client, stubber = stubbed_ec2()
    expect_listing(stubber, "vpc-1", ("eni-1", "in-use"))
    expect_listing(stubber, "vpc-1", ("eni-1", "available"))
    stubber.add_response("delete_network_interface", {}, {"NetworkInterfaceId": "eni-1"})
    with stubber:
        assert [run(client, delete_event("vpc-1"))["IsComplete"] for _ in range(2)] == [
            False,
            True,
        ]
        stubber.assert_no_pending_responses()


def test_throttling_is_retried_at_the_next_poll():
    client, stubber = stubbed_ec2()
    stubber.add_client_error(
        "describe_network_interfaces", "RequestLimitExceeded", "Request limit exceeded."
    )
    expect_listing(stubber, "vpc-1")
    with stubber:
        assert [run(client, delete_event("vpc-1"))["IsComplete"] for _ in range(2)] == [
            False,
            True,
        ]


def test_the_deadline_names_each_interface_left_and_what_to_do():
    client, stubber = stubbed_ec2()
    expect_listing(stubber, "vpc-1", ("eni-1", "in-use"))
    with stubber, pytest.raises(handler.CleanupError) as failure:
        run(client, delete_event("vpc-1", deadline=STARTED - 1))
    message = str(failure.value)
    assert "eni-1 (in-use: still attached to a CloudShell VPC environment)" in message
    assert "Delete your CloudShell VPC environment" in message
    assert "vpc-1" in message


# --- DB instances made by hand in the lab's DB subnet group ------------------------------


def test_a_replica_made_by_hand_in_the_lab_network_is_deleted_the_stacks_own_kept(account):
    ec2, rds = account.client("ec2"), account.client("rds")
    groups = ("ana-labrdsmysql-subnets", "ben-labrdsmysql-subnets")
    vpc = lab_network(rds, ec2, *groups, cidr="10.4")
    db_instance(rds, "ana-lab-rds-mysql", "ana-labrdsmysql-subnets")  # the stack's own
    db_instance(rds, "my-replica", "ana-labrdsmysql-subnets")  # made by hand
    db_instance(rds, "ben-lab-rds-mysql", "ben-labrdsmysql-subnets")  # another lab's
    env = environment(vpc, "ana-labrdsmysql-subnets", keep=("ana-lab-rds-mysql",))

    run(ec2, delete_event(vpc), rds=rds, env=env)

    left = {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]}
    assert "my-replica" not in left, "the replica made by hand is deleted"
    assert {"ana-lab-rds-mysql", "ben-lab-rds-mysql"} <= left, "nothing else is touched"


def test_an_event_naming_another_labs_subnet_group_deletes_nothing_of_that_lab(account):
    """Issue 25, path 3: ana invoked her clean-up with ben's subnet group in the event's
    ResourceProperties, and ben's database was deleted. The names are the environment's."""
    ec2, rds = account.client("ec2"), account.client("rds")
    groups = ("ana-labrdsmysql-subnets", "ben-labrdsmysql-subnets")
    vpc = lab_network(rds, ec2, *groups, cidr="10.5")
    db_instance(rds, "ana-lab-rds-mysql", "ana-labrdsmysql-subnets")
    db_instance(rds, "ben-lab-rds-mysql", "ben-labrdsmysql-subnets")
    event = delete_event(vpc)
    event["ResourceProperties"] |= {
        "VpcId": vpc,
        "DbSubnetGroupName": "ben-labrdsmysql-subnets",
        "KeepDbInstances": [],
    }
    env = environment(vpc, "ana-labrdsmysql-subnets", keep=("ana-lab-rds-mysql",))

    assert run(ec2, event, rds=rds, env=env) == {"IsComplete": True}

    left = {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]}
    assert left == {"ana-lab-rds-mysql", "ben-lab-rds-mysql"}


def test_an_instance_still_being_deleted_is_waited_for_and_named_at_the_deadline():
    rds = boto3.client(
        "rds", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    ec2, ec2_stubber = stubbed_ec2()
    expect_listing(ec2_stubber, "vpc-1")
    with Stubber(rds) as rds_stubber, ec2_stubber:
        rds_stubber.add_response(
            "describe_db_instances",
            {
                "DBInstances": [
                    {
                        "DBInstanceIdentifier": "my-replica",
                        "DBInstanceStatus": "deleting",
                        "DBSubnetGroup": {"DBSubnetGroupName": "lab-subnets"},
                    }
                ]
            },
            {},
        )
        event = delete_event("vpc-1", deadline=STARTED - 1)
        with pytest.raises(handler.CleanupError, match=r"DB instance my-replica \(deleting\)"):
            run(ec2, event, rds=rds, env=environment("vpc-1", "lab-subnets"))


def test_in_a_shared_network_only_the_participants_own_cloudshell_interfaces_count(ec2):
    """The course network (-c shared_network=true): another participant's CloudShell
    environment, open or left, is theirs; only interfaces in this stack's groups are handled."""
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    groups = {
        name: ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        for name in ("ana-cloudshell", "ben-cloudshell")
    }
    interfaces = {
        name: ec2.create_network_interface(
            SubnetId=subnet,
            Groups=[group],
            TagSpecifications=[
                {
                    "ResourceType": "network-interface",
                    "Tags": [{"Key": "ManagedByCloudShell", "Value": ""}],
                }
            ],
        )["NetworkInterface"]["NetworkInterfaceId"]
        for name, group in groups.items()
    }
    env = environment(vpc, groups=(groups["ana-cloudshell"],))

    assert run(ec2, delete_event(vpc), env=env) == {"IsComplete": True}

    left = existing(ec2)
    assert interfaces["ana-cloudshell"] not in left
    assert interfaces["ben-cloudshell"] in left, "another participant's interface is kept"

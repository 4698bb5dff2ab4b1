"""LabNetworkCleanup on its own: deleted, and so run, before the network; touches leftovers only.

The handler's behaviour: test_network_cleanup_handler.py; its Provider: test_waiting_provider.py.
The lab test (test_rds_mysql.py) asserts what LabRdsMysql hands it (its groups, its instances).
"""

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from lab_constructs import LabVpc
from lab_constructs.network_cleanup import LabNetworkCleanup
from tests.lab_constructs.helpers import acknowledgements, bare_stack
from tests.templates import of_type, only, role_statements

RDS_ACTIONS = str(["rds:DeleteDBInstance", "rds:DescribeDBInstances"])


def _stack(only_shell_interfaces: bool = False):
    def build(stack):
        vpc = LabVpc(stack, "Network", public_subnets=False).vpc
        database = ec2.SecurityGroup(stack, "DatabaseGroup", vpc=vpc)
        shell = ec2.SecurityGroup(stack, "ShellGroup", vpc=vpc)
        subnets = rds.SubnetGroup(
            stack,
            "DbSubnets",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            description="Lab subnets",
        )
        LabNetworkCleanup(
            stack,
            "Cleanup",
            vpc=vpc,
            security_groups=[database, shell],
            db_subnet_group=subnets,
            keep_db_instances=["lab-db", "lab-db-replica"],
            only_interfaces_in=[shell] if only_shell_interfaces else (),
        )

    return bare_stack(build)


@pytest.fixture(scope="module")
def stack():
    return _stack()


def _ids(template: dict, *types: str) -> set[str]:
    return {k for k, r in template["Resources"].items() if r["Type"] in types}


def test_it_is_deleted_before_the_vpc_its_subnets_groups_and_db_subnet_group(template):
    _, cleanup = only(template, "Custom::LabNetworkCleanup")
    network = _ids(
        template,
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup",
        "AWS::RDS::DBSubnetGroup",
    )
    assert len(network) == 1 + 2 + 2 + 2 + 1
    assert network <= set(cleanup["DependsOn"])
    assert cleanup["DeletionPolicy"] == "Delete"


def test_it_names_the_vpc_the_subnet_group_the_kept_instances_and_a_40_minute_deadline(template):
    (vpc_id,) = _ids(template, "AWS::EC2::VPC")
    (subnet_group_id,) = _ids(template, "AWS::RDS::DBSubnetGroup")
    _, cleanup = only(template, "Custom::LabNetworkCleanup")
    properties = {
        k: v
        for k, v in cleanup["Properties"].items()
        if k not in ("ServiceToken", "ServiceTimeout")
    }
    assert properties == {
        "VpcId": {"Ref": vpc_id},
        "DbSubnetGroupName": {"Ref": subnet_group_id},
        "KeepDbInstances": ["lab-db", "lab-db-replica"],
        "TimeoutSeconds": "2400",
    }, "no InterfaceSecurityGroupIds: every CloudShell interface of the lab's own VPC"


def test_in_a_shared_vpc_only_the_interfaces_in_the_given_groups_are_touched():
    template = Template.from_stack(_stack(only_shell_interfaces=True)).to_json()
    _, cleanup = only(template, "Custom::LabNetworkCleanup")
    (shell_id,) = [k for k in _ids(template, "AWS::EC2::SecurityGroup") if "Shell" in k]
    assert cleanup["Properties"]["InterfaceSecurityGroupIds"] == [
        {"Fn::GetAtt": [shell_id, "GroupId"]}
    ]


def test_the_waiter_polls_every_30_seconds_for_45_minutes(template):
    _, waiter = only(template, "AWS::StepFunctions::StateMachine")
    definition = "".join(
        p for p in waiter["Properties"]["DefinitionString"]["Fn::Join"][1] if isinstance(p, str)
    )
    assert '"IntervalSeconds":30,"MaxAttempts":90,' in definition, "after the handler's 40"


def _handler_statements(template: dict) -> list[dict]:
    (role_id,) = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "index.is_complete"
    ]
    return [
        s
        for s in role_statements(template["Resources"], role_id)
        if not str(s["Action"]).startswith("['logs:")
    ]


def test_the_handler_may_delete_tagged_interfaces_of_this_vpc_and_db_instances_only(template):
    (vpc_id,) = _ids(template, "AWS::EC2::VPC")
    by_action = {str(s["Action"]): s for s in _handler_statements(template)}
    assert set(by_action) == {
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        RDS_ACTIONS,
    }
    assert by_action["ec2:DescribeNetworkInterfaces"]["Resource"] == "*"
    delete = by_action["ec2:DeleteNetworkInterface"]
    assert delete["Resource"]["Fn::Join"][1][-1] == ":network-interface/*"
    assert delete["Condition"]["Null"] == {"aws:ResourceTag/ManagedByCloudShell": "false"}
    vpc_arn = delete["Condition"]["ArnEquals"]["ec2:Vpc"]["Fn::Join"][1]
    assert ":ec2:" in vpc_arn[2]
    assert vpc_arn[-2:] == [":vpc/", {"Ref": vpc_id}]
    rds_resource = by_action[RDS_ACTIONS]["Resource"]
    assert rds_resource["Fn::Join"][1][-1] == ":db:*", "names made by hand are unknown at deploy"


def test_the_wildcards_are_acknowledged_on_the_handlers_role_with_reasons(stack):
    acks = acknowledgements(stack)["Cleanup/IsCompleteRole"]
    prefix = "AwsSolutions::AwsSolutions-IAM5[Resource::"
    account = "<AWS::Partition>:{}:<AWS::Region>:<AWS::AccountId>"
    assert set(acks) == {
        f"{prefix}*]",
        f"{prefix}arn:{account.format('ec2')}:network-interface/*]",
        f"{prefix}arn:{account.format('rds')}:db:*]",
    }
    assert all(reason.strip() for reason in acks.values())

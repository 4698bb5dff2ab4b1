"""LabNetworkCleanup on its own: deleted, and so run, before the network; touches leftovers only.

The handler's behaviour: test_network_cleanup_handler.py; its Provider: test_waiting_provider.py.
The lab test (test_rds_mysql.py) asserts what LabRdsMysql hands it (its groups, its instances).
What the handler's role may delete is judged by tests/iam_evaluation.py on its policy as
synthesized (template assertions alone would prove only the template).
"""

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from lab_constructs import LabVpc
from lab_constructs.network_cleanup import LabNetworkCleanup
from tests.iam_evaluation import Principal, Request, evaluate
from tests.lab_constructs.helpers import acknowledgements, bare_stack
from tests.templates import ACCOUNT, REGION, of_type, only, resolve, role_statements


def _stack(only_shell_interfaces: bool = False, participant: str | None = None):
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
            participant=participant,
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


def _environments(template: dict) -> dict[str, dict]:
    """The two handlers' environments, by entry point."""
    return {
        f["Properties"]["Handler"]: f["Properties"]["Environment"]["Variables"]
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("index.")
    }


def test_the_handlers_environment_names_the_vpc_subnet_group_and_kept_instances(template):
    """Fixed at deploy time: the handler never takes a name from the invoking event."""
    (vpc_id,) = _ids(template, "AWS::EC2::VPC")
    (subnet_group_id,) = _ids(template, "AWS::RDS::DBSubnetGroup")
    environments = _environments(template)
    assert set(environments) == {"index.on_event", "index.is_complete"}
    for environment in environments.values():
        assert environment == {
            "LAB_VPC_ID": {"Ref": vpc_id},
            "LAB_DB_SUBNET_GROUP": {"Ref": subnet_group_id},
            "LAB_KEEP_DB_INSTANCES": "lab-db,lab-db-replica",
        }, "no LAB_INTERFACE_SECURITY_GROUPS: every CloudShell interface of the lab's own VPC"


def test_the_custom_resource_names_nothing_but_a_40_minute_deadline(template):
    _, cleanup = only(template, "Custom::LabNetworkCleanup")
    properties = {
        k: v
        for k, v in cleanup["Properties"].items()
        if k not in ("ServiceToken", "ServiceTimeout")
    }
    assert properties == {"TimeoutSeconds": "2400"}


def test_in_a_shared_vpc_only_the_interfaces_in_the_given_groups_are_touched():
    template = Template.from_stack(_stack(only_shell_interfaces=True)).to_json()
    (shell_id,) = [k for k in _ids(template, "AWS::EC2::SecurityGroup") if "Shell" in k]
    for environment in _environments(template).values():
        assert environment["LAB_INTERFACE_SECURITY_GROUPS"] == {"Fn::GetAtt": [shell_id, "GroupId"]}


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


def test_the_handler_may_delete_tagged_interfaces_of_this_vpc_only(template):
    (vpc_id,) = _ids(template, "AWS::EC2::VPC")
    by_action = {str(s["Action"]): s for s in _handler_statements(template)}
    assert {"ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"} <= set(by_action)
    assert by_action["ec2:DescribeNetworkInterfaces"]["Resource"] == "*"
    delete = by_action["ec2:DeleteNetworkInterface"]
    assert delete["Resource"]["Fn::Join"][1][-1] == ":network-interface/*"
    assert delete["Condition"]["Null"] == {"aws:ResourceTag/ManagedByCloudShell": "false"}
    vpc_arn = delete["Condition"]["ArnEquals"]["ec2:Vpc"]["Fn::Join"][1]
    assert ":ec2:" in vpc_arn[2]
    assert vpc_arn[-2:] == [":vpc/", {"Ref": vpc_id}]


def _handler_role(template: dict) -> Principal:
    """The is-complete handler's role, its policy resolved (tests/templates.resolve)."""

    def resolved(value):
        if isinstance(value, dict) and not {"Fn::Join", "Ref", "Fn::GetAtt"} & set(value):
            return {k: resolved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolved(v) for v in value]
        return resolve(value) if isinstance(value, dict) else value

    document = {"Statement": [resolved(s) for s in _handler_statements(template)]}
    return Principal(f"arn:aws:iam::{ACCOUNT}:role/cleanup", [document])


def _delete_db(name: str, **tags: str) -> Request:
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{name}"
    return Request(
        "rds:DeleteDBInstance", arn, {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
    )


@pytest.mark.parametrize(
    ("name", "tags", "allowed"),
    [
        ("ana-my-replica", {}, True),
        ("ana-lab-rds-mysql-replica-cli", {"participant": "ana"}, True),
        ("ben-lab-rds-mysql", {"participant": "ben"}, False),
        ("ben-lab-rds-mysql", {}, False),
        ("lab-rds-mysql", {"managed-by": "course-labs-cdk"}, False),
    ],
)
def test_a_participants_clean_up_may_delete_their_instances_only(name, tags, allowed):
    """Judged by tests/iam_evaluation.py: in ana's stack, the role's policy names ana-* only,
    whatever an invoking event might say."""
    template = Template.from_stack(_stack(participant="ana")).to_json()
    decision = evaluate(_handler_role(template), _delete_db(name, **tags))
    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [({}, True), ({"managed-by": "course-labs-cdk"}, True), ({"participant": "ben"}, False)],
)
def test_the_trainers_clean_up_never_deletes_a_participants_instance(template, tags, allowed):
    """Judged by tests/iam_evaluation.py: without a participant, the role may delete any
    instance (a replica by hand has any name) but none tagged for a participant."""
    decision = evaluate(_handler_role(template), _delete_db("my-replica", **tags))
    assert decision.allowed is allowed, decision.reason


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
    participants = acknowledgements(_stack(participant="ana"))["Cleanup/IsCompleteRole"]
    assert f"{prefix}arn:{account.format('rds')}:db:ana-*]" in participants

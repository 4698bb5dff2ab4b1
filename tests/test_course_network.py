"""The shared course network (issue #19): `-c shared_network=true` and the CourseNetwork stack.

Participants' LabRdsMysql stacks share the course VPC and nothing else: each keeps its own
security groups, DB subnet group, key, secret and names. The network on its own:
tests/lab_constructs/test_course_network.py; its guard's handler:
tests/test_course_network_guard_handler.py.
"""

from __future__ import annotations

import json

import pytest

from course.config import ContextError, LabSettings
from tests.synth import synthesized
from tests.templates import handler_environment

LAB = "LabRdsMysql"
NETWORK = "CourseNetwork"
VPC_PARAMETER = "/course-labs/network/vpc-id"
SUBNETS_PARAMETER = "/course-labs/network/isolated-subnet-ids"


@pytest.fixture(scope="module")
def class_synth():
    """A class of two in the course network, as `make class-up SHARED_NETWORK=1` synthesizes it."""
    return synthesized(lab=LAB, participants="ana,ben", shared_network="true")


def artifact(synth, participant: str) -> str:
    """The artifact id of the participant's LabRdsMysql in a class synth (a hashed id)."""
    (found,) = [a for a in synth.stacks if synth.stack_name(a) == f"{participant}-{LAB}"]
    return found


def resources(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def ssm_parameter_refs(template: dict) -> dict[str, str]:
    """CloudFormation parameter id -> the SSM parameter name it reads at deploy time."""
    return {
        key: parameter["Default"]
        for key, parameter in template.get("Parameters", {}).items()
        if parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
        and parameter["Default"].startswith("/course-labs/")
    }


# --- the participant's stack -------------------------------------------------------------------


@pytest.mark.parametrize("participant", ["ana", "ben"])
def test_a_participants_rds_stack_builds_no_network_of_its_own(class_synth, participant):
    template = class_synth.template(artifact(class_synth, participant))
    for network_type in (
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCEndpoint",
        "AWS::EC2::FlowLog",
        "AWS::EC2::RouteTable",
    ):
        assert resources(template, network_type) == {}, f"{participant}: {network_type}"
    assert set(ssm_parameter_refs(template).values()) == {VPC_PARAMETER, SUBNETS_PARAMETER}


def test_each_participant_has_their_own_security_groups_and_subnet_group_in_the_course_vpc(
    class_synth,
):
    for participant in ("ana", "ben"):
        template = class_synth.template(artifact(class_synth, participant))
        refs = {v: k for k, v in ssm_parameter_refs(template).items()}
        groups = resources(template, "AWS::EC2::SecurityGroup")
        assert len(groups) == 2, "the database's and the CloudShell environment's"
        for group in groups.values():
            assert group["Properties"]["VpcId"] == {"Ref": refs[VPC_PARAMETER]}
        (subnet_group,) = resources(template, "AWS::RDS::DBSubnetGroup").values()
        subnet_ids = subnet_group["Properties"]["SubnetIds"]
        assert subnet_ids == [
            {"Fn::Select": [i, {"Fn::Split": [",", {"Ref": refs[SUBNETS_PARAMETER]}]}]}
            for i in range(2)
        ]


def test_participants_share_nothing_but_the_network(class_synth):
    ana, ben = (class_synth.template(artifact(class_synth, p)) for p in ("ana", "ben"))
    identifiers = [
        next(iter(resources(t, "AWS::RDS::DBInstance").values()))["Properties"][
            "DBInstanceIdentifier"
        ]
        for t in (ana, ben)
    ]
    assert identifiers == ["ana-lab-rds-mysql", "ben-lab-rds-mysql"]
    # What the two templates both name: only the network's SSM parameters.
    assert set(ssm_parameter_refs(ana).values()) == set(ssm_parameter_refs(ben).values())
    for template in (ana, ben):
        assert resources(template, "AWS::SSM::Parameter") == {}, "the network's, not theirs"
        assert "Fn::ImportValue" not in json.dumps(template), "no export would pin the network"


def test_the_network_clean_up_touches_only_the_participants_cloudshell_interfaces(class_synth):
    template = class_synth.template(artifact(class_synth, "ana"))
    groups = handler_environment(template, "LAB_VPC_ID")["LAB_INTERFACE_SECURITY_GROUPS"]
    assert set(groups) == {"Fn::GetAtt"}, "one security group"
    assert "CloudShellSecurityGroup" in groups["Fn::GetAtt"][0]


def test_a_lab_network_of_its_own_cleans_every_cloudshell_interface_of_its_vpc():
    template = synthesized(participant="ana").template(LAB)
    assert "LAB_INTERFACE_SECURITY_GROUPS" not in handler_environment(template, "LAB_VPC_ID")
    assert len(resources(template, "AWS::EC2::VPC")) == 1


# --- the CourseNetwork stack ---------------------------------------------------------------------


def test_the_network_is_built_only_in_the_trainers_app(synth, class_synth):
    assert synth.stack_name(NETWORK) == "CourseNetwork"
    assert NETWORK not in synthesized(participant="ana").stacks
    assert NETWORK not in class_synth.stacks


# --- the option --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "problem"),
    [
        ({"shared_network": "yes"}, "invalid context shared_network='yes': use true or false"),
        ({"shared_network": ""}, "invalid context shared_network='': empty"),
        (
            {"shared_network": "true", "db_public_access_cidr": "203.0.113.7/32"},
            "invalid context shared_network='true': the course network has no public subnets",
        ),
    ],
)
def test_shared_network_is_validated_like_every_option(context, problem):
    with pytest.raises(ContextError) as caught:
        LabSettings.from_context(context.get)
    assert str(caught.value).startswith(problem)


def test_shared_network_is_off_by_default():
    assert LabSettings.from_context({}.get).shared_network is False
    assert LabSettings.from_context({"shared_network": "TRUE"}.get).shared_network is True

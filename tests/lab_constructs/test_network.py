"""LabVpc on its own: two AZs, no NAT, public subnets only on request, flow logs, default SG closed.

The lab test (test_rds_mysql.py) asserts how LabRdsMysql uses it (public subnets with public
access only).
"""

import pytest

from lab_constructs import LabVpc
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type, only


@pytest.fixture(scope="module", params=[False, True], ids=["isolated", "public"])
def built(request) -> tuple[bool, dict]:
    """(public_subnets, template)."""
    public = request.param
    return public, bare_template(lambda stack: LabVpc(stack, "Network", public_subnets=public))


def _types(template: dict) -> set[str]:
    return {r["Type"] for r in template["Resources"].values()}


def test_no_nat_gateway_and_no_elastic_ip(built):
    _, template = built
    assert "AWS::EC2::NatGateway" not in _types(template), "a NAT gateway costs about $33 a month"
    assert "AWS::EC2::EIP" not in _types(template)


def test_two_azs_from_get_azs_without_lookups_and_24_bit_subnets(built):
    public, template = built
    subnets = of_type(template, "AWS::EC2::Subnet").values()
    assert len(subnets) == (4 if public else 2), "one subnet per AZ and kind"
    assert {str(s["Properties"]["AvailabilityZone"]) for s in subnets} == {
        str({"Fn::Select": [i, {"Fn::GetAZs": ""}]}) for i in range(2)
    }, "AZs come from Fn::GetAZs, never from a context lookup"
    assert {s["Properties"]["CidrBlock"].split("/")[1] for s in subnets} == {"24"}
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets)


def test_no_internet_gateway_unless_public_subnets_are_asked_for(built):
    public, template = built
    gateways = of_type(template, "AWS::EC2::InternetGateway")
    routes = [
        r["Properties"]
        for r in of_type(template, "AWS::EC2::Route").values()
        if "GatewayId" in r["Properties"]
    ]
    if not public:
        assert gateways == {}
        assert routes == []
        return
    (gateway_id,) = gateways
    assert len(routes) == 2, "one default route per public subnet"
    assert {(r["DestinationCidrBlock"], r["GatewayId"]["Ref"]) for r in routes} == {
        ("0.0.0.0/0", gateway_id)
    }


def test_flow_logs_of_all_traffic_go_to_a_7_day_group_destroyed_with_the_stack(built):
    _, template = built
    vpc_id, _ = only(template, "AWS::EC2::VPC")
    _, flow_log = only(template, "AWS::EC2::FlowLog")
    assert flow_log["Properties"]["ResourceId"] == {"Ref": vpc_id}
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    group = template["Resources"][flow_log["Properties"]["LogGroupName"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"


def test_the_default_security_group_is_stripped_by_a_helper_that_logs_to_a_7_day_group(built):
    _, template = built
    vpc_id, _ = only(template, "AWS::EC2::VPC")
    _, restrict = only(template, "Custom::VpcRestrictDefaultSG")
    assert restrict["Properties"]["DefaultSecurityGroupId"] == {
        "Fn::GetAtt": [vpc_id, "DefaultSecurityGroup"]
    }
    helper = template["Resources"][restrict["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    group = template["Resources"][helper["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"

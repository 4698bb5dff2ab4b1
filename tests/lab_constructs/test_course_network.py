"""CourseNetwork and shared_vpc on their own: one VPC published in SSM, read back at deploy."""

from aws_cdk import aws_ec2 as ec2

from lab_constructs.course_network import CourseNetwork, shared_vpc
from lab_constructs.network import ISOLATED_SUBNETS
from tests.lab_constructs.helpers import bare_template
from tests.templates import dependencies, of_type, only, role_statements

VPC_PARAMETER = "/course-labs/network/vpc-id"
SUBNETS_PARAMETER = "/course-labs/network/isolated-subnet-ids"


def _network() -> dict:
    return bare_template(lambda stack: CourseNetwork(stack, "CourseNetwork"))


def test_the_network_publishes_its_vpc_and_its_two_isolated_subnets():
    template = _network()
    vpc_id, _ = only(template, "AWS::EC2::VPC")
    subnets = of_type(template, "AWS::EC2::Subnet")
    assert len(subnets) == 2
    parameters = {
        p["Properties"]["Name"]: p["Properties"]["Value"]
        for p in of_type(template, "AWS::SSM::Parameter").values()
    }
    assert parameters[VPC_PARAMETER] == {"Ref": vpc_id}
    assert parameters[SUBNETS_PARAMETER] == {"Fn::Join": [",", [{"Ref": s} for s in subnets]]}


def test_no_internet_gateway_no_nat_one_free_s3_endpoint():
    template = _network()
    assert of_type(template, "AWS::EC2::InternetGateway") == {}
    assert of_type(template, "AWS::EC2::NatGateway") == {}
    _, endpoint = only(template, "AWS::EC2::VPCEndpoint")
    assert endpoint["Properties"]["VpcEndpointType"] == "Gateway"


def test_the_guard_waits_for_participants_before_the_network_goes():
    template = _network()
    vpc_id, _ = only(template, "AWS::EC2::VPC")
    _, guard = only(template, "Custom::CourseNetworkGuard")
    assert guard["Properties"]["TimeoutSeconds"] == "1800"  # 30 minutes
    assert "VpcId" not in guard["Properties"], "the VPC is no event's to name"
    handlers = {
        function["Properties"]["Handler"]: function["Properties"]["Environment"]["Variables"]
        for function in of_type(template, "AWS::Lambda::Function").values()
        if function["Properties"].get("Handler", "").startswith("index.")
    }
    assert handlers == {
        "index.on_event": {"COURSE_VPC_ID": {"Ref": vpc_id}},
        "index.is_complete": {"COURSE_VPC_ID": {"Ref": vpc_id}},
    }, "both handlers guard the VPC fixed at deploy time"
    assert {vpc_id, *of_type(template, "AWS::EC2::Subnet")} <= set(guard["DependsOn"])
    (role_id,) = [
        function["Properties"]["Role"]["Fn::GetAtt"][0]
        for function in of_type(template, "AWS::Lambda::Function").values()
        if function["Properties"].get("Handler") == "index.is_complete"
    ]
    actions: set[str] = set()
    for statement in role_statements(template["Resources"], role_id):
        found = statement["Action"]
        actions |= {found} if isinstance(found, str) else set(found)
    assert {action for action in actions if not action.startswith("logs:")} == {
        "rds:DescribeDBInstances",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
    }, "reads only, what blocks deleting the VPC"


def test_the_network_and_its_parameters_outlive_the_guard():
    """CloudFormation deletes a resource only after every resource that depends on it: the
    guard, which waits for participants' databases, goes first. If it times out, the VPC and
    the SSM parameters participants' stacks read are all still there."""
    template = _network()
    guard_id, _ = only(template, "Custom::CourseNetworkGuard")
    after_the_guard = dependencies(template, guard_id)
    network = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"].startswith(("AWS::EC2::", "AWS::SSM::"))
    }
    assert of_type(template, "AWS::SSM::Parameter").keys() <= network
    assert network - after_the_guard == set()


def test_shared_vpc_reads_the_network_at_deploy_time_and_builds_nothing():
    found = {}

    def build(stack):
        vpc = shared_vpc(stack, "Network")
        found["subnets"] = vpc.select_subnets(subnet_group_name=ISOLATED_SUBNETS).subnet_ids
        ec2.SecurityGroup(stack, "Group", vpc=vpc)

    template = bare_template(build)
    assert len(found["subnets"]) == 2
    parameters = {
        k: p["Default"]
        for k, p in template["Parameters"].items()
        if p["Type"] == "AWS::SSM::Parameter::Value<String>" and p["Default"].startswith("/course")
    }
    assert sorted(parameters.values()) == [SUBNETS_PARAMETER, VPC_PARAMETER]
    vpc_parameter = next(k for k, v in parameters.items() if v == VPC_PARAMETER)
    _, group = only(template, "AWS::EC2::SecurityGroup")
    assert group["Properties"]["VpcId"] == {"Ref": vpc_parameter}
    assert set(r["Type"] for r in template["Resources"].values()) == {"AWS::EC2::SecurityGroup"}

"""The course network: one VPC per account that every participant's LabRdsMysql shares.

`-c shared_network=true` (course/config.py). A VPC per participant hits the default quota of
5 VPCs per region at the sixth participant; with the course network a class of 30 needs one.

How the participants' stacks find it: the network publishes its VPC id and isolated subnet ids
as SSM parameters (`/course-labs/network/...`), and a participant's stack reads them at deploy
time (CloudFormation parameters of type `AWS::SSM::Parameter::Value<String>`, CDK's
`StringParameter.value_for_string_parameter`). Decided over the alternatives:
- not CloudFormation exports (`Fn::ImportValue`): an export in use cannot be deleted, so the
  network's stack could not even be updated while any participant's stack exists;
- not `Vpc.from_lookup`: it needs credentials at synth and an account-bound stack, and the
  class is one environment-agnostic synth for every account (classroom/run.py).
A participant's stack deployed before the network fails at once, before it creates anything
(CloudFormation cannot resolve the parameter): deploy `CourseNetwork` first.

Tear-down: the network must outlive what participants put in it. `CourseNetworkGuard` (handler
`handlers/course_network_guard/`) depends on the VPC and on the SSM parameters, so
CloudFormation deletes it first; it waits, up to `GUARD_TIMEOUT`, until no DB instance, no
security group (but the VPC's default one) and no network interface (a database's, a CloudShell
VPC environment's) is left in the VPC, then lets CloudFormation delete the network. At the
deadline the deletion fails naming what is still there, with nothing of the network deleted,
parameters included: participants' stacks can still be updated and deleted.
"""

from __future__ import annotations

from aws_cdk import Annotations, CustomResource, Duration, Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from course.names import COURSE_NETWORK_SUBNETS_PARAMETER, COURSE_NETWORK_VPC_PARAMETER
from lab_constructs.nag import acknowledge
from lab_constructs.network import AZS, ISOLATED_SUBNETS, LabVpc
from lab_constructs.network_cleanup import ANY_DB_INSTANCE_FINDING, any_db_instance
from lab_constructs.waiting_provider import waiting_provider

VPC_ID_PARAMETER = COURSE_NETWORK_VPC_PARAMETER
SUBNET_IDS_PARAMETER = COURSE_NETWORK_SUBNETS_PARAMETER
# A class-down of LabRdsMysql takes 10-20 minutes: the guard waits that long (CloudFormation
# gives a custom resource an hour at most), then fails naming what is left.
GUARD_TIMEOUT = Duration.minutes(30)
GUARD_WAITER_TIMEOUT = Duration.minutes(35)
GUARD_POLL_INTERVAL = Duration.seconds(30)
GUARD_RESOURCE_TYPE = "Custom::CourseNetworkGuard"


class CourseNetwork(Construct):
    """A `LabVpc` (isolated subnets only, no NAT, flow logs), its free S3 gateway endpoint,
    the SSM parameters participants' stacks read, and the guard that holds back its deletion
    while participants' DB instances, security groups or network interfaces are in it.

    Attributes:
        vpc: the course VPC.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = LabVpc(self, "Network", public_subnets=False).vpc
        isolated = ec2.SubnetSelection(subnet_group_name=ISOLATED_SUBNETS)
        # Once for the class: the S3 gateway endpoint a CloudShell VPC environment installs the
        # MySQL client through (stacks/rds_mysql.py adds it to a network of its own).
        self.vpc.add_gateway_endpoint(
            "S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[isolated]
        )
        vpc_parameter = ssm.StringParameter(
            self,
            "VpcIdParameter",
            parameter_name=VPC_ID_PARAMETER,
            string_value=self.vpc.vpc_id,
            description="The course network's VPC (LabRdsMysql with -c shared_network=true)",
        )
        subnet_ids = self.vpc.select_subnets(subnet_group_name=ISOLATED_SUBNETS).subnet_ids
        subnets_parameter = ssm.StringParameter(
            self,
            "SubnetIdsParameter",
            parameter_name=SUBNET_IDS_PARAMETER,
            string_value=Fn.join(",", subnet_ids),
            description="The course network's isolated subnets, one per AZ, comma-separated",
        )
        # Deleted, and waiting, before any of the network and the parameters that name it.
        self._guard().node.add_dependency(self.vpc, vpc_parameter, subnets_parameter)

    def _guard(self) -> CustomResource:
        scope = Construct(self, "Guard")
        handlers = waiting_provider(
            scope,
            handler="course_network_guard",
            description="Holds back deleting the course network while participants are in it",
            logs_id="GuardLogs",
            provider_id="GuardProvider",
            query_interval=GUARD_POLL_INTERVAL,
            total_timeout=GUARD_WAITER_TIMEOUT,
            environment={"COURSE_VPC_ID": self.vpc.vpc_id},
        )
        role = handlers.is_complete.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["rds:DescribeDBInstances"],
                resources=[any_db_instance(self)],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"],
                resources=["*"],
            )
        )
        acknowledge(
            role,
            "IAM5[Resource::*]",
            "ec2:DescribeSecurityGroups and ec2:DescribeNetworkInterfaces support no "
            "resource-level permission (Service Authorization Reference); the guard lists "
            "those of the course VPC only, and changes nothing.",
        )
        acknowledge(
            role,
            ANY_DB_INSTANCE_FINDING,
            "The guard reads (never changes) every DB instance to find those in the course "
            "VPC: their names are the participants', unknown when the network is deployed.",
        )
        guard = handlers.handler.resource(
            scope,
            "Resource",
            resource_type=GUARD_RESOURCE_TYPE,
            properties={"TimeoutSeconds": str(int(GUARD_TIMEOUT.to_seconds()))},
        )
        return guard


def shared_vpc(scope: Construct, construct_id: str) -> ec2.IVpc:
    """The course network in a participant's stack, read from its SSM parameters at deploy
    time. Its isolated subnets keep their group name, so `select_subnets(subnet_group_name=
    ISOLATED_SUBNETS)` works as on a `LabVpc`; their AZs are the first two of the region, as
    `LabVpc` (environment-agnostic) picks them."""
    vpc_id = ssm.StringParameter.value_for_string_parameter(scope, VPC_ID_PARAMETER)
    subnet_ids = ssm.StringParameter.value_for_string_parameter(scope, SUBNET_IDS_PARAMETER)
    vpc = ec2.Vpc.from_vpc_attributes(
        scope,
        construct_id,
        vpc_id=vpc_id,
        availability_zones=[Fn.select(i, Fn.get_azs()) for i in range(AZS)],
        isolated_subnet_ids=Fn.split(",", subnet_ids, AZS),
        isolated_subnet_names=[ISOLATED_SUBNETS],
    )
    Annotations.of(vpc).acknowledge_warning(
        "@aws-cdk/aws-ec2:noSubnetRouteTableId",
        "A participant's stack adds no route to the course network (its S3 gateway endpoint "
        "is the network's own), so it needs no route table ids.",
    )
    return vpc

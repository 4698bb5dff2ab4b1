"""A lab's own VPC: two AZs, no NAT gateway, flow logs, the default security group closed."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from lab_constructs.custom_resource import bound_cdk_helper
from lab_constructs.helpers import adopt_cdk_helper, stack_singleton

AZS = 2
SUBNET_MASK = 24
FLOW_LOG_RETENTION = logs.RetentionDays.ONE_WEEK
ISOLATED_SUBNETS = "Isolated"
PUBLIC_SUBNETS = "Public"
_RESTRICT_DEFAULT_SG_HELPER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"


class LabVpc(Construct):
    """A VPC that costs nothing while idle: isolated subnets, public ones only on request.

    Secure, cheap defaults, not configurable: two AZs from `Fn::GetAZs` (the stack stays
    environment-agnostic: no context lookup, no credentials at synth), no NAT gateway (about
    $33 a month each) and so no Elastic IP, the default security group stripped of its rules,
    flow logs of all traffic to a log group with a retention that `cdk destroy` removes.

    Attributes:
        vpc: the VPC.
        flow_logs: the log group that receives its flow logs.
    """

    def __init__(self, scope: Construct, construct_id: str, *, public_subnets: bool) -> None:
        """
        Args:
            public_subnets: also add a public subnet per AZ, routed to an internet gateway
                (for a resource that must be reachable from the internet); otherwise the VPC
                has no internet gateway at all.
        """
        super().__init__(scope, construct_id)
        subnets = [
            ec2.SubnetConfiguration(
                name=ISOLATED_SUBNETS,
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                cidr_mask=SUBNET_MASK,
            )
        ]
        if public_subnets:
            subnets.append(
                ec2.SubnetConfiguration(
                    name=PUBLIC_SUBNETS,
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=SUBNET_MASK,
                    map_public_ip_on_launch=False,
                )
            )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=AZS,
            nat_gateways=0,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        bound_cdk_helper(self.vpc, "RestrictDefaultSecurityGroupCustomResource")
        self.flow_logs = logs.LogGroup(
            self, "FlowLogs", retention=FLOW_LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_logs),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        # CDK's helper that removes the default security group's rules on deploy.
        adopt_cdk_helper(stack_singleton(self, _RESTRICT_DEFAULT_SG_HELPER), {})

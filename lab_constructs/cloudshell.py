"""CloudShell VPC environments in a lab's VPC, and the network interfaces they leave behind.

A CloudShell VPC environment (the RDS guide's way to reach a private database at no cost) puts
a network interface tagged `ManagedByCloudShell` into the lab's subnet. It can outlive the
environment and then blocks deleting the security group, the subnets and the VPC, so
`cdk destroy` would fail. `CloudShellCleanup` adds a custom resource that CloudFormation
deletes before those (it depends on them); its handler (handlers/cloudshell_interfaces/)
deletes the detached interfaces of this VPC that carry the tag, and waits for attached ones
until its deadline.
"""

from __future__ import annotations

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from lab_constructs.nag import acknowledge
from lab_constructs.waiting_provider import waiting_provider

CLOUDSHELL_TAG = "ManagedByCloudShell"
POLL_INTERVAL = Duration.seconds(20)
# CloudShell releases an environment's interface within minutes of its deletion; the handler
# gives up first and names the interfaces left, the waiter is a safety net.
CLEANUP_TIMEOUT = Duration.minutes(20)
WAITER_TIMEOUT = Duration.minutes(25)
RESOURCE_TYPE = "Custom::CloudShellInterfaceCleanup"


class CloudShellCleanup(Construct):
    """On destroy, deletes CloudShell's leftover network interfaces of `vpc`, nothing else.

    The custom resource depends on the VPC (all its subnets, route tables, ...) and on
    `security_groups`, so CloudFormation deletes it, and runs the clean-up, before any of them.
    The handler's role may describe network interfaces (no resource-level permission exists)
    and delete those in this VPC that carry the `ManagedByCloudShell` tag only (IAM
    conditions `ec2:Vpc` and the tag).

    Attributes:
        cleanup: the custom resource.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        security_groups: list[ec2.ISecurityGroup],
    ) -> None:
        """
        Args:
            vpc: the lab's VPC; only its interfaces are touched.
            security_groups: the groups a CloudShell VPC environment uses (deleted after).
        """
        super().__init__(scope, construct_id)
        handlers = waiting_provider(
            self,
            handler="cloudshell_interfaces",
            description="Deletes CloudShell's leftover network interfaces of the lab's VPC",
            logs_id="CleanupLogs",
            provider_id="CleanupProvider",
            query_interval=POLL_INTERVAL,
            total_timeout=WAITER_TIMEOUT,
        )
        self._allow_cleanup(handlers.is_complete.role, vpc)
        self.cleanup = CustomResource(
            self,
            "Cleanup",
            service_token=handlers.provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties={
                "VpcId": vpc.vpc_id,
                "TimeoutSeconds": str(int(CLEANUP_TIMEOUT.to_seconds())),
            },
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.cleanup.node.add_dependency(vpc, *security_groups)

    def _allow_cleanup(self, role: iam.IRole, vpc: ec2.IVpc) -> None:
        stack = Stack.of(self)
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["ec2:DescribeNetworkInterfaces"], resources=["*"])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ec2:DeleteNetworkInterface"],
                resources=[
                    stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
                ],
                conditions={
                    "ArnEquals": {
                        "ec2:Vpc": stack.format_arn(
                            service="ec2", resource="vpc", resource_name=vpc.vpc_id
                        )
                    },
                    "Null": {f"aws:ResourceTag/{CLOUDSHELL_TAG}": "false"},
                },
            )
        )
        acknowledge(
            role,
            "IAM5[Resource::*]",
            "ec2:DescribeNetworkInterfaces supports no resource-level permission (Service "
            "Authorization Reference); the handler lists the interfaces of the lab's VPC only.",
        )
        acknowledge(
            role,
            "IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
            "network-interface/*]",
            "Interface ids are made by CloudShell, unknown at deploy: ec2:DeleteNetworkInterface "
            "is limited by conditions to interfaces in the lab's VPC (ec2:Vpc) that carry the "
            f"{CLOUDSHELL_TAG} tag.",
        )

"""What students leave in a lab's VPC, removed on destroy so that the network can be deleted.

Two guide steps of LabRdsMysql leave things in the lab's VPC that no stack owns: a CloudShell
VPC environment's network interface (tagged `ManagedByCloudShell`), which can outlive the
environment, and a read replica made by hand, which sits in the lab's DB subnet group (and is
promoted to a standalone instance when the stack deletes its source). Either blocks deleting the
security groups, the DB subnet group, the subnets and the VPC, so `cdk destroy` would fail.
`LabNetworkCleanup` adds a custom resource that CloudFormation deletes before those (it depends
on them); its handler (handlers/network_cleanup/) deletes those leftovers and waits until they
are gone.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct

from lab_constructs.nag import acknowledge
from lab_constructs.waiting_provider import waiting_provider

CLOUDSHELL_TAG = "ManagedByCloudShell"
POLL_INTERVAL = Duration.seconds(30)
# Deleting a replica takes 5-15 minutes, CloudShell releases an interface within minutes: the
# handler gives up first and names what is left, the Provider's waiter is a safety net.
CLEANUP_TIMEOUT = Duration.minutes(40)
WAITER_TIMEOUT = Duration.minutes(45)
RESOURCE_TYPE = "Custom::LabNetworkCleanup"
# cdk-nag's finding for a policy on every DB instance of the account and region.
ANY_DB_INSTANCE_FINDING = (
    "IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*]"
)


def db_instances(scope: Construct, pattern: str) -> str:
    """`arn:<partition>:rds:<region>:<account>:db:<pattern>`: a policy resource for DB
    instances whose names are unknown at deploy (made by hand, or by participants)."""
    return Stack.of(scope).format_arn(
        service="rds",
        resource="db",
        resource_name=pattern,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def any_db_instance(scope: Construct) -> str:
    """`arn:<partition>:rds:<region>:<account>:db:*`: every DB instance."""
    return db_instances(scope, "*")


class LabNetworkCleanup(Construct):
    """On destroy, deletes what students left in the lab's network, and nothing else.

    - DB instances in `db_subnet_group` other than `keep_db_instances` (the stack's own), with
      no final snapshot: a replica made by hand;
    - network interfaces of `vpc` tagged `ManagedByCloudShell` once detached.

    The custom resource depends on the VPC (all its subnets, route tables, ...), the
    `security_groups` and the DB subnet group, so CloudFormation deletes it, and runs the
    clean-up, before any of them. The VPC, the subnet group, the instances to keep and the
    security groups are the handlers' environment, fixed at deploy time: the handler never
    takes a name from the invoking event. Its role may describe network interfaces and DB
    instances, delete the DB instances of `participant` (named `<participant>-*`, as their
    policy names them; the handler picks those of the subnet group only; without a
    participant, any instance not tagged for a participant), and delete network interfaces of
    this VPC that carry the `ManagedByCloudShell` tag (IAM conditions `ec2:Vpc` and the tag).

    Attributes:
        cleanup: the custom resource.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        security_groups: Sequence[ec2.ISecurityGroup],
        db_subnet_group: rds.ISubnetGroup,
        keep_db_instances: Sequence[str],
        participant: str | None = None,
        only_interfaces_in: Sequence[ec2.ISecurityGroup] = (),
    ) -> None:
        """
        Args:
            vpc: the lab's VPC; only its interfaces are touched.
            security_groups: the groups of the lab's network (deleted after the clean-up).
            db_subnet_group: the lab's DB subnet group; instances in it are the lab's.
            keep_db_instances: identifiers of the stack's own DB instances, never deleted.
            participant: whose lab it is: the role may delete their instances only.
            only_interfaces_in: when given, only the CloudShell interfaces in these security
                groups are deleted or waited for (a VPC shared by a class: the course network).
        """
        super().__init__(scope, construct_id)
        environment = {
            "LAB_VPC_ID": vpc.vpc_id,
            "LAB_DB_SUBNET_GROUP": db_subnet_group.subnet_group_name,
            "LAB_KEEP_DB_INSTANCES": Fn.join(",", list(keep_db_instances)),
        }
        if only_interfaces_in:
            environment["LAB_INTERFACE_SECURITY_GROUPS"] = Fn.join(
                ",", [g.security_group_id for g in only_interfaces_in]
            )
        handlers = waiting_provider(
            self,
            handler="network_cleanup",
            description="Deletes what students left in the lab's network (CloudShell, replicas)",
            logs_id="CleanupLogs",
            provider_id="CleanupProvider",
            query_interval=POLL_INTERVAL,
            total_timeout=WAITER_TIMEOUT,
            environment=environment,
        )
        self._allow_cleanup(handlers.is_complete.role, vpc, participant)
        self.cleanup = handlers.handler.resource(
            self,
            "Cleanup",
            resource_type=RESOURCE_TYPE,
            properties={"TimeoutSeconds": str(int(CLEANUP_TIMEOUT.to_seconds()))},
        )
        self.cleanup.node.add_dependency(vpc, *security_groups, db_subnet_group)

    def _allow_cleanup(self, role: iam.IRole, vpc: ec2.IVpc, participant: str | None) -> None:
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
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["rds:DescribeDBInstances"], resources=[any_db_instance(self)]
            )
        )
        if participant:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["rds:DeleteDBInstance"],
                    resources=[db_instances(self, f"{participant}-*")],
                )
            )
            acknowledge(
                role,
                ANY_DB_INSTANCE_FINDING.replace("db:*", f"db:{participant}-*"),
                "A replica the participant made by hand has a name they chose, unknown at "
                "deploy, and their policy names it <participant>-*: the role may delete only "
                "those; the handler deletes only instances in this lab's DB subnet group that "
                "are not the stack's own, on stack deletion only.",
            )
        else:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["rds:DeleteDBInstance"], resources=[any_db_instance(self)]
                )
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="NoParticipantsDatabase",
                    effect=iam.Effect.DENY,
                    actions=["rds:DeleteDBInstance"],
                    resources=[any_db_instance(self)],
                    conditions={"Null": {"aws:ResourceTag/participant": "false"}},
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
        acknowledge(
            role,
            ANY_DB_INSTANCE_FINDING,
            "A replica made by hand has a name the student chose, unknown at deploy, and IAM has "
            "no condition on an instance's subnet group: the role may describe every instance, "
            "and delete only the participant's (<participant>-*; without a participant, none "
            "tagged for a participant); the handler deletes only instances in this lab's DB "
            "subnet group that are not the stack's own, on stack deletion only.",
        )

"""CloudShell access to a private database, at no running cost."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from lab_constructs.database import MYSQL_PORT, LabMysql


class LabCloudShellAccess(Construct):
    """A security group for a CloudShell VPC environment that may reach `database` only.

    The group may connect to the database's MySQL port, and out on HTTPS, which reaches only
    S3 from subnets that route nothing else out: a free S3 gateway endpoint on `subnet_group`
    lets the environment install the MySQL client from the Amazon Linux repositories, which S3
    serves. No NAT gateway, no interface endpoint: nothing billed by the hour.

    Attributes:
        security_group: the group to choose when creating the CloudShell VPC environment.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        database: LabMysql,
        subnet_group: str,
        gateway_endpoint: bool = True,
    ) -> None:
        """
        Args:
            vpc: the database's VPC; database: what CloudShell connects to.
            subnet_group: the VPC's subnet group the environment runs in (for the endpoint).
            gateway_endpoint: add the S3 gateway endpoint; False in a VPC that has one (the
                course network, lab_constructs/course_network.py).
        """
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="A CloudShell VPC environment that connects to the lab database",
            allow_all_outbound=False,
        )
        self.security_group.connections.allow_to(
            database.security_group, ec2.Port.tcp(MYSQL_PORT), "MySQL to the lab database"
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.HTTPS,
            "HTTPS, which only reaches S3 (the isolated subnets route nothing else out)",
        )
        if not gateway_endpoint:
            return
        vpc.add_gateway_endpoint(
            "S3Endpoint",
            service=ec2.GatewayVpcEndpointAwsService.S3,
            subnets=[ec2.SubnetSelection(subnet_group_name=subnet_group)],
        )

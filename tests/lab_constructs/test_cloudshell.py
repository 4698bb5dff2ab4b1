"""LabCloudShellAccess on its own: MySQL to the database, HTTPS out, a free S3 endpoint."""

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds

from lab_constructs import LabMysql, LabVpc
from lab_constructs.cloudshell import LabCloudShellAccess
from lab_constructs.network import ISOLATED_SUBNETS
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type


def _template(**options) -> dict:
    def build(stack):
        vpc = LabVpc(stack, "Network", public_subnets=False).vpc
        database = LabMysql(
            stack,
            "Database",
            vpc=vpc,
            subnets=vpc.select_subnets(subnet_group_name=ISOLATED_SUBNETS),
            publicly_accessible=False,
            version=rds.MysqlEngineVersion.of("8.4", "8.4"),
            instance_class="db.t3.micro",
            instance_identifier="db",
            key=kms.Key(stack, "Key"),
            master_username="admin",
            multi_az=False,
            allocated_storage_gib=20,
            max_allocated_storage_gib=50,
            backup_retention=Duration.days(1),
            log_exports=(),
            parameters={},
        )
        LabCloudShellAccess(
            stack,
            "CloudShell",
            vpc=vpc,
            database=database,
            subnet_group=ISOLATED_SUBNETS,
            **options,
        )

    return bare_template(build)


def test_the_group_reaches_mysql_and_https_only():
    template = _template()
    groups = of_type(template, "AWS::EC2::SecurityGroup")
    (cloudshell,) = [
        g for g in groups.values() if "CloudShell" in g["Properties"]["GroupDescription"]
    ]
    egress = cloudshell["Properties"]["SecurityGroupEgress"]
    assert [(e["IpProtocol"], e["FromPort"], e.get("CidrIp")) for e in egress] == [
        ("tcp", 443, "0.0.0.0/0")
    ]
    mysql = of_type(template, "AWS::EC2::SecurityGroupEgress")
    assert [(e["Properties"]["FromPort"], e["Properties"]["ToPort"]) for e in mysql.values()] == [
        (3306, 3306)
    ]


def test_a_gateway_endpoint_for_s3_no_interface_endpoint():
    endpoints = of_type(_template(), "AWS::EC2::VPCEndpoint")
    assert [e["Properties"].get("VpcEndpointType", "Gateway") for e in endpoints.values()] == [
        "Gateway"
    ]


def test_no_endpoint_of_its_own_in_a_vpc_that_has_one():
    """The course network (lab_constructs/course_network.py) has its S3 endpoint already."""
    template = _template(gateway_endpoint=False)
    assert of_type(template, "AWS::EC2::VPCEndpoint") == {}
    assert len(of_type(template, "AWS::EC2::SecurityGroupEgress")) == 1

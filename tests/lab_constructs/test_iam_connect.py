"""LabIamConnectRole on its own: the account may assume it, to connect as one user only."""

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds

from lab_constructs.iam_connect import LabIamConnectRole
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type


def _template() -> dict:
    def build(stack):
        instance = rds.DatabaseInstance(
            stack,
            "Db",
            engine=rds.DatabaseInstanceEngine.mysql(
                version=rds.MysqlEngineVersion.of("8.4.7", "8.4")
            ),
            vpc=ec2.Vpc(stack, "Vpc", nat_gateways=0),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        )
        LabIamConnectRole(
            stack,
            "Connect",
            instances=[instance],
            db_user="lab_iam_user",
            max_session=Duration.hours(1),
            description="Connect",
        )

    return bare_template(build)


def test_the_role_connects_as_the_one_user_for_at_most_an_hour():
    template = _template()
    ((role_id, role),) = [
        (k, r) for k, r in of_type(template, "AWS::IAM::Role").items() if k.startswith("Connect")
    ]
    assert role["Properties"]["MaxSessionDuration"] == 3600
    (policy,) = [
        p
        for p in of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "rds-db:connect"
    arn = "".join(
        p if isinstance(p, str) else "<ref>" for p in statement["Resource"]["Fn::Join"][1]
    )
    assert arn.startswith("arn:<ref>:rds-db:<ref>:<ref>:dbuser:")
    assert arn.endswith("/lab_iam_user")

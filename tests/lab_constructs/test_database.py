"""LabMysql on its own, in a bare Stack: the defaults every lab database has.

The lab test (test_rds_mysql.py) asserts what the lab sheet asks for and how the lab sets it up.
"""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds

from lab_constructs import LabMysql
from lab_constructs.database import instance_type
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type

KEY_ARN = {"Fn::GetAtt": ["Key961B73FD", "Arn"]}


def _template(*, instance_class="db.t3.micro", public=False, replica=False, allow=None) -> dict:
    def build(stack):
        vpc = ec2.Vpc(
            stack,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(
                    name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                ),
            ],
        )
        database = LabMysql(
            stack,
            "Db",
            vpc=vpc,
            subnets=vpc.select_subnets(subnet_group_name="Public" if public else "Isolated"),
            publicly_accessible=public,
            version=rds.MysqlEngineVersion.of("8.4", "8.4"),
            instance_class=instance_class,
            instance_identifier="my-db",
            key=kms.Key(stack, "Key"),
            master_username="someone",
            multi_az=True,
            allocated_storage_gib=20,
            max_allocated_storage_gib=30,
            backup_retention=Duration.days(2),
            log_exports=["error", "audit"],
            parameters={"long_query_time": "5"},
        )
        if replica:
            database.add_read_replica("Copy", instance_identifier="my-db-copy")
        if allow:
            database.allow_from(ec2.Peer.ipv4(allow), "from there")

    return bare_template(build)


@pytest.fixture(scope="module")
def template() -> dict:
    return _template()


@pytest.fixture(scope="module")
def with_replica() -> dict:
    return _template(instance_class="db.t3.medium", replica=True)


def _instances(template) -> dict[str, dict]:
    return of_type(template, "AWS::RDS::DBInstance")


def _primary(template) -> tuple[str, dict]:
    (found,) = [
        (k, r)
        for k, r in _instances(template).items()
        if "SourceDBInstanceIdentifier" not in r["Properties"]
    ]
    return found


def _replica(template) -> dict:
    (found,) = [
        r["Properties"]
        for r in _instances(template).values()
        if "SourceDBInstanceIdentifier" in r["Properties"]
    ]
    return found


def test_storage_is_encrypted_with_the_given_key(template):
    props = _primary(template)[1]["Properties"]
    assert props["StorageEncrypted"] is True
    assert props["KmsKeyId"] == KEY_ARN


def test_the_master_password_is_generated_into_a_secret_encrypted_with_the_key(template):
    props = _primary(template)[1]["Properties"]
    assert props["MasterUsername"] == "someone"
    assert "{{resolve:secretsmanager:" in str(props["MasterUserPassword"])
    (secret,) = of_type(template, "AWS::SecretsManager::Secret").values()
    assert "GenerateSecretString" in secret["Properties"]
    assert secret["Properties"]["KmsKeyId"] == KEY_ARN
    assert secret["DeletionPolicy"] == "Delete"


def test_tls_is_required_on_top_of_the_given_parameters(template):
    props = _primary(template)[1]["Properties"]
    group = template["Resources"][props["DBParameterGroupName"]["Ref"]]
    assert group["Properties"]["Family"] == "mysql8.4"
    assert group["Properties"]["Parameters"] == {
        "require_secure_transport": "1",
        "long_query_time": "5",
    }
    assert group["DeletionPolicy"] == "Delete"


def test_iam_authentication_is_on_for_the_instance_and_its_replica(with_replica):
    for logical_id, instance in _instances(with_replica).items():
        assert instance["Properties"]["EnableIAMDatabaseAuthentication"] is True, logical_id


def test_the_security_group_has_no_egress_and_no_ingress_until_allowed(template):
    (group,) = of_type(template, "AWS::EC2::SecurityGroup").values()
    assert "SecurityGroupIngress" not in group["Properties"]
    # CDK's stand-in rule for "no egress": ICMP type 252 to 255.255.255.255/32, which matches
    # nothing.
    assert group["Properties"]["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]
    assert of_type(template, "AWS::EC2::SecurityGroupIngress") == {}


def test_allow_from_opens_the_mysql_port_to_that_peer_only():
    template = _template(allow="203.0.113.7/32")
    (group,) = of_type(template, "AWS::EC2::SecurityGroup").values()
    assert [
        (r["CidrIp"], r["IpProtocol"], r["FromPort"], r["ToPort"])
        for r in group["Properties"]["SecurityGroupIngress"]
    ] == [("203.0.113.7/32", "tcp", 3306, 3306)]


def test_instance_and_replica_share_the_port_group_and_parameters(with_replica):
    (group_id,) = of_type(with_replica, "AWS::EC2::SecurityGroup")
    (parameters_id,) = of_type(with_replica, "AWS::RDS::DBParameterGroup")
    for logical_id, instance in _instances(with_replica).items():
        props = instance["Properties"]
        assert props["Port"] == "3306", logical_id
        assert props["VPCSecurityGroups"] == [{"Fn::GetAtt": [group_id, "GroupId"]}], logical_id
        assert props["DBParameterGroupName"] == {"Ref": parameters_id}, logical_id


def test_enhanced_monitoring_every_60_seconds_with_the_aws_managed_role(with_replica):
    for logical_id, instance in _instances(with_replica).items():
        props = instance["Properties"]
        assert props["MonitoringInterval"] == 60, logical_id
        role = with_replica["Resources"][props["MonitoringRoleArn"]["Fn::GetAtt"][0]]
        statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
        (policy,) = role["Properties"]["ManagedPolicyArns"]
        assert "service-role/AmazonRDSEnhancedMonitoringRole" in str(policy)


def test_database_insights_off_on_a_micro_class(template):
    props = _primary(template)[1]["Properties"]
    assert props["EnablePerformanceInsights"] is False
    assert "DatabaseInsightsMode" not in props


def test_database_insights_standard_with_the_key_on_a_medium_class(with_replica):
    for logical_id, instance in _instances(with_replica).items():
        props = instance["Properties"]
        assert props["EnablePerformanceInsights"] is True, logical_id
        assert props["DatabaseInsightsMode"] == "standard", logical_id
        assert props["PerformanceInsightsKMSKeyId"] == KEY_ARN, logical_id


def test_each_exported_log_has_a_group_kept_7_days_created_before_and_deleted_after(
    with_replica,
):
    groups = {
        r["Properties"]["LogGroupName"]: (k, r)
        for k, r in of_type(with_replica, "AWS::Logs::LogGroup").items()
    }
    assert set(groups) == {
        "/aws/rds/instance/my-db/error",
        "/aws/rds/instance/my-db/audit",
        "/aws/rds/instance/my-db-copy/error",
        "/aws/rds/instance/my-db-copy/audit",
    }
    for logical_id, instance in _instances(with_replica).items():
        name = instance["Properties"]["DBInstanceIdentifier"]
        assert instance["Properties"]["EnableCloudwatchLogsExports"] == ["error", "audit"]
        for log in ("error", "audit"):
            group_id, group = groups[f"/aws/rds/instance/{name}/{log}"]
            assert group["Properties"]["RetentionInDays"] == 7
            assert group["DeletionPolicy"] == "Delete"
            assert group_id in instance["DependsOn"], f"{logical_id}: RDS would create it itself"


def test_instances_are_destroyable_and_bill_no_extended_support(with_replica):
    for logical_id, instance in _instances(with_replica).items():
        props = instance["Properties"]
        assert props["DeletionProtection"] is False, logical_id
        assert instance["DeletionPolicy"] == "Delete", f"{logical_id}: no final snapshot"
        assert instance["UpdateReplacePolicy"] == "Delete", logical_id
        assert props["AutoMinorVersionUpgrade"] is True, logical_id
    props = _primary(with_replica)[1]["Properties"]
    assert props["EngineLifecycleSupport"] == "open-source-rds-extended-support-disabled"
    assert props["DeleteAutomatedBackups"] is True


def test_the_primary_takes_the_given_size_storage_and_backups(template):
    props = _primary(template)[1]["Properties"]
    assert props["DBInstanceIdentifier"] == "my-db"
    assert props["DBInstanceClass"] == "db.t3.micro"
    assert props["MultiAZ"] is True
    assert (props["AllocatedStorage"], props["MaxAllocatedStorage"]) == ("20", 30)
    assert props["StorageType"] == "gp3"
    assert props["BackupRetentionPeriod"] == 2


def test_a_replica_is_single_az_and_names_no_key_since_it_inherits_its_sources(with_replica):
    primary_id = _primary(with_replica)[0]
    props = _replica(with_replica)
    assert primary_id in str(props["SourceDBInstanceIdentifier"])
    assert props["DBInstanceClass"] == "db.t3.medium"
    assert props["MultiAZ"] is False
    assert props["StorageType"] == "gp3"
    # Same region: RDS rejects a KmsKeyId (CreateDBInstanceReadReplica, issue #20).
    assert "KmsKeyId" not in props
    assert "StorageEncrypted" not in props


def test_a_public_instance_waits_for_the_internet_gateway_route():
    template = _template(public=True)
    logical_id, instance = _primary(template)
    assert instance["Properties"]["PubliclyAccessible"] is True
    routes = {
        k for k, r in of_type(template, "AWS::EC2::Route").items() if "GatewayId" in r["Properties"]
    }
    assert routes
    assert routes <= set(instance["DependsOn"]), logical_id


def test_a_private_instance_has_no_public_address(template):
    assert _primary(template)[1]["Properties"]["PubliclyAccessible"] is False


def test_an_rds_class_name_needs_its_db_prefix():
    assert instance_type("db.t4g.small").to_string() == "t4g.small"
    with pytest.raises(ValueError, match=r"not an RDS instance class: 't3.micro'"):
        instance_type("t3.micro")

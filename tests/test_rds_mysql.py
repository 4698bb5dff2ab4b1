"""LabRdsMysql: each requirement of the lab sheet (issue #7), one test each.

`template` is the default deployment; `options` is one extra synth with every option at a
non-default value (db.t3.medium, a read replica, public access from one address). The defaults
of the constructs (LabVpc, LabKey, LabNetworkCleanup, ...) are tested on their own in
tests/lab_constructs/; here, what the lab asks for and how the stack configures them.
"""

import pytest

from course.config import ContextError
from lab_constructs.database import DATABASE_INSIGHTS_CLASSES, supports_database_insights
from stacks.app import build_app
from tests.synth import EVERY_OPTION, PARTICIPANT
from tests.templates import handler_environment, of_type

LAB = "LabRdsMysql"
PUBLIC_CIDR = EVERY_OPTION["db_public_access_cidr"]
OPTIONS = {key: EVERY_OPTION[key] for key in ("db_instance_class", "read_replica")}
IAM_DB_USER = "lab_iam_user"
OUTPUT_IDS = {
    "DbInstanceId",
    "DbEndpoint",
    "DbPort",
    "DbSecretArn",
    "IamConnectRoleArn",
    "AssumeIamConnectRoleCommand",
    "CreateIamUserSql",
    "GenerateAuthTokenCommand",
    "MysqlConnectCommand",
}


@pytest.fixture(scope="module")
def template(synth):
    return synth.template(LAB)


@pytest.fixture(scope="module")
def options_synth(every_option_synth):
    """Medium class, read replica and public access at once (with the other labs' options)."""
    return every_option_synth


@pytest.fixture(scope="module")
def options(options_synth):
    return options_synth.template(LAB)


def db_instances(template):
    return of_type(template, "AWS::RDS::DBInstance")


def primary(template):
    """(logical id, properties) of the instance that is not a replica."""
    (item,) = [
        (k, r["Properties"])
        for k, r in db_instances(template).items()
        if "SourceDBInstanceIdentifier" not in r["Properties"]
    ]
    return item


def replicas(template):
    return {
        k: r["Properties"]
        for k, r in db_instances(template).items()
        if "SourceDBInstanceIdentifier" in r["Properties"]
    }


def the_key(template):
    (key_id,) = of_type(template, "AWS::KMS::Key")
    return key_id


# --- Database -----------------------------------------------------------------------------


def test_engine_is_mysql_8_4_pinned_to_the_major_version_only(template):
    props = primary(template)[1]
    assert props["Engine"] == "mysql"
    assert props["EngineVersion"] == "8.4", (
        "the lab runs MySQL 8.4; no minor version, since RDS withdraws minor versions and a "
        "withdrawn one fails every new deploy (issue #20)"
    )


def test_primary_is_multi_az(template, options):
    assert primary(template)[1]["MultiAZ"] is True
    assert primary(options)[1]["MultiAZ"] is True


def test_storage_is_encrypted_with_the_stacks_key(template):
    # The key's rotation and deletion window: tests/lab_constructs/test_keys.py.
    props = primary(template)[1]
    assert props["StorageEncrypted"] is True
    assert props["KmsKeyId"] == {"Fn::GetAtt": [the_key(template), "Arn"]}, "the lab's key"


def test_iam_database_authentication_is_on(template, options):
    for tpl in (template, options):
        for logical_id, instance in db_instances(tpl).items():
            assert instance["Properties"]["EnableIAMDatabaseAuthentication"] is True, logical_id


def test_storage_is_20_gib_gp3_autoscaling_to_50(template):
    props = primary(template)[1]
    assert props["AllocatedStorage"] == "20"
    assert props["MaxAllocatedStorage"] == 50, "storage autoscaling up to 50 GB"
    assert props["StorageType"] == "gp3"


def test_backups_are_kept_one_day_and_deleted_with_the_instance(template):
    props = primary(template)[1]
    assert props["BackupRetentionPeriod"] == 1, "a read replica needs automated backups"
    assert props["DeleteAutomatedBackups"] is True


def test_default_instance_class_is_db_t3_micro(template):
    assert primary(template)[1]["DBInstanceClass"] == "db.t3.micro"


def test_instance_class_comes_from_context_and_is_allowed(options):
    classes = {r["Properties"]["DBInstanceClass"] for r in db_instances(options).values()}
    assert classes == {"db.t3.medium"}, "-c db_instance_class sets the primary and the replica"


def test_deletion_protection_is_off(template, options):
    for tpl in (template, options):
        for logical_id, instance in db_instances(tpl).items():
            assert instance["Properties"]["DeletionProtection"] is False, logical_id


def test_options_template_retains_nothing(options):
    retained = {
        logical_id
        for logical_id, resource in options["Resources"].items()
        if {resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")}
        & {"Retain", "Snapshot", "RetainExceptOnCreate"}
    }
    assert retained == set(), "with every option on, still nothing outlives `cdk destroy`"


def test_master_user_is_labmaster_with_its_password_in_secrets_manager(template):
    props = primary(template)[1]
    assert props["MasterUsername"] == "labmaster"
    password = str(props["MasterUserPassword"])
    assert "{{resolve:secretsmanager:" in password, "the password is never in the template"


def test_connections_require_tls(template):
    props = primary(template)[1]
    group = template["Resources"][props["DBParameterGroupName"]["Ref"]]["Properties"]
    assert group["Family"] == "mysql8.4"
    assert group["Parameters"]["require_secure_transport"] == "1"


def test_error_and_slow_query_logs_are_exported(template):
    props = primary(template)[1]
    assert props["EnableCloudwatchLogsExports"] == ["error", "slowquery"]
    identifier = props["DBInstanceIdentifier"]
    groups = {
        r["Properties"]["LogGroupName"]
        for r in of_type(template, "AWS::Logs::LogGroup").values()
        if str(r["Properties"].get("LogGroupName", "")).startswith("/aws/rds/")
    }
    assert set(groups) == {
        f"/aws/rds/instance/{identifier}/error",
        f"/aws/rds/instance/{identifier}/slowquery",
    }


def test_slow_query_log_is_on_so_that_its_export_has_content(template):
    props = primary(template)[1]
    group = template["Resources"][props["DBParameterGroupName"]["Ref"]]["Properties"]
    assert group["Parameters"]["slow_query_log"] == "1"


def test_instance_identifier_carries_the_participant(template, participant_synth):
    assert primary(template)[1]["DBInstanceIdentifier"] == "lab-rds-mysql"
    participant_props = primary(participant_synth.template(LAB))[1]
    assert participant_props["DBInstanceIdentifier"] == f"{PARTICIPANT}-lab-rds-mysql"


# --- Monitoring ---------------------------------------------------------------------------


def test_enhanced_monitoring_every_60_seconds_on_every_class(template, options):
    for tpl in (template, options):
        for logical_id, instance in db_instances(tpl).items():
            props = instance["Properties"]
            assert props["MonitoringInterval"] == 60, logical_id


def test_database_insights_off_on_db_t3_micro(template):
    props = primary(template)[1]
    assert props["EnablePerformanceInsights"] is False, "db.t3.micro has no Database Insights"
    assert "DatabaseInsightsMode" not in props


def test_database_insights_standard_on_db_t3_medium(options):
    for logical_id, instance in db_instances(options).items():
        props = instance["Properties"]
        assert props["DatabaseInsightsMode"] == "standard", logical_id
        assert props["EnablePerformanceInsights"] is True, logical_id


SIZES = ("micro", "small", "medium")


def test_database_insights_classes_are_the_medium_ones_the_lab_allows():
    medium_or_smaller = {f"db.{family}.{size}" for family in ("t3", "t4g") for size in SIZES}
    assert set(DATABASE_INSIGHTS_CLASSES) <= medium_or_smaller
    supported = {c for c in medium_or_smaller if supports_database_insights(c)}
    assert supported == {"db.t3.medium", "db.t4g.medium"}, (
        "Database Insights does not run on db.t3/db.t4g micro and small"
    )


# --- Network ------------------------------------------------------------------------------


def test_database_is_private_by_default(template):
    props = primary(template)[1]
    assert props["PubliclyAccessible"] is False
    types = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::EC2::InternetGateway" not in types, "no public subnets unless asked for"
    cidr_ingress = [
        rule
        for sg in of_type(template, "AWS::EC2::SecurityGroup").values()
        for rule in sg["Properties"].get("SecurityGroupIngress", [])
        if "CidrIp" in rule or "CidrIpv6" in rule
    ]
    assert cidr_ingress == [], "no address range may reach the database by default"


def test_public_access_opens_the_mysql_port_to_the_given_cidr_only(options):
    for logical_id, instance in db_instances(options).items():
        assert instance["Properties"]["PubliclyAccessible"] is True, logical_id
    ranges = [
        rule
        for sg in of_type(options, "AWS::EC2::SecurityGroup").values()
        for rule in sg["Properties"].get("SecurityGroupIngress", [])
    ] + [r["Properties"] for r in of_type(options, "AWS::EC2::SecurityGroupIngress").values()]
    cidr_rules = [r for r in ranges if "CidrIp" in r or "CidrIpv6" in r]
    assert [(r.get("CidrIp"), r["FromPort"], r["ToPort"]) for r in cidr_rules] == [
        (PUBLIC_CIDR, 3306, 3306)
    ]


def test_public_database_sits_in_public_subnets(options):
    public_subnets = {
        route["Properties"]["RouteTableId"]["Ref"]
        for route in of_type(options, "AWS::EC2::Route").values()
        if "GatewayId" in route["Properties"]
    }
    associations = {
        a["Properties"]["SubnetId"]["Ref"]
        for a in of_type(options, "AWS::EC2::SubnetRouteTableAssociation").values()
        if a["Properties"]["RouteTableId"]["Ref"] in public_subnets
    }
    for logical_id, props in (primary(options), *replicas(options).items()):
        group = options["Resources"][props["DBSubnetGroupName"]["Ref"]]["Properties"]
        subnets = {s["Ref"] for s in group["SubnetIds"]}
        assert len(subnets) == 2
        assert subnets <= associations, f"{logical_id}: a public instance needs public subnets"


def test_cloudshell_security_group_reaches_the_database_port(template):
    props = primary(template)[1]
    (db_sg,) = [sg["Fn::GetAtt"][0] for sg in props["VPCSecurityGroups"]]
    (ingress,) = of_type(template, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["GroupId"] == {"Fn::GetAtt": [db_sg, "GroupId"]}
    assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (3306, 3306)
    client_sg = ingress["Properties"]["SourceSecurityGroupId"]["Fn::GetAtt"][0]
    assert template["Outputs"]["CloudShellSecurityGroupId"]["Value"] == {
        "Fn::GetAtt": [client_sg, "GroupId"]
    }


def test_only_free_vpc_endpoints(template):
    endpoints = of_type(template, "AWS::EC2::VPCEndpoint").values()
    assert [e["Properties"]["VpcEndpointType"] for e in endpoints] == ["Gateway"], (
        "interface endpoints bill by the hour; the S3 gateway endpoint is free"
    )


# --- Read replica -------------------------------------------------------------------------


def test_no_read_replica_by_default(template):
    assert replicas(template) == {}
    assert "ReplicaEndpoint" not in template["Outputs"]


def test_read_replica_with_the_flag_copies_the_primary(options):
    primary_id, _ = primary(options)
    (replica_id, props), *rest = replicas(options).items()
    assert rest == [], "one read replica"
    assert primary_id in str(props["SourceDBInstanceIdentifier"])
    assert props["DBInstanceIdentifier"] == "ben-lab-rds-mysql-replica"
    assert options["Outputs"]["ReplicaEndpoint"]["Value"] == {
        "Fn::GetAtt": [replica_id, "Endpoint.Address"]
    }


# --- IAM-authenticated client -------------------------------------------------------------


def _dbuser_arn(instance_id):
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":rds-db:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":dbuser:",
                {"Fn::GetAtt": [instance_id, "DbiResourceId"]},
                f"/{IAM_DB_USER}",
            ],
        ]
    }


def connect_role(template):
    """(logical id, role) of the role the account's principals assume to connect."""
    (item,) = [
        (logical_id, role)
        for logical_id, role in of_type(template, "AWS::IAM::Role").items()
        if any(
            "AWS" in statement["Principal"]
            for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        )
    ]
    return item


def connect_statements(template):
    role_id, _ = connect_role(template)
    return [
        statement
        for policy in of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_no_managed_policy_that_students_attach(template):
    """An attached managed policy blocks its deletion (DeleteConflict), and so the destroy."""
    assert of_type(template, "AWS::IAM::ManagedPolicy") == {}


def test_connect_role_is_assumable_by_principals_of_this_account_only(template):
    role_id, role = connect_role(template)
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {
        "AWS": {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"],
            ]
        }
    }
    assert role["Properties"]["MaxSessionDuration"] == 3600, "one hour, IAM's least"
    assert template["Outputs"]["IamConnectRoleArn"]["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_connect_role_allows_one_user_on_this_instance_only(template):
    assert connect_statements(template) == [
        {
            "Action": "rds-db:connect",
            "Effect": "Allow",
            "Resource": _dbuser_arn(primary(template)[0]),
        }
    ], "rds-db:connect for lab_iam_user on this instance's resource id, nothing else"


def test_connect_role_covers_the_replica_when_there_is_one(options):
    (statement,) = connect_statements(options)
    assert statement["Resource"] == [
        _dbuser_arn(primary(options)[0]),
        *(_dbuser_arn(replica_id) for replica_id in replicas(options)),
    ]


def test_assume_role_command_exports_the_session_of_the_connect_role(template):
    role_id, _ = connect_role(template)
    command = template["Outputs"]["AssumeIamConnectRoleCommand"]["Value"]["Fn::Join"][1]
    assert command[0].startswith(
        "read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "
        '"$(aws sts assume-role --role-arn '
    )
    assert command[1] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert command[2].endswith(
        '--output text)" && export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN'
    )


# --- what students leave in the lab's network: CloudShell interfaces, replicas by hand ------


def cleanup(template):
    (item,) = of_type(template, "Custom::LabNetworkCleanup").items()
    return item


def test_the_network_cleanup_is_given_the_labs_vpc_groups_and_db_subnet_group(template):
    # What LabNetworkCleanup does with them (deleted before them, IAM scoped to the VPC and the
    # CloudShell tag): tests/lab_constructs/test_network_cleanup.py.
    _, resource = cleanup(template)
    depends_on = set(resource["DependsOn"])
    (shell_group,) = [
        logical_id
        for logical_id, r in of_type(template, "AWS::EC2::SecurityGroup").items()
        if "CloudShell" in r["Properties"]["GroupDescription"]
    ]
    assert shell_group in depends_on, "deleted before CloudShell's security group"
    environment = handler_environment(template, "LAB_VPC_ID")
    (vpc_id,) = of_type(template, "AWS::EC2::VPC")
    assert environment["LAB_VPC_ID"] == {"Ref": vpc_id}
    (subnet_group,) = of_type(template, "AWS::RDS::DBSubnetGroup")
    assert subnet_group in depends_on, "deleted before the DB subnet group a replica would use"
    assert environment["LAB_DB_SUBNET_GROUP"] == {"Ref": subnet_group}
    (database_group,) = [
        logical_id
        for logical_id in of_type(template, "AWS::EC2::SecurityGroup")
        if logical_id.startswith("DatabaseSecurityGroup")
    ]
    assert database_group in depends_on, "deleted before the database's security group"


def test_network_cleanup_keeps_the_stacks_own_instances(template, options):
    keep = handler_environment(template, "LAB_KEEP_DB_INSTANCES")["LAB_KEEP_DB_INSTANCES"]
    assert keep == {"Ref": primary(template)[0]}
    keep = handler_environment(options, "LAB_KEEP_DB_INSTANCES")["LAB_KEEP_DB_INSTANCES"]
    assert keep == {
        "Fn::Join": [
            ",",
            [{"Ref": primary(options)[0]}, *({"Ref": r} for r in replicas(options))],
        ]
    }


def test_outputs_have_the_ids_labcheck_reads(template, options):
    assert set(template["Outputs"]) >= OUTPUT_IDS
    assert set(options["Outputs"]) >= OUTPUT_IDS | {"ReplicaEndpoint"}


def test_outputs_name_the_instance_endpoint_port_and_secret(template):
    instance_id = primary(template)[0]
    outputs = template["Outputs"]
    assert outputs["DbInstanceId"]["Value"] == {"Ref": instance_id}
    assert outputs["DbEndpoint"]["Value"] == {"Fn::GetAtt": [instance_id, "Endpoint.Address"]}
    assert outputs["DbPort"]["Value"] == {"Fn::GetAtt": [instance_id, "Endpoint.Port"]}
    (attachment,) = of_type(template, "AWS::SecretsManager::SecretTargetAttachment")
    assert outputs["DbSecretArn"]["Value"] == {"Ref": attachment}, "the secret's ARN"


def test_create_user_sql_uses_the_aws_authentication_plugin(template):
    sql = template["Outputs"]["CreateIamUserSql"]["Value"]
    assert sql.startswith(f"CREATE USER '{IAM_DB_USER}'")
    assert "IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'" in sql


def test_connect_commands_use_an_auth_token_tls_and_the_cleartext_plugin(template):
    instance_id = primary(template)[0]
    endpoint = str({"Fn::GetAtt": [instance_id, "Endpoint.Address"]})
    token = str(template["Outputs"]["GenerateAuthTokenCommand"]["Value"])
    assert "aws rds generate-db-auth-token --hostname" in token
    assert f"--username {IAM_DB_USER}" in token
    assert endpoint in token
    connect = str(template["Outputs"]["MysqlConnectCommand"]["Value"])
    assert connect.startswith("{'Fn::Join': ['', ['mysql --host=")
    assert endpoint in connect
    assert "generate-db-auth-token" in connect
    assert "--ssl-ca=global-bundle.pem" in connect
    assert "--enable-cleartext-plugin" in connect


# --- nag, lint, context -------------------------------------------------------------------


def test_acknowledged_nag_findings_are_the_expected_ones(synth):
    acknowledged = {
        (path.removeprefix(f"{LAB}/"), rule.removeprefix("AwsSolutions::AwsSolutions-"))
        for path, acks in synth.acknowledgements(LAB).items()
        for rule in acks
        if rule.startswith("AwsSolutions::")
        # The Provider framework's own (lab_constructs/waiting_provider.py, as in LabBackup).
        and not path.startswith(
            (f"{LAB}/NetworkCleanup/Framework", f"{LAB}/NetworkCleanup/CleanupProvider")
        )
    }
    assert acknowledged == {
        ("NetworkCleanup/IsCompleteRole", "IAM5[Resource::*]"),
        (
            "NetworkCleanup/IsCompleteRole",
            "IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*]",
        ),
        (
            "NetworkCleanup/IsCompleteRole",
            "IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
            "network-interface/*]",
        ),
        ("Database/Instance/Secret", "SMG4"),
        ("Database/Instance", "RDS10"),
        ("Database/Instance", "RDS11"),
        (
            "Database/MonitoringRole",
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonRDSEnhancedMonitoringRole]",
        ),
    }, "a new acknowledgement needs a reason a trainer accepts: add it here on purpose"


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("db_instance_class", "db.t3.large", "db.t3.medium or smaller"),
        ("db_public_access_cidr", "0.0.0.0/0", "/24 to /32"),
        ("db_public_access_cidr", "10.0.0.0/16", "/24 to /32"),
        ("read_replica", "yes", "true or false"),
    ],
)
def test_bad_context_fails_synth_with_one_line(key, value, reason):
    with pytest.raises(ContextError) as error:
        build_app({key: value})
    message = str(error.value)
    assert "\n" not in message
    assert f"{key}={value!r}" in message
    assert reason in message

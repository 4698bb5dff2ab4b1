"""Lab "Hands-On - RDS": an encrypted Multi-AZ MySQL with IAM authentication, cheap to run."""

from aws_cdk import Duration, Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

from course import sheets
from course.config import LabSettings
from lab_constructs import LabKey, LabMysql, LabVpc
from lab_constructs.cloudshell import LabCloudShellAccess
from lab_constructs.course_network import shared_vpc
from lab_constructs.iam_connect import LabIamConnectRole
from lab_constructs.network import ISOLATED_SUBNETS, PUBLIC_SUBNETS
from lab_constructs.network_cleanup import LabNetworkCleanup
from stacks.lab_stack import LabStack

# 8.0 left standard support in 2026 and bills Extended Support: the lab runs 8.4 (LTS).
# The major version only ("8.4"): RDS withdraws minor versions (aws-cdk-lib 2.275 already marks
# 8.4.3 and 8.4.4 unavailable), and a pinned minor would make every deploy after its withdrawal
# fail. Without a minor, RDS creates the instance with the default minor of 8.4 ("can be
# undefined, which means RDS should use whatever version it deems appropriate": CDK's
# EngineVersion.fullVersion), and the instance's automatic minor upgrades (LabMysql) keep it
# current; a later update that still says "8.4" asks for no downgrade ("If you specify only a
# major version, Amazon RDS updates the DB instance to the default minor version if the
# current minor version is lower": RDS API ModifyDBInstance, EngineVersion).
ENGINE_VERSION = rds.MysqlEngineVersion.of("8.4", "8.4")
INSTANCE_IDENTIFIER = "lab-rds-mysql"
REPLICA_IDENTIFIER = "lab-rds-mysql-replica"
# Not `admin`: the first name anyone tries, and the default that AWS Config's
# rds-instance-default-admin-check (Security Hub RDS.25, Control Tower CT.RDS.PR.22) flags.
# Still 1-16 letters, as RDS for MySQL asks; students read it from the secret and the outputs.
MASTER_USERNAME = "labmaster"
ALLOCATED_STORAGE_GIB = sheets.RDS_MYSQL.allocated_storage_gb
MAX_ALLOCATED_STORAGE_GIB = sheets.RDS_MYSQL.max_storage_gb
# A read replica needs automated backups on its source; one day is the least.
BACKUP_RETENTION = Duration.days(1)
LOG_EXPORTS = ("error", "slowquery")
# Beyond the sheet: the slow query log is off by default, so its export would stay empty;
# with 2 s, the guide's `SELECT SLEEP(3)` shows up in it.
SLOW_QUERY_PARAMETERS = {"slow_query_log": "1", "long_query_time": "2", "log_output": "FILE"}
IAM_DB_USER = "lab_iam_user"
RDS_CA_BUNDLE = "global-bundle.pem"
# How long an assumed session of the connect role lasts (IAM's least: 1 hour).
CONNECT_SESSION = Duration.hours(1)
CONNECT_SESSION_NAME = "lab-mysql"
CREDENTIAL_VARIABLES = "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"


class RdsMysqlStack(LabStack):
    """RDS for MySQL 8.4, Multi-AZ, encrypted, TLS-only, with an IAM-authenticated user."""

    lab = sheets.lab("LabRdsMysql")

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        super().__init__(scope, settings=settings)
        public_cidr = settings.db_public_access_cidr
        public = public_cidr is not None

        # The network: the lab's own VPC, no NAT gateway; public subnets only when asked for.
        # With -c shared_network=true, the account's course network instead (CourseNetwork,
        # deployed once): the participant keeps their own security groups and DB subnet group.
        shared = settings.shared_network
        self.vpc = (
            shared_vpc(self, "Network")
            if shared
            else LabVpc(self, "Network", public_subnets=public).vpc
        )
        db_subnets = self.vpc.select_subnets(
            subnet_group_name=PUBLIC_SUBNETS if public else ISOLATED_SUBNETS
        )

        # Steps 1-6: MySQL 8.4, Multi-AZ, a class of the sheet, gp3 20 GB autoscaling to 50 GB,
        # encrypted with the lab's key, master password generated into Secrets Manager, IAM
        # authentication, backups for one day, error and slow query logs exported.
        self.key = LabKey(
            self, "Key", description="Encrypts the lab's MySQL storage, secret and insights"
        ).key
        self.database = LabMysql(
            self,
            "Database",
            vpc=self.vpc,
            subnets=db_subnets,
            publicly_accessible=public,
            version=ENGINE_VERSION,
            instance_class=settings.db_instance_class,
            instance_identifier=settings.physical_name(INSTANCE_IDENTIFIER),
            key=self.key,
            master_username=MASTER_USERNAME,
            multi_az=True,
            allocated_storage_gib=ALLOCATED_STORAGE_GIB,
            max_allocated_storage_gib=MAX_ALLOCATED_STORAGE_GIB,
            backup_retention=BACKUP_RETENTION,
            log_exports=LOG_EXPORTS,
            parameters=SLOW_QUERY_PARAMETERS,
        )
        self.instance = self.database.instance

        # Optional: the database is reachable from one small public range only.
        if public_cidr:
            self.database.allow_from(ec2.Peer.ipv4(public_cidr), f"MySQL from {public_cidr}")

        # Reaching the private database at no running cost: a CloudShell VPC environment in
        # the isolated subnets with this security group (and a free S3 gateway endpoint).
        self.client_security_group = LabCloudShellAccess(
            self,
            "CloudShell",
            vpc=self.vpc,
            database=self.database,
            subnet_group=ISOLATED_SUBNETS,
            # The course network has its S3 gateway endpoint already, once for the class.
            gateway_endpoint=not shared,
        ).security_group

        # Post-launch task: a read replica (doubles the cost, so only with -c read_replica=true).
        self.replica = (
            self.database.add_read_replica(
                "Replica", instance_identifier=settings.physical_name(REPLICA_IDENTIFIER)
            )
            if settings.read_replica
            else None
        )

        # Goal: an IAM-authenticated client: a role students assume to connect as one
        # database user, to this lab's database (and replica) only.
        connectable = [self.instance, *([self.replica] if self.replica else [])]
        self.iam_connect_role = LabIamConnectRole(
            self,
            "IamConnectRole",
            instances=connectable,
            db_user=IAM_DB_USER,
            max_session=CONNECT_SESSION,
            description=f"Assume to connect to the lab's MySQL as {IAM_DB_USER} (IAM auth)",
        ).role

        # Beyond the sheet: what the guide has students leave in the lab's VPC (a CloudShell VPC
        # environment's interface, a replica made by hand) would block deleting the network;
        # the clean-up removes it on destroy, before the network.
        LabNetworkCleanup(
            self,
            "NetworkCleanup",
            vpc=self.vpc,
            security_groups=[self.client_security_group, self.database.security_group],
            db_subnet_group=self.instance.node.find_child("SubnetGroup"),
            keep_db_instances=[db.instance_identifier for db in connectable],
            participant=settings.participant,
            # In the course network, only this participant's CloudShell interfaces: the others'
            # are theirs, and still open.
            only_interfaces_in=[self.client_security_group] if shared else (),
        )

        self._outputs()

    def _outputs(self) -> None:
        endpoint = self.instance.db_instance_endpoint_address
        port = self.instance.db_instance_endpoint_port
        token_command = (
            f"aws rds generate-db-auth-token --hostname {endpoint} --port {port} "
            f"--region {self.region} --username {IAM_DB_USER}"
        )
        self.output("DbInstanceId", self.instance.instance_identifier, "The DB instance")
        self.output("DbEndpoint", endpoint, "The DB instance's endpoint (host name)")
        self.output("DbPort", port, "The DB instance's MySQL port")
        self.output(
            "DbSecretArn",
            self.database.secret.secret_arn,
            f"The master user's ({MASTER_USERNAME}) password, in Secrets Manager",
        )
        role_arn = self.iam_connect_role.role_arn
        self.output(
            "IamConnectRoleArn",
            role_arn,
            f"Assume this role to connect as {IAM_DB_USER} with IAM authentication",
        )
        self.output(
            "AssumeIamConnectRoleCommand",
            f'read -r {CREDENTIAL_VARIABLES} <<< "$(aws sts assume-role --role-arn {role_arn} '
            f"--role-session-name {CONNECT_SESSION_NAME} --query "
            "'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\" && "
            f"export {CREDENTIAL_VARIABLES}",
            "Run in your shell: its AWS CLI calls then act as the connect role for an hour",
        )
        self.output(
            "CreateIamUserSql",
            f"CREATE USER '{IAM_DB_USER}'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'; "
            f"ALTER USER '{IAM_DB_USER}'@'%' REQUIRE SSL;",
            "Run as the master user: creates the database user that signs in with IAM",
        )
        self.output(
            "GenerateAuthTokenCommand",
            token_command,
            f"Prints a 15-minute IAM auth token for {IAM_DB_USER} (the password)",
        )
        self.output(
            "MysqlConnectCommand",
            f"mysql --host={endpoint} --port={port} --user={IAM_DB_USER} "
            f'--password="$({token_command})" --ssl-ca={RDS_CA_BUNDLE} --enable-cleartext-plugin',
            f"Connects as {IAM_DB_USER} with an IAM auth token over TLS "
            f"(needs {RDS_CA_BUNDLE}, the RDS CA bundle)",
        )
        if self.replica:
            self.output(
                "ReplicaEndpoint",
                self.replica.db_instance_endpoint_address,
                "The read replica's endpoint (read-only)",
            )
        isolated = self.vpc.select_subnets(subnet_group_name=ISOLATED_SUBNETS).subnet_ids
        self.output("VpcId", self.vpc.vpc_id, "The lab's VPC (for a CloudShell VPC environment)")
        self.output(
            "CloudShellSubnetIds",
            Fn.join(",", isolated),
            "Subnets for a CloudShell VPC environment that reaches the database",
        )
        self.output(
            "CloudShellSecurityGroupId",
            self.client_security_group.security_group_id,
            "Security group for a CloudShell VPC environment that reaches the database",
        )

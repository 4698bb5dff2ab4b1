"""RDS for MySQL for the labs: encrypted, TLS-only, IAM auth, monitored, destroyable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from lab_constructs.nag import acknowledge, managed_policy_finding

MYSQL_PORT = 3306
ENHANCED_MONITORING_INTERVAL = Duration.seconds(60)
LOG_RETENTION = logs.RetentionDays.ONE_WEEK
# Database Insights (which absorbed Performance Insights) does not run on the micro and small
# burstable classes: "Database Insights isn't supported for the following instance classes:
# db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro, db.t4g.small" (RDS User
# Guide, "Amazon RDS DB engine, Region, and instance class support for Database Insights",
# RDS for MySQL). Of the classes the labs allow, these are the ones that support it.
DATABASE_INSIGHTS_CLASSES = frozenset({"db.t3.medium", "db.t4g.medium"})
# RDS writes each exported log to this group; creating it first lets the stack own it.
_LOG_GROUP_NAME = "/aws/rds/instance/{identifier}/{log}"
NO_EXTENDED_SUPPORT = rds.EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED
_ENHANCED_MONITORING_POLICY = "service-role/AmazonRDSEnhancedMonitoringRole"
_NOT_DEFAULT_PORT_REASON = (
    "The lab keeps MySQL's standard port 3306, as the console proposes it, so students can "
    "compare their database with the trainer's; a non-default port hides nothing from a port "
    "scan. Access is limited by the security group (no ingress from the internet by default) "
    "and by TLS-only, password or IAM authentication."
)
_PUBLIC_REASON = (
    "Public access is the lab's optional step, asked for with -c db_public_access_cidr: the "
    "security group admits the MySQL port from that one range (/24 or narrower, validated) "
    "only, and TLS and authentication are still required."
)
_DESTROYABLE_REASON = (
    "A lab database must be deleted by `cdk destroy` at the end of the session, with no final "
    "snapshot, so that nothing billable is left: deletion protection would make the teardown "
    "fail."
)

_Instance = TypeVar("_Instance", rds.DatabaseInstance, rds.DatabaseInstanceReadReplica)


def supports_database_insights(instance_class: str) -> bool:
    """Whether CloudWatch Database Insights can run on RDS for MySQL `instance_class`."""
    return instance_class in DATABASE_INSIGHTS_CLASSES


def instance_type(instance_class: str) -> ec2.InstanceType:
    """The EC2 instance type of an RDS class name, e.g. `db.t3.micro` -> `t3.micro`."""
    if not instance_class.startswith("db."):
        raise ValueError(f"not an RDS instance class: {instance_class!r} (e.g. db.t3.micro)")
    return ec2.InstanceType(instance_class.removeprefix("db."))


class LabMysql(Construct):
    """An RDS for MySQL instance (and optional read replicas) with the course's defaults.

    Secure defaults, not configurable: storage encrypted with `key`, the master password
    generated into Secrets Manager (encrypted with `key`, never in the template), IAM database
    authentication on, TLS required (`require_secure_transport`), a security group with no
    egress and no ingress until `allow_from` adds one, Enhanced Monitoring every 60 s,
    Database Insights (standard mode, its data encrypted with `key`) when the class supports
    it, the exported logs in log groups of the stack with a retention, no deletion
    protection, deleted without a final snapshot, no paid RDS Extended Support.

    Attributes:
        instance: the primary instance.
        secret: the master user's secret (JSON with `username`, `password`, `host`, ...).
        security_group: the security group of the instance and its replicas.
        parameter_group: the parameter group of the instance and its replicas.
        database_insights: whether Database Insights is on (it depends on the class).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SelectedSubnets,
        publicly_accessible: bool,
        version: rds.MysqlEngineVersion,
        instance_class: str,
        instance_identifier: str,
        key: kms.IKey,
        master_username: str,
        multi_az: bool,
        allocated_storage_gib: int,
        max_allocated_storage_gib: int,
        backup_retention: Duration,
        log_exports: Sequence[str],
        parameters: dict[str, str] | None = None,
    ) -> None:
        """
        Args:
            vpc: the VPC of the instance.
            subnets: the subnets of its subnet group (isolated ones unless it is public).
            publicly_accessible: give the instance a public address (needs public subnets).
            version: the MySQL engine version.
            instance_class: the RDS class, e.g. `db.t3.micro`.
            instance_identifier: the instance's name; fixed so that its log groups can be
                created before it (RDS names them after the instance).
            key: the KMS key for storage, the secret and Database Insights.
            master_username: the master user's name.
            multi_az: keep a standby in a second AZ.
            allocated_storage_gib: gp3 storage at creation.
            max_allocated_storage_gib: the limit of storage autoscaling.
            backup_retention: how long automated backups are kept (a read replica needs them).
            log_exports: the logs to export to CloudWatch Logs, e.g. `["error", "slowquery"]`.
            parameters: MySQL parameters on top of `require_secure_transport`.
        """
        super().__init__(scope, construct_id)
        self._vpc = vpc
        self._subnets = subnets
        self._publicly_accessible = publicly_accessible
        self._instance_class = instance_class
        self._key = key
        self._log_exports = list(log_exports)
        self.database_insights = supports_database_insights(instance_class)
        engine = rds.DatabaseInstanceEngine.mysql(version=version)

        self.parameter_group = rds.ParameterGroup(
            self,
            "Parameters",
            engine=engine,
            description="The lab database: TLS-only connections",
            parameters={"require_secure_transport": "1", **(parameters or {})},
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="The lab database: MySQL from the allowed sources only",
            allow_all_outbound=False,
        )
        self._monitoring_role = iam.Role(
            self,
            "MonitoringRole",
            assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(_ENHANCED_MONITORING_POLICY)
            ],
        )
        acknowledge(
            self._monitoring_role,
            managed_policy_finding(_ENHANCED_MONITORING_POLICY),
            "Enhanced Monitoring needs a role with the AWS managed "
            "AmazonRDSEnhancedMonitoringRole policy (as the console creates it): it only lets RDS "
            "write OS metrics to its RDSOSMetrics log group.",
        )

        self.instance = self._new_instance(
            rds.DatabaseInstance,
            "Instance",
            instance_identifier,
            engine=engine,
            credentials=rds.Credentials.from_generated_secret(master_username, encryption_key=key),
            multi_az=multi_az,
            allocated_storage=allocated_storage_gib,
            max_allocated_storage=max_allocated_storage_gib,
            storage_type=rds.StorageType.GP3,
            storage_encryption_key=key,
            backup_retention=backup_retention,
            delete_automated_backups=True,
            # Beyond the sheet: never bill Extended Support; RDS upgrades the engine instead.
            engine_lifecycle_support=NO_EXTENDED_SUPPORT,
        )
        if version.mysql_full_version == version.mysql_major_version:
            _accept_major_version_only(self.instance)
        self.secret = self.instance.secret
        acknowledge(
            self.instance.node.find_child("Secret"),  # `secret` is its target attachment
            "SMG4",
            "A lab database lives a few hours and is destroyed with the stack: rotation would "
            "need a rotation Lambda in the VPC plus a Secrets Manager endpoint or NAT gateway, "
            "paid for longer than the password is used.",
        )

    def add_read_replica(
        self, construct_id: str, *, instance_identifier: str
    ) -> rds.DatabaseInstanceReadReplica:
        """A read replica of the instance: same class, network, key, parameters and defaults.

        It is single-AZ (its source is the Multi-AZ one) and keeps no backups of its own.
        """
        replica = self._new_instance(
            rds.DatabaseInstanceReadReplica,
            construct_id,
            instance_identifier,
            source_database_instance=self.instance,
            storage_type=rds.StorageType.GP3,
            multi_az=False,
        )
        # No storage key and no StorageEncrypted for the replica (CDK sets both from
        # storage_encryption_key): "If you create an encrypted read replica in the same Amazon
        # Web Services Region as the source DB instance ..., don't specify a value for this
        # parameter. A read replica in the same Amazon Web Services Region is always encrypted
        # with the same KMS key as the source DB instance" (RDS API CreateDBInstanceReadReplica,
        # KmsKeyId; RDS answers InvalidParameterCombination otherwise), and StorageEncrypted is
        # inherited from the source (AWS::RDS::DBInstance, StorageEncrypted).
        acknowledge(
            replica,
            "RDS2",
            "A read replica in its source's region is always encrypted with its source's key "
            "(the primary's storage is encrypted with the lab's key); RDS rejects the key on a "
            "same-region replica and StorageEncrypted is inherited, so the template shows "
            "neither (RDS API CreateDBInstanceReadReplica, KmsKeyId).",
        )
        acknowledge(
            replica,
            "RDS3",
            "The read replica only shows read scaling: it stays single-AZ to halve its cost; "
            "the primary it copies is Multi-AZ.",
        )
        return replica

    def allow_from(self, peer: ec2.IPeer, description: str) -> None:
        """Let `peer` connect to the MySQL port of the instance and its replicas."""
        self.security_group.add_ingress_rule(peer, ec2.Port.tcp(MYSQL_PORT), description)

    def _new_instance(
        self, factory: type[_Instance], construct_id: str, instance_identifier: str, **props
    ) -> _Instance:
        """An instance (or replica) with what all of them share: network, security, logs, ..."""
        # RDS creates a missing log group itself, with no retention, and it outlives the stack:
        # ours exist first (the instance depends on them) and are deleted after it.
        log_groups = [
            logs.LogGroup(
                self,
                f"{construct_id}Log-{log}",
                log_group_name=_LOG_GROUP_NAME.format(identifier=instance_identifier, log=log),
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.DESTROY,
            )
            for log in self._log_exports
        ]
        insights = (
            {
                "enable_performance_insights": True,
                "database_insights_mode": rds.DatabaseInsightsMode.STANDARD,
                "performance_insight_encryption_key": self._key,
            }
            if self.database_insights
            else {"enable_performance_insights": False}
        )
        instance = factory(
            self,
            construct_id,
            instance_identifier=instance_identifier,
            instance_type=instance_type(self._instance_class),
            vpc=self._vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=self._subnets.subnets),
            publicly_accessible=self._publicly_accessible,
            security_groups=[self.security_group],
            port=MYSQL_PORT,
            parameter_group=self.parameter_group,
            iam_authentication=True,
            cloudwatch_logs_exports=self._log_exports,
            monitoring_interval=ENHANCED_MONITORING_INTERVAL,
            monitoring_role=self._monitoring_role,
            auto_minor_version_upgrade=True,
            deletion_protection=False,
            removal_policy=RemovalPolicy.DESTROY,
            **insights,
            **props,
        )
        for log_group in log_groups:
            instance.node.default_child.add_resource_dependency(log_group.node.default_child)
        if self._publicly_accessible:
            # RDS refuses a public instance until the VPC's internet gateway is attached: wait
            # for the subnets' routes to it.
            instance.node.default_child.node.add_dependency(
                self._subnets.internet_connectivity_established
            )
            Validations.of(instance).acknowledge(
                Acknowledgment(id="CloudFormation-Validate::W9011", reason=_PUBLIC_REASON)
            )
        acknowledge(instance, "RDS10", _DESTROYABLE_REASON)
        acknowledge(instance, "RDS11", _NOT_DEFAULT_PORT_REASON)
        return instance


def _accept_major_version_only(instance: rds.DatabaseInstance) -> None:
    """Tell both template linters that EngineVersion "8.4" (no minor) is meant.

    Their lists of versions hold full versions only, but RDS takes a major version: "If a major
    version is specified but a minor version is not, Amazon RDS defaults to a recent release of
    the major version" (RDS User Guide, DB engine versions; cfn-lint issue 3849 reports the same
    false positive). Scoped to this one instance's EngineVersion check.
    """
    reason = (
        "The lab gives RDS the major version only (e.g. 8.4), which RDS accepts and resolves "
        "to its default minor version; a pinned minor version fails every deploy once RDS "
        "withdraws it. The linter's list only holds full versions."
    )
    Validations.of(instance).acknowledge(
        Acknowledgment(id="CloudFormation-Validate::E9006", reason=reason)
    )
    instance.node.default_child.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3691"]}})

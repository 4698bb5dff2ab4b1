"""No way out of your own labs (issue 25): the allow/deny table of a class with ana and ben.

Judge: tests/iam_evaluation.py, the course's evaluator of IAM's documented policy evaluation
logic (explicit deny, identity policies, permissions boundary, conditions, policy variables;
its own tests hold it to AWS's documented examples: tests/test_iam_evaluation.py). moto cannot
judge this table: it evaluates no condition and no policy variable. What is judged are the
documents as deployed: ana's managed policies and her role boundary, read from the synthesized
LabAccess template for `-c participant=ana`.

Each row is one API call: an action on the resources AWS authorizes it on, with the condition
keys AWS sets for it (the resource's tags, the request's tags, the boundary a role is created
with, ...); `test_every_request_uses_keys_aws_sets_for_its_action` holds those keys to the
Service Authorization Reference as parliament ships it. The rows of the issue's eight paths
end in DENY; next to them, what a participant must still be able to do ends in ALLOW, so a
document that denied everything would fail too. The existing moto table of
tests/test_participant_access.py (10 allowed, 13 denied) is judged again here ("moto's rows").

What IAM cannot express is not a row but a paragraph of labs/access/README.md: the number of
DB instances, tables or keys a participant creates, a DynamoDB table's provisioned capacity
(DynamoDB has no condition key on capacity or billing mode), a KMS key outside the course that
nobody tagged, and whom a participant's own role trusts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.iam_evaluation import Principal, Request, decide

ACCOUNT = "123456789012"
REGION = "us-east-1"


# --- resources, by ARN --------------------------------------------------------------------


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def bucket(name: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{name}" + (f"/{key}" if key else "")


def table(name: str) -> str:
    return arn("dynamodb", f"table/{name}")


def db(name: str) -> str:
    return arn("rds", f"db:{name}")


def vault(name: str) -> str:
    return arn("backup", f"backup-vault:{name}")


def function(name: str) -> str:
    return arn("lambda", f"function:{name}")


def stack(name: str) -> str:
    return arn("cloudformation", f"stack/{name}/0a1b2c3d")


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def iam_policy(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


def ec2(resource: str) -> str:
    return arn("ec2", resource)


def tags(**values: str) -> dict[str, str]:
    """The resource's tags as condition keys (aws:ResourceTag/<key>)."""
    return {f"aws:ResourceTag/{key.replace('_', '-')}": value for key, value in values.items()}


def tagging(**values: str) -> dict[str, Any]:
    """The tags a request sets (aws:RequestTag/<key> and aws:TagKeys)."""
    keys = [key.replace("_", "-") for key in values]
    request = {f"aws:RequestTag/{k}": v for k, v in zip(keys, values.values(), strict=True)}
    return {**request, "aws:TagKeys": keys}


def untagging(*keys: str) -> dict[str, Any]:
    return {"aws:TagKeys": list(keys)}


ANAS = tags(participant="ana")
BENS = tags(participant="ben")
# A stack the trainer deploys for ana (ana-LabX): both tags; the trainer's own: managed-by only.
ANAS_COURSE_STACK = tags(participant="ana", managed_by="course-labs-cdk")
TRAINERS = tags(managed_by="course-labs-cdk")
BOUNDARY = iam_policy("ana-LabAccessBoundary")


def r(action: str, resource: str = "*", **context: Any) -> Request:
    return Request(action, resource, context)


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """`who` makes one API call, authorized as `requests`; IAM must answer `allowed`."""

    path: str
    who: str
    what: str
    requests: tuple[Request, ...]
    allowed: bool

    @property
    def id(self) -> str:
        return f"{self.path}: {self.who} {self.what}"


ROWS: list[Row] = []


def row(path: str, who: str, what: str, *requests: Request, allowed: bool) -> None:
    ROWS.append(Row(path, who, what, requests, allowed))


def denied(path: str, what: str, *requests: Request, who: str = "ana") -> None:
    row(path, who, what, *requests, allowed=False)


def allowed(path: str, what: str, *requests: Request, who: str = "ana") -> None:
    row(path, who, what, *requests, allowed=True)


LIFECYCLE = "ana-lifecycle-123456789012"
WEBSITE = "ana-website-123456789012"
BEN_SITE = "ben-website-123456789012"
TRAINERS_BUCKET = "labs3lifecycle-lifecyclebucketb5db832a-abc"
BOOTSTRAP_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"
DEPLOY_ROLE = "cdk-hnb659fds-deploy-role-123456789012-us-east-1"

# moto's rows (tests/test_participant_access.py), judged again.
M = "moto's rows"
allowed(
    M,
    "builds her lifecycle bucket and uploads test.txt",
    r("s3:CreateBucket", bucket(LIFECYCLE)),
    r("s3:PutObject", bucket(LIFECYCLE, "test.txt")),
)
allowed(M, "sets her bucket's lifecycle rule", r("s3:PutLifecycleConfiguration", bucket(LIFECYCLE)))
allowed(M, "reads her own test.txt", r("s3:GetObject", bucket(LIFECYCLE, "test.txt")))
allowed(M, "builds her website bucket", r("s3:CreateBucket", bucket(WEBSITE)))
allowed(M, "gives her website a bucket policy", r("s3:PutBucketPolicy", bucket(WEBSITE)))
allowed(M, "lists the buckets", r("s3:ListAllMyBuckets"))
allowed(M, "lists the tables", r("dynamodb:ListTables"))
allowed(M, "lists the databases", r("rds:DescribeDBInstances", db("*")))
allowed(M, "reads her own role", r("iam:GetRole", role("ana-backup-role"), **ANAS))
allowed(M, "deletes her own role", r("iam:DeleteRole", role("ana-backup-role"), **ANAS))
denied(M, "reads ben's objects", r("s3:GetObject", bucket(BEN_SITE, "index.html")))
denied(M, "overwrites ben's website", r("s3:PutObject", bucket(BEN_SITE, "index.html")))
denied(M, "lists ben's bucket", r("s3:ListBucket", bucket(BEN_SITE)))
denied(M, "deletes ben's bucket policy", r("s3:DeleteBucketPolicy", bucket(BEN_SITE)))
denied(M, "deletes ben's bucket", r("s3:DeleteBucket", bucket(BEN_SITE)))
denied(M, "reads the trainer's bucket", r("s3:ListBucket", bucket(TRAINERS_BUCKET)))
denied(M, "creates a bucket without her prefix", r("s3:CreateBucket", bucket("lifecycle-lab-ana")))
denied(
    M,
    "writes an asset into the CDK bootstrap bucket",
    r("s3:PutObject", bucket(BOOTSTRAP_BUCKET, "asset.zip")),
)
denied(M, "reads the CDK bootstrap bucket", r("s3:GetObject", bucket(BOOTSTRAP_BUCKET, "x")))
denied(M, "assumes the CDK bootstrap's deploy role", r("sts:AssumeRole", role(DEPLOY_ROLE)))
denied(M, "deletes the CDK bootstrap's deploy role", r("iam:DeleteRole", role(DEPLOY_ROLE)))
denied(M, "deletes ben's role", r("iam:DeleteRole", role("ben-backup-role"), **BENS))
denied(M, "creates a user", r("iam:CreateUser", "arn:aws:iam::123456789012:user/mallory"))

# What the guides have a participant build, by hand or with a CDK app of their own.
G = "the guides"
for who, verdict in (("ana", allowed), ("ben", denied)):
    verdict(
        G,
        f"creates and fills the table {who}-Users",
        r("dynamodb:CreateTable", table(f"{who}-Users")),
        r("dynamodb:PutItem", table(f"{who}-Users")),
    )
    verdict(
        G,
        f"queries {who}-Users by name",
        r("dynamodb:Query", table(f"{who}-Users/index/name-index")),
    )
    verdict(G, f"adds an index to {who}-Users", r("dynamodb:UpdateTable", table(f"{who}-Users")))
    verdict(
        G, f"deletes {who}-lab-rds-mysql", r("rds:DeleteDBInstance", db(f"{who}-lab-rds-mysql"))
    )
    verdict(
        G,
        f"creates the vault {who}-LabBackupVault",
        r("backup:CreateBackupVault", vault(f"{who}-LabBackupVault")),
    )
    verdict(
        G,
        f"creates the topic {who}-LabBackupNotifications",
        r("sns:CreateTopic", arn("sns", f"{who}-LabBackupNotifications")),
    )
    verdict(
        G,
        f"creates the rule {who}-LabBackupJobFailed",
        r("events:PutRule", arn("events", f"rule/{who}-LabBackupJobFailed")),
    )
    verdict(
        G,
        f"creates the alias {who}-lab-backup",
        r("kms:CreateAlias", arn("kms", f"alias/{who}-lab-backup")),
    )
    verdict(
        G,
        f"deploys a stack {who}-my-users of her own",
        r("cloudformation:CreateStack", stack(f"{who}-my-users")),
    )
LAB_DATABASE = {
    "rds:DatabaseClass": "db.t3.micro",
    "rds:DatabaseEngine": "mysql",
    "rds:MultiAz": "true",
    "rds:StorageSize": "20",
}
allowed(
    G,
    "creates the lab's database ana-lab-rds-mysql (db.t3.micro, 20 GiB gp3, Multi-AZ)",
    r("rds:CreateDBInstance", db("ana-lab-rds-mysql"), **LAB_DATABASE, **tagging(Name="x")),
    r("rds:CreateDBInstance", arn("rds", "og:default:mysql-8-4")),
    r("rds:CreateDBInstance", arn("rds", "pg:default.mysql8.4")),
    r("rds:CreateDBInstance", arn("rds", "subgrp:ana-lab-subnets")),
)
allowed(
    G,
    "creates a read replica of it",
    r("rds:CreateDBInstanceReadReplica", db("ana-lab-rds-mysql-replica"), **LAB_DATABASE),
    r("rds:CreateDBInstanceReadReplica", db("ana-lab-rds-mysql"), **LAB_DATABASE, **ANAS),
)
allowed(
    G,
    "creates a VPC tagged for herself",
    r("ec2:CreateVpc", ec2("vpc/*"), **tagging(participant="ana")),
    r(
        "ec2:CreateTags",
        ec2("vpc/*"),
        **tagging(participant="ana"),
        **{"ec2:CreateAction": "CreateVpc"},
    ),
)
allowed(
    G,
    "creates the LabBackup key tagged for herself",
    r("kms:CreateKey", **tagging(participant="ana")),
    r("kms:TagResource", arn("kms", "key/*"), **tagging(participant="ana")),
)
allowed(
    G, "names her own VPC", r("ec2:CreateTags", ec2("vpc/vpc-ana"), **ANAS, **tagging(Name="mine"))
)
for resource, what in (
    (stack("LabRdsMysql"), "the trainer's"),
    (stack("ana-LabRdsMysql"), "her course"),
):
    denied(G, f"deletes {what} stack", r("cloudformation:DeleteStack", resource))
denied(G, "updates the CDK bootstrap stack", r("cloudformation:UpdateStack", stack("CDKToolkit")))
denied(G, "deletes the trainer's table Users", r("dynamodb:DeleteTable", table("Users")))
denied(
    G,
    "changes the CDK bootstrap version",
    r("ssm:PutParameter", arn("ssm", "parameter/cdk-bootstrap/hnb659fds/version")),
)

# Path 1: administrator through a role of her own.
P1 = "path 1"
allowed(
    P1,
    "creates a role inside her role boundary, tagged for herself",
    r(
        "iam:CreateRole",
        role("ana-esc"),
        **{"iam:PermissionsBoundary": BOUNDARY},
        **tagging(participant="ana"),
    ),
    r("iam:TagRole", role("ana-esc"), **tagging(participant="ana")),
)
denied(
    P1,
    "creates a role bounded by her own permissions (ana-LabAccess, no guards)",
    r(
        "iam:CreateRole",
        role("ana-esc"),
        **{"iam:PermissionsBoundary": iam_policy("ana-LabAccess")},
        **tagging(participant="ana"),
    ),
)
denied(
    P1,
    "creates a role without her tag",
    r("iam:CreateRole", role("ana-esc"), **{"iam:PermissionsBoundary": BOUNDARY}),
)
denied(
    P1,
    "creates a role without a boundary",
    r("iam:CreateRole", role("ana-esc"), **tagging(participant="ana")),
)
allowed(
    P1,
    "gives her role *:* (the boundary still applies)",
    r("iam:PutRolePolicy", role("ana-esc"), **ANAS, **{"iam:PermissionsBoundary": BOUNDARY}),
)
denied(
    P1,
    "removes her role's boundary",
    r(
        "iam:DeleteRolePermissionsBoundary",
        role("ana-esc"),
        **ANAS,
        **{"iam:PermissionsBoundary": BOUNDARY},
    ),
)
denied(
    P1,
    "swaps her role's boundary for ana-LabAccess",
    r(
        "iam:PutRolePermissionsBoundary",
        role("ana-esc"),
        **ANAS,
        **{"iam:PermissionsBoundary": iam_policy("ana-LabAccess")},
    ),
)
denied(P1, "edits her role boundary", r("iam:CreatePolicyVersion", BOUNDARY))
denied(P1, "edits her permissions", r("iam:CreatePolicyVersion", iam_policy("ana-LabAccess")))
allowed(
    P1,
    "creates a function with her role",
    r("lambda:CreateFunction", function("ana-esc"), **tagging(participant="ana")),
    r("iam:PassRole", role("ana-esc"), **ANAS, **{"iam:PassedToService": "lambda.amazonaws.com"}),
)
ROLE = "ana's role"  # ana-esc: *:* of its own, inside ana-LabAccessBoundary
denied(
    P1,
    "updates ana-LabAccess (CloudFormation would use the bootstrap's role)",
    r("cloudformation:UpdateStack", stack("ana-LabAccess"), **ANAS_COURSE_STACK),
    who=ROLE,
)
denied(
    P1, "updates a stack of ana's own", r("cloudformation:UpdateStack", stack("ana-mine")), who=ROLE
)
denied(
    P1,
    "makes ana an administrator",
    r("iam:AttachUserPolicy", "arn:aws:iam::123456789012:user/ana", **ANAS_COURSE_STACK),
    who=ROLE,
)
denied(
    P1,
    "creates another role",
    r(
        "iam:CreateRole",
        role("ana-esc2"),
        **{"iam:PermissionsBoundary": BOUNDARY},
        **tagging(participant="ana"),
    ),
    who=ROLE,
)
denied(
    P1,
    "creates a db.r7i.48xlarge",
    r(
        "rds:CreateDBInstance",
        db("ana-big"),
        **{**LAB_DATABASE, "rds:DatabaseClass": "db.r7i.48xlarge"},
    ),
    who=ROLE,
)
denied(
    P1,
    "creates even the lab's database",
    r("rds:CreateDBInstance", db("ana-db"), **LAB_DATABASE),
    who=ROLE,
)
allowed(
    P1,
    "reads ana's John Doe (a role still does its job)",
    r("dynamodb:GetItem", table("ana-Users")),
    who=ROLE,
)
allowed(
    P1,
    "writes ana's logs",
    r("logs:PutLogEvents", arn("logs", "log-group:/aws/lambda/ana-esc:log-stream:x")),
    who=ROLE,
)
# The boundary allows the role ana's names; only the guards in it stop these.
denied(
    P1,
    "invokes ana's course stack's clean-up (named ana-*)",
    r("lambda:InvokeFunction", function("ana-LabRdsMysql-Cleanup-xyz"), **ANAS_COURSE_STACK),
    who=ROLE,
)
denied(
    P1,
    "tags ana's table as the course's",
    r("dynamodb:TagResource", table("ana-Users"), **tagging(managed_by="course-labs-cdk")),
    who=ROLE,
)
denied(
    P1,
    "creates a table ana-gift tagged for ben",
    r("dynamodb:CreateTable", table("ana-gift"), **tagging(participant="ben")),
    who=ROLE,
)

# Path 2: acting as ben.
P2 = "path 2"
denied(
    P2,
    "tags her role participant=ben",
    r("iam:TagRole", role("ana-esc"), **ANAS, **tagging(participant="ben")),
)
denied(
    P2,
    "removes her role's participant tag",
    r("iam:UntagRole", role("ana-esc"), **ANAS, **untagging("participant")),
)
denied(
    P2,
    "creates a role tagged participant=ben",
    r(
        "iam:CreateRole",
        role("ana-esc"),
        **{"iam:PermissionsBoundary": BOUNDARY},
        **tagging(participant="ben"),
    ),
)
denied(
    P2,
    "tags itself participant=ben",
    r("iam:TagRole", role("ana-esc"), **ANAS, **tagging(participant="ben")),
    who=ROLE,
)
denied(P2, "reads ben's objects", r("s3:GetObject", bucket(BEN_SITE, "index.html")), who=ROLE)
denied(P2, "scans ben-Users", r("dynamodb:Scan", table("ben-Users")), who=ROLE)
BENS_PASSWORD = arn("secretsmanager", "secret:SignInFirstPassword1A2B3C-xyz")
for who in ("ana", ROLE):
    denied(
        P2,
        "reads ben's first password",
        r(
            "secretsmanager:GetSecretValue",
            BENS_PASSWORD,
            **tags(participant="ben", managed_by="course-labs-cdk"),
        ),
        who=who,
    )
denied(
    P2,
    "changes ben's stack",
    r("cloudformation:UpdateStack", stack("ben-LabS3Lifecycle")),
    who=ROLE,
)

# Path 3: the course stacks' own functions and roles.
P3 = "path 3"
CLEANUP = function("ana-LabRdsMysql-NetworkCleanupIsComplete1A2B-xyz")
CLEANUP_ROLE = role("ana-LabRdsMysql-NetworkCleanupIsCompleteRole-xyz")
denied(
    P3,
    "invokes her course stack's clean-up function",
    r("lambda:InvokeFunction", CLEANUP, **ANAS_COURSE_STACK),
)
denied(
    P3,
    "untags managed-by from it",
    r("lambda:UntagResource", CLEANUP, **ANAS_COURSE_STACK, **untagging("managed-by")),
)
for action in (
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:AddPermission",
    "lambda:DeleteFunction",
):
    denied(P3, f"calls {action} on it", r(action, CLEANUP, **ANAS_COURSE_STACK))
allowed(
    P3, "reads its settings", r("lambda:GetFunctionConfiguration", CLEANUP, **ANAS_COURSE_STACK)
)
for action in (
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "sts:AssumeRole",
):
    denied(P3, f"calls {action} on its role", r(action, CLEANUP_ROLE, **ANAS_COURSE_STACK))
denied(
    P3,
    "untags managed-by from its role",
    r("iam:UntagRole", CLEANUP_ROLE, **ANAS_COURSE_STACK, **untagging("managed-by")),
)
denied(
    P3,
    "passes its role to a function of hers",
    r(
        "iam:PassRole",
        CLEANUP_ROLE,
        **ANAS_COURSE_STACK,
        **{"iam:PassedToService": "lambda.amazonaws.com"},
    ),
)
denied(
    P3,
    "invokes the trainer's backup purge",
    r("lambda:InvokeFunction", function("LabBackup-VaultPurgeIsComplete-xyz"), **TRAINERS),
)
denied(
    P3,
    "invokes ben's clean-up",
    r(
        "lambda:InvokeFunction",
        function("ben-LabRdsMysql-NetworkCleanupIsComplete-xyz"),
        **tags(participant="ben", managed_by="course-labs-cdk"),
    ),
)

# Path 4: claiming untagged resources, giving her own away.
P4 = "path 4"
DEFAULT_ACL = ec2("network-acl/acl-course")  # the course VPC's, untagged by CloudFormation
denied(
    P4,
    "tags the course VPC's default network ACL for herself",
    r("ec2:CreateTags", DEFAULT_ACL, **tagging(participant="ana")),
)
denied(P4, "adds a deny-all entry to it", r("ec2:CreateNetworkAclEntry", DEFAULT_ACL))
denied(P4, "creates a VPC without her tag", r("ec2:CreateVpc", ec2("vpc/*")))
denied(
    P4,
    "tags ben's hand-built vault for herself",
    r("backup:TagResource", vault("ben-LabBackupVault"), **tagging(participant="ana")),
)
denied(
    P4,
    "locks ben's vault",
    r("backup:PutBackupVaultLockConfiguration", vault("ben-LabBackupVault")),
)
denied(
    P4,
    "gives her VPC to ben",
    r("ec2:CreateTags", ec2("vpc/vpc-ana"), **ANAS, **tagging(participant="ben")),
)
denied(
    P4,
    "removes her VPC's participant tag",
    r("ec2:DeleteTags", ec2("vpc/vpc-ana"), **ANAS, **untagging("participant")),
)
denied(
    P4,
    "gives her vault to ben",
    r("backup:TagResource", vault("ana-LabBackupVault"), **tagging(participant="ben")),
)
denied(
    P4,
    "gives her database to ben",
    r("rds:AddTagsToResource", db("ana-lab-rds-mysql"), **ANAS, **tagging(participant="ben")),
)
denied(
    P4,
    "removes her database's participant tag",
    r("rds:RemoveTagsFromResource", db("ana-lab-rds-mysql"), **ANAS, **untagging("participant")),
)
denied(
    P4,
    "tags her table as the course's",
    r("dynamodb:TagResource", table("ana-Users"), **tagging(managed_by="course-labs-cdk")),
)
denied(P4, "creates a key tagged for ben", r("kms:CreateKey", **tagging(participant="ben")))
denied(
    P4,
    "removes managed-by from her course stack's table",
    r("dynamodb:UntagResource", table("ana-Users"), **ANAS_COURSE_STACK, **untagging("managed-by")),
)

# The account's RDS monitoring role, as CourseServiceRoles makes it (#27): tagged `course` only.
S = "service roles"
MONITORING_ROLE = role("rds-monitoring-role")
COURSE_ROLE = tags(course="storage-and-data")
allowed(
    S,
    "passes rds-monitoring-role to RDS Enhanced Monitoring",
    r(
        "iam:PassRole",
        MONITORING_ROLE,
        **COURSE_ROLE,
        **{"iam:PassedToService": "monitoring.rds.amazonaws.com"},
    ),
)
denied(
    S,
    "passes rds-monitoring-role to Lambda",
    r(
        "iam:PassRole",
        MONITORING_ROLE,
        **COURSE_ROLE,
        **{"iam:PassedToService": "lambda.amazonaws.com"},
    ),
)
denied(
    S,
    "gives rds-monitoring-role more permissions",
    r("iam:AttachRolePolicy", MONITORING_ROLE, **COURSE_ROLE),
)

# Path 5: backups of another's table.
P5 = "path 5"
BACKUP_ROLE = role("ana-LabAccessBackup")
TO_BACKUP = {"iam:PassedToService": "backup.amazonaws.com"}
allowed(
    P5,
    "backs up into her vault with her backup role",
    r("backup:StartBackupJob", vault("ana-LabBackupVault")),
    r("iam:PassRole", BACKUP_ROLE, **ANAS_COURSE_STACK, **TO_BACKUP),
)
denied(
    P5,
    "passes the account's shared AWS Backup default role",
    r("iam:PassRole", role("service-role/AWSBackupDefaultServiceRole"), **TO_BACKUP),
)
denied(P5, "backs up into ben's vault", r("backup:StartBackupJob", vault("ben-LabBackupVault")))
denied(
    P5,
    "passes ben's backup role",
    r(
        "iam:PassRole",
        role("ben-LabAccessBackup"),
        **tags(participant="ben", managed_by="course-labs-cdk"),
        **TO_BACKUP,
    ),
)
denied(
    P5,
    "passes her LabBackup stack's role (unbounded)",
    r("iam:PassRole", role("ana-LabBackup-PlanRole-xyz"), **ANAS_COURSE_STACK, **TO_BACKUP),
)
BACKUP = "ana's backup role"  # *:* standing in for AWS's managed backup policies, bounded
for action in ("dynamodb:CreateBackup", "dynamodb:StartAwsBackupJob", "dynamodb:DescribeTable"):
    denied(P5, f"calls {action} on ben-Users", r(action, table("ben-Users")), who=BACKUP)
    allowed(P5, f"calls {action} on ana-Users", r(action, table("ana-Users")), who=BACKUP)
denied(
    P5,
    "restores into a table of ben's",
    r("dynamodb:RestoreTableFromAwsBackup", table("ben-Users-restored")),
    who=BACKUP,
)
allowed(
    P5,
    "writes into ana's vault",
    r("backup:CopyIntoBackupVault", vault("ana-LabBackupVault")),
    who=BACKUP,
)
denied(
    P5,
    "writes into ben's vault",
    r("backup:CopyIntoBackupVault", vault("ben-LabBackupVault")),
    who=BACKUP,
)

# Path 6: cost.
P6 = "path 6"
for what, context in (
    ("a db.r7i.48xlarge", {"rds:DatabaseClass": "db.r7i.48xlarge"}),
    ("64 TiB of storage", {"rds:StorageSize": "65536"}),
    ("io2 at 256,000 IOPS", {"rds:StorageSize": "100", "rds:Piops": "256000"}),
):
    denied(
        P6,
        f"creates a database with {what}",
        r("rds:CreateDBInstance", db("ana-big"), **{**LAB_DATABASE, **context}),
    )
denied(
    P6,
    "grows her database to 1,000 GiB",
    r(
        "rds:ModifyDBInstance",
        db("ana-lab-rds-mysql"),
        **ANAS,
        **{**LAB_DATABASE, "rds:StorageSize": "1000"},
    ),
)
denied(
    P6,
    "restores a snapshot as a db.m5.24xlarge",
    r(
        "rds:RestoreDBInstanceFromDBSnapshot",
        db("ana-restored"),
        **{"rds:DatabaseClass": "db.m5.24xlarge"},
    ),
)
allowed(
    P6,
    "turns on IAM authentication of her database",
    r("rds:ModifyDBInstance", db("ana-lab-rds-mysql"), **ANAS, **LAB_DATABASE),
)
for action in ("lambda:PutProvisionedConcurrencyConfig", "lambda:PutFunctionConcurrency"):
    denied(P6, f"calls {action} on her function", r(action, function("ana-fn"), **ANAS))
allowed(
    P6,
    "adds the guide's S3 gateway endpoint to her VPC",
    r("ec2:CreateVpcEndpoint", ec2("vpc/vpc-ana"), **ANAS),
    r("ec2:CreateVpcEndpoint", ec2("vpc-endpoint/*"), **tagging(participant="ana")),
    r("ec2:CreateVpcEndpoint", ec2("route-table/rtb-ana"), **ANAS),
)
denied(
    P6,
    "adds an interface endpoint (billed by the hour) to her VPC",
    r("ec2:CreateVpcEndpoint", ec2("vpc/vpc-ana"), **ANAS),
    r("ec2:CreateVpcEndpoint", ec2("vpc-endpoint/*"), **tagging(participant="ana")),
    r("ec2:CreateVpcEndpoint", ec2("subnet/subnet-ana"), **ANAS),
)


# --- the judge -------------------------------------------------------------------------------


def _documents(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"]["ManagedPolicyName"]: resource["Properties"]["PolicyDocument"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
    }


ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def principals(participant_synth) -> dict[str, Principal]:
    """ana, and two roles of hers with `*:*` of their own: what her boundary leaves them."""
    documents = _documents(participant_synth.template("LabAccess"))
    user_policies = [documents["ana-LabAccess"], documents["ana-LabAccessGuards"]]
    boundary = documents["ana-LabAccessBoundary"]
    return {
        "ana": Principal(
            "arn:aws:iam::123456789012:user/ana", user_policies, tags={"participant": "ana"}
        ),
        ROLE: Principal(role("ana-esc"), [ADMIN], boundary, {"participant": "ana"}),
        BACKUP: Principal(
            BACKUP_ROLE, [ADMIN], boundary, {"participant": "ana", "managed-by": "course-labs-cdk"}
        ),
        "ben": Principal(
            "arn:aws:iam::123456789012:user/ben", user_policies, tags={"participant": "ben"}
        ),
    }


@pytest.mark.parametrize("case", ROWS, ids=lambda case: case.id)
def test_the_table(principals, case):
    """Judged by tests/iam_evaluation.py on the synthesized documents."""
    decision = decide(principals[case.who], case.requests)
    assert decision.allowed is case.allowed, decision.reason


def test_every_path_of_the_issue_ends_in_a_deny():
    paths = {case.path for case in ROWS if not case.allowed}
    assert {f"path {n}" for n in range(1, 7)} <= paths  # 7: tests/test_config.py; 8: labcheck
    assert len([case for case in ROWS if case.path == M]) == 23


@pytest.fixture(scope="module")
def service_reference() -> dict[str, dict[str, Any]]:
    """The Service Authorization Reference as parliament 1.6.4 ships it, by service prefix."""
    import parliament

    path = Path(parliament.__file__).parent / "iam_definition.json"
    return {service["prefix"]: service for service in json.loads(path.read_text())}


# Keys AWS sets for these calls that parliament's copy of the reference does not list yet.
NOT_IN_PARLIAMENTS_COPY: dict[tuple[str, str], str] = {}


def _keys_of(service: dict[str, Any], action: str) -> set[str]:
    name = action.split(":", 1)[1]
    (privilege,) = [p for p in service["privileges"] if p["privilege"] == name]
    types = {t["resource_type"].rstrip("*") for t in privilege["resource_types"]}
    keys = {k for t in privilege["resource_types"] for k in t["condition_keys"]}
    keys |= {
        k for res in service["resources"] if res["resource"] in types for k in res["condition_keys"]
    }
    return {key.split("/", 1)[0] for key in keys}


@pytest.mark.parametrize("case", ROWS, ids=lambda case: case.id)
def test_every_request_uses_keys_aws_sets_for_its_action(service_reference, case):
    """The condition keys of each row are ones the Service Authorization Reference lists for
    its action (tag keys by their prefix, `aws:RequestTag`); aws:ResourceTag is left out:
    parliament's copy lists it for few resource types, and a row's resource tags only ever
    make a DENY (a guard) or an ALLOW of a participant's own resource."""
    for request in case.requests:
        service = service_reference[request.action.split(":")[0]]
        known = _keys_of(service, request.action)
        for key in request.context:
            prefix = key.split("/", 1)[0]
            if prefix == "aws:ResourceTag" or (request.action, prefix) in NOT_IN_PARLIAMENTS_COPY:
                continue
            assert prefix in known, f"{request.action} has no condition key {key}"


def test_the_key_check_can_fail(service_reference):
    assert "ec2:CreateAction" in _keys_of(service_reference["ec2"], "ec2:CreateTags")
    assert "ec2:CreateAction" not in _keys_of(service_reference["ec2"], "ec2:DeleteTags")

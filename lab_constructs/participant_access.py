"""One participant's sign-in: an IAM user, its first password, and the participant policies.

What a participant may do is written once, in JSON documents under `labs/access/`, shared by
every participant: they name no participant, only the policy variable
`${aws:PrincipalTag/participant}`, which IAM fills in from the user's (or role's)
`participant` tag.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from lab_constructs.backup_plan import BACKUP_SERVICE, MANAGED_POLICIES
from lab_constructs.nag import acknowledge, managed_policy_finding

ACCESS_DIR = Path(__file__).resolve().parent.parent / "labs" / "access"
# What a participant may do.
PERMISSIONS_FILE = ACCESS_DIR / "participant-policy.json"
# What no participant may do, whatever else they are granted (explicit denies).
GUARDS_FILE = ACCESS_DIR / "participant-guards.json"
# What a role a participant creates may do; the boundary holds the guards too.
ROLE_BOUNDARY_FILES = (ACCESS_DIR / "participant-role-boundary.json", GUARDS_FILE)
PASSWORD_LENGTH = 20
# Characters that are hard to read out or type from a sheet of paper.
PASSWORD_EXCLUDED = " \"'`\\/@|lI1O0"


# IAM's quota for one managed policy, whitespace not counted: a longer one fails at deploy.
MANAGED_POLICY_MAX_CHARS = 6144


def policy_json(*paths: Path) -> dict[str, Any]:
    """The statements of every document in `paths`, as one policy; raises ValueError at synth
    if IAM would refuse it at deploy (too long) or two statements share a Sid."""
    statements = [s for path in paths for s in json.loads(path.read_text())["Statement"]]
    sids = [statement["Sid"] for statement in statements if "Sid" in statement]
    twice = sorted({sid for sid in sids if sids.count(sid) > 1})
    if twice:
        raise ValueError(f"statement ids used twice in {[p.name for p in paths]}: {twice}")
    document = {"Version": "2012-10-17", "Statement": statements}
    size = len(json.dumps(document, separators=(",", ":")))
    if size > MANAGED_POLICY_MAX_CHARS:
        raise ValueError(
            f"{' + '.join(p.name for p in paths)} has {size} characters; a managed policy may"
            f" have {MANAGED_POLICY_MAX_CHARS}: move statements into another document"
        )
    return document


def policy_document(*paths: Path) -> iam.PolicyDocument:
    """`policy_json(*paths)` for a CDK construct."""
    return iam.PolicyDocument.from_json(policy_json(*paths))


class ParticipantSignIn(Construct):
    """An IAM user `user_name` with a console password it must change at first sign-in.

    The password is generated into Secrets Manager (never in the template); the trainer reads
    it once and hands it out. Three managed policies: `<policy_name>` (the permissions) and
    `<policy_name>Guards` (the explicit denies) are the user's; `<policy_name>Boundary` (what
    a role may do, and the guards again) is the permissions boundary every role of the
    participant must have, so that no role can do more than its participant, nor act as
    anyone else. One such role comes with the sign-in: `<policy_name>Backup`, for AWS Backup
    (the console's *Default role* is shared by the whole account, so it could back up and
    restore any participant's table).

    Attributes:
        user: the IAM user.
        password: the secret holding the first password.
        backup_role: the participant's role for AWS Backup.
    """

    def __init__(self, scope: Construct, construct_id: str, *, user_name: str, policy_name: str):
        super().__init__(scope, construct_id)
        self.password = secretsmanager.Secret(
            self,
            "FirstPassword",
            description=f"First console password of {user_name}; changed at first sign-in",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=PASSWORD_LENGTH, exclude_characters=PASSWORD_EXCLUDED
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.password,
            "SMG4",
            "a first password that IAM makes the participant replace at the first sign-in; "
            "after that the secret no longer matches anything, so rotating it protects nothing",
        )
        permissions = iam.ManagedPolicy(
            self,
            "Permissions",
            managed_policy_name=policy_name,
            description="A course participant: their own labs only (labs/access)",
            document=policy_document(PERMISSIONS_FILE),
        )
        guards = iam.ManagedPolicy(
            self,
            "Guards",
            managed_policy_name=f"{policy_name}Guards",
            description="A course participant may never touch these (labs/access)",
            document=policy_document(GUARDS_FILE),
        )
        boundary = iam.ManagedPolicy(
            self,
            "RoleBoundary",
            managed_policy_name=f"{policy_name}Boundary",
            description="The permissions boundary of a course participant's roles (labs/access)",
            document=policy_document(*ROLE_BOUNDARY_FILES),
        )
        self.user = iam.User(
            self,
            "User",
            user_name=user_name,
            password=SecretValue.secrets_manager(self.password.secret_arn),
            password_reset_required=True,
            managed_policies=[permissions, guards],
        )
        self.backup_role = iam.Role(
            self,
            "BackupRole",
            role_name=f"{policy_name}Backup",
            description=f"AWS Backup for {user_name}: their own tables, vaults and keys only",
            assumed_by=iam.ServicePrincipal(BACKUP_SERVICE),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(f"service-role/{name}")
                for name in MANAGED_POLICIES
            ],
            permissions_boundary=boundary,
        )
        for name, reason in MANAGED_POLICIES.items():
            acknowledge(
                self.backup_role,
                managed_policy_finding(f"service-role/{name}"),
                f"{reason} The boundary {policy_name}Boundary limits it to the participant's "
                "own tables, vaults and keys.",
            )
        for policy, path in ((permissions, PERMISSIONS_FILE), (boundary, ROLE_BOUNDARY_FILES[0])):
            for rule, reason in wildcard_findings(path).items():
                acknowledge(policy, rule, reason)


# Why each statement of the permissions document needs its wildcards (cdk-nag IAM5).
WILDCARD_REASONS = {
    "SeeTheConsoles": "read-only metadata calls of the consoles the guides show; no data reads",
    "OwnBucketsAndObjects": "every action, but only on the participant's own buckets and objects"
    " (${aws:PrincipalTag/participant}-*)",
    "OwnTablesAndIndexes": "every action, but only on the participant's own tables and indexes"
    " (${aws:PrincipalTag/participant}-*)",
    "OwnNamedResources": "every action of the lab services, but only on resources named with"
    " the participant's prefix (${aws:PrincipalTag/participant}-*)",
    "OwnTaggedResources": "every action of the lab services, but only on resources tagged"
    " participant=${aws:PrincipalTag/participant} (aws:ResourceTag condition)",
    "CreateTaggedForYourself": "creates of resources that have an id, not a name: allowed only"
    " with the tag participant=${aws:PrincipalTag/participant} (aws:RequestTag condition)",
    "RdsDefaultGroups": "RDS's default option, parameter and subnet groups, which every new"
    " instance uses; RDS creates them, they hold no data",
    "RdsIamConnect": "rds-db:connect names the instance by its resource id, not its name, so"
    " the participant prefix cannot apply (gap in labs/access/README.md)",
    "CreateRolesInsideTheBoundary": "roles named with the participant's prefix, created only"
    " with the participant's role boundary and tagged for the participant",
    "OwnRolesInsideTheBoundary": "roles named with the participant's prefix, only with the"
    " participant's role boundary: no role can do more than its creator",
    "OwnRoles": "roles named with the participant's prefix (${aws:PrincipalTag/participant}-*)",
    "TagWhatYouCreate": "ec2:CreateTags only as part of a create call (ec2:CreateAction) that"
    " tags the new resource for the participant",
    "PassRolesToTheLabServices": "the participant's own roles, passed only to the lab services"
    " (iam:PassedToService)",
    "PassTheMonitoringRoleToRdsOnly": "the account's RDS monitoring role in any account of the"
    " course (one per account), passed only to RDS Enhanced Monitoring",
    "OwnSignIn": "the participant's own user only (${aws:username}): its password",
    "BackupVaultStorage": "CreateBackupVault also calls backup-storage:MountCapsule, which has"
    " no resource type; the vault itself is scoped by OwnNamedResources",
    "CloudShell": "CloudShell environments belong to the user who starts them; IAM has no"
    " resource to scope them by",
    "ReadTheCdkBootstrapVersion": "read-only: the CDK CLI checks the bootstrap version; the"
    " guards deny every change to it",
    # The role boundary (participant-role-boundary.json).
    "RolesUseTheirParticipantsBucketsAndTables": "a role may do what its participant may do to"
    " the participant's buckets and tables (${aws:PrincipalTag/participant}-*, the role's tag)",
    "RolesUseTheirParticipantsNamedResources": "a role may use the participant's vaults, rules,"
    " keys, functions, logs, secrets and topics, named ${aws:PrincipalTag/participant}-*",
    "RolesUseTheirParticipantsTaggedResources": "a role may use resources tagged for its"
    " participant (aws:ResourceTag condition)",
    "WhatAwsBackupCallsWithoutAResource": "AWS Backup's backup-storage:MountCapsule and"
    " tag:GetResources have no resource type",
}


def wildcard_findings(path: Path) -> dict[str, str]:
    """cdk-nag's IAM5 finding ids for the wildcards of each Allow statement, with its reason.

    cdk-nag names a finding by the wildcard action or resource, with `${var}` written `<var>`.
    """
    findings: dict[str, str] = {}
    for statement in json.loads(path.read_text())["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        reason = WILDCARD_REASONS[statement["Sid"]]
        for key in ("Action", "Resource"):
            values = statement[key]
            for value in [values] if isinstance(values, str) else values:
                if "*" in value:
                    evidence = value.replace("${", "<").replace("}", ">")
                    findings.setdefault(f"IAM5[{key}::{evidence}]", reason)
    return findings

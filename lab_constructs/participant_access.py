"""One participant's sign-in: an IAM user, its first password, and the participant policies.

What a participant may do is written once, in two JSON documents under `labs/access/`, shared by
every participant: they name no participant, only the policy variable
`${aws:PrincipalTag/participant}`, which IAM fills in from the user's `participant` tag.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from lab_constructs.nag import acknowledge

ACCESS_DIR = Path(__file__).resolve().parent.parent / "labs" / "access"
# What a participant may do; also the permissions boundary of every role they create.
PERMISSIONS_FILE = ACCESS_DIR / "participant-policy.json"
# What no participant may do, whatever else they are granted (explicit denies).
GUARDS_FILE = ACCESS_DIR / "participant-guards.json"
PASSWORD_LENGTH = 20
# Characters that are hard to read out or type from a sheet of paper.
PASSWORD_EXCLUDED = " \"'`\\/@|lI1O0"


# IAM's quota for one managed policy, whitespace not counted: a longer one fails at deploy.
MANAGED_POLICY_MAX_CHARS = 6144


def policy_document(path: Path) -> iam.PolicyDocument:
    """The policy in `path`; raises ValueError at synth if IAM would refuse it at deploy."""
    document = json.loads(path.read_text())
    size = len(json.dumps(document, separators=(",", ":")))
    if size > MANAGED_POLICY_MAX_CHARS:
        raise ValueError(
            f"{path.name} has {size} characters; a managed policy may have"
            f" {MANAGED_POLICY_MAX_CHARS}: move statements into the other document"
        )
    return iam.PolicyDocument.from_json(document)


class ParticipantSignIn(Construct):
    """An IAM user `user_name` with a console password it must change at first sign-in.

    The password is generated into Secrets Manager (never in the template); the trainer reads
    it once and hands it out. The two managed policies are named `<policy_name>` (the
    permissions, which the permissions document names as the boundary of the participant's
    roles) and `<policy_name>Guards`.

    Attributes:
        user: the IAM user.
        password: the secret holding the first password.
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
        self.user = iam.User(
            self,
            "User",
            user_name=user_name,
            password=SecretValue.secrets_manager(self.password.secret_arn),
            password_reset_required=True,
            managed_policies=[permissions, guards],
        )
        for rule, reason in wildcard_findings(PERMISSIONS_FILE).items():
            acknowledge(permissions, rule, reason)


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
    "OwnRolesInsideTheBoundary": "roles named with the participant's prefix, only with the"
    " participant policy as their permissions boundary: no role can do more than its creator",
    "OwnRoles": "roles named with the participant's prefix (${aws:PrincipalTag/participant}-*)",
    "PassRolesToTheLabServices": "the participant's own roles and the account's two shared"
    " service roles, passed only to the lab services (iam:PassedToService)",
    "OwnSignIn": "the participant's own user only (${aws:username}): its password",
    "BackupVaultStorage": "CreateBackupVault also calls backup-storage:MountCapsule, which has"
    " no resource type; the vault itself is scoped by OwnNamedResources",
    "CloudShell": "CloudShell environments belong to the user who starts them; IAM has no"
    " resource to scope them by",
    "ReadTheCdkBootstrapVersion": "read-only: the CDK CLI checks the bootstrap version; the"
    " guards deny every change to it",
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

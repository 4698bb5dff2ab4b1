"""The account as labcheck sees it: read-only clients, the lab's stack, and errors in one line.

Every API operation labcheck may call is listed in `PERMISSIONS` with the IAM action it needs;
`labs/labcheck-policy.json` grants exactly those actions (a test keeps both in step).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from course.config import LabSettings

HTTP_TIMEOUT_SECONDS = 10

# (service, API operation) -> the IAM action it needs. Read-only operations only.
PERMISSIONS: dict[tuple[str, str], str] = {
    ("cloudformation", "DescribeStacks"): "cloudformation:DescribeStacks",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketWebsite"): "s3:GetBucketWebsite",
    ("s3", "GetBucketPolicy"): "s3:GetBucketPolicy",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "GetObject"): "s3:GetObject",
    ("rds", "DescribeDBInstances"): "rds:DescribeDBInstances",
    ("dynamodb", "DescribeTable"): "dynamodb:DescribeTable",
    ("dynamodb", "GetItem"): "dynamodb:GetItem",
    ("dynamodb", "Query"): "dynamodb:Query",
    ("dynamodb", "ListTagsOfResource"): "dynamodb:ListTagsOfResource",
    ("backup", "DescribeBackupVault"): "backup:DescribeBackupVault",
    ("backup", "GetBackupPlan"): "backup:GetBackupPlan",
    ("backup", "ListBackupPlans"): "backup:ListBackupPlans",
    ("backup", "ListBackupSelections"): "backup:ListBackupSelections",
    ("backup", "GetBackupSelection"): "backup:GetBackupSelection",
    ("backup", "ListRecoveryPointsByBackupVault"): "backup:ListRecoveryPointsByBackupVault",
    ("backup", "ListBackupJobs"): "backup:ListBackupJobs",
    ("kms", "DescribeKey"): "kms:DescribeKey",
    ("sts", "GetCallerIdentity"): "sts:GetCallerIdentity",
}
POLICY_FILE = "labs/labcheck-policy.json"

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "403", "UnauthorizedOperation"}
BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidToken",
}
# CloudFormation stack states in which the outputs describe what is running.
USABLE_STACK_STATES = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}


class CheckError(Exception):
    """A problem that stops the check before any objective is judged; one line for the user."""


class StackNotFound(CheckError):
    """The lab's stack does not exist (a participant may have built the lab by hand)."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content_type: str
    body: bytes


HttpGet = Callable[[str], HttpResponse]


def http_get(url: str) -> HttpResponse:
    """GET `url` (no retries, a timeout); an HTTP error status is a response, not an error."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return HttpResponse(
                response.status, response.headers.get_content_type(), response.read()
            )
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, error.headers.get_content_type(), error.read())


@dataclass
class Aws:
    """One session's clients, created on first use, and the HTTP getter for website checks."""

    session: boto3.Session
    get: HttpGet = http_get
    clients: dict[str, Any] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.session.region_name

    @property
    def account(self) -> str:
        """The account id of the credentials (GetCallerIdentity needs no permission)."""
        return self.client("sts").get_caller_identity()["Account"]

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = self.session.client(service)
        return self.clients[service]


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def deploy_command(lab_id: str, participant: str | None) -> str:
    """The command that deploys the lab's stack, with the participant's `-c` flag if any."""
    context = f" -c participant={participant}" if participant else ""
    return f"npx cdk deploy {lab_id}{context}"


def stack_outputs(aws: Aws, lab_id: str, participant: str | None, own_build: str) -> dict:
    """The outputs of the lab's stack, named as the app names it (`<participant>-<LabId>`)."""
    stack_name = LabSettings(participant=participant).stack_name(lab_id)
    try:
        stacks = aws.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if error_code(error) != "ValidationError" or "does not exist" not in str(error):
            raise
        who = f" for participant {participant}" if participant else ""
        raise StackNotFound(
            f"{lab_id} is not deployed{who} in {aws.region} (no stack {stack_name}) — deploy it "
            f"with `{deploy_command(lab_id, participant)}`, pass --region if it runs elsewhere, "
            f"or check a build of your own with {own_build}"
        ) from None
    stack = stacks[0]
    if stack["StackStatus"] not in USABLE_STACK_STATES:
        raise CheckError(
            f"stack {stack_name} is {stack['StackStatus']} in {aws.region}: wait for the deploy "
            f"to finish, or destroy and redeploy it (`{deploy_command(lab_id, participant)}`)"
        )
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def explain(error: Exception) -> str | None:
    """One line for an error that stops labcheck, or None if it is not an expected one."""
    if isinstance(error, CheckError):
        return str(error)
    if isinstance(error, NoCredentialsError):
        return (
            "no AWS credentials found — configure them (`aws configure`, `aws sso login`, "
            "AWS_PROFILE or --profile) and run labcheck again"
        )
    if isinstance(error, ClientError):
        code, operation = error_code(error), error.operation_name
        if code in ACCESS_DENIED:
            actions = sorted({a for (_, op), a in PERMISSIONS.items() if op == operation})
            needed = " or ".join(actions) or f"the permission for {operation}"
            return (
                f"access denied: {operation} needs {needed} — attach {POLICY_FILE} "
                "(read-only) to your user or role"
            )
        if code in BAD_CREDENTIALS:
            return f"your AWS credentials were rejected ({code}) — refresh them and try again"
        return f"{operation} failed: {code}: {error.response.get('Error', {}).get('Message', '')}"
    if isinstance(error, BotoCoreError):
        return str(error)
    return None

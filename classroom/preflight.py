"""Quota preflight: before `class-up` deploys anything, does each target account have room?

A class of 12-30 hits account quotas that one trainer's lab never does: LabRdsMysql builds a
VPC per participant, and the default quota is 5 VPCs per region, so without this check the
sixth participant's deploy fails after the first five have started billing.

What each lab needs per participant (read from its stack, stacks/ and lab_constructs/; the
counts are checked against the synthesized templates in tests/classroom/test_preflight_counts.py):
- every lab and each sign-in: its IAM roles (`IAM_ROLES`: 1 to 9, 2 more with
  `-c expires_in_hours`; a participant with every lab has about 22-34): 1,000 roles per
  account, IAM being global;
- LabRdsMysql: 1 VPC (lab_constructs/network.py's LabVpc; none with `-c shared_network=true`,
  which checks instead that the course network is deployed), 1 DB instance, 1 more with
  `-c read_replica=true`, 1 DB subnet group and 1 more for the read replica (default quota 50: a
  class of 60 reaches it, 25 with replicas), 1 DB parameter group (default quota 50, lower in
  some regions), and 1 internet gateway when the database is public (`-c
  db_public_access_cidr`: public subnets); no NAT gateway and so no Elastic IP. Its two security
  groups are far below their quota (2,500 per region) and are not checked;
- LabS3Website: a public-read bucket policy, which the account's S3 Block Public Access refuses
  (`BlockPublicPolicy`) or makes useless (`RestrictPublicBuckets`): checked with s3control
  GetPublicAccessBlock, with the command that turns those two settings off;
- the other labs build nothing else whose default quota a class can reach (S3 buckets: 10,000
  per account; DynamoDB tables: 2,500 per region; AWS Backup vaults: 100 per region).

For every account the class goes to (one per profile, course/roster.py), the check adds up what
the participants without a stack of the lab still need, and compares it with the quota (Service
Quotas GetServiceQuota, the account's applied value, else GetAWSDefaultServiceQuota, the
default) minus what is in use (EC2 DescribeVpcs / DescribeInternetGateways, RDS
DescribeDBInstances / DescribeDBSubnetGroups / DescribeDBParameterGroups, IAM ListRoles). The
parameter groups in use include the `default.*` ones RDS made: counted, so the check can only be
stricter than RDS. Each shortfall is one line: what is missing and the command that asks for
more. A value we may not read (AccessDenied, an API the account does not offer) is "not
checked" with the reason: it does not stop the class. `PREFLIGHT=0` (`--skip-preflight`) skips
the whole check, e.g. when a request for more is already approved but not yet applied.

Sources: Service Quotas API (GetServiceQuota, GetAWSDefaultServiceQuota,
RequestServiceQuotaIncrease), https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/;
the quota codes: Amazon VPC quotas (VPCs per Region L-F678F1CE, Internet gateways per Region
L-A4707A72), Amazon RDS quotas (DB instances L-7B6409FD, DB subnet groups L-48C6BF61, DB
parameter groups L-DE55804A), IAM (Roles per account L-FE177D64, a global quota that Service
Quotas shows in us-east-1), as `aws service-quotas list-service-quotas --service-code
vpc|rds|iam` lists them; S3 Block Public Access: s3control GetPublicAccessBlock /
PutPublicAccessBlock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from classroom.words import counted
from course.config import LabSettings
from course.names import COURSE_NETWORK_ID, COURSE_NETWORK_VPC_PARAMETER


def _count(client: Any, operation: str, key: str) -> int:
    return sum(len(page[key]) for page in client.get_paginator(operation).paginate())


@dataclass(frozen=True)
class Need:
    """One quota a lab consumes, and how to count what the account already uses of it."""

    name: str  # as the Service Quotas console names it
    service_code: str
    quota_code: str
    service: str  # the API that counts the use
    operation: str  # its paginated list call
    key: str  # the list in its response
    quota_region: str | None = None  # a global quota's region in Service Quotas, else the class's

    def used(self, client: Callable[[str], Any]) -> int:
        return _count(client(self.service), self.operation, self.key)


VPCS = Need("VPCs per Region", "vpc", "L-F678F1CE", "ec2", "describe_vpcs", "Vpcs")
INTERNET_GATEWAYS = Need(
    "Internet gateways per Region",
    "vpc",
    "L-A4707A72",
    "ec2",
    "describe_internet_gateways",
    "InternetGateways",
)
DB_INSTANCES = Need(
    "DB instances", "rds", "L-7B6409FD", "rds", "describe_db_instances", "DBInstances"
)
DB_SUBNET_GROUPS = Need(
    "DB subnet groups", "rds", "L-48C6BF61", "rds", "describe_db_subnet_groups", "DBSubnetGroups"
)
DB_PARAMETER_GROUPS = Need(
    "DB parameter groups",
    "rds",
    "L-DE55804A",
    "rds",
    "describe_db_parameter_groups",
    "DBParameterGroups",
)
ROLES = Need("Roles per account", "iam", "L-FE177D64", "iam", "list_roles", "Roles", "us-east-1")

# The IAM roles of each lab's stack for one participant (functions, providers, the backup role,
# the CloudShell connect role, ...), counted in the synthesized templates by
# tests/classroom/test_preflight_counts.py. `-c expires_in_hours` adds the clock's and schedule's.
IAM_ROLES = {
    "LabS3Lifecycle": 2,
    "LabS3Website": 2,
    "LabRdsMysql": 9,
    "LabDynamoDbUsers": 1,
    "LabBackup": 7,
    "LabAccess": 1,  # the participant's own backup role (<p>-LabAccessBackup)
}
EXPIRY_ROLES = 2
# The lab whose bucket policy S3 Block Public Access must let through (PublicAccessCheck).
PUBLIC_WEBSITE_LAB = "LabS3Website"


def needs(lab_id: str, settings: LabSettings) -> dict[Need, int]:
    """What one participant's stack of `lab_id` takes from each quota, with these settings."""
    roles = IAM_ROLES.get(lab_id, 0) + (EXPIRY_ROLES if settings.expires_in_hours else 0)
    wanted = {ROLES: roles} if roles else {}
    if lab_id != "LabRdsMysql":
        return wanted
    replicas = 1 if settings.read_replica else 0
    wanted |= {
        DB_INSTANCES: 1 + replicas,
        DB_SUBNET_GROUPS: 1 + replicas,  # the replica has a subnet group of its own
        DB_PARAMETER_GROUPS: 1,
    }
    if not settings.shared_network:  # in the course network: no VPC of its own
        wanted[VPCS] = 1
    if settings.db_public_access_cidr:
        wanted[INTERNET_GATEWAYS] = 1
    return wanted


def has_checks(lab_id: str, settings: LabSettings) -> bool:
    """Whether a class of `lab_id` has anything to check before it deploys."""
    return bool(needs(lab_id, settings)) or lab_id == PUBLIC_WEBSITE_LAB


@dataclass(frozen=True)
class Check:
    """One quota in one account: enough, short, or not checked (and why)."""

    account: str  # e.g. "profile sandbox-ana" or "default credentials"
    region: str
    profile: str | None
    need: Need
    wanted: int  # for the participants without a stack yet
    participants: int
    used: int | None = None
    limit: int | None = None
    not_checked: str = ""  # why, when we could not read the quota or the use

    @property
    def missing(self) -> int:
        if self.not_checked or self.used is None or self.limit is None:
            return 0
        return max(0, self.used + self.wanted - self.limit)

    def line(self) -> str:
        head = f"{self.need.name} in {self.region} ({self.account})"
        if self.not_checked:
            return _line("not checked", head, self.not_checked)
        numbers = (
            f"{counted(self.participants, 'participant')} "
            f"{'needs' if self.participants == 1 else 'need'} {self.wanted}, "
            f"{self.used} in use of {self.limit}"
        )
        if not self.missing:
            return _line("ok", head, numbers)
        desired = self.used + self.wanted
        command = (
            "aws service-quotas request-service-quota-increase "
            f"--service-code {self.need.service_code} --quota-code {self.need.quota_code} "
            f"--desired-value {desired} --region {self.need.quota_region or self.region}"
            f"{_profile_option(self.profile)}"
        )
        return _line(
            "SHORT",
            head,
            f"{numbers}, {self.missing} missing; ask for {desired} in the Service Quotas "
            f"console or: {command}",
        )


# The checks' lines: the status in a first column as wide as its longest word and two spaces.
STATUS_WIDTH = len("not checked  ")


def _line(status: str, head: str, found: str) -> str:
    """One check's line: its status, what was checked, what was found."""
    return f"{status:<{STATUS_WIDTH}}{head}: {found}"


def _profile_option(profile: str | None) -> str:
    """The CLI option that runs a suggested command in the participant's account."""
    return f" --profile {profile}" if profile else ""


def _why(error: Exception) -> str:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        operation = error.operation_name
        if "AccessDenied" in code or code in ("UnauthorizedOperation", "AuthorizationError"):
            return f"{operation} not permitted ({code})"
        return f"{operation} failed ({code}: {error.response.get('Error', {}).get('Message', '')})"
    return f"{type(error).__name__}: {error}"


def quota(client: Any, need: Need) -> int:
    """The quota's value in the account: the applied one, else AWS's default (`client` is
    Service Quotas in the quota's region)."""
    try:
        found = client.get_service_quota(ServiceCode=need.service_code, QuotaCode=need.quota_code)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            raise
        found = client.get_aws_default_service_quota(
            ServiceCode=need.service_code, QuotaCode=need.quota_code
        )
    return int(found["Quota"]["Value"])


def existing_stacks(cloudformation: Any) -> set[str]:
    """Names of the account's stacks that exist (a participant with one needs nothing new)."""
    names = set()
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        names |= {s["StackName"] for s in page["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}
    return names


def check_account(
    lab_id: str,
    settings: Sequence[LabSettings],
    client: Callable[[str], Any],
    *,
    account: str,
    region: str,
    profile: str | None = None,
) -> list[Check | NetworkCheck | PublicAccessCheck]:
    """The checks of one account for `settings` (its participants); `client(service)` gives
    that account's boto3 client of `service`."""
    if not settings or not has_checks(lab_id, settings[0]):
        return []
    per_participant = needs(lab_id, settings[0])
    try:
        existing = existing_stacks(client("cloudformation"))
    except (BotoCoreError, ClientError):
        existing = set()  # count everyone as new: the check can only get stricter
    new = [s for s in settings if s.stack_name(lab_id) not in existing]
    checks = []
    if settings[0].shared_network:
        checks.append(network_check(client("ssm"), account, region, profile))
    if lab_id == PUBLIC_WEBSITE_LAB and new:
        checks.append(public_access_check(client, account, profile))
    for need, each in per_participant.items():
        base = Check(account, region, profile, need, each * len(new), len(new))
        try:
            quotas = client("service-quotas", need.quota_region) if need.quota_region else None
            limit = quota(quotas or client("service-quotas"), need)
            used = need.used(client)
        except Exception as error:  # a check we cannot make never stops the class: say why
            checks.append(replace(base, not_checked=_why(error)))
            continue
        checks.append(replace(base, used=used, limit=limit))
    return checks


@dataclass(frozen=True)
class NetworkCheck:
    """With -c shared_network=true: is the course network deployed in the account?"""

    account: str
    region: str
    profile: str | None
    missing: int = 0  # 1: not deployed
    not_checked: str = ""

    def line(self) -> str:
        head = f"CourseNetwork in {self.region} ({self.account})"
        if self.not_checked:
            return _line("not checked", head, self.not_checked)
        if not self.missing:
            return _line("ok", head, "deployed")
        return _line(
            "MISSING",
            head,
            "not deployed, the participants' stacks would fail: "
            f"npx cdk deploy {COURSE_NETWORK_ID}{_profile_option(self.profile)} first",
        )


def network_check(ssm: Any, account: str, region: str, profile: str | None) -> NetworkCheck:
    check = NetworkCheck(account, region, profile)
    try:
        ssm.get_parameter(Name=COURSE_NETWORK_VPC_PARAMETER)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return replace(check, missing=1)
        return replace(check, not_checked=_why(error))
    except BotoCoreError as error:
        return replace(check, not_checked=_why(error))
    return check


@dataclass(frozen=True)
class PublicAccessCheck:
    """LabS3Website: does the account's S3 Block Public Access let a public bucket policy be?"""

    account: str
    profile: str | None
    account_id: str = ""
    blocking: tuple[str, ...] = ()  # the settings that are on and break the lab
    settings: tuple[tuple[str, bool], ...] = ()  # the account's whole configuration
    not_checked: str = ""

    @property
    def missing(self) -> int:
        return 1 if self.blocking else 0

    def line(self) -> str:
        head = f"S3 Block Public Access of account {self.account_id or '?'} ({self.account})"
        if self.not_checked:
            return _line("not checked", head, self.not_checked)
        if not self.blocking:
            return _line("ok", head, "public bucket policies allowed")
        wanted = dict(self.settings) | dict.fromkeys(self.blocking, False)
        configuration = ",".join(f"{k}={str(v).lower()}" for k, v in wanted.items())
        return _line(
            "BLOCKED",
            head,
            f"{' and '.join(self.blocking)} on: the website's public-read bucket policy would "
            "be refused or ignored. In a sandbox account, turn them off: aws s3control "
            f"put-public-access-block --account-id {self.account_id} "
            f"--public-access-block-configuration {configuration}"
            f"{_profile_option(self.profile)}",
        )


# What breaks a public-read bucket policy: refused at PutBucketPolicy, or ignored for everyone.
POLICY_BLOCKS = ("BlockPublicPolicy", "RestrictPublicBuckets")
ACCESS_BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", *POLICY_BLOCKS)


def public_access_check(
    client: Callable[..., Any], account: str, profile: str | None
) -> PublicAccessCheck:
    check = PublicAccessCheck(account, profile)
    try:
        account_id = client("sts").get_caller_identity()["Account"]
        check = replace(check, account_id=account_id)
        found = client("s3control").get_public_access_block(AccountId=account_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
            return check  # nothing blocked at the account level
        return replace(check, not_checked=_why(error))
    except BotoCoreError as error:
        return replace(check, not_checked=_why(error))
    configuration = found["PublicAccessBlockConfiguration"]
    settings = tuple((k, bool(configuration.get(k))) for k in ACCESS_BLOCK_SETTINGS)
    blocking = tuple(k for k in POLICY_BLOCKS if configuration.get(k))
    return replace(check, settings=settings, blocking=blocking)


def account_label(profile: str | None) -> str:
    return f"profile {profile}" if profile else "default credentials"


def report(checks: Sequence[Check | NetworkCheck | PublicAccessCheck]) -> tuple[list[str], bool]:
    """The lines to print and whether the class may go ahead (nothing short)."""
    return [c.line() for c in checks], not any(c.missing for c in checks)


def check_class(
    lab_id: str,
    settings: Sequence[LabSettings],
    profiles: Mapping[str, str | None],
    clients: Mapping[str | None, Callable[[str], Any]],
    regions: Mapping[str | None, str],
) -> list[Check | NetworkCheck | PublicAccessCheck]:
    """Every account's checks: `profiles` maps participant to profile, `clients` and
    `regions` give each profile's client factory and region."""
    by_profile: dict[str | None, list[LabSettings]] = {}
    for s in settings:
        by_profile.setdefault(profiles.get(s.participant or ""), []).append(s)
    checks = []
    for profile, theirs in by_profile.items():
        checks += check_account(
            lab_id,
            theirs,
            clients[profile],
            account=account_label(profile),
            region=regions[profile],
            profile=profile,
        )
    return checks

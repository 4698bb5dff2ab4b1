"""Quota preflight: before `class-up` deploys anything, does each target account have room?

A class of 12-30 hits account quotas that one trainer's lab never does: LabRdsMysql builds a
VPC per participant, and the default quota is 5 VPCs per region, so without this check the
sixth participant's deploy fails after the first five have started billing.

What each lab needs per participant (read from its stack, stacks/ and lab_constructs/):
- LabRdsMysql: 1 VPC (lab_constructs/network.py's LabVpc; none with `-c shared_network=true`,
  which checks instead that the course network is deployed), 1 DB instance, 1 more with
  `-c read_replica=true`, 1 DB subnet group (default quota 50: a class of 60 reaches it), and
  1 internet gateway when the database is public (`-c db_public_access_cidr`: public subnets);
  no NAT gateway and so no Elastic IP. Its two security groups are far below their quota (2,500
  per region) and are not checked;
- the other labs build nothing whose default quota a class can reach (S3 buckets: 10,000 per
  account; DynamoDB tables: 2,500 per region; AWS Backup vaults: 100 per region): nothing to
  check.

For every account the class goes to (one per profile, course/roster.py), the check adds up what
the participants without a stack of the lab still need, and compares it with the quota (Service
Quotas GetServiceQuota, the account's applied value, else GetAWSDefaultServiceQuota, the
default) minus what is in use (EC2 DescribeVpcs / DescribeInternetGateways, RDS
DescribeDBInstances). Each shortfall is one line: what is missing and the command that asks for
more. A value we may not read (AccessDenied, an API the account does not offer) is "not
checked" with the reason: it does not stop the class. `PREFLIGHT=0` (`--skip-preflight`) skips
the whole check, e.g. when a request for more is already approved but not yet applied.

Sources: Service Quotas API (GetServiceQuota, GetAWSDefaultServiceQuota,
RequestServiceQuotaIncrease), https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/;
the quota codes: Amazon VPC quotas (VPCs per Region L-F678F1CE, Internet gateways per Region
L-A4707A72), Amazon RDS quotas (DB instances L-7B6409FD, DB subnet groups L-48C6BF61), as
`aws service-quotas
list-service-quotas --service-code vpc|rds` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from course.config import COURSE_NETWORK_ID, COURSE_NETWORK_VPC_PARAMETER, LabSettings


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


def needs(lab_id: str, settings: LabSettings) -> dict[Need, int]:
    """What one participant's stack of `lab_id` takes from each quota, with these settings."""
    if lab_id != "LabRdsMysql":
        return {}
    wanted = {DB_INSTANCES: 2 if settings.read_replica else 1, DB_SUBNET_GROUPS: 1}
    if not settings.shared_network:  # in the course network: no VPC of its own
        wanted[VPCS] = 1
    if settings.db_public_access_cidr:
        wanted[INTERNET_GATEWAYS] = 1
    return wanted


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
            return f"not checked  {head}: {self.not_checked}"
        numbers = (
            f"{self.participants} participants need {self.wanted}, "
            f"{self.used} in use of {self.limit}"
        )
        if not self.missing:
            return f"ok           {head}: {numbers}"
        desired = self.used + self.wanted
        command = (
            "aws service-quotas request-service-quota-increase "
            f"--service-code {self.need.service_code} --quota-code {self.need.quota_code} "
            f"--desired-value {desired} --region {self.region}"
            + (f" --profile {self.profile}" if self.profile else "")
        )
        return (
            f"SHORT        {head}: {numbers}, {self.missing} missing; ask for {desired} in the "
            f"Service Quotas console or: {command}"
        )


def _why(error: Exception) -> str:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        operation = error.operation_name
        if "AccessDenied" in code or code in ("UnauthorizedOperation", "AuthorizationError"):
            return f"{operation} not permitted ({code})"
        return f"{operation} failed ({code}: {error.response.get('Error', {}).get('Message', '')})"
    return f"{type(error).__name__}: {error}"


def quota(client: Any, need: Need) -> int:
    """The quota's value in the account: the applied one, else AWS's default."""
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
) -> list[Check | NetworkCheck]:
    """The checks of one account for `settings` (its participants); `client(service)` gives
    that account's boto3 client of `service`."""
    per_participant = needs(lab_id, settings[0]) if settings else {}
    if not per_participant:
        return []
    try:
        existing = existing_stacks(client("cloudformation"))
    except (BotoCoreError, ClientError):
        existing = set()  # count everyone as new: the check can only get stricter
    new = [s for s in settings if s.stack_name(lab_id) not in existing]
    checks = []
    if settings[0].shared_network:
        checks.append(network_check(client("ssm"), account, region, profile))
    for need, each in per_participant.items():
        base = Check(account, region, profile, need, each * len(new), len(new))
        try:
            limit = quota(client("service-quotas"), need)
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
            return f"not checked  {head}: {self.not_checked}"
        if not self.missing:
            return f"ok           {head}: deployed"
        profile = f" --profile {self.profile}" if self.profile else ""
        return (
            f"MISSING      {head}: not deployed, the participants' stacks would fail: "
            f"npx cdk deploy {COURSE_NETWORK_ID}{profile} first"
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


def account_label(profile: str | None) -> str:
    return f"profile {profile}" if profile else "default credentials"


def report(checks: Sequence[Check | NetworkCheck]) -> tuple[list[str], bool]:
    """The lines to print and whether the class may go ahead (nothing short)."""
    return [c.line() for c in checks], not any(c.missing for c in checks)


def check_class(
    lab_id: str,
    settings: Sequence[LabSettings],
    profiles: Mapping[str, str | None],
    clients: Mapping[str | None, Callable[[str], Any]],
    regions: Mapping[str | None, str],
) -> list[Check | NetworkCheck]:
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

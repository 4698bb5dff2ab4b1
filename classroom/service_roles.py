"""`make course-roles`: the AWS service roles participants pass, made where the account lacks them.

    python -m classroom.service_roles     # make course-roles (AWS_PROFILE=... for another account)

The guides let participants pass two roles that they may not create (labs/access): RDS Enhanced
Monitoring's `rds-monitoring-role` and AWS Backup's `service-role/AWSBackupDefaultServiceRole`
(course/config.py `SERVICE_ROLES`). The CourseServiceRoles stack (stacks/course_service_roles.py)
makes them; but an account may have them already, made by hand or by a console the first time
someone chose its default role, and CloudFormation has no "create if missing": a stack that names
an existing role fails with "already exists" and rolls back. Hence this command, which first
asks IAM for each role (GetRole) and CloudFormation which of them this region's CourseServiceRoles
stack owns (ListStackResources, the roles' physical ids), then says for each:

- `missing`: the stack makes it;
- `made by the course (CourseServiceRoles)`: the stack keeps it (a deploy without it would
  delete it);
- `exists already (not made by the course): left alone`, or, for a role tagged with the course's
  tag that this region's stack does not own, `made by the course's CourseServiceRoles in another
  region: left alone`;
- a role the stack owns that is gone (deleted outside CloudFormation): a deploy would see no
  change and not bring it back; the line says how to start over, and nothing is deployed.

and, when the stack has a role to make or keep, runs one `cdk deploy CourseServiceRoles -c
service_roles=<those> --require-approval never` (the lines above said what it makes; IAM changes
would otherwise stop at a prompt), then reads every role back from IAM.

IAM is global, CloudFormation regional: run it in the class's region, once per account. In any
other region the roles are found (`made by the course's CourseServiceRoles in another region`) and
nothing is deployed. Destroying the stack (`npx cdk destroy CourseServiceRoles`, in its region)
deletes the roles it made for every region: only after the last class of the account.

Exit code: 0 when every role exists at the end, 1 otherwise. No CDK import (the CDK CLI runs in
a process of its own), as for every class tool.
"""

from __future__ import annotations

import argparse
import enum
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from course.names import COURSE_SERVICE_ROLES_ID, COURSE_TAG, SERVICE_ROLES, ServiceRole
from course.region import resolve_region

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
STACK = COURSE_SERVICE_ROLES_ID
EXIT_OK, EXIT_FAILED = 0, 1

# Runs a command in the project folder, its output to the terminal; returns the exit code.
# Tests pass a fake CDK.
CommandRunner = Callable[[Sequence[str]], int]


class Found(enum.Enum):
    """Where a role stands before the deploy, and what the stack does with it."""

    MISSING = "missing: CourseServiceRoles makes it"
    OWNED = "made by the course (CourseServiceRoles): kept"
    ELSEWHERE = "made by the course's CourseServiceRoles in another region: left alone"
    FOREIGN = "exists already (not made by the course): left alone"
    GONE = (
        "CourseServiceRoles made it, but it was deleted outside CloudFormation, which cannot "
        "bring it back: run npx cdk destroy CourseServiceRoles, then make course-roles again"
    )

    @property
    def in_stack(self) -> bool:
        """Whether the stack is to hold this role after the deploy."""
        return self in (Found.MISSING, Found.OWNED)


@dataclass(frozen=True)
class RoleState:
    role: ServiceRole
    found: Found

    def line(self, width: int) -> str:
        return f"  {self.role.path_and_name:<{width}}  {self.found.value}"


def _role(iam: Any, name: str) -> dict[str, Any] | None:
    """The role as IAM describes it, or None when there is none."""
    try:
        return iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise


def stack_roles(cloudformation: Any) -> set[str]:
    """The names of the roles this region's CourseServiceRoles stack owns (none: no stack)."""
    try:
        pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=STACK)
        return {
            resource["PhysicalResourceId"]
            for page in pages
            for resource in page["StackResourceSummaries"]
            if resource["ResourceType"] == "AWS::IAM::Role"
            and resource["ResourceStatus"] != "DELETE_COMPLETE"
            and resource.get("PhysicalResourceId")
        }
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return set()
        raise


def survey(iam: Any, cloudformation: Any) -> list[RoleState]:
    """Where each service role stands, in `SERVICE_ROLES` order."""
    owned = stack_roles(cloudformation)
    states = []
    for role in SERVICE_ROLES:
        found = _role(iam, role.name)
        if found is None:
            state = Found.GONE if role.name in owned else Found.MISSING
        elif role.name in owned:
            state = Found.OWNED
        elif {"Key": "course", "Value": COURSE_TAG} in found.get("Tags", []):
            state = Found.ELSEWHERE
        else:
            state = Found.FOREIGN
        states.append(RoleState(role, state))
    return states


def deploy_command(roles: Sequence[ServiceRole], region: str) -> list[str]:
    """`cdk deploy` of the stack with `roles`, into `region` (the one the survey read)."""
    names = ",".join(role.name for role in roles)
    return [
        "env",
        f"AWS_REGION={region}",
        str(CDK),
        "deploy",
        STACK,
        "-c",
        f"service_roles={names}",
        "--require-approval",
        "never",
    ]


def _run(command: Sequence[str]) -> int:
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main(argv: Sequence[str] | None = None, *, runner: CommandRunner | None = None) -> int:
    """Survey the roles, deploy the stack if it has any to make or keep; the exit code."""
    argparse.ArgumentParser(
        prog="python -m classroom.service_roles", description=__doc__.split("\n")[0]
    ).parse_args(argv)

    region = resolve_region()
    session = boto3.Session(region_name=region.name)
    try:
        account = session.client("sts").get_caller_identity()["Account"]
        iam = session.client("iam")
        states = survey(iam, session.client("cloudformation"))
    except (BotoCoreError, ClientError) as error:
        print(f"error: cannot read the roles or the stack: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"course-roles: account {account} (IAM roles are global), stack {STACK} in region {region}",
        flush=True,
    )
    width = max(len(state.role.path_and_name) for state in states)
    print("\n".join(state.line(width) for state in states), flush=True)
    if any(state.found is Found.GONE for state in states):
        print(f"error: nothing was deployed: {STACK} lost a role (see above)", file=sys.stderr)
        return EXIT_FAILED
    in_stack = [state.role for state in states if state.found.in_stack]
    if not in_stack:
        print(f"nothing to deploy: every role exists, and {STACK} owns none in {region.name}")
        return EXIT_OK
    names = ", ".join(role.name for role in in_stack)
    print(f"deploying {STACK} with {names} (the CDK CLI's output follows)", flush=True)
    code = (runner or _run)(deploy_command(in_stack, region.name))
    try:
        missing = [role.path_and_name for role in SERVICE_ROLES if _role(iam, role.name) is None]
    except (BotoCoreError, ClientError) as error:
        print(f"error: cannot read the roles back: {error}", file=sys.stderr)
        return EXIT_FAILED
    if code != 0 or missing:
        print(
            f"FAILED: cdk deploy {STACK} exited {code}"
            + (f"; still missing: {', '.join(missing)}" if missing else ""),
            file=sys.stderr,
        )
        return EXIT_FAILED
    print("done: every service role exists; participants may pass them to their services")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

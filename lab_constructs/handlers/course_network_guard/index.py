"""Holds back the deletion of the course network while participants' resources are in it.

With `-c shared_network=true`, every participant's LabRdsMysql of an account puts its DB
instances, security groups and DB subnet group into the one course network
(stacks/course_network.py), and a participant's CloudShell VPC environment puts a network
interface there. Deleting that network while any of them exists cannot succeed: a security
group blocks deleting the VPC, a network interface (a database's or CloudShell's) its subnet,
and the subnets and VPC would end in DELETE_FAILED after CloudFormation's retries, with a
reason that names none of them. This handler runs behind a CDK `custom_resources.Provider`
whose custom resource depends on the VPC and on the SSM parameters that name it, so
CloudFormation deletes it first:

- `on_event` answers Create and Update at once; on Delete it only sets the deadline.
- `is_complete`, polled by the Provider's waiter, is complete when the course VPC holds no DB
  instance (by its subnet group), no security group but the VPC's default one, and no network
  interface (a class-down running at the same time is waited for). A listing that fails
  (throttled, denied) counts as something left, never as nothing left. At the deadline the
  deletion fails, naming everything still there and what to do; the VPC, its parameters and
  everything else of the network are then untouched, and `cdk destroy CourseNetwork` again
  finishes the job once the class is down.

The VPC it guards is its function's environment (`COURSE_VPC_ID`), fixed at deploy time, never
taken from the invoking event: an event that names another VPC changes nothing. It deletes
nothing. Plain Python with boto3 (part of the Lambda runtime): testable with moto.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# The function's environment, set at deploy time (lab_constructs/course_network.py).
VPC_VARIABLE = "COURSE_VPC_ID"
TIMEOUT_PROPERTY = "TimeoutSeconds"
DEADLINE_KEY = "GuardDeadline"
DEFAULT_GROUP = "default"  # the VPC's own security group, deleted with it


class NetworkInUse(RuntimeError):
    """Participants' resources are still in the course network at the deadline."""


def on_event(
    event: dict[str, Any],
    _context: Any = None,
    now: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
):
    """Provider on-event handler: the physical id is the VPC id; Delete sets the deadline."""
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": environ[VPC_VARIABLE]}
    deadline = now() + float(event["ResourceProperties"][TIMEOUT_PROPERTY])
    return {"PhysicalResourceId": event["PhysicalResourceId"], DEADLINE_KEY: deadline}


def is_complete(
    event: dict[str, Any],
    _context: Any = None,
    rds: Any = None,
    ec2: Any = None,
    now: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, bool]:
    """Provider is-complete handler: complete once nothing of participants is left in the VPC."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    vpc = environ[VPC_VARIABLE]
    rds = rds or boto3.client("rds")
    ec2 = ec2 or boto3.client("ec2")
    left = {
        **_listed(f"the DB instances of {vpc}", lambda: databases_in(rds, vpc)),
        **_listed(f"the security groups of {vpc}", lambda: security_groups_in(ec2, vpc)),
        **_listed(f"the network interfaces of {vpc}", lambda: interfaces_in(ec2, vpc)),
    }
    if not left:
        LOGGER.info("nothing of participants left in the course network %s", vpc)
        return {"IsComplete": True}
    details = ", ".join(f"{name} ({status})" for name, status in left.items())
    if now() > float(event[DEADLINE_KEY]):
        raise NetworkInUse(
            f"the course network {vpc} still holds {len(left)} resource(s) of participants: "
            f"{details}. Run make class-down LAB=LabRdsMysql for the class (and delete DB "
            "instances and security groups made by hand in it, and close CloudShell VPC "
            "environments in it), then destroy CourseNetwork again."
        )
    LOGGER.info("course network %s: waiting for %s", vpc, details)
    return {"IsComplete": False}


def _listed(what: str, listing: Callable[[], dict[str, str]]) -> dict[str, str]:
    """What `listing` finds; a listing that fails is something left (retried at the next poll)."""
    try:
        return listing()
    except (ClientError, BotoCoreError) as error:
        return {what: f"cannot list them yet: {error}"}


def databases_in(rds: Any, vpc: str) -> dict[str, str]:
    """The DB instances whose subnet group is in `vpc`, with their status."""
    return {
        f"DB instance {instance['DBInstanceIdentifier']}": instance.get("DBInstanceStatus", "?")
        for page in rds.get_paginator("describe_db_instances").paginate()
        for instance in page["DBInstances"]
        if instance.get("DBSubnetGroup", {}).get("VpcId") == vpc
    }


def security_groups_in(ec2: Any, vpc: str) -> dict[str, str]:
    """The security groups of `vpc` but its default one, with their names."""
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    return {
        f"security group {group['GroupId']}": group.get("GroupName", "?")
        for page in ec2.get_paginator("describe_security_groups").paginate(Filters=in_vpc)
        for group in page["SecurityGroups"]
        if group.get("GroupName") != DEFAULT_GROUP
    }


def interfaces_in(ec2: Any, vpc: str) -> dict[str, str]:
    """The network interfaces in `vpc`, with their status and what made them."""
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    return {
        f"network interface {interface['NetworkInterfaceId']}": (
            f"{interface.get('Status', '?')}: {interface.get('Description') or 'no description'}"
        )
        for page in ec2.get_paginator("describe_network_interfaces").paginate(Filters=in_vpc)
        for interface in page["NetworkInterfaces"]
    }

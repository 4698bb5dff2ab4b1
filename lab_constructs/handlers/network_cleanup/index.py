"""Empties the RDS lab's network of what students left in it, when its stack is deleted.

Two guide steps leave things in the lab's VPC that no stack owns and that block deleting the
security groups, the DB subnet group, the subnets and the VPC (the stack would end in
DELETE_FAILED):

- a **CloudShell VPC environment**'s network interface (tagged `ManagedByCloudShell`), which
  can outlive the environment, detached ('available');
- a **read replica made by hand** (console or CLI): it sits in the lab's DB subnet group, and
  RDS promotes it to a standalone instance when the stack deletes its source.

This handler runs behind a CDK `custom_resources.Provider` whose custom resource depends on the
VPC, the security groups and the DB subnet group, so CloudFormation deletes it first:

- `on_event` answers Create and Update at once; on Delete it only sets the deadline.
- `is_complete`, polled by the Provider's waiter, deletes the DB instances **in the lab's DB
  subnet group** other than the stack's own (`KeepDbInstances`), without a final snapshot,
  and the network interfaces **of the lab's VPC** tagged `ManagedByCloudShell` that are
  detached; it is complete when none of either is left. An instance being deleted and an
  interface still attached ('in-use': a CloudShell VPC environment is still open) are waited
  for. Any error is retried at the next poll; at the deadline the deletion fails naming each
  thing left, its status and the last error.

Nothing outside the lab's VPC and DB subnet group is ever deleted; the role's IAM policy
enforces the same for the interfaces (`ec2:Vpc` and the tag as conditions). Which VPC, subnet
group, security groups and instances are the lab's is fixed at deploy time, in the function's
environment (`LAB_VPC_ID`, ...), never read from the invoking event: an event that names
another lab's subnet group changes nothing.

Plain Python with boto3 (part of the Lambda runtime): no CDK, testable with moto or Stubber.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# The function's environment, set at deploy time (lab_constructs/network_cleanup.py).
VPC_VARIABLE = "LAB_VPC_ID"
SUBNET_GROUP_VARIABLE = "LAB_DB_SUBNET_GROUP"
KEEP_VARIABLE = "LAB_KEEP_DB_INSTANCES"  # comma-separated
# Optional: only interfaces in these security groups (a VPC shared by a class), comma-separated.
GROUPS_VARIABLE = "LAB_INTERFACE_SECURITY_GROUPS"
TIMEOUT_PROPERTY = "TimeoutSeconds"
DEADLINE_KEY = "CleanupDeadline"
CLOUDSHELL_TAG = "ManagedByCloudShell"
DETACHED = "available"
DB_DELETING = "deleting"
GONE = frozenset(
    {"InvalidNetworkInterfaceID.NotFound", "InvalidVpcID.NotFound", "DBInstanceNotFound"}
)


class CleanupError(RuntimeError):
    """Things are left at the deadline; the message names each and why."""


@dataclass(frozen=True)
class LabNetwork:
    """What the function's stack owns: its VPC, DB subnet group, instances and groups."""

    vpc: str
    subnet_group: str
    keep: frozenset[str]
    groups: list[str] | None

    @classmethod
    def of(cls, environ: Mapping[str, str]) -> LabNetwork:
        def names(variable: str) -> list[str]:
            return [name for name in environ.get(variable, "").split(",") if name]

        return cls(
            vpc=environ[VPC_VARIABLE],
            subnet_group=environ.get(SUBNET_GROUP_VARIABLE, ""),
            keep=frozenset(names(KEEP_VARIABLE)),
            groups=names(GROUPS_VARIABLE) or None,
        )


def on_event(
    event: dict[str, Any],
    _context: Any = None,
    now: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
):
    """Provider on-event handler: the physical id is the VPC id; Delete sets the deadline."""
    vpc = LabNetwork.of(environ).vpc
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": vpc}
    LOGGER.info("emptying the lab network %s", vpc)
    deadline = now() + float(event["ResourceProperties"][TIMEOUT_PROPERTY])
    return {"PhysicalResourceId": event["PhysicalResourceId"], DEADLINE_KEY: deadline}


def is_complete(
    event: dict[str, Any],
    _context: Any = None,
    ec2: Any = None,
    rds: Any = None,
    now: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, bool]:
    """Provider is-complete handler: deletes what students left in the lab's network."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    network = LabNetwork.of(environ)
    vpc = network.vpc
    left = (
        remove_db_instances(rds or boto3.client("rds"), network.subnet_group, set(network.keep))
        if network.subnet_group
        else {}
    )
    left |= remove_interfaces(ec2 or boto3.client("ec2"), vpc, network.groups)
    if not left:
        LOGGER.info("nothing left in the lab network %s", vpc)
        return {"IsComplete": True}
    details = "; ".join(f"{name} ({why})" for name, why in left.items())
    if now() > float(event[DEADLINE_KEY]):
        raise CleanupError(
            f"the lab network {vpc} still holds {len(left)} thing(s) the stack does not own "
            f"after the clean-up timeout: {details}. Delete your CloudShell VPC environment "
            "(CloudShell > Actions > Delete) and your own DB instances in the lab's VPC, then "
            "destroy the lab again."
        )
    LOGGER.info("lab network %s: waiting for %s", vpc, details)
    return {"IsComplete": False}


def remove_db_instances(rds: Any, subnet_group: str, keep: set[str]) -> dict[str, str]:
    """Delete the DB instances of `subnet_group` not in `keep`; return those left, with why."""
    try:
        pages = rds.get_paginator("describe_db_instances").paginate()
        instances = [
            instance
            for page in pages
            for instance in page["DBInstances"]
            if instance.get("DBSubnetGroup", {}).get("DBSubnetGroupName") == subnet_group
            and instance["DBInstanceIdentifier"] not in keep
        ]
    except (ClientError, BotoCoreError) as error:
        return {f"the DB instances of {subnet_group}": f"cannot list them yet: {error}"}
    left = {}
    for instance in instances:
        name, status = instance["DBInstanceIdentifier"], instance.get("DBInstanceStatus", "?")
        left[f"DB instance {name}"] = status
        if status == DB_DELETING:
            continue
        try:
            rds.delete_db_instance(
                DBInstanceIdentifier=name, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
            LOGGER.info("deleting DB instance %s, left in %s", name, subnet_group)
        except ClientError as error:
            if _code(error) in GONE:
                del left[f"DB instance {name}"]
            else:  # e.g. deletion protection on, or still being created: try again later
                left[f"DB instance {name}"] = f"{status}: {_code(error)}: {error}"
        except BotoCoreError as error:
            left[f"DB instance {name}"] = f"{status}: {error}"
    return left


def remove_interfaces(ec2: Any, vpc: str, groups: list[str] | None = None) -> dict[str, str]:
    """Delete the detached CloudShell interfaces of `vpc` (in `groups`, when given); return
    those left, with why."""
    try:
        interfaces = cloudshell_interfaces(ec2, vpc, groups)
    except (ClientError, BotoCoreError) as error:
        if isinstance(error, ClientError) and _code(error) in GONE:
            return {}
        return {f"the interfaces of {vpc}": f"cannot list them yet: {error}"}
    left = {}
    for interface in interfaces:
        name, status = interface["NetworkInterfaceId"], interface.get("Status", "?")
        if interface.get("VpcId") != vpc:  # never anything outside the lab's VPC
            continue
        if status != DETACHED:
            left[name] = f"{status}: still attached to a CloudShell VPC environment"
            continue
        try:
            ec2.delete_network_interface(NetworkInterfaceId=name)
            LOGGER.info("deleted network interface %s of %s", name, vpc)
        except ClientError as error:
            if _code(error) not in GONE:
                left[name] = f"{status}: {_code(error)}: {error}"
        except BotoCoreError as error:
            left[name] = f"{status}: {error}"
    return left


def cloudshell_interfaces(
    ec2: Any, vpc: str, groups: list[str] | None = None
) -> list[dict[str, Any]]:
    """The network interfaces of `vpc` tagged `ManagedByCloudShell` (and in one of `groups`,
    when given), all pages."""
    paginator = ec2.get_paginator("describe_network_interfaces")
    filters = [
        {"Name": "vpc-id", "Values": [vpc]},
        {"Name": "tag-key", "Values": [CLOUDSHELL_TAG]},
    ]
    if groups:
        filters.append({"Name": "group-id", "Values": list(groups)})
    return [
        interface
        for page in paginator.paginate(Filters=filters)
        for interface in page.get("NetworkInterfaces", [])
    ]


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")

"""Deletes CloudShell's leftover network interfaces in the lab's VPC when its stack is deleted.

A CloudShell VPC environment puts a network interface (tagged `ManagedByCloudShell`) into one
of the lab's subnets with the lab's CloudShell security group. It can outlive the environment,
detached ('available'), and then blocks deleting the security group, the subnet and the VPC:
the stack would end in DELETE_FAILED. This handler runs behind a CDK `custom_resources.Provider`
whose custom resource depends on the VPC and the security group, so CloudFormation deletes it
first:

- `on_event` answers Create and Update at once; on Delete it only sets the deadline.
- `is_complete`, polled by the Provider's waiter, lists the interfaces **of this VPC only**
  (filter `vpc-id`) that carry the `ManagedByCloudShell` tag, deletes those that are
  'available', and is complete when none is left. One still attached ('in-use': a CloudShell
  VPC environment is still open, or releasing it) is waited for. Any error is retried at the
  next poll; at the deadline the deletion fails naming each interface left, its status and
  the last error, e.g. "delete your CloudShell VPC environment".

Nothing outside the VPC is ever listed or deleted; the role's IAM policy enforces the same
(`ec2:Vpc` and the tag as conditions).

Plain Python with boto3 (part of the Lambda runtime): no CDK, testable with moto or Stubber.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

VPC_PROPERTY = "VpcId"
TIMEOUT_PROPERTY = "TimeoutSeconds"
DEADLINE_KEY = "CleanupDeadline"
CLOUDSHELL_TAG = "ManagedByCloudShell"
DETACHED = "available"
GONE = frozenset({"InvalidNetworkInterfaceID.NotFound", "InvalidVpcID.NotFound"})


class CleanupError(RuntimeError):
    """Interfaces are left at the deadline; the message names each and why."""


def on_event(event: dict[str, Any], _context: Any = None, now: Callable[[], float] = time.time):
    """Provider on-event handler: the physical id is the VPC id; Delete sets the deadline."""
    properties = event["ResourceProperties"]
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": properties[VPC_PROPERTY]}
    LOGGER.info("removing CloudShell network interfaces of %s", properties[VPC_PROPERTY])
    deadline = now() + float(properties[TIMEOUT_PROPERTY])
    return {"PhysicalResourceId": event["PhysicalResourceId"], DEADLINE_KEY: deadline}


def is_complete(
    event: dict[str, Any],
    _context: Any = None,
    client: Any = None,
    now: Callable[[], float] = time.time,
) -> dict[str, bool]:
    """Provider is-complete handler: deletes detached CloudShell interfaces of the VPC."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    vpc = event["ResourceProperties"][VPC_PROPERTY]
    client = client or boto3.client("ec2")
    left = remove_interfaces(client, vpc)
    if not left:
        LOGGER.info("no CloudShell network interface left in %s", vpc)
        return {"IsComplete": True}
    details = "; ".join(f"{name} ({why})" for name, why in left.items())
    if now() > float(event[DEADLINE_KEY]):
        raise CleanupError(
            f"VPC {vpc} still holds {len(left)} CloudShell network interface(s) after the "
            f"clean-up timeout: {details}. Delete your CloudShell VPC environment (CloudShell > "
            "Actions > Delete), then destroy the lab again."
        )
    LOGGER.info("VPC %s: waiting for %s", vpc, details)
    return {"IsComplete": False}


def remove_interfaces(client: Any, vpc: str) -> dict[str, str]:
    """Delete the detached CloudShell interfaces of `vpc`; return those left, with why."""
    try:
        interfaces = cloudshell_interfaces(client, vpc)
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
            client.delete_network_interface(NetworkInterfaceId=name)
            LOGGER.info("deleted network interface %s of %s", name, vpc)
        except ClientError as error:
            if _code(error) not in GONE:
                left[name] = f"{status}: {_code(error)}: {error}"
        except BotoCoreError as error:
            left[name] = f"{status}: {error}"
    return left


def cloudshell_interfaces(client: Any, vpc: str) -> list[dict[str, Any]]:
    """The network interfaces of `vpc` tagged `ManagedByCloudShell`, all pages."""
    paginator = client.get_paginator("describe_network_interfaces")
    filters = [
        {"Name": "vpc-id", "Values": [vpc]},
        {"Name": "tag-key", "Values": [CLOUDSHELL_TAG]},
    ]
    return [
        interface
        for page in paginator.paginate(Filters=filters)
        for interface in page.get("NetworkInterfaces", [])
    ]


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")

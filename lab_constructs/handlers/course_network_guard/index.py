"""Holds back the deletion of the course network while participants' databases are in it.

With `-c shared_network=true`, every participant's LabRdsMysql of an account puts its DB
instances (and security groups, DB subnet group) into the one course network
(stacks/course_network.py). Deleting that network while they exist cannot succeed: its subnets
and VPC would end in DELETE_FAILED after CloudFormation's retries, with a reason that names no
database. This handler runs behind a CDK `custom_resources.Provider` whose custom resource
depends on the VPC, so CloudFormation deletes it first:

- `on_event` answers Create and Update at once; on Delete it only sets the deadline.
- `is_complete`, polled by the Provider's waiter, is complete when no DB instance's subnet
  group is in the course VPC (a class-down running at the same time is waited for). At the
  deadline the deletion fails, naming every DB instance still there and what to do; the VPC
  and everything else of the network are then untouched, and `cdk destroy CourseNetwork`
  again finishes the job once the class is down.

It deletes nothing. Plain Python with boto3 (part of the Lambda runtime): testable with moto.
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
DEADLINE_KEY = "GuardDeadline"


class NetworkInUse(RuntimeError):
    """Participants' databases are still in the course network at the deadline."""


def on_event(event: dict[str, Any], _context: Any = None, now: Callable[[], float] = time.time):
    """Provider on-event handler: the physical id is the VPC id; Delete sets the deadline."""
    properties = event["ResourceProperties"]
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": properties[VPC_PROPERTY]}
    deadline = now() + float(properties[TIMEOUT_PROPERTY])
    return {"PhysicalResourceId": event["PhysicalResourceId"], DEADLINE_KEY: deadline}


def is_complete(
    event: dict[str, Any],
    _context: Any = None,
    rds: Any = None,
    now: Callable[[], float] = time.time,
) -> dict[str, bool]:
    """Provider is-complete handler: complete once no DB instance is left in the VPC."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    vpc = event["ResourceProperties"][VPC_PROPERTY]
    try:
        left = databases_in(rds or boto3.client("rds"), vpc)
    except (ClientError, BotoCoreError) as error:  # retried at the next poll
        left = {f"the DB instances of {vpc}": f"cannot list them yet: {error}"}
    if not left:
        LOGGER.info("no database left in the course network %s", vpc)
        return {"IsComplete": True}
    details = ", ".join(f"{name} ({status})" for name, status in left.items())
    if now() > float(event[DEADLINE_KEY]):
        raise NetworkInUse(
            f"the course network {vpc} still holds {len(left)} DB instance(s) of participants: "
            f"{details}. Run make class-down LAB=LabRdsMysql for the class (and delete DB "
            "instances made by hand in it), then destroy CourseNetwork again."
        )
    LOGGER.info("course network %s: waiting for %s", vpc, details)
    return {"IsComplete": False}


def databases_in(rds: Any, vpc: str) -> dict[str, str]:
    """The DB instances whose subnet group is in `vpc`, with their status."""
    return {
        instance["DBInstanceIdentifier"]: instance.get("DBInstanceStatus", "?")
        for page in rds.get_paginator("describe_db_instances").paginate()
        for instance in page["DBInstances"]
        if instance.get("DBSubnetGroup", {}).get("VpcId") == vpc
    }

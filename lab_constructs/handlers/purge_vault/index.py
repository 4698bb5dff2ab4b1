"""Empties an AWS Backup vault when its stack is deleted, so that the vault can be deleted too.

A vault that holds recovery points cannot be deleted. This handler runs behind a CDK
`custom_resources.Provider` whose custom resource depends on the vault, so CloudFormation
deletes it first:

- `on_event` answers Create and Update at once; on Delete it only sets the deadline.
- `is_complete` is then called every few seconds by the Provider's waiter (a Step Functions
  state machine, so waiting is not bounded by one Lambda's 15 minutes). Each call lists every
  recovery point of the vault (all pages), asks AWS Backup to delete those not being deleted
  yet, and reports complete only when the list is empty. A vault that is already empty or gone
  is complete at once, so a repeated destroy succeeds.

A recovery point AWS Backup refuses to delete fails the stack deletion with a message naming it
and the reason; so does one still there at the deadline (e.g. left EXPIRED by a deletion that
failed inside AWS Backup), with its status message.

Plain Python with boto3 (part of the Lambda runtime): no CDK, testable with botocore's Stubber.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

VAULT_PROPERTY = "BackupVaultName"
TIMEOUT_PROPERTY = "TimeoutSeconds"
DEADLINE_KEY = "PurgeDeadline"

# The vault does not exist (any more): nothing to empty.
VAULT_GONE = frozenset({"ResourceNotFoundException"})
# The recovery point was deleted between listing and deleting it.
POINT_GONE = frozenset({"ResourceNotFoundException"})
# AWS Backup is still working on the recovery point (e.g. its backup job is running): retry.
POINT_BUSY = frozenset({"InvalidResourceStateException"})
DELETING = "DELETING"


class PurgeError(RuntimeError):
    """The vault cannot be emptied; the message says which recovery point and why."""


def on_event(event: dict[str, Any], _context: Any = None, now: Callable[[], float] = time.time):
    """Provider on-event handler: the physical id is the vault name; Delete sets the deadline."""
    properties = event["ResourceProperties"]
    vault = properties[VAULT_PROPERTY]
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": vault}
    deadline = now() + float(properties[TIMEOUT_PROPERTY])
    LOGGER.info("emptying backup vault %s before it is deleted", vault)
    return {"PhysicalResourceId": event["PhysicalResourceId"], DEADLINE_KEY: deadline}


def is_complete(
    event: dict[str, Any],
    _context: Any = None,
    client: Any = None,
    now: Callable[[], float] = time.time,
) -> dict[str, bool]:
    """Provider is-complete handler: deletes what is left and says whether the vault is empty."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    vault = event["ResourceProperties"][VAULT_PROPERTY]
    client = client or boto3.client("backup")
    remaining = purge(client, vault)
    if not remaining:
        LOGGER.info("backup vault %s is empty", vault)
        return {"IsComplete": True}
    if now() > float(event[DEADLINE_KEY]):
        details = "; ".join(
            f"{point['RecoveryPointArn']} ({point.get('Status', '?')}: "
            f"{point.get('StatusMessage') or 'no status message'})"
            for point in remaining
        )
        raise PurgeError(
            f"backup vault {vault} still holds {len(remaining)} recovery point(s) after the "
            f"purge timeout: {details}"
        )
    LOGGER.info("backup vault %s: %d recovery point(s) left", vault, len(remaining))
    return {"IsComplete": False}


def purge(client: Any, vault: str) -> list[dict[str, Any]]:
    """Ask AWS Backup to delete every recovery point of `vault`; return those still listed.

    Deletion is asynchronous: a point whose deletion was requested is still listed (status
    DELETING) until AWS Backup has removed it, so the caller polls until the list is empty.
    """
    try:
        points = list_recovery_points(client, vault)
    except ClientError as error:
        if _code(error) in VAULT_GONE:
            LOGGER.info("backup vault %s does not exist: nothing to empty", vault)
            return []
        raise
    return [
        point
        for point in points
        if point.get("Status") == DELETING or _delete(client, vault, point["RecoveryPointArn"])
    ]


def list_recovery_points(client: Any, vault: str) -> list[dict[str, Any]]:
    """Every recovery point of `vault`, all pages."""
    paginator = client.get_paginator("list_recovery_points_by_backup_vault")
    return [
        point
        for page in paginator.paginate(BackupVaultName=vault)
        for point in page.get("RecoveryPoints", [])
    ]


def _delete(client: Any, vault: str, arn: str) -> bool:
    """Request deletion of one recovery point; False if it no longer exists."""
    try:
        client.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=arn)
    except ClientError as error:
        code = _code(error)
        if code in POINT_GONE:
            return False
        if code in POINT_BUSY:
            LOGGER.info("recovery point %s is busy, retrying later: %s", arn, _message(error))
            return True
        raise PurgeError(
            f"cannot delete recovery point {arn} of backup vault {vault}: {code}: {_message(error)}"
        ) from error
    LOGGER.info("deleting recovery point %s", arn)
    return True


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _message(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Message", "") or str(error)

"""Empties an AWS Backup vault when its stack is deleted, so that the vault can be deleted too.

A vault that holds recovery points cannot be deleted. This handler runs behind a CDK
`custom_resources.Provider` whose custom resource depends on the vault, so CloudFormation
deletes it first:

- `on_event` answers Create and Update at once; on Delete it only sets the deadline.
- `is_complete` is then called every few seconds by the Provider's waiter (a Step Functions
  state machine, so waiting is not bounded by one Lambda's 15 minutes). Each call
  1. lists the vault's backup jobs that are still active (CREATED, PENDING, RUNNING, ABORTING:
     they have no recovery point yet, but will write one into the vault) and asks AWS Backup to
     stop those not stopping yet; a job AWS Backup will not stop (e.g. of a service that does
     not support StopBackupJob) is waited for;
  2. lists every recovery point of the vault (all pages), asks AWS Backup to delete those not
     being deleted yet (both kinds of ARN: `arn:...:backup:...:recovery-point:...` and, in
     accounts without AWS Backup's advanced DynamoDB features, the DynamoDB backup ARN
     `arn:...:dynamodb:...:table/<table>/backup/<id>`: DeleteRecoveryPoint takes either);
  3. reports complete only when no job is active and no recovery point is left. A vault that
     is already empty or gone is complete at once, so a repeated destroy succeeds.

"Not yet" rather than failure: throttling, 5xx answers, network errors and busy answers
(InvalidResourceStateException, an InvalidRequestException saying something is in progress)
are retried at the next poll until the deadline. A recovery point AWS Backup refuses to delete
for any other reason fails the stack deletion at once, with a message naming it and why; so
does anything still there at the deadline (each job with its state and why it was not
stopped, each recovery point with its status message), and the last transient error.

The vault is the function's environment (`BACKUP_VAULT_NAME`, set at deploy time), never read
from the invoking event: an event naming another vault stops none of its jobs.

Plain Python with boto3 (part of the Lambda runtime): no CDK, testable with botocore's Stubber.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# The function's environment, set at deploy time (lab_constructs/backup_vault.py).
VAULT_VARIABLE = "BACKUP_VAULT_NAME"
TIMEOUT_PROPERTY = "TimeoutSeconds"
DEADLINE_KEY = "PurgeDeadline"

# The vault does not exist (any more): nothing to empty.
VAULT_GONE = frozenset({"ResourceNotFoundException"})
# The recovery point (or job) was deleted (or finished) between listing and acting on it.
POINT_GONE = frozenset({"ResourceNotFoundException"})
# AWS Backup is still working on the recovery point (e.g. its backup job is running): retry.
POINT_BUSY = frozenset({"InvalidResourceStateException"})
# ... and an InvalidRequestException whose message says so (checked case-insensitively).
BUSY_MESSAGES = ("in progress", "is being", "currently")
# Answers that mean "try again later", whatever the call (AWS's common errors).
TRANSIENT = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
DELETING = "DELETING"
# Backup jobs that will still write a recovery point into the vault.
ACTIVE_JOB_STATES = frozenset({"CREATED", "PENDING", "RUNNING", "ABORTING"})
# Of those, the ones StopBackupJob applies to (ABORTING is stopping already).
STOPPABLE_JOB_STATES = frozenset({"CREATED", "PENDING", "RUNNING"})


class PurgeError(RuntimeError):
    """The vault cannot be emptied; the message says which job or recovery point and why."""


class NotYet(Exception):
    """A transient answer from AWS (throttling, 5xx, network): try again at the next poll."""


@dataclass
class Leftovers:
    """What one poll found still in the vault, with why, for the deadline's message."""

    jobs: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)
    # Job id -> why AWS Backup did not stop it.
    not_stopped: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.jobs or self.points)

    def describe(self) -> str:
        jobs = [
            f"backup job {job['BackupJobId']} ({job.get('State', '?')}, "
            f"{job.get('ResourceArn', 'unknown resource')}"
            + (
                f": cannot be stopped: {self.not_stopped[job['BackupJobId']]}"
                if job["BackupJobId"] in self.not_stopped
                else ""
            )
            + ")"
            for job in self.jobs
        ]
        points = [
            f"recovery point {point['RecoveryPointArn']} ({point.get('Status', '?')}: "
            f"{point.get('StatusMessage') or 'no status message'})"
            for point in self.points
        ]
        return "; ".join(jobs + points)


def on_event(
    event: dict[str, Any],
    _context: Any = None,
    now: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
):
    """Provider on-event handler: the physical id is the vault name; Delete sets the deadline."""
    vault = environ[VAULT_VARIABLE]
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": vault}
    deadline = now() + float(event["ResourceProperties"][TIMEOUT_PROPERTY])
    LOGGER.info("emptying backup vault %s before it is deleted", vault)
    return {"PhysicalResourceId": event["PhysicalResourceId"], DEADLINE_KEY: deadline}


def is_complete(
    event: dict[str, Any],
    _context: Any = None,
    client: Any = None,
    now: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, bool]:
    """Provider is-complete handler: stops jobs, deletes points, says whether the vault is empty."""
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    vault = environ[VAULT_VARIABLE]
    client = client or boto3.client("backup")
    late = now() > float(event[DEADLINE_KEY])
    try:
        left = purge(client, vault)
    except NotYet as error:
        if late:
            raise PurgeError(
                f"backup vault {vault} could not be emptied before the purge timeout: AWS Backup "
                f"kept answering with a transient error, the last: {error}"
            ) from None
        LOGGER.info("backup vault %s: AWS Backup is busy (%s), trying again later", vault, error)
        return {"IsComplete": False}
    if not left:
        LOGGER.info("backup vault %s is empty", vault)
        return {"IsComplete": True}
    if late:
        raise PurgeError(
            f"backup vault {vault} still holds {len(left.jobs)} active backup job(s) and "
            f"{len(left.points)} recovery point(s) after the purge timeout: {left.describe()}"
        )
    LOGGER.info("backup vault %s: still waiting for %s", vault, left.describe())
    return {"IsComplete": False}


def purge(client: Any, vault: str) -> Leftovers:
    """Stop the vault's active jobs, delete its recovery points; return what is still there.

    Stopping and deletion are asynchronous: a job asked to stop stays listed (ABORTING) and a
    point whose deletion was requested stays listed (DELETING) until AWS Backup is done, so the
    caller polls until nothing is left. Raises `NotYet` on a transient answer.
    """
    left = Leftovers()
    try:
        left.jobs = active_jobs(client, vault)
        for job in left.jobs:
            if job.get("State") in STOPPABLE_JOB_STATES:
                reason = _stop(client, job["BackupJobId"])
                if reason:
                    left.not_stopped[job["BackupJobId"]] = reason
        points = list_recovery_points(client, vault)
    except ClientError as error:
        if _code(error) in VAULT_GONE:
            LOGGER.info("backup vault %s does not exist: nothing to empty", vault)
            return Leftovers()
        raise
    left.points = [
        point
        for point in points
        if point.get("Status") == DELETING or _delete(client, vault, point["RecoveryPointArn"])
    ]
    return left


def active_jobs(client: Any, vault: str) -> list[dict[str, Any]]:
    """The vault's backup jobs that may still write a recovery point into it, all pages.

    One listing of the vault's jobs (AWS Backup keeps 30 days of them, a handful in a lab),
    filtered here: ListBackupJobs takes one state at a time.
    """
    jobs = _all_pages(client, "list_backup_jobs", "BackupJobs", ByBackupVaultName=vault)
    return [job for job in jobs if job.get("State") in ACTIVE_JOB_STATES]


def list_recovery_points(client: Any, vault: str) -> list[dict[str, Any]]:
    """Every recovery point of `vault`, all pages."""
    return _all_pages(
        client, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=vault
    )


def _all_pages(client: Any, operation: str, key: str, **params: str) -> list[dict[str, Any]]:
    """Every `key` item of every page of `operation`; a transient error becomes `NotYet`."""
    paginator = client.get_paginator(operation)
    return _transient(
        lambda: [item for page in paginator.paginate(**params) for item in page.get(key, [])]
    )


def _stop(client: Any, job_id: str) -> str | None:
    """Ask AWS Backup to stop one job; the reason if it will not (the job is then waited for)."""
    try:
        _transient(lambda: client.stop_backup_job(BackupJobId=job_id))
    except ClientError as error:
        if _code(error) in POINT_GONE:
            return None  # finished in the meantime: the next listing shows it no more
        reason = f"{_code(error)}: {_message(error)}"
        LOGGER.info("backup job %s cannot be stopped, waiting for it: %s", job_id, reason)
        return reason
    LOGGER.info("stopping backup job %s", job_id)
    return None


def _delete(client: Any, vault: str, arn: str) -> bool:
    """Request deletion of one recovery point; False if it no longer exists."""
    try:
        _transient(
            lambda: client.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=arn)
        )
    except ClientError as error:
        code = _code(error)
        if code in POINT_GONE:
            return False
        if _busy(error):
            LOGGER.info("recovery point %s is busy, retrying later: %s", arn, _message(error))
            return True
        raise PurgeError(
            f"cannot delete recovery point {arn} of backup vault {vault}: {code}: {_message(error)}"
        ) from error
    LOGGER.info("deleting recovery point %s", arn)
    return True


def _transient(call: Callable[[], Any]) -> Any:
    """Run one AWS call; a throttling, 5xx or network error becomes `NotYet`."""
    try:
        return call()
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if _code(error) in TRANSIENT or status >= 500:
            raise NotYet(f"{error.operation_name}: {_code(error)}: {_message(error)}") from error
        raise
    except (EndpointError, HTTPClientError) as error:  # connection reset, timeout, ...
        raise NotYet(str(error)) from error


def _busy(error: ClientError) -> bool:
    if _code(error) in POINT_BUSY:
        return True
    message = _message(error).lower()
    return _code(error) == "InvalidRequestException" and any(
        words in message for words in BUSY_MESSAGES
    )


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _message(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Message", "") or str(error)

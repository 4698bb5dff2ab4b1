"""Lambda-backed custom resources that run while a lab stack deploys.

CloudFormation invokes these functions itself (the custom resource's ServiceToken is the
function), with the deploying role, and waits for the answer each function PUTs to the
request's pre-signed `ResponseURL` ("Custom resource response objects", CloudFormation User
Guide). No provider framework in between: no second function, and no second role whose new
policy could be invisible yet.

- `put_item` writes one DynamoDB item on Create and Update (the same key, so an update
  rewrites it), nothing on Delete. Its role's policy is created in the same deploy, and IAM is
  eventually consistent ("Changes that I make are not always immediately visible", IAM User
  Guide): the first PutItem can be denied although the policy is already CREATE_COMPLETE
  (aws-cdk issues 31429 and 37675, which AwsCustomResource does not retry). So AccessDenied is
  retried with growing pauses for about two minutes before the deploy fails.
- `put_object` writes one file (`Body`, UTF-8 text, with its `ContentType`) to `Bucket`/`Key`
  on Create and Update, marked with its writer (metadata `lab-file-writer`: a hash of the stack
  id and the resource's logical id, which names neither, as the object may be public), and on
  Delete deletes the object only if that mark is still its own: when the file leaves the lab,
  when its key changes (CloudFormation then deletes the old object), and before the bucket on
  destroy. A file moved to another logical id (a construct renamed) keeps its key and physical
  id `s3://bucket/key`: CloudFormation creates the new resource, which rewrites the object with
  its own mark, then deletes the old one, which must not delete the object just written.
  Objects nobody marked (written by hand, or before the mark) are left to the bucket's own
  emptying on destroy. It retries AccessDenied like `put_item`, for the same reason.
- `expiry_time` answers `at(...)` and the ISO time `Hours` hours after it runs, so a schedule
  counts from the deploy, not from the synth (LabStack's `-c expires_in_hours`).

Plain Python with boto3 (part of the Lambda runtime): testable with botocore's Stubber.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.request
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# Seconds to wait before each new attempt after AccessDenied: 2+4+8+16+30+30+30 = 120 s in all,
# within the function's timeout (LabTableItem). IAM changes usually show within seconds.
ACCESS_DENIED_PAUSES = (2, 4, 8, 16, 30, 30, 30)
ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
AT_EXPRESSION = "at(%Y-%m-%dT%H:%M:%S)"  # EventBridge Scheduler's one-time schedule, in UTC
WRITER_METADATA = "lab-file-writer"  # x-amz-meta-lab-file-writer: who wrote a lab's file
GONE = frozenset({"404", "NoSuchKey", "NoSuchBucket"})

# What a handler returns: the physical resource id and the attributes (Fn::GetAtt).
Answer = tuple[str, dict[str, str]]
Sender = Callable[[str, dict[str, Any]], None]


def put_item(
    event: dict[str, Any],
    context: Any = None,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    send: Sender | None = None,
) -> None:
    """Custom resource handler: PutItem `Item` (JSON text) into `TableName` on Create/Update."""

    def handle() -> Answer:
        properties = event["ResourceProperties"]
        if event["RequestType"] == "Delete":  # the table goes with the stack
            return event["PhysicalResourceId"], {}
        dynamodb = client or boto3.client("dynamodb")
        item = json.loads(properties["Item"])  # JSON text: CloudFormation keeps strings intact
        _retry_access_denied(
            lambda: dynamodb.put_item(TableName=properties["TableName"], Item=item),
            ACCESS_DENIED_PAUSES,
            sleep,
        )
        LOGGER.info("put the item %s into %s", properties["Key"], properties["TableName"])
        return properties["Key"], {}

    _answer(event, handle, send or _send)


def put_object(
    event: dict[str, Any],
    context: Any = None,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    send: Sender | None = None,
) -> None:
    """Custom resource handler: PutObject `Body` at `Bucket`/`Key`; on Delete, DeleteObject if
    this resource wrote it."""

    def handle() -> Answer:
        properties = event["ResourceProperties"]
        bucket, key = properties["Bucket"], properties["Key"]
        object_url = f"s3://{bucket}/{key}"
        s3 = client or boto3.client("s3")
        writer = _writer(event)
        if event["RequestType"] == "Delete":
            # A Create that failed answered another id: it wrote nothing to delete.
            if event["PhysicalResourceId"] == object_url:
                _delete_own_object(s3, bucket, key, writer, sleep)
            return event["PhysicalResourceId"], {}
        _retry_access_denied(
            lambda: s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=properties["Body"].encode(),
                ContentType=properties["ContentType"],
                Metadata={WRITER_METADATA: writer},
            ),
            ACCESS_DENIED_PAUSES,
            sleep,
        )
        LOGGER.info("put %s (%s)", object_url, properties["ContentType"])
        return object_url, {}

    _answer(event, handle, send or _send)


def _writer(event: dict[str, Any]) -> str:
    """This resource of this stack, as the mark on the objects it writes (a hash: the stack
    id names the account, and a website's objects are public)."""
    resource = f"{event['StackId']} {event['LogicalResourceId']}"
    return hashlib.sha256(resource.encode()).hexdigest()[:32]


def _delete_own_object(
    s3: Any, bucket: str, key: str, writer: str, sleep: Callable[[float], None]
) -> None:
    """Delete the object if this resource wrote it last; one already gone (or its bucket) is
    fine, one another resource (or a person) wrote is left."""
    try:
        found = _retry_access_denied(
            lambda: s3.head_object(Bucket=bucket, Key=key), ACCESS_DENIED_PAUSES, sleep
        )
        if found.get("Metadata", {}).get(WRITER_METADATA) != writer:
            LOGGER.info("s3://%s/%s was written by another resource: left", bucket, key)
            return
        _retry_access_denied(
            lambda: s3.delete_object(Bucket=bucket, Key=key), ACCESS_DENIED_PAUSES, sleep
        )
        LOGGER.info("deleted s3://%s/%s", bucket, key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in GONE:
            raise
        LOGGER.info("s3://%s/%s is gone already", bucket, key)


def expiry_time(
    event: dict[str, Any],
    context: Any = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    send: Sender | None = None,
) -> None:
    """Custom resource handler: the time `Hours` hours from now, as `At` and `ExpiresAt`."""

    def handle() -> Answer:
        if event["RequestType"] == "Delete":
            return event["PhysicalResourceId"], {}
        hours = int(event["ResourceProperties"]["Hours"])
        expires = (now().astimezone(UTC) + timedelta(hours=hours)).replace(microsecond=0)
        expires_at = expires.strftime(ISO_UTC)
        LOGGER.info("the stack expires at %s", expires_at)
        return expires_at, {"At": expires.strftime(AT_EXPRESSION), "ExpiresAt": expires_at}

    _answer(event, handle, send or _send)


def _retry_access_denied(
    call: Callable[[], Any], pauses: Iterable[float], sleep: Callable[[float], None]
) -> Any:
    """`call()`, again after each pause while it is denied; the last denial is raised."""
    for pause in pauses:
        try:
            return call()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ACCESS_DENIED:
                raise
            LOGGER.info("access denied (IAM not visible yet?), retrying in %s s", pause)
            sleep(pause)
    return call()


def _answer(event: dict[str, Any], handle: Callable[[], Answer], send: Sender) -> None:
    """Run `handle` and send CloudFormation SUCCESS with its answer, or FAILED with the error."""
    response = {
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }
    try:
        physical_id, data = handle()
        response |= {"Status": "SUCCESS", "PhysicalResourceId": physical_id, "Data": data}
    except Exception as error:
        LOGGER.exception("%s failed", event["RequestType"])
        response |= {
            "Status": "FAILED",
            "Reason": f"{type(error).__name__}: {error}"[:1000],
            # A failed Create has no id yet; CloudFormation then needs one to send Delete.
            "PhysicalResourceId": event.get("PhysicalResourceId", event["LogicalResourceId"]),
        }
    send(event["ResponseURL"], response)


def _send(url: str, response: dict[str, Any]) -> None:
    """PUT the response to the pre-signed S3 URL (an empty content type, as it was signed)."""
    body = json.dumps(response).encode()
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": len(body)}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        LOGGER.info("CloudFormation answered %s", answer.status)

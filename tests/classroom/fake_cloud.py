"""CloudFormation over time, for the class engine's tests: a moto server plus a timeline.

moto (its server, tests/moto_server.py) creates and deletes stacks at once and never fails
one; CloudFormation takes minutes and may roll back. The fake CLI (tests/classroom/fake_cdk.py)
writes what CloudFormation would do to the timeline: "this stack is CREATE_IN_PROGRESS until t
(the monotonic clock, which every process shares and the clock-shift guard leaves alone), then
ROLLBACK_COMPLETE". `watched_client` is a real boto3 client of the moto server whose
DescribeStacks and DescribeStackEvents answers are rewritten by the timeline (botocore's
`after-call` event), and which can be made to answer Throttling first (`before-call`), as
CloudFormation's rate limits do. What is judged where: moto judges the API calls and their
shapes (pages, ids, errors); the timeline only moves statuses in time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from tests.classroom.timeline import Timeline

# The engine's own backoff is what the tests watch: botocore retries nothing.
NO_RETRIES = Config(retries={"total_max_attempts": 1})
FAILED_RESOURCE = "Bucket83908E77"
FAILED_REASON = "Resource limit exceeded"
# The failed resource event behind each failed stack status the timeline can end in.
FAILED_EVENT = {
    "ROLLBACK_COMPLETE": "CREATE_FAILED",
    "UPDATE_ROLLBACK_COMPLETE": "UPDATE_FAILED",
    "DELETE_FAILED": "DELETE_FAILED",
}
# CloudFormation's own reason on a failed delete (a rollback's is left empty: the event says).
DELETE_FAILED_REASON = f"The following resource(s) failed to delete: [{FAILED_RESOURCE}]."


def moto_client(service: str, region: str, endpoint: str) -> Any:
    """A new client of moto's server (its own event handlers: `watched_client` adds some)."""
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )


@cache
def shared_moto_client(service: str, region: str, endpoint: str) -> Any:
    """One plain client per service, region and server for every test (making a client takes
    30 ms of CPU, and a test bootstraps up to three regions)."""
    return moto_client(service, region, endpoint)


def watched_client(endpoint: str, region: str, timeline: Timeline, throttle: int = 0) -> Any:
    """The engine's CloudFormation client: moto's answers, moved along the timeline; the first
    `throttle` DescribeStacks calls answer Throttling."""
    client = moto_client("cloudformation", region, endpoint)
    throttled = {"left": throttle}

    def throttling(**_kwargs):
        if throttled["left"] <= 0:
            return None
        throttled["left"] -= 1
        error = {"Code": "Throttling", "Message": "Rate exceeded"}
        return AWSResponse(endpoint, 400, {}, None), {"Error": error}

    def stacks(parsed, **_kwargs):
        if "Stacks" not in parsed:
            return
        entries = timeline.entries(region)
        listed = {stack["StackName"] for stack in parsed["Stacks"]}
        for stack in parsed["Stacks"]:
            entry = entries.get(stack["StackName"])
            if entry and entry["stack_id"] in (None, stack["StackId"]):  # None: being created
                _move(stack, entry)
        if "NextToken" not in parsed:  # a stack moto deleted at once: deleting for a while
            for name, entry in entries.items():
                deleting = entry["busy"] == "DELETE_IN_PROGRESS"
                if deleting and name not in listed and time.monotonic() < entry["until"]:
                    stack = {"StackName": name, "StackId": entry["stack_id"]}
                    parsed["Stacks"].append(stack | {"StackStatus": entry["busy"]})
                    stack["CreationTime"] = datetime.now(UTC)

    def asked(params, context, **_kwargs):
        context["stack"] = params.get("StackName")

    def events(parsed, context, **_kwargs):
        for entry in timeline.entries(region).values():
            failed = FAILED_EVENT.get(entry["final"])
            if entry["stack_id"] == context.get("stack") and failed:
                event = {
                    "LogicalResourceId": FAILED_RESOURCE,
                    "ResourceType": "AWS::S3::Bucket",
                    "ResourceStatus": failed,
                    "ResourceStatusReason": FAILED_REASON,
                    "Timestamp": datetime.now(UTC),
                }
                parsed.setdefault("StackEvents", []).insert(0, event)

    events_of = "cloudformation.DescribeStackEvents"
    client.meta.events.register("before-call.cloudformation.DescribeStacks", throttling)
    client.meta.events.register("after-call.cloudformation.DescribeStacks", stacks)
    client.meta.events.register(f"before-parameter-build.{events_of}", asked)
    client.meta.events.register(f"after-call.{events_of}", events)
    return client


def _move(stack: dict[str, Any], entry: dict[str, Any]) -> None:
    if time.monotonic() < entry["until"]:
        stack["StackStatus"] = entry["busy"]
    elif entry["final"]:
        stack["StackStatus"] = entry["final"]
        if entry["final"] == "DELETE_FAILED":
            stack["StackStatusReason"] = DELETE_FAILED_REASON

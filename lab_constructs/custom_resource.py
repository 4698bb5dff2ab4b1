"""Our custom resources: CloudFormation waits for an answer a little longer than they may take.

Without `ServiceTimeout`, CloudFormation waits an hour for a custom resource's answer
("AWS::CloudFormation::CustomResource", CloudFormation User Guide: "The maximum time, in
seconds, that can elapse before a custom resource operation times out", 1-3600): a handler
that dies before it answers (its timeout, a crash before the response) keeps the stack in
progress that long. Every custom resource of ours says how long its handlers may take
(`answers_within`), and CloudFormation waits that plus `ANSWER_MARGIN` (CloudFormation invokes
the function asynchronously: a few seconds of queueing) before it fails the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CustomResource, Duration, RemovalPolicy
from constructs import Construct

ANSWER_MARGIN = Duration.minutes(1)
MAX_SERVICE_TIMEOUT = Duration.hours(1)  # CloudFormation's limit


def custom_resource(
    scope: Construct,
    construct_id: str,
    *,
    service_token: str,
    resource_type: str,
    properties: Mapping[str, Any],
    answers_within: Duration,
) -> CustomResource:
    """A custom resource of ours, destroyed with its stack, whose handlers answer within
    `answers_within`; raises ValueError if that leaves no margin within CloudFormation's hour."""
    service_timeout = answers_within.plus(ANSWER_MARGIN)
    if service_timeout.to_seconds() > MAX_SERVICE_TIMEOUT.to_seconds():
        raise ValueError(
            f"{construct_id}: handlers that take {answers_within.to_human_string()} leave "
            f"CloudFormation no margin within {MAX_SERVICE_TIMEOUT.to_human_string()}"
        )
    return CustomResource(
        scope,
        construct_id,
        service_token=service_token,
        resource_type=resource_type,
        properties=dict(properties),
        removal_policy=RemovalPolicy.DESTROY,
        service_timeout=service_timeout,
    )

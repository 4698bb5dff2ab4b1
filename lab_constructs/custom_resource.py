"""Our custom resources: CloudFormation waits for an answer a little longer than they may take.

Without `ServiceTimeout`, CloudFormation waits an hour for a custom resource's answer
("AWS::CloudFormation::CustomResource", CloudFormation User Guide: "The maximum time, in
seconds, that can elapse before a custom resource operation times out", 1-3600): a handler
that dies before it answers (its timeout, a crash before the response) keeps the stack in
progress that long. Every handler of ours says how long it may take (`answers_within`), and
CloudFormation waits that plus `ANSWER_MARGIN` (CloudFormation invokes the function
asynchronously: a few seconds of queueing) before it fails the resource.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CustomResource, Duration, RemovalPolicy
from constructs import Construct, IConstruct

ANSWER_MARGIN = Duration.minutes(1)
MAX_SERVICE_TIMEOUT = Duration.hours(1)  # CloudFormation's limit
# aws-cdk-lib's own helpers (emptying a bucket, restricting a VPC's default security group) run
# a function of CDK's with a 15-minute `Timeout` (900 s in every template that has one).
CDK_HELPER_TIMEOUT = Duration.minutes(15)


@dataclass(frozen=True)
class CustomResourceHandler:
    """What answers our custom resources.

    Attributes:
        service_token: what CloudFormation invokes (a function's ARN, a Provider's token).
        answers_within: the longest it may take to answer.
        needs: what must exist before any of its resources is created (e.g. its role).
    """

    service_token: str
    answers_within: Duration
    needs: Sequence[IConstruct] = ()

    def resource(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_type: str,
        properties: Mapping[str, Any],
    ) -> CustomResource:
        """A custom resource it serves, destroyed with its stack, failed by CloudFormation if
        no answer came `ANSWER_MARGIN` after `answers_within`; raises ValueError if that is
        beyond CloudFormation's hour."""
        service_timeout = self.answers_within.plus(ANSWER_MARGIN)
        if service_timeout.to_seconds() > MAX_SERVICE_TIMEOUT.to_seconds():
            raise ValueError(
                f"{construct_id}: a handler that takes {self.answers_within.to_human_string()} "
                f"leaves CloudFormation no margin within {MAX_SERVICE_TIMEOUT.to_human_string()}"
            )
        resource = CustomResource(
            scope,
            construct_id,
            service_token=self.service_token,
            resource_type=resource_type,
            properties=dict(properties),
            removal_policy=RemovalPolicy.DESTROY,
            service_timeout=service_timeout,
        )
        if self.needs:
            resource.node.add_dependency(*self.needs)
        return resource


def bound_cdk_helper(owner: IConstruct, child_id: str) -> None:
    """CloudFormation waits for aws-cdk-lib's own custom resource `child_id` of `owner` (e.g. a
    bucket's `AutoDeleteObjectsCustomResource`) as for ours: its handler's time plus
    `ANSWER_MARGIN`, not an hour. CDK makes it without a `ServiceTimeout`; nothing else of it
    changes."""
    helper = owner.node.find_child(child_id).node.default_child
    seconds = int(CDK_HELPER_TIMEOUT.plus(ANSWER_MARGIN).to_seconds())
    helper.add_property_override("ServiceTimeout", str(seconds))

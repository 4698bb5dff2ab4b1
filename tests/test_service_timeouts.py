"""Every custom resource of our stacks tells CloudFormation how long to wait for its answer.

Without `ServiceTimeout`, CloudFormation waits an hour for a custom resource's answer: a handler
that dies before answering (a timeout, a crash before the response) leaves the stack in
progress that long. Each of ours sets it a little above the longest its handlers may take, read
from the template itself: the function's `Timeout` for a function CloudFormation invokes
directly (lab_constructs/deploy_time.py); for CDK's Provider framework
(lab_constructs/waiting_provider.py), our on-event function's `Timeout` plus the waiter state
machine's retries (`IntervalSeconds` x `MaxAttempts`), after which its on-timeout answers.
aws-cdk-lib's own custom resources (a bucket's auto-delete, a VPC's default security group)
have no `ServiceTimeout` of CDK's making: ours is added (`bound_cdk_helper`), judged the same
way against CDK's function's `Timeout`.
Judged on the templates (a template proves the template: what CloudFormation does with it is
its documented behaviour, "AWS::CloudFormation::CustomResource", ServiceTimeout 1-3600 s).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.synth import CONFIGURATIONS, synth_of

# Custom resources aws-cdk-lib makes for itself (its own handlers), given a timeout by us.
CDK_OWN = {"Custom::VpcRestrictDefaultSG", "Custom::S3AutoDeleteObjects"}
OURS = {
    "Custom::LabFile",
    "Custom::TableItem",
    "Custom::ExpiryTime",
    "Custom::CourseNetworkGuard",
    "Custom::EmptyBackupVault",
    "Custom::LabNetworkCleanup",
}
# "A little above": at most this much longer than the handlers may take.
MARGIN_SECONDS = 120
MAX_SERVICE_TIMEOUT = 3600


def _function(template: dict, arn: Any) -> dict[str, Any]:
    """The function whose ARN is `{"Fn::GetAtt": [id, "Arn"]}`."""
    logical_id, attribute = arn["Fn::GetAtt"]
    assert attribute == "Arn"
    function = template["Resources"][logical_id]
    assert function["Type"] == "AWS::Lambda::Function"
    return function["Properties"]


def _waiter_seconds(template: dict, state_machine: Any) -> int:
    """How long the Provider's waiter polls before its on-timeout answers."""
    definition = template["Resources"][state_machine["Ref"]]["Properties"]["DefinitionString"]
    text = "".join(part for part in definition["Fn::Join"][1] if isinstance(part, str))
    interval = int(re.search(r'"IntervalSeconds":(\d+)', text).group(1))
    attempts = int(re.search(r'"MaxAttempts":(\d+)', text).group(1))
    return interval * attempts


def handlers_may_take(template: dict, resource: dict) -> int:
    """Seconds the handlers behind the custom resource may take before they answer."""
    invoked = _function(template, resource["Properties"]["ServiceToken"])
    framework = invoked.get("Environment", {}).get("Variables", {})
    if "WAITER_STATE_MACHINE_ARN" not in framework:
        return invoked["Timeout"]  # CloudFormation invokes our function directly
    on_event = _function(template, framework["USER_ON_EVENT_FUNCTION_ARN"])
    return on_event["Timeout"] + _waiter_seconds(template, framework["WAITER_STATE_MACHINE_ARN"])


def test_every_custom_resource_waits_a_little_longer_than_its_handlers():
    found: dict[str, str] = {}
    wrong: dict[str, str] = {}
    for config in CONFIGURATIONS:
        synth = synth_of(config)
        for stack_id in synth.stacks:
            template = synth.template(stack_id)
            for logical_id, resource in template["Resources"].items():
                kind = resource["Type"]
                if not kind.startswith("Custom::"):
                    continue
                where = f"{config}: {stack_id}/{logical_id} ({kind})"
                found[kind] = where
                limit = handlers_may_take(template, resource)
                timeout = resource["Properties"].get("ServiceTimeout")
                if timeout is None or not (
                    limit < int(timeout) <= min(limit + MARGIN_SECONDS, MAX_SERVICE_TIMEOUT)
                ):
                    wrong[where] = f"ServiceTimeout {timeout}, handlers take up to {limit} s"
    assert set(found) == OURS | CDK_OWN, json.dumps(found, indent=1)
    assert wrong == {}

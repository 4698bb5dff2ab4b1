"""Auto-expiry (`-c expires_in_hours=N`, issue #9): each requirement, one test each.

The every-option app (`every_option_synth`) is synthesized under the fixed clock `FIXED_NOW`.
"""

import json
from datetime import UTC, datetime

import pytest

import lab_constructs.expiry as expiry
from stacks import LABS
from tests.conftest import EVERY_OPTION

LAB_IDS = [lab.lab_id for lab in LABS]
HOURS = int(EVERY_OPTION["expires_in_hours"])
EXPECTED_AT = "2026-11-20T15:30:15"  # FIXED_NOW + 6 h, whole seconds, UTC
SCHEDULE = "AWS::Scheduler::Schedule"
STACK_ID = {"Ref": "AWS::StackId"}


@pytest.fixture(scope="module")
def expiring(every_option_synth):
    """Every lab synthesized with `-c expires_in_hours=6` (and the other options) at FIXED_NOW."""
    return every_option_synth


def _resources(synth, lab_id, resource_type):
    return {
        logical_id: resource
        for logical_id, resource in synth.template(lab_id)["Resources"].items()
        if resource["Type"] == resource_type
    }


def _schedule(synth, lab_id):
    schedules = _resources(synth, lab_id, SCHEDULE)
    assert len(schedules) == 1, f"{lab_id}: expected one expiry schedule, got {list(schedules)}"
    return schedules.popitem()[1]["Properties"]


def _role_id(schedule):
    return schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]


def _join(value):
    """Flatten a `Fn::Join` with no separator into text, tokens shown as JSON."""
    if isinstance(value, str):
        return value
    separator, parts = value["Fn::Join"]
    assert separator == ""
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_schedule_fires_once_n_hours_after_synth_in_utc(expiring, lab_id):
    schedule = _schedule(expiring, lab_id)
    assert schedule["ScheduleExpression"] == f"at({EXPECTED_AT})", (
        "the stack must be deleted expires_in_hours after synth (a one-time `at` schedule)"
    )
    assert schedule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}, "it must fire at the time shown"
    assert schedule["State"] == "ENABLED"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_schedule_calls_cloudformation_delete_stack_on_its_own_stack_without_lambda(
    expiring, participant_synth, lab_id
):
    target = _schedule(expiring, lab_id)["Target"]
    assert _join(target["Arn"]).endswith(":scheduler:::aws-sdk:cloudformation:deleteStack"), (
        "the target must be the Scheduler's AWS SDK target for CloudFormation DeleteStack"
    )
    assert target["Input"] == {"Fn::Join": ["", ['{"StackName":"', STACK_ID, '"}']]}, (
        "DeleteStack must name this stack by its unique id (AWS::StackId)"
    )
    assert (
        _resources(expiring, lab_id, "AWS::Lambda::Function").keys()
        == _resources(participant_synth, lab_id, "AWS::Lambda::Function").keys()
    ), "the expiry must not add a Lambda function"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_schedule_role_may_delete_this_stack_only(expiring, lab_id):
    role_id = _role_id(_schedule(expiring, lab_id))
    role = expiring.template(lab_id)["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert "Policies" not in role
    statements = [
        statement
        for policy in _resources(expiring, lab_id, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {"Action": "cloudformation:DeleteStack", "Effect": "Allow", "Resource": STACK_ID}
    ], (
        "the schedule's role may call DeleteStack on this stack and nothing else: CloudFormation "
        "deletes with the stack's own execution role, so no iam:PassRole is needed"
    )


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_only_eventbridge_scheduler_of_this_account_assumes_the_role(expiring, lab_id):
    role_id = _role_id(_schedule(expiring, lab_id))
    trust = expiring.template(lab_id)["Resources"][role_id]["Properties"]
    [statement] = trust["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }, "confused-deputy protection: only schedules of this account"
    assert _join(statement["Condition"]["ArnEquals"]["aws:SourceArn"]).endswith(
        ":schedule-group/default"
    )


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_schedule_and_role_go_with_the_stack(expiring, lab_id):
    schedule = _schedule(expiring, lab_id)
    assert schedule.get("ActionAfterCompletion", "NONE") == "NONE", (
        "the schedule is a resource of the stack and is deleted with it; letting Scheduler "
        "delete it too would leave CloudFormation a resource that is already gone"
    )
    resources = expiring.template(lab_id)["Resources"]
    for logical_id, resource in resources.items():
        if resource["Type"] in (SCHEDULE, "AWS::IAM::Role") and "Expiry" in logical_id:
            assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_outputs_say_when_the_lab_expires(expiring, lab_id):
    assert expiring.template(lab_id)["Outputs"]["ExpiresAt"]["Value"] == EXPECTED_AT + "Z"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_without_the_option_nothing_is_added(synth, lab_id):
    template = synth.template(lab_id)
    assert "ExpiresAt" not in template.get("Outputs", {})
    assert _resources(synth, lab_id, SCHEDULE) == {}, "no schedule without expires_in_hours"
    assert not any("Expiry" in logical_id for logical_id in template["Resources"])


def test_the_clock_is_read_at_synth_in_utc():
    before = datetime.now(UTC)
    assert before <= expiry.now() <= datetime.now(UTC)
    assert expiry.now().tzinfo is not None, "an aware time, or the schedule is off by the TZ"

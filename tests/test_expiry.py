"""Auto-expiry (`-c expires_in_hours=N`, issues #9 and #20): each requirement, one test each.

The time is computed at deploy (the clock's handler: test_deploy_time_handlers.py); here, how
the template wires it: the clock runs after every other resource, the schedule fires at its time.
"""

import json

import pytest

from stacks import LABS
from tests.templates import role_statements

LAB_IDS = [lab.lab_id for lab in LABS]
SCHEDULE = "AWS::Scheduler::Schedule"
CLOCK = "Custom::ExpiryTime"
STACK_ID = {"Ref": "AWS::StackId"}


@pytest.fixture(scope="module")
def expiring(every_option_synth):
    """Every lab synthesized with `-c expires_in_hours=6` (and the other options)."""
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


def _clock(synth, lab_id):
    clocks = _resources(synth, lab_id, CLOCK)
    assert len(clocks) == 1, f"{lab_id}: expected one expiry clock, got {list(clocks)}"
    return clocks.popitem()


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_schedule_fires_once_at_the_time_computed_during_the_deploy(expiring, lab_id):
    schedule = _schedule(expiring, lab_id)
    clock_id, clock = _clock(expiring, lab_id)
    assert schedule["ScheduleExpression"] == {"Fn::GetAtt": [clock_id, "At"]}, (
        "a one-time `at` schedule whose time comes from the deploy, not the synth (issue #20)"
    )
    assert clock["Properties"]["Hours"] == "6", "-c expires_in_hours=6"
    assert schedule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}, "it must fire at the time shown"
    assert schedule["State"] == "ENABLED"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_the_clock_runs_after_every_other_resource_of_the_stack(expiring, lab_id):
    resources = expiring.template(lab_id)["Resources"]
    _, clock = _clock(expiring, lab_id)
    expiry_parts = {k for k in resources if k.startswith("Expiry")}
    lab_resources = {
        k for k, r in resources.items() if k not in expiry_parts and "Condition" not in r
    }
    assert lab_resources, "the lab has resources"
    assert lab_resources <= set(clock["DependsOn"]), (
        "the expiry counts from the end of the deploy: the clock waits for everything else"
    )


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_the_clock_function_may_only_write_its_logs(expiring, lab_id):
    resources = expiring.template(lab_id)["Resources"]
    function = resources[_clock(expiring, lab_id)[1]["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    assert function["Properties"]["Handler"] == "index.expiry_time"
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    statements = role_statements(resources, role_id)
    assert statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
        }
    ]
    assert "ManagedPolicyArns" not in resources[role_id]["Properties"]


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
    added = (
        _resources(expiring, lab_id, "AWS::Lambda::Function").keys()
        - _resources(participant_synth, lab_id, "AWS::Lambda::Function").keys()
    )
    assert len(added) == 1, "the expiry adds one function, its clock; DeleteStack needs none"
    assert all(k.startswith("Expiry") for k in added)


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
    clock_id = _clock(expiring, lab_id)[0]
    assert expiring.template(lab_id)["Outputs"]["ExpiresAt"]["Value"] == {
        "Fn::GetAtt": [clock_id, "ExpiresAt"]
    }, "the time the clock computed (class-status reads it)"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_without_the_option_nothing_is_added(synth, lab_id):
    template = synth.template(lab_id)
    assert "ExpiresAt" not in template.get("Outputs", {})
    assert _resources(synth, lab_id, SCHEDULE) == {}, "no schedule without expires_in_hours"
    assert not any("Expiry" in logical_id for logical_id in template["Resources"])

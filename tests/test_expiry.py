"""Auto-expiry (`-c expires_in_hours=N`, issue #9): each requirement, one test each.

The app is synthesized once with the option, under a fixed clock (`lab_constructs.expiry.now`).
"""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cfnlint.api import lint_file

import lab_constructs.expiry as expiry
from stacks import LABS
from tests.conftest import PARTICIPANT
from tests.synth import ROOT, synthesized

LAB_IDS = [lab.lab_id for lab in LABS]
HOURS = 6
FIXED_NOW = datetime(2026, 11, 20, 9, 30, 15, 987_654, tzinfo=UTC)
EXPECTED_AT = "2026-11-20T15:30:15"  # FIXED_NOW + 6 h, whole seconds, UTC
SCHEDULE = "AWS::Scheduler::Schedule"
STACK_ID = {"Ref": "AWS::StackId"}


@pytest.fixture(scope="module")
def expiring():
    """Every lab synthesized with `-c expires_in_hours=6 -c participant=ana` at FIXED_NOW."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(expiry, "now", lambda: FIXED_NOW)
        return synthesized(expires_in_hours=str(HOURS), participant=PARTICIPANT)


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


def test_expiring_labs_are_nag_clean(expiring):
    open_findings = [
        f"{violation['ruleName']} on {construct['constructPath']}"
        for plugin in expiring.validation_report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    assert open_findings == [], "the expiry must not add cdk-nag findings"


def test_expiring_templates_pass_cfn_lint(expiring):
    errors = [
        f"{Path(match.filename).name}: {match.rule.id} {match.message}"
        for lab_id in LAB_IDS
        for match in lint_file(expiring.template_path(lab_id))
        if match.rule.id.startswith("E")
    ]
    assert errors == [], "cfn-lint errors:\n" + "\n".join(errors)


def test_the_clock_is_read_at_synth_in_utc():
    before = datetime.now(UTC)
    assert before <= expiry.now() <= datetime.now(UTC)
    assert expiry.now().tzinfo is not None, "an aware time, or the schedule is off by the TZ"


@pytest.mark.parametrize("value", ["0", "1.5"])
def test_bad_values_stop_synth_with_one_clear_line(value):
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps({"expires_in_hours": value})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"error: invalid context expires_in_hours={value!r}: a whole number of hours from 1 to 168"
    )

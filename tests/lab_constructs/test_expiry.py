"""StackExpiry on its own, in a bare Stack: a one-time schedule that deletes its own stack at
a time computed during the deploy, by a clock created after every other resource.

The clock's handler: test_deploy_time_handlers.py. Which labs expire and the ExpiresAt output
(LabStack): test_expiry.py.
"""

import json

import pytest
from aws_cdk import CfnCondition, Fn
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from lab_constructs.expiry import StackExpiry
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type, only, role_statements

STACK_ID = {"Ref": "AWS::StackId"}


def _template(hours=3) -> dict:
    def build(stack):
        StackExpiry(stack, "Expiry", expires_in_hours=hours)
        # Resources added after the expiry (as LabStack adds the lab's), one of them under a
        # condition, and one nested deeper.
        sns.Topic(stack, "Later")
        condition = CfnCondition(stack, "Maybe", expression=Fn.condition_equals("a", "b"))
        queue = sqs.Queue(stack, "Conditional")
        queue.node.default_child.cfn_options.condition = condition

    return bare_template(build)


@pytest.fixture(scope="module")
def template() -> dict:
    return _template()


def _schedule(template) -> dict:
    return only(template, "AWS::Scheduler::Schedule")[1]


def _join(value) -> str:
    """A `Fn::Join` with no separator as text, tokens shown as JSON."""
    separator, parts = value["Fn::Join"]
    assert separator == ""
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)


def test_the_schedule_fires_once_at_the_clocks_time_in_utc(template):
    clock_id, clock = only(template, "Custom::ExpiryTime")
    assert clock["Properties"]["Hours"] == "3"
    props = _schedule(template)["Properties"]
    assert props["ScheduleExpression"] == {"Fn::GetAtt": [clock_id, "At"]}
    assert props["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}, "it fires at the time shown"
    assert props["State"] == "ENABLED"


def test_the_clock_is_created_after_every_other_resource_except_conditional_ones(template):
    _, clock = only(template, "Custom::ExpiryTime")
    resources = template["Resources"]
    others = {
        k for k in resources if not k.startswith("Expiry") and "Condition" not in resources[k]
    }
    (topic_id,) = of_type(template, "AWS::SNS::Topic")
    (queue_id,) = of_type(template, "AWS::SQS::Queue")
    assert topic_id in others
    assert others <= set(clock["DependsOn"]), "the expiry counts from the end of the deploy"
    assert queue_id not in clock["DependsOn"], "DependsOn may not name a resource not created"


def test_the_clock_waits_for_its_roles_policies_and_runs_the_expiry_handler(template):
    _, clock = only(template, "Custom::ExpiryTime")
    function_id = clock["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    function = template["Resources"][function_id]["Properties"]
    assert function["Handler"] == "index.expiry_time"
    assert function["Timeout"] == 60
    role_id = function["Role"]["Fn::GetAtt"][0]
    assert role_id in clock["DependsOn"]


def test_the_clock_function_may_only_write_its_logs(template):
    _, clock = only(template, "Custom::ExpiryTime")
    function_id = clock["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    function = template["Resources"][function_id]["Properties"]
    role_id = function["Role"]["Fn::GetAtt"][0]
    log_group = function["LoggingConfig"]["LogGroup"]["Ref"]
    assert role_statements(template["Resources"], role_id) == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
        }
    ]
    assert "ManagedPolicyArns" not in template["Resources"][role_id]["Properties"]


def test_the_schedule_calls_delete_stack_on_this_stack_by_its_id_without_a_function(template):
    target = _schedule(template)["Properties"]["Target"]
    assert _join(target["Arn"]).endswith(":scheduler:::aws-sdk:cloudformation:deleteStack")
    assert target["Input"] == {"Fn::Join": ["", ['{"StackName":"', STACK_ID, '"}']]}
    assert len(of_type(template, "AWS::Lambda::Function")) == 1, "the clock's, nothing more"


def test_the_schedule_role_may_delete_this_stack_only(template):
    role_id = _schedule(template)["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert "Policies" not in role
    assert role_statements(template["Resources"], role_id) == [
        {"Action": "cloudformation:DeleteStack", "Effect": "Allow", "Resource": STACK_ID}
    ], "no iam:PassRole: CloudFormation deletes with the stack's own execution role"


def test_only_eventbridge_scheduler_of_this_account_and_default_group_assumes_it(template):
    role_id = _schedule(template)["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }
    assert _join(statement["Condition"]["ArnEquals"]["aws:SourceArn"]).endswith(
        ':scheduler:{"Ref": "AWS::Region"}:{"Ref": "AWS::AccountId"}:schedule-group/default'
    )


def test_the_schedule_role_and_clock_go_with_the_stack(template):
    schedule = _schedule(template)
    assert schedule["Properties"].get("ActionAfterCompletion", "NONE") == "NONE", (
        "the stack deletes the schedule; Scheduler deleting it too would leave CloudFormation "
        "a resource that is already gone"
    )
    for resource_type in ("AWS::Scheduler::Schedule", "AWS::IAM::Role", "Custom::ExpiryTime"):
        for logical_id, resource in of_type(template, resource_type).items():
            assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id
    (group,) = of_type(template, "AWS::Logs::LogGroup").values()
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"


def test_the_description_says_after_deploy_in_hours(template):
    assert "3 h after deploy" in _schedule(template)["Properties"]["Description"]


@pytest.mark.parametrize("hours", [0, -1])
def test_less_than_one_hour_is_refused(hours):
    with pytest.raises(ValueError, match=r"StackExpiry Expiry: expires_in_hours must be >= 1"):
        _template(hours)

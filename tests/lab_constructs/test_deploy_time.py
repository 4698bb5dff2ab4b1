"""DeployTimeFunction on its own, in a bare Stack: a function of ours that serves custom
resources, with its own log group and role, and resources that wait for the role's policies.

The handlers' behaviour is tested in test_deploy_time_handlers.py.
"""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam

from lab_constructs.deploy_time import DeployTimeFunction
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type, only, role_statements


@pytest.fixture(scope="module")
def template() -> dict:
    def build(stack):
        function = DeployTimeFunction(
            stack, "Fn", handler="put_item", description="Does a thing", timeout=Duration.minutes(2)
        )
        function.function.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:::q"])
        )
        function.handler.resource(
            stack, "Thing", resource_type="Custom::Thing", properties={"Size": "3"}
        )

    return bare_template(build)


def test_the_function_runs_the_named_handler_on_python_3_14(template):
    _, function = only(template, "AWS::Lambda::Function")
    props = function["Properties"]
    assert props["Handler"] == "index.put_item"
    assert props["Runtime"] == "python3.14"
    assert props["Timeout"] == 120
    assert props["Description"] == "Does a thing"


def test_it_logs_to_its_own_group_kept_7_days_and_deleted_with_the_stack(template):
    _, function = only(template, "AWS::Lambda::Function")
    group_id, group = only(template, "AWS::Logs::LogGroup")
    assert function["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": group_id}
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"
    assert group["UpdateReplacePolicy"] == "Delete"


def test_its_role_may_write_its_logs_plus_what_the_caller_grants_only(template):
    _, function = only(template, "AWS::Lambda::Function")
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    assert "ManagedPolicyArns" not in role, "no AWSLambdaBasicExecutionRole (logs anywhere)"
    group_id, _ = only(template, "AWS::Logs::LogGroup")
    statements = role_statements(template["Resources"], role_id)
    assert sorted((str(s["Action"]), str(s["Resource"])) for s in statements) == sorted(
        [
            (
                str(["logs:CreateLogStream", "logs:PutLogEvents"]),
                str({"Fn::GetAtt": [group_id, "Arn"]}),
            ),
            ("sqs:SendMessage", "arn:aws:sqs:::q"),
        ]
    )


def test_cloudformation_invokes_the_function_directly(template):
    function_id, _ = only(template, "AWS::Lambda::Function")
    _, resource = only(template, "Custom::Thing")
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert resource["Properties"]["Size"] == "3"
    assert resource["DeletionPolicy"] == "Delete"
    assert len(of_type(template, "AWS::Lambda::Function")) == 1, "no provider framework"


def test_the_custom_resource_waits_for_the_role_and_every_policy_of_it(template):
    _, function = only(template, "AWS::Lambda::Function")
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = {
        k
        for k, p in of_type(template, "AWS::IAM::Policy").items()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    }
    assert policies, "the log and the caller's grants"
    _, resource = only(template, "Custom::Thing")
    assert policies | {role_id} <= set(resource["DependsOn"])

"""waiting_provider on its own: our two handlers behind CDK's Provider, waiting beyond 15 minutes.

Each function logs to a 7-day log group destroyed with the stack; each role is our own, with no
AWS managed policy. The constructs that use it (test_backup_vault.py, test_network_cleanup.py)
assert what their handler may do.
"""

from pathlib import Path

import pytest
from aws_cdk import Duration

from lab_constructs.waiting_provider import waiting_provider
from tests.lab_constructs.helpers import acknowledgements, bare_stack
from tests.templates import of_type, only, role_statements

FRAMEWORK = (
    "CDK's custom resource provider framework (custom_resources.Provider), which runs our own "
    "clean-up handler and waits for it; "
)


@pytest.fixture(scope="module")
def stack():
    return bare_stack(
        lambda stack: waiting_provider(
            stack,
            handler="purge_vault",
            description="Cleans up the lab",
            logs_id="Logs",
            provider_id="Provider",
            query_interval=Duration.seconds(20),
            total_timeout=Duration.minutes(40),
        )
    )


def _ours(template: dict) -> dict[str, dict]:
    """Our two handler functions, by entry point."""
    return {
        f["Properties"]["Handler"]: f
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("index.")
    }


def test_our_two_handlers_run_the_folders_index_on_python_3_14_for_5_minutes(template):
    ours = _ours(template)
    assert set(ours) == {"index.on_event", "index.is_complete"}
    for entry, function in ours.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.14", entry
        assert props["Timeout"] == 300, entry
        assert props["Description"] == "Cleans up the lab", entry


def test_the_asset_holds_the_handler_only(stack, template):
    (key,) = {f["Properties"]["Code"]["S3Key"] for f in _ours(template).values()}
    asset = Path(stack.node.root.synth().directory) / f"asset.{key.removesuffix('.zip')}"
    assert sorted(p.name for p in asset.iterdir()) == ["index.py"]


def test_the_waiter_polls_is_complete_every_20_seconds_for_40_minutes(template):
    _, framework = only(template, "AWS::StepFunctions::StateMachine")
    definition = "".join(
        part
        for part in framework["Properties"]["DefinitionString"]["Fn::Join"][1]
        if isinstance(part, str)
    )
    assert '"IntervalSeconds":20,"MaxAttempts":120,"BackoffRate":1' in definition
    (on_event,) = [
        f
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "framework.onEvent"
    ]
    variables = on_event["Properties"]["Environment"]["Variables"]
    assert set(variables) == {
        "USER_ON_EVENT_FUNCTION_ARN",
        "USER_IS_COMPLETE_FUNCTION_ARN",
        "WAITER_STATE_MACHINE_ARN",
    }, "a state machine polls our is-complete handler, not one Lambda run"


def test_every_function_logs_to_a_7_day_group_destroyed_with_the_stack(template):
    functions = of_type(template, "AWS::Lambda::Function")
    assert len(functions) == 5, "on-event and is-complete, three framework functions"
    for logical_id, function in functions.items():
        group = template["Resources"][function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] == 7, logical_id
        assert group["DeletionPolicy"] == "Delete", logical_id


def test_every_role_is_our_own_and_our_handlers_may_only_write_their_logs(template):
    roles = of_type(template, "AWS::IAM::Role")
    assert {k: "ManagedPolicyArns" in r["Properties"] for k, r in roles.items()} == dict.fromkeys(
        roles, False
    ), "no AWS managed policy"
    handler_logs = {
        f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in _ours(template).values()
    }
    (logs_id,) = handler_logs
    for entry, function in _ours(template).items():
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        assert role_statements(template["Resources"], role_id) == [
            {
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [logs_id, "Arn"]},
            }
        ], f"{entry}: the construct using it grants what the handler does"


def test_the_frameworks_findings_are_acknowledged_on_the_provider_and_its_roles(stack, template):
    acks = acknowledgements(stack)
    provider = acks["Provider"]
    assert {"AwsSolutions::AwsSolutions-SF1", "AwsSolutions::AwsSolutions-SF2"} <= set(provider)
    assert all(reason.startswith(FRAMEWORK) for reason in provider.values())
    ours = [
        logical_id
        for logical_id, f in of_type(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"].startswith("index.")
    ]
    assert len(ours) == 2
    invoke = {f"AwsSolutions::AwsSolutions-IAM5[Resource::<{f}.Arn>:*]" for f in ours}
    for role in ("FrameworkOnEventRole", "FrameworkWaiterRole"):
        assert set(acks[role]) == invoke, role

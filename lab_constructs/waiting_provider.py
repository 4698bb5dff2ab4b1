"""Our own custom-resource handlers behind CDK's Provider framework, waiting beyond 15 minutes.

Used by the constructs that must clean up on `cdk destroy` before CloudFormation can delete
something (LabBackupVault's purge, LabNetworkCleanup): an on-event handler that sets a deadline
on Delete, and an is-complete handler that the Provider's waiter (a Step Functions state
machine) polls until the work is done or the deadline has passed. The handlers are plain
Python in `lab_constructs/handlers/<name>/index.py` (`on_event`, `is_complete`). Every function
logs to a log group of the stack with a retention, destroyed with it; every role is our own,
with no AWS managed policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from lab_constructs.custom_resource import CustomResourceHandler
from lab_constructs.nag import acknowledge

HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"
# The newest Python runtime of aws-cdk-lib 2.275 (cdk-nag's L1 asks for the newest).
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
HANDLER_TIMEOUT = Duration.minutes(5)
LOG_RETENTION = logs.RetentionDays.ONE_WEEK
ENTRY_POINTS = (("OnEvent", "index.on_event"), ("IsComplete", "index.is_complete"))
# The Provider's waiter state machine invokes these two framework functions.
WAITER_FUNCTIONS = ("isComplete", "onTimeout")

_FRAMEWORK = (
    "CDK's custom resource provider framework (custom_resources.Provider), which runs our own "
    "clean-up handler and waits for it; "
)
_PROVIDER_FINDINGS = {
    "SF1": _FRAMEWORK + "its waiter state machine only polls the is-complete handler, which logs "
    "every poll (what is left) to its own log group; logging ALL events would need logs:* on "
    "every resource for the state machine.",
    "SF2": _FRAMEWORK + "its waiter state machine is not configurable for X-Ray, and one "
    "clean-up per stack lifetime needs no tracing: each poll is logged by the handler.",
}


@dataclass(frozen=True)
class WaitingProvider:
    """The Provider and our two handlers (grant the is-complete handler what it does).

    Attributes:
        handler: serves custom resources (`handler.resource(...)`); it may take our on-event
            handler's timeout, then the waiter's total timeout, after which the framework
            answers FAILED.
    """

    provider: cr.Provider
    on_event: lambda_.Function
    is_complete: lambda_.Function
    handler: CustomResourceHandler


def waiting_provider(
    scope: Construct,
    *,
    handler: str,
    description: str,
    logs_id: str,
    provider_id: str,
    query_interval: Duration,
    total_timeout: Duration,
    environment: Mapping[str, str] | None = None,
) -> WaitingProvider:
    """Create the handlers of `handlers/<handler>/` and their Provider in `scope`.

    Args:
        handler: the folder under `lab_constructs/handlers/` holding `index.py`.
        description: the functions' description.
        logs_id, provider_id: construct ids of the handlers' log group and of the Provider.
        query_interval: how often the waiter polls `is_complete`.
        total_timeout: when the waiter gives up (at most 1 hour, CloudFormation's limit); the
            handler's own deadline should come first, with a message that says what is left.
        environment: the handlers' environment: the names of what they act on, fixed at
            deploy time (a handler never takes them from the invoking event, which anyone
            allowed to invoke the function could write).
    """
    handler_logs = _log_group(scope, logs_id)
    code = lambda_.Code.from_asset(str(HANDLERS_DIR / handler), exclude=["__pycache__", "*.pyc"])
    on_event, is_complete = (
        lambda_.Function(
            scope,
            construct_id,
            runtime=HANDLER_RUNTIME,
            handler=entry,
            code=code,
            timeout=HANDLER_TIMEOUT,
            role=_lambda_role(scope, f"{construct_id}Role", handler_logs),
            log_group=handler_logs,
            description=description,
            environment=dict(environment or {}),
        )
        for construct_id, entry in (
            ("OnEvent", "index.on_event"),
            ("IsComplete", "index.is_complete"),
        )
    )
    provider_logs = _log_group(scope, "ProviderLogs")
    # Our own roles for the framework functions: they write to the provider's log group
    # only (no AWS managed policy); the framework adds what it invokes.
    framework_roles = [
        _lambda_role(scope, "FrameworkOnEventRole", provider_logs),
        _lambda_role(scope, "FrameworkWaiterRole", provider_logs),
    ]
    provider = cr.Provider(
        scope,
        provider_id,
        on_event_handler=on_event,
        is_complete_handler=is_complete,
        query_interval=query_interval,
        total_timeout=total_timeout,
        log_group=provider_logs,
        framework_on_event_role=framework_roles[0],
        framework_complete_and_timeout_role=framework_roles[1],
    )
    for rule, reason in _PROVIDER_FINDINGS.items():
        acknowledge(provider, rule, reason)
    for role in framework_roles:
        _acknowledge_invokes(role, [on_event, is_complete])
    _acknowledge_invokes(
        provider, [provider.node.find_child(f"framework-{name}") for name in WAITER_FUNCTIONS]
    )
    handler = CustomResourceHandler(provider.service_token, HANDLER_TIMEOUT.plus(total_timeout))
    return WaitingProvider(provider, on_event, is_complete, handler)


def _acknowledge_invokes(scope: Construct, functions: list[IConstruct]) -> None:
    """The framework's lambda:InvokeFunction grants name each function and its versions."""
    stack = Stack.of(scope)
    for function in functions:
        logical_id = stack.get_logical_id(function.node.default_child)
        acknowledge(
            scope,
            f"IAM5[Resource::<{logical_id}.Arn>:*]",
            _FRAMEWORK + "aws-cdk-lib grants lambda:InvokeFunction on one function of this "
            "clean-up and its versions (<arn>:*), nothing wider.",
        )


def _log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    return logs.LogGroup(
        scope, construct_id, retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
    )


def _lambda_role(scope: Construct, construct_id: str, log_group: logs.ILogGroup) -> iam.Role:
    """A role for a Lambda function that may write to `log_group` and nothing else (yet)."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group.grant_write(role)
    return role

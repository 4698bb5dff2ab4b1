"""Lambda functions that CDK adds on our behalf (auto-delete objects, default security group, ...).

They are singletons at stack level, created by the constructs that need them. The construct
that causes one calls `adopt_cdk_helper` so that the helper
- logs to a log group of the stack with a retention, destroyed with the stack (otherwise Lambda
  creates `/aws/lambda/...` on first run, with no retention, and it outlives `cdk destroy`);
- has its cdk-nag findings acknowledged on the helper alone, with the reason.

The function depends on its log group, and the helper's custom resources depend on the
function, so on delete the log group goes last, after the helper's final run.
"""

from collections.abc import Mapping

from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from lab_constructs.nag import acknowledge

HELPER_LOG_RETENTION = logs.RetentionDays.ONE_WEEK
_LOG_GROUP_ID = "Logs"


def stack_singleton(scope: Construct, id_prefix: str) -> Construct:
    """The stack-level child whose id starts with `id_prefix` (CDK names singletons that way)."""
    stack = Stack.of(scope)
    matches = [child for child in stack.node.children if child.node.id.startswith(id_prefix)]
    if len(matches) != 1:
        raise LookupError(f"expected one CDK helper {id_prefix}* in {stack.node.path}")
    return matches[0]


def adopt_cdk_helper(helper: Construct, findings: Mapping[str, str]) -> None:
    """Give `helper`'s functions a destroyable log group and acknowledge `findings` on it.

    `findings` maps an AwsSolutions rule (e.g. "IAM4") to the reason. Safe to call again for
    the same helper (several buckets share one auto-delete helper).
    """
    if helper.node.try_find_child(_LOG_GROUP_ID) is not None:
        return
    functions = [
        node
        for node in helper.node.find_all()
        if isinstance(node, CfnResource) and node.cfn_resource_type == "AWS::Lambda::Function"
    ]
    log_group = logs.LogGroup(
        helper, _LOG_GROUP_ID, retention=HELPER_LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
    )
    for function in functions:
        function.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)
    for rule, reason in findings.items():
        acknowledge(helper, rule, reason)

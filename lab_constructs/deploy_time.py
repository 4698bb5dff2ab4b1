"""Custom resources that run a small function of ours while the stack deploys.

`DeployTimeFunction` is one handler of handlers/deploy_time/index.py: CloudFormation invokes
the function directly (its ARN is the ServiceToken) with the deploying role, so no provider
framework (a second function and role) stands in between. The function has its own role, which
may write to its own log group (destroyed with the stack, with a retention) plus what the
caller grants, and the custom resources it serves wait for that role's policies.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from lab_constructs.custom_resource import CustomResourceHandler

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "deploy_time"
# The newest Python runtime of aws-cdk-lib 2.275 (cdk-nag's L1 asks for the newest).
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
LOG_RETENTION = logs.RetentionDays.ONE_WEEK


class DeployTimeFunction(Construct):
    """A function that answers CloudFormation custom resource requests (`handler` of index.py).

    Attributes:
        function: the Lambda function; grant it what the handler calls.
        role: its execution role.
        handler: serves custom resources (`handler.resource(...)`), created once the role's
            policies exist, failed if the function has not answered a little after its timeout.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        timeout: Duration,
    ) -> None:
        """
        Args:
            handler: the function in handlers/deploy_time/index.py, e.g. `put_item`.
            description: what it does, shown in the Lambda console.
            timeout: the function's timeout; the handler must answer CloudFormation before it.
        """
        super().__init__(scope, construct_id)
        log_group = logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=HANDLER_RUNTIME,
            handler=f"index.{handler}",
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
            timeout=timeout,
            role=self.role,
            log_group=log_group,
            description=description,
        )
        # The role and every policy attached to it, before any custom resource it serves.
        self.handler = CustomResourceHandler(self.function.function_arn, timeout, (self.role,))

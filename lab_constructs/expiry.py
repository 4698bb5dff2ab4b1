"""Auto-expiry: a one-time schedule that deletes the lab's own stack N hours after its deploy.

EventBridge Scheduler calls CloudFormation's DeleteStack directly (a universal target) and
names no role, so CloudFormation deletes the stack with the role the stack is associated with:
"If you don't specify a value, CloudFormation uses the role that was previously associated with
the stack" (CloudFormation API reference, DeleteStack, RoleARN), and "Other users that have
permissions to perform operations on this stack are able to use this role, regardless of
whether those users have the iam:PassRole permission or not" (CloudFormation User Guide,
"CloudFormation service role", Important). Assumption: the stack was created by `cdk deploy`
with the CDK bootstrap's CloudFormation execution role (the default of `cdk bootstrap`), which
may delete every resource of a lab. So the schedule's role needs `cloudformation:DeleteStack`
on this one stack and nothing else: no `iam:PassRole`, no permission on the lab's resources. A
stack deployed without that role would be deleted with the schedule role's own permissions,
and the deletion would fail (class-status then shows it EXPIRED but still there).

When: the time is computed while the stack deploys, not at synth. A class-up from one synth,
or `cdk deploy --all`, can start a stack hours after the synth, and a time fixed at synth could
be in the past by the time the schedule is created. A custom resource (handlers/deploy_time
`expiry_time`) answers "now + N hours" when CloudFormation creates it, and it depends on every
other resource of the stack, so it runs after them: the schedule counts from the end of the
deploy. (Refusing expiries that could be past at synth was the alternative; it cannot know how
long a class's deploys will queue, so it would either refuse sensible values or let some
through.) The time is fixed at the first deploy; a later deploy that changes N computes it
anew from then.
"""

from __future__ import annotations

import jsii
from aws_cdk import Aspects, CfnResource, Duration, IAspect, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct, IConstruct

from lab_constructs.deploy_time import DeployTimeFunction

SCHEDULER_SERVICE = "scheduler.amazonaws.com"
DEFAULT_SCHEDULE_GROUP = "default"
RESOURCE_TYPE = "Custom::ExpiryTime"
CLOCK_TIMEOUT = Duration.minutes(1)


class StackExpiry(Construct):
    """Deletes the enclosing stack `expires_in_hours` after its deploy, via EventBridge Scheduler.

    The schedule and its role are resources of the stack, so a `cdk destroy` before the time
    removes them too, and the deletion they trigger removes them last.

    Attributes:
        expires_at: when the schedule fires, `2026-11-20T15:00:00Z` (a deploy-time value).
        time: the custom resource that computes it during the deploy (`At`, `ExpiresAt`).
        schedule: the one-time schedule.
        role: the role the schedule assumes; it may delete this stack only.
    """

    def __init__(self, scope: Construct, construct_id: str, *, expires_in_hours: int) -> None:
        """
        Args:
            expires_in_hours: hours from the end of the deploy until the stack is deleted
                (validated in course/config.py: 1-168).
        """
        super().__init__(scope, construct_id)
        if expires_in_hours < 1:
            raise ValueError(f"StackExpiry {construct_id}: expires_in_hours must be >= 1")
        stack = Stack.of(self)

        # The deploy-time clock: runs after every other resource of the stack (see the aspect).
        clock = DeployTimeFunction(
            self,
            "Clock",
            handler="expiry_time",
            description=f"Tells when the stack {stack.stack_name} deletes itself",
            timeout=CLOCK_TIMEOUT,
        )
        self.time = clock.handler.resource(
            self, "Time", resource_type=RESOURCE_TYPE, properties={"Hours": str(expires_in_hours)}
        )
        Aspects.of(stack).add(_CreatedLast(self.time.node.default_child, self))
        self.expires_at = self.time.get_att_string("ExpiresAt")

        # Only EventBridge Scheduler of this account, acting for a schedule of the default
        # group, may assume the role (confused-deputy protection as the Scheduler docs show).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                SCHEDULER_SERVICE,
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler",
                            resource="schedule-group",
                            resource_name=DEFAULT_SCHEDULE_GROUP,
                        )
                    },
                },
            ),
            description=f"Lets EventBridge Scheduler delete the stack {stack.stack_name} only",
        )
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            description=f"Deletes the stack {stack.stack_name} {expires_in_hours} h after deploy",
            # at(yyyy-mm-ddThh:mm:ss) in UTC, from the clock.
            schedule=scheduler.ScheduleExpression.expression(
                self.time.get_att_string("At"), TimeZone.ETC_UTC
            ),
            target=targets.Universal(
                service="cloudformation",
                action="deleteStack",
                # The stack's unique id: a later stack of the same name is not touched.
                input=scheduler.ScheduleTargetInput.from_object({"StackName": stack.stack_id}),
                role=self.role,
                policy_statements=[
                    iam.PolicyStatement(
                        actions=["cloudformation:DeleteStack"], resources=[stack.stack_id]
                    )
                ],
            ),
        )


@jsii.implements(IAspect)
class _CreatedLast:
    """Makes `last` depend on every resource of the stack outside `own`, so it is created last.

    An aspect, because the lab's resources are added after the expiry (LabStack creates it
    first). Resources under a condition are left out: DependsOn may not name one that is not
    created.
    """

    def __init__(self, last: CfnResource, own: Construct) -> None:
        self._last = last
        self._own = own.node.path + "/"

    def visit(self, node: IConstruct) -> None:
        if (
            isinstance(node, CfnResource)
            and not node.node.path.startswith(self._own)
            and node.cfn_options.condition is None
            and node.cfn_resource_type != "AWS::CDK::Metadata"
        ):
            self._last.add_resource_dependency(node)

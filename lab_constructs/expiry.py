"""Auto-expiry: a one-time schedule that deletes the lab's own stack N hours after deploy.

EventBridge Scheduler calls CloudFormation's DeleteStack directly (a universal target, no
Lambda). CloudFormation then deletes the stack with the role the stack was deployed with (the
CDK bootstrap's execution role): "If you don't specify a value, CloudFormation uses the role
that was previously associated with the stack", and users who may operate on the stack use it
"even if they don't have permission to pass it" (CloudFormation service role docs). So the
schedule's role needs `cloudformation:DeleteStack` on this one stack and nothing else: no
`iam:PassRole`, no permission on the lab's resources.

The time is computed at synth (`now()` + N hours), so a template with an expiry is not
reproducible; tests replace `now` with a fixed clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

SCHEDULER_SERVICE = "scheduler.amazonaws.com"
DEFAULT_SCHEDULE_GROUP = "default"


def now() -> datetime:
    """The synth-time clock (UTC). Tests replace it to get a fixed expiry time."""
    return datetime.now(UTC)


class StackExpiry(Construct):
    """Deletes the enclosing stack `expires_in_hours` after synth, via EventBridge Scheduler.

    The schedule and its role are resources of the stack, so a `cdk destroy` before the time
    removes them too, and the deletion they trigger removes them last.

    Attributes:
        expires_at: when the schedule fires (UTC, whole seconds).
        schedule: the one-time schedule.
        role: the role the schedule assumes; it may delete this stack only.
    """

    def __init__(self, scope: Construct, construct_id: str, *, expires_in_hours: int) -> None:
        """
        Args:
            expires_in_hours: hours from synth until the stack is deleted (validated in
                course/config.py: 1-168).
        """
        super().__init__(scope, construct_id)
        if expires_in_hours < 1:
            raise ValueError(f"StackExpiry {construct_id}: expires_in_hours must be >= 1")
        stack = Stack.of(self)
        self.expires_at = (now() + timedelta(hours=expires_in_hours)).replace(microsecond=0)

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
            schedule=scheduler.ScheduleExpression.at(self.expires_at),
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

    @property
    def expires_at_text(self) -> str:
        """`expires_at` as ISO 8601 UTC, e.g. `2026-11-20T15:00:00Z`."""
        return self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")

"""CourseWatch: tells the trainer when a course stack did not delete itself. One per account/region.

Not a lab: the trainer deploys it once (`npx cdk deploy CourseWatch [-c notify_email=...]`),
before a class, and keeps it; it must outlive the stacks it watches. It is built only without
`-c participant` (it belongs to the account, not to a participant).

- **A stack of the course ends in DELETE_FAILED** (an auto-expiry's DeleteStack, a `cdk
  destroy`, a `make class-down`): CloudFormation sends a "CloudFormation Stack Status Change"
  event to the default event bus, and a rule of that stack publishes the stack and
  CloudFormation's reason to the topic. The stacks are every one the course's app creates, from
  the registry (stacks/app.py): the labs and `CourseNetwork` as the trainer deploys them
  (`<StackId>`), the labs and `LabAccess` for a participant (`<participant>-<StackId>`).
  CourseWatch itself is left out: its rules go with it.
- **Simple rules.** EventBridge refuses a rule whose pattern is too complex ("Rule is too
  complex - try using fewer wildcard characters"); wildcard values of one field add up. So each
  stack has a rule of its own whose `stack-id` (an ARN) matches a prefix for the trainer's
  stack (`arn:<partition>:cloudformation:<region>:<account>:stack/LabBackup/`, no wildcard) and
  one wildcard value for participants' (`...:stack/*-LabBackup/*`): tests/rule_complexity.py
  scores them as aws/event-ruler does.
- **An auto-expiry schedule cannot run its target** (e.g. DeleteStack is refused): EventBridge
  Scheduler counts `TargetErrorCount` per schedule group (lab_constructs/expiry.py puts every
  expiry in the `default` group, without a dead-letter queue); an alarm on it changes state,
  CloudWatch sends an "Alarm State Change" event, and a second rule publishes it.

Cost while idle: the rules, the topic and the e-mail subscription are free; the alarm is the
one fixed cost, $0.10 a month (a standard-resolution alarm, us-east-1, 2026-11). The topic is
encrypted with AWS's managed key for SNS (free; a customer-managed key would add $1 a month),
which works because EventBridge publishes with a role of the rules, not as the service
(CloudWatch could not publish to it directly: hence the alarm goes through EventBridge).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from course.config import LabSettings
from lab_constructs.tagging import apply_tags
from stacks.lab_stack import COURSE_TAG, MANAGED_BY_TAG

STACK_ID = "CourseWatch"
TOPIC_NAME = "CourseWatchNotifications"
FAILED_STATUS = "DELETE_FAILED"
SNS_MANAGED_KEY = "alias/aws/sns"
SCHEDULE_ERROR_PERIOD = Duration.minutes(5)


class CourseWatchStack(Stack):
    """An SNS topic that hears of failed stack deletions and of expiry schedules that fail.

    Attributes:
        delete_failed: the DELETE_FAILED rule of each watched stack, by its id.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        settings: LabSettings,
        trainer_stacks: Sequence[str],
        participant_stacks: Sequence[str],
    ) -> None:
        """
        Args:
            trainer_stacks: ids of the stacks deployed without a participant, named `<id>`.
            participant_stacks: ids of the stacks deployed for a participant, named
                `<participant>-<id>`.
        """
        super().__init__(
            scope,
            STACK_ID,
            stack_name=STACK_ID,
            description="Course watcher: failed lab deletions and expiries (course-labs-cdk)",
        )
        apply_tags(self, {"course": COURSE_TAG, "managed-by": MANAGED_BY_TAG})

        self.topic = sns.Topic(
            self,
            "Notifications",
            topic_name=TOPIC_NAME,
            display_name="Course labs: failed deletions",
            enforce_ssl=True,
        )
        # AWS's managed key for SNS, set on the L1 so that aws-cdk-lib grants no kms:* on
        # every key to the publishers. EventBridge's delivery role "needs sns:Publish on the
        # topic. If the topic is encrypted with a customer managed key, the role also needs
        # kms:GenerateDataKey and kms:Decrypt on that key" (EventBridge User Guide, "Amazon SNS
        # topic target"): with the managed key, sns:Publish on this topic is all.
        cfn_topic = cast(sns.CfnTopic, self.topic.node.default_child)
        cfn_topic.kms_master_key_id = SNS_MANAGED_KEY
        if settings.notify_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.notify_email))

        # EventBridge publishes with this role (one for every rule), not as the service.
        self.publisher = iam.Role(
            self,
            "Publisher",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="Lets the course watcher's rules publish to its topic",
        )
        # A stack of the course (with or without a participant) that failed to delete. The
        # event: detail `stack-id` (the stack's ARN) and `status-details` {`status`,
        # `status-reason`} (CloudFormation User Guide, "Stack Status Change event detail").
        stacks_here = f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stack/"
        self.delete_failed: dict[str, events.Rule] = {}
        for stack_id in dict.fromkeys([*trainer_stacks, *participant_stacks]):
            stack_arns = []
            if stack_id in trainer_stacks:
                stack_arns.append(events.Match.prefix(f"{stacks_here}{stack_id}/"))
            if stack_id in participant_stacks:
                stack_arns.append(events.Match.wildcard(f"{stacks_here}*-{stack_id}/*"))
            self.delete_failed[stack_id] = self._delete_failed_rule(stack_id, stack_arns)

        # An expiry schedule whose DeleteStack call failed (every attempt counts).
        self.schedule_errors = cloudwatch.Alarm(
            self,
            "ExpiryTargetErrors",
            alarm_description=(
                "An auto-expiry schedule (EventBridge Scheduler, default group) could not call "
                "DeleteStack: its lab stack may still be running. Run `make class-status`."
            ),
            metric=scheduler.ScheduleGroup.from_default_schedule_group(
                self, "DefaultScheduleGroup"
            ).metric_target_errors(period=SCHEDULE_ERROR_PERIOD, statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.schedule_failed = events.Rule(
            self,
            "ExpiryFailed",
            description="The alarm on failed auto-expiry schedules went off",
            event_pattern=events.EventPattern(
                source=["aws.cloudwatch"],
                detail_type=["CloudWatch Alarm State Change"],
                resources=[self.schedule_errors.alarm_arn],
                detail={"state": {"value": ["ALARM"]}},
            ),
        )
        self._notify(
            self.schedule_failed,
            (
                f"{events.EventField.from_path('$.detail.alarmName')}: an auto-expiry "
                f"schedule in {events.EventField.region} could not delete its lab stack "
                f"({events.EventField.from_path('$.detail.state.reason')}). Run `make "
                "class-status` and destroy the labs past their expiry."
            ),
        )
        CfnOutput(
            self,
            "NotificationTopicArn",
            value=self.topic.topic_arn,
            description="Failed lab deletions and expiries are sent here (subscribe to it)",
        )

    def _delete_failed_rule(self, stack_id: str, stack_arns: list[str]) -> events.Rule:
        """The rule for the stack `stack_id` (and participants' `<participant>-<stack_id>`)."""
        rule = events.Rule(
            self,
            f"{stack_id}DeleteFailed",
            description=f"The course's stack {stack_id} (or a participant's) is {FAILED_STATUS}",
            event_pattern=events.EventPattern(
                source=["aws.cloudformation"],
                detail_type=["CloudFormation Stack Status Change"],
                detail={
                    "stack-id": events.Match.any_of(*stack_arns),
                    "status-details": {"status": [FAILED_STATUS]},
                },
            ),
        )
        self._notify(
            rule,
            (
                f"Stack {events.EventField.from_path('$.detail.stack-id')} is "
                f"{FAILED_STATUS} in {events.EventField.region} "
                f"({events.EventField.time}): "
                f"{events.EventField.from_path('$.detail.status-details.status-reason')} "
                "Look at its events, fix the cause, then run `make class-down` (or "
                "`npx cdk destroy`) for it."
            ),
        )
        return rule

    def _notify(self, rule: events.Rule, message: str) -> None:
        """`rule` publishes `message` (with the event's fields) to the topic, with the
        publisher role: the topic then need not trust the EventBridge service."""
        rule.add_target(
            targets.SnsTopic(
                self.topic,
                authorize_using_role=True,
                role=self.publisher,
                message=events.RuleTargetInput.from_text(message),
            )
        )

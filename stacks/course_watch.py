"""CourseWatch: tells the trainer when a lab did not delete itself. One per account and region.

Not a lab: the trainer deploys it once (`npx cdk deploy CourseWatch [-c notify_email=...]`),
before a class, and keeps it; it must outlive the stacks it watches. It is built only without
`-c participant` (it belongs to the account, not to a participant).

- **A lab stack ends in DELETE_FAILED** (an auto-expiry's DeleteStack, a `cdk destroy`, a
  `make class-down`): CloudFormation sends a "CloudFormation Stack Status Change" event to the
  default event bus; a rule matching the course's stacks (`<LabId>` and `<participant>-<LabId>`,
  by wildcard on the stack id, an ARN) publishes the stack and CloudFormation's reason to the topic.
- **An auto-expiry schedule cannot run its target** (e.g. DeleteStack is refused): EventBridge
  Scheduler counts `TargetErrorCount` per schedule group (lab_constructs/expiry.py puts every
  expiry in the `default` group, without a dead-letter queue); an alarm on it changes state,
  CloudWatch sends an "Alarm State Change" event, and a second rule publishes it.

Cost while idle: the rules, the topic and the e-mail subscription are free; the alarm is the
one fixed cost, $0.10 a month (a standard-resolution alarm, us-east-1, 2026-11). The topic is
encrypted with AWS's managed key for SNS (free; a customer-managed key would add $1 a month),
which works because EventBridge publishes with a role of each rule, not as the service
(CloudWatch could not publish to it directly: hence the alarm goes through EventBridge).
"""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
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
    """An SNS topic that hears of failed lab deletions and of expiry schedules that fail."""

    def __init__(
        self, scope: Construct, *, settings: LabSettings, lab_ids: tuple[str, ...]
    ) -> None:
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

        # A lab stack of the course (with or without a participant) that failed to delete.
        # The event: detail `stack-id` (the stack's ARN) and `status-details` {`status`,
        # `status-reason`} (CloudFormation User Guide, "Stack Status Change event detail").
        stack_arns = [
            events.Match.wildcard(f"arn:*:cloudformation:*:*:stack/{prefix}{lab_id}/*")
            for lab_id in lab_ids
            for prefix in ("", "*-")
        ]
        self.delete_failed = events.Rule(
            self,
            "LabDeleteFailed",
            description="A lab stack of the course ended in DELETE_FAILED",
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
            self.delete_failed,
            (
                f"Lab stack {events.EventField.from_path('$.detail.stack-id')} is "
                f"{FAILED_STATUS} in {events.EventField.region} "
                f"({events.EventField.time}): "
                f"{events.EventField.from_path('$.detail.status-details.status-reason')} "
                "Look at its events, fix the cause, then run `make class-down` (or "
                "`npx cdk destroy`) for it."
            ),
        )

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

    def _notify(self, rule: events.Rule, message: str) -> None:
        """`rule` publishes `message` (with the event's fields) to the topic, with its own role:
        the topic and its key then need not trust the EventBridge service."""
        rule.add_target(
            targets.SnsTopic(
                self.topic,
                authorize_using_role=True,
                message=events.RuleTargetInput.from_text(message),
            )
        )

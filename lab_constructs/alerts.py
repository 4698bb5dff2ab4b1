"""Alerts: events that match a pattern go to an encrypted SNS topic (and an e-mail, if given)."""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from lab_constructs.nag import acknowledge


class LabAlerts(Construct):
    """An EventBridge rule that publishes matching events to a topic encrypted with `key`.

    The topic refuses non-TLS publishers. EventBridge publishes with a role of the rule, so
    neither the topic policy nor the key policy has to trust the whole EventBridge service
    (EventBridge's documentation asks for a customer managed key on an encrypted target topic:
    its service principal may not use `aws/sns`).

    Attributes:
        topic: the topic; subscribe to it for the alerts.
        rule: the rule that publishes to it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic_name: str,
        display_name: str,
        key: kms.IKey,
        event_pattern: events.EventPattern,
        description: str,
        email: str | None = None,
    ) -> None:
        """
        Args:
            topic_name, display_name: the topic's name and the sender name of its e-mails.
            key: encrypts the topic's messages; the rule's role may use it to publish.
            event_pattern: the events to alert on; description: what they are.
            email: an address to subscribe (it must confirm the subscription), if any.
        """
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name=display_name,
            master_key=key,
            enforce_ssl=True,
        )
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.rule = events.Rule(
            self,
            "Rule",
            description=description,
            event_pattern=event_pattern,
            targets=[targets.SnsTopic(self.topic, authorize_using_role=True)],
        )
        acknowledge(
            self.rule.node.find_child("EventsRole"),
            "IAM5[Action::kms:GenerateDataKey*]",
            "aws-cdk-lib's grant to publish to an encrypted topic: GenerateDataKey and "
            "GenerateDataKeyWithoutPlaintext on the alerts' key only, which SNS needs to encrypt "
            "the messages this rule's role publishes.",
        )

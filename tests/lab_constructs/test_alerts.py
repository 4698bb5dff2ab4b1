"""LabAlerts on its own: matching events go to an encrypted topic through the rule's role."""

from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms

from lab_constructs import LabAlerts
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type

PATTERN = events.EventPattern(source=["aws.backup"], detail={"state": ["FAILED"]})


def _alerts(email=None) -> dict:
    def build(stack):
        LabAlerts(
            stack,
            "Alerts",
            topic_name="Alerts",
            display_name="Lab alerts",
            key=kms.Key(stack, "Key"),
            event_pattern=PATTERN,
            description="Failed things",
            email=email,
        )

    return bare_template(build)


def test_the_topic_is_encrypted_with_the_key_and_refuses_plain_http():
    template = _alerts()
    (topic,) = of_type(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["Key961B73FD", "Arn"]}
    (policy,) = of_type(template, "AWS::SNS::TopicPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_rule_publishes_the_matching_events_with_its_own_role():
    template = _alerts()
    (rule,) = of_type(template, "AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.backup"],
        "detail": {"state": ["FAILED"]},
    }
    (target,) = rule["Properties"]["Targets"]
    assert "RoleArn" in target, "EventBridge publishes with the rule's role, not the service"


def test_an_email_is_subscribed_only_when_given():
    assert of_type(_alerts(), "AWS::SNS::Subscription") == {}
    (subscription,) = of_type(_alerts("t@example.com"), "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "t@example.com"

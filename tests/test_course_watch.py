"""CourseWatch (stacks/course_watch.py): a failed lab deletion or expiry reaches the trainer."""

import json

import pytest

from tests.synth import synthesized
from tests.templates import of_type

STACK = "CourseWatch"
LABS = ("LabS3Lifecycle", "LabS3Website", "LabRdsMysql", "LabDynamoDbUsers", "LabBackup")
EMAIL = "trainer@example.com"


@pytest.fixture(scope="module")
def template(synth):
    return synth.template(STACK)


def rule(template, detail_type):
    (item,) = [
        r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"]["detail-type"] == [detail_type]
    ]
    return item


def topic_id(template):
    (logical_id,) = of_type(template, "AWS::SNS::Topic")
    return logical_id


def test_the_stack_is_named_once_per_account_and_region(synth):
    assert synth.stack_name(STACK) == "CourseWatch"


def test_delete_failed_of_every_course_lab_with_or_without_participant(template):
    pattern = rule(template, "CloudFormation Stack Status Change")["EventPattern"]
    assert pattern["source"] == ["aws.cloudformation"]
    assert pattern["detail"]["status-details"] == {"status": ["DELETE_FAILED"]}
    wildcards = {match["wildcard"] for match in pattern["detail"]["stack-id"]}
    assert wildcards == {
        f"arn:*:cloudformation:*:*:stack/{prefix}{lab}/*" for lab in LABS for prefix in ("", "*-")
    }


def test_the_message_names_the_stack_and_the_reason(template):
    (target,) = rule(template, "CloudFormation Stack Status Change")["Targets"]
    assert target["Arn"] == {"Ref": topic_id(template)}
    transformer = target["InputTransformer"]
    paths = set(transformer["InputPathsMap"].values())
    assert {"$.detail.stack-id", "$.detail.status-details.status-reason"} <= paths
    assert "is DELETE_FAILED" in transformer["InputTemplate"]


def test_an_expiry_schedule_that_cannot_run_its_target_raises_the_alarm(template):
    (alarm_id, alarm), *rest = of_type(template, "AWS::CloudWatch::Alarm").items()
    assert rest == []
    properties = alarm["Properties"]
    assert properties["Namespace"] == "AWS/Scheduler"
    assert properties["MetricName"] == "TargetErrorCount"
    assert properties["Dimensions"] == [{"Name": "ScheduleGroup", "Value": "default"}]
    assert properties["Threshold"] == 1
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert properties["TreatMissingData"] == "notBreaching", "no schedule, no alarm"
    alarm_rule = rule(template, "CloudWatch Alarm State Change")
    assert alarm_rule["EventPattern"]["resources"] == [{"Fn::GetAtt": [alarm_id, "Arn"]}]
    assert alarm_rule["EventPattern"]["detail"] == {"state": {"value": ["ALARM"]}}
    (target,) = alarm_rule["Targets"]
    assert target["Arn"] == {"Ref": topic_id(template)}


def test_the_topic_is_encrypted_ssl_only_and_publishers_may_publish_only(template):
    (topic,) = of_type(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == "alias/aws/sns", "free, unlike a CMK"
    (policy,) = of_type(template, "AWS::SNS::TopicPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    grants = [
        statement
        for p in of_type(template, "AWS::IAM::Policy").values()
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert len(grants) == 2, "one role per rule"
    for grant in grants:
        assert grant == {
            "Action": "sns:Publish",
            "Effect": "Allow",
            "Resource": {"Ref": topic_id(template)},
        }


def test_idle_it_costs_one_alarm_and_nothing_else(template):
    billed_by_the_hour_or_month = {
        "AWS::KMS::Key",
        "AWS::Lambda::Function",
        "AWS::EC2::NatGateway",
        "AWS::SQS::Queue",
        "AWS::Logs::LogGroup",
    }
    types = {r["Type"] for r in template["Resources"].values()}
    assert types & billed_by_the_hour_or_month == set()
    assert len(of_type(template, "AWS::CloudWatch::Alarm")) == 1


def test_no_email_subscription_by_default(template):
    assert of_type(template, "AWS::SNS::Subscription") == {}


def test_notify_email_subscribes_the_trainer():
    template = synthesized(notify_email=EMAIL).template(STACK)
    (subscription,) = of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == EMAIL


def test_every_taggable_resource_carries_the_course_tags(template):
    for logical_id, resource in template["Resources"].items():
        tags = resource.get("Properties", {}).get("Tags")
        if tags is None:
            continue
        assert {"Key": "course", "Value": "storage-and-data"} in tags, logical_id
        assert {"Key": "managed-by", "Value": "course-labs-cdk"} in tags, logical_id


def stack_event(stack_name: str, status: str) -> dict:
    """A "CloudFormation Stack Status Change" event as the CloudFormation User Guide shows it."""
    return {
        "source": "aws.cloudformation",
        "detail-type": "CloudFormation Stack Status Change",
        "region": "eu-west-1",
        "detail": {
            "stack-id": f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{stack_name}/1a2b",
            "status-details": {"status": status, "status-reason": "The following resource(s)"},
        },
    }


@pytest.mark.parametrize(
    ("stack_name", "status", "notified"),
    [
        ("LabBackup", "DELETE_FAILED", True),
        ("ana-LabRdsMysql", "DELETE_FAILED", True),
        ("my-team-1-LabS3Website", "DELETE_FAILED", True),
        ("ana-LabRdsMysql", "DELETE_COMPLETE", False),
        ("ana-LabRdsMysql", "DELETE_IN_PROGRESS", False),
        ("ana-MyOwnStack", "DELETE_FAILED", False),
        ("CDKToolkit", "DELETE_FAILED", False),
    ],
)
def test_the_rule_matches_failed_deletions_of_course_labs_only(
    template, stack_name, status, notified
):
    """Matched with moto's implementation of EventBridge patterns (wildcards included)."""
    from moto.events.models import EventPattern, EventPatternParser

    raw = rule(template, "CloudFormation Stack Status Change")["EventPattern"]
    pattern = EventPattern(None, EventPatternParser(json.dumps(raw)).parse())
    assert pattern.matches_event(stack_event(stack_name, status)) is notified

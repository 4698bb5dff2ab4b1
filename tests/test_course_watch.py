"""CourseWatch (stacks/course_watch.py): a failed lab deletion or expiry reaches the trainer."""

import json

import pytest

from tests.synth import synthesized
from tests.templates import ACCOUNT, REGION, of_type, resolve

STACK = "CourseWatch"
LABS = ("LabS3Lifecycle", "LabS3Website", "LabRdsMysql", "LabDynamoDbUsers", "LabBackup")
# What the trainer deploys (`<id>`) and what a participant deploys (`<participant>-<id>`).
TRAINER_STACKS = (*LABS, "CourseNetwork")
PARTICIPANT_STACKS = (*LABS, "LabAccess")
STACKS_HERE = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/"
EMAIL = "trainer@example.com"
STACK_CHANGE = "CloudFormation Stack Status Change"


@pytest.fixture(scope="module")
def template(synth):
    return synth.template(STACK)


def rules(template, detail_type):
    return [
        r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"]["detail-type"] == [detail_type]
    ]


def rule(template, detail_type):
    (item,) = rules(template, detail_type)
    return item


def stack_id_matches(rule_properties) -> list[dict]:
    """The rule's `stack-id` matches, with the ARN's partition, region and account resolved."""
    return [
        {kind: resolve(value) for kind, value in match.items()}
        for match in rule_properties["EventPattern"]["detail"]["stack-id"]
    ]


def topic_id(template):
    (logical_id,) = of_type(template, "AWS::SNS::Topic")
    return logical_id


def test_the_stack_is_named_once_per_account_and_region(synth):
    assert synth.stack_name(STACK) == "CourseWatch"


def test_delete_failed_of_every_course_stack_with_or_without_participant(template):
    """One rule per stack of the course, each simple (tests/test_rule_complexity.py): the
    trainer's stack by prefix, participants' by one wildcard value."""
    found = []
    for properties in rules(template, STACK_CHANGE):
        pattern = properties["EventPattern"]
        assert pattern["source"] == ["aws.cloudformation"]
        assert pattern["detail"]["status-details"] == {"status": ["DELETE_FAILED"]}
        found.append(stack_id_matches(properties))
    expected = [
        [{"prefix": f"{STACKS_HERE}{stack}/"}] * (stack in TRAINER_STACKS)
        + [{"wildcard": f"{STACKS_HERE}*-{stack}/*"}] * (stack in PARTICIPANT_STACKS)
        for stack in dict.fromkeys(TRAINER_STACKS + PARTICIPANT_STACKS)
    ]
    assert sorted(map(str, found)) == sorted(map(str, expected))


def test_every_message_names_the_stack_and_the_reason(template):
    for properties in rules(template, STACK_CHANGE):
        (target,) = properties["Targets"]
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
    (role_id, role), *others = of_type(template, "AWS::IAM::Role").items()
    assert others == [], "one role for every rule"
    (trusted,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trusted["Principal"] == {"Service": "events.amazonaws.com"}
    grants = [
        statement
        for p in of_type(template, "AWS::IAM::Policy").values()
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert grants == [
        {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id(template)}}
    ]
    for properties in of_type(template, "AWS::Events::Rule").values():
        (target,) = properties["Properties"]["Targets"]
        assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}


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


def stack_event(stack_name: str, status: str, region: str = REGION) -> dict:
    """A "CloudFormation Stack Status Change" event as the CloudFormation User Guide shows it."""
    return {
        "source": "aws.cloudformation",
        "detail-type": STACK_CHANGE,
        "region": region,
        "detail": {
            "stack-id": f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{stack_name}/1a2b",
            "status-details": {"status": status, "status-reason": "The following resource(s)"},
        },
    }


@pytest.mark.parametrize(
    ("event", "notified"),
    [
        (stack_event("LabBackup", "DELETE_FAILED"), True),
        (stack_event("ana-LabRdsMysql", "DELETE_FAILED"), True),
        (stack_event("my-team-1-LabS3Website", "DELETE_FAILED"), True),
        (stack_event("ana-LabAccess", "DELETE_FAILED"), True),
        (stack_event("CourseNetwork", "DELETE_FAILED"), True),
        (stack_event("ana-LabDynamoDbUsers", "DELETE_FAILED"), True),
        (stack_event("LabS3Lifecycle", "DELETE_FAILED"), True),
        (stack_event("ana-LabRdsMysql", "DELETE_COMPLETE"), False),
        (stack_event("ana-LabRdsMysql", "DELETE_IN_PROGRESS"), False),
        (stack_event("ana-MyOwnStack", "DELETE_FAILED"), False),
        (stack_event("CDKToolkit", "DELETE_FAILED"), False),
        (stack_event("LabBackupCopy", "DELETE_FAILED"), False),
        (stack_event("ana-CourseNetwork", "DELETE_FAILED"), False),
        (stack_event("LabBackup", "DELETE_FAILED", region="eu-west-1"), False),
    ],
)
def test_the_rules_match_failed_deletions_of_course_stacks_only(template, event, notified):
    """Matched with moto's implementation of EventBridge patterns (prefix and wildcards
    included); a failed deletion is told once, by one rule."""
    from moto.events.models import EventPattern, EventPatternParser

    matched = []
    for properties in rules(template, STACK_CHANGE):
        raw = properties["EventPattern"]
        raw = {**raw, "detail": {**raw["detail"], "stack-id": stack_id_matches(properties)}}
        pattern = EventPattern(None, EventPatternParser(json.dumps(raw)).parse())
        matched += [raw] * pattern.matches_event(event)
    assert len(matched) == (1 if notified else 0), matched

"""apply_tags on its own: every taggable resource, including CDK's raw helper role and function."""

from aws_cdk import CfnResource
from aws_cdk import aws_sns as sns

from lab_constructs import LabBucket, tagging
from lab_constructs.tagging import apply_tags
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type

# Given out of order: both Tags.of and the raw resources render them sorted by key.
TAGS = {"lab": "LabX", "course": "storage-and-data", "managed-by": "course-labs-cdk"}
RENDERED = [
    {"Key": "course", "Value": "storage-and-data"},
    {"Key": "lab", "Value": "LabX"},
    {"Key": "managed-by", "Value": "course-labs-cdk"},
]


def _tagged(build) -> dict:
    def tagged(stack):
        build(stack)
        apply_tags(stack, TAGS)

    return bare_template(tagged)


def test_l2_resources_carry_the_tags():
    template = _tagged(lambda stack: sns.Topic(stack, "Topic"))
    (topic,) = of_type(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["Tags"] == RENDERED


def test_cdks_raw_helper_role_and_function_carry_the_tags_too():
    # LabBucket's auto-delete-objects helper writes its role and function as plain CfnResource.
    template = _tagged(lambda stack: LabBucket(stack, "Bucket"))
    raw = {
        logical_id: resource
        for resource_type in ("AWS::IAM::Role", "AWS::Lambda::Function")
        for logical_id, resource in of_type(template, resource_type).items()
        if logical_id.startswith("CustomS3AutoDeleteObjectsCustomResourceProvider")
    }
    assert len(raw) == 2, sorted(raw)
    for logical_id, resource in raw.items():
        assert resource["Properties"]["Tags"] == RENDERED, logical_id


def test_raw_resources_of_other_types_are_left_alone():
    def build(stack):
        CfnResource(stack, "Raw", type="AWS::SQS::Queue", properties={"QueueName": "q"})

    (queue,) = of_type(_tagged(build), "AWS::SQS::Queue").values()
    assert "Tags" not in queue["Properties"]


def test_resources_added_after_the_tags_carry_them_too():
    # A lab stack tags itself first, then adds its resources (stacks/lab_stack.py).
    def build(stack):
        apply_tags(stack, TAGS)
        LabBucket(stack, "Bucket")
        sns.Topic(stack, "Topic")

    template = bare_template(build)
    (topic,) = of_type(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["Tags"] == RENDERED
    raw = [
        resource
        for logical_id, resource in of_type(template, "AWS::IAM::Role").items()
        if logical_id.startswith("CustomS3AutoDeleteObjectsCustomResourceProvider")
    ]
    assert len(raw) == 1
    assert raw[0]["Properties"]["Tags"] == RENDERED


def test_the_raw_resources_aspect_runs_once_per_scope_not_once_per_construct(monkeypatch):
    # Each call of an aspect written in Python is a round trip between jsii's Node process and
    # Python, and a lab stack has hundreds of constructs.
    visits = []
    visit = tagging._TagRawResources.visit
    monkeypatch.setattr(
        tagging._TagRawResources,
        "visit",
        lambda self, node: visits.append(node) or visit(self, node),
    )

    def build(stack):
        apply_tags(stack, TAGS)
        for name in ("One", "Two", "Three"):
            LabBucket(stack, name)

    bare_template(build)
    assert len(visits) == 1

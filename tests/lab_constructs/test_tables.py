"""LabTable and LabTableItem on their own, in a bare Stack.

LabTable: on demand, point-in-time recovery, the AWS managed key, deleted with the stack.
LabTableItem: one DynamoDB JSON item put on deploy by a function that may write to that table
only (the function's own defaults: test_deploy_time.py). The lab test (test_dynamodb_users.py)
asserts the Users table, its index and John Doe.
"""

import json

import pytest
from aws_cdk import aws_dynamodb as dynamodb

from lab_constructs import LabTable, LabTableItem
from lab_constructs.tables import load_item
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type, only, role_statements

TEXT = dynamodb.AttributeType.STRING
NUMBER = dynamodb.AttributeType.NUMBER


def _template(item_file=None, sort_key=None) -> dict:
    def build(stack):
        table = LabTable(
            stack,
            "Orders",
            table_name="Orders",
            partition_key=dynamodb.Attribute(name="customer", type=TEXT),
            sort_key=sort_key,
        ).table
        if item_file:
            LabTableItem(stack, "First", table=table, item_file=item_file)

    return bare_template(build)


@pytest.fixture
def item_file(tmp_path):
    path = tmp_path / "item.json"
    path.write_text(json.dumps({"customer": {"S": "ana"}, "paid": {"BOOL": True}, "n": {"N": "2"}}))
    return path


@pytest.fixture(scope="module")
def table() -> tuple[str, dict]:
    return only(_template(), "AWS::DynamoDB::Table")


def test_the_table_has_the_given_name_and_key(table):
    props = table[1]["Properties"]
    assert props["TableName"] == "Orders"
    assert props["KeySchema"] == [{"AttributeName": "customer", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "customer", "AttributeType": "S"}]


def test_a_sort_key_when_given():
    _, resource = only(
        _template(sort_key=dynamodb.Attribute(name="at", type=NUMBER)), "AWS::DynamoDB::Table"
    )
    assert resource["Properties"]["KeySchema"] == [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]


def test_capacity_is_on_demand(table):
    props = table[1]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in props


def test_point_in_time_recovery_is_on(table):
    assert table[1]["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }


def test_encrypted_at_rest_with_the_aws_managed_key(table):
    assert table[1]["Properties"]["SSESpecification"] == {"SSEEnabled": True}, (
        "SSEEnabled without a key id is the AWS managed key aws/dynamodb"
    )


def test_the_table_is_deleted_with_the_stack(table):
    _, resource = table
    assert resource["DeletionPolicy"] == "Delete"
    assert resource["UpdateReplacePolicy"] == "Delete"
    assert resource["Properties"]["DeletionProtectionEnabled"] is False


def test_the_item_is_put_as_json_text_with_its_key(item_file):
    template = _template(item_file)
    table_id, _ = only(template, "AWS::DynamoDB::Table")
    _, resource = only(template, "Custom::TableItem")
    props = resource["Properties"]
    assert props["TableName"] == {"Ref": table_id}
    assert json.loads(props["Item"]) == {
        "customer": {"S": "ana"},
        "paid": {"BOOL": True},
        "n": {"N": "2"},
    }, "as JSON text, so {BOOL: true} is not turned into a string"
    assert props["Key"] == "customer=ana"
    assert resource["DeletionPolicy"] == "Delete"


def test_the_writer_is_the_retrying_put_item_handler_with_room_for_its_retries(item_file):
    template = _template(item_file)
    _, function = only(template, "AWS::Lambda::Function")
    assert function["Properties"]["Handler"] == "index.put_item"
    assert function["Properties"]["Timeout"] == 180, "2 minutes of AccessDenied retries, then"


def test_the_writer_may_put_items_into_this_table_only(item_file):
    template = _template(item_file)
    table_id, _ = only(template, "AWS::DynamoDB::Table")
    _, function = only(template, "AWS::Lambda::Function")
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    statements = role_statements(template["Resources"], role_id)
    assert [s for s in statements if s["Resource"] != {"Fn::GetAtt": [log_group, "Arn"]}] == [
        {
            "Action": "dynamodb:PutItem",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
        }
    ]


def test_the_item_is_written_once_the_put_item_grant_exists(item_file):
    template = _template(item_file)
    (resource,) = of_type(template, "Custom::TableItem").values()
    grant = [
        k
        for k, p in of_type(template, "AWS::IAM::Policy").items()
        if "dynamodb:PutItem" in str(p["Properties"]["PolicyDocument"])
    ]
    assert grant
    assert set(grant) <= set(resource["DependsOn"])


def test_an_item_without_the_tables_key_is_refused_at_synth(tmp_path):
    path = tmp_path / "no_key.json"
    path.write_text('{"name": {"S": "John Doe"}}')
    with pytest.raises(ValueError, match=r"needs the key attribute 'customer' of type S"):
        _template(path)


def test_a_key_of_the_wrong_type_is_refused_at_synth(tmp_path):
    path = tmp_path / "wrong.json"
    path.write_text('{"customer": {"N": "7"}}')
    with pytest.raises(ValueError, match=r"needs the key attribute 'customer' of type S"):
        _template(path)


@pytest.mark.parametrize(
    "text",
    ['{"name": "John Doe"}', '{"age": {"N": "30", "S": "30"}}', "[]", "{}", "{", '{"a": {"X": 1}}'],
)
def test_an_item_that_is_not_dynamodb_json_is_refused(tmp_path, text):
    path = tmp_path / "item.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"item\.json"):
        load_item(path)


def test_a_missing_item_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"not a readable JSON file"):
        load_item(tmp_path / "absent.json")

"""LabDynamoDbUsers: each requirement of the lab sheet (issue #5), one test each.

The table definition and the seed item that moto receives are read from the synthesized
template, so the query tests fail when the stack changes its keys, index or item. LabTable's
and LabTableItem's own defaults (encryption, removal, the writer's permissions, logs and
ordering) are tested once, on the constructs: tests/lab_constructs/test_tables.py.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stacks.dynamodb_users import DynamoDbUsersStack
from tests.labcheck_fixtures import fake_credentials
from tests.synth import PARTICIPANT

LAB = "LabDynamoDbUsers"
LAB_DIR = Path(__file__).resolve().parent.parent / "labs" / DynamoDbUsersStack.folder
REGION = "us-east-1"


def _load_query_script():
    spec = importlib.util.spec_from_file_location("query_by_name", LAB_DIR / "query_by_name.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


query_script = _load_query_script()


def _only(resources: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    found = {k: r for k, r in resources.items() if r["Type"] == resource_type}
    assert len(found) == 1, f"the lab has exactly one {resource_type}, found {sorted(found)}"
    return found.popitem()


def _resolve(value: Any, refs: dict[str, str]) -> Any:
    """Render Ref / Fn::Join / Fn::GetAtt of the template with deploy-time values from `refs`."""
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), *_ = value.items()
        if function == "Ref":
            return refs[argument]
        if function == "Fn::GetAtt":
            return refs[".".join(argument)]
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(_resolve(part, refs) for part in parts)
    return value


@pytest.fixture(scope="module")
def resources(synth):
    return synth.template(LAB)["Resources"]


@pytest.fixture(scope="module")
def table(resources):
    """(logical id, resource) of the Users table."""
    return _only(resources, "AWS::DynamoDB::Table")


@pytest.fixture(scope="module")
def refs(table):
    """What CloudFormation substitutes at deploy time, for a table deployed in us-east-1."""
    logical_id, resource = table
    name = resource["Properties"]["TableName"]
    return {
        logical_id: name,
        f"{logical_id}.Arn": f"arn:aws:dynamodb:{REGION}:123456789012:table/{name}",
        "AWS::Region": REGION,
    }


@pytest.fixture(scope="module")
def seed(resources):
    """The custom resource that writes the seed item."""
    return _only(resources, "Custom::TableItem")[1]["Properties"]


@pytest.fixture(scope="module")
def put_item(seed, refs) -> dict[str, Any]:
    """The PutItem call that the seed's handler makes on create (see test_deploy_time_handlers)."""
    return {
        "parameters": {
            "TableName": _resolve(seed["TableName"], refs),
            "Item": json.loads(seed["Item"]),
        }
    }


@pytest.fixture(scope="module")
def item(put_item):
    return put_item["parameters"]["Item"]


@pytest.fixture(scope="module")
def outputs(synth):
    return synth.template(LAB)["Outputs"]


@pytest.fixture
def aws(monkeypatch):
    """moto's in-process AWS: nothing leaves this machine."""
    fake_credentials(monkeypatch, REGION)
    with mock_aws():
        yield


@pytest.fixture
def deployed_table(aws, table, put_item):
    """The stack's table in moto, created from the template and seeded as the stack seeds it."""
    properties = table[1]["Properties"]
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        **{
            key: properties[key]
            for key in (
                "TableName",
                "KeySchema",
                "AttributeDefinitions",
                "BillingMode",
                "GlobalSecondaryIndexes",
            )
        }
    )
    client.put_item(**put_item["parameters"])
    client.put_item(  # someone else, so the query has to pick John Doe out
        TableName=properties["TableName"],
        Item={"email": {"S": "jane.roe@example.com"}, "name": {"S": "Jane Roe"}},
    )
    return boto3.resource("dynamodb", region_name=REGION).Table(properties["TableName"])


# --- the table -------------------------------------------------------------------------------


def test_table_is_named_users(table):
    assert table[1]["Properties"]["TableName"] == "Users", "students look for the table Users"


def test_table_name_carries_the_participant(participant_synth):
    _, resource = _only(participant_synth.template(LAB)["Resources"], "AWS::DynamoDB::Table")
    assert resource["Properties"]["TableName"] == f"{PARTICIPANT}-Users"


def test_key_schema_is_exactly_one_hash_key_email_of_type_string(table):
    properties = table[1]["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "email", "KeyType": "HASH"}], (
        "the partition key is email and there is no sort key"
    )
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types["email"] == "S", "the partition key email is a String"


def test_billing_mode_is_on_demand(table):
    properties = table[1]["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST", "the lab asks for on-demand capacity"
    assert "ProvisionedThroughput" not in properties


def test_point_in_time_recovery_is_on(table):
    assert table[1]["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }


def test_table_carries_the_course_tags_only(participant_synth):
    # LabBackup selects the table by its ARN (labs/backup/README.md): no tag marks it.
    _, resource = _only(participant_synth.template(LAB)["Resources"], "AWS::DynamoDB::Table")
    tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
    assert tags == {
        "course": "storage-and-data",
        "lab": "LabDynamoDbUsers",
        "managed-by": "course-labs-cdk",
        "participant": PARTICIPANT,
    }


# --- the index -------------------------------------------------------------------------------


def test_name_index_is_keyed_on_the_name_and_projects_all(table):
    properties = table[1]["Properties"]
    assert properties["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "name-index",
            "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ], "one GSI on name, projection ALL, no capacity settings (on-demand)"
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types["name"] == "S"


# --- the seed item ---------------------------------------------------------------------------


def test_seed_item_is_john_doe_aged_30_with_coding_and_party(item):
    assert item["email"]["S"], "the item carries its key"
    assert item["name"] == {"S": "John Doe"}
    assert item["age"] == {"N": "30"}, "age 30 is a Number"
    hobbies = item["hobbies"]["L"]
    assert all(set(hobby) == {"S"} for hobby in hobbies), "hobbies is a list of strings"
    assert {hobby["S"] for hobby in hobbies} >= {"coding", "party"}


def test_seed_item_comes_from_john_doe_json(item):
    assert item == json.loads((LAB_DIR / "john_doe.json").read_text()), (
        "john_doe.json is the one source of the item"
    )


def test_seed_item_goes_into_this_table(put_item, refs, table):
    assert put_item["parameters"]["TableName"] == refs[table[0]]


def test_seed_resource_keeps_one_physical_id_the_items_key(seed):
    # The handler answers with this id on Create and Update: an update rewrites the item in
    # place instead of replacing the resource (its behaviour: test_deploy_time_handlers.py).
    assert seed["Key"] == "email=john.doe@example.com"


# --- outputs ---------------------------------------------------------------------------------


def test_outputs_name_the_table_its_arn_and_the_index(outputs, table):
    assert outputs["TableName"]["Value"] == {"Ref": table[0]}
    assert outputs["TableArn"]["Value"] == {"Fn::GetAtt": [table[0], "Arn"]}
    assert outputs["IndexName"]["Value"] == "name-index"


def test_no_output_is_exported(outputs):
    exported = [output_id for output_id, output in outputs.items() if "Export" in output]
    assert exported == [], "no exports: every lab deploys and destroys on its own"


def _cli_query(command: str) -> dict[str, Any]:
    """The boto3 `query` arguments (and region) of an `aws dynamodb query ...` command line."""
    words = shlex.split(command)
    assert words[:3] == ["aws", "dynamodb", "query"], command
    options = dict(zip(words[3::2], words[4::2], strict=True))
    return {
        "region_name": options.pop("--region"),
        "TableName": options.pop("--table-name"),
        "IndexName": options.pop("--index-name"),
        "KeyConditionExpression": options.pop("--key-condition-expression"),
        "ExpressionAttributeNames": json.loads(options.pop("--expression-attribute-names")),
        "ExpressionAttributeValues": json.loads(options.pop("--expression-attribute-values")),
        **options,  # anything else makes boto3 fail loudly
    }


def test_query_command_output_finds_john_doe_through_the_index(outputs, refs, deployed_table):
    command = _resolve(outputs["QueryByNameCommand"]["Value"], refs)
    arguments = _cli_query(command)
    assert arguments["IndexName"] == "name-index", "the command queries the index, not the table"
    client = boto3.client("dynamodb", region_name=arguments.pop("region_name"))
    items = client.query(**arguments)["Items"]
    assert [i["name"]["S"] for i in items] == ["John Doe"]


def test_guide_shows_the_query_command_of_the_stack(outputs, refs):
    """The stack's output, in the region the guide's variable holds (the guide sets REGION)."""
    command = _resolve(outputs["QueryByNameCommand"]["Value"], {**refs, "AWS::Region": '"$REGION"'})
    assert command.endswith(' --region "$REGION"')
    assert command in (LAB_DIR / "README.md").read_text(), (
        "the guide's query command differs from the stack's QueryByNameCommand output"
    )


def test_guide_puts_the_item_from_john_doe_json():
    guide = (LAB_DIR / "README.md").read_text()
    assert "--item file://labs/dynamodb_users/john_doe.json" in guide, (
        "the guide's put-item example uses the same john_doe.json as the stack"
    )
    assert "## Check your work" in guide
    assert f"make check LAB={LAB}" in guide


# --- the boto3 example -----------------------------------------------------------------------


def test_query_example_uses_the_stack_table_and_index_names(table):
    properties = table[1]["Properties"]
    (index,) = properties["GlobalSecondaryIndexes"]
    in_stack = (properties["TableName"], index["IndexName"], index["KeySchema"][0]["AttributeName"])
    in_example = (query_script.TABLE_NAME, query_script.INDEX_NAME, query_script.NAME_ATTRIBUTE)
    assert in_example == in_stack, "query_by_name.py's defaults must match the stack"


def test_query_example_finds_john_doe_by_name(deployed_table):
    users = query_script.query_by_name(deployed_table, "John Doe")
    assert [(u["name"], u["age"]) for u in users] == [("John Doe", 30)]
    assert {"coding", "party"} <= set(users[0]["hobbies"])


def test_query_example_reads_every_page(deployed_table, monkeypatch):
    for number in range(3):
        deployed_table.put_item(Item={"email": f"john{number}@example.com", "name": "John Doe"})
    pages = []
    real_query = deployed_table.query

    def one_item_per_page(**request):
        pages.append(request)
        return real_query(Limit=1, **request)

    monkeypatch.setattr(deployed_table, "query", one_item_per_page)
    assert len(query_script.query_by_name(deployed_table, "John Doe")) == 4
    assert len(pages) >= 4, "the example follows LastEvaluatedKey"


def test_query_example_command_line_prints_john_doe(deployed_table, capsys):
    exit_code = query_script.main(["--name", "John Doe", "--region", REGION])
    assert exit_code == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {
        "email": "john.doe@example.com",
        "name": "John Doe",
        "age": 30,
        "hobbies": ["coding", "party"],
    }


def test_query_example_says_when_nobody_has_the_name(deployed_table, capsys):
    assert query_script.main(["--name", "Nobody", "--region", REGION]) == 1
    assert "no user named 'Nobody' in Users" in capsys.readouterr().err


def test_query_example_reports_a_missing_table(aws, capsys):
    assert query_script.main(["--table", "ana-Users", "--region", REGION]) == 2
    assert "ResourceNotFoundException" in capsys.readouterr().err

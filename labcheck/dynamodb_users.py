"""LabDynamoDbUsers "My First DynamoDB Table" + "My First Secondary Index": Users by name."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from course.sheets import DYNAMODB_USERS
from labcheck.aws import Aws, error_code
from labcheck.core import Finding, Lab, Name, Objective

_deserialize = TypeDeserializer().deserialize


def _plain(item: dict) -> dict:
    return {key: _deserialize(value) for key, value in item.items()}


PARTITION_KEY = DYNAMODB_USERS.partition_key
# The lab's seed item, john_doe.json (one source with the guide and the stack): what the student
# writes, and, by its email, where a hand-built John Doe is looked up when no index finds him.
JOHN_DOE = _plain(DYNAMODB_USERS.seed_item())
USER_NAME = JOHN_DOE[DYNAMODB_USERS.index_key]
AGE = JOHN_DOE["age"]
HOBBIES = set(JOHN_DOE["hobbies"])


def _name_part(attribute: str) -> str:
    """The part of "John Doe" an attribute holds, judged by its name (lastName -> Doe)."""
    lowered = attribute.lower()
    if "last" in lowered or "surname" in lowered:
        return USER_NAME.split()[-1]
    if "first" in lowered or "given" in lowered:
        return USER_NAME.split()[0]
    return USER_NAME


def _is_name(attribute: str) -> bool:
    return "name" in attribute.lower()


def named_john_doe(item: dict) -> bool:
    """Whether an item (plain values) is John Doe: one attribute, or first and last name."""
    strings = {key: value for key, value in item.items() if isinstance(value, str)}
    if USER_NAME in strings.values():
        return True
    parts = {_name_part(key) for key, value in strings.items() if value == _name_part(key)}
    return parts == set(USER_NAME.split())


class UsersTable:
    def __init__(self, aws: Aws, table: str, index: str | None) -> None:
        self.ddb = aws.client("dynamodb")
        self.name = table
        self.index_name = index

    @cached_property
    def table(self) -> dict:
        try:
            return self.ddb.describe_table(TableName=self.name)["Table"]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return {}
            raise

    @cached_property
    def index(self) -> dict | None:
        """The index on the name: the named one, else the first keyed on a name attribute."""
        indexes = self.table.get("GlobalSecondaryIndexes", [])
        if self.index_name:
            return next((i for i in indexes if i["IndexName"] == self.index_name), None)
        on_name = [i for i in indexes if _is_name(i["KeySchema"][0]["AttributeName"])]
        return (on_name or indexes or [None])[0]

    @cached_property
    def by_name(self) -> list[dict] | str:
        """Query the index for John Doe: the items it returns, or why the query failed."""
        if self.index is None:
            return "there is no index to query"
        hash_key, *sort_key = [k["AttributeName"] for k in self.index["KeySchema"]]
        if not _is_name(hash_key):
            return f"index {self.index['IndexName']} is keyed on {hash_key!r}, not a name"
        # e.g. lastName = Doe AND firstName = John; or name = John Doe
        keys = [hash_key, *(k for k in sort_key if _is_name(k) and _name_part(k) != USER_NAME)]
        condition = " AND ".join(f"#k{n} = :v{n}" for n in range(len(keys)))
        try:
            found = self.ddb.query(
                TableName=self.name,
                IndexName=self.index["IndexName"],
                KeyConditionExpression=condition,
                ExpressionAttributeNames={f"#k{n}": key for n, key in enumerate(keys)},
                ExpressionAttributeValues={
                    f":v{n}": {"S": _name_part(key)} for n, key in enumerate(keys)
                },
            )
        except ClientError as error:
            if error_code(error) in ("ValidationException", "ResourceNotFoundException"):
                return f"the query on {self.index['IndexName']} failed: {error}"
            raise
        return [_plain(item) for item in found["Items"]]

    @cached_property
    def john_doe(self) -> dict | None:
        """John Doe's whole item: found through the index, or by the seed item's email."""
        table_keys = [k["AttributeName"] for k in self.table.get("KeySchema", [])]
        candidates = [
            {key: item[key] for key in table_keys}
            for item in (self.by_name if isinstance(self.by_name, list) else [])
            if named_john_doe(item) and all(key in item for key in table_keys)
        ]
        if table_keys == [PARTITION_KEY]:
            candidates.append({PARTITION_KEY: JOHN_DOE[PARTITION_KEY]})
        for key in candidates:
            typed = {name: {"S": value} for name, value in key.items() if isinstance(value, str)}
            if len(typed) != len(key):
                continue
            item = self.ddb.get_item(TableName=self.name, Key=typed).get("Item")
            if item and named_john_doe(_plain(item)):
                return _plain(item)
        return None


def table_exists(users: UsersTable) -> str | None:
    return None if users.table else f"there is no table {users.name}"


def key_schema(users: UsersTable) -> str | None:
    keys = users.table["KeySchema"]
    types = {a["AttributeName"]: a["AttributeType"] for a in users.table["AttributeDefinitions"]}
    if (
        keys == [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}]
        and types[PARTITION_KEY] == "S"
    ):
        return None
    found = ", ".join(
        f"{k['KeyType']} {k['AttributeName']} ({types[k['AttributeName']]})" for k in keys
    )
    return f"the table's key is {found}"


def on_demand(users: UsersTable) -> str | None:
    mode = users.table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    return None if mode == "PAY_PER_REQUEST" else f"the capacity mode is {mode}"


def john_doe_item(users: UsersTable) -> str | None:
    item = users.john_doe
    if item is None:
        return f"no item named {USER_NAME} found"
    problems = []
    age = item.get("age")
    if not isinstance(age, Decimal) or age != AGE:
        kind = "a String" if isinstance(age, str) else type(age).__name__
        problems.append(f"age is {age!r} ({kind})" if age is not None else "no age")
    hobbies = item.get("hobbies")
    if not isinstance(hobbies, list | set) or not set(hobbies) >= HOBBIES:
        problems.append(f"hobbies are {sorted(hobbies) if hobbies else 'missing'}")
    return "; ".join(problems) or None


def index_on_name(users: UsersTable) -> str | None:
    index = users.index
    if index is None:
        wanted = f" named {users.index_name}" if users.index_name else ""
        return f"the table has no global secondary index{wanted}"
    problems = []
    hash_key = index["KeySchema"][0]["AttributeName"]
    if not _is_name(hash_key):
        problems.append(f"its partition key is {hash_key!r}, not a name")
    projection = index["Projection"]["ProjectionType"]
    if projection != "ALL":
        problems.append(f"it projects {projection}")
    if index.get("IndexStatus") != "ACTIVE":
        problems.append(f"it is {index.get('IndexStatus')}")
    return f"index {index['IndexName']}: {'; '.join(problems)}" if problems else None


def query_finds_john_doe(users: UsersTable) -> str | Finding | None:
    found = users.by_name
    if isinstance(found, str):
        return found
    if any(named_john_doe(item) for item in found):
        return None
    returned = f"the query for {USER_NAME!r} on {users.index['IndexName']} returned {len(found)}"
    if users.john_doe is None:
        # Nothing to find: the index is not to blame (the objective's hint would say it is).
        return Finding(
            f"{returned} items, and the table has no item named {USER_NAME}",
            f"create the {USER_NAME} item first (see the objective above), then query again",
        )
    return f"{returned} items"


OBJECTIVES = (
    Objective(
        "The Users table exists",
        table_exists,
        "create the table in this region, or pass its exact name with --table NAME",
        gate=True,
    ),
    Objective(
        f"The partition key is {PARTITION_KEY} (String), with no sort key",
        key_schema,
        f"keys cannot be changed: create the table again with partition key {PARTITION_KEY},"
        " type String, and no sort key",
    ),
    Objective(
        "Capacity mode is on-demand",
        on_demand,
        "table > Additional settings > Read/write capacity: Edit > On-demand",
    ),
    Objective(
        f"An item named {USER_NAME}, age {AGE} (a Number), hobbies including"
        f" {' and '.join(sorted(HOBBIES))}",
        john_doe_item,
        "Explore table items > Create item: age as a Number, hobbies as a List of Strings"
        f" ({', '.join(sorted(HOBBIES))})",
    ),
    Objective(
        "A global secondary index on the name, projecting ALL attributes, is active",
        index_on_name,
        "table > Indexes > Create index: partition key the name attribute (String), attribute"
        " projections All; wait until its status is Active",
    ),
    Objective(
        f"Querying the index for {USER_NAME!r} returns {USER_NAME}",
        query_finds_john_doe,
        "the index's partition key must be the attribute that holds the name in your items"
        " (same spelling and case); query it with the exact value John Doe",
    ),
)

LAB = Lab(
    lab_id="LabDynamoDbUsers",
    names=(
        Name("table", output="TableName", option="table", by_hand="{participant}-Users"),
        Name("index", output="IndexName", required=False),
    ),
    connect=lambda aws, names, participant: UsersTable(aws, names["table"], names.get("index")),
    objectives=OBJECTIVES,
)

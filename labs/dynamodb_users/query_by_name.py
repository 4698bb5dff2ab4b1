"""Find users by name through the `Users` table's global secondary index (LabDynamoDbUsers).

From the project root, with AWS credentials for the account the lab runs in:

    .venv/bin/python labs/dynamodb_users/query_by_name.py --name "John Doe" --region "$REGION"
    .venv/bin/python labs/dynamodb_users/query_by_name.py --table ana-Users --name "John Doe"

(`REGION`: the guide sets it. Without `--region`, boto3's own: `AWS_DEFAULT_REGION`, then the
profile's; boto3 does not read `AWS_REGION`.)

Prints each matching user as one JSON line; exits 1 when nobody has that name, 2 on an AWS error
(no such table or index, no credentials, access denied).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

TABLE_NAME = "Users"
INDEX_NAME = "name-index"
NAME_ATTRIBUTE = "name"


def query_by_name(table: Any, name: str, index_name: str = INDEX_NAME) -> list[dict[str, Any]]:
    """Every item of `table` (a boto3 `Table`) whose name is exactly `name`, read from the index.

    A query reads one partition of the index, however large the table is; a scan with a filter
    would read, and bill, every item. `Key(...)` writes the `#name` placeholder for us: `name` is
    a reserved word in DynamoDB expressions.
    """
    request = {"IndexName": index_name, "KeyConditionExpression": Key(NAME_ATTRIBUTE).eq(name)}
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:  # a page holds at most 1 MB
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _plain(value: Any) -> Any:
    """JSON for what boto3 returns: numbers come back as Decimal, sets as set."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"cannot print {type(value).__name__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=TABLE_NAME, help="table name (default: %(default)s)")
    parser.add_argument("--name", default="John Doe", help="full name (default: %(default)s)")
    parser.add_argument(
        "--region", help="AWS region (default: AWS_DEFAULT_REGION, else the profile's)"
    )
    parser.add_argument("--index", default=INDEX_NAME, help="index name (default: %(default)s)")
    args = parser.parse_args(argv)

    try:
        table = boto3.resource("dynamodb", region_name=args.region).Table(args.table)
        users = query_by_name(table, args.name, args.index)
    except (BotoCoreError, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not users:
        print(f"no user named {args.name!r} in {args.table}", file=sys.stderr)
        return 1
    for user in users:
        print(json.dumps(user, default=_plain, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

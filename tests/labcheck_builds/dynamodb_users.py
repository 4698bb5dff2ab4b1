"""LabDynamoDbUsers built in moto as a student would, correctly or with the given mistakes."""

from __future__ import annotations

from labcheck.dynamodb_users import LAB
from tests.labcheck_fixtures import (
    checker,
    results,
)

TABLE = "ana-Users"
INDEX = "name-index"
EMAIL = "john.doe@example.com"
JOHN_DOE = {
    "email": {"S": EMAIL},
    "name": {"S": "John Doe"},
    "age": {"N": "30"},
    "hobbies": {"L": [{"S": "coding"}, {"S": "party"}]},
}
JANE = {"email": {"S": "jane@example.com"}, "name": {"S": "Jane Roe"}, "age": {"N": "41"}}


def lab_results(
    session,
    aws=None,
    *,
    table=True,
    key="email",
    sort_key=None,
    billing="PAY_PER_REQUEST",
    item=JOHN_DOE,
    index_keys=("name",),
    projection="ALL",
    index_name=INDEX,
):
    """Create the table in moto as a student would (with the given mistakes) and check it."""
    ddb = session.client("dynamodb")
    if table:
        attributes = {key, *index_keys, *([sort_key] if sort_key else [])}
        capacity = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
        provisioned = {"ProvisionedThroughput": capacity} if billing == "PROVISIONED" else {}
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}]
            + ([{"AttributeName": sort_key, "KeyType": "RANGE"}] if sort_key else []),
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
            BillingMode=billing,
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index_name,
                    "KeySchema": [
                        {"AttributeName": a, "KeyType": t}
                        for a, t in zip(index_keys, ("HASH", "RANGE"), strict=False)
                    ],
                    "Projection": {"ProjectionType": projection},
                    **provisioned,
                }
            ],
            **provisioned,
        )
        for user in (item, JANE):
            sorted_by = {sort_key: {"S": "2026-01-01"}} if sort_key else {}
            ddb.put_item(TableName=TABLE, Item={key: user["email"], **sorted_by, **user})
    return results(LAB, aws or checker(), {"table": TABLE, "index": INDEX})

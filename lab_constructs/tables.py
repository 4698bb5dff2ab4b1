"""DynamoDB tables for the labs, and items the stack writes into them on deploy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from lab_constructs.deploy_time import DeployTimeFunction

# DynamoDB JSON: every attribute value is an object with exactly one of these type descriptors.
ATTRIBUTE_TYPES = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}
_DESCRIPTORS = {
    dynamodb.AttributeType.STRING: "S",
    dynamodb.AttributeType.NUMBER: "N",
    dynamodb.AttributeType.BINARY: "B",
}
RESOURCE_TYPE = "Custom::TableItem"
# The handler retries AccessDenied for 2 minutes (handlers/deploy_time); then it must still answer.
PUT_ITEM_TIMEOUT = Duration.minutes(3)


class LabTable(Construct):
    """A DynamoDB table that `cdk destroy` deletes with its items.

    Defaults, not configurable:
    - on-demand capacity (`PAY_PER_REQUEST`): nothing to size, and an idle table costs only its
      storage;
    - point-in-time recovery, so a mistake can be undone to any second of the last 35 days;
    - encryption at rest with the AWS managed key `aws/dynamodb`: no monthly key fee and nothing
      to schedule for deletion, yet the key is visible in KMS, its use is logged in CloudTrail and
      the template states `SSEEnabled: true` (the console's default, a key owned by DynamoDB,
      shows none of that);
    - deletion protection off and removal policy DESTROY, so a lab can always be torn down.

    Attributes:
        table: the table (add indexes with `table.add_global_secondary_index`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table_name: str,
        partition_key: dynamodb.Attribute,
        sort_key: dynamodb.Attribute | None = None,
    ) -> None:
        """
        Args:
            table_name: the physical name students look for in the console.
            partition_key: the table's partition (HASH) key.
            sort_key: the table's sort (RANGE) key, if any.
        """
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=table_name,
            partition_key=partition_key,
            sort_key=sort_key,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=False,
            removal_policy=RemovalPolicy.DESTROY,
        )


def load_item(item_file: Path) -> dict[str, Any]:
    """Read one item in DynamoDB JSON (`{"attr": {"S": "..."}, ...}`), as `put-item` takes it."""
    try:
        item = json.loads(item_file.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{item_file}: not a readable JSON file ({error})") from None
    if not isinstance(item, dict) or not item:
        raise ValueError(f"{item_file}: expected one item, a JSON object of attributes")
    for name, value in item.items():
        if not isinstance(value, dict) or len(value) != 1 or not value.keys() <= ATTRIBUTE_TYPES:
            raise ValueError(
                f"{item_file}: attribute {name!r} is not DynamoDB JSON, "
                'write it as {"S": "text"}, {"N": "30"}, {"L": [...]}, ...'
            )
    return item


class LabTableItem(Construct):
    """One item, read from a DynamoDB JSON file, that the stack puts into `table` on deploy.

    A custom resource calls `PutItem` on create and again on update, so an update rewrites the
    same item (same key) instead of adding one; on delete it does nothing, since the table goes
    with the stack. Its function (handlers/deploy_time `put_item`) may call `dynamodb:PutItem`
    on this table only, uses the boto3 of the Lambda runtime and logs to a log group that goes
    with the stack. It retries AccessDenied for about two minutes: the permission is granted in
    the same deploy and IAM may not show it yet (aws-cdk issues 31429 and 37675: CDK's
    AwsCustomResource, which this replaced, fails the first deploy then).

    Attributes:
        item: the item, in DynamoDB JSON.
        resource: the custom resource that writes it.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, table: dynamodb.Table, item_file: Path
    ) -> None:
        """
        Args:
            table: where the item goes.
            item_file: the item in DynamoDB JSON; it must hold the table's key attributes.
        """
        super().__init__(scope, construct_id)
        self.item = load_item(item_file)
        key = _item_key(self.item, table.schema_v2(), item_file)
        writer = DeployTimeFunction(
            self,
            "Writer",
            handler="put_item",
            description=f"Puts the item {key} into its table on deploy",
            timeout=PUT_ITEM_TIMEOUT,
        )
        writer.function.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:PutItem"], resources=[table.table_arn])
        )
        self.resource = writer.handler.resource(
            self,
            "PutItem",
            resource_type=RESOURCE_TYPE,
            # The item as JSON text: CloudFormation turns every scalar of a property into a
            # string, which would break {"BOOL": true}.
            properties={"TableName": table.table_name, "Item": json.dumps(self.item), "Key": key},
        )


def _item_key(item: dict[str, Any], schema: dynamodb.KeySchema, item_file: Path) -> str:
    """The item's primary key as `name=value[,name=value]`; raises if the item lacks it."""
    parts = []
    for attribute in [*schema.partition_keys, *(schema.sort_keys or [])]:
        expected_type = _DESCRIPTORS[attribute.type]
        value = item.get(attribute.name, {})
        if expected_type not in value:
            raise ValueError(
                f"{item_file}: the item needs the key attribute {attribute.name!r} "
                f"of type {expected_type}"
            )
        parts.append(f"{attribute.name}={value[expected_type]}")
    return ",".join(parts)

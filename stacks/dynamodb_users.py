"""Labs "My First DynamoDB Table" and "My First Secondary Index": Users, John Doe, by name."""

import json

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from course import sheets
from course.config import LabSettings
from lab_constructs import LabTable, LabTableItem
from stacks.lab_stack import LabStack

SHEET = sheets.DYNAMODB_USERS
PARTITION_KEY = dynamodb.Attribute(name=SHEET.partition_key, type=dynamodb.AttributeType.STRING)
# The index's key is the full name as one attribute: the lab queries "John Doe", and one string
# is what students type in the console (see the guide for the lastName + firstName variant).
NAME = dynamodb.Attribute(name=SHEET.index_key, type=dynamodb.AttributeType.STRING)
INDEX_NAME = SHEET.index_name


class DynamoDbUsersStack(LabStack):
    """An on-demand `Users` table keyed by e-mail, a name index, and John Doe in it."""

    lab = sheets.lab("LabDynamoDbUsers")

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        super().__init__(scope, settings=settings)

        # Table lab, step 1: table `Users`, partition key `email` (String), no sort key.
        self.table = LabTable(
            self, "Users", table_name=settings.users_table_name, partition_key=PARTITION_KEY
        ).table

        # Table lab, step 2: create the item John Doe (the same JSON as the guide's put-item).
        john_doe = LabTableItem(
            self, "JohnDoe", table=self.table, item_file=self.lab_dir / SHEET.seed_item_file
        ).item

        # Index lab: a global secondary index on the name, projecting every attribute.
        self.table.add_global_secondary_index(
            index_name=INDEX_NAME, partition_key=NAME, projection_type=dynamodb.ProjectionType.ALL
        )

        self.output("TableName", self.table.table_name, "The lab's table")
        self.output("TableArn", self.table.table_arn, "The table's ARN (LabBackup backs it up)")
        self.output("IndexName", INDEX_NAME, "The global secondary index on the name")
        self.output(
            "QueryByNameCommand",
            self._query_command(john_doe[NAME.name]["S"]),
            "Queries the index for the seed user",
        )

    def _query_command(self, name: str) -> str:
        """The AWS CLI call that finds `name` through the index (`name` is a reserved word)."""
        values = json.dumps({":name": {"S": name}}, separators=(",", ":"))
        names = json.dumps({"#name": NAME.name}, separators=(",", ":"))
        return (
            f"aws dynamodb query --table-name {self.table.table_name} --index-name {INDEX_NAME}"
            f' --key-condition-expression "#name = :name"'
            f" --expression-attribute-names '{names}'"
            f" --expression-attribute-values '{values}'"
            f" --region {self.region}"
        )

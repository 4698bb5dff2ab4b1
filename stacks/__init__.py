"""The lab stacks, one module each, registered here in course order."""

from stacks.backup import BackupStack
from stacks.dynamodb_users import DynamoDbUsersStack
from stacks.lab_stack import LabStack
from stacks.rds_mysql import RdsMysqlStack
from stacks.s3_lifecycle import S3LifecycleStack
from stacks.s3_website import S3WebsiteStack

LABS: tuple[type[LabStack], ...] = (
    S3LifecycleStack,
    S3WebsiteStack,
    RdsMysqlStack,
    DynamoDbUsersStack,
    BackupStack,
)

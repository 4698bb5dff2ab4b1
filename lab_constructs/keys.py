"""Customer-managed KMS keys for the labs: rotated, and scheduled for deletion on destroy."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct

# The shortest window KMS allows: a destroyed lab stops paying for its key a week later.
PENDING_WINDOW = Duration.days(7)


class LabKey(Construct):
    """A customer-managed KMS key with yearly rotation that `cdk destroy` schedules for deletion.

    Attributes:
        key: the KMS key (grant services with its `grant_*` methods or a resource policy).
    """

    def __init__(self, scope: Construct, construct_id: str, *, description: str) -> None:
        """
        Args:
            description: what the key protects, shown in the KMS console.
        """
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=description,
            enable_key_rotation=True,
            pending_window=PENDING_WINDOW,
            removal_policy=RemovalPolicy.DESTROY,
        )

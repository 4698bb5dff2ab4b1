"""S3 buckets for the labs: private, encrypted, TLS-only, logged and destroyable by default."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lab_constructs.helpers import adopt_cdk_helper, stack_singleton

ACCESS_LOG_EXPIRY = Duration.days(30)


class LabBucket(Construct):
    """A private bucket that `cdk destroy` removes with its objects.

    Secure defaults, not configurable: all Block Public Access flags on, ACLs disabled
    (`BucketOwnerEnforced`), SSE-S3 default encryption, a bucket policy that denies non-TLS
    requests, server access logs to a log bucket of the same stack. Versioning stays off: no lab
    of this chapter needs old versions, and they would outlive a lifecycle expiration.

    Attributes:
        bucket: the lab's bucket.
        access_logs: the bucket that receives its server access logs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        transition_default_minimum_object_size: (
            s3.TransitionDefaultMinimumObjectSize | None
        ) = None,
    ) -> None:
        """
        Args:
            lifecycle_rules: the bucket's lifecycle rules.
            transition_default_minimum_object_size: which objects lifecycle transitions apply to
                by default (S3's default since September 2024 skips objects under 128 KB).
        """
        super().__init__(scope, construct_id)
        self.access_logs = _destroyable_bucket(
            self,
            "AccessLogs",
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=ACCESS_LOG_EXPIRY)],
        )
        self.bucket = _destroyable_bucket(
            self,
            "Bucket",
            lifecycle_rules=list(lifecycle_rules) or None,
            transition_default_minimum_object_size=transition_default_minimum_object_size,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="access-logs/",
        )
        # cdk-nag raises nothing on this helper (it is a plain CfnResource), but it still needs
        # a log group that goes with the stack.
        adopt_cdk_helper(
            stack_singleton(self, "Custom::S3AutoDeleteObjectsCustomResourceProvider"), {}
        )


def _destroyable_bucket(scope: Construct, construct_id: str, **props) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        versioned=False,
        removal_policy=RemovalPolicy.DESTROY,
        auto_delete_objects=True,
        **props,
    )

"""S3 buckets for the labs: private, encrypted, TLS-only, logged and destroyable by default.

`LabBucket` is the private bucket every lab starts from. `LabWebsiteBucket` is the one bucket
that is public on purpose (static website hosting); it differs from the defaults only where a
website must, and says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lab_constructs.custom_resource import bound_cdk_helper
from lab_constructs.helpers import adopt_cdk_helper, stack_singleton
from lab_constructs.nag import acknowledge

ACCESS_LOG_EXPIRY = Duration.days(30)
ACCESS_LOG_PREFIX = "access-logs/"
PUBLIC_READ_SID = "PublicRead"
_WEBSITE_IS_HTTP_ONLY = (
    "S3 website endpoints serve HTTP only: a deny on aws:SecureTransport=false would make the "
    "lab's website answer every request with 403 Forbidden."
)
# What cdk-nag finds on the website bucket, with the reason for each: it is the lab's subject.
_WEBSITE_FINDINGS = {
    "S2": "The lab teaches static website hosting, which needs anonymous read: Block Public "
    "Access keeps both ACL flags on and turns off only the two policy flags, so the bucket "
    "policy's PublicRead statement (s3:GetObject on objects, nothing else) can take effect.",
    "S5": "The lab teaches the S3 website endpoint itself, which anonymous browsers read through "
    "the PublicRead statement; the guide explains that production sites serve a private bucket "
    "through CloudFront with Origin Access Control instead.",
    "S10": _WEBSITE_IS_HTTP_ONLY,
}


class _LoggedBucket(Construct):
    """A bucket ("Bucket") whose server access logs go to a private log bucket ("AccessLogs").

    Both are destroyed with their objects; `bucket_props` are merged over the secure defaults.
    """

    def __init__(self, scope: Construct, construct_id: str, **bucket_props) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = _destroyable_bucket(
            self,
            "AccessLogs",
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=ACCESS_LOG_EXPIRY)],
        )
        self.bucket = _destroyable_bucket(
            self,
            "Bucket",
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            **bucket_props,
        )
        # cdk-nag raises nothing on this helper (it is a plain CfnResource), but it still needs
        # a log group that goes with the stack.
        adopt_cdk_helper(
            stack_singleton(self, "Custom::S3AutoDeleteObjectsCustomResourceProvider"), {}
        )


class LabBucket(_LoggedBucket):
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
        super().__init__(
            scope,
            construct_id,
            lifecycle_rules=list(lifecycle_rules) or None,
            transition_default_minimum_object_size=transition_default_minimum_object_size,
        )


class LabWebsiteBucket(_LoggedBucket):
    """A bucket that serves a static website to anyone: public on purpose, and read-only.

    Exactly one public grant: the bucket policy's `PublicRead` statement lets anyone
    `s3:GetObject` the bucket's objects; nobody may list or write. It differs from `LabBucket`
    only where a website must:
    - Block Public Access keeps the ACL flags on (`BlockPublicAcls`, `IgnorePublicAcls`) and
      turns off the policy flags, the least that lets the policy grant public read. ACLs stay
      disabled (`BucketOwnerEnforced`).
    - No TLS-only statement: website endpoints serve HTTP only, it would make every page 403.
    The rest is as in `LabBucket`: SSE-S3 encryption (an anonymous reader cannot use a KMS key),
    server access logs to a private, TLS-only log bucket, destroyed with the stack.

    Attributes:
        bucket: the website bucket; `bucket.bucket_website_url` is its website endpoint.
        access_logs: the bucket that receives its server access logs.
        public_read: the `PublicRead` statement of the bucket policy.
        policy: the bucket policy.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, index_document: str, error_document: str
    ) -> None:
        """
        Args:
            index_document: the object served for `/` (and for every folder).
            error_document: the object served, with its error status, when a key is missing.
        """
        for name, document in (
            ("index_document", index_document),
            ("error_document", error_document),
        ):
            if not document or document.startswith("/"):
                raise ValueError(
                    f"LabWebsiteBucket {construct_id}: {name} must be an object key like "
                    f"index.html, not {document!r}"
                )
        super().__init__(
            scope,
            construct_id,
            website_index_document=index_document,
            website_error_document=error_document,
            block_public_access=s3.BlockPublicAccess(
                block_public_acls=True,
                ignore_public_acls=True,
                block_public_policy=False,
                restrict_public_buckets=False,
            ),
            enforce_ssl=False,
        )
        self.public_read = iam.PolicyStatement(
            sid=PUBLIC_READ_SID,
            effect=iam.Effect.ALLOW,
            principals=[iam.StarPrincipal()],
            actions=["s3:GetObject"],
            resources=[self.bucket.arn_for_objects("*")],
        )
        self.bucket.add_to_resource_policy(self.public_read)
        self.policy = self.bucket.policy
        # S3 rejects a public policy (AccessDenied) while Block Public Access still blocks
        # public policies; those flags are set on the bucket. The policy's Ref to the bucket
        # implies this order already: DependsOn states it, so no refactoring can lose it (and
        # cfn-lint is told that the redundancy, W3005, is intended).
        bucket_resource = self.bucket.node.default_child
        policy_resource = self.policy.node.default_child
        policy_resource.add_resource_dependency(bucket_resource)
        policy_resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        for rule, reason in _WEBSITE_FINDINGS.items():
            acknowledge(bucket_resource, rule, reason)
        acknowledge(policy_resource, "S10", _WEBSITE_IS_HTTP_ONLY)


_AUTO_DELETE = "AutoDeleteObjectsCustomResource"  # CDK's own: empties the bucket on delete


def _destroyable_bucket(scope: Construct, construct_id: str, **overrides) -> s3.Bucket:
    """A bucket with the course's secure defaults, `overrides` merged over them."""
    secure_defaults = {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "enforce_ssl": True,
        "versioned": False,
        "removal_policy": RemovalPolicy.DESTROY,
        "auto_delete_objects": True,
    }
    bucket = s3.Bucket(scope, construct_id, **{**secure_defaults, **overrides})
    if bucket.node.try_find_child(_AUTO_DELETE):
        bound_cdk_helper(bucket, _AUTO_DELETE)
    return bucket

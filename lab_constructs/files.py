"""Files of a lab's folder uploaded into its bucket when the stack deploys."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from lab_constructs.helpers import adopt_cdk_helper, stack_singleton

ASSETS_BUCKET = "arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>"


def _bucket_deployment_findings(destination_logical_id: str) -> dict[str, str]:
    """What cdk-nag finds on CDK's bucket-deployment helper, with the reason for each."""
    s3_grants = (
        "CDK's bucket-deployment helper copies the lab's files from the CDK assets bucket into "
        "the lab bucket; aws-cdk-lib grants it read on the assets and read/write on the lab "
        "bucket's objects, scoped to those two buckets."
    )
    findings = {
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]": "CDK's bucket-deployment helper uses the AWS managed "
        "AWSLambdaBasicExecutionRole only to write its own logs.",
        "L1": "The runtime of CDK's bucket-deployment helper is chosen by aws-cdk-lib and "
        "updated with it, not by the lab.",
    }
    for evidence in (
        "Action::s3:GetBucket*",
        "Action::s3:GetObject*",
        "Action::s3:List*",
        "Action::s3:Abort*",
        "Action::s3:DeleteObject*",
        f"Resource::{ASSETS_BUCKET}/*",
        f"Resource::<{destination_logical_id}.Arn>/*",
    ):
        findings[f"IAM5[{evidence}]"] = s3_grants
    return findings


class LabFiles(Construct):
    """Uploads the named files of `source_dir` to the root of `bucket` (a BucketDeployment).

    Only the named files are uploaded, so a lab's guide can live beside its assets.

    Attributes:
        deployment: the BucketDeployment.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        source_dir: Path,
        files: Sequence[str],
        content_type: str | None = None,
    ) -> None:
        """
        Args:
            bucket: where the files go.
            source_dir: the lab's folder.
            files: names of the files in `source_dir` to upload.
            content_type: the `Content-Type` of every uploaded file (default: guessed by name).
        """
        super().__init__(scope, construct_id)
        missing = [name for name in files if not (source_dir / name).is_file()]
        if not files or missing:
            raise ValueError(f"LabFiles {construct_id}: no such file in {source_dir}: {missing}")
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Upload",
            destination_bucket=bucket,
            sources=[
                s3deploy.Source.asset(str(source_dir), exclude=["*", *(f"!{n}" for n in files)])
            ],
            content_type=content_type,
        )
        destination = Stack.of(bucket).get_logical_id(bucket.node.default_child)
        adopt_cdk_helper(
            stack_singleton(self, "Custom::CDKBucketDeployment"),
            _bucket_deployment_findings(destination),
        )

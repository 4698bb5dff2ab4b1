"""Lab "Create a Lifecycle Rule": objects go to Glacier after 30 days, expire after 365."""

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from course import sheets
from course.config import LabSettings
from lab_constructs import LabBucket, LabFiles
from stacks.lab_stack import LabStack

SHEET = sheets.S3_LIFECYCLE
GLACIER_AFTER = Duration.days(SHEET.glacier_after_days)
EXPIRE_AFTER = Duration.days(SHEET.expire_after_days)
# Beyond the sheet: parts of abandoned multipart uploads are billed until aborted.
ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7)


class S3LifecycleStack(LabStack):
    """A private bucket whose lifecycle rule archives, then expires, every object."""

    lab = sheets.lab("LabS3Lifecycle")

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        super().__init__(scope, settings=settings)

        # Steps 1-2: a bucket with one rule for all its objects: Standard -> Glacier -> gone.
        lab_bucket = LabBucket(
            self,
            "LifecycleBucket",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id=SHEET.rule_id,
                    enabled=True,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER,
                            transition_after=GLACIER_AFTER,
                        )
                    ],
                    expiration=EXPIRE_AFTER,
                    abort_incomplete_multipart_upload_after=ABORT_INCOMPLETE_UPLOADS_AFTER,
                )
            ],
            # Beyond the sheet: S3 no longer transitions objects under 128 KB by default, and
            # the lab's test.txt is a few bytes. See the guide for what this costs.
            transition_default_minimum_object_size=(
                s3.TransitionDefaultMinimumObjectSize.VARIES_BY_STORAGE_CLASS
            ),
        )
        self.bucket = lab_bucket.bucket

        # Step 3: upload a test file.
        LabFiles(
            self, "TestFile", bucket=self.bucket, source_dir=self.lab_dir, files=[SHEET.test_file]
        )

        self.output("BucketName", self.bucket.bucket_name, "The lab's bucket")
        self.output(
            "LifecycleConsoleUrl",
            f"https://s3.console.aws.amazon.com/s3/buckets/{self.bucket.bucket_name}"
            f"?region={self.region}&bucketType=general&tab=management",
            "The bucket's lifecycle rules in the S3 console",
        )

"""LabS3Lifecycle built in moto as a student would, correctly or with the given mistakes."""

from __future__ import annotations

from labcheck.s3_lifecycle import LAB, SMALL_OBJECTS_TOO
from tests.labcheck_fixtures import (
    REGION,
    StubbedCalls,
    checker,
    results,
)

BUCKET = "ana-lab-lifecycle"
RULE = {
    "ID": "GlacierAfter30DaysExpireAfter365Days",
    "Status": "Enabled",
    "Filter": {},
    "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
    "Expiration": {"Days": 365},
}
ALL_BLOCKED = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)


def lab_results(
    session,
    aws=None,
    *,
    bucket=True,
    rule=RULE,
    min_size=SMALL_OBJECTS_TOO,
    test_file=True,
    blocked=ALL_BLOCKED,
):
    """Build the lab in moto as a student would (with the given mistakes) and check it."""
    s3 = session.client("s3")
    if bucket:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_lifecycle_configuration(
            Bucket=BUCKET,
            LifecycleConfiguration={"Rules": [rule]},
            TransitionDefaultMinimumObjectSize=min_size,
        )
        s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=blocked)
        if test_file:
            s3.put_object(Bucket=BUCKET, Key="test.txt", Body=b"hello")
    aws = aws or checker()
    if bucket:
        # moto ignores TransitionDefaultMinimumObjectSize (it always answers 128K), so
        # GetBucketLifecycleConfiguration alone is stubbed: moto's rules plus the setting put.
        stubbed = StubbedCalls(aws, "s3", {"get_bucket_lifecycle_configuration"})
        lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)
        stubbed.stubber.add_response(
            "get_bucket_lifecycle_configuration",
            {"Rules": lifecycle["Rules"], "TransitionDefaultMinimumObjectSize": min_size},
            {"Bucket": BUCKET},
        )
    return results(LAB, aws, {"bucket": BUCKET})


def _rule(**changes):
    return {**RULE, **changes}

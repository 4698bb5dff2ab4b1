"""LabBucket and LabWebsiteBucket on their own: the secure defaults every lab bucket has.

The lab tests (test_s3_lifecycle.py, test_s3_website.py) assert what each lab adds or changes.
"""

import pytest

from lab_constructs import LabBucket, LabWebsiteBucket
from tests.lab_constructs.helpers import bare_template
from tests.templates import of_type

TLS_ONLY = {
    "Effect": "Deny",
    "Action": "s3:*",
    "Principal": {"AWS": "*"},
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


@pytest.fixture(scope="module", params=["LabBucket", "LabWebsiteBucket"])
def built(request) -> tuple[str, dict, str]:
    """(construct name, template, logical id of the lab's bucket)."""

    def build(stack):
        if request.param == "LabBucket":
            LabBucket(stack, "Lab")
        else:
            LabWebsiteBucket(stack, "Lab", index_document="index.html", error_document="e.html")

    template = bare_template(build)
    (lab_id,) = [
        k
        for k, r in of_type(template, "AWS::S3::Bucket").items()
        if "LoggingConfiguration" in r["Properties"]
    ]
    return request.param, template, lab_id


def _bucket(built) -> dict:
    _, template, lab_id = built
    return template["Resources"][lab_id]["Properties"]


def _policy_statements(template: dict, bucket_id: str) -> list[dict]:
    (policy,) = [
        p
        for p in of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_acls_are_disabled(built):
    assert _bucket(built)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }


def test_objects_are_encrypted_with_s3_managed_keys(built):
    assert _bucket(built)["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ], "SSE-S3: no key fee, and an anonymous website reader cannot use a KMS key"


def test_versioning_stays_off(built):
    assert "VersioningConfiguration" not in _bucket(built)


def test_access_logs_go_to_a_private_tls_only_log_bucket_kept_30_days(built):
    _, template, _ = built
    logging = _bucket(built)["LoggingConfiguration"]
    assert logging["LogFilePrefix"] == "access-logs/"
    log_id = logging["DestinationBucketName"]["Ref"]
    log_bucket = template["Resources"][log_id]["Properties"]
    assert log_bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert log_bucket["LifecycleConfiguration"]["Rules"] == [
        {"Id": "ExpireAccessLogs", "ExpirationInDays": 30, "Status": "Enabled"}
    ]
    assert any(
        {k: s.get(k) for k in TLS_ONLY} == TLS_ONLY for s in _policy_statements(template, log_id)
    )


def test_every_bucket_is_emptied_and_deleted_on_destroy(built):
    _, template, _ = built
    buckets = of_type(template, "AWS::S3::Bucket")
    assert {k: r["DeletionPolicy"] for k, r in buckets.items()} == dict.fromkeys(buckets, "Delete")
    emptied = {
        r["Properties"]["BucketName"]["Ref"]
        for r in of_type(template, "Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == set(buckets), "every bucket needs auto-delete-objects, or destroy fails"


def test_cdks_auto_delete_function_logs_to_a_destroyable_group_with_retention(built):
    _, template, _ = built
    resources = template["Resources"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions
    for function in functions:
        log_group = resources[function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == 7
        assert log_group["DeletionPolicy"] == "Delete"


def test_the_private_bucket_blocks_all_public_access_and_plain_http():
    template = bare_template(lambda stack: LabBucket(stack, "Lab"))
    (lab_id,) = [
        k
        for k, r in of_type(template, "AWS::S3::Bucket").items()
        if "LoggingConfiguration" in r["Properties"]
    ]
    bucket = template["Resources"][lab_id]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert any(
        {k: s.get(k) for k in TLS_ONLY} == TLS_ONLY for s in _policy_statements(template, lab_id)
    )

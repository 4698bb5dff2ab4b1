"""LabS3Lifecycle: each requirement of the lab sheet (issue #3), one test each."""

import json

import pytest

from tests.synth import ROOT

LAB = "LabS3Lifecycle"


@pytest.fixture(scope="module")
def template(synth):
    return synth.assertions(LAB)


@pytest.fixture(scope="module")
def lab_bucket(synth):
    """The lab's bucket: the one with the lifecycle rule (the other one holds access logs)."""
    buckets = {
        logical_id: resource["Properties"]
        for logical_id, resource in synth.template(LAB)["Resources"].items()
        if resource["Type"] == "AWS::S3::Bucket"
        and "LifecycleConfiguration" in resource["Properties"]
        and "LoggingConfiguration" in resource["Properties"]
    }
    assert len(buckets) == 1, "expected one lab bucket with a lifecycle rule and access logs"
    return buckets.popitem()


@pytest.fixture(scope="module")
def rule(lab_bucket):
    rules = lab_bucket[1]["LifecycleConfiguration"]["Rules"]
    assert len(rules) == 1, "the lab asks for one lifecycle rule"
    return rules[0]


def test_rule_is_enabled_and_covers_the_whole_bucket(rule):
    assert rule["Status"] == "Enabled"
    filters = {"Prefix", "TagFilters", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}
    assert filters.isdisjoint(rule), "the rule must not filter objects"


def test_objects_move_to_glacier_after_30_days(rule):
    assert rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 30}], (
        "the lab asks for Standard -> Glacier Flexible Retrieval (GLACIER) after 30 days"
    )


def test_objects_expire_after_365_days(rule):
    assert rule["ExpirationInDays"] == 365, "the lab asks to expire objects after 365 days"


def test_incomplete_multipart_uploads_are_aborted_after_7_days(rule):
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_small_objects_are_transitioned_too(lab_bucket):
    assert (
        lab_bucket[1]["LifecycleConfiguration"]["TransitionDefaultMinimumObjectSize"]
        == "varies_by_storage_class"
    ), "without it S3 skips objects under 128 KB, so test.txt would never reach Glacier"


# The bucket's defaults (private, TLS-only, SSE-S3, access logs, destroyed with its objects):
# tested on LabBucket itself, tests/lab_constructs/test_buckets.py.


def test_test_txt_is_written_to_the_lab_bucket_byte_for_byte_as_plain_text(synth, lab_bucket):
    files = [
        r["Properties"]
        for r in synth.template(LAB)["Resources"].values()
        if r["Type"] == "Custom::LabFile"
    ]
    assert len(files) == 1, "only test.txt is written, not the lab's guide"
    (test_file,) = files
    assert test_file["Bucket"] == {"Ref": lab_bucket[0]}
    assert test_file["Key"] == "test.txt"
    assert test_file["Body"].encode() == (ROOT / "labs/s3_lifecycle/test.txt").read_bytes()
    assert test_file["ContentType"] == "text/plain; charset=utf-8"


def test_outputs_name_the_bucket_and_link_its_lifecycle_rules(template, lab_bucket):
    template.has_output("BucketName", {"Value": {"Ref": lab_bucket[0]}})
    link = template.find_outputs("LifecycleConsoleUrl")["LifecycleConsoleUrl"]["Value"]
    assert "tab=management" in str(link)
    assert lab_bucket[0] in str(link)


def test_the_guides_rule_json_is_the_stacks_rule(synth, rule):
    """`labs/s3_lifecycle/rule.json` (the guide's `file://` for a bucket built by hand) says the
    lab sheet's rule, in the S3 API's words, and is the rule the stack configures."""
    shipped = json.loads((ROOT / "labs" / "s3_lifecycle" / "rule.json").read_text())
    assert shipped == {
        "Rules": [
            {
                "ID": "GlacierAfter30DaysExpireAfter365Days",
                "Status": "Enabled",
                "Filter": {},
                "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
                "Expiration": {"Days": 365},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }
    (api_rule,) = shipped["Rules"]
    as_in_the_template = {
        "Id": api_rule["ID"],
        "Status": api_rule["Status"],
        "Transitions": [
            {"StorageClass": t["StorageClass"], "TransitionInDays": t["Days"]}
            for t in api_rule["Transitions"]
        ],
        "ExpirationInDays": api_rule["Expiration"]["Days"],
        "AbortIncompleteMultipartUpload": api_rule["AbortIncompleteMultipartUpload"],
    }
    assert as_in_the_template == rule

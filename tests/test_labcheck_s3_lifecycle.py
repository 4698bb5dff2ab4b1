"""labcheck LabS3Lifecycle: a correct build meets every objective; each break fails just one."""

from __future__ import annotations

import pytest

from labcheck.core import Status
from labcheck.s3_lifecycle import LAB, enabled_for_whole_bucket
from tests.labcheck_builds.s3_lifecycle import (
    ALL_BLOCKED,
    BUCKET,
    RULE,
    _rule,
    lab_results,
)
from tests.labcheck_fixtures import (
    REGION,
    LabChecks,
    assert_all_met,
    checker,
    results,
)

BREAKS = {
    "The bucket exists": {"bucket": False},
    "A lifecycle rule moves current objects to S3 Glacier Flexible Retrieval 30 days after"
    " creation": {"rule": _rule(Transitions=[{"Days": 30, "StorageClass": "GLACIER_IR"}])},
    "The rule expires current objects 365 days after creation": {
        "rule": _rule(Expiration={"Days": 30})
    },
    "The rule is enabled and applies to all objects in the bucket": {
        "rule": _rule(Filter={"Prefix": "logs/"})
    },
    "Objects smaller than 128 KB (like test.txt) are transitioned too": {
        "min_size": "all_storage_classes_128K"
    },
    "test.txt is in the bucket": {"test_file": False},
    "All public access to the bucket is blocked": {
        "blocked": {**ALL_BLOCKED, "RestrictPublicBuckets": False}
    },
}


class TestObjectives(LabChecks):
    LAB = LAB
    BREAKS = BREAKS
    build = staticmethod(lab_results)


def test_wrong_storage_class_is_named_against_the_labs(account):
    found = lab_results(account, **BREAKS[LAB.objectives[1].description])
    assert found[LAB.objectives[1].description].detail == (
        "the rule transitions to GLACIER_IR (Instant Retrieval);"
        " the lab asks for Glacier Flexible Retrieval (GLACIER)"
    )


def test_wrong_number_of_days_is_named(account):
    found = lab_results(account, rule=_rule(Transitions=[{"Days": 60, "StorageClass": "GLACIER"}]))
    assert "after 60 days; the lab asks for 30" in found[LAB.objectives[1].description].detail


def test_a_disabled_rule_fails_the_enabled_objective(account):
    found = lab_results(account, rule=_rule(Status="Disabled"))
    assert found[LAB.objectives[3].description].detail == (
        "rule 'GlacierAfter30DaysExpireAfter365Days' is Disabled"
    )


def test_a_legacy_empty_prefix_covers_the_whole_bucket(account):
    legacy = {k: v for k, v in RULE.items() if k != "Filter"} | {"Prefix": ""}
    assert_all_met(lab_results(account, rule=legacy))


def test_a_bucket_without_any_rule_gets_no_warning_about_the_128_kb_minimum(account):
    """The minimum size matters only to a rule that transitions: with no rule at all, the
    student is told to create one (the failing objectives), not about small objects."""
    s3 = account.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    found = results(LAB, checker(), {"bucket": BUCKET})
    small = found["Objects smaller than 128 KB (like test.txt) are transitioned too"]
    assert (small.status, small.detail, small.hint) == (
        Status.INFO,
        "not judged: the bucket has no lifecycle rule yet",
        "",
    )
    glacier = found[
        "A lifecycle rule moves current objects to S3 Glacier Flexible Retrieval 30 days after"
        " creation"
    ]
    assert (glacier.status, glacier.detail) == (Status.FAIL, "the bucket has no lifecycle rule")


class _Configured:
    """A bucket as labcheck reads it, with a lifecycle configuration as S3 answers it."""

    def __init__(self, rule: dict) -> None:
        self.lifecycle = {"Rules": [rule]}


@pytest.mark.parametrize(
    "limit",
    [
        {"Tag": {"Key": "lab", "Value": "yes"}},
        {"ObjectSizeGreaterThan": 1024},
        {"ObjectSizeLessThan": 1048576},
        {"And": {"Prefix": "", "Tags": [{"Key": "lab", "Value": "yes"}]}},
    ],
)
def test_a_rule_limited_by_a_tag_or_size_filter_does_not_cover_the_whole_bucket(limit):
    # moto drops size filters, so S3's answer is given directly.
    problem = enabled_for_whole_bucket(_Configured(_rule(Filter=limit)))
    assert problem == f"the rule applies only to some objects (filter {limit})"


def test_a_tag_filter_fails_only_the_whole_bucket_objective(account):
    found = lab_results(account, rule=_rule(Filter={"Tag": {"Key": "lab", "Value": "yes"}}))
    failed = [d for d, r in found.items() if r.status == Status.FAIL]
    assert failed == ["The rule is enabled and applies to all objects in the bucket"]

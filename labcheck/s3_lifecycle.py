"""LabS3Lifecycle "Create a Lifecycle Rule": Glacier after 30 days, expired after 365."""

from __future__ import annotations

from course.sheets import S3_LIFECYCLE
from labcheck.core import Finding, Kind, Lab, Name, Objective
from labcheck.s3 import BUCKET_EXISTS, Bucket

GLACIER = "GLACIER"
GLACIER_AFTER_DAYS = S3_LIFECYCLE.glacier_after_days
EXPIRE_AFTER_DAYS = S3_LIFECYCLE.expire_after_days
TEST_FILE = S3_LIFECYCLE.test_file
SMALL_OBJECTS_TOO = "varies_by_storage_class"
STORAGE_CLASSES = {
    "STANDARD_IA": "Standard-IA",
    "ONEZONE_IA": "One Zone-IA",
    "INTELLIGENT_TIERING": "Intelligent-Tiering",
    "GLACIER_IR": "Instant Retrieval",
    "GLACIER": "Glacier Flexible Retrieval",
    "DEEP_ARCHIVE": "Glacier Deep Archive",
}
PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


def lab_rule(bucket: Bucket) -> dict | None:
    """The rule the student made for the lab: the one that moves objects to Glacier if any,
    else one that moves or expires objects, else the first."""
    rules = bucket.lifecycle.get("Rules", [])

    def score(rule: dict) -> int:
        classes = {t.get("StorageClass") for t in rule.get("Transitions", [])}
        return 2 * (GLACIER in classes) + bool(classes) + ("Expiration" in rule)

    return max(rules, key=score, default=None)


def moves_to_glacier(bucket: Bucket) -> str | None:
    rule = lab_rule(bucket)
    if rule is None:
        return "the bucket has no lifecycle rule"
    transitions = rule.get("Transitions", [])
    if not transitions:
        if rule.get("NoncurrentVersionTransitions"):
            return "the rule moves only noncurrent (older) versions, not current objects"
        return f"rule {rule.get('ID')!r} moves no objects to another storage class"
    transition = next((t for t in transitions if t.get("StorageClass") == GLACIER), transitions[0])
    storage_class = transition.get("StorageClass")
    if storage_class != GLACIER:
        return (
            f"the rule transitions to {storage_class} ({STORAGE_CLASSES.get(storage_class, '?')});"
            " the lab asks for Glacier Flexible Retrieval (GLACIER)"
        )
    if "Days" not in transition:
        return "the rule moves objects on a fixed date, not a number of days after creation"
    if transition["Days"] != GLACIER_AFTER_DAYS:
        return (
            f"the rule moves objects to Glacier after {transition['Days']} days;"
            f" the lab asks for {GLACIER_AFTER_DAYS}"
        )
    return None


def expires_objects(bucket: Bucket) -> str | None:
    rule = lab_rule(bucket)
    if rule is None:
        return "the bucket has no lifecycle rule"
    days = rule.get("Expiration", {}).get("Days")
    if days is None:
        if rule.get("NoncurrentVersionExpiration"):
            return "the rule expires only noncurrent (older) versions, not current objects"
        return "the rule does not expire current objects after a number of days"
    if days != EXPIRE_AFTER_DAYS:
        return f"the rule expires objects after {days} days; the lab asks for {EXPIRE_AFTER_DAYS}"
    return None


def enabled_for_whole_bucket(bucket: Bucket) -> str | None:
    rule = lab_rule(bucket)
    if rule is None:
        return "the bucket has no lifecycle rule"
    if rule.get("Status") != "Enabled":
        return f"rule {rule.get('ID')!r} is {rule.get('Status')}"
    limits = {k: v for k, v in rule.get("Filter", {}).items() if v not in ("", None)}
    if rule.get("Prefix"):
        limits["Prefix"] = rule["Prefix"]
    if limits:
        return f"the rule applies only to some objects (filter {limits})"
    return None


def small_objects_transition(bucket: Bucket) -> str | Finding | None:
    if lab_rule(bucket) is None:
        # The minimum size matters only to a rule that transitions objects: no warning yet.
        return Finding("not judged: the bucket has no lifecycle rule yet", judged=False)
    setting = bucket.lifecycle.get("TransitionDefaultMinimumObjectSize", "all_storage_classes_128K")
    if setting == SMALL_OBJECTS_TOO:
        return None
    return (
        f"minimum object size is {setting}: S3 does not transition objects under 128 KB,"
        f" so {TEST_FILE} stays in S3 Standard"
    )


def has_test_file(bucket: Bucket) -> str | None:
    if bucket.head(TEST_FILE) is None:
        return f"there is no object {TEST_FILE} in the bucket"
    return None


def public_access_blocked(bucket: Bucket) -> str | None:
    settings = bucket.public_access_block
    if not settings:
        return "the bucket has no Block Public Access settings"
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not settings.get(flag)]
    return f"{', '.join(off)} off" if off else None


OBJECTIVES = (
    BUCKET_EXISTS,
    Objective(
        "A lifecycle rule moves current objects to S3 Glacier Flexible Retrieval"
        f" {GLACIER_AFTER_DAYS} days after creation",
        moves_to_glacier,
        "in the rule, under 'Transition current versions of objects between storage classes',"
        f" choose Glacier Flexible Retrieval and {GLACIER_AFTER_DAYS} days after object creation",
    ),
    Objective(
        f"The rule expires current objects {EXPIRE_AFTER_DAYS} days after creation",
        expires_objects,
        "in the rule, tick 'Expire current versions of objects' and enter"
        f" {EXPIRE_AFTER_DAYS} days after object creation",
    ),
    Objective(
        "The rule is enabled and applies to all objects in the bucket",
        enabled_for_whole_bucket,
        "edit the rule: choose 'Apply to all objects in the bucket' (no prefix, tag or size"
        " filter) and set its status to Enabled",
    ),
    Objective(
        f"Objects smaller than 128 KB (like {TEST_FILE}) are transitioned too",
        small_objects_transition,
        "optional: set the lifecycle configuration's minimum object size to"
        f" {SMALL_OBJECTS_TOO} (aws s3api put-bucket-lifecycle-configuration"
        f" --transition-default-minimum-object-size {SMALL_OBJECTS_TOO} ...) to see {TEST_FILE}"
        " move; tiny objects can cost more in Glacier than in Standard",
        kind=Kind.ADVICE,
    ),
    Objective(
        f"{TEST_FILE} is in the bucket",
        has_test_file,
        f"upload a file named {TEST_FILE} to the bucket (Upload > Add files)",
    ),
    Objective(
        "All public access to the bucket is blocked",
        public_access_blocked,
        "bucket > Permissions > Block public access: turn on 'Block all public access'",
    ),
)

LAB = Lab(
    lab_id="LabS3Lifecycle",
    names=(
        Name(
            "bucket",
            output="BucketName",
            option="bucket",
            by_hand="{participant}-lifecycle-{account}",
        ),
    ),
    connect=lambda aws, names, participant: Bucket(aws, names["bucket"]),
    objectives=OBJECTIVES,
)

"""Every `-c` option is validated in course/config.py: one line naming key, value and form."""

import json
import os
import re
import subprocess
import sys

import pytest

from course.config import (
    ContextError,
    LabSettings,
    Selection,
    ServiceRoleSelection,
    UnknownOption,
    check_keys,
    participant_problem,
)
from tests.synth import CDK_JSON_CONTEXT, ROOT, synthesized

LAB_IDS = ["LabS3Lifecycle", "LabS3Website", "LabRdsMysql", "LabDynamoDbUsers", "LabBackup"]
FIVE_THOUSAND_DIGITS = "9" * 5000


def settings(**context) -> LabSettings:
    return LabSettings.from_context(context.get)


def test_defaults_without_context():
    assert settings() == LabSettings(
        participant=None,
        db_instance_class="db.t3.micro",
        read_replica=False,
        db_public_access_cidr=None,
        notify_email=None,
        expires_in_hours=None,
    )


@pytest.mark.parametrize("name", ["ana", "b", "team7", "ana2", "a" * 20])
def test_participant_accepts_lowercase_names(name):
    assert settings(participant=name).participant == name


@pytest.mark.parametrize(
    "name",
    ["Ana", "7ana", "-ana", "ana-", "ana-b", "team-7", "ana_b", "a" * 21, "ana b", "anä"],
)
def test_participant_rejects_other_names(name):
    with pytest.raises(ContextError, match=r"participant=.*1-20 lowercase letters"):
        settings(participant=name)


# Issue 25, path 7: `class-sweep PARTICIPANTS=lab DELETE=1` deleted the trainer's lab-rds-mysql.
COURSE_PREFIXES = ["lab", "labrdsmysql", "labs3lifecycle", "labaccess", "coursenetwork"]
ACCOUNT_PREFIXES = ["cdk", "rds", "service", "aws", "coursewatch"]


@pytest.mark.parametrize("name", COURSE_PREFIXES + ACCOUNT_PREFIXES)
def test_a_participant_named_like_the_courses_own_names_is_refused(name):
    with pytest.raises(ContextError, match=rf"participant='{name}': {name}-\.\.\. are names"):
        settings(participant=name)
    with pytest.raises(ContextError, match=rf"participants='ana,{name}': {name}-\.\.\. are"):
        Selection.from_context({"lab": "LabBackup", "participants": f"ana,{name}"}.get, LAB_IDS)


@pytest.mark.parametrize("name", ["lab1", "labs", "labrat", "cdkfan", "rdsuser", "laura"])
def test_names_that_only_begin_with_the_same_letters_are_fine(name):
    assert settings(participant=name).participant == name


# Names of parts of a resource (an index, an attribute), not of a resource an ARN ends with.
PART_NAMES = ("IndexName", "AttributeName")


def _names(value, key: str = "") -> list[str]:
    """Every string of a template under a key ending in Name or Identifier."""
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _names(v, k)]
    if isinstance(value, list):
        return [n for v in value for n in _names(v, key)]
    named = key.endswith(("Name", "Identifier")) and key not in PART_NAMES
    return [value] if isinstance(value, str) and named else []


def test_no_participant_can_prefix_a_name_of_the_trainers_stacks(synth):
    """Each resource name of the trainer's app (explicit, or CloudFormation's, which begins
    with the stack name): a participant <p> owns `<p>-*`, so its first part (before a `/` of a
    path or the first hyphen, lowercased as RDS and S3 names are) must be a refused name."""
    names = [n for stack in synth.stacks for n in _names(synth.template(stack))]
    names += [synth.stack_name(stack) + "-generated" for stack in synth.stacks]
    firsts = {re.split(r"[/:]", name.lstrip("/"))[0] for name in names}
    assert {"lab-rds-mysql", "course-labs"} <= firsts, "the check sees the trainer's names"
    exposed = sorted(
        first
        for first in firsts
        if "-" in first and participant_problem(first.split("-")[0].lower()) is None
    )
    assert exposed == []


# The lab sheet's classes ("db.t3.medium or smaller", and the Graviton equivalents), literally.
SHEET_CLASSES = (
    "db.t3.micro",
    "db.t3.small",
    "db.t3.medium",
    "db.t4g.micro",
    "db.t4g.small",
    "db.t4g.medium",
)


@pytest.mark.parametrize("instance_class", SHEET_CLASSES)
def test_db_instance_class_accepts_medium_or_smaller(instance_class):
    assert settings(db_instance_class=instance_class).db_instance_class == instance_class


@pytest.mark.parametrize(
    "instance_class", ["db.t3.large", "db.m5.large", "db.r5.large", "t3.micro", "DB.T3.MICRO"]
)
def test_db_instance_class_rejects_the_rest_and_lists_the_allowed(instance_class):
    with pytest.raises(ContextError, match=r"db_instance_class=.*db\.t3\.micro, db\.t3\.small"):
        settings(db_instance_class=instance_class)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False), (True, True)])
def test_read_replica_is_a_flag(value, expected):
    assert settings(read_replica=value).read_replica is expected


@pytest.mark.parametrize("value", ["yes", "1", "on", 1])
def test_read_replica_rejects_other_values(value):
    with pytest.raises(ContextError, match=r"read_replica=.*true or false"):
        settings(read_replica=value)


@pytest.mark.parametrize("cidr", ["203.0.113.7/32", "198.51.100.0/24", "198.51.100.128/25"])
def test_public_cidr_accepts_a_small_range(cidr):
    assert settings(db_public_access_cidr=cidr).db_public_access_cidr == cidr


@pytest.mark.parametrize(
    "cidr",
    [
        "0.0.0.0/0",
        "10.0.0.0/8",
        "198.51.100.0/23",
        "203.0.113.7",
        "203.0.113.7/33",
        "x/32",
        "203.0.113.7/24",
    ],
)
def test_public_cidr_rejects_wide_or_malformed_ranges(cidr):
    with pytest.raises(ContextError, match=r"db_public_access_cidr=.*/24 to /32"):
        settings(db_public_access_cidr=cidr)


def test_notify_email_accepts_an_address():
    assert settings(notify_email="trainer@example.com").notify_email == "trainer@example.com"


@pytest.mark.parametrize("email", ["trainer", "a@b", "a b@example.com", "a@example.com,b@x.org"])
def test_notify_email_rejects_non_addresses(email):
    with pytest.raises(ContextError, match=r"notify_email=.*e-mail address"):
        settings(notify_email=email)


@pytest.mark.parametrize(("value", "hours"), [("1", 1), ("168", 168), (24, 24)])
def test_expires_in_hours_accepts_one_hour_to_a_week(value, hours):
    assert settings(expires_in_hours=value).expires_in_hours == hours


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "169",
        "1.5",
        "-1",
        "two",
        True,
        "²",
        "٣",
        "\uff11",  # a full-width 1
        " 4",
        "4\n",
        "0004",
        FIVE_THOUSAND_DIGITS,
    ],
)
def test_expires_in_hours_rejects_the_rest(value):
    with pytest.raises(
        ContextError, match=r"expires_in_hours=.*whole number of hours from 1 to 168"
    ):
        settings(expires_in_hours=value)


def test_stack_and_physical_names_carry_the_participant():
    assert settings(participant="ana").stack_name("LabBackup") == "ana-LabBackup"
    assert settings(participant="ana").physical_name("Users") == "ana-Users"
    assert settings().stack_name("LabBackup") == "LabBackup"
    assert settings().physical_name("Users") == "Users"


def test_app_reports_a_bad_value_in_one_line_without_traceback():
    env = {**os.environ, "CDK_CONTEXT_JSON": '{"participant": "Bad Name"}'}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: invalid context participant='Bad Name': use 1-20 lowercase letters or digits,"
        " starting with a letter, no hyphen (e.g. ana or ana2)"
    ]


def test_a_huge_value_is_shortened_in_the_error():
    with pytest.raises(ContextError) as error:
        settings(expires_in_hours=FIVE_THOUSAND_DIGITS)
    assert len(str(error.value)) < 150
    assert "(5000 characters)" in str(error.value)


def test_an_empty_participant_is_an_error_not_a_stack_without_prefix():
    """`cdk destroy LabRdsMysql -c participant=$NAME` with NAME unset must not hit the trainer's
    own stack."""
    with pytest.raises(ContextError, match=r"participant='': empty \(an unset shell variable\?\)"):
        settings(participant="")


@pytest.mark.parametrize(
    "key",
    [
        "db_instance_class",
        "read_replica",
        "db_public_access_cidr",
        "notify_email",
        "expires_in_hours",
    ],
)
def test_an_empty_value_is_an_error_not_the_default(key):
    with pytest.raises(ContextError, match=rf"{key}='': empty: give a value, or drop the option"):
        settings(**{key: ""})


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("expires_in_hour", "did you mean expires_in_hours?"),
        ("participnt", "did you mean participant?"),
        ("read-replica", "did you mean read_replica?"),
        ("db_class", "did you mean db_instance_class?"),
        ("xyz", "the options are participant, db_instance_class, read_replica"),
    ],
)
def test_an_unknown_key_is_named_with_the_closest_option(key, suggestion):
    with pytest.raises(UnknownOption) as error:
        check_keys(["participant", key])
    assert str(error.value).startswith(f"unknown context key {key!r}: {suggestion}")


# What the pinned CDK CLI passes to the app on every synth (printed by an app that dumps
# CDK_CONTEXT_JSON's keys under `npx cdk synth`), what it caches in cdk.context.json (lookups,
# `cdk acknowledge`, `cdk cli-telemetry`), and what aws-cdk-lib reads.
CDK_OWN_KEYS = [
    "@aws-cdk/core:failSynthOnValidationErrors",
    "aws:cdk:bundling-stacks",
    "aws:cdk:enable-asset-metadata",
    "aws:cdk:enable-path-metadata",
    "aws:cdk:version-reporting",
    "aws:cdk:disable-stack-trace",
    "availability-zones:account=123456789012:region=us-east-1",
    "ssm:account=123456789012:parameterName=/x:region=us-east-1",
    "acknowledged-issue-numbers",
    "cli-telemetry",
    "$dontSaveContext",
    "@aws-cdk/aws-s3:publicAccessBlockedByDefault",
]


def test_the_cdks_own_keys_and_cdk_json_keys_pass():
    check_keys(CDK_OWN_KEYS)
    check_keys(["team_tag"], also_known=["team_tag"])  # a key a trainer added to cdk.json
    check_keys(CDK_JSON_CONTEXT)


def test_participants_make_a_class_of_one_lab():
    selection = Selection.from_context(
        {"lab": "LabRdsMysql", "participants": "ana,ben,cem"}.get, LAB_IDS
    )
    assert selection == Selection("LabRdsMysql", ("ana", "ben", "cem"))


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"lab": "LabNope"}, r"lab='LabNope': use one of LabS3Lifecycle, LabS3Website"),
        ({"lab": ""}, r"lab='': use one of"),
        ({"participants": "ana,ben"}, r"participants='ana,ben': a class needs one lab"),
        ({"lab": "LabBackup", "participants": ""}, r"participants='': empty"),
        ({"lab": "LabBackup", "participants": "ana,,ben"}, r"'' is not a name"),
        ({"lab": "LabBackup", "participants": "ana ben"}, r"'ana ben' is not a name"),
        ({"lab": "LabBackup", "participants": "ana,Ben"}, r"'Ben' is not a name"),
        ({"lab": "LabBackup", "participants": "ana,ben,ana"}, r"named twice: ana"),
        ({"lab": "LabBackup", "participants": ",".join(["p"] * 61)}, r"at most 60 names"),
        (
            {"lab": "LabBackup", "participants": "ana", "participant": "ben"},
            r"participant='ben': give either participant \(one stack\) or participants",
        ),
    ],
)
def test_a_bad_class_selection_is_rejected(context, message):
    with pytest.raises(ContextError, match=message):
        Selection.from_context(context.get, LAB_IDS)


def test_a_class_is_one_assembly_with_one_stack_per_participant_of_one_lab():
    synth = synthesized(lab="LabS3Lifecycle", participants="ana,ben", expires_in_hours="4")
    stacks = {
        artifact["displayName"]: artifact["properties"]["stackName"]
        for artifact in synth.stacks.values()
    }
    assert stacks == {
        "ana/LabS3Lifecycle": "ana-LabS3Lifecycle",
        "ben/LabS3Lifecycle": "ben-LabS3Lifecycle",
    }, "one stack per participant, of the chosen lab only, each under its own construct path"
    for artifact_id in synth.stacks:
        template = synth.template(artifact_id)
        tags = {
            tag["Key"]: tag["Value"]
            for resource in template["Resources"].values()
            for tag in resource.get("Properties", {}).get("Tags", [])
            if isinstance(tag, dict) and "Key" in tag
        }
        who = synth.stacks[artifact_id]["displayName"].split("/")[0]
        assert tags["participant"] == who
        assert "ExpiresAt" in template["Outputs"], "the class's options reach every stack"
    # cdk-nag writes no plugin report when it has nothing to say (no finding, none acknowledged).
    reports = synth.validation_report["pluginReports"]
    assert [v for report in reports for v in report["violations"]] == []


# Each bad option through the app as the CDK CLI runs it: exit non-zero, one line, the key named.
@pytest.mark.parametrize(
    ("context", "line"),
    [
        (
            {"expires_in_hours": "²"},
            "error: invalid context expires_in_hours='²': a whole number of hours from 1 to 168",
        ),
        (
            {"expires_in_hours": FIVE_THOUSAND_DIGITS},
            "error: invalid context expires_in_hours='" + "9" * 29 + "... (5000 characters): "
            "a whole number of hours from 1 to 168",
        ),
        ({"participant": ""}, "error: invalid context participant='': empty"),
        ({"notify_email": ""}, "error: invalid context notify_email='': empty"),
        (
            {"expires_in_hour": "4"},
            "error: unknown context key 'expires_in_hour': did you mean expires_in_hours?",
        ),
        (
            {"lab": "LabS3Lifecycle", "participants": "ana,ana"},
            "error: invalid context participants='ana,ana': named twice: ana",
        ),
    ],
)
def test_the_app_stops_on_a_bad_option_with_one_line(context, line):
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context)}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(line)


def test_the_cdk_cli_stops_on_a_misspelled_option(tmp_path):
    """Through `npx cdk synth`: the keys the CLI adds pass, the misspelled one stops synth."""
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "--quiet", "--no-notices",
         "-c", "expires_in_hour=4", "-o", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "1"},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        "error: unknown context key 'expires_in_hour': did you mean expires_in_hours?"
        in result.stderr.splitlines()
    )


def read_everything(context: dict) -> None:
    """What stacks/app.py reads from the context."""
    LabSettings.from_context(context.get)
    Selection.from_context(context.get, LAB_IDS)


NASTY_VALUES = ["", "²", FIVE_THOUSAND_DIGITS, "x" * 5000, "1.2.3.4/" + "9" * 5000, "\x00", [1], {}]


@pytest.mark.parametrize(
    "key",
    [
        "participant",
        "db_instance_class",
        "read_replica",
        "db_public_access_cidr",
        "notify_email",
        "expires_in_hours",
        "lab",
        "participants",
    ],
)
@pytest.mark.parametrize("value", NASTY_VALUES, ids=lambda v: repr(v)[:12])
def test_every_option_rejects_odd_values_with_one_short_line(key, value):
    context = {"lab": "LabBackup", key: value} if key == "participants" else {key: value}
    with pytest.raises(ContextError) as error:
        read_everything(context)
    message = str(error.value)
    assert message.startswith(f"invalid context {key}=")
    assert "\n" not in message
    assert len(message) < 400


def test_a_class_of_sign_ins_is_one_assembly_too():
    """`make class-up LAB=LabAccess`: each participant's sign-in from one synth."""
    synth = synthesized(lab="LabAccess", participants="ana,ben")
    stacks = {
        artifact["displayName"]: artifact["properties"]["stackName"]
        for artifact in synth.stacks.values()
    }
    assert stacks == {"ana/LabAccess": "ana-LabAccess", "ben/LabAccess": "ben-LabAccess"}


def test_the_trainers_app_has_no_sign_in():
    """Without a participant there is nobody to sign in: no LabAccess, even when asked."""
    assert "LabAccess" not in synthesized(lab="LabAccess").stacks


def service_roles(value) -> list[str]:
    selection = ServiceRoleSelection.from_context({"service_roles": value}.get)
    return [role.name for role in selection.service_roles]


def test_the_course_service_roles_are_both_by_default_and_those_named_in_course_order():
    both = ["rds-monitoring-role", "AWSBackupDefaultServiceRole"]
    assert [r.name for r in ServiceRoleSelection.from_context({}.get).service_roles] == both
    assert service_roles("AWSBackupDefaultServiceRole,rds-monitoring-role") == both
    assert service_roles("AWSBackupDefaultServiceRole") == ["AWSBackupDefaultServiceRole"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", r"service_roles='': empty: give a value"),
        ("rds-monitoring", r"'rds-monitoring' is unknown: role names separated by commas, of "),
        ("rds-monitoring-role AWSBackupDefaultServiceRole", r"is unknown"),
        ("rds-monitoring-role,rds-monitoring-role", r"named twice: rds-monitoring-role"),
    ],
)
def test_service_roles_rejects_what_names_no_known_role_once(value, message):
    with pytest.raises(ContextError, match=message):
        service_roles(value)


def test_service_roles_is_a_known_key():
    check_keys(["service_roles"])

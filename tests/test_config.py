"""Every `-c` option is validated in course/config.py: one line naming key, value and form."""

import os
import subprocess
import sys

import pytest

from course.config import ContextError, LabSettings
from tests.synth import ROOT


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


@pytest.mark.parametrize("name", ["ana", "b", "team-7", "a-b-c", "a" * 20])
def test_participant_accepts_lowercase_names(name):
    assert settings(participant=name).participant == name


@pytest.mark.parametrize(
    "name", ["Ana", "7ana", "-ana", "ana-", "ana--b", "ana_b", "a" * 21, "ana b", "anä"]
)
def test_participant_rejects_other_names(name):
    with pytest.raises(ContextError, match=r"participant=.*1-20 lowercase letters"):
        settings(participant=name)


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


@pytest.mark.parametrize("value", ["0", "169", "1.5", "-1", "two", True])
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
        "error: invalid context participant='Bad Name': use 1-20 lowercase letters, digits or "
        "single hyphens, starting with a letter and not ending with a hyphen (e.g. ana)"
    ]

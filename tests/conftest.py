"""Shared fixtures: the app is synthesized once per session (see tests/synth.py)."""

import pytest

from tests.synth import Synth, synthesized

PARTICIPANT = "ana"
# Every lab option set to a non-default value at once, as the CDK CLI passes `-c key=value`
# (strings). The options of different labs are independent, so one synth covers them all.
EVERY_OPTION = {
    "participant": "ben",
    "db_instance_class": "db.t3.medium",
    "read_replica": "true",
    "db_public_access_cidr": "203.0.113.7/32",
    "notify_email": "trainer@example.com",
    "expires_in_hours": "6",
}
# LabRdsMysql in the course network (which excludes db_public_access_cidr), with the other
# RDS options that still apply.
SHARED_NETWORK = {
    "participant": "cem",
    "shared_network": "true",
    "read_replica": "true",
    "db_instance_class": "db.t4g.small",
}


@pytest.fixture(scope="session")
def synth() -> Synth:
    """The app as `make synth` builds it: default context, no participant."""
    return synthesized()


@pytest.fixture(scope="session")
def participant_synth() -> Synth:
    """The app for one participant of a class (`-c participant=ana`)."""
    return synthesized(participant=PARTICIPANT)


@pytest.fixture(scope="session")
def every_option_synth() -> Synth:
    """The app with every non-default option (`EVERY_OPTION`)."""
    return synthesized(**EVERY_OPTION)


@pytest.fixture
def account(monkeypatch):
    """A fake AWS account (moto, in-process, dummy credentials) to build a lab in by hand."""
    from tests.test_labcheck import fake_account

    with fake_account(monkeypatch) as session:
        yield session


def role_statements(resources: dict, role_id: str) -> list[dict]:
    """Every statement of the AWS::IAM::Policy resources attached to the role `role_id`."""
    return [
        statement
        for policy in resources.values()
        if policy["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]

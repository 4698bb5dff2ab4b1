"""`make class-status` (issue #9): which lab stacks exist for whom, against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from classroom import class_input, stack_states, status
from tests.labcheck_fixtures import fake_credentials
from tests.make_runner import last_command

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

LABS = class_input.lab_ids()
LAB = LABS[0]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def cloudformation(monkeypatch):
    fake_credentials(monkeypatch, "us-east-1")
    with mock_aws():
        client = boto3.client("cloudformation", region_name="us-east-1")
        calls: list[str] = []
        client.meta.events.register(
            "before-call.cloudformation.*", lambda model, **_: calls.append(model.name)
        )
        yield client, calls


def _create(client, name, expires_at=None):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    if expires_at:
        template["Outputs"] = {"ExpiresAt": {"Value": expires_at}}
    client.create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_status_lists_each_participants_labs_with_expiry(cloudformation, capsys):
    client, calls = cloudformation
    other = LABS[1]
    _create(client, f"ana-{LAB}", expires_at="2026-11-20T15:30:00Z")
    _create(client, f"ana-{other}")
    _create(client, f"ben-{LAB}", expires_at="2026-11-20T11:00:00Z")
    _create(client, f"zoe-{LAB}")  # not in this class
    _create(client, "cem-SomethingElse")  # not a lab
    _create(client, f"cem-{other}")
    client.delete_stack(StackName=f"cem-{other}")  # gone: DELETE_COMPLETE

    calls.clear()
    argv = ["--participants", "ana ben cem"]
    code = status.main(argv, client=client, now=lambda: NOW)
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]

    assert code == 0
    assert lines == [
        "region us-east-1 (from AWS_DEFAULT_REGION)",
        f"ana {LAB} CREATE_COMPLETE expires 2026-11-20 15:30 UTC (in 3h30m)",
        f"ana {other} CREATE_COMPLETE",
        f"ben {LAB} CREATE_COMPLETE EXPIRED 2026-11-20 11:00 UTC but still there: "
        "check its stack events",
        "cem -",
        "3 lab stacks for 2 of 3 participants",
    ]
    assert calls, "status must ask CloudFormation"
    assert all(call.startswith(("Describe", "List", "Get")) for call in calls), (
        f"status must only read: {calls}"
    )


def test_status_can_be_narrowed_to_one_lab(cloudformation, capsys):
    client, _ = cloudformation
    _create(client, f"ana-{LAB}")
    _create(client, f"ana-{LABS[1]}")
    argv = ["--lab", LAB, "--participants", "ana"]
    assert status.main(argv, client=client, now=lambda: NOW) == 0
    out = capsys.readouterr().out
    assert f"ana-{LAB}" not in out
    assert LAB in out
    assert LABS[1] not in out


def test_status_validates_names_before_calling_aws(capsys):
    class NoAws:
        def get_paginator(self, name):
            raise AssertionError("no AWS call for bad input")

    argv = ["--participants", "ana Ben"]
    assert status.main(argv, client=NoAws()) == status.EXIT_INVALID
    assert "participant='Ben'" in capsys.readouterr().err


def test_status_reads_every_page_of_describe_stacks():
    # An account with many stacks answers DescribeStacks in pages (NextToken): a participant's
    # stack on the second page is still found.
    client = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    created = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def stack(name: str) -> dict:
        return {"StackName": name, "StackStatus": "CREATE_COMPLETE", "CreationTime": created}

    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_stacks", {"Stacks": [stack(f"ana-{LAB}")], "NextToken": "page-2"}, {}
        )
        stubber.add_response(
            "describe_stacks", {"Stacks": [stack(f"ben-{LAB}")]}, {"NextToken": "page-2"}
        )
        found = stack_states.deployed_labs(client, ["ana", "ben"], [LAB])
        stubber.assert_no_pending_responses()
    assert [(d.participant, d.lab_id) for d in found] == [("ana", LAB), ("ben", LAB)]


def test_make_target_calls_the_status_command():
    command = last_command("class-status", f"LAB={LAB}", "PARTICIPANTS=ana ben")
    assert command == f'.venv/bin/python -m classroom.status --lab "{LAB}" --participants "ana ben"'

"""One account per participant (issue #19): a roster's profiles, each a sandbox account in a
region of its own (tests/classroom/sandboxes.py); every class command works in each.
"""

from __future__ import annotations

import json

import boto3
import pytest

from classroom import report, status, sweep
from classroom import run as class_run
from tests.classroom.sandboxes import LAB, answer_quotas, roster, up, vpcs

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py): the
# status and the report read the clock.
pytestmark = pytest.mark.handles_time


def test_each_participant_runs_against_their_own_account_and_region(aws, tmp_path, capsys):
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\ncem,\n")
    code, fake = up(aws, "--class", path)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK, out
    # One CLI run per account, in its region, with its profile.
    deploys = {r["argv"][-1]: r for r in aws.records("start") if r["argv"][0] == "deploy"}
    assert deploys["sandbox-ana"]["region"] == "eu-west-1"
    assert deploys["sandbox-ana"]["argv"][-3:-1] == [f"ana/{LAB}", "--profile"]
    assert deploys["sandbox-ben"]["region"] == "us-east-2"
    assert deploys["sandbox-ben"]["argv"][-3:-1] == [f"ben/{LAB}", "--profile"]
    assert deploys[f"cem/{LAB}"]["region"] == "us-east-1", "the default account: no --profile"
    assert len(deploys) == 3
    assert len(fake.runs("synth")) == 1, "one synth serves every account"
    assert fake.runs("bootstrap") == []
    # Each stack's state was read in its own account's region: that is where the fake left it.
    for name, region in (("ana", "eu-west-1"), ("ben", "us-east-2"), ("cem", "us-east-1")):
        client = boto3.client("cloudformation", region_name=region)
        assert client.describe_stacks(StackName=f"{name}-{LAB}")["Stacks"]
    assert f"{LAB} deployed for 3 of 3: all done" in out
    # The preflight looked at each account for its own participants.
    assert "VPCs per Region in eu-west-1 (profile sandbox-ana): 1 participant needs 1" in out
    assert "VPCs per Region in us-east-2 (profile sandbox-ben): 1 participant needs 1" in out


def test_bootstrap_runs_once_per_account_before_its_deploys_only_when_asked(aws, tmp_path):
    path = roster(
        tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\ncem,sandbox-ana\n"
    )
    code, fake = up(aws, "--class", path, "--bootstrap")
    assert code == class_run.EXIT_OK
    bootstraps = fake.runs("bootstrap")
    assert sorted(c[-1] for c in bootstraps) == ["sandbox-ana", "sandbox-ben"]
    for command in bootstraps:
        assert command[:3] == ["bootstrap", "--app", str(tmp_path / f"cdk.out.class-{LAB}")]
        profile = command[-1]
        first_deploy = next(
            i for i, c in enumerate(fake.commands) if c[0] == "deploy" and c[-1] == profile
        )
        assert fake.commands.index(command) < first_deploy


def test_a_failed_bootstrap_fails_that_accounts_participants_only(aws, tmp_path, capsys):
    aws.plan(bootstrap_fail=["sandbox-ben"])
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\n")
    code, fake = up(aws, "--class", path, "--bootstrap")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert fake.stacks("deploy") == [f"ana/{LAB}"]
    assert "see cdk.out.bootstrap-sandbox-ben.log: sandbox-ben: AccessDenied" in out


def test_the_preflight_refuses_when_one_account_is_short(aws, tmp_path, capsys):
    vpcs("eu-west-1", 4)  # ana's account: 1 default + 4 of 5
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\n")
    code, fake = up(aws, "--class", path)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert fake.commands == []
    assert (
        "SHORT        VPCs per Region in eu-west-1 (profile sandbox-ana): 1 participant needs 1,"
        " 5 in use of 5, 1 missing; ask for 6 in the Service Quotas console or: aws "
        "service-quotas request-service-quota-increase --service-code vpc --quota-code "
        "L-F678F1CE --desired-value 6 --region eu-west-1 --profile sandbox-ana"
    ) in out
    assert "ok           VPCs per Region in us-east-2 (profile sandbox-ben)" in out


def test_down_and_status_use_each_participants_account(aws, tmp_path, capsys):
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\n")
    assert up(aws, "--class", path)[0] == class_run.EXIT_OK
    capsys.readouterr()
    assert status.main(["--class", path], session=answer_quotas()) == 0
    out = capsys.readouterr().out
    assert "profile sandbox-ana: region eu-west-1" in out
    assert f"ana                  {LAB}" in out
    assert f"ben                  {LAB}" in out
    assert "2 lab stacks for 2 of 2 participants" in out
    code, fake = up(aws, "--class", path, session=answer_quotas(), verb="down")
    assert code == class_run.EXIT_OK
    assert sorted(c[-1] for c in fake.runs("destroy")) == ["sandbox-ana", "sandbox-ben"]
    capsys.readouterr()
    status.main(["--class", path], session=answer_quotas())
    assert "0 lab stacks for 0 of 2 participants" in capsys.readouterr().out


def test_sweep_looks_in_each_participants_account(aws, tmp_path, capsys):
    dynamodb = boto3.client("dynamodb", region_name="us-east-2")
    dynamodb.create_table(
        TableName="ben-Users-restored",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\n")
    assert sweep.main(["--lab", "LabDynamoDbUsers", "--class", path]) == 0
    out = capsys.readouterr().out
    assert "LabDynamoDbUsers leftovers in region us-east-2 (from profile sandbox-ben" in out
    assert "ben-Users-restored" in out
    assert "1 leftovers of 1 of 2 participants" in out


def test_report_checks_each_participant_in_their_account(aws, tmp_path, capsys):
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ben\n")
    code = report.main(["--lab", "LabDynamoDbUsers", "--class", path, "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == report.EXIT_NOT_DONE
    assert document["region"] == "eu-west-1, us-east-2"
    assert [p["participant"] for p in document["participants"]] == ["ana", "ben"]

"""Gathering the class report (classroom/gather.py): labcheck per participant, read-only, a
row that says why for whoever cannot be checked."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from classroom import gather, report, report_text
from classroom.report_model import State
from tests.classroom.report_class import CLASS, LAB, NOW, gathered
from tests.labcheck_fixtures import REGION, fake_account

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


def test_advice_not_followed_is_a_warn_and_the_participant_is_done(monkeypatch, capsys):
    """LabS3Lifecycle's small-objects objective is advice (WARN): it never keeps anyone from done.

    moto answers every lifecycle configuration with the default minimum object size (128 KB),
    so ana's otherwise complete build leaves the advice not followed."""
    bucket = "ana-lab-lifecycle"
    with fake_account(monkeypatch) as session:
        s3 = session.client("s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        rule = {
            "ID": "GlacierAfter30DaysExpireAfter365Days",
            "Status": "Enabled",
            "Filter": {},
            "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
            "Expiration": {"Days": 365},
        }
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
        )
        blocked = (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict.fromkeys(blocked, True)
        )
        s3.put_object(Bucket=bucket, Key="test.txt", Body=b"hello")
        argv = ["--lab", "LabS3Lifecycle", "--participants", "ana", "--json"]
        code = report.main(
            [*argv, "--own", "bucket={participant}-lab-lifecycle"],
            session=lambda: boto3.Session(region_name=REGION),
            now=lambda: NOW,
        )
    document = json.loads(capsys.readouterr().out)
    (row,) = document["participants"]
    statuses = [o["status"] for o in row["objectives"]]
    assert statuses.count("WARN") == 1
    assert set(statuses) == {"PASS", "WARN"}
    assert row["done"] is True
    assert document["summary"].startswith("1 of 1 done")
    assert code == report.EXIT_DONE


def test_a_sweep_fills_the_leftovers_column_and_a_failing_sweep_is_one_cell(klass):
    def sweep(_session, participant):
        if participant == "ben":
            raise RuntimeError("sweep broke")
        return ["log group /aws/lambda/x (retained)"] if participant == "dia" else []

    found = gathered(klass, sweep=sweep)
    rows = {row.participant: row for row in found.rows}
    assert rows["dia"].leftovers == ("log group /aws/lambda/x (retained)",)
    assert rows["ben"].leftovers == ("cannot sweep: unexpected RuntimeError: sweep broke",)
    assert rows["ana"].leftovers == ()
    assert (
        "leftovers:\n  ben: cannot sweep: unexpected RuntimeError: sweep broke\n"
        "  dia: log group /aws/lambda/x (retained)\n" in report_text.text(found)
    )
    assert found.summary().endswith("2 with leftovers; est. cost so far < $0.01")
    assert "leftovers" not in report_text.text(gathered(klass)), "no sweep, no column"


def test_the_report_only_reads(klass):
    calls: list[str] = []

    def session():
        checking = klass()
        checking.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
        return checking

    gather.gather(LAB, CLASS, session=session, own={"table": "{participant}-Users"})
    assert calls.count("DescribeStacks") == 1, "one listing serves the whole class"
    assert all(call.startswith(("Describe", "Get", "List", "Query")) for call in calls), calls


def test_listing_the_stacks_fails_every_row_says_why_and_the_report_still_prints(monkeypatch):
    with fake_account(monkeypatch):
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        found = gather.gather(
            LAB, ["ana", "ben"], session=lambda: boto3.Session(region_name=REGION)
        )
    assert [row.state for row in found.rows] == [State.ERROR] * 2
    assert found.rows[0].reason.startswith("no AWS credentials found")
    assert found.summary() == "0 of 2 done, 2 could not be checked; est. cost so far < $0.01"


def test_a_participant_still_throttled_after_the_retries_is_a_row_that_says_so(klass, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the test's sessions: no retries, no waiting

    def throttled():
        checking = klass()

        def throttle(params, **_kwargs):
            if b'"ana-Users"' in params["body"]:
                body = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
                return AWSResponse(None, 400, {}, None), body
            return None

        checking.events.register("before-call.dynamodb.DescribeTable", throttle)
        return checking

    found = gather.gather(LAB, ["ana", "ben"], session=throttled, now=lambda: NOW)
    ana, ben = found.rows
    assert (ana.state, ana.reason) == (
        State.ERROR,
        "DescribeTable failed: ThrottlingException: Rate exceeded",
    )
    assert ana.stack is not None, "the row still shows the stack and its cost"
    assert ben.state is State.CHECKED


def test_the_reports_own_sessions_retry_throttling_and_share_the_service_models(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    sessions = gather.session_factory(None, REGION)
    first, second = sessions(), sessions()
    client = first.client("dynamodb")
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 8}
    assert first is not second, "one session per participant: sessions are not thread-safe"
    loader = first._session.get_component("data_loader")
    assert loader is second._session.get_component("data_loader"), "models parsed once"
    assert len(loader.search_paths) == len(set(loader.search_paths))

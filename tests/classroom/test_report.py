"""The class report's command line (issue #16): `make class-report`, on moto (in-process, no
network). The class: tests/classroom/report_class.py."""

from __future__ import annotations

import json

import pytest

from classroom import gather, report
from tests.classroom.report_class import CLASS, LAB, NOW, OWN, SUMMARY, users_table
from tests.make_runner import last_command

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


def run_main(capsys, klass, *argv, **kwargs):
    """The CLI on the class, its clock at NOW (the stacks were created 2h30m before)."""
    code = report.main(list(argv), session=klass, now=lambda: NOW, **kwargs)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_cli_prints_the_table_writes_the_page_and_exits_1_while_some_are_not_done(
    klass, capsys, tmp_path
):
    page = tmp_path / "class.html"
    argv = ["--lab", LAB, "--participants", " ".join(CLASS), *OWN, "--html", str(page)]
    code, out, _ = run_main(capsys, klass, *argv)
    assert code == 1
    assert out.splitlines()[-1] == f"written: {page}"
    assert SUMMARY in out
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".*partial")), "written whole, then renamed"


def test_cli_json_and_all_done_exits_0(klass, capsys):
    argv = ["--lab", LAB, "--participants", "ana fay", *OWN, "--json"]
    code, out, _ = run_main(capsys, klass, *argv)
    assert (code, json.loads(out)["summary"].split(";")[0]) == (0, "2 of 2 done")


def test_watch_refreshes_until_ctrl_c_and_exits_cleanly(klass, capsys, tmp_path):
    page = tmp_path / "class.html"
    naps: list[float] = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    argv = ["--lab", LAB, "--participants", "ana", "--watch", "5", "--html", str(page)]
    code, out, err = run_main(capsys, klass, *argv, sleep=sleep)
    assert (code, naps, err.strip()) == (0, [5, 5], "stopped")
    assert out.count("refreshing every 5 s; Ctrl-C to stop") == 2
    assert '<meta http-equiv="refresh" content="5">' in page.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lab", "LabNope", "--participants", "ana"], "unknown lab 'LabNope'"),
        (["--lab", LAB, "--participants", "ana Ana"], "invalid context participant='Ana'"),
        (["--lab", LAB, "--participants", "ana", "--own", "bucket=x-{participant}"], "--own"),
        (["--lab", LAB, "--participants", "ana", "--own", "table=Users"], "{participant}"),
        (["--lab", LAB, "--participants", "ana", "--watch", "0"], "--watch"),
        (["--lab", LAB, "--participants", "ana", "--concurrency", "99"], "--concurrency"),
        (["--lab", LAB, "--participants", "ana", "--html", "/nonexistent/x.html"], "--html"),
    ],
)
def test_bad_input_is_one_line_and_checks_nothing(capsys, argv, message):
    def no_aws():
        raise AssertionError("no AWS for bad input")

    code = report.main(argv, session=no_aws)
    err = capsys.readouterr().err
    assert code == report.EXIT_INVALID
    assert message in err
    assert "Traceback" not in err


def test_the_report_looks_in_the_region_the_cdk_deploys_into(monkeypatch):
    """AWS_REGION (which boto3 alone ignores) wins over AWS_DEFAULT_REGION, as for the CDK."""
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    regions = []

    def fake_gather(lab_id, participants, *, session, **_kwargs):
        regions.append(session().region_name)
        raise KeyboardInterrupt  # stop there: only the session's region matters

    monkeypatch.setattr(gather, "gather", fake_gather)
    report.main(["--lab", LAB, "--participants", "ana"])
    assert regions == ["eu-central-1"]


def test_make_target_calls_the_report():
    options = ["HTML=class.html", "JSON=1", "WATCH=30", "OWN=table={participant}-Users"]
    command = last_command("class-report", f"LAB={LAB}", "PARTICIPANTS=ana ben", *options)
    assert command == (
        f'.venv/bin/python -m classroom.report --lab "{LAB}" --participants "ana ben"'
        ' --html "class.html" --json --watch 30 --own "table={participant}-Users"'
    )


def test_leftovers_flag_fills_the_column_from_class_sweep(klass, capsys):
    """`--leftovers`: a table restored by hand is listed for its participant only."""
    session = klass()
    users_table(session, "ana-Users-restored")  # the Backup guide's restore, no stack owns it
    argv = ["--lab", LAB, "--participants", "ana ben", "--leftovers"]
    code, out, _ = run_main(capsys, klass, *argv)
    assert code == 1
    listed = out.split("\nleftovers:\n")[1].split("\n\n")[0].splitlines()
    # moto's stacks own no resources, so the Users tables count as leftovers here too; gus's
    # table, which the checker may not describe, is skipped (not theirs by name).
    assert listed == [
        "  ana: dynamodb table ana-Users (≈ $0.00/month)",
        "  ana: dynamodb table ana-Users-restored (≈ $0.00/month)",
        "  ben: dynamodb table ben-Users (≈ $0.00/month)",
    ]
    _, without, _ = run_main(capsys, klass, "--lab", LAB, "--participants", "ana ben")
    assert "leftovers" not in without

"""The class engine's parts on their own (issue #27): the CLI's lines, the watch of an account,
the CLI processes, the time limits and the words of the lines.

The CLI's lines are the pinned CLI's own (2.1148.1), copied from runs against moto; the watch
runs against botocore's Stubber (CloudFormation's answers: pages, throttling).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from classroom import cli_process
from classroom.cdk_commands import ACTIONS
from classroom.cdk_output import StackLines, artifact_ids
from classroom.cli_process import CliProcess, CliSlots
from classroom.outcomes import Result, summary
from classroom.run_context import time_limit_minutes
from classroom.watch import Seen, Watcher, WatchError, WatchStopped, final_state
from tests.classroom.engine_fixtures import alive

LAB = "LabS3Lifecycle"
ANA, BEN = f"ana-{LAB}", f"ben-{LAB}"

# --- the CLI's lines ----------------------------------------------------------------------------

DEPLOY = """\
✨  Synthesis time: 0.06s
ana-LabS3Lifecycle: start: Building ana/LabS3Lifecycle/Custom::S3AutoDeleteObjectsCustomResourceProvider Code
ana-LabS3Lifecycle: success: Published ana-LabS3Lifecycle Template (current_account-current_region-fd97b4cf)
ben-LabS3Lifecycle: start: Publishing ben-LabS3Lifecycle Template (current_account-current_region-b897f645)
ana/LabS3Lifecycle (ana-LabS3Lifecycle)
ana/LabS3Lifecycle (ana-LabS3Lifecycle): deploying... [1/2]
ben/LabS3Lifecycle (ben-LabS3Lifecycle): deploying... [2/2]
ana-LabS3Lifecycle: creating stack...
ana-LabS3Lifecycle |   0 | 2:51:08 PM | CREATE_IN_PROGRESS      | AWS::CloudFormation::Stack  | ana-LabS3Lifecycle User Initiated
ana-LabS3Lifecycle |   1 | 2:51:45 PM | CREATE_COMPLETE         | AWS::CloudFormation::Stack  | ana-LabS3Lifecycle

✅  ana/LabS3Lifecycle (ana-LabS3Lifecycle)

✨  Deployment time: 42.65s

Outputs:
anaLabS3Lifecycle78BEB853.BucketName = ana-labs3lifecycle-lifecyclebucketb5db832a-ladpfk1fclb1
Stack ARN:
arn:aws:cloudformation:us-east-1:123456789012:stack/ana-LabS3Lifecycle/f4cab23a-c5f6-49c6-b42f
❌  ben-LabS3Lifecycle failed: ValidationError: Template format error: Unresolved resource
"""  # noqa: E501

UNBOOTSTRAPPED = """\
✨  Synthesis time: 0.04s
ana-LabS3Lifecycle: SSM parameter /cdk-bootstrap/hnb659fds/version not found in aws://123456789012/us-west-2. Has the environment been bootstrapped? Please run 'cdk bootstrap' (see https://docs.aws.amazon.com/cdk/latest/guide/bootstrapping.html)
Parameter /cdk-bootstrap/hnb659fds/version not found.
‣ SsmParameterNotFound: SSM parameter /cdk-bootstrap/hnb659fds/version not found in aws://123456789012/us-west-2.
‣ ParameterNotFound: Parameter /cdk-bootstrap/hnb659fds/version not found.
"""  # noqa: E501


def read(text: str, aliases=None) -> tuple[StackLines, dict[str, list[str]]]:
    lines = StackLines([ANA, BEN], aliases or {"anaLabS3Lifecycle78BEB853": ANA})
    named: dict[str, list[str]] = {}
    for line in text.splitlines():
        stack = lines.read(line)
        if stack:
            named.setdefault(stack, []).append(line)
    return lines, named


def test_each_line_goes_to_the_stack_it_names_and_outputs_by_artifact_id():
    _, named = read(DEPLOY)
    assert len(named[ANA]) == 10
    assert named[ANA][-2].startswith("anaLabS3Lifecycle78BEB853.BucketName = ")
    assert named[ANA][-1].startswith("arn:aws:cloudformation:"), "the ARN names its stack"
    assert len(named[BEN]) == 3
    assert "✨  Synthesis time: 0.06s" not in named[ANA] + named[BEN]


def test_a_name_is_a_whole_word():
    lines = StackLines(["ana-LabX", "hana-LabX"])
    assert lines.stack_of("hana-LabX: creating stack...") == "hana-LabX"
    assert lines.stack_of("ana-LabX2: creating stack...") is None
    assert lines.stack_of("(ana-LabX)") == "ana-LabX"


def test_the_verdicts_and_the_cause_of_a_failure():
    lines, _ = read(DEPLOY)
    assert lines.verdicts[ANA].ok
    assert not lines.verdicts[BEN].ok
    assert lines.cause(BEN) == (
        "ben-LabS3Lifecycle failed: ValidationError: Template format error: Unresolved resource"
    )
    assert lines.cause(ANA) == "", "progress, events and outputs explain nothing"


def test_a_destroy_verdict():
    lines, _ = read(
        f"✅  ana/{LAB} ({ANA}): destroyed\n"
        f" ❌  ben/{LAB} ({BEN}): destroy failed Error: The stack named {BEN} is in a failed "
        "state: DELETE_FAILED"
    )
    assert lines.verdicts[ANA].ok
    assert not lines.verdicts[BEN].ok
    assert lines.cause(BEN).endswith("is in a failed state: DELETE_FAILED")


def test_the_cause_of_an_unbootstrapped_region_is_the_line_naming_the_stack():
    lines, _ = read(UNBOOTSTRAPPED)
    assert "Has the environment been bootstrapped?" in lines.cause(ANA)
    assert lines.cause(BEN) == ""
    assert "Has the environment been bootstrapped?" in lines.last_error, (
        "a stack the CLI never reached gets the CLI's last failure line, not its causes"
    )


def test_without_a_stacks_failure_the_last_error_is_the_clis_last_line():
    lines, _ = read("✨  Synthesis time: 0.04s\nUnable to resolve AWS account to use.\n‣ x: y")
    assert lines.last_error == "Unable to resolve AWS account to use."


def test_artifact_ids_come_from_the_assemblys_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text(
        '{"artifacts": {"anaLabX1": {"type": "aws:cloudformation:stack", "properties": '
        '{"stackName": "ana-LabX"}}, "anaLabX1.assets": {"type": "cdk:asset-manifest"}}}'
    )
    assert artifact_ids(tmp_path) == {"anaLabX1": "ana-LabX"}
    assert artifact_ids(tmp_path / "missing") == {}


# --- the watch ---------------------------------------------------------------------------------


def _client():
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _stack(name: str, status: str) -> dict:
    created = datetime.now(UTC)
    return {"StackName": name, "StackId": f"id-{name}", "StackStatus": status,
            "CreationTime": created}  # fmt: skip


def _watcher(client, said: list[str], stopped: bool = False) -> Watcher:
    def wait(seconds: float) -> bool:
        said.append(f"(waits {seconds:g} s)")
        return stopped

    return Watcher(client, [ANA, BEN], account="default credentials", say=said.append, wait=wait)


def test_one_look_is_one_listing_of_every_page_however_many_stacks():
    client = _client()
    said: list[str] = []
    with Stubber(client) as stubber:
        page_1 = {"Stacks": [_stack(ANA, "CREATE_IN_PROGRESS"), _stack("other", "X")]}
        stubber.add_response("describe_stacks", page_1 | {"NextToken": "2"}, {})
        stubber.add_response(
            "describe_stacks", {"Stacks": [_stack(BEN, "CREATE_COMPLETE")]}, {"NextToken": "2"}
        )
        seen = _watcher(client, said).look()
        stubber.assert_no_pending_responses()
    assert seen == {
        ANA: Seen("CREATE_IN_PROGRESS", f"id-{ANA}"),
        BEN: Seen("CREATE_COMPLETE", f"id-{BEN}"),
    }
    assert seen[ANA].in_progress
    assert said == []


def test_throttling_is_retried_with_a_growing_backoff_as_long_as_it_lasts():
    client = _client()
    said: list[str] = []
    with Stubber(client) as stubber:
        for _ in range(7):  # more than the other errors may have
            stubber.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
        stubber.add_response("describe_stacks", {"Stacks": [_stack(ANA, "CREATE_COMPLETE")]}, {})
        seen = _watcher(client, said).look()
    assert seen[ANA].status == "CREATE_COMPLETE"
    assert seen[BEN] == Seen(), "not listed: no such stack"
    waits = [line for line in said if line.startswith("(waits")]
    assert waits == [f"(waits {s} s)" for s in ("2", "4", "8", "16", "32", "60", "60")]
    assert said[0] == (
        "throttled: CloudFormation DescribeStacks in default credentials (Throttling): next try"
        " in 2 s"
    )


def test_other_errors_are_retried_a_few_times_then_end_the_watch():
    client = _client()
    said: list[str] = []
    with Stubber(client) as stubber:
        for _ in range(5):
            stubber.add_client_error("describe_stacks", "ExpiredToken", "expired", 400)
        with pytest.raises(WatchError, match="ExpiredToken"):
            _watcher(client, said).look()
    assert len([line for line in said if line.startswith("could not read:")]) == 4


def test_a_single_read_does_not_retry_and_a_stopped_watch_stops_waiting():
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
        with pytest.raises(WatchError):
            _watcher(client, []).look(retry=False)
        stubber.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
        with pytest.raises(WatchStopped):
            _watcher(client, [], stopped=True).look()


def test_a_failures_reason_is_the_stacks_or_its_latest_failed_events():
    events = [
        {"LogicalResourceId": "Key", "ResourceStatus": "CREATE_FAILED",
         "ResourceStatusReason": "a"},
        {"LogicalResourceId": "Bucket", "ResourceStatus": "CREATE_FAILED",
         "ResourceStatusReason": "Resource limit exceeded"},
        {"LogicalResourceId": ANA, "ResourceStatus": "ROLLBACK_COMPLETE"},
    ]  # fmt: skip
    assert final_state(Seen("ROLLBACK_COMPLETE"), events).reason == (
        "Bucket: Resource limit exceeded"
    )
    assert final_state(Seen("DELETE_FAILED", reason="held"), events).reason == "held"
    assert final_state(Seen("CREATE_COMPLETE"), events).reason == ""


# --- the CLI processes -------------------------------------------------------------------------

SLEEPER = [sys.executable, "-c", "import subprocess; subprocess.run(['sleep', '300'])"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_cli_runs_in_a_session_of_its_own_and_every_line_is_read(tmp_path):
    lines: list[str] = []
    command = [sys.executable, "-c", "import os; print(os.getsid(0), os.getpid()); print('b')"]
    cli = CliProcess(command, log=tmp_path / "log", on_line=lines.append)
    assert cli.wait() == 0
    session, pid = lines[0].split()
    assert session == pid != str(os.getsid(0)), "the child leads a new session"
    assert lines[1] == "b"
    assert (tmp_path / "log").read_text().splitlines()[1:] == lines


def test_stop_ends_the_cli_and_what_it_started(tmp_path):
    cli = CliProcess(SLEEPER, log=tmp_path / "log")
    _wait_for(lambda: _children(cli.process.pid))
    (grandchild,) = _children(cli.process.pid)
    cli.stop()
    _wait_for(lambda: not alive(grandchild), seconds=10)
    assert cli.wait(10) is not None


def test_at_exit_every_cli_still_running_is_stopped(tmp_path):
    code = (
        "import sys; from pathlib import Path; from classroom.cli_process import CliProcess\n"
        f"cli = CliProcess({SLEEPER!r}, log=Path({str(tmp_path / 'log')!r}))\n"
        "print(cli.process.pid, flush=True)\n"
        "import time; time.sleep(1)\n"
        "raise SystemExit(3)  # the runner ends without stopping it\n"
    )
    root = Path(cli_process.__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3, result.stderr
    pid = int(result.stdout.split()[0])
    _wait_for(lambda: not alive(pid))


def test_cli_slots_go_in_the_order_asked_and_say_when_someone_waits():
    slots = CliSlots(1)
    a, b, c = object(), object(), object()
    assert slots.take(a)
    assert not slots.wanted(a)
    assert not slots.take(b)
    assert not slots.take(c)
    assert slots.wanted(a)
    slots.leave(a)
    assert not slots.take(c), "b asked first"
    assert slots.take(b)
    slots.leave(b)
    assert slots.take(c)


# --- time limits and words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lab", "action", "minutes"),
    [
        # expected minutes (course/sheets.py) + half again, at least 5 minutes more
        ("LabS3Lifecycle", "up", 8),
        ("LabS3Lifecycle", "down", 8),
        ("LabRdsMysql", "up", 37.5),
        ("LabRdsMysql", "down", 67.5),
        ("LabBackup", "down", 10),
        ("LabAccess", "up", 7),
    ],
)
def test_each_lab_has_a_time_limit_from_its_expected_minutes(lab, action, minutes):
    assert time_limit_minutes(lab, ACTIONS[action]) == minutes


def test_the_summary_counts_and_groups_by_how_each_ended():
    results = [
        Result("ana", ANA, "done"),
        Result("ben", BEN, "failed"),
        Result("cem", "c", "timed out"),
        Result("dia", "d", "left in progress"),
        Result("eli", "e", "never started"),
    ]
    assert summary("deployed", LAB, results) == (
        f"{LAB} deployed for 1 of 5; FAILED: ben; timed out: cem; left in progress: dia; "
        "never started: eli"
    )
    assert summary("destroyed", LAB, results[:1]) == f"{LAB} destroyed for 1 of 1: all done"

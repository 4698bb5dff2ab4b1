"""A class to run the engine on: a moto server, the timeline, the fake CLI's plan and record.

`FakeClass.run` runs classroom/engine.py in this process (its signal handlers on the main
thread, as `make class-up` runs it) with the fake CLI (tests/classroom/fake_cdk.py) as its
`cdk`, against the moto server; `signal_when` sends this process a signal once a condition
holds (a stack submitted, a CLI started), as the terminal or `kill` would.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from unittest.mock import patch

from classroom import run as class_run
from classroom.account_run import AccountPart
from classroom.cdk_commands import ACTIONS, Target
from classroom.engine import Engine
from classroom.outcomes import ClassRun
from course.config import LabSettings
from tests.classroom.fake_cloud import shared_moto_client, watched_client
from tests.classroom.timeline import Timeline

FAKE_CDK = [sys.executable, str(Path(__file__).with_name("fake_cdk.py"))]
LAB = "LabS3Lifecycle"
REGION = "us-east-1"
# Each sandbox profile of a roster is an account of its own: here, a region of its own.
PROFILE_REGIONS = {"sandbox-ana": "eu-west-1", "sandbox-ben": "us-east-2"}
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
WAIT_SECONDS = 300  # for a condition; then the signal goes anyway (no test waits for ever)


class FakeClass:
    def __init__(self, endpoint: str, work_dir: Path) -> None:
        self.endpoint, self.work_dir = endpoint, work_dir
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        self.timeline = Timeline(work_dir / "timeline.json")
        self.plan_file = work_dir / "plan.json"
        self.record_file = work_dir / "record.jsonl"
        self.plan()

    def plan(self, **plan: Any) -> None:
        """What the fake CLI does (tests/classroom/fake_cdk.py): e.g. stacks={"ben": "rollback"}."""
        self.plan_file.write_text(json.dumps({"busy": 0.2, **plan}))

    def bootstrap(self, region: str = REGION) -> None:
        """The account as `cdk bootstrap` leaves it, as far as the CLI checks it."""
        shared_moto_client("ssm", region, self.endpoint).put_parameter(
            Name=BOOTSTRAP_PARAMETER, Value="30", Type="String", Overwrite=True
        )

    @property
    def cli_env(self) -> dict[str, str]:
        """What the fake CLI needs besides an account: moto's server, its plan and record."""
        return {
            "FAKE_CDK_ENDPOINT": self.endpoint,
            "FAKE_CDK_PLAN": str(self.plan_file),
            "FAKE_CDK_RECORD": str(self.record_file),
            "FAKE_CDK_TIMELINE": str(self.timeline.path),
        }

    @property
    def env(self) -> dict[str, str]:
        """The whole environment of a class run: the fake CLI's, and an account in moto's
        server for the runner's own calls (preflight, leftovers)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FAKE_CDK_"))}
        account = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        }
        return env | self.cli_env | account

    def client(self, region: str = REGION, throttle: int = 0) -> Any:
        return watched_client(self.endpoint, region, self.timeline, throttle)

    def run(
        self,
        action: str,
        names: Sequence[str],
        *,
        profiles: Mapping[str, str] | None = None,
        throttle: int = 0,
        **options: Any,
    ) -> tuple[ClassRun, str, str]:
        """Run `action` for `names` (a participant's profile in `profiles`: their account)."""
        settings = [LabSettings(participant=name) for name in names]
        profiles = profiles or {}
        groups: dict[str | None, list[LabSettings]] = {}
        for s in settings:
            groups.setdefault(profiles.get(s.participant or ""), []).append(s)
        accounts = [
            AccountPart(
                Target(profile, PROFILE_REGIONS[profile]) if profile else Target(),
                self.client(PROFILE_REGIONS.get(profile or "", REGION), throttle),
                tuple(members),
            )
            for profile, members in groups.items()
        ]
        out, err = io.StringIO(), io.StringIO()
        engine = Engine(
            ACTIONS[action],
            LAB,
            work_dir=self.work_dir,
            env=self.env,
            out=out,
            err=err,
            **{"cdk": FAKE_CDK, "poll_seconds": 0.05, "first_backoff": 0.01, **options},
        )
        run = engine.run(settings, accounts)
        return run, out.getvalue(), err.getvalue()

    def main(self, argv: Sequence[str], **options: Any) -> int:
        """`python -m classroom.run ARGV` as `make class-up|class-down` runs it, in this
        environment only (moto's server, the fake CLI's files), watching through `client`."""
        with patch.dict(os.environ, self.env, clear=True):
            return class_run.main(
                [*argv, "--work-dir", str(self.work_dir)],
                cloudformation=lambda _profile, region: self.client(region),
                **{"cdk": FAKE_CDK, "poll_seconds": 0.05, "first_backoff": 0.01, **options},
            )

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        if not self.record_file.exists():
            return []
        lines = self.record_file.read_text().splitlines()
        return [r for r in map(json.loads, lines) if event in (None, r["event"])]

    def commands(self, verb: str) -> list[list[str]]:
        return [r["argv"] for r in self.records("start") if r["argv"][0] == verb]

    def submitted(self, *stacks: str, busy: str = "CREATE_IN_PROGRESS") -> Callable[[], bool]:
        """Whether the fake CLI has given every one of `stacks` to CloudFormation (`busy`: to
        delete). Its threads submit them in any order, as the CLI's do."""

        def given() -> bool:
            entries = self.timeline.entries(REGION)
            seen = [entries.get(stack, {}) for stack in stacks]
            return all(e.get("busy") == busy and e.get("submitted", False) for e in seen)

        return given

    def status(self, stack: str, region: str = REGION) -> str | None:
        for summary in self.client(region).describe_stacks()["Stacks"]:
            if summary["StackName"] == stack:
                return summary["StackStatus"]
        return None

    def left_behind(self) -> list[int]:
        """The fake CLIs and their children still alive (zombies are dead)."""
        pids = [r[key] for r in self.records("start") for key in ("pid", "child")]
        return [pid for pid in pids if alive(pid)]


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def signal_when(*steps: tuple[Callable[[], bool], int]) -> threading.Event:
    """Send this process each signal once its condition holds, in order (a thread); returns
    the event that cancels what is not sent yet."""
    cancelled = threading.Event()

    def send() -> None:
        for condition, signum in steps:
            deadline = time.monotonic() + WAIT_SECONDS
            while not condition() and time.monotonic() < deadline:
                if cancelled.wait(0.02):
                    return
            os.kill(os.getpid(), signum)
            time.sleep(0.1)

    threading.Thread(target=send, daemon=True).start()
    return cancelled


def outcome_lines(out: str) -> dict[str, str]:
    """The per-participant lines, by participant."""
    tags = ("ok ", "FAILED ", "TIMEOUT ", "STOPPED ", "- ")
    return {line.split()[1]: line for line in out.splitlines() if line.startswith(tags)}


SIGNALS = {"Ctrl-C": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP}

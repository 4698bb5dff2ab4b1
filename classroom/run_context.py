"""What every part of a class run shares (classroom/engine.py runs it): the action and lab,
the CDK CLI's command and environment, where the logs go, the options, the CLI slots, the stop
signals, and the one place lines are printed."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from classroom.cdk_commands import CDK, ROOT, Action, assembly_dir, class_command
from classroom.cli_process import CliProcess, CliSlots
from classroom.outcomes import Result, report_line
from classroom.stop_signals import Stops
from classroom.watch import FIRST_BACKOFF_SECONDS
from course import sheets
from course.names import ACCESS_ID

MAX_STACKS_AT_ONCE = 50  # per account: CloudFormation's API rate limits, not the laptop
# At once, for every account: a `cdk deploy` of 30 stacks peaks at about 0.26 GB (make bench,
# moto), so three stay under 1 GB beside the runner; the class's synth (about 1 GB) runs alone.
MAX_CLI_PROCESSES = 3
POLL_SECONDS = 5.0  # one DescribeStacks listing per account per look
MIN_MARGIN_MINUTES = 5


def time_limit_minutes(lab_id: str, action: Action) -> float:
    """How long a participant's stack may take before it is reported TIMEOUT."""
    minutes = sheets.ACCESS_MINUTES if lab_id == ACCESS_ID else sheets.lab(lab_id).minutes
    expected = minutes.create if action.name == "up" else minutes.delete
    return expected + max(expected / 2, MIN_MARGIN_MINUTES)


class RunContext:
    """The shared state of a class run of `action` of `lab_id`.

    `cdk` is the CLI's command (tests give a fake one); `env` its environment; `concurrency`
    the stacks at once per account (None: all); `clock` the monotonic clock of the time
    limits; `limit_minutes` overrides the lab's limit (tests).
    """

    def __init__(
        self,
        action: Action,
        lab_id: str,
        *,
        work_dir: Path,
        cdk: Sequence[str] = (str(CDK),),
        env: Mapping[str, str] | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        concurrency: int | None = None,
        bootstrap: bool = False,
        poll_seconds: float = POLL_SECONDS,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        max_cli_processes: int = MAX_CLI_PROCESSES,
        limit_minutes: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        stops: Stops | None = None,
    ) -> None:
        self.action, self.lab_id, self.work_dir = action, lab_id, work_dir
        self.assembly = assembly_dir(lab_id, work_dir)
        self.cdk, self.env = list(cdk), env
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.concurrency, self.bootstrap = concurrency, bootstrap
        self.poll_seconds, self.first_backoff, self.clock = poll_seconds, first_backoff, clock
        self.limit_minutes = limit_minutes or time_limit_minutes(lab_id, action)
        self.slots = CliSlots(max_cli_processes)
        self.stops = stops or Stops(self.err)
        self._print_lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._print_lock, suppress(OSError):  # a closed terminal: the logs still get it
            print(text, file=self.out, flush=True)

    def report(self, result: Result) -> None:
        self.say(report_line(self.action.verb, result))

    def cli(self, command: Sequence[str], log: Path, on_line: Callable[[str], None]) -> CliProcess:
        return CliProcess(command, log=log, on_line=on_line, env=self.env, cwd=ROOT)

    def class_command(self, paths: Sequence[str]) -> tuple[list[str], int]:
        """The CLI run for these stacks of one account, and how many it runs at once."""
        concurrency = min(self.concurrency or MAX_STACKS_AT_ONCE, len(paths))
        return class_command(self.cdk, self.action, self.assembly, paths, concurrency), concurrency

"""A class run: synthesize the class once, then deploy or destroy each participant's stack.

One `cdk synth -c lab=<LabId> -c participants=ana,ben,cem` into `cdk.out.class-<LabId>` (one
stack per participant), then one `cdk deploy`/`cdk destroy --app cdk.out.class-<LabId>
<participant>/<LabId>` per participant from that cloud assembly, at most `concurrency` at a
time; each run's output goes to `cdk.out.<participant>.log`. A failure for one participant does
not stop the others.

Success is the stack's state, not the CLI's exit code: after each run the stack is read back
(classroom/stack_states.py). Only CREATE_COMPLETE / UPDATE_COMPLETE counts as deployed, only a
stack that is gone (or DELETE_COMPLETE) as destroyed; any other state is a failure, reported
with its status and reason. Ctrl-C: classroom/runner.py. The summary says who is done, who
failed, who was interrupted and who was never started.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from classroom.cdk_commands import (
    DEFAULT_TARGET,
    Action,
    Target,
    assembly_dir,
    bootstrap_command,
    cdk_command,
    synth_command,
)
from classroom.class_input import InvalidClass
from classroom.runner import ROOT, CommandRunner, Interrupts, run_command
from classroom.stack_states import StackState, stack_state
from course.config import LabSettings

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 10  # CloudFormation and the account's API rate limits, not the laptop

# How a participant's run ended.
DONE, FAILED, INTERRUPTED, NOT_STARTED = "done", "failed", "interrupted", "never started"


@dataclass(frozen=True)
class Result:
    """The outcome of one participant's run."""

    participant: str
    stack_name: str
    outcome: str
    exit_code: int | None = None
    seconds: float = 0.0
    log: Path | None = None
    state: StackState | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == DONE


@dataclass(frozen=True)
class ClassRun:
    """Every participant's result, in the participants' order, and whether Ctrl-C ended it."""

    results: list[Result]
    interrupted: bool


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _last_line(log: Path | None) -> str:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except (OSError, AttributeError):
        return ""
    return next((line for line in reversed(lines) if line), "")


def report_line(action: Action, result: Result) -> str:
    """One line for one participant."""
    head = f"{result.participant:<20} {result.stack_name:<40}"
    state = result.state
    if result.ok:
        status = state.status if state and state.status else "gone"
        return f"ok      {head} {action.verb} in {_duration(result.seconds)} ({status})"
    if result.outcome == NOT_STARTED:
        return f"-       {head} never started"
    log_name = result.log.name if result.log else "the log"
    run = f"exit {result.exit_code} after {_duration(result.seconds)}, see {log_name}"
    if result.outcome == INTERRUPTED:
        status = f"stack {state.status}, " if state and state.status else ""
        return f"STOPPED {head} interrupted ({status}{run}): it may be left in progress"
    if state is not None and state.status not in action.done_states:
        what = f"stack {state.status or 'does not exist'}"
        what += f": {state.reason}" if state.reason else ""
        return f"FAILED  {head} {what} ({run})"
    detail = _last_line(result.log)
    return f"FAILED  {head} {run}" + (f": {detail}" if detail else "")


def run_class(
    action: Action,
    lab_id: str,
    settings: Sequence[LabSettings],
    *,
    client: Any,
    runner: CommandRunner,
    concurrency: int = DEFAULT_CONCURRENCY,
    out: TextIO | None = None,
    err: TextIO | None = None,
    work_dir: Path = ROOT,
    targets: Mapping[str, Target] | None = None,
    clients: Mapping[str | None, Any] | None = None,
    bootstrap: bool = False,
) -> ClassRun:
    """Synthesize the class once, then run `action` for every participant, `concurrency` at a
    time; results in the participants' order, each line printed when its run ends.

    `client` reads the stacks' states (CloudFormation); Ctrl-C is handled as the module says.
    `targets` maps a participant to the account of their own (a profile; default: everyone in
    the default one), `clients` a profile to its CloudFormation client (default: `client`).
    `bootstrap` (up only): `cdk bootstrap` each account once, before its first deploy.
    """
    targets = targets or {}
    clients = clients or {}
    bootstraps = _Bootstraps(runner, work_dir) if bootstrap and action.name == "up" else None
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InvalidClass(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    out, err = out or sys.stdout, err or sys.stderr
    print_lock = threading.Lock()
    interrupts = Interrupts(runner, err)
    assembly = assembly_dir(lab_id, work_dir)

    def never_started() -> list[Result]:
        return [Result(s.participant or "", s.stack_name(lab_id), NOT_STARTED) for s in settings]

    def one(participant: LabSettings) -> Result:
        name, stack_name = participant.participant or "", participant.stack_name(lab_id)
        if not interrupts.start(name):
            result = Result(name, stack_name, NOT_STARTED)
        else:
            target = targets.get(name, DEFAULT_TARGET)
            try:
                failed = bootstraps.run(assembly, target, name, stack_name) if bootstraps else None
                result = failed or _run_one(
                    action,
                    lab_id,
                    participant,
                    assembly,
                    clients.get(target.profile, client),
                    runner,
                    work_dir,
                    target,
                )
            finally:
                interrupts.finish(name)
            if interrupts.stopped_now and not result.ok:
                result = dataclasses.replace(result, outcome=INTERRUPTED)
        with print_lock:
            print(report_line(action, result), file=out, flush=True)
        return result

    with interrupts.installed():
        interrupts.synthesizing = True
        synth_log = work_dir / f"{assembly.name}.log"
        print(f"synth: {len(settings)} stacks of {lab_id} into {assembly.name}/", file=out)
        started = time.monotonic()
        synth_exit = run_command(
            runner, synth_command(action, lab_id, settings, assembly), synth_log
        )
        interrupts.synthesizing = False
        if interrupts.stopping:
            return ClassRun(never_started(), interrupted=True)
        if synth_exit != 0:
            detail = _last_line(synth_log)
            print(
                f"FAILED  synth exit {synth_exit}, see {synth_log.name}"
                + (f": {detail}" if detail else ""),
                file=out,
            )
            return ClassRun(never_started(), interrupted=False)
        print(f"synth: done in {_duration(time.monotonic() - started)}", file=out, flush=True)
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="class") as pool:
            results = list(pool.map(one, settings))
    return ClassRun(results, interrupted=interrupts.stopping)


def _run_one(
    action: Action,
    lab_id: str,
    participant: LabSettings,
    assembly: Path,
    client: Any,
    runner: CommandRunner,
    work_dir: Path,
    target: Target = DEFAULT_TARGET,
) -> Result:
    """One participant's run, then the stack's state as CloudFormation reports it."""
    name, stack_name = participant.participant or "", participant.stack_name(lab_id)
    log = work_dir / f"cdk.out.{name}.log"
    started = time.monotonic()
    exit_code = run_command(runner, cdk_command(action, lab_id, participant, assembly, target), log)
    try:
        state = stack_state(client, stack_name)
    except (BotoCoreError, ClientError) as error:
        state = StackState("UNKNOWN", f"could not read the stack: {error}")
    ok = exit_code == 0 and state.status in action.done_states
    return Result(
        name, stack_name, DONE if ok else FAILED, exit_code, time.monotonic() - started, log, state
    )


class _Bootstraps:
    """`cdk bootstrap` once per account (profile), before its first participant's deploy; the
    other participants of that account wait for it. A failed bootstrap fails each participant
    of that account (one line each, pointing at `cdk.out.bootstrap-<profile>.log`)."""

    def __init__(self, runner: CommandRunner, work_dir: Path) -> None:
        self.runner, self.work_dir = runner, work_dir
        self.lock = threading.Lock()
        self.locks: dict[str | None, threading.Lock] = {}
        self.exits: dict[str | None, int] = {}

    def run(self, assembly: Path, target: Target, name: str, stack_name: str) -> Result | None:
        """None when the account is bootstrapped, else participant `name`'s failed result."""
        with self.lock:
            lock = self.locks.setdefault(target.profile, threading.Lock())
        log = self.work_dir / f"cdk.out.bootstrap-{target.profile or 'default'}.log"
        with lock:
            if target.profile not in self.exits:
                command = bootstrap_command(assembly, target)
                self.exits[target.profile] = run_command(self.runner, command, log)
        exit_code = self.exits[target.profile]
        if exit_code == 0:
            return None
        return Result(name, stack_name, FAILED, exit_code, 0.0, log)


def summary(action: Action, lab_id: str, results: Sequence[Result]) -> str:
    """The last line: how many succeeded, who failed, who was interrupted or never started."""
    done = sum(r.ok for r in results)
    line = f"{lab_id} {action.verb} for {done} of {len(results)}"
    groups = [
        (label, [r.participant for r in results if r.outcome == outcome])
        for label, outcome in (
            ("FAILED", FAILED),
            ("interrupted", INTERRUPTED),
            ("never started", NOT_STARTED),
        )
    ]
    parts = [f"{label}: {' '.join(names)}" for label, names in groups if names]
    return line + ("; " + "; ".join(parts) if parts else ": all done")

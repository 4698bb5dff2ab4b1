"""Class-wide commands: deploy, destroy or list one lab for many participants at once.

    python -m classroom.run up --lab LabS3Lifecycle --participants "ana ben cem"
    python -m classroom.run down --lab LabS3Lifecycle --participants "ana ben cem"
    python -m classroom.run status --participants "ana ben cem" [--lab LabS3Lifecycle]

(`make class-up|class-down|class-status LAB=... PARTICIPANTS="..."` call these.)

`up`/`down` validate every name first, then synthesize the class once (`cdk synth -c lab=<LabId>
-c participants=ana,ben,cem` into `cdk.out.class-<LabId>`: one stack per participant), then run
one `cdk deploy`/`cdk destroy --app cdk.out.class-<LabId> <participant>/<LabId>` per participant
from that cloud assembly, at most `--concurrency` at a time; each run's output goes to
`cdk.out.<participant>.log`. A failure for one participant does not stop the others.

Success is the stack's state, not the CLI's exit code: after each run the stack is read back
(CloudFormation DescribeStacks). Only CREATE_COMPLETE / UPDATE_COMPLETE counts as deployed, only
a stack that is gone (or DELETE_COMPLETE) as destroyed; any other state is a failure, reported
with its status and reason. Exit code: 0 all done, 1 some failed, 2 bad input, 130 interrupted.

Ctrl-C. The CDK runs are started in sessions of their own, so the terminal's Ctrl-C reaches only
this runner. The first Ctrl-C starts nothing new and lets the running deploys and destroys
finish: killing the CDK CLI mid-deploy does not stop CloudFormation, it only leaves the stack
in progress with nobody watching (and a deploy cut short can be a billable database nobody
tracks), whereas a finished run has a known state. Then the summary says who is done, who
failed and who was never started. A second Ctrl-C stops the running CDK processes at once
(SIGTERM to their process groups, SIGKILL after a few seconds) and names the stacks that may be
left in progress: run `make class-status` to see where they stand. A synth is stopped by the
first Ctrl-C: it only writes a local folder.

`status` only reads (CloudFormation DescribeStacks): which lab stacks exist for whom, with the
time each deletes itself where `-c expires_in_hours` was set.

Every command uses and prints the region the CDK CLI deploys into (course/region.py) and passes
it to the CDK CLI, so the runs, the state checks and `status` look at the same region.

The class: `--participants "ana ben"` or `--class class.csv`, a roster (course/roster.py). A
roster may give each participant an AWS profile, their own account: their CDK runs then get
`--profile <profile>` and that profile's region (`env AWS_REGION=...`), their state checks,
`status` and `down`'s leftovers read with a session of that profile; still one synth and one
concurrency bound for the whole class. `--bootstrap` (up) runs `cdk bootstrap` once per account
before its first deploy. Before `up` deploys anything, the quota preflight (classroom/preflight.py)
checks every account the class goes to; `--skip-preflight` skips it. `--shared-network` puts
LabRdsMysql into the account's course network (`-c shared_network=true`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from classroom import preflight
from course.config import ACCESS_ID, LAB_IDS, ContextError, LabSettings
from course.region import Region, resolve_region
from course.roster import InvalidRoster, Roster, add_argument, load

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 10  # CloudFormation and the account's API rate limits, not the laptop
EXPIRES_AT_OUTPUT = "ExpiresAt"
EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130
STOP_GRACE_SECONDS = 5  # after a second Ctrl-C: SIGTERM, then SIGKILL what is still running

# A command runner runs `command`, writes its whole output to `log` and returns the exit code.
# Tests pass a fake one; the real one (`CdkRunner`) runs the CDK CLI. A runner may have a
# `stop()` that ends every running command at once (the second Ctrl-C).
CommandRunner = Callable[[Sequence[str], Path], int]

DEPLOYED = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
GONE = frozenset({None, "DELETE_COMPLETE"})  # None: CloudFormation knows no such stack


class InvalidClass(ValueError):
    """Bad input for a class-wide command: one line per problem, nothing was run."""


@dataclass(frozen=True)
class Action:
    """What `up` or `down` does for one participant."""

    name: str
    verb: str  # for the report: "deployed" / "destroyed"
    cdk_command: str
    cdk_flags: tuple[str, ...]  # nobody is there to answer a prompt
    done_states: frozenset[str | None]  # the stack states that mean success


ACTIONS = {
    "up": Action("up", "deployed", "deploy", ("--require-approval", "never"), DEPLOYED),
    "down": Action("down", "destroyed", "destroy", ("--force",), GONE),
}

# How a participant's run ended.
DONE, FAILED, INTERRUPTED, NOT_STARTED = "done", "failed", "interrupted", "never started"


@dataclass(frozen=True)
class StackState:
    """A stack as CloudFormation reports it after a run: None is no stack at all."""

    status: str | None
    reason: str = ""


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


def lab_ids() -> list[str]:
    """The labs in course order (without importing aws-cdk-lib: see `course.config.LAB_IDS`)."""
    return list(LAB_IDS)


def class_stacks() -> list[str]:
    """What a class command can run: the labs, then each participant's sign-in (LabAccess)."""
    return [*lab_ids(), ACCESS_ID]


def validate(
    lab_id: str | None,
    participants: Iterable[str],
    known_labs: Sequence[str],
    expires_in_hours: str | None = None,
    *,
    lab_required: bool = True,
    shared_network: bool = False,
) -> list[LabSettings]:
    """The settings of each participant's run, or `InvalidClass` listing every problem."""
    names = list(participants)
    problems = []
    if lab_id is None or lab_id == "":
        if lab_required:
            problems.append("no lab: set LAB=<LabId>, one of " + ", ".join(known_labs))
    elif lab_id not in known_labs:
        problems.append(f"unknown lab {lab_id!r}: use one of " + ", ".join(known_labs))
    if not names:
        problems.append('no participants: set PARTICIPANTS="ana ben ..." or CLASS=class.csv')
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append("participants named twice: " + ", ".join(duplicates))
    settings = []
    for name in dict.fromkeys(names):
        context = {
            "participant": name,
            "expires_in_hours": expires_in_hours,
            "shared_network": "true" if shared_network else None,
        }
        try:
            settings.append(LabSettings.from_context(context.get))
        except ContextError as error:
            if str(error) not in problems:
                problems.append(str(error))
    if problems:
        raise InvalidClass("\n".join(problems))
    return settings


def assembly_dir(lab_id: str, work_dir: Path) -> Path:
    """Where the class's cloud assembly goes: one folder per lab, so two classes never mix."""
    return work_dir / f"cdk.out.class-{lab_id}"


def synth_command(
    action: Action, lab_id: str, settings: Sequence[LabSettings], outdir: Path
) -> list[str]:
    """One `cdk synth` for the whole class: every participant's stack of the lab."""
    names = ",".join(s.participant or "" for s in settings)
    command = [str(CDK), "synth", "--quiet", "-c", f"lab={lab_id}", "-c", f"participants={names}"]
    expires = settings[0].expires_in_hours if settings else None
    if expires is not None and action.name == "up":
        command += ["-c", f"expires_in_hours={expires}"]
    if settings and settings[0].shared_network:
        command += ["-c", "shared_network=true"]
    return [*command, "--output", str(outdir)]


@dataclass(frozen=True)
class Target:
    """The account a participant's stack goes to: a profile (None: the default credentials)
    and the region the CDK CLI uses with it (course/region.py)."""

    profile: str | None = None
    region: str | None = None

    def wrap(self, command: list[str]) -> list[str]:
        """`command` against this account: `--profile` (the CDK CLI then reads that profile's
        credentials only, not the environment's keys) and the profile's region in
        `AWS_REGION` (the CDK CLI reads it before the profile's own, as course/region.py says).
        The default credentials: `command` unchanged (the runner's environment holds the
        class's region)."""
        if self.profile is None:
            return command
        return ["env", f"AWS_REGION={self.region}", *command, "--profile", self.profile]


def cdk_command(
    action: Action, lab_id: str, settings: LabSettings, assembly: Path, target: Target = Target()
) -> list[str]:
    """The CDK CLI call for one participant, from the class's assembly (no synth of its own)."""
    stack = f"{settings.participant}/{lab_id}"  # the construct path stacks/app.py gives it
    command = [str(CDK), action.cdk_command, "--app", str(assembly), stack, *action.cdk_flags]
    return target.wrap(command)


def bootstrap_command(assembly: Path, target: Target) -> list[str]:
    """`cdk bootstrap` of the target account and region (`BOOTSTRAP=1`). Given no environment,
    the CLI bootstraps those of the app's stacks, resolving an environment-agnostic stack's
    `aws://unknown-account/unknown-region` to the profile's account and region (checked in the
    pinned CLI, node_modules/aws-cdk/lib/index.js: `defineEnvironments`,
    `globEnvironmentsFromStacks`); `--app` reads the class's assembly instead of synthesizing
    the app again."""
    return target.wrap([str(CDK), "bootstrap", "--app", str(assembly)])


class CdkRunner:
    """The real runner: the CDK CLI in the project folder, all output into the log.

    Each command runs in a session (and process group) of its own, so the terminal's Ctrl-C
    does not reach it; `stop()` ends them all at once.
    """

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self._running: set[subprocess.Popen] = set()
        # Re-entrant: `stop()` runs in the SIGINT handler, on the main thread, which may hold
        # the lock at that moment (it runs the synth itself).
        self._lock = threading.RLock()
        self._stopped = False

    def __call__(self, command: Sequence[str], log: Path) -> int:
        with log.open("w") as out:
            out.write("$ " + " ".join(command) + "\n")
            out.flush()
            with self._lock:
                if self._stopped:
                    out.write("not started: the class run was stopped\n")
                    return EXIT_INTERRUPTED
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                self._running.add(process)
            try:
                return process.wait()
            finally:
                with self._lock:
                    self._running.discard(process)

    def stop(self) -> None:
        """SIGTERM to every running command's process group; SIGKILL a few seconds later."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        self._signal(running, signal.SIGTERM)
        timer = threading.Timer(STOP_GRACE_SECONDS, self._signal, (running, signal.SIGKILL))
        timer.daemon = True
        timer.start()

    @staticmethod
    def _signal(processes: Sequence[subprocess.Popen], signum: int) -> None:
        for process in processes:
            if process.poll() is None:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signum)


class Interrupts:
    """Counts Ctrl-C (SIGINT) during a class run instead of raising KeyboardInterrupt."""

    def __init__(self, runner: CommandRunner, err: TextIO) -> None:
        self.runner, self.err = runner, err
        self.count = 0
        self.running: dict[str, None] = {}  # the participants whose run has started, in order
        self.synthesizing = False
        self.lock = threading.RLock()  # re-entrant: a second Ctrl-C may land inside `handle`

    @property
    def stopping(self) -> bool:
        return self.count > 0

    @property
    def stopped_now(self) -> bool:
        return self.count > 1

    def start(self, participant: str) -> bool:
        """Mark a run as started, unless Ctrl-C came first."""
        with self.lock:
            if self.stopping:
                return False
            self.running[participant] = None
            return True

    def finish(self, participant: str) -> None:
        with self.lock:
            self.running.pop(participant, None)

    def handle(self, _signum: int, _frame: Any) -> None:
        with self.lock:
            self.count += 1
            running = list(self.running)
        if self.count == 1 and not self.synthesizing:
            print(
                f"\nCtrl-C: starting nothing new; waiting for the {len(running)} running to "
                f"finish ({' '.join(running) or 'none'}). Ctrl-C again stops them at once, "
                "which may leave their stacks in progress.",
                file=self.err,
                flush=True,
            )
            return
        what = "the synth" if self.synthesizing else "the running CDK commands"
        print(f"\nCtrl-C: stopping {what} now.", file=self.err, flush=True)
        stop = getattr(self.runner, "stop", None)
        if stop is not None:
            stop()

    @contextmanager
    def installed(self):
        """Handle SIGINT while the class runs (main thread only: Python's rule for signals)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self.handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def stack_state(client: Any, stack_name: str) -> StackState:
    """The stack's status and, if it is not a success, why (status reason or a failed event)."""
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return StackState(None)
        raise
    stack = stacks[0]
    status = stack["StackStatus"]
    reason = stack.get("StackStatusReason", "")
    if status not in DEPLOYED | GONE and not reason:
        reason = _latest_failure(client, stack_name)
    return StackState(status, reason)


def _latest_failure(client: Any, stack_name: str) -> str:
    """The reason of the newest failed resource event (events come newest first)."""
    with suppress(BotoCoreError, ClientError):
        for event in client.describe_stack_events(StackName=stack_name)["StackEvents"]:
            if event.get("ResourceStatus", "").endswith("_FAILED"):
                reason = event.get("ResourceStatusReason", "")
                return f"{event.get('LogicalResourceId', '')}: {reason}".strip(": ")
    return ""


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
            target = targets.get(name, Target())
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
        synth_exit = _run(runner, synth_command(action, lab_id, settings, assembly), synth_log)
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


def _run(runner: CommandRunner, command: Sequence[str], log: Path) -> int:
    """Run one command; a runner that cannot start counts as exit -1, with the reason logged."""
    try:
        return runner(command, log)
    except Exception as error:  # a runner that cannot start is one failure, not all
        with suppress(OSError):
            log.write_text(f"could not run the CDK CLI: {error}\n")
        return -1


def _run_one(
    action: Action,
    lab_id: str,
    participant: LabSettings,
    assembly: Path,
    client: Any,
    runner: CommandRunner,
    work_dir: Path,
    target: Target = Target(),
) -> Result:
    """One participant's run, then the stack's state as CloudFormation reports it."""
    name, stack_name = participant.participant or "", participant.stack_name(lab_id)
    log = work_dir / f"cdk.out.{name}.log"
    started = time.monotonic()
    exit_code = _run(runner, cdk_command(action, lab_id, participant, assembly, target), log)
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
                self.exits[target.profile] = _run(self.runner, command, log)
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


# --- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployed:
    """A lab stack that exists for a participant."""

    participant: str
    lab_id: str
    status: str
    expires_at: datetime | None


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def deployed_labs(client: Any, participants: Sequence[str], labs: Sequence[str]) -> list[Deployed]:
    """The participants' lab stacks that exist (read-only: DescribeStacks, paginated)."""
    wanted = {f"{p}-{lab}": (p, lab) for p in participants for lab in labs}
    found = []
    for page in client.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack["StackName"] not in wanted or stack["StackStatus"] == "DELETE_COMPLETE":
                continue
            participant, lab = wanted[stack["StackName"]]
            outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
            found.append(
                Deployed(
                    participant,
                    lab,
                    stack["StackStatus"],
                    _parse_time(outputs.get(EXPIRES_AT_OUTPUT)),
                )
            )
    order = {name: i for i, name in enumerate(wanted)}
    return sorted(found, key=lambda d: order[f"{d.participant}-{d.lab_id}"])


def status_lines(
    deployed: Sequence[Deployed], participants: Sequence[str], now: datetime
) -> list[str]:
    """One line per deployed stack, one per participant with nothing, then a summary."""
    lines = []
    for participant in participants:
        theirs = [d for d in deployed if d.participant == participant]
        if not theirs:
            lines.append(f"{participant:<20} -")
        for d in theirs:
            expiry = ""
            if d.expires_at is not None:
                stamp = d.expires_at.strftime("%Y-%m-%d %H:%M UTC")
                left = (d.expires_at - now).total_seconds()
                expiry = (
                    f"expires {stamp} (in {_hours_minutes(left)})"
                    if left > 0
                    else f"EXPIRED {stamp} but still there: check its stack events"
                )
            lines.append(f"{participant:<20} {d.lab_id:<20} {d.status:<24} {expiry}".rstrip())
    with_labs = len({d.participant for d in deployed})
    lines.append(f"{len(deployed)} lab stacks for {with_labs} of {len(participants)} participants")
    return lines


def _hours_minutes(seconds: float) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h{minutes:02d}m"


@dataclass
class Accounts:
    """The accounts a class goes to: each profile of the roster (None: the default
    credentials) with its region and a boto3 session (made when first asked for)."""

    roster: Roster
    regions: dict[str | None, Region]
    make_session: Callable[[str | None, str], Any]
    _sessions: dict[str | None, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, roster: Roster, make_session: Callable[[str | None, str], Any]) -> Accounts:
        profiles = list(roster.accounts) or [None]
        return cls(roster, {p: resolve_region(p) for p in profiles}, make_session)

    @property
    def per_participant(self) -> bool:
        return any(p is not None for p in self.regions)

    def session(self, profile: str | None) -> Any:
        if profile not in self._sessions:
            self._sessions[profile] = self.make_session(profile, self.regions[profile].name)
        return self._sessions[profile]

    def targets(self) -> dict[str, Target]:
        return {
            name: Target(profile, self.regions[profile].name if profile else None)
            for name, profile in self.roster.profiles.items()
        }

    def describe(self) -> str:
        """E.g. "region eu-west-1 (from AWS_REGION)", or one line per account."""
        if not self.per_participant:
            return f"region {self.regions[None]}"
        return "\n".join(
            f"{preflight.account_label(p)}: region {region} for "
            + " ".join(self.roster.accounts[p])
            for p, region in self.regions.items()
        )


def _boto3_session(profile: str | None, region: str) -> Any:  # tests pass moto sessions
    import boto3

    return boto3.Session(region_name=region, profile_name=profile)


# --- command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classroom.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=[*ACTIONS, "status"])
    parser.add_argument("--lab", default="", help="the lab's id, e.g. LabS3Lifecycle")
    parser.add_argument("--participants", default="", help='names, e.g. "ana ben cem"')
    add_argument(parser)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"CDK runs at a time (1-{MAX_CONCURRENCY}, default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--expires-in-hours", default=None, help="up only: each stack deletes itself after N h"
    )
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help="up only: cdk bootstrap each target account first (BOOTSTRAP=1)",
    )
    parser.add_argument(
        "--shared-network",
        action="store_true",
        help="LabRdsMysql in the account's CourseNetwork (-c shared_network=true)",
    )
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="up only: do not check the accounts' quotas first (PREFLIGHT=0)",
    )
    parser.add_argument(
        "--work-dir",
        default=str(ROOT),
        help="where the class's cloud assembly and the logs go (default: the project folder)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    runner: CommandRunner | None = None,
    client: Any = None,
    session: Callable[[str | None, str], Any] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Run one class-wide command; returns the exit code (`EXIT_*`).

    `runner`, `client`, `session` and `now` are for tests (a fake CDK, a fake or moto
    CloudFormation client for every account, a (profile, region) -> boto3 session maker, a
    clock).
    """
    args = _parser().parse_args(argv)
    known = class_stacks()
    try:
        roster = load(args.class_file, args.participants)
        participants = roster.names
        accounts = Accounts.of(roster, session or _boto3_session)
        if args.command == "status":
            validate(args.lab, participants, known, lab_required=False)
            labs = [args.lab] if args.lab else known
            print(accounts.describe())
            try:
                found = []
                for profile, names in (roster.accounts or {None: []}).items():
                    cloudformation = client or accounts.session(profile).client("cloudformation")
                    found += deployed_labs(cloudformation, names, labs)
            except (BotoCoreError, ClientError) as error:
                print(f"error: cannot list the stacks: {error}", file=sys.stderr)
                return EXIT_FAILED
            order = {name: i for i, name in enumerate(participants)}
            found.sort(key=lambda d: order[d.participant])  # stable: labs in course order
            print("\n".join(status_lines(found, participants, now())))
            return EXIT_OK
        action = ACTIONS[args.command]
        settings = validate(
            args.lab,
            participants,
            known,
            args.expires_in_hours,
            shared_network=args.shared_network,
        )
        if not 1 <= args.concurrency <= MAX_CONCURRENCY:
            raise InvalidClass(f"--concurrency must be 1 to {MAX_CONCURRENCY}")
    except (InvalidClass, InvalidRoster) as error:
        print(f"error: nothing was run:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    work_dir = Path(args.work_dir).resolve()
    where = accounts.describe()
    print(
        f"{action.name}: {args.lab} for {len(settings)} participants in "
        + (where if not accounts.per_participant else "their accounts")
        + f", {args.concurrency} at a time (logs: cdk.out.<participant>.log)",
        flush=True,
    )
    if accounts.per_participant:
        print(where, flush=True)
    if (
        action.name == "up"
        and not args.skip_preflight
        and not _preflight(args.lab, settings, accounts)
    ):
        return EXIT_FAILED
    region = accounts.regions.get(None) or resolve_region()
    run = run_class(
        action,
        args.lab,
        settings,
        client=client or _boto3_session(None, region.name).client("cloudformation"),
        # The CDK CLI gets the region we print and read the states in, whatever it would pick.
        runner=runner or CdkRunner({**os.environ, "AWS_REGION": region.name}),
        concurrency=args.concurrency,
        work_dir=work_dir,
        targets=accounts.targets(),
        clients=None
        if client
        else {p: accounts.session(p).client("cloudformation") for p in roster.accounts if p},
        bootstrap=args.bootstrap,
    )
    print(summary(action, args.lab, run.results))
    if run.interrupted:
        who = f'PARTICIPANTS="{args.participants}"'
        if args.class_file:
            who = f"CLASS={args.class_file}"
        class_status = f"make class-status LAB={args.lab} {who}"
        left = [r.stack_name for r in run.results if r.outcome == INTERRUPTED]
        if left:
            stacks = " ".join(left)
            print(f"stopped: these stacks may be left in progress: {stacks}; run {class_status}")
        else:
            print(f"interrupted: see where each stack stands with {class_status}")
        return EXIT_INTERRUPTED
    if action.name == "down" and runner is None:  # a real class, not a test's fake CDK
        for profile, names in roster.accounts.items():
            warn_leftovers(args.lab, names, accounts.session(profile))
    return EXIT_OK if all(r.ok for r in run.results) else EXIT_FAILED


def _preflight(lab_id: str, settings: Sequence[LabSettings], accounts: Accounts) -> bool:
    """Print the quota checks (classroom/preflight.py); False when an account is short."""
    if not preflight.has_checks(lab_id, settings[0]):
        return True
    profiles = accounts.roster.profiles
    groups = dict.fromkeys(profiles.get(s.participant or "") for s in settings)
    checks = preflight.check_class(
        lab_id,
        settings,
        profiles,
        {p: sweep_account(accounts.session(p)).client for p in groups},
        {p: accounts.regions[p].name for p in groups},
    )
    lines, ok = preflight.report(checks)
    print("quota preflight (PREFLIGHT=0 skips it):\n" + "\n".join(lines), flush=True)
    if not ok:
        print(
            f"error: nothing was deployed: not enough quota for {lab_id} (or the account blocks"
            " what it needs): do what the lines above say, or run fewer participants per account",
            file=sys.stderr,
        )
    return ok


def sweep_account(session: Any) -> Any:
    """The boto3 clients of one session, made once each (classroom/sweep.py's `Account`)."""
    from classroom import sweep

    return sweep.Account(session)


def warn_leftovers(
    lab_id: str, participants: Sequence[str], session: Any = None, out: TextIO | None = None
) -> None:
    """After `down`: list what the participants left that no stack owns (classroom/sweep.py)."""
    from classroom import sweep

    out = out or sys.stdout
    try:
        found = sweep.leftovers(sweep.Account(session), lab_id, participants)
    except (BotoCoreError, ClientError) as error:
        print(f"warning: cannot look for leftovers: {error}", file=sys.stderr)
        return
    if not found:
        print(f"{lab_id}: nothing left behind that no stack owns (class-sweep)", file=out)
        return
    print(
        "WARNING: left behind, no stack owns it (make class-sweep ... DELETE=1 deletes it):",
        file=out,
    )
    print("\n".join(sweep.report(found, participants)), file=out)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # outside a class run (validation, status): nothing was started
        print("\ninterrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)

"""Class-wide commands: deploy, destroy or list one lab for many participants at once.

    python -m course.classroom up --lab LabS3Lifecycle --participants "ana ben cem"
    python -m course.classroom down --lab LabS3Lifecycle --participants "ana ben cem"
    python -m course.classroom status --participants "ana ben cem" [--lab LabS3Lifecycle]

(`make class-up|class-down|class-status LAB=... PARTICIPANTS="..."` call these.)

`up`/`down` run one `cdk deploy`/`cdk destroy` per participant, at most `--concurrency` at a
time, each with its own output directory `cdk.out.<participant>` so that parallel runs do not
overwrite each other's cloud assembly, and its output in `cdk.out.<participant>.log`. A failure
for one participant does not stop the others; every participant gets one line, then a summary,
and the exit code is 0 only if all succeeded. Every name is validated before anything runs.

`status` only reads (CloudFormation DescribeStacks): which lab stacks exist for whom, with the
time each deletes itself where `-c expires_in_hours` was set.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from course.config import ContextError, LabSettings

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 10  # CloudFormation and the account's API rate limits, not the laptop
EXPIRES_AT_OUTPUT = "ExpiresAt"
EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

# A command runner runs `command`, writes its whole output to `log` and returns the exit code.
# Tests pass a fake one; the real one runs the CDK CLI.
CommandRunner = Callable[[Sequence[str], Path], int]


class InvalidClass(ValueError):
    """Bad input for a class-wide command: one line per problem, nothing was run."""


@dataclass(frozen=True)
class Action:
    """What `up` or `down` does for one participant."""

    name: str
    verb: str  # for the report: "deployed" / "destroyed"
    cdk_command: str
    cdk_flags: tuple[str, ...]  # nobody is there to answer a prompt


ACTIONS = {
    "up": Action("up", "deployed", "deploy", ("--require-approval", "never")),
    "down": Action("down", "destroyed", "destroy", ("--force",)),
}


@dataclass(frozen=True)
class Result:
    """The outcome of one participant's run."""

    participant: str
    stack_name: str
    exit_code: int
    seconds: float
    log: Path

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def lab_ids() -> list[str]:
    """The labs in course order (imports the CDK app's stacks)."""
    from stacks import LABS

    return [lab.lab_id for lab in LABS]


def validate(
    lab_id: str | None,
    participants: Iterable[str],
    known_labs: Sequence[str],
    expires_in_hours: str | None = None,
    *,
    lab_required: bool = True,
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
        problems.append('no participants: set PARTICIPANTS="ana ben ..."')
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append("participants named twice: " + ", ".join(duplicates))
    settings = []
    for name in dict.fromkeys(names):
        context = {"participant": name, "expires_in_hours": expires_in_hours}
        try:
            settings.append(LabSettings.from_context(context.get))
        except ContextError as error:
            if str(error) not in problems:
                problems.append(str(error))
    if problems:
        raise InvalidClass("\n".join(problems))
    return settings


def cdk_command(action: Action, lab_id: str, settings: LabSettings) -> list[str]:
    """The CDK CLI call for one participant, with its own output directory."""
    command = [str(CDK), action.cdk_command, lab_id, "-c", f"participant={settings.participant}"]
    if settings.expires_in_hours is not None and action.name == "up":
        command += ["-c", f"expires_in_hours={settings.expires_in_hours}"]
    return [*command, "--output", f"cdk.out.{settings.participant}", *action.cdk_flags]


def run_cdk(command: Sequence[str], log: Path) -> int:
    """The real runner: the CDK CLI in the project folder, all output into `log`."""
    with log.open("w") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        return subprocess.run(
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        ).returncode


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _last_line(log: Path) -> str:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    return next((line for line in reversed(lines) if line), "")


def report_line(action: Action, result: Result) -> str:
    """One line for one participant."""
    head = f"{result.participant:<20} {result.stack_name:<40}"
    if result.ok:
        return f"ok      {head} {action.verb} in {_duration(result.seconds)}"
    detail = _last_line(result.log)
    return (
        f"FAILED  {head} exit {result.exit_code} after {_duration(result.seconds)}, "
        f"see {result.log.name}" + (f": {detail}" if detail else "")
    )


def run_class(
    action: Action,
    lab_id: str,
    settings: Sequence[LabSettings],
    *,
    runner: CommandRunner = run_cdk,
    concurrency: int = DEFAULT_CONCURRENCY,
    out: TextIO | None = None,
    log_dir: Path = ROOT,
) -> list[Result]:
    """Run `action` for every participant, `concurrency` at a time; results in input order.

    Runs start in the participants' order; each line is printed when its run ends.
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InvalidClass(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    out = out or sys.stdout
    print_lock = threading.Lock()

    def one(participant: LabSettings) -> Result:
        log = log_dir / f"cdk.out.{participant.participant}.log"
        started = time.monotonic()
        try:
            exit_code = runner(cdk_command(action, lab_id, participant), log)
        except Exception as error:  # a runner that cannot start is one failure, not all
            with suppress(OSError):
                log.write_text(f"could not run the CDK CLI: {error}\n")
            exit_code = -1
        result = Result(
            participant.participant or "",
            participant.stack_name(lab_id),
            exit_code,
            time.monotonic() - started,
            log,
        )
        with print_lock:
            print(report_line(action, result), file=out, flush=True)
        return result

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="class") as pool:
        futures = {pool.submit(one, s): i for i, s in enumerate(settings)}
        results: list[Result | None] = [None] * len(futures)
        for future in as_completed(futures):
            results[futures[future]] = future.result()
    return [r for r in results if r is not None]


def summary(action: Action, lab_id: str, results: Sequence[Result]) -> str:
    """The last line: how many succeeded and who failed."""
    failed = [r.participant for r in results if not r.ok]
    line = f"{lab_id} {action.verb} for {len(results) - len(failed)} of {len(results)}"
    return line + (f"; FAILED: {' '.join(failed)}" if failed else ": all done")


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


def _client():  # the real AWS client; tests pass a moto one
    import boto3

    return boto3.client("cloudformation")


# --- command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course.classroom", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=[*ACTIONS, "status"])
    parser.add_argument("--lab", default="", help="the lab's id, e.g. LabS3Lifecycle")
    parser.add_argument("--participants", default="", help='names, e.g. "ana ben cem"')
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"CDK runs at a time (1-{MAX_CONCURRENCY}, default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--expires-in-hours", default=None, help="up only: each stack deletes itself after N h"
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    runner: CommandRunner = run_cdk,
    client: Any = None,
    log_dir: Path = ROOT,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Run one class-wide command; returns the exit code (0 all ok, 1 some failed, 2 bad input).

    `runner`, `client`, `log_dir` and `now` are for tests (a fake CDK, a moto client).
    """
    args = _parser().parse_args(argv)
    participants = args.participants.split()
    known = lab_ids()
    try:
        if args.command == "status":
            validate(args.lab, participants, known, lab_required=False)
            labs = [args.lab] if args.lab else known
            try:
                found = deployed_labs(client or _client(), participants, labs)
            except (BotoCoreError, ClientError) as error:
                print(f"error: cannot list the stacks: {error}", file=sys.stderr)
                return EXIT_FAILED
            print("\n".join(status_lines(found, participants, now())))
            return EXIT_OK
        action = ACTIONS[args.command]
        settings = validate(args.lab, participants, known, args.expires_in_hours)
        if not 1 <= args.concurrency <= MAX_CONCURRENCY:
            raise InvalidClass(f"--concurrency must be 1 to {MAX_CONCURRENCY}")
    except InvalidClass as error:
        print(f"error: nothing was run:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    print(
        f"{action.name}: {args.lab} for {len(settings)} participants, "
        f"{args.concurrency} at a time (logs: cdk.out.<participant>.log)",
        flush=True,
    )
    results = run_class(
        action, args.lab, settings, runner=runner, concurrency=args.concurrency, log_dir=log_dir
    )
    print(summary(action, args.lab, results))
    if action.name == "down" and runner is run_cdk:  # a real class, not a test's fake CDK
        warn_leftovers(args.lab, participants)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def warn_leftovers(
    lab_id: str, participants: Sequence[str], session: Any = None, out: TextIO | None = None
) -> None:
    """After `down`: list what the participants left that no stack owns (course/sweep.py)."""
    from course import sweep

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
    sys.exit(main())

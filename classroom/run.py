"""`python -m classroom.run up|down`: deploy or destroy one lab for a whole class at once.

    python -m classroom.run up --lab LabS3Lifecycle --participants "ana ben cem"
    python -m classroom.run down --lab LabS3Lifecycle --participants "ana ben cem"

(`make class-up|class-down LAB=... PARTICIPANTS="..."` call these; `make class-status` is
classroom/status.py.)

Every name is validated first (classroom/class_input.py), then the class is synthesized once and
every participant's stack deployed or destroyed at once, by one CDK CLI process per account,
with CloudFormation watched until each stack has ended (classroom/engine.py); success is the
stack's state, not the CDK CLI's exit code. Exit code: 0 all done, 1 some failed or timed out,
2 bad input, 130 interrupted. Ctrl-C (or SIGTERM, SIGHUP): the first starts nothing new and
watches the submitted stacks to their end, a second stops watching and reads the states once
(classroom/stop_signals.py); the summary names the stacks left in progress.

Every command uses and prints the region the CDK CLI deploys into (course/region.py) and passes
it to the CDK CLI, so the runs, the state checks and `status` look at the same region.

The class: `--participants "ana ben"` or `--class class.csv`, a roster (course/roster.py). A
roster may give each participant an AWS profile, their own account: each account gets its own
CDK CLI run, with `--profile <profile>` and that profile's region (`env AWS_REGION=...`), and
its stacks are watched with a session of that profile; still one synth for the whole class.
`--concurrency N`: stacks at once per account (default: all of them, at most 50).
`--bootstrap` (up) runs `cdk bootstrap` once per account before its deploy. Before `up` deploys
anything, the quota preflight (classroom/preflight.py) checks every account the class goes to;
`--skip-preflight` skips it. `--shared-network` puts LabRdsMysql into the account's course
network (`-c shared_network=true`). After `down`, what the participants left that no stack owns
is listed (classroom/leftovers.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from classroom import preflight
from classroom.account_run import AccountPart
from classroom.accounts import Accounts, boto3_session
from classroom.cdk_commands import ACTIONS, DEFAULT_TARGET, ROOT, Target
from classroom.class_input import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    InvalidClass,
    add_class_arguments,
    class_stacks,
    validate,
)
from classroom.engine import Engine
from classroom.leftovers import Account, leftovers
from classroom.leftovers import report as leftovers_report
from classroom.outcomes import LEFT_IN_PROGRESS, summary
from classroom.run_context import MAX_STACKS_AT_ONCE
from classroom.watch import WATCH_CONFIG
from classroom.words import counted
from course.config import LabSettings
from course.region import resolve_region
from course.roster import InvalidRoster, load

# Makes the CloudFormation client that watches an account: (profile, region) -> client.
CloudFormationFor = Callable[[str | None, str], Any]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classroom.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=list(ACTIONS))
    add_class_arguments(parser, "LabS3Lifecycle")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help=f"stacks at once per account (1-{MAX_STACKS_AT_ONCE}; default: all of them)",
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
    session: Callable[[str | None, str], Any] | None = None,
    cloudformation: CloudFormationFor | None = None,
    **engine_options: Any,
) -> int:
    """Deploy or destroy the lab for the class; returns the exit code (`EXIT_*`).

    For tests: `session` makes the boto3 session of a (profile, region), `cloudformation` the
    client that watches an account, `engine_options` go to the `Engine` (a fake `cdk`, a
    shorter `poll_seconds`, ...).
    """
    args = _parser().parse_args(argv)
    known = class_stacks()
    try:
        roster = load(args.class_file, args.participants)
        accounts = Accounts.of(roster, session or boto3_session)
        action = ACTIONS[args.command]
        settings = validate(
            args.lab,
            roster.names,
            known,
            args.expires_in_hours,
            shared_network=args.shared_network,
        )
        if args.concurrency is not None and not 1 <= args.concurrency <= MAX_STACKS_AT_ONCE:
            raise InvalidClass(f"--concurrency must be 1 to {MAX_STACKS_AT_ONCE}")
    except (InvalidClass, InvalidRoster) as error:
        print(f"error: nothing was run:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    where = accounts.describe()
    at_once = f"{args.concurrency} at a time" if args.concurrency else "all at once"
    print(
        f"{action.name}: {args.lab} for {counted(len(settings), 'participant')} in "
        + (where if not accounts.per_participant else "their accounts")
        + f", {at_once} (logs: cdk.out.<participant>.{args.lab}.{action.name}.log)",
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

    def watching(profile: str | None, region: str) -> Any:
        return accounts.session(profile).client("cloudformation", config=WATCH_CONFIG)

    engine = Engine(
        action,
        args.lab,
        work_dir=Path(args.work_dir).resolve(),
        # The CDK CLI gets the region we print and read the states in, whatever it would pick.
        env={**os.environ, "AWS_REGION": region.name},
        concurrency=args.concurrency,
        bootstrap=args.bootstrap,
        **engine_options,
    )
    run = engine.run(settings, account_parts(accounts, settings, cloudformation or watching))
    print(summary(action.verb, args.lab, run.results))
    if run.interrupted:
        who = (
            f"CLASS={args.class_file}" if args.class_file else f'PARTICIPANTS="{args.participants}"'
        )
        class_status = f"make class-status LAB={args.lab} {who}"
        left = [r.stack_name for r in run.results if r.outcome == LEFT_IN_PROGRESS]
        if left:
            print(
                f"stopped: these stacks were left in progress: {' '.join(left)}; run {class_status}"
            )
        else:
            print(f"interrupted: see where each stack stands with {class_status}")
        return EXIT_INTERRUPTED
    if action.name == "down":
        for profile, names in roster.accounts.items():
            warn_leftovers(args.lab, names, accounts.session(profile))
    return EXIT_OK if all(r.ok for r in run.results) else EXIT_FAILED


def account_parts(
    accounts: Accounts, settings: Sequence[LabSettings], cloudformation: CloudFormationFor
) -> list[AccountPart]:
    """The class by account, in the roster's order: where, watched by which client, who."""
    by_name = {s.participant: s for s in settings}
    parts = []
    for profile, names in accounts.roster.accounts.items():
        region = accounts.regions[profile].name
        target = Target(profile, region) if profile else DEFAULT_TARGET
        members = tuple(by_name[name] for name in names)
        parts.append(AccountPart(target, cloudformation(profile, region), members))
    return parts


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
        {p: Account(accounts.session(p)).client for p in groups},
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


def warn_leftovers(
    lab_id: str, participants: Sequence[str], session: Any = None, out: TextIO | None = None
) -> None:
    """After `down`: list what the participants left that no stack owns (classroom/sweep.py)."""
    out = out or sys.stdout
    try:
        found = leftovers(Account(session), lab_id, participants)
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
    print("\n".join(leftovers_report(found, participants)), file=out)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # outside a class run (validation): nothing was started
        print("\ninterrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)

"""`python -m classroom.run up|down`: deploy or destroy one lab for many participants at once.

    python -m classroom.run up --lab LabS3Lifecycle --participants "ana ben cem"
    python -m classroom.run down --lab LabS3Lifecycle --participants "ana ben cem"

(`make class-up|class-down LAB=... PARTICIPANTS="..."` call these; `make class-status` is
classroom/status.py.)

Every name is validated first (classroom/class_input.py), then the class is synthesized once and
each participant's stack deployed or destroyed from that cloud assembly (classroom/deploys.py),
at most `--concurrency` at a time; success is the stack's state, not the CDK CLI's exit code.
Exit code: 0 all done, 1 some failed, 2 bad input, 130 interrupted. Ctrl-C: the first starts
nothing new and lets the running deploys finish, a second stops them at once
(classroom/runner.py); the summary names the stacks that may be left in progress.

Every command uses and prints the region the CDK CLI deploys into (course/region.py) and passes
it to the CDK CLI, so the runs, the state checks and `status` look at the same region.

The class: `--participants "ana ben"` or `--class class.csv`, a roster (course/roster.py). A
roster may give each participant an AWS profile, their own account: their CDK runs then get
`--profile <profile>` and that profile's region (`env AWS_REGION=...`), their state checks and
`down`'s leftovers read with a session of that profile; still one synth and one concurrency
bound for the whole class. `--bootstrap` (up) runs `cdk bootstrap` once per account before its
first deploy. Before `up` deploys anything, the quota preflight (classroom/preflight.py) checks
every account the class goes to; `--skip-preflight` skips it. `--shared-network` puts
LabRdsMysql into the account's course network (`-c shared_network=true`). After `down`, what
the participants left that no stack owns is listed (classroom/leftovers.py).
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
from classroom.accounts import Accounts, boto3_session
from classroom.cdk_commands import ACTIONS
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
from classroom.deploys import DEFAULT_CONCURRENCY, INTERRUPTED, MAX_CONCURRENCY, run_class, summary
from classroom.leftovers import Account, leftovers
from classroom.leftovers import report as leftovers_report
from classroom.runner import ROOT, CdkRunner, CommandRunner
from course.config import LabSettings
from course.region import resolve_region
from course.roster import InvalidRoster, load


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classroom.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=list(ACTIONS))
    add_class_arguments(parser, "LabS3Lifecycle")
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
) -> int:
    """Deploy or destroy the lab for the class; returns the exit code (`EXIT_*`).

    `runner`, `client` and `session` are for tests (a fake CDK, a fake or moto CloudFormation
    client for every account, a (profile, region) -> boto3 session maker).
    """
    args = _parser().parse_args(argv)
    known = class_stacks()
    try:
        roster = load(args.class_file, args.participants)
        participants = roster.names
        accounts = Accounts.of(roster, session or boto3_session)
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
        client=client or boto3_session(None, region.name).client("cloudformation"),
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

"""`python -m classroom.report`: who has finished which objective, what runs, what it costs.

    python -m classroom.report --lab LabDynamoDbUsers --participants "ana ben cem" \
        [--html class.html] [--json] [--watch 60] [--own table={participant}-Users]

(`make class-report LAB=... PARTICIPANTS="..." [HTML=file] [JSON=1] [WATCH=seconds]
[OWN="key=pattern ..."]` calls this.)

One row per participant, one column per objective of the lab (labcheck's checks: PASS, FAIL,
WARN, SKIP), then the participant's stack: its status, since when it runs, when it expires and
what it has cost so far (hours since the stack was created x the lab's hourly figure in
`course/costs.py`), and with `--leftovers` what a sweep finds (classroom/leftovers.py). What is
checked for whom, and how it only reads: classroom/gather.py. The forms: the terminal's table
(classroom/report_text.py), `--json` (classroom/report_json.py), `--html FILE`
(classroom/report_html.py).

Exit code: 0 every participant has met every objective, 1 not yet, 2 bad input (one line each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError

from classroom.class_input import InvalidClass, add_class_arguments, validate
from classroom.gather import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    Sweep,
    gather_class,
    parse_own,
    session_factory,
)
from classroom.leftovers import Account, leftovers
from classroom.report_html import page
from classroom.report_json import to_json
from classroom.report_text import text
from course.region import resolve_region
from course.roster import InvalidRoster, load
from labcheck.aws import HttpGet, http_get
from labcheck.cli import LABS

EXIT_DONE, EXIT_NOT_DONE, EXIT_INVALID = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classroom.report", description=__doc__.split("\n")[0]
    )
    add_class_arguments(parser, "LabDynamoDbUsers")
    parser.add_argument("--html", metavar="FILE", help="also write the report as one HTML page")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--watch", type=float, metavar="SECONDS", help="refresh every SECONDS until Ctrl-C"
    )
    parser.add_argument(
        "--own",
        action="append",
        default=[],
        metavar="NAME=PATTERN",
        help="check participants without a stack as hand-built, e.g. table={participant}-Users",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"participants checked at a time (1-{MAX_CONCURRENCY}, default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--leftovers",
        action="store_true",
        help="also list what each participant left that no stack owns (class-sweep's reads)",
    )
    parser.add_argument("--region", help="AWS region (default: the CDK's, see course/region.py)")
    parser.add_argument("--profile", help="AWS profile (default: your AWS configuration)")
    return parser


def sweep_of(lab: str) -> Sweep:
    """The leftovers column from classroom/leftovers.py (read-only: it never deletes).

    Off unless asked (`--leftovers`): it reads more than labcheck's policy grants (the account's
    tables, backups, DB instances and snapshots) and costs a few calls per participant.
    """

    def left(session: boto3.Session, participant: str) -> list[str]:
        found = leftovers(Account(session), lab, [participant])
        return [f"{f.kind} {f.name} ({f.cost_text})" for f in found]

    return left


def write_atomically(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a browser reloading it never sees half a page."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def main(
    argv: Sequence[str] | None = None,
    *,
    session: Callable[[], boto3.Session] | None = None,
    get: HttpGet = http_get,
    sweep: Sweep | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Print (and write) the class report; see the module's docstring for the exit codes.

    `session`, `get`, `sleep` and `now` (the clock: costs, "since", "expires") are for tests;
    `sweep` adds the leftovers column.
    """
    args = _parser().parse_args(argv)
    try:
        roster = load(args.class_file, args.participants)
        participants = roster.names
        validate(args.lab, participants, list(LABS))
        own = parse_own(LABS[args.lab], args.own)
        if not 1 <= args.concurrency <= MAX_CONCURRENCY:
            raise InvalidClass(f"--concurrency must be 1 to {MAX_CONCURRENCY}")
        if args.watch is not None and args.watch < 1:
            raise InvalidClass("--watch takes the seconds between refreshes, at least 1")
        html_file = Path(args.html) if args.html else None
        if html_file and not html_file.parent.is_dir():
            raise InvalidClass(f"--html {args.html}: no folder {html_file.parent}")
        # Each account's region: the one the CDK deploys into with its profile (course/region.py),
        # unless --region says otherwise. A roster's profile wins over --profile.
        factories = {
            profile: session
            or session_factory(
                profile or args.profile, args.region or resolve_region(profile or args.profile).name
            )
            for profile in roster.accounts
        }
    except (InvalidClass, InvalidRoster) as error:
        print(f"error: nothing was checked:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    except BotoCoreError as error:  # e.g. a profile that does not exist
        print(f"error: nothing was checked: {error}", file=sys.stderr)
        return EXIT_INVALID
    refresh = round(args.watch) if args.watch else None
    try:
        while True:
            report = gather_class(
                args.lab,
                roster,
                factories.__getitem__,
                own=own,
                concurrency=min(args.concurrency, len(participants)),
                get=get,
                sweep=sweep or (sweep_of(args.lab) if args.leftovers else None),
                now=now,
            )
            if refresh and sys.stdout.isatty():
                print("\033[H\033[2J", end="")  # clear the terminal: one view, refreshed
            print(to_json(report) if args.json else text(report), flush=True)
            if html_file:
                write_atomically(html_file, page(report, refresh))
                if not args.json:
                    print(f"written: {html_file}", flush=True)
            if refresh is None:
                return EXIT_DONE if report.all_done else EXIT_NOT_DONE
            if not args.json:
                print(f"refreshing every {refresh} s; Ctrl-C to stop", flush=True)
            sleep(args.watch)
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return EXIT_DONE if refresh else 130


if __name__ == "__main__":
    sys.exit(main())

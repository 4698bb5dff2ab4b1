"""`python -m classroom.status`: which lab stacks exist for whom (`make class-status`).

    python -m classroom.status --participants "ana ben cem" [--lab LabS3Lifecycle]

It only reads (CloudFormation DescribeStacks, in each account of the class and the region the
CDK CLI deploys into there): one line per stack with its status and the time it deletes itself
where `-c expires_in_hours` was set, one line per participant with nothing, then a summary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from classroom.accounts import Accounts, boto3_session
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
from classroom.stack_states import Deployed, deployed_labs
from classroom.words import counted
from course.roster import InvalidRoster, load


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
    lines.append(
        f"{counted(len(deployed), 'lab stack')} for {with_labs} of {len(participants)} participants"
    )
    return lines


def _hours_minutes(seconds: float) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h{minutes:02d}m"


def main(
    argv: Sequence[str] | None = None,
    *,
    client: Any = None,
    session: Callable[[str | None, str], Any] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """List the class's lab stacks; returns the exit code (`EXIT_*`).

    `client`, `session` and `now` are for tests (a fake or moto CloudFormation client for every
    account, a (profile, region) -> boto3 session maker, a clock).
    """
    parser = argparse.ArgumentParser(
        prog="python -m classroom.status", description=__doc__.split("\n")[0]
    )
    add_class_arguments(parser, "LabS3Lifecycle")
    args = parser.parse_args(argv)
    known = class_stacks()
    try:
        roster = load(args.class_file, args.participants)
        participants = roster.names
        accounts = Accounts.of(roster, session or boto3_session)
        validate(args.lab, participants, known, lab_required=False)
    except (InvalidClass, InvalidRoster) as error:
        print(f"error: nothing was run:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    labs = [args.lab] if args.lab else known
    print(accounts.describe())
    try:
        found: list[Deployed] = []
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


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # it only reads: nothing was started
        print("\ninterrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)

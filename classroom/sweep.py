"""`python -m classroom.sweep`: list what a class left that no stack owns; delete it on demand.

    python -m classroom.sweep --lab LabBackup --participants "ana ben" [--delete]

(`make class-sweep LAB=... PARTICIPANTS="..." [DELETE=1]`; `make class-down` runs the listing
after its destroys.) Read-only unless `--delete`: it then deletes what it listed and says what
it deleted, one line each. What counts as left behind, and whose: classroom/leftovers.py.

The region is the CDK's (course/region.py); with a roster of profiles (`CLASS=class.csv`,
course/roster.py) each participant is swept in their own account and region.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from classroom.leftovers import FINDERS, Account, delete, leftovers, report
from course import roster
from course.config import ContextError, LabSettings
from course.region import resolve_region


def validate(lab: str, participants: Sequence[str]) -> list[str]:
    problems = []
    if lab not in FINDERS:
        problems.append(f"unknown lab {lab!r}: use one of " + ", ".join(FINDERS))
    if not participants:
        problems.append(
            'no participants: set PARTICIPANTS="ana ben ..." (the sweep matches the '
            "participant's prefix; the trainer's own unprefixed resources are never swept)"
        )
    for name in participants:
        try:
            LabSettings.from_context({"participant": name}.get)
        except ContextError as error:
            problems.append(str(error))
    return problems


def main(
    argv: Sequence[str] | None = None,
    *,
    account: Account | None = None,
    session: Callable[[str | None, str], Any] | None = None,
) -> int:
    """List (and with --delete, delete) the leftovers; 0 when it could look, 2 on bad input.

    With a roster of profiles (`--class`), each participant's account is swept with their
    profile and its region. `account` (every participant) or `session` ((profile, region) ->
    boto3 session) are for tests.
    """
    parser = argparse.ArgumentParser(
        prog="python -m classroom.sweep", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--lab", default="")
    parser.add_argument("--participants", default="")
    roster.add_argument(parser)
    parser.add_argument("--delete", action="store_true", help="delete what is listed")
    args = parser.parse_args(argv)
    try:
        members = roster.load(args.class_file, args.participants)
    except roster.InvalidRoster as error:
        print(f"error: nothing was swept:\n{error}", file=sys.stderr)
        return 2
    participants = members.names
    problems = validate(args.lab, participants)
    if problems:
        print("error: nothing was swept:\n" + "\n".join(problems), file=sys.stderr)
        return 2
    try:
        found = []
        for profile, names in members.accounts.items():
            here = account
            if here is None:
                # The region the CDK deploys into with that profile, as every tool of ours.
                region = resolve_region(profile)
                who = f" (profile {profile})" if profile else ""
                print(f"{args.lab} leftovers in region {region}{who}", flush=True)
                here = Account((session or _session)(profile, region.name))
            found += leftovers(here, args.lab, names)
        print("\n".join(report(found, participants)))
        if found and args.delete:
            print("\n".join(delete(found)))
        elif found:
            print("delete them with DELETE=1 (make class-sweep) or --delete")
    except (ClientError, BotoCoreError) as error:
        print(f"error: cannot list what is left: {error}", file=sys.stderr)
        return 1
    return 0


def _session(profile: str | None, region: str) -> Any:
    import boto3

    return boto3.Session(profile_name=profile, region_name=region)


if __name__ == "__main__":
    sys.exit(main())

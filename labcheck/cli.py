"""`python -m labcheck <LabId>`: does what runs in the account do what the lab asks?

Exit code 0: every objective met; 1: some not met; 2: the check could not run (credentials,
region, stack, permissions, usage), with one line saying why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import import_module

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from course import sheets
from course.config import ContextError, LabSettings
from course.region import Region, resolve_region
from labcheck.aws import (
    Aws,
    CheckError,
    HttpGet,
    StackNotFound,
    deploy_command,
    explain,
    http_get,
    stack_outputs,
)
from labcheck.core import Lab, Report, run

# Each registered lab's objectives (course/sheets.py names the module), in course order.
LABS: dict[str, Lab] = {lab.lab_id: import_module(lab.checker).LAB for lab in sheets.LABS}
OPTIONS = {name.key: name for lab in LABS.values() for name in lab.names if name.option}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m labcheck",
        description="Check a build of a lab (the course's stack, or your own) against the lab's"
        " objectives. Read-only: see labs/labcheck-policy.json.",
    )
    # Checked in `check`, not by argparse, so that a missing or unknown lab gets one line that
    # names the labs and the command (`make check LAB=...`) instead of argparse's usage text.
    parser.add_argument("lab", nargs="?", metavar="LAB", help=f"the lab's id: {', '.join(LABS)}")
    parser.add_argument(
        "--participant",
        help="whose lab: the stack <participant>-<LabId>, or without one the build by hand"
        " with the guide's names (<participant>-Users, ...)",
    )
    parser.add_argument(
        "--region",
        help="AWS region (default: the CDK's: AWS_REGION, AWS_DEFAULT_REGION, the profile's)",
    )
    parser.add_argument("--profile", help="AWS profile (default: your AWS configuration)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    own = parser.add_argument_group(
        "a build of your own", "name its resources instead of reading the lab's stack"
    )
    for name in OPTIONS.values():
        own.add_argument(name.flag, dest=name.key, metavar="NAME")
    return parser


def resource_names(
    lab: Lab, args: argparse.Namespace, aws: Aws, participant: str | None
) -> tuple[dict[str, str | None], str]:
    """The lab's resource names (from the options, its stack, or the guide) and a note on which."""
    given = {key: getattr(args, key) for key in OPTIONS if getattr(args, key)}
    accepted = {name.key for name in lab.names if name.option}
    if set(given) - accepted:
        flags = " ".join(OPTIONS[key].flag for key in sorted(accepted))
        wrong = " ".join(OPTIONS[key].flag for key in sorted(set(given) - accepted))
        raise CheckError(f"{lab.lab_id} takes {flags}, not {wrong}")
    required = [name for name in lab.names if name.option and name.required]
    if given:
        missing = [name.flag for name in required if name.key not in given]
        if missing:
            raise CheckError(f"to check a build of your own, also pass {' and '.join(missing)}")
        return {name.key: given.get(name.key) for name in lab.names}, ""
    own_build = " ".join(f"{name.flag} NAME" for name in required)
    try:
        outputs = stack_outputs(aws, lab.lab_id, participant, own_build)
    except StackNotFound:
        if participant is None:
            raise
        stack = LabSettings(participant=participant).stack_name(lab.lab_id)
        note = (
            f"no stack {stack}: checking {participant}'s build by hand, named as the guide"
            " names it; pass --region if it runs elsewhere"
        )
        return names_by_hand(lab, aws, participant), note
    names = {name.key: outputs.get(name.output) if name.output else None for name in lab.names}
    lost = [
        name.output for name in lab.names if name.output and name.required and not names[name.key]
    ]
    deploy = deploy_command(lab.lab_id, participant)
    if lost and not outputs:
        # No outputs at all: not a stack of older code (that would have some) but one whose
        # outputs were never written, e.g. by a local emulator (moto gives none).
        raise CheckError(
            f"the stack of {lab.lab_id} has no outputs at all, so labcheck cannot find its"
            f" resources: name them instead ({own_build}); on AWS, `{deploy}` writes the outputs"
        )
    if lost:
        raise CheckError(
            f"the stack of {lab.lab_id} has no output {', '.join(lost)}: it was deployed from"
            f" older code; redeploy it with `{deploy}`"
        )
    return names, ""


def names_by_hand(lab: Lab, aws: Aws, participant: str) -> dict[str, str | None]:
    """The names the guide gives `participant`'s build by hand (no stack of the lab)."""
    templates = {name.key: name.by_hand for name in lab.names}
    values = {"participant": participant}
    if any("{account}" in template for template in templates.values() if template):
        values["account"] = aws.account
    return {key: t.format(**values) if t else None for key, t in templates.items()}


def _known_regions(session: boto3.Session) -> set[str]:
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cloudformation", partition_name=partition)
    }


def check(args: argparse.Namespace, get: HttpGet) -> Report:
    """Run the lab's checks as `args` ask; raises what `explain` turns into one line."""
    if args.lab not in LABS:
        which = f"unknown lab {args.lab!r}:" if args.lab else "which lab?"
        raise CheckError(f"{which} run `make check LAB=<one of {', '.join(LABS)}>`")
    try:
        participant = LabSettings.from_context({"participant": args.participant}.get).participant
    except ContextError as error:
        raise CheckError(str(error).replace("invalid context ", "invalid ", 1)) from None
    # The region the CDK CLI deploys into (course/region.py), not boto3's own choice.
    region = Region(args.region, "--region") if args.region else resolve_region(args.profile)
    session = boto3.Session(profile_name=args.profile, region_name=region.name)
    if session.region_name not in _known_regions(session):
        raise CheckError(f"unknown region {session.region_name!r}: use a code like eu-west-1")
    aws = Aws(session, get)
    lab = LABS[args.lab]
    names, note = resource_names(lab, args, aws, participant)
    results = run(lab.objectives, lab.connect(aws, names, participant))
    return Report(lab.lab_id, aws.region, names, results, note, region_source=region.source)


def main(argv: Sequence[str] | None = None, *, get: HttpGet = http_get) -> int:
    args = parser().parse_args(argv)
    try:
        report = check(args, get)
    except (CheckError, BotoCoreError, ClientError) as error:
        message = explain(error)
        print(f"labcheck: {message}", file=sys.stderr)
        if args.json:
            print(json.dumps({"lab": args.lab, "error": message}))
        return 2
    print(report.json() if args.json else report.text())
    return 0 if report.passed else 1

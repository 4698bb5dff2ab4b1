"""What a class command is given, checked as a whole before anything runs.

The lab, the participants (`--participants "ana ben"` or `--class class.csv`, a roster:
course/roster.py) and the options each participant's settings carry; every problem is one line
of `InvalidClass`, and nothing was run. Also the exit codes the class commands share.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence

from course.config import LAB_IDS, ContextError, LabSettings
from course.names import ACCESS_ID
from course.roster import add_argument

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


class InvalidClass(ValueError):
    """Bad input for a class-wide command: one line per problem, nothing was run."""


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


def add_class_arguments(parser: argparse.ArgumentParser, lab_example: str) -> None:
    """`--lab`, `--participants` and `--class`, as every class command takes them."""
    parser.add_argument("--lab", default="", help=f"the lab's id, e.g. {lab_example}")
    parser.add_argument("--participants", default="", help='names, e.g. "ana ben cem"')
    add_argument(parser)

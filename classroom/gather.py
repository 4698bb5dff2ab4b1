"""Gathering the class report: labcheck's checks of each participant's build, and their stack.

What is checked for a participant (documented in labs/README.md):
- the stack `<participant>-<LabId>` when it exists: its outputs name the resources, exactly as
  `make check LAB=... PARTICIPANT=...` does;
- no stack and `own` patterns given (`--own table={participant}-Users`): the build the
  participant made by hand, its resources named by the patterns, as `labcheck --table ...`;
- no stack and no pattern: a row "not deployed". A stack that is not ready (still creating,
  rolled back, failed) is a row with its status; nothing is checked.

It only reads: one paginated CloudFormation DescribeStacks for the whole class (its pages also
answer labcheck's own DescribeStacks: `ListedStacks`), then labcheck's read-only calls per
participant (`labs/labcheck-policy.json`), `concurrency` participants at a time, each in its own
boto3 session (sessions are not thread-safe). A participant that cannot be checked (access
denied, throttled beyond the retries, a bug in a check) is a row that says why; the others
still run. The leftovers column comes from a sweep when one is passed (`Sweep`).
"""

from __future__ import annotations

import argparse
import string
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from classroom.class_input import InvalidClass
from classroom.report_model import ClassReport, Row, StackInfo, State, columns
from classroom.stack_states import ListedStacks, deployed_labs
from course import costs
from course.config import LabSettings
from course.roster import Roster
from labcheck.aws import USABLE_STACK_STATES, Aws, HttpGet, explain, http_get
from labcheck.cli import LABS, OPTIONS, resource_names
from labcheck.core import Lab, Status, run

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 16  # the account's API rate limits, not the laptop
# Throttling is retried with back-off (botocore's adaptive mode also slows the whole client
# down); what still fails after that becomes the participant's row.
RETRIES = Config(retries={"mode": "adaptive", "total_max_attempts": 8})
PARTICIPANT_FIELD = "participant"

# Leftovers of a participant (e.g. resources a destroy left behind): a sweep gets the
# participant's read-only session and name, and returns one line per leftover. Passed to
# `gather(sweep=...)`; without one the report has no leftovers column.
Sweep = Callable[[boto3.Session, str], Sequence[str]]


def not_ready_reason(status: str) -> str:
    """Why a stack that exists cannot be checked, and what the trainer does about it."""
    if status.endswith("_IN_PROGRESS"):
        return "in progress: check again soon"
    if status.startswith("DELETE"):
        return "destroy failed: see its events"
    if "ROLLBACK" in status or status.endswith("FAILED"):
        return "deploy failed: see its events"
    return f"stack {status}"


def own_names(patterns: Mapping[str, str], participant: str) -> dict[str, str]:
    """A hand-built lab's resource names for one participant (option key -> name)."""
    return {key: pattern.format(participant=participant) for key, pattern in patterns.items()}


def parse_own(lab: Lab, specs: Sequence[str]) -> dict[str, str]:
    """`--own bucket={participant}-lifecycle` -> {"bucket": "{participant}-lifecycle"}."""
    accepted = {name.option: name.key for name in lab.names if name.option}
    patterns: dict[str, str] = {}
    for spec in specs:
        option, _, pattern = spec.partition("=")
        if option not in accepted or not pattern:
            raise InvalidClass(
                f"--own {spec!r}: use NAME=PATTERN with NAME one of {', '.join(sorted(accepted))}"
            )
        fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
        if fields != {PARTICIPANT_FIELD}:
            raise InvalidClass(
                f"--own {spec!r}: the pattern must contain {{participant}} and no other field,"
                " e.g. {participant}-Users"
            )
        patterns[accepted[option]] = pattern
    missing = [n.option for n in lab.names if n.option and n.required and n.key not in patterns]
    if patterns and missing:
        raise InvalidClass(f"--own: {lab.lab_id} also needs {' and '.join(missing)}=PATTERN")
    return patterns


def session_factory(profile: str | None, region: str | None) -> Callable[[], boto3.Session]:
    """New sessions (one per participant: sessions are not thread-safe) that share one botocore
    data loader, so the service models are parsed once, not once per participant: 30
    participants on moto take 1.1 s instead of 6.5 s."""
    loader = botocore.loaders.create_loader()
    lock = threading.Lock()

    def session() -> boto3.Session:
        with lock:
            core = botocore.session.Session(profile=profile)
            core.register_component("data_loader", loader)
            core.set_default_client_config(RETRIES)
            made = boto3.Session(botocore_session=core, region_name=region)
            loader.search_paths[:] = dict.fromkeys(loader.search_paths)  # boto3 adds its own
        return made

    return session


def _stack_info(lab_id: str, stack: Mapping[str, Any], expires_at: datetime | None) -> StackInfo:
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])}
    return StackInfo(
        stack["StackName"],
        stack["StackStatus"],
        stack.get("CreationTime"),
        stack.get("LastUpdatedTime"),
        expires_at,
        costs.hourly(lab_id, outputs),
    )


def _one_line(error: Exception) -> str:
    return explain(error) or f"unexpected {type(error).__name__}: {error}"


def gather(
    lab_id: str,
    participants: Sequence[str],
    *,
    session: Callable[[], boto3.Session] | None = None,
    own: Mapping[str, str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    get: HttpGet = http_get,
    sweep: Sweep | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ClassReport:
    """Check every participant's build of `lab_id`, `concurrency` at a time; rows in input order.

    `session` makes one boto3 session (called once per participant, and once for the class);
    `own` holds the hand-built name patterns (see `parse_own`).
    """
    lab = LABS[lab_id]
    own = own or {}
    session = session or session_factory(None, None)
    started, taken_at = time.monotonic(), now()
    class_session = session()
    try:
        paginator = class_session.client("cloudformation").get_paginator("describe_stacks")
        listed: ListedStacks | Exception = ListedStacks(list(paginator.paginate()))
        found = deployed_labs(listed, participants, [lab_id])
        expiry = {d.participant: d.expires_at for d in found}
    except (BotoCoreError, ClientError) as error:  # every row says why, the report still prints
        listed, expiry = error, {}

    def one(participant: str) -> Row:
        if isinstance(listed, Exception):
            return Row(participant, State.ERROR, reason=_one_line(listed))
        stack_name = LabSettings(participant=participant).stack_name(lab_id)
        raw = listed.by_name.get(stack_name)
        stack = _stack_info(lab_id, raw, expiry.get(participant)) if raw else None
        leftovers = None
        participant_session = session()
        if sweep is not None:
            try:
                leftovers = tuple(sweep(participant_session, participant))
            except Exception as error:  # a sweep that fails is one cell, not the report
                leftovers = (f"cannot sweep: {_one_line(error)}",)
        if stack is None and not own:
            reason = f"no stack {stack_name}"
            return Row(participant, State.NOT_DEPLOYED, reason=reason, leftovers=leftovers)
        if stack is not None and stack.status not in USABLE_STACK_STATES:
            reason = not_ready_reason(stack.status)
            return Row(
                participant, State.NOT_READY, reason=reason, stack=stack, leftovers=leftovers
            )
        given = own_names(own, participant) if stack is None else {}
        source = "own build" if stack is None else "stack"
        try:
            aws = Aws(participant_session, get)
            aws.clients["cloudformation"] = listed
            options = argparse.Namespace(**{key: given.get(key) for key in OPTIONS})
            names, _note = resource_names(lab, options, aws, participant)
            results = run(lab.objectives, lab.connect(aws, names, participant))
        except Exception as error:  # one participant's failure is their row, never the report's
            return Row(
                participant,
                State.ERROR,
                source,
                _one_line(error),
                given,
                stack=stack,
                leftovers=leftovers,
            )
        judged = tuple(r for r in results if r.status is not Status.INFO)
        return Row(participant, State.CHECKED, source, "", names, judged, stack, leftovers)

    def guarded(participant: str) -> Row:
        try:
            return one(participant)
        except Exception as error:  # e.g. no session: one row says why, the others still run
            return Row(participant, State.ERROR, reason=_one_line(error))

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="report")
    try:
        rows = tuple(pool.map(guarded, participants))
    finally:  # on Ctrl-C, start no further participant (the running ones end on their own)
        pool.shutdown(wait=False, cancel_futures=True)
    return ClassReport(
        lab_id,
        class_session.region_name or "",
        taken_at,
        time.monotonic() - started,
        columns(lab),
        rows,
        sweep is not None,
    )


def gather_class(
    lab_id: str,
    roster: Roster,
    sessions: Callable[[str | None], Callable[[], boto3.Session]],
    **options: Any,
) -> ClassReport:
    """`gather` for each account of the roster (`sessions(profile)` makes that account's
    sessions; None: the default credentials), merged into one report in the roster's order."""
    reports = [
        gather(lab_id, names, session=sessions(profile), **options)
        for profile, names in roster.accounts.items()
    ]
    if len(reports) == 1:
        return reports[0]
    order = {name: i for i, name in enumerate(roster.names)}
    first = reports[0]
    return ClassReport(
        lab_id,
        ", ".join(dict.fromkeys(r.region for r in reports)),
        first.taken_at,
        sum(r.seconds for r in reports),
        first.columns,
        tuple(sorted((row for r in reports for row in r.rows), key=lambda r: order[r.participant])),
        first.swept,
    )

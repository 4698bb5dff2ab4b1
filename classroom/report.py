"""The trainer's class view: who has finished which objective, what runs, what it costs.

    python -m classroom.report --lab LabDynamoDbUsers --participants "ana ben cem" \
        [--html class.html] [--json] [--watch 60] [--own table={participant}-Users]

(`make class-report LAB=... PARTICIPANTS="..." [HTML=file] [JSON=1] [WATCH=seconds]
[OWN="key=pattern ..."]` calls this.)

One row per participant, one column per objective of the lab (labcheck's checks: PASS, FAIL,
WARN, SKIP), then the participant's stack: its status, since when it runs, when it expires and
what it has cost so far (hours since the stack was created x the lab's hourly figure in
`course/costs.py`), and the leftovers a sweep finds when one is passed (`sweep=`, see `Sweep`).

What is checked for a participant (decided here, documented in labs/README.md):
- the stack `<participant>-<LabId>` when it exists: its outputs name the resources, exactly as
  `make check LAB=... PARTICIPANT=...` does;
- no stack and `--own key=pattern` given (e.g. `--own table={participant}-Users`): the build the
  participant made by hand, its resources named by the patterns, as `labcheck --table ...`;
- no stack and no pattern: a row "not deployed". A stack that is not ready (still creating,
  rolled back, failed) is a row with its status; nothing is checked.

It only reads: one paginated CloudFormation DescribeStacks for the whole class (its pages also
answer labcheck's own DescribeStacks), then labcheck's read-only calls per participant
(`labs/labcheck-policy.json`), `--concurrency` participants at a time, each in its own boto3
session (sessions are not thread-safe). A participant that cannot be checked (access denied,
throttled beyond the retries, a bug in a check) is a row that says why; the others still run.

Exit code: 0 every participant has met every objective, 1 not yet, 2 bad input (one line each).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import string
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from classroom.run import InvalidClass, deployed_labs, validate
from course import costs
from course.config import LabSettings
from course.region import resolve_region
from course.roster import InvalidRoster, Roster, add_argument, load
from labcheck.aws import USABLE_STACK_STATES, Aws, HttpGet, explain, http_get
from labcheck.cli import LABS, OPTIONS, resource_names
from labcheck.core import Kind, Lab, Result, Status, run

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 16  # the account's API rate limits, not the laptop
# Throttling is retried with back-off (botocore's adaptive mode also slows the whole client
# down); what still fails after that becomes the participant's row.
RETRIES = Config(retries={"mode": "adaptive", "total_max_attempts": 8})
EXIT_DONE, EXIT_NOT_DONE, EXIT_INVALID = 0, 1, 2
PARTICIPANT_FIELD = "participant"
# A stack in this state holds nothing any more: it costs nothing.
NOTHING_RUNS = {"ROLLBACK_COMPLETE"}

# Leftovers of a participant (e.g. resources a destroy left behind): a sweep gets the
# participant's read-only session and name, and returns one line per leftover. Passed to
# `gather(sweep=...)`; without one the report has no leftovers column.
Sweep = Callable[[boto3.Session, str], Sequence[str]]

# Short column headers (one screen wide for any lab) and how the summary names each objective,
# by the objective's check function: stable when a description's wording changes. An objective
# without one gets "#n" (tests/test_report.py checks every lab is covered).
SHORT_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "LabS3Lifecycle": {
        "Bucket.missing": ("bucket", "the bucket"),
        "moves_to_glacier": ("Glacier", "the Glacier transition"),
        "expires_objects": ("expiry", "the expiry"),
        "enabled_for_whole_bucket": ("scope", "the rule's scope"),
        "small_objects_transition": ("small", "small objects"),
        "has_test_file": ("test.txt", "test.txt"),
        "public_access_blocked": ("BPA", "Block Public Access"),
    },
    "LabS3Website": {
        "Bucket.missing": ("bucket", "the bucket"),
        "public_read_only": ("policy", "the bucket policy"),
        "pages_uploaded": ("pages", "the pages"),
        "website_hosting": ("hosting", "website hosting"),
        "index_served": ("index", "serving the index"),
        "missing_page_gets_error_document": ("404", "the error page"),
    },
    "LabRdsMysql": {
        "instance_exists": ("DB", "the DB instance"),
        "is_mysql": ("MySQL", "the engine"),
        "is_multi_az": ("multi-AZ", "Multi-AZ"),
        "is_encrypted": ("encrypt", "encryption"),
        "has_iam_auth": ("IAM auth", "IAM authentication"),
        "class_allowed": ("class", "the instance class"),
        "storage_autoscaling": ("storage", "storage"),
        "is_available": ("ready", "availability"),
    },
    "LabDynamoDbUsers": {
        "table_exists": ("table", "the table"),
        "key_schema": ("key", "the key"),
        "on_demand": ("on-demand", "on-demand capacity"),
        "john_doe_item": ("item", "the item"),
        "index_on_name": ("GSI", "the GSI"),
        "query_finds_john_doe": ("query", "the query"),
    },
    "LabBackup": {
        "vault_exists": ("vault", "the vault"),
        "vault_key_customer_managed": ("CMK", "the vault's key"),
        "plan_exists": ("plan", "the plan"),
        "runs_daily": ("daily", "the schedule"),
        "kept_seven_days": ("7 days", "retention"),
        "default_window": ("window", "the backup window"),
        "into_vault": ("target", "the rule's vault"),
        "covers_users_table": ("assign", "the assignment"),
    },
}


class State(StrEnum):
    CHECKED = "checked"
    NOT_DEPLOYED = "not deployed"
    NOT_READY = "stack not ready"
    ERROR = "cannot check"


@dataclass(frozen=True)
class Column:
    """One judged objective of the lab: a short header, how the summary names it, the rest."""

    header: str
    phrase: str
    description: str
    hint: str
    advice: bool


@dataclass(frozen=True)
class StackInfo:
    """The participant's stack, as DescribeStacks shows it."""

    name: str
    status: str
    created: datetime | None
    updated: datetime | None
    expires_at: datetime | None
    hourly: costs.HourlyCost | None

    def hours_up(self, now: datetime) -> float | None:
        if self.created is None:
            return None
        return max((now - self.created).total_seconds(), 0) / 3600

    def cost(self, now: datetime) -> float | None:
        """Dollars so far: hours since creation x the lab's hourly figure (0 when rolled back)."""
        hours = self.hours_up(now)
        if hours is None or self.hourly is None:
            return None
        return 0.0 if self.status in NOTHING_RUNS else self.hourly.for_hours(hours)


@dataclass(frozen=True)
class Row:
    """One participant: their results by column (in order), or the reason there are none."""

    participant: str
    state: State
    source: str = ""  # "stack" or "own build" when checked
    reason: str = ""
    resources: Mapping[str, str | None] = field(default_factory=dict)
    results: tuple[Result, ...] = ()
    stack: StackInfo | None = None
    leftovers: tuple[str, ...] | None = None

    @property
    def done(self) -> bool:
        return self.state is State.CHECKED and all(
            r.status in (Status.PASS, Status.WARN) for r in self.results
        )

    def stuck_at(self) -> int | None:
        """The index of the first objective not met, for a checked row not done."""
        if self.state is not State.CHECKED:
            return None
        return next(
            (i for i, r in enumerate(self.results) if r.status in (Status.FAIL, Status.SKIP)),
            None,
        )


def columns(lab: Lab) -> tuple[Column, ...]:
    """The lab's judged objectives (info objectives are never judged: no column)."""
    names = SHORT_NAMES.get(lab.lab_id, {})
    judged = [o for o in lab.objectives if o.kind is not Kind.INFO]
    found = []
    for number, objective in enumerate(judged, start=1):
        header, phrase = names.get(
            objective.check.__qualname__, (f"#{number}", f"objective {number}")
        )
        found.append(
            Column(
                header, phrase, objective.description, objective.hint, objective.kind is Kind.ADVICE
            )
        )
    return tuple(found)


# --- gathering -------------------------------------------------------------------------------


class ListedStacks:
    """The DescribeStacks pages read once for the class, answering as a CloudFormation client:
    `get_paginator("describe_stacks").paginate()` for `classroom.deployed_labs`, and
    `describe_stacks(StackName=...)` for labcheck. Read-only, so threads can share it."""

    def __init__(self, pages: Sequence[Mapping[str, Any]]) -> None:
        self.pages = list(pages)
        self.by_name = {
            stack["StackName"]: stack
            for page in self.pages
            for stack in page["Stacks"]
            if stack["StackStatus"] != "DELETE_COMPLETE"
        }

    def get_paginator(self, _operation: str) -> ListedStacks:
        return self

    def paginate(self, **_kwargs: Any) -> list[Mapping[str, Any]]:
        return self.pages

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        if StackName not in self.by_name:
            error = {
                "Code": "ValidationError",
                "Message": f"Stack with id {StackName} does not exist",
            }
            raise ClientError({"Error": error}, "DescribeStacks")
        return {"Stacks": [self.by_name[StackName]]}


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


def _session_factory(profile: str | None, region: str | None) -> Callable[[], boto3.Session]:
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


@dataclass(frozen=True)
class ClassReport:
    lab_id: str
    region: str
    taken_at: datetime
    seconds: float
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    swept: bool  # a sweep ran: the leftovers column is meaningful

    # --- the numbers ---
    def cost(self) -> float:
        return sum(
            (c for r in self.rows if r.stack and (c := r.stack.cost(self.taken_at)) is not None),
            0.0,
        )

    def summary(self) -> str:
        """E.g. "9 of 12 done, 2 stuck on the GSI, 1 not deployed; est. cost so far $0.42"."""
        rows = self.rows
        parts = [f"{sum(r.done for r in rows)} of {len(rows)} done"]
        stuck = Counter(i for r in rows if (i := r.stuck_at()) is not None)
        for index, count in sorted(stuck.items(), key=lambda item: (-item[1], item[0])):
            parts.append(f"{count} stuck on {self.columns[index].phrase}")
        states = Counter(r.state for r in rows)
        if states[State.NOT_DEPLOYED]:
            parts.append(f"{states[State.NOT_DEPLOYED]} not deployed")
        statuses = Counter(r.stack.status for r in rows if r.state is State.NOT_READY and r.stack)
        for status, count in sorted(statuses.items()):
            parts.append(f"{count} stack{'s' * (count != 1)} {status}")
        if states[State.ERROR]:
            parts.append(f"{states[State.ERROR]} could not be checked")
        if self.swept:
            with_leftovers = sum(bool(r.leftovers) for r in rows)
            parts.append(f"{with_leftovers} with leftovers")
        at_most = any(r.stack.hourly.at_most for r in rows if r.stack and r.stack.hourly)
        return ", ".join(parts) + f"; est. cost so far {costs.dollars(self.cost(), at_most)}"

    @property
    def all_done(self) -> bool:
        return all(r.done for r in self.rows)

    def stamp(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M:%S} UTC ({self.seconds:.1f} s)"

    # --- the three views ---
    def text(self) -> str:
        return text(self)

    def html(self, refresh_seconds: int | None = None) -> str:
        return page(self, refresh_seconds)

    def json(self) -> str:
        return json.dumps(document(self), indent=2)


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
    session = session or _session_factory(None, None)
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


# --- the views: text, JSON, HTML ------------------------------------------------------------

STATUS_MARKS = {"PASS": "✓", "FAIL": "✗", "WARN": "!", "SKIP": "-"}
NONE = "-"


def _clock(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return NONE
    moment = moment.astimezone(UTC)
    return f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%m-%d %H:%M}"


def _duration(hours: float) -> str:
    whole, minutes = divmod(round(hours * 60), 60)
    return f"{whole}h{minutes:02d}m"


def stack_cells(row: Row, now: datetime) -> dict[str, str]:
    """The stack's columns for one row, as text (same in every view)."""
    stack = row.stack
    if stack is None:
        source = "own build" if row.source == "own build" else NONE
        return {"stack": source, "since": NONE, "expires": NONE, "cost": NONE}
    hours = stack.hours_up(now)
    since = _clock(stack.created, now) + (f" ({_duration(hours)})" if hours is not None else "")
    if stack.expires_at is None:
        expires = NONE
    elif stack.expires_at > now:
        left = (stack.expires_at - now).total_seconds() / 3600
        expires = f"{_clock(stack.expires_at, now)} (in {_duration(left)})"
    else:
        expires = f"EXPIRED {_clock(stack.expires_at, now)}"
    cost = stack.cost(now)
    at_most = bool(stack.hourly and stack.hourly.at_most)
    return {
        "stack": stack.status,
        "since": since,
        "expires": expires,
        "cost": NONE if cost is None else costs.dollars(cost, at_most),
    }


def _leftover_cell(row: Row) -> str:
    return NONE if not row.leftovers else str(len(row.leftovers))


def failures(report: ClassReport) -> list[tuple[int, list[tuple[str, Result]]]]:
    """Per column (in order): the participants whose result is FAIL or WARN there."""
    grouped: list[tuple[int, list[tuple[str, Result]]]] = []
    for index in range(len(report.columns)):
        found = [
            (row.participant, row.results[index])
            for row in report.rows
            if row.state is State.CHECKED
            and row.results[index].status in (Status.FAIL, Status.WARN)
        ]
        if found:
            grouped.append((index, found))
    return grouped


def text(report: ClassReport) -> str:
    """The terminal view: the matrix, what fails with its hint, the legend, the summary."""
    now = report.taken_at
    extra = ["stack", "since", "expires", "cost"] + (["leftovers"] if report.swept else [])
    who = max([len("participant"), *(len(r.participant) for r in report.rows)])
    widths = [max(len(c.header), 4) for c in report.columns]
    area = sum(widths) + 2 * (len(widths) - 1)
    short = [len(f"{r.state}: {r.reason}") for r in report.rows if r.state is not State.ERROR]
    widths[-1] += max([area, *short]) - area  # room for "not deployed: no stack ..."
    area = max([area, *short])
    table = []
    for row in report.rows:
        cells = stack_cells(row, now) | {"leftovers": _leftover_cell(row)}
        if row.state is State.CHECKED:
            judged = "  ".join(f"{r.status:<{w}}" for r, w in zip(row.results, widths, strict=True))
        else:
            judged = f"{row.state}: {row.reason}"
        table.append([row.participant, judged, *(cells[name] for name in extra)])
    head = "  ".join(f"{c.header:<{w}}" for c, w in zip(report.columns, widths, strict=True))
    rows = [["participant", head, *extra], *table]
    extra_widths = [max(len(r[2 + i]) for r in rows) for i in range(len(extra))]
    lines = [f"{report.lab_id} in {report.region}, taken {report.stamp()}"]
    for cells in rows:
        judged = cells[1]
        if len(judged) > area:  # a long reason: on a line of its own, under the row
            cells = [cells[0], "", *cells[2:]]
        line = f"{cells[0]:<{who}}  {cells[1]:<{area}}  " + "  ".join(
            f"{c:<{w}}" for c, w in zip(cells[2:], extra_widths, strict=True)
        )
        lines.append(line.rstrip())
        if len(judged) > area:
            lines.append(f"{'':<{who}}  {judged}")
    for index, found in failures(report):
        column = report.columns[index]
        lines += ["", f"{column.header}: {column.description}", f"  hint: {column.hint}"]
        lines += [f"  {STATUS_MARKS[r.status]} {who_}: {r.detail}" for who_, r in found]
    leftovers = [(r.participant, item) for r in report.rows for item in r.leftovers or ()]
    if leftovers:
        lines += ["", "leftovers:", *(f"  {who_}: {item}" for who_, item in leftovers)]
    legend = "; ".join(f"{c.header} = {c.description}" for c in report.columns)
    lines += ["", f"legend: {legend}", report.summary()]
    return "\n".join(lines)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def document(report: ClassReport) -> dict[str, Any]:
    """The report for scripts and course platforms (`--json`)."""
    now = report.taken_at
    participants = []
    for row in report.rows:
        stuck = row.stuck_at()
        stack = row.stack
        participants.append(
            {
                "participant": row.participant,
                "state": str(row.state),
                "source": row.source or None,
                "reason": row.reason or None,
                "done": row.done,
                "stuck_on": report.columns[stuck].header if stuck is not None else None,
                "resources": dict(row.resources),
                "objectives": [
                    {
                        "objective": c.header,
                        "status": str(r.status),
                        "detail": r.detail,
                        "hint": r.hint,
                    }
                    for c, r in zip(report.columns, row.results, strict=False)
                ],
                "stack": None
                if stack is None
                else {
                    "name": stack.name,
                    "status": stack.status,
                    "created": _iso(stack.created),
                    "updated": _iso(stack.updated),
                    "expires_at": _iso(stack.expires_at),
                    "hours_up": None if (h := stack.hours_up(now)) is None else round(h, 2),
                    "hourly_usd": stack.hourly.usd if stack.hourly else None,
                    "cost_usd": None if (c := stack.cost(now)) is None else round(c, 4),
                },
                "leftovers": list(row.leftovers) if row.leftovers is not None else None,
            }
        )
    return {
        "lab": report.lab_id,
        "region": report.region,
        "taken_at": _iso(report.taken_at),
        "seconds": round(report.seconds, 2),
        "summary": report.summary(),
        "done": sum(r.done for r in report.rows),
        "total": len(report.rows),
        "cost_usd": round(report.cost(), 4),
        "objectives": [
            {
                "objective": c.header,
                "description": c.description,
                "hint": c.hint,
                "advice": c.advice,
            }
            for c in report.columns
        ],
        "participants": participants,
    }


# Inline only: the page opens offline, from a file, printed in black and white (every cell
# also says its status in words; the colour only helps).
STYLE = """
:root{--pass:#dcf2e3;--pass-ink:#14532d;--fail:#fbdada;--fail-ink:#8a1c1c;--warn:#fdf0c4;
--warn-ink:#6b4a00;--skip:#eceef1;--skip-ink:#4a5160;--line:#c9ced6;--ink:#1d2330}
*{box-sizing:border-box}
body{margin:24px 28px;color:var(--ink);background:#fff;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:20px;margin:0 0 2px}
.taken{color:#5a6372;margin:0 0 12px}
.summary{font-size:17px;font-weight:600;margin:0 0 16px;padding:8px 12px;
border-left:5px solid #3b5bdb;background:#f1f4fd}
table{border-collapse:collapse;margin-bottom:18px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 6px;white-space:nowrap}
thead th{background:#f4f5f7;font-weight:600;position:sticky;top:0}
th.who,td.who{text-align:left;font-weight:600}
td.s{text-align:center;font-weight:600;min-width:54px}
td.s a{color:inherit;text-decoration:none}
td.PASS{background:var(--pass);color:var(--pass-ink)}
td.FAIL{background:var(--fail);color:var(--fail-ink);font-weight:700}
td.WARN{background:var(--warn);color:var(--warn-ink)}
td.SKIP{background:var(--skip);color:var(--skip-ink);font-style:italic;font-weight:400}
td.why{white-space:normal;text-align:left;color:#39404d;
background:repeating-linear-gradient(135deg,#f6f7f9 0 8px,#eef0f3 8px 16px)}
td.why b{font-weight:600}
td.meta{color:#39404d;font-variant-numeric:tabular-nums}
td.bad{color:var(--fail-ink);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.who .done{font-weight:400;color:var(--pass-ink)}
h2{font-size:16px;margin:18px 0 6px}
section.stuck{border:1px solid var(--line);border-left:5px solid var(--fail-ink);padding:6px 12px;
margin:0 0 8px;max-width:1100px}
section.stuck h3{font-size:14px;margin:0 0 4px}
section.stuck p{margin:0 0 4px}
section.stuck ul{margin:4px 0 0;padding-left:20px}
.hint{background:#fffbe8;padding:2px 6px}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;max-width:1100px}
dl.legend dt{font-weight:600}
dl.legend dd{margin:0}
footer{margin-top:18px;color:#5a6372;font-size:12px}
@media print{body{margin:8mm}thead th{position:static}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _result_cell(report: ClassReport, index: int, result: Result) -> str:
    status = str(result.status)
    label = f"{STATUS_MARKS[status]} {status}"
    if result.status in (Status.FAIL, Status.WARN):
        tip = f"found: {result.detail}\nhint: {result.hint}"
        return (
            f'<td class="s {status}" title="{_e(tip)}">'
            f'<a href="#stuck-{index}">{_e(label)}</a></td>'
        )
    tip = result.detail or report.columns[index].description
    return f'<td class="s {status}" title="{_e(tip)}">{_e(label)}</td>'


def _history(stack: StackInfo | None) -> str:
    """When the stack was created and last updated (a tooltip: the cell shows the creation)."""
    if stack is None:
        return ""
    created = f"created {_iso(stack.created) or '?'}"
    return created + (f", last updated {_iso(stack.updated)}" if stack.updated else "")


def page(report: ClassReport, refresh_seconds: int | None = None) -> str:
    """One self-contained HTML page: inline CSS, no scripts, fonts or images; all text escaped."""
    now = report.taken_at
    extra = ["stack", "up since", "expires", "cost so far"] + (
        ["leftovers"] if report.swept else []
    )
    head = "".join(f'<th title="{_e(c.description)}">{_e(c.header)}</th>' for c in report.columns)
    head += "".join(f"<th>{_e(name)}</th>" for name in extra)
    body = []
    for row in report.rows:
        cells = stack_cells(row, now)
        names = ", ".join(f"{k} {v}" for k, v in row.resources.items() if v)
        who_tip = f' title="{_e(row.source + ": " + names)}"' if names else ""
        done = ' <span class="done">✓ done</span>' if row.done else ""
        parts = [f'<td class="who"{who_tip}>{_e(row.participant)}{done}</td>']
        if row.state is State.CHECKED:
            parts += [_result_cell(report, i, r) for i, r in enumerate(row.results)]
        else:
            parts.append(
                f'<td class="why" colspan="{len(report.columns)}"><b>{_e(row.state)}</b>: '
                f"{_e(row.reason)}</td>"
            )
        bad_stack = row.stack is not None and row.stack.status not in USABLE_STACK_STATES
        parts.append(f'<td class="meta{" bad" if bad_stack else ""}">{_e(cells["stack"])}</td>')
        history = _history(row.stack)
        parts.append(f'<td class="meta" title="{_e(history)}">{_e(cells["since"])}</td>')
        expired = cells["expires"].startswith("EXPIRED")
        parts.append(f'<td class="meta{" bad" if expired else ""}">{_e(cells["expires"])}</td>')
        parts.append(f'<td class="num">{_e(cells["cost"])}</td>')
        if report.swept:
            tip = "\n".join(row.leftovers or ())
            parts.append(f'<td class="num" title="{_e(tip)}">{_e(_leftover_cell(row))}</td>')
        body.append(f"<tr>{''.join(parts)}</tr>")
    stuck = []
    for index, found in failures(report):
        column = report.columns[index]
        items = "".join(
            f"<li><b>{_e(who)}</b> ({_e(r.status)}) found: {_e(r.detail)}</li>" for who, r in found
        )
        stuck.append(
            f'<section class="stuck" id="stuck-{index}"><h3>{_e(column.header)}: '
            f"{_e(column.description)} ({len(found)})</h3>"
            f'<p><span class="hint">Hint: {_e(column.hint)}</span></p><ul>{items}</ul></section>'
        )
    leftovers = [
        f"<li><b>{_e(row.participant)}</b>: {_e(item)}</li>"
        for row in report.rows
        for item in row.leftovers or ()
    ]
    advice = " (advice: WARN, not FAIL)"
    legend = "".join(
        f"<dt>{_e(c.header)}</dt><dd>{_e(c.description)}{advice if c.advice else ''}</dd>"
        for c in report.columns
    )
    refresh = (
        f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">' if refresh_seconds else ""
    )
    title = f"{report.lab_id}: class report"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            refresh,
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
            f"<h1>{_e(report.lab_id)} in {_e(report.region)}: class report</h1>",
            f'<p class="taken">Taken {_e(report.stamp())}'
            + (f", refreshed every {int(refresh_seconds)} s" if refresh_seconds else "")
            + "</p>",
            f'<p class="summary" id="summary">{_e(report.summary())}</p>',
            f'<table id="matrix"><thead><tr><th class="who">participant</th>{head}</tr></thead>',
            f"<tbody>{''.join(body)}</tbody></table>",
            ("<h2>Where participants are stuck</h2>" + "".join(stuck)) if stuck else "",
            ("<h2>Leftovers</h2><ul>" + "".join(leftovers) + "</ul>") if leftovers else "",
            f'<h2>Objectives</h2><dl class="legend">{legend}</dl>',
            "<footer>PASS met, FAIL not met, WARN advice not followed, SKIP not checked (an"
            " earlier objective failed). Cost so far: hours since the stack was created x the"
            " lab's hourly estimate (labs/README.md), us-east-1 list prices; own builds are not"
            " costed. Made by <code>make class-report</code>.</footer>",
            "</body></html>",
        ]
    )


# --- command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classroom.report", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--lab", default="", help="the lab's id, e.g. LabDynamoDbUsers")
    parser.add_argument("--participants", default="", help='names, e.g. "ana ben cem"')
    add_argument(parser)
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
    """The leftovers column from `classroom.sweep` (read-only: it never deletes from the report).

    Off unless asked (`--leftovers`): it reads more than labcheck's policy grants (the account's
    tables, backups, DB instances and snapshots) and costs a few calls per participant.
    """
    from classroom import sweep

    def leftovers(session: boto3.Session, participant: str) -> list[str]:
        found = sweep.leftovers(sweep.Account(session), lab, [participant])
        return [f"{f.kind} {f.name} ({f.cost_text})" for f in found]

    return leftovers


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
            or _session_factory(
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
            print(report.json() if args.json else report.text(), flush=True)
            if html_file:
                write_atomically(html_file, report.html(refresh))
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

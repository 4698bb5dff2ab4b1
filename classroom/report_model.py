"""The class report's contents: one row per participant, one column per judged objective.

What every form of the report shows (text: classroom/report_text.py, JSON:
classroom/report_json.py, HTML: classroom/report_html.py); classroom/gather.py fills it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from course import costs
from labcheck.core import Kind, Lab, Result, Status

# A stack in this state holds nothing any more: it costs nothing.
NOTHING_RUNS = {"ROLLBACK_COMPLETE"}

# Short column headers (one screen wide for any lab) and how the summary names each objective,
# by the objective's check function: stable when a description's wording changes. An objective
# without one gets "#n" (tests/classroom/test_report_model.py checks every lab is covered).
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

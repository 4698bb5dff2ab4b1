"""The cells every form of the class report shows alike: status marks, the stack's columns,
times, and which participants fail or warn on each objective."""

from __future__ import annotations

from datetime import UTC, datetime

from classroom.report_model import ClassReport, Row, State
from course import costs
from labcheck.core import Result, Status

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


def leftover_cell(row: Row) -> str:
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


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None

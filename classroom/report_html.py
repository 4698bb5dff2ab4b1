"""The class report as one self-contained HTML page (`--html FILE`).

The markup is a Jinja2 template, templates/report.html.j2 (its style in templates/report.css),
rendered with autoescaping: every value the page shows is escaped, whatever a participant named
their resources. This module only says what each cell shows; the template says how.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from classroom.report_cells import STATUS_MARKS, failures, iso, leftover_cell, stack_cells
from classroom.report_model import ClassReport, Row, StackInfo, State
from labcheck.aws import USABLE_STACK_STATES
from labcheck.core import Result, Status

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a name the template gets wrong fails, not blank
    )
    return environment.get_template("report.html.j2")


def _history(stack: StackInfo | None) -> str:
    """When the stack was created and last updated (a tooltip: the cell shows the creation)."""
    if stack is None:
        return ""
    created = f"created {iso(stack.created) or '?'}"
    return created + (f", last updated {iso(stack.updated)}" if stack.updated else "")


def _result_cell(report: ClassReport, index: int, result: Result) -> dict[str, Any]:
    """A judged cell: its status in words, a tooltip, and for FAIL/WARN a link to the hint."""
    status = str(result.status)
    stuck = result.status in (Status.FAIL, Status.WARN)
    return {
        "status": status,
        "label": f"{STATUS_MARKS[status]} {status}",
        "tip": (
            f"found: {result.detail}\nhint: {result.hint}"
            if stuck
            else result.detail or report.columns[index].description
        ),
        "stuck": index if stuck else None,
    }


def _row(report: ClassReport, row: Row, now: datetime) -> dict[str, Any]:
    cells = stack_cells(row, now)
    names = ", ".join(f"{k} {v}" for k, v in row.resources.items() if v)
    checked = row.state is State.CHECKED
    return {
        "participant": row.participant,
        "who_tip": f"{row.source}: {names}" if names else "",
        "done": row.done,
        "results": [_result_cell(report, i, r) for i, r in enumerate(row.results)]
        if checked
        else None,
        "state": str(row.state),
        "reason": row.reason,
        "stack": cells["stack"],
        "bad_stack": row.stack is not None and row.stack.status not in USABLE_STACK_STATES,
        "since": cells["since"],
        "history": _history(row.stack),
        "expires": cells["expires"],
        "expired": cells["expires"].startswith("EXPIRED"),
        "cost": cells["cost"],
        "leftovers": leftover_cell(row),
        "leftovers_tip": "\n".join(row.leftovers or ()),
    }


def page(report: ClassReport, refresh_seconds: int | None = None) -> str:
    """One self-contained HTML page: inline CSS, no scripts, fonts or images; all text escaped."""
    return _template().render(
        report=report,
        refresh=int(refresh_seconds) if refresh_seconds else None,
        extra=["stack", "up since", "expires", "cost so far"]
        + (["leftovers"] if report.swept else []),
        rows=[_row(report, row, report.taken_at) for row in report.rows],
        stuck=[(index, report.columns[index], found) for index, found in failures(report)],
        leftovers=[(row.participant, item) for row in report.rows for item in row.leftovers or ()],
    )

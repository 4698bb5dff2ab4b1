"""The class report for scripts and course platforms (`--json`)."""

from __future__ import annotations

import json
from typing import Any

from classroom.report_cells import iso
from classroom.report_model import ClassReport


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
                    "created": iso(stack.created),
                    "updated": iso(stack.updated),
                    "expires_at": iso(stack.expires_at),
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
        "taken_at": iso(report.taken_at),
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


def to_json(report: ClassReport) -> str:
    return json.dumps(document(report), indent=2)

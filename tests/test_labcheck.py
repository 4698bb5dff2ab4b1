"""labcheck: the objective runner and report (the helpers: tests/labcheck_fixtures.py)."""

from __future__ import annotations

import json

from labcheck.core import Kind, Objective, Report, Status, run
from tests.labcheck_fixtures import (
    REGION,
)

# --- the runner and the report ----------------------------------------------------------------


def _met(_build) -> None:
    return None


def _unmet(_build) -> str:
    return "found something else"


def _boom(_build) -> str:
    raise AssertionError("objectives after a failed gate must not be checked")


def test_objectives_after_a_failed_gate_are_skipped_not_checked():
    objectives = (
        Objective("it exists", _unmet, "create it", gate=True),
        Objective("it is right", _boom, "fix it"),
        Objective("about it", _boom, kind=Kind.INFO),
    )
    statuses = [result.status for result in run(objectives, build=None)]
    assert statuses == [Status.FAIL, Status.SKIP]


def test_advice_warns_without_failing_and_info_is_not_counted():
    objectives = (
        Objective("required", _met),
        Objective("advised", _unmet, "consider it", kind=Kind.ADVICE),
        Objective("about it", lambda _build: "3 recovery points", kind=Kind.INFO),
    )
    report = Report("LabX", REGION, {"bucket": "b"}, run(objectives, build=None))
    assert report.passed
    assert report.summary() == "1/1 objectives met, 1 warning"


def test_text_report_has_one_line_per_objective_with_hint_and_a_summary():
    objectives = (
        Objective("The bucket exists", _met),
        Objective("Objects move to Glacier", _unmet, "choose Glacier Flexible Retrieval"),
    )
    report = Report("LabX", REGION, {"bucket": "b"}, run(objectives, build=None))
    assert report.text().splitlines() == [
        f"LabX in {REGION}: bucket b",
        "PASS  The bucket exists",
        "FAIL  Objects move to Glacier",
        "      found: found something else",
        "      hint: choose Glacier Flexible Retrieval",
        "1/2 objectives met",
    ]
    assert not report.passed


def test_json_report_holds_the_same_results():
    objectives = (Objective("A", _met), Objective("B", _unmet, "hint B"))
    document = json.loads(Report("LabX", REGION, {"bucket": "b"}, run(objectives, None)).json())
    assert document["objectives"][1] == {
        "status": "FAIL",
        "description": "B",
        "detail": "found something else",
        "hint": "hint B",
    }
    assert (document["met"], document["total"], document["passed"]) == (1, 2, False)

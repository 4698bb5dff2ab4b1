"""The class report for scripts (classroom/report_json.py, `--json`)."""

from __future__ import annotations

import json

import pytest

from classroom import report_json
from tests.classroom.report_class import GSI_HINT, LAB, SUMMARY, gathered

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


def test_json_holds_the_same_matrix_for_scripts(klass):
    document = json.loads(report_json.to_json(gathered(klass)))
    assert (document["lab"], document["done"], document["total"]) == (LAB, 2, 7)
    assert document["summary"] == SUMMARY
    assert document["taken_at"] == "2026-11-26T11:30:00Z"
    rows = {row["participant"]: row for row in document["participants"]}
    assert [o["status"] for o in rows["ben"]["objectives"]] == [
        "PASS",
        "PASS",
        "PASS",
        "FAIL",
        "FAIL",
        "FAIL",
    ]
    assert rows["cem"]["stuck_on"] == "GSI"
    assert rows["cem"]["objectives"][4] == {
        "objective": "GSI",
        "status": "FAIL",
        "detail": "index name-index: it projects KEYS_ONLY",
        "hint": GSI_HINT,
    }
    assert rows["ana"]["stack"] == {
        "name": f"ana-{LAB}",
        "status": "CREATE_COMPLETE",
        "created": "2026-11-26T09:00:00Z",
        "updated": None,
        "expires_at": "2026-11-26T13:00:00Z",
        "hours_up": 2.5,
        "hourly_usd": 0.001,
        "cost_usd": 0.0025,
    }
    assert (rows["dia"]["source"], rows["dia"]["stuck_on"]) == ("own build", "table")
    assert rows["eve"]["state"] == "stack not ready"
    assert rows["eve"]["stack"]["cost_usd"] == 0, "a rolled-back stack holds nothing"
    assert (rows["fay"]["source"], rows["fay"]["done"]) == ("own build", True)
    assert rows["fay"]["resources"] == {"table": "fay-Users", "index": None}
    assert rows["gus"]["state"] == "cannot check"
    assert rows["gus"]["reason"].startswith("access denied: DescribeTable")

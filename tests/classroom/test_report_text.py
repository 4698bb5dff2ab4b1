"""The class report in the terminal (classroom/report_text.py): matrix, hints, legend."""

from __future__ import annotations

import pytest

from classroom import report_html, report_text
from classroom.report_model import State
from tests.classroom.report_class import GSI_HINT, LAB, SUMMARY, gathered
from tests.labcheck_fixtures import REGION

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


def test_text_matrix_has_one_row_per_participant_and_a_column_per_objective(klass):
    lines = report_text.text(gathered(klass)).splitlines()
    assert lines[0] == f"{LAB} in {REGION}, taken 2026-11-26 11:30:00 UTC " + lines[0][-7:]
    squeezed = [" ".join(line.split()) for line in lines[1:9]]
    assert squeezed == [
        "participant table key on-demand item GSI query stack since expires cost",
        "ana PASS PASS PASS PASS PASS PASS CREATE_COMPLETE 09:00 (2h30m) 13:00 (in 1h30m) < $0.01",
        "ben PASS PASS PASS FAIL FAIL FAIL CREATE_COMPLETE 09:00 (2h30m) - < $0.01",
        "cem PASS PASS PASS PASS FAIL PASS CREATE_COMPLETE 09:00 (2h30m) EXPIRED 11:00 < $0.01",
        "dia FAIL SKIP SKIP SKIP SKIP SKIP own build - - -",
        "eve stack not ready: deploy failed: see its events ROLLBACK_COMPLETE 09:00 (2h30m) -"
        " < $0.01",
        "fay PASS PASS PASS PASS PASS PASS own build - - -",
        "gus own build - - -",
    ]
    assert lines[9].strip() == (
        "cannot check: access denied: DescribeTable needs dynamodb:DescribeTable — attach"
        " labs/labcheck-policy.json (read-only) to your user or role"
    )
    text = "\n".join(lines)
    assert (
        "GSI: A global secondary index on the name, projecting ALL attributes, is active\n"
        f"  hint: {GSI_HINT}\n"
        "  ✗ ben: the table has no global secondary index named name-index\n"
        "  ✗ cem: index name-index: it projects KEYS_ONLY\n" in text
    )
    assert "legend: table = The Users table exists; key = The partition key is email" in text
    assert lines[-1] == SUMMARY


def test_without_hand_built_patterns_a_participant_without_stack_is_not_deployed(klass):
    found = gathered(klass, own=False)
    not_deployed = [row.participant for row in found.rows if row.state is State.NOT_DEPLOYED]
    assert not_deployed == ["dia", "fay", "gus"]
    assert f"dia not deployed: no stack dia-{LAB} - - - -" in [
        " ".join(line.split()) for line in report_text.text(found).splitlines()
    ]
    assert "<b>not deployed</b>: no stack dia-LabDynamoDbUsers" in report_html.page(found)
    assert found.summary() == (
        "1 of 7 done, 1 stuck on the item, 1 stuck on the GSI, 3 not deployed,"
        " 1 stack ROLLBACK_COMPLETE; est. cost so far < $0.01"
    )

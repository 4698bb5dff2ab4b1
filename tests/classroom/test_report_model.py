"""The class report's contents (classroom/report_model.py): costs, the objectives' columns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from classroom import report_model
from classroom.report_model import StackInfo
from labcheck.cli import LABS
from labcheck.core import Kind
from tests.classroom.report_class import CREATED

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


def _stack(lab_id: str, outputs=None, status="CREATE_COMPLETE") -> StackInfo:
    from course import costs

    return StackInfo("s", status, CREATED, None, None, costs.hourly(lab_id, outputs or {}))


def test_three_hours_of_the_rds_lab_cost_13_cents_19_with_a_read_replica():
    later = CREATED + timedelta(hours=3)
    assert round(_stack("LabRdsMysql").cost(later), 3) == 0.126
    assert round(_stack("LabRdsMysql", {"ReplicaEndpoint": "r"}).cost(later), 3) == 0.186
    assert round(_stack("LabBackup").cost(later), 3) == 0.006


@pytest.mark.parametrize("lab", list(LABS.values()), ids=lambda lab: lab.lab_id)
def test_every_judged_objective_has_a_short_header_that_fits_one_screen(lab):
    columns = report_model.columns(lab)
    judged = [o for o in lab.objectives if o.kind is not Kind.INFO]
    assert [c.description for c in columns] == [o.description for o in judged]
    assert not [c.header for c in columns if c.header.startswith("#")], (
        f"add the new objective's header to SHORT_NAMES[{lab.lab_id!r}]"
    )
    assert len({c.header for c in columns}) == len(columns)
    assert all(len(c.header) <= 9 for c in columns)

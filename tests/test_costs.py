"""The labs' hourly costs: course/costs.py (what the class report multiplies) and labs/README.md
(what trainers read) state the same figures."""

from __future__ import annotations

import re

import pytest

from course import costs
from labcheck.cli import LABS
from tests.synth import ROOT

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

README = (ROOT / "labs" / "README.md").read_text()
FIGURE = re.compile(r"[<≈] \$[0-9.]+")


def table_rows(header_start: str) -> list[dict[str, str]]:
    """The rows of the first README table whose header row starts with `header_start`."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().replace("**", "") for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def figure(cell: str) -> str:
    found = FIGURE.search(cell)
    assert found, f"no cost figure in {cell!r}"
    return found.group()


COURSE_TABLE = {
    re.search(r"`(\w+)`", row["lab (stack)"]).group(1): row
    for row in table_rows("| # | lab (stack)")
}


def test_the_course_table_lists_every_lab_with_a_cost():
    assert set(COURSE_TABLE) == set(costs.LAB_HOURLY) == set(LABS)


@pytest.mark.parametrize("lab_id", sorted(costs.LAB_HOURLY))
def test_readme_states_the_hourly_figure_of_the_code(lab_id):
    assert figure(COURSE_TABLE[lab_id]["idle, per hour"]) == costs.LAB_HOURLY[lab_id].text()


def test_readme_states_the_rds_figures_of_the_code():
    rds = {row["configuration"]: row["per hour"] for row in table_rows("| configuration |")}
    assert (
        figure(rds["default: db.t3.micro, Multi-AZ, 20 GB gp3"])
        == costs.hourly("LabRdsMysql").text()
    )
    replica = costs.hourly("LabRdsMysql", {costs.READ_REPLICA_OUTPUT: "replica.example"})
    assert figure(rds["default + read replica (`-c read_replica=true`)"]) == replica.text()


def test_the_rds_lab_costs_4_point_2_cents_an_hour_6_point_2_with_a_replica():
    # labs/README.md: db.t3.micro Multi-AZ $0.034 + 20 GB gp3 Multi-AZ $0.006 + key and secret
    # $0.002; a read replica adds a db.t3.micro and its storage ($0.020).
    assert costs.hourly("LabRdsMysql").text() == "≈ $0.042"
    assert costs.hourly("LabRdsMysql", {"ReplicaEndpoint": "r"}).text() == "≈ $0.062"
    assert costs.hourly("LabS3Lifecycle").text() == "< $0.001"


def test_amounts_under_a_cent_are_not_shown_as_zero():
    assert costs.dollars(0.004) == "< $0.01"
    assert costs.dollars(0.126) == "$0.13"
    assert costs.dollars(0.05, at_most=True) == "≤ $0.05"

"""checkov on every Terraform solution (labs/<lab>/terraform/*.tf), as on the CDK templates.

checkov pins a boto3 that conflicts with ours (and its HCL parser, bc-python-hcl2, installs the
same `hcl2` package as python-hcl2): it lives in `.venv-checkov` and runs once per session, as
one subprocess over `labs/`. What it may still find is listed, with the reason, in
tests/checkov-terraform-skips.json. checkov judges the HCL as written (no plan: the 6.x
solutions cannot be planned here), so it cannot see, e.g., which bucket a separate Block Public
Access resource belongs to; the skip file says so where that matters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from course import sheets
from tests import checkov_run, checkov_skips
from tests.terraform import LABS_DIR

SKIPS_FILE = Path(__file__).parent / "checkov-terraform-skips.json"
FOLDERS = [lab.folder for lab in sheets.LABS]


@dataclass(frozen=True)
class Finding:
    check: str
    title: str
    resource: str  # <lab folder>/<resource address>, e.g. s3_website/aws_s3_bucket.website

    def __str__(self) -> str:
        return f"{self.check} ({self.title}) on {self.resource}"


@pytest.fixture(scope="session")
def terraform_findings() -> list[Finding]:
    """checkov once over every .tf under labs/ (the five solutions)."""
    arguments = ["--framework", "terraform", "--output", "json"]
    arguments += ["--compact", "--skip-download", "--soft-fail", "--directory", str(LABS_DIR)]
    result = checkov_run.run(*arguments)
    report = json.loads(result.stdout)
    scanned = {Path(r["file_path"]).parts[1] for r in report["results"]["passed_checks"]}
    assert scanned == set(FOLDERS), f"checkov scanned the solutions of {sorted(scanned)}"
    assert report["summary"]["parsing_errors"] == 0, result.stdout[-3000:]
    return [
        Finding(
            failed["check_id"],
            failed["check_name"],
            f"{Path(failed['file_path']).parts[1]}/{failed['resource']}",
        )
        for failed in report["results"]["failed_checks"]
    ]


def _skips() -> list[dict[str, Any]]:
    return checkov_skips.load(SKIPS_FILE)


def test_every_skip_names_checks_resources_and_a_reason():
    assert checkov_skips.malformed(_skips()) == []
    lab_of = [pattern.split("/")[0] for skip in _skips() for pattern in skip["resources"]]
    assert [lab for lab in lab_of if not any(fnmatchcase(f, lab) for f in FOLDERS)] == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_checkov_finds_nothing_beyond_the_skip_file(terraform_findings, folder):
    new = [
        str(finding)
        for finding in terraform_findings
        if finding.resource.startswith(f"{folder}/")
        and not any(checkov_skips.covers(s, finding.check, finding.resource) for s in _skips())
    ]
    assert new == [], "checkov failures: fix them, or add check, resource and reason to " + (
        f"{SKIPS_FILE.name}:\n" + "\n".join(new)
    )


def test_every_skip_is_still_needed(terraform_findings):
    found = [(finding.check, finding.resource) for finding in terraform_findings]
    stale = checkov_skips.stale(_skips(), found)
    assert stale == [], f"remove what {SKIPS_FILE.name} no longer needs:\n" + "\n".join(stale)

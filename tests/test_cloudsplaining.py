"""A third opinion on the course's own IAM documents: cloudsplaining (Salesforce) 0.7.0.

cloudsplaining lists what an identity policy lets a principal do that is risky: privilege
escalation methods (Rhino Security Labs' list), data exfiltration, resource exposure, service
wildcards, credentials exposure, infrastructure modification. It ships with checkov, so it
runs in `.venv-checkov`, once per session, over the documents a reviewer reads under `labs/`
that allow something (the guards only deny), in both of its modes:

- `unconstrained`: its default, statements without a resource constraint or a condition;
- `every risky action`: `--flag-all-risky-actions`, whatever the constraints and conditions
  (it evaluates neither): the list of what the participant policy must keep in check, each
  with the reason it stays in check, most of them a row of the allow/deny table judged in
  tests/test_participant_escapes.py.

What it finds is listed, with the reason, in tests/cloudsplaining-accepted.json, per document,
mode and finding (a category, or a privilege escalation method).
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests import checkov_run
from tests.synth import ROOT

PYTHON = checkov_run.VENV_PYTHON  # cloudsplaining ships with checkov
ACCEPTED_FILE = Path(__file__).parent / "cloudsplaining-accepted.json"
DOCUMENTS = [
    "labs/access/participant-policy.json",
    "labs/access/participant-role-boundary.json",
    "labs/labcheck-policy.json",
]
MODES = {"unconstrained": False, "every risky action": True}
# Runs in .venv-checkov: prints {document: {mode: [finding, ...]}} as JSON.
SCAN = """
import json, sys
from cloudsplaining.command.scan_policy_file import scan_policy
found = {}
for path in sys.argv[2:]:
    policy = json.load(open(path))
    for mode, every in json.loads(sys.argv[1]).items():
        results = scan_policy(
            policy, flag_conditional_statements=every, flag_resource_arn_statements=every
        )
        names = []
        for category, result in sorted((results or {}).items()):
            if not isinstance(result, dict):  # ServicesAffected: a summary, not a finding
                continue
            for finding in result.get("findings", []):
                if category == "PrivilegeEscalation":
                    names.append(f"PrivilegeEscalation {finding['type']}")
                elif f"{category}" not in names:
                    names.append(category)
        found.setdefault(path, {})[mode] = sorted(names)
print(json.dumps(found))
"""


@cache
def findings() -> dict[str, dict[str, list[str]]]:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON.relative_to(ROOT)} is missing: `make test` installs it")
    result = subprocess.run(
        [str(PYTHON), "-c", SCAN, json.dumps(MODES), *DOCUMENTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"cloudsplaining did not run:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def found() -> set[tuple[str, str, str]]:
    return {
        (document, mode, finding)
        for document, modes in findings().items()
        for mode, names in modes.items()
        for finding in names
    }


def accepted() -> list[dict[str, Any]]:
    return json.loads(ACCEPTED_FILE.read_text())["accepted"]


def test_cloudsplaining_finds_a_risky_policy(tmp_path):
    """The scan must see what it is meant to see (a test that can fail)."""
    risky = tmp_path / "risky.json"
    statement = {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:*"], "Resource": "*"}
    risky.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    result = subprocess.run(
        [str(PYTHON), "-c", SCAN, json.dumps({"unconstrained": False}), str(risky)],
        capture_output=True,
        text=True,
        check=True,
    )
    names = json.loads(result.stdout)[str(risky)]["unconstrained"]
    assert "PrivilegeEscalation PassExistingRoleToNewLambdaThenInvoke" in names


def test_every_finding_is_accepted_with_a_reason():
    allowed = {(e["document"], e["mode"], e["finding"]) for e in accepted()}
    new = sorted(found() - allowed)
    assert new == [], "cloudsplaining findings: fix them, or accept them with a reason in " + (
        f"{ACCEPTED_FILE.name}:\n" + "\n".join(" / ".join(f) for f in new)
    )


def test_every_accepted_finding_still_occurs():
    for number, entry in enumerate(accepted(), start=1):
        assert set(entry) == {"document", "mode", "finding", "reason"}, f"#{number}: keys"
        assert len(entry["reason"].strip()) >= 40, f"entry #{number} needs a reason"
        key = (entry["document"], entry["mode"], entry["finding"])
        assert key in found(), f"entry #{number}: cloudsplaining no longer finds {key}: remove it"

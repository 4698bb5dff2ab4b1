"""A second opinion on security: checkov over every template of every configuration.

Checkov pins a boto3 that conflicts with ours, so it lives in `.venv-checkov` (`make test`
installs it) and runs as one subprocess per session over all templates of
`tests.test_matrix.CONFIGURATIONS`.
What it may still find is listed, with the reason, in tests/checkov-skips.json.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stacks import LABS
from tests import checkov_run, checkov_skips
from tests.synth import CONFIGURATIONS, SynthFailed, synth_of

SKIPS_FILE = Path(__file__).parent / "checkov-skips.json"
LAB_IDS = [lab.lab_id for lab in LABS]
WATCHER = "CourseWatch"  # built in the configurations without a participant only
NETWORK = "CourseNetwork"  # the same: the network participants share (shared_network)
SERVICE_ROLES = "CourseServiceRoles"  # the same: the service roles participants pass
ACCESS = "LabAccess"  # a participant's sign-in, built with a participant only
# Every stack of every configuration: the labs, the watcher, the participants' sign-ins.
STACKS = (
    [(config, lab_id) for config in CONFIGURATIONS for lab_id in LAB_IDS]
    + [("default", WATCHER), ("default", NETWORK), ("default", SERVICE_ROLES)]
    + [(config, ACCESS) for config, context in CONFIGURATIONS.items() if "participant" in context]
)


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource of one template."""

    check: str
    title: str
    resource: str  # checkov's name: `AWS::S3::Bucket.<logical id>`
    path: str  # the construct path, e.g. `LabS3Lifecycle/LifecycleBucket/AccessLogs/Resource`
    template: str  # `<configuration>/<lab>.template.json`

    def __str__(self) -> str:
        return f"{self.check} ({self.title}) on {self.resource} [{self.path}] in {self.template}"


def _reports(output: str) -> list[dict[str, Any]]:
    reports = json.loads(output)
    return reports if isinstance(reports, list) else [reports]


@pytest.fixture(scope="session")
def checkov_findings() -> list[Finding]:
    """Run checkov once over every template of every configuration."""
    templates: dict[Path, tuple[str, str, dict[str, str]]] = {}
    for config in CONFIGURATIONS:
        try:
            synth = synth_of(config)
        except SynthFailed:  # test_matrix reports it; check the other configurations
            continue
        for lab_id in synth.stacks:
            where = (config, lab_id, synth.construct_paths(lab_id))
            templates[synth.template_path(lab_id).resolve()] = where
    arguments = ["--framework", "cloudformation", "--output", "json"]
    arguments += ["--quiet", "--compact", "--skip-download", "--soft-fail"]
    for template in templates:
        arguments += ["--file", str(template)]
    result = checkov_run.run(*arguments)
    reports = _reports(result.stdout)
    scanned = sum(report["summary"]["resource_count"] for report in reports)
    assert scanned > 0, f"checkov scanned no resource:\n{result.stdout[-3000:]}"
    findings = []
    for report in reports:
        for failed in report["results"]["failed_checks"]:
            config, lab_id, paths = templates[Path(failed["file_abs_path"]).resolve()]
            logical_id = failed["resource"].split(".", 1)[-1]
            findings.append(
                Finding(
                    check=failed["check_id"],
                    title=failed["check_name"],
                    resource=failed["resource"],
                    path=paths.get(logical_id, f"{lab_id}/?"),
                    template=f"{config}/{lab_id}.template.json",
                )
            )
    return findings


def _skips() -> list[dict[str, Any]]:
    return checkov_skips.load(SKIPS_FILE)


def _skipped_by(finding: Finding, skip: dict[str, Any]) -> bool:
    return checkov_skips.covers(skip, finding.check, finding.path)


def test_every_skip_names_checks_resources_and_a_reason():
    assert checkov_skips.malformed(_skips()) == []


@pytest.mark.parametrize(("config", "lab_id"), STACKS)
def test_checkov_finds_nothing_beyond_the_skip_file(checkov_findings, config, lab_id):
    synth_of(config)  # raises SynthFailed if this configuration does not synthesize
    template = f"{config}/{lab_id}.template.json"
    new = [
        str(finding)
        for finding in checkov_findings
        if finding.template == template and not any(_skipped_by(finding, s) for s in _skips())
    ]
    assert new == [], "checkov failures: fix them, or add check, resource and reason to " + (
        f"{SKIPS_FILE.name}:\n" + "\n".join(new)
    )


def test_every_skip_is_still_needed(checkov_findings):
    found = [(finding.check, finding.path) for finding in checkov_findings]
    stale = checkov_skips.stale(_skips(), found)
    assert stale == [], f"remove what {SKIPS_FILE.name} no longer needs"


# Runs in .venv-checkov: cloudsplaining's own answer and the remembered one (tests/checkov_run.py)
# for statements like the sign-in's, asked twice and in another order.
SAME_ANSWER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from policy_sentry.querying.actions import get_actions_for_service
from cloudsplaining.scan import statement_detail
from cloudsplaining.shared import utils
import checkov_run
own = utils.remove_wildcard_only_actions
checkov_run.remember_wildcard_lookups()
statements = [get_actions_for_service("s3"), get_actions_for_service("ec2") + ["iam:PassRole"],
              ["dynamodb:GetItem", "sts:GetCallerIdentity", "ec2:DescribeVpcs"]]
answers = []
for actions in statements + [list(reversed(a)) for a in statements]:
    answers.append([sorted(own(actions)), sorted(utils.remove_wildcard_only_actions(actions)),
                    sorted(statement_detail.remove_wildcard_only_actions(actions))])
print(json.dumps(answers))
"""


def test_the_remembered_lookup_answers_as_cloudsplaining_does():
    """Judge: cloudsplaining itself, in checkov's venv (each answer is non-empty and the same)."""
    result = subprocess.run(
        [str(checkov_run.VENV_PYTHON), "-c", SAME_ANSWER, str(Path(__file__).parent)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    answers = json.loads(result.stdout)
    assert len(answers) == 6
    for own, remembered, as_imported in answers:
        assert own != []
        assert remembered == own
        assert as_imported == own

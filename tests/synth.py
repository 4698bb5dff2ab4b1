"""Synthesizing the app for tests: once per context, cached for the whole session.

Importing aws-cdk-lib and starting jsii take seconds, so every test module reads the same
synthesized cloud assembly instead of building its own.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from course.node import configure_jsii_node

configure_jsii_node()  # before anything imports aws_cdk (conftest imports this module first)

ROOT = Path(__file__).resolve().parent.parent
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


@dataclass(frozen=True)
class Synth:
    """One synthesized cloud assembly: templates and the validation report, as JSON."""

    outdir: Path

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text())

    @cached_property
    def stacks(self) -> dict[str, dict[str, Any]]:
        """Stack artifacts by construct id (e.g. `LabS3Lifecycle`)."""
        return {
            artifact_id: artifact
            for artifact_id, artifact in self.manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }

    def stack_name(self, lab_id: str) -> str:
        return self.stacks[lab_id]["properties"].get("stackName", lab_id)

    def template_path(self, lab_id: str) -> Path:
        return self.outdir / self.stacks[lab_id]["properties"]["templateFile"]

    @cache  # noqa: B019 - one Synth per context, kept for the session anyway
    def template(self, lab_id: str) -> dict[str, Any]:
        return json.loads(self.template_path(lab_id).read_text())

    def construct_paths(self, lab_id: str) -> dict[str, str]:
        """Logical id -> construct path, from the stack's metadata."""
        metadata_file = self.stacks[lab_id].get("additionalMetadataFile")
        metadata = (
            json.loads((self.outdir / metadata_file).read_text())
            if metadata_file
            else self.stacks[lab_id].get("metadata", {})
        )
        return {
            entry["data"]: path.lstrip("/")
            for path, entries in metadata.items()
            for entry in entries
            if entry["type"] == "aws:cdk:logicalId"
        }

    def assertions(self, lab_id: str):
        """The stack's template as an `aws_cdk.assertions.Template`."""
        from aws_cdk.assertions import Template

        return Template.from_json(self.template(lab_id))

    @cached_property
    def validation_report(self) -> dict[str, Any]:
        return json.loads((self.outdir / "validation-report.json").read_text())

    def acknowledgements(self, lab_id: str) -> dict[str, dict[str, str]]:
        """Acknowledged rules per construct path of one stack: {path: {rule id: reason}}."""
        artifact = self.stacks[lab_id]
        metadata = dict(artifact.get("metadata", {}))
        if "additionalMetadataFile" in artifact:
            metadata.update(
                json.loads((self.outdir / artifact["additionalMetadataFile"]).read_text())
            )
        acks: dict[str, dict[str, str]] = {}
        for path, entries in metadata.items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    acks.setdefault(path.lstrip("/"), {}).update(entry["data"])
        return acks


class SynthFailed(AssertionError):
    """Synthesis raised; the message carries the unacknowledged findings, if any."""


def _findings(outdir: Path) -> str:
    report_file = outdir / "validation-report.json"
    if not report_file.exists():
        return ""
    lines = []
    for plugin in json.loads(report_file.read_text())["pluginReports"]:
        for violation in plugin["violations"]:
            for construct in violation["violatingConstructs"]:
                lines.append(f"  {violation['ruleName']} on {construct['constructPath']}")
    return "\n".join(lines)


def synthesize(context: dict[str, Any] | None = None, outdir: Path | None = None) -> Synth:
    """Build and synthesize the app with cdk.json's context plus `context`."""
    from stacks.app import build_app

    outdir = outdir or Path(tempfile.mkdtemp(prefix="cdk.out."))
    try:
        app = build_app({**CDK_JSON_CONTEXT, **(context or {})}, outdir=str(outdir))
        app.synth()
    except RuntimeError as error:
        raise SynthFailed(f"synth failed: {error}\n{_findings(outdir)}") from None
    return Synth(outdir)


@cache
def synthesized(**context: Any) -> Synth:
    """`synthesize`, cached per context: call it with the same options to share the result.

    Under pytest-xdist the workers share it too: the first worker to ask for a context
    synthesizes it into a folder of the test run (`shared_dir`), under a lock; the others wait
    and read that folder instead of synthesizing the same app again (each synth is seconds of
    CPU, and every worker asks for the default app and most for a few more).
    """
    base = shared_dir()
    if base is None:
        return synthesize(context)
    key = hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()[:16]
    outdir, done = base / f"cdk.out.{key}", base / f"{key}.done"
    with (base / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.exists():
            return Synth(outdir)
        shutil.rmtree(outdir, ignore_errors=True)  # a worker's synth that failed half-way
        synth = synthesize(context, outdir)
        done.touch()
        return synth


def shared_dir() -> Path | None:
    """The folder the xdist workers of one test run share (None outside xdist); the
    controller deletes it when the run ends (tests/conftest.py)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return None
    base = Path(tempfile.gettempdir()) / f"course-labs-synth-{run}"
    base.mkdir(exist_ok=True)
    return base


PARTICIPANT = "ana"
# Every lab option set to a non-default value at once, as the CDK CLI passes `-c key=value`
# (strings). The options of different labs are independent, so one synth covers them all.
EVERY_OPTION = {
    "participant": "ben",
    "db_instance_class": "db.t3.medium",
    "read_replica": "true",
    "db_public_access_cidr": "203.0.113.7/32",
    "notify_email": "trainer@example.com",
    "expires_in_hours": "6",
}

# The configurations the matrix synthesizes (tests/test_matrix.py, tests/test_checkov.py).
# LabRdsMysql in the course network (which excludes db_public_access_cidr), with the other
# RDS options that still apply.
SHARED_NETWORK = {
    "participant": "cem",
    "shared_network": "true",
    "read_replica": "true",
    "db_instance_class": "db.t4g.small",
}
CONFIGURATIONS: dict[str, dict[str, str]] = {
    "default": {},
    "participant": {"participant": PARTICIPANT},
    "every-option": EVERY_OPTION,
    # LabRdsMysql in the course network (CourseNetwork, in "default"); not with
    # db_public_access_cidr (course/config.py refuses both), so a configuration of its own.
    "shared-network": SHARED_NETWORK,
}


def synth_of(config: str) -> Synth:
    """The app synthesized in one of `CONFIGURATIONS`."""
    return synthesized(**CONFIGURATIONS[config])

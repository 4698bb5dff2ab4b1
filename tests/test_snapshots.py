"""Snapshot of every lab's template: a safety net against unnoticed changes, not a spec.

Asset hashes, S3 keys and the code of CDK's own helper functions change with every aws-cdk-lib
release, so they are normalized away. After an intended change, update with `make snapshots`
and review the diff of tests/snapshots/ like code.
"""

import json
import os
import re
from pathlib import Path

import pytest

from stacks import LABS

SNAPSHOTS = Path(__file__).parent / "snapshots"
ASSET_HASH = re.compile(r"[0-9a-f]{64}")
CDK_HELPER_PROPERTIES = ("Code", "Content", "Runtime", "Handler", "CompatibleRuntimes")


def normalized(template: dict) -> dict:
    """The template without what churns between aws-cdk-lib versions."""
    template = json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
    for logical_id, resource in template.get("Resources", {}).items():
        if logical_id.startswith("Custom") or resource["Type"] == "AWS::Lambda::LayerVersion":
            for name in CDK_HELPER_PROPERTIES:
                if name in resource.get("Properties", {}):
                    resource["Properties"][name] = "<cdk-helper>"
    return template


COURSE_STACKS = ["CourseWatch", "CourseNetwork", "CourseServiceRoles"]


@pytest.mark.parametrize("lab_id", [*(lab.lab_id for lab in LABS), *COURSE_STACKS])
def test_template_matches_snapshot(synth, lab_id):
    actual = normalized(synth.template(lab_id))
    snapshot = SNAPSHOTS / f"{lab_id}.json"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not snapshot.exists():
        snapshot.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n")
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"{snapshot.name} did not exist: written, review and commit it")
    assert actual == json.loads(snapshot.read_text()), (
        f"{lab_id} changed: if intended, run `make snapshots` and review the diff"
    )

"""Course-wide guards that every lab stack inherits: nag, cfn-lint, retention, tags, determinism."""

import json
from functools import cache
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_by_config
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from course.synthesized import directory_bytes, upload_bytes
from stacks import LABS
from tests.synth import PARTICIPANT, synthesize

LAB_IDS = [lab.lab_id for lab in LABS]
# Every stack of a default synth: the labs and the trainer's course stacks (the watcher, the
# network, the service roles: stacks/course_*.py), which the same guards cover.
STACK_IDS = [*LAB_IDS, "CourseWatch", "CourseNetwork", "CourseServiceRoles"]
NAG_PLUGIN = "AwsSolutions"
RETAINING_POLICIES = {"Retain", "Snapshot", "RetainExceptOnCreate"}


def test_every_lab_and_the_watcher_are_synthesized(synth):
    assert sorted(synth.stacks) == sorted(STACK_IDS)


def test_the_watcher_is_the_trainers_not_a_participants(participant_synth):
    assert sorted(participant_synth.stacks) == sorted([*LAB_IDS, "LabAccess"])


@pytest.mark.parametrize("lab_id", STACK_IDS)
def test_no_unacknowledged_nag_findings(synth, lab_id):
    open_findings = [
        f"{violation['ruleName']} on {construct['constructPath']}"
        for plugin in synth.validation_report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
        if construct["constructPath"].startswith(f"{lab_id}/")
    ]
    assert open_findings == [], "cdk-nag findings nobody acknowledged"


def test_acknowledgements_are_read_from_the_assembly(synth):
    assert synth.acknowledgements("LabS3Website"), "LabS3Website acknowledges its public bucket"


# Each stack of the default synth, and the participant's sign-in (only built with a participant).
ACKNOWLEDGING_STACKS = [("synth", lab_id) for lab_id in STACK_IDS] + [
    ("participant_synth", "LabAccess")
]


@pytest.mark.parametrize(("synth_fixture", "lab_id"), ACKNOWLEDGING_STACKS)
def test_every_acknowledgement_has_a_reason_and_is_used(request, synth_fixture, lab_id):
    """Every acknowledgement has a reason; ours (cdk-nag's) must still suppress a finding.

    aws-cdk-lib acknowledges some of its own template-validation rules (e.g. W3010 for
    `Fn::GetAZs`); the validation report does not list those, so only the reason is checked.
    """
    synth = request.getfixturevalue(synth_fixture)
    suppressed = {
        (construct["constructPath"], violation["ruleName"])
        for plugin in synth.validation_report["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        for construct in violation["violatingConstructs"]
    }
    for path, rules in synth.acknowledgements(lab_id).items():
        for rule_id, reason in rules.items():
            assert len(reason.strip()) >= 20, (
                f"{rule_id} on {path} needs a reason a trainer accepts"
            )
            plugin, rule = rule_id.split("::", 1)
            if plugin != NAG_PLUGIN:
                continue
            assert any(p == path or p.startswith(f"{path}/") for p, r in suppressed if r == rule), (
                f"{rule_id} acknowledged on {path} but nothing there raises it: remove it"
            )


def _cfn_lint_errors(*templates: Path) -> dict[str, list[str]]:
    """cfn-lint's errors per template file name, every template in one run (a run per
    template loads the rules again each time: twice the CPU)."""
    errors: dict[str, list[str]] = {template.name: [] for template in templates}
    for match in lint_by_config(ManualArgs(templates=[str(t) for t in templates])):
        if match.rule.id.startswith("E"):
            name = Path(match.filename).name
            errors[name].append(f"{match.rule.id} {match.message} ({name}:{match.linenumber})")
    return errors


@pytest.fixture(scope="module")
def cfn_lint_errors(synth) -> dict[str, list[str]]:
    return _cfn_lint_errors(*(synth.template_path(stack_id) for stack_id in STACK_IDS))


@pytest.mark.parametrize("lab_id", STACK_IDS)
def test_template_passes_cfn_lint(synth, cfn_lint_errors, lab_id):
    assert cfn_lint_errors[synth.template_path(lab_id).name] == []


def test_cfn_lint_guard_reports_errors(tmp_path):
    broken = tmp_path / "broken.template.json"
    broken.write_text(
        json.dumps(
            {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}}}
        )
    )
    assert _cfn_lint_errors(broken)[broken.name], "the cfn-lint guard must be able to fail"


@pytest.mark.parametrize("lab_id", STACK_IDS)
def test_nothing_is_retained_after_destroy(synth, lab_id):
    retained = {
        f"{logical_id} ({resource['Type']}): {policy}={resource[policy]}"
        for logical_id, resource in synth.template(lab_id)["Resources"].items()
        for policy in ("DeletionPolicy", "UpdateReplacePolicy")
        if resource.get(policy) in RETAINING_POLICIES
    }
    assert retained == set(), "these resources would outlive `cdk destroy`"


@cache
def _is_taggable(resource_type: str) -> bool:
    """Whether CloudFormation's resource schema says the type takes tags (`Tags` property)."""
    if not resource_type.startswith("AWS::"):  # custom resources
        return False
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    return schema.get("tagging", {}).get("taggable", False) and "Tags" in schema["properties"]


def test_taggable_types_are_known():
    assert _is_taggable("AWS::S3::Bucket")
    assert not _is_taggable("AWS::S3::BucketPolicy")


def _tags(resource: dict) -> dict[str, str]:
    tags = resource.get("Properties", {}).get("Tags", [])
    if isinstance(tags, dict):  # a few resource types take a map
        return tags
    return {tag["Key"]: tag["Value"] for tag in tags}


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_every_taggable_resource_carries_the_course_tags(participant_synth, lab_id):
    expected = {
        "course": "storage-and-data",
        "lab": lab_id,
        "managed-by": "course-labs-cdk",
        "participant": PARTICIPANT,
    }
    untagged = {
        logical_id: _tags(resource)
        for logical_id, resource in participant_synth.template(lab_id)["Resources"].items()
        if _is_taggable(resource["Type"]) and expected.items() - _tags(resource).items()
    }
    assert untagged == {}, f"resources missing some of {expected}"


def test_participant_names_the_stacks_but_not_the_construct_ids(participant_synth):
    assert {lab_id: participant_synth.stack_name(lab_id) for lab_id in LAB_IDS} == {
        lab_id: f"{PARTICIPANT}-{lab_id}" for lab_id in LAB_IDS
    }


def test_without_participant_the_stack_name_is_the_lab_id(synth):
    assert {lab_id: synth.stack_name(lab_id) for lab_id in LAB_IDS} == {
        lab_id: lab_id for lab_id in LAB_IDS
    }


def test_stacks_are_environment_agnostic(synth):
    for lab_id, artifact in synth.stacks.items():
        assert artifact["environment"] == "aws://unknown-account/unknown-region", lab_id


def test_synth_is_deterministic(synth):
    again = synthesize()
    for lab_id in STACK_IDS:
        assert (
            again.template_path(lab_id).read_bytes() == synth.template_path(lab_id).read_bytes()
        ), f"{lab_id}: two synths gave different templates"


# A first deploy uploads the lab's assets from a trainer's laptop, often on a class's Wi-Fi.
MAX_UPLOAD_BYTES = 200 * 1024
MAX_CDK_OUT_BYTES = 1024 * 1024


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_a_first_deploy_uploads_at_most_200_kb(synth, lab_id):
    assert upload_bytes(synth.outdir)[lab_id] <= MAX_UPLOAD_BYTES


def test_the_cloud_assembly_of_all_labs_is_under_1_mb(synth):
    assert directory_bytes(synth.outdir) < MAX_CDK_OUT_BYTES


def test_upload_bytes_counts_the_template_and_every_file_of_a_directory_asset(tmp_path):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"artifacts": {"Lab": {"type": "aws:cloudformation:stack", "properties": {}}}})
    )
    (tmp_path / "Lab.template.json").write_bytes(b"x" * 100)
    (tmp_path / "asset.1" / "sub").mkdir(parents=True)
    (tmp_path / "asset.1" / "a.py").write_bytes(b"x" * 20)
    (tmp_path / "asset.1" / "sub" / "b.py").write_bytes(b"x" * 3)
    files = {"t": {"source": {"path": "Lab.template.json"}}, "a": {"source": {"path": "asset.1"}}}
    (tmp_path / "Lab.assets.json").write_text(json.dumps({"files": files}))
    assert upload_bytes(tmp_path) == {"Lab": 123}


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_no_lab_deploys_a_bucket_deployment_or_a_lambda_layer(synth, lab_id):
    # CDK's BucketDeployment brought the 21 MB AWS CLI layer for a few hundred bytes (#18).
    types = {r["Type"] for r in synth.template(lab_id)["Resources"].values()}
    assert "Custom::CDKBucketDeployment" not in types
    assert "AWS::Lambda::LayerVersion" not in types

"""Every lab in every configuration: nag, CDK's validation and cfn-lint clean; participants apart.

Options of different labs are independent, so one synth sets every non-default option at once:
three synths cover the matrix. `synthesized` caches them per context, shared with every module
(the first two are the `synth` and `participant_synth` fixtures).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_by_config
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from course.config import LabSettings
from stacks import LABS
from tests.synth import CONFIGURATIONS, EVERY_OPTION, SHARED_NETWORK, synth_of

LAB_IDS = [lab.lab_id for lab in LABS]

# Name-like properties that do not name the resource in the account: the database inside an
# RDS instance, its character sets, the AWS service that a VPC endpoint connects to.
NOT_PHYSICAL_NAMES = {"DBName", "CharacterSetName", "NcharCharacterSetName", "ServiceName"}
# Account-wide names nested in a property, which the resource schemas do not flag.
NESTED_NAMES = {"AWS::Backup::BackupPlan": [("BackupPlan", "BackupPlanName")]}
SCHEMA_REGION = "us-east-1"
SUB_VARIABLE = re.compile(r"\$\{(?!AWS::)[^}!]")


def test_every_option_config_sets_every_setting_to_a_non_default_value():
    settings = LabSettings.from_context(EVERY_OPTION.get)
    defaults = LabSettings()
    unchanged = [
        field.name
        for field in dataclasses.fields(LabSettings)
        if getattr(settings, field.name) == getattr(defaults, field.name)
    ]
    # shared_network excludes db_public_access_cidr: the "shared-network" configuration has it.
    assert unchanged == ["shared_network"], "the matrix must synthesize every non-default option"
    assert LabSettings.from_context(SHARED_NETWORK.get).shared_network


@pytest.mark.parametrize("config", CONFIGURATIONS)
@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_nag_and_cdk_validation_pass_in_every_configuration(config, lab_id):
    synth = synth_of(config)  # raises SynthFailed, listing open findings, if validation fails
    assert lab_id in synth.stacks, f"{config}: {lab_id} was not synthesized"
    report = synth.validation_report["pluginReports"]
    open_findings = [
        f"{plugin['pluginName']}: {violation['ruleName']} on {construct['constructPath']}"
        for plugin in report
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
        if construct["constructPath"].startswith(f"{lab_id}/")
    ]
    assert open_findings == [], f"{config}: validation findings on {lab_id}"
    assert {plugin["conclusion"] for plugin in report} <= {"success"}, f"{config}: {report}"


# test_guards.py lints the default configuration lab by lab: lint each template once.
@pytest.mark.parametrize("config", [config for config in CONFIGURATIONS if config != "default"])
def test_cfn_lint_finds_no_error_in_any_configuration(config):
    synth = synth_of(config)
    templates = [str(synth.template_path(stack_id)) for stack_id in synth.stacks]
    matches = lint_by_config(ManualArgs(templates=templates, regions=[SCHEMA_REGION]))
    errors = [
        f"{match.filename}:{match.linenumber} {match.rule.id} {match.message}"
        for match in matches
        if match.rule.id.startswith("E")
    ]
    assert errors == [], f"{config}: cfn-lint errors:\n" + "\n".join(errors)


def _depends_on_a_resource(value: Any) -> bool:
    """True when `value` resolves per stack (Ref/GetAtt of a resource), so equal JSON is fine."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value or "Fn::ImportValue" in value:
            return True
        ref = value.get("Ref")
        if isinstance(ref, str) and not ref.startswith("AWS::"):
            return True
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) else sub
        if isinstance(text, str) and SUB_VARIABLE.search(text):
            return True
        return any(_depends_on_a_resource(item) for item in value.values())
    if isinstance(value, list):
        return any(_depends_on_a_resource(item) for item in value)
    return False


def _name_properties(resource_type: str) -> set[str]:
    """Top-level properties that name the resource in the account, from its schema."""
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except Exception:  # custom resources have no schema
        return set()
    pointers = [*schema.get("primaryIdentifier", []), *schema.get("createOnlyProperties", [])]
    names = {
        pointer.removeprefix("/properties/")
        for pointer in pointers
        if pointer.count("/") == 2 and pointer.endswith(("Name", "Identifier"))
    }
    return names - NOT_PHYSICAL_NAMES


def physical_names(template: dict) -> dict[str, str]:
    """Fixed physical names and export names of a template: {JSON of the value: where}."""
    names = {}
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        paths = [(name,) for name in _name_properties(resource["Type"])]
        for path in [*paths, *NESTED_NAMES.get(resource["Type"], [])]:
            value: Any = properties
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None and not _depends_on_a_resource(value):
                names[json.dumps(value, sort_keys=True)] = f"{logical_id}.{'.'.join(path)}"
    for output_id, output in template.get("Outputs", {}).items():
        export = output.get("Export", {}).get("Name")
        if export is not None and not _depends_on_a_resource(export):
            names[f"export {json.dumps(export, sort_keys=True)}"] = f"Outputs.{output_id}"
    return names


def _names_by_config(config: str) -> dict[str, str]:
    synth = synth_of(config)
    return {
        name: f"{lab_id} {where}"
        for lab_id in synth.stacks  # the labs and, with a participant, LabAccess
        for name, where in physical_names(synth.template(lab_id)).items()
    }


PAIRS = list(itertools.combinations(CONFIGURATIONS, 2))


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_participants_share_no_stack_name(first, second):
    names = [{synth_of(c).stack_name(s) for s in synth_of(c).stacks} for c in (first, second)]
    assert names[0] & names[1] == set(), f"{first} and {second} would deploy into the same stacks"


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_participants_share_no_physical_name_or_export(first, second):
    ours, theirs = _names_by_config(first), _names_by_config(second)
    shared = {name: (ours[name], theirs[name]) for name in ours.keys() & theirs.keys()}
    assert shared == {}, f"{first} and {second} would fight over these names in one account"


def test_physical_names_finds_fixed_names_and_exports_but_not_generated_ones():
    template = {
        "Resources": {
            "Fixed": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "lab-bucket"}},
            "Generated": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "Users"}},
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": {"Fn::Join": ["", ["/x/", {"Ref": "Fixed"}]]}},
            },
            "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBName": "lab"}},
            "Plan": {
                "Type": "AWS::Backup::BackupPlan",
                "Properties": {"BackupPlan": {"BackupPlanName": "plan"}},
            },
        },
        "Outputs": {"Out": {"Value": "x", "Export": {"Name": {"Fn::Sub": "${AWS::Region}-x"}}}},
    }
    assert physical_names(template) == {
        '"lab-bucket"': "Fixed.BucketName",
        '"Users"': "Table.TableName",
        '"plan"': "Plan.BackupPlan.BackupPlanName",
        'export {"Fn::Sub": "${AWS::Region}-x"}': "Outputs.Out",
    }

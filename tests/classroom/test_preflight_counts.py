"""What the quota preflight counts per participant is what the synthesized stacks make (#23).

Judged by the templates themselves: for every lab and option set, each resource the preflight
counts (IAM roles, VPCs, DB instances, DB subnet groups, DB parameter groups, internet
gateways) is counted in the participant's synthesized template. A lab that gains a role, or a
replica that gains a subnet group, fails here until the preflight counts it.
"""

from __future__ import annotations

from collections import Counter

import pytest

from classroom import preflight
from course.config import LabSettings
from tests.synth import EVERY_OPTION, PARTICIPANT

LABS = ["LabS3Lifecycle", "LabS3Website", "LabRdsMysql", "LabDynamoDbUsers", "LabBackup"]
# The quota, by its name in Service Quotas, and the resource type that uses it.
RESOURCE = {
    "Roles per account": "AWS::IAM::Role",
    "VPCs per Region": "AWS::EC2::VPC",
    "DB instances": "AWS::RDS::DBInstance",
    "DB subnet groups": "AWS::RDS::DBSubnetGroup",
    "DB parameter groups": "AWS::RDS::DBParameterGroup",
    "Internet gateways per Region": "AWS::EC2::InternetGateway",
}


def made(template) -> dict[str, int]:
    types = Counter(r["Type"] for r in template["Resources"].values())
    return {quota: types[kind] for quota, kind in RESOURCE.items() if types[kind]}


def counted(lab_id: str, context: dict[str, str]) -> dict[str, int]:
    settings = LabSettings.from_context(context.get)
    return {need.name: n for need, n in preflight.needs(lab_id, settings).items()}


@pytest.mark.parametrize("lab_id", LABS)
def test_the_preflight_counts_what_a_participants_stack_makes(participant_synth, lab_id):
    assert counted(lab_id, {"participant": PARTICIPANT}) == made(participant_synth.template(lab_id))


@pytest.mark.parametrize("lab_id", [*LABS, "LabAccess"])
def test_with_every_option_too(every_option_synth, lab_id):
    assert counted(lab_id, EVERY_OPTION) == made(every_option_synth.template(lab_id))

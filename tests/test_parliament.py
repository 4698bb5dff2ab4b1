"""Every IAM policy of every template, and the policies under labs/, checked by parliament.

parliament (github.com/duo-labs/parliament) checks a policy against the IAM reference it ships:
unknown actions, resources that do not fit their actions, malformed conditions, principals.
It reads plain JSON, so CloudFormation's `Ref`, `Fn::GetAtt` and `Fn::Join` are rendered first
into values of the shape CloudFormation gives them (an ARN where the property is an ARN), with
a fixed partition, region and account.

Identity policies (IAM policies, managed policies, role inline policies) and resource policies
(key, bucket, topic, secret and vault policies) are checked: parliament checks a statement's
`Principal` where there is one. Trust policies (`AssumeRolePolicyDocument`) are not: parliament
reads every statement as one that needs a `Resource`, which a trust policy never has, and has
no check of its own for them (cfn-lint and cdk-nag check their shape).
What parliament may still find is listed, with the reason, in tests/parliament-accepted.json.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from parliament import analyze_policy_string

from tests.synth import CONFIGURATIONS, ROOT, synth_of

ACCEPTED_FILE = Path(__file__).parent / "parliament-accepted.json"
POLICY_FILES = [
    "labs/labcheck-policy.json",
    *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "labs" / "access").glob("*.json")),
]
PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "123456789012"
PSEUDO = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "LabStack",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/LabStack/id",
}
SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
# Where a template holds a policy document: resource type -> property paths ("[]": each item).
POLICY_PROPERTIES = {
    "AWS::IAM::Policy": ["PolicyDocument"],
    "AWS::IAM::ManagedPolicy": ["PolicyDocument"],
    "AWS::IAM::Role": ["Policies[].PolicyDocument"],
    "AWS::KMS::Key": ["KeyPolicy"],
    "AWS::S3::BucketPolicy": ["PolicyDocument"],
    "AWS::SNS::TopicPolicy": ["PolicyDocument"],
    "AWS::SecretsManager::ResourcePolicy": ["ResourcePolicy"],
    "AWS::Backup::BackupVault": ["AccessPolicy"],
}
# The ARN of a resource of each type, from its name or id.
ARNS = {
    "AWS::Backup::BackupVault": "arn:aws:backup:{region}:{account}:backup-vault:{name}",
    "AWS::Backup::BackupPlan": "arn:aws:backup:{region}:{account}:backup-plan:{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::EC2::VPC": "arn:aws:ec2:{region}:{account}:vpc/{name}",
    "AWS::Events::Rule": "arn:aws:events:{region}:{account}:rule/{name}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{account}:policy/{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::IAM::User": "arn:aws:iam::{account}:user/{name}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::RDS::DBInstance": "arn:aws:rds:{region}:{account}:db:{name}",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::Scheduler::Schedule": "arn:aws:scheduler:{region}:{account}:schedule/default/{name}",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{region}:{account}:stateMachine:{name}",
}
# Types whose `Ref` is their ARN (for the others it is the name or id).
REF_IS_ARN = {
    "AWS::IAM::ManagedPolicy",
    "AWS::SecretsManager::Secret",
    "AWS::SNS::Topic",
    "AWS::StepFunctions::StateMachine",
}


def arn(resource_type: str, logical_id: str) -> str:
    if resource_type not in ARNS:
        raise AssertionError(f"add the ARN of {resource_type} ({logical_id}) to ARNS")
    return ARNS[resource_type].format(region=REGION, account=ACCOUNT, name=logical_id.lower())


def render(value: Any, resources: dict[str, Any]) -> Any:
    """`value` with CloudFormation's intrinsic functions replaced by plausible values."""
    if isinstance(value, list):
        return [render(item, resources) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        ref = value["Ref"]
        if ref in PSEUDO:
            return PSEUDO[ref]
        if ref not in resources:  # a template parameter (e.g. an SSM value): a plain value
            return ref.lower()
        resource_type = resources[ref]["Type"]
        return arn(resource_type, ref) if resource_type in REF_IS_ARN else ref.lower()
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        if attribute.endswith("Arn"):
            return arn(resources[logical_id]["Type"], logical_id)
        return f"{logical_id}-{attribute}".lower()  # an id, e.g. DbiResourceId
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(render(part, resources)) for part in parts)
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return SUB_VARIABLE.sub(lambda match: _sub(match.group(1), resources), value["Fn::Sub"])
    if any(key.startswith("Fn::") for key in value):
        raise AssertionError(f"render {sorted(value)} before parliament can read it")
    return {key: render(item, resources) for key, item in value.items()}


def _sub(variable: str, resources: dict[str, Any]) -> str:
    if "." in variable:
        return str(render({"Fn::GetAtt": variable.split(".", 1)}, resources))
    return str(render({"Ref": variable}, resources))


def _documents(resource: dict[str, Any], path: str) -> list[Any]:
    head, _, rest = path.partition(".")
    properties = resource.get("Properties", {})
    if head.endswith("[]"):
        return [
            doc
            for item in properties.get(head[:-2], [])
            for doc in _documents({"Properties": item}, rest)
        ]
    return [properties[head]] if head in properties else []


def template_policies(template: dict[str, Any]) -> dict[str, list[Any]]:
    """Every policy document of a template, rendered, by `<logical id> <property>`."""
    resources = template["Resources"]
    found: dict[str, list[Any]] = {}
    for logical_id, resource in resources.items():
        for path in POLICY_PROPERTIES.get(resource["Type"], []):
            for document in _documents(resource, path):
                found.setdefault(f"{logical_id} {path}", []).append(render(document, resources))
    return found


def findings_of(document: Any) -> set[tuple[str, str]]:
    """parliament's findings on one document: (issue, detail as JSON)."""
    policy = analyze_policy_string(json.dumps(document))
    return {
        (finding.issue, json.dumps(finding.detail, sort_keys=True)) for finding in policy.findings
    }


@cache
def all_findings() -> dict[tuple[str, str], set[str]]:
    """(policy, issue) -> details, over every configuration's templates and the files.

    A policy is named by its construct path and property, e.g.
    `LabAccess/SignIn/Permissions/Resource PolicyDocument`, or by its file.
    """
    found: dict[tuple[str, str], set[str]] = {}
    for config in CONFIGURATIONS:
        synth = synth_of(config)
        for stack_id in synth.stacks:
            paths = synth.construct_paths(stack_id)
            for where, documents in template_policies(synth.template(stack_id)).items():
                logical_id, prop = where.split(" ", 1)
                name = f"{paths.get(logical_id, f'{stack_id}/{logical_id}')} {prop}"
                for document in documents:
                    for issue, detail in findings_of(document):
                        found.setdefault((name, issue), set()).add(detail)
    for file in POLICY_FILES:
        for issue, detail in findings_of(json.loads((ROOT / file).read_text())):
            found.setdefault((file, issue), set()).add(detail)
    return found


def accepted() -> list[dict[str, Any]]:
    return json.loads(ACCEPTED_FILE.read_text())["accepted"]


def test_every_template_policy_is_found():
    """The extraction must see the policies it is meant to check (a test that can fail)."""
    synth = synth_of("participant")
    policies = template_policies(synth.template("LabAccess"))
    assert {
        "SignInPermissionsF343B25C PolicyDocument",
        "SignInGuards7C8627AF PolicyDocument",
    } <= set(policies)
    backup = template_policies(synth.template("LabBackup"))
    assert any(where.endswith(" KeyPolicy") for where in backup)
    assert any(where.endswith(" PolicyDocument") for where in backup)  # AWS::IAM::Policy
    rds = template_policies(synth.template("LabRdsMysql"))  # CDK's raw helper role, inline
    assert any(where.endswith(" Policies[].PolicyDocument") for where in rds)


def test_parliament_finds_a_broken_policy():
    broken = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}],
    }
    assert {issue for issue, _ in findings_of(broken)} == {"UNKNOWN_ACTION"}


def test_every_finding_is_accepted_with_a_reason():
    allowed = {(policy, entry["issue"]) for entry in accepted() for policy in entry["policies"]}
    new = [
        f"{issue} on {policy}: {sorted(details)[0][:300]}"
        for (policy, issue), details in sorted(all_findings().items())
        if (policy, issue) not in allowed
    ]
    assert new == [], "parliament findings: fix them, or accept them with a reason in " + (
        f"{ACCEPTED_FILE.name}:\n" + "\n".join(new)
    )


def test_every_accepted_finding_still_occurs():
    for number, entry in enumerate(accepted(), start=1):
        assert set(entry) == {"issue", "policies", "reason"}, f"entry #{number}: wrong keys"
        assert len(entry["reason"].strip()) >= 40, f"entry #{number} needs a reason"
        for policy in entry["policies"]:
            assert (policy, entry["issue"]) in all_findings(), (
                f"entry #{number}: parliament no longer finds {entry['issue']} on {policy}:"
                f" remove it from {ACCEPTED_FILE.name}"
            )

"""ParticipantSignIn on its own, in a bare Stack: an IAM user with a generated first password it
must change, the two shared participant policies, the boundary of the participant's roles, a
role for AWS Backup inside it, and no access keys.

What the policies allow and deny, and the LabAccess stack: test_participant_access.py.
"""

import json

import pytest

from lab_constructs.participant_access import (
    ParticipantSignIn,
    policy_document,
    wildcard_findings,
)
from tests.lab_constructs.helpers import bare_template
from tests.synth import ROOT
from tests.templates import of_type, only

ACCESS_DIR = ROOT / "labs" / "access"


@pytest.fixture(scope="module")
def template() -> dict:
    return bare_template(
        lambda stack: ParticipantSignIn(stack, "SignIn", user_name="zoe", policy_name="zoe-Pol")
    )


def test_it_creates_a_user_three_managed_policies_a_role_a_secret_and_no_access_key(template):
    types = sorted(r["Type"] for r in template["Resources"].values())
    assert types == [
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Role",
        "AWS::IAM::User",
        "AWS::SecretsManager::Secret",
    ], "no AWS::IAM::AccessKey: CloudFormation could not delete a user who has one"


def test_the_user_signs_in_with_the_generated_password_and_must_change_it(template):
    secret_id, _ = only(template, "AWS::SecretsManager::Secret")
    _, user = only(template, "AWS::IAM::User")
    props = user["Properties"]
    assert props["UserName"] == "zoe"
    assert props["LoginProfile"]["PasswordResetRequired"] is True
    assert props["LoginProfile"]["Password"] == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]
    }, "the password is read from Secrets Manager at deploy, never written in the template"


def test_the_first_password_is_20_readable_characters_deleted_with_the_stack(template):
    _, secret = only(template, "AWS::SecretsManager::Secret")
    props = secret["Properties"]
    assert props["GenerateSecretString"] == {
        "PasswordLength": 20,
        "ExcludeCharacters": " \"'`\\/@|lI1O0",
    }
    assert "SecretString" not in props
    assert secret["DeletionPolicy"] == "Delete"
    assert secret["UpdateReplacePolicy"] == "Delete"
    assert "zoe" in props["Description"]


def _policy_ids(template: dict) -> dict[str, str]:
    policies = of_type(template, "AWS::IAM::ManagedPolicy")
    return {p["Properties"]["ManagedPolicyName"]: k for k, p in policies.items()}


def test_the_user_has_the_permissions_and_the_guards_policies_named_after_policy_name(template):
    ids = _policy_ids(template)
    assert sorted(ids) == ["zoe-Pol", "zoe-PolBoundary", "zoe-PolGuards"]
    _, user = only(template, "AWS::IAM::User")
    assert sorted(user["Properties"]["ManagedPolicyArns"], key=str) == sorted(
        ({"Ref": ids[name]} for name in ("zoe-Pol", "zoe-PolGuards")), key=str
    ), "the boundary is for roles: as a policy of the user it would only add allows"


def test_the_backup_role_is_for_aws_backup_inside_the_boundary(template):
    _, role = only(template, "AWS::IAM::Role")
    props = role["Properties"]
    assert props["RoleName"] == "zoe-PolBackup"
    assert props["PermissionsBoundary"] == {"Ref": _policy_ids(template)["zoe-PolBoundary"]}
    assert props["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
        }
    ]
    managed = json.dumps(props["ManagedPolicyArns"])
    assert "service-role/AWSBackupServiceRolePolicyForBackup" in managed
    assert "service-role/AWSBackupServiceRolePolicyForRestores" in managed


@pytest.mark.parametrize(
    ("name", "documents"),
    [
        ("zoe-Pol", ["participant-policy.json"]),
        ("zoe-PolGuards", ["participant-guards.json"]),
        ("zoe-PolBoundary", ["participant-role-boundary.json", "participant-guards.json"]),
    ],
)
def test_each_policy_is_its_shared_document_as_written(template, name, documents):
    (policy,) = [
        p["Properties"]
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"] == name
    ]
    written = {
        "Version": "2012-10-17",
        "Statement": [
            s for d in documents for s in json.loads((ACCESS_DIR / d).read_text())["Statement"]
        ],
    }
    # CDK sorts the values of a list (e.g. a statement's resources); the order means nothing.
    assert _unordered(policy["PolicyDocument"]) == _unordered(written), (
        "no participant's name: one document for all"
    )


def _unordered(document: dict) -> dict:
    return {
        **document,
        "Statement": [
            {k: sorted(v) if isinstance(v, list) else v for k, v in statement.items()}
            for statement in document["Statement"]
        ],
    }


def test_a_policy_of_exactly_6144_characters_is_accepted_and_one_more_refused(tmp_path):
    def document(length: int) -> dict:
        statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ""}
        base = len(
            json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))
        )
        statement["Resource"] = "x" * (length - base)
        return {"Version": "2012-10-17", "Statement": [statement]}

    path = tmp_path / "p.json"
    path.write_text(json.dumps(document(6144), indent=4))
    assert policy_document(path).to_json()["Statement"][0]["Action"] == "s3:GetObject"
    path.write_text(json.dumps(document(6145), indent=4))
    with pytest.raises(
        ValueError, match=r"p\.json has 6145 characters; a managed policy may have 6144"
    ):
        policy_document(path)


def test_two_statements_with_one_sid_stop_synth(tmp_path):
    statement = {"Sid": "Same", "Effect": "Deny", "Action": "*", "Resource": "*"}
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps({"Statement": [statement]}))
    with pytest.raises(ValueError, match=r"statement ids used twice .*\['Same'\]"):
        policy_document(tmp_path / "a.json", tmp_path / "b.json")


def test_wildcard_findings_name_each_wildcard_of_the_allow_statements_with_its_reason(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "Statement": [
                    {
                        "Sid": "OwnBucketsAndObjects",
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": [
                            "arn:aws:s3:::${aws:PrincipalTag/participant}-*",
                            "arn:aws:s3:::exact",
                        ],
                    },
                    {"Sid": "Whatever", "Effect": "Deny", "Action": "*", "Resource": "*"},
                ]
            }
        )
    )
    findings = wildcard_findings(path)
    assert set(findings) == {
        "IAM5[Action::s3:*]",
        "IAM5[Resource::arn:aws:s3:::<aws:PrincipalTag/participant>-*]",
    }, "Deny statements and exact resources raise nothing"
    assert all("own buckets and objects" in reason for reason in findings.values())


def test_an_allow_statement_without_a_reason_stops_synth(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {"Statement": [{"Sid": "New", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        )
    )
    with pytest.raises(KeyError, match="New"):
        wildcard_findings(path)

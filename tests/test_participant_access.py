"""LabAccess: a participant signs in and can build, check and break only their own labs.

This module's allow/deny table is judged by moto's IAM authorization in server mode
(`/moto-api/reset-auth`, as `INITIAL_NO_AUTH_ACTION_COUNT` does at start-up). The trainer's and
ben's resources are created first, unauthenticated; then every request is authorized against
the policies of user `ana`, taken from the synthesized LabAccess template.

What moto 5.2 evaluates, and what it does not (read in moto/iam/access_control.py):
- it matches Action, Resource and Effect, but passes a request's resource ARN only for S3
  (bucket and object), IAM role operations and STS AssumeRole; every other service is
  authorized against `*`. So the S3, IAM and STS rows run through moto; the rows of the other
  services are in tests/test_participant_escapes.py, judged by tests/iam_evaluation.py.
- it resolves no policy variable: the documents given to moto have
  `${aws:PrincipalTag/participant}` and `${aws:username}` replaced by `ana`, as IAM does for a
  user tagged `participant=ana`.
- it evaluates no condition but `sts:ExternalId`, and treats a statement whose condition it
  cannot verify as a Deny, whatever its Effect. The statements with conditions are left out of
  moto's copy (`CONDITIONED`); tests/test_participant_escapes.py judges them, and this table
  again, with conditions and variables.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.moto_server import moto_server
from tests.templates import managed_policies, of_type, user_policies

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
CONDITIONED = {
    "OwnTaggedResources",
    "CreateTaggedForYourself",
    "TagWhatYouCreate",
    "CreateRolesInsideTheBoundary",
    "OwnRolesInsideTheBoundary",
    "PassRolesToTheLabServices",
    "PassTheMonitoringRoleToRdsOnly",
    "DenyOtherParticipantsResources",
    "DenyTheTrainersCourseResources",
    "DenyTheCourseStacksFunctions",
    "DenyTheCourseStacksRoles",
    "DenyPassingTheCourseStacksRoles",
    "DenyTaggingForSomeoneElse",
    "DenyRemovingTheParticipantTag",
    "DenyTheCourseTag",
    "DenyDatabasesLargerThanTheLabAllows",
    "DenyDatabaseStorageBeyondTheLab",
    "DenyProvisionedIops",
}
BEN_SITE = "ben-website-123456789012"
TRAINERS_BUCKET = "labs3lifecycle-lifecyclebucketb5db832a-abc"
BOOTSTRAP_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"
DEPLOY_ROLE = "cdk-hnb659fds-deploy-role-123456789012-us-east-1"


@pytest.fixture(scope="module")
def policies(participant_synth) -> dict[str, dict[str, Any]]:
    """ana's managed policies, by name, as the LabAccess template writes them."""
    return managed_policies(participant_synth.template("LabAccess"))


@pytest.fixture(scope="module")
def user_documents(participant_synth) -> dict[str, dict[str, Any]]:
    """The two of them attached to user ana (the third is her roles' boundary)."""
    return user_policies(participant_synth.template("LabAccess"))


def _statements(policies: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        statement["Sid"]: statement
        for document in policies.values()
        for statement in document["Statement"]
    }


def for_moto(document: dict[str, Any], participant: str) -> str:
    """The document as IAM evaluates it for `participant`, without conditioned statements."""
    kept = [s for s in document["Statement"] if "Condition" not in s]
    text = json.dumps({**document, "Statement": kept})
    return text.replace("${aws:PrincipalTag/participant}", participant).replace(
        "${aws:username}", participant
    )


def _client(service: str, endpoint: str, **credentials: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        **credentials,
    )


@pytest.fixture(scope="module")
def ana(user_documents, participant_synth, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Clients signed with ana's access keys; the account holds ben's, the trainer's and the
    CDK bootstrap's resources."""
    admin_keys = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as endpoint:
        iam = _client("iam", endpoint, **admin_keys)
        (user,) = [
            r["Properties"]
            for r in participant_synth.template("LabAccess")["Resources"].values()
            if r["Type"] == "AWS::IAM::User"
        ]
        iam.create_user(UserName=user["UserName"], Tags=user["Tags"])
        for name, document in user_documents.items():
            arn = iam.create_policy(PolicyName=name, PolicyDocument=for_moto(document, "ana"))
            iam.attach_user_policy(UserName="ana", PolicyArn=arn["Policy"]["Arn"])
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
            ],
        }
        for role in (DEPLOY_ROLE, "ben-backup-role", "ana-backup-role"):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
        s3 = _client("s3", endpoint, **admin_keys)
        for bucket in (BEN_SITE, TRAINERS_BUCKET, BOOTSTRAP_BUCKET):
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>ben</h1>")
        keys = iam.create_access_key(UserName="ana")["AccessKey"]
        # From here on, moto authorizes every request.
        request = urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth",
            data=b"0",
            headers={"Content-Type": "text/plain"},  # a form body would leave request.data empty
        )
        urllib.request.urlopen(request, timeout=5).close()
        credentials = {
            "aws_access_key_id": keys["AccessKeyId"],
            "aws_secret_access_key": keys["SecretAccessKey"],
        }
        clients = {
            service: _client(service, endpoint, **credentials)
            for service in ("s3", "iam", "sts", "dynamodb", "rds")
        }
        yield {**clients, "endpoint": endpoint, "credentials": credentials}


def _own_bucket(s3) -> None:
    s3.create_bucket(Bucket="ana-lifecycle-123456789012")  # moto: again in us-east-1 is fine
    s3.put_object(Bucket="ana-lifecycle-123456789012", Key="test.txt", Body=b"hello")


# (case, call): each is run with ana's credentials in moto.
ALLOWED = {
    "ana builds her lifecycle bucket and uploads test.txt": lambda c: _own_bucket(c["s3"]),
    "ana sets her bucket's lifecycle rule": lambda c: c["s3"].put_bucket_lifecycle_configuration(
        Bucket="ana-lifecycle-123456789012",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "GlacierAfter30DaysExpireAfter365Days",
                    "Status": "Enabled",
                    "Filter": {},
                    "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
                    "Expiration": {"Days": 365},
                }
            ]
        },
    ),
    "ana reads her own test.txt": lambda c: c["s3"].get_object(
        Bucket="ana-lifecycle-123456789012", Key="test.txt"
    ),
    "ana builds her website bucket": lambda c: c["s3"].create_bucket(
        Bucket="ana-website-123456789012"
    ),
    "ana gives her website a bucket policy": lambda c: c["s3"].put_bucket_policy(
        Bucket="ana-website-123456789012",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicRead",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::ana-website-123456789012/*",
                    }
                ],
            }
        ),
    ),
    "ana lists the buckets (the S3 console's first page)": lambda c: c["s3"].list_buckets(),
    "ana lists the tables (the DynamoDB console)": lambda c: c["dynamodb"].list_tables(),
    "ana lists the databases (the RDS console)": lambda c: c["rds"].describe_db_instances(),
    "ana reads her own role": lambda c: c["iam"].get_role(RoleName="ana-backup-role"),
    "ana deletes her own role": lambda c: c["iam"].delete_role(RoleName="ana-backup-role"),
}
DENIED = {
    "ana reads ben's objects": lambda c: c["s3"].get_object(Bucket=BEN_SITE, Key="index.html"),
    "ana overwrites ben's website": lambda c: c["s3"].put_object(
        Bucket=BEN_SITE, Key="index.html", Body=b"<h1>ana was here</h1>"
    ),
    "ana lists ben's bucket": lambda c: c["s3"].list_objects_v2(Bucket=BEN_SITE),
    "ana deletes ben's bucket policy": lambda c: c["s3"].delete_bucket_policy(Bucket=BEN_SITE),
    "ana deletes ben's bucket": lambda c: c["s3"].delete_bucket(Bucket=BEN_SITE),
    "ana reads the trainer's bucket": lambda c: c["s3"].list_objects_v2(Bucket=TRAINERS_BUCKET),
    "ana creates a bucket without her prefix": lambda c: c["s3"].create_bucket(
        Bucket="lifecycle-lab-ana-123"
    ),
    "ana writes an asset into the CDK bootstrap bucket": lambda c: c["s3"].put_object(
        Bucket=BOOTSTRAP_BUCKET, Key="asset.zip", Body=b"x"
    ),
    "ana reads the CDK bootstrap bucket": lambda c: c["s3"].get_object(
        Bucket=BOOTSTRAP_BUCKET, Key="index.html"
    ),
    "ana assumes the CDK bootstrap's deploy role": lambda c: c["sts"].assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{DEPLOY_ROLE}", RoleSessionName="ana"
    ),
    "ana deletes the CDK bootstrap's deploy role": lambda c: c["iam"].delete_role(
        RoleName=DEPLOY_ROLE
    ),
    "ana deletes ben's role": lambda c: c["iam"].delete_role(RoleName="ben-backup-role"),
    "ana creates a user": lambda c: c["iam"].create_user(UserName="mallory"),
}


@pytest.mark.parametrize("case", ALLOWED)
def test_moto_allows(ana, case):
    ALLOWED[case](ana)


@pytest.mark.parametrize("case", DENIED)
def test_moto_denies(ana, case):
    with pytest.raises(ClientError) as denied:
        DENIED[case](ana)
    assert denied.value.response["Error"]["Code"] in {"AccessDenied", "AccessDeniedException"}


# --- The documents -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def statements(user_documents) -> dict[str, dict[str, Any]]:
    return _statements(user_documents)


def test_the_moto_copy_leaves_out_exactly_the_conditioned_statements(statements):
    assert {sid for sid, s in statements.items() if "Condition" in s} == CONDITIONED


def test_every_participant_gets_the_same_documents(participant_synth, every_option_synth):
    ana = managed_policies(participant_synth.template("LabAccess"))
    ben = managed_policies(every_option_synth.template("LabAccess"))
    assert set(ana) == {"ana-LabAccess", "ana-LabAccessGuards", "ana-LabAccessBoundary"}
    assert set(ben) == {"ben-LabAccess", "ben-LabAccessGuards", "ben-LabAccessBoundary"}
    for suffix in ("", "Guards", "Boundary"):
        assert ana[f"ana-LabAccess{suffix}"] == ben[f"ben-LabAccess{suffix}"]


def test_the_user_has_the_permissions_and_the_guards_and_roles_the_boundary(participant_synth):
    template = participant_synth.template("LabAccess")
    assert set(user_policies(template)) == {"ana-LabAccess", "ana-LabAccessGuards"}
    boundary = managed_policies(template)["ana-LabAccessBoundary"]
    guards = managed_policies(template)["ana-LabAccessGuards"]
    assert guards["Statement"] == boundary["Statement"][-len(guards["Statement"]) :], (
        "the boundary ends with every guard"
    )


# --- The stack ---------------------------------------------------------------------------


def test_the_user_is_the_participant_tagged_with_their_name(participant_synth):
    template = participant_synth.assertions("LabAccess")
    users = template.find_resources("AWS::IAM::User")
    (user,) = users.values()
    props = user["Properties"]
    assert props["UserName"] == "ana"
    assert {"Key": "participant", "Value": "ana"} in props["Tags"]
    # Its first password, policies and backup role (ParticipantSignIn's own): tests/lab_constructs.


def test_the_stack_gives_no_access_keys(participant_synth):
    types = {r["Type"] for r in participant_synth.template("LabAccess")["Resources"].values()}
    assert types == {
        "AWS::IAM::User",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Role",  # the participant's role for AWS Backup
        "AWS::SecretsManager::Secret",
    }


def test_outputs_say_where_to_sign_in_and_how_to_read_the_first_password(participant_synth):
    outputs = participant_synth.template("LabAccess")["Outputs"]
    assert outputs["SignInUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Ref": "AWS::AccountId"}, ".signin.aws.amazon.com/console"]]
    }
    assert "aws secretsmanager get-secret-value" in json.dumps(outputs["FirstPasswordCommand"])
    (role_id,) = of_type(participant_synth.template("LabAccess"), "AWS::IAM::Role")
    assert outputs["BackupRoleArn"]["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_without_a_participant_there_is_no_access_stack(synth):
    assert "LabAccess" not in synth.stacks


def test_the_stack_refuses_to_exist_without_a_participant():
    from aws_cdk import App

    from course.config import ContextError, LabSettings
    from stacks.access import AccessStack

    with pytest.raises(ContextError, match="LabAccess needs -c participant=<name>"):
        AccessStack(App(), settings=LabSettings())


@pytest.mark.parametrize("name", ["ana-LabAccess", "ana-LabAccessGuards", "ana-LabAccessBoundary"])
def test_each_policy_fits_the_managed_policy_size_limit(policies, name):
    # IAM's quota: 6,144 characters per managed policy, whitespace not counted.
    assert len(json.dumps(policies[name], separators=(",", ":"))) <= 6144


def test_statement_no_access_keys_so_teardown_can_delete_the_user(statements):
    """CloudFormation cannot delete a user who created access keys of their own."""
    granted = [
        action
        for s in statements.values()
        if s["Effect"] == "Allow"
        for action in ([s["Action"]] if isinstance(s.get("Action"), str) else s.get("Action", []))
    ]
    assert "iam:CreateAccessKey" not in granted
    assert not [a for a in granted if a.startswith("iam:") and a.endswith("*")]
    assert statements["OwnSignIn"]["Resource"] == "arn:aws:iam::*:user/${aws:username}"


@pytest.mark.parametrize(
    ("bucket", "denied"),
    [("ana-lifecycle-123456789012", False), (BEN_SITE, True)],
    ids=["her own bucket", "ben's bucket"],
)
def test_labcheck_runs_with_the_participants_credentials(ana, monkeypatch, capsys, bucket, denied):
    """labcheck, signed as ana: every call it makes on her bucket is allowed, on ben's not."""
    from labcheck.cli import main

    _own_bucket(ana["s3"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", ana["endpoint"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ana["credentials"]["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ana["credentials"]["aws_secret_access_key"])
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    code = main(["LabS3Lifecycle", "--bucket", bucket, "--region", REGION])
    out, err = capsys.readouterr()
    assert ("access denied" in err) is denied, err
    assert (code == 2) is denied
    if not denied:
        assert "PASS  The bucket exists" in out
        assert "PASS  test.txt is in the bucket" in out, out  # HeadObject and GetObject


def test_statement_every_call_of_labcheck_is_granted(statements):
    """A participant checks their own labs with labcheck (labcheck.aws.PERMISSIONS)."""
    from fnmatch import fnmatchcase

    from labcheck.aws import PERMISSIONS

    allowed = [
        action
        for s in statements.values()
        if s["Effect"] == "Allow"
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    # GetCallerIdentity needs no permission: IAM always allows it.
    needed = set(PERMISSIONS.values()) - {"sts:GetCallerIdentity"}
    missing = sorted(a for a in needed if not any(fnmatchcase(a, p) for p in allowed))
    assert missing == []

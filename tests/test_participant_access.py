"""LabAccess: a participant signs in and can build, check and break only their own labs.

The allow/deny table is judged by an evaluator that is not ours: moto's IAM authorization in
server mode (`/moto-api/reset-auth`, as `INITIAL_NO_AUTH_ACTION_COUNT` does at start-up). The
trainer's and ben's resources are created first, unauthenticated; then every request is
authorized against the policies of user `ana`, taken from the synthesized LabAccess template.

What moto 5.2 evaluates, and what it does not (read in moto/iam/access_control.py):
- it matches Action, Resource and Effect, but passes a request's resource ARN only for S3
  (bucket and object), IAM role operations and STS AssumeRole; every other service is
  authorized against `*`. So the S3, IAM and STS rows run through moto; the DynamoDB, RDS,
  CloudFormation and SSM rows assert the policy's statements instead (`test_statement_*`).
- it resolves no policy variable: the documents given to moto have
  `${aws:PrincipalTag/participant}` and `${aws:username}` replaced by `ana`, as IAM does for a
  user tagged `participant=ana`.
- it evaluates no condition but `sts:ExternalId`, and treats a statement whose condition it
  cannot verify as a Deny, whatever its Effect. The statements with conditions are left out of
  moto's copy and asserted as written (`CONDITIONED`).
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

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
P = "${aws:PrincipalTag/participant}"
CONDITIONED = {
    "OwnTaggedResources",
    "CreateTaggedForYourself",
    "OwnRolesInsideTheBoundary",
    "PassRolesToTheLabServices",
    "DenyOtherParticipantsResources",
    "DenyTheTrainersCourseResources",
    "DenyActingAsTheCourseStacksRoles",
    "DenyDatabasesLargerThanTheLabAllows",
}
BEN_SITE = "ben-website-123456789012"
TRAINERS_BUCKET = "labs3lifecycle-lifecyclebucketb5db832a-abc"
BOOTSTRAP_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"
DEPLOY_ROLE = "cdk-hnb659fds-deploy-role-123456789012-us-east-1"


def _policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"]["ManagedPolicyName"]: resource["Properties"]["PolicyDocument"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
    }


@pytest.fixture(scope="module")
def policies(participant_synth) -> dict[str, dict[str, Any]]:
    """ana's two managed policies, by name, as the LabAccess template writes them."""
    return _policies(participant_synth.template("LabAccess"))


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
def ana(policies, participant_synth, tmp_path_factory) -> Iterator[dict[str, Any]]:
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
        for name, document in policies.items():
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


# --- What moto cannot judge: the statements as written -----------------------------------


@pytest.fixture(scope="module")
def statements(policies) -> dict[str, dict[str, Any]]:
    return _statements(policies)


def test_the_moto_copy_leaves_out_exactly_the_conditioned_statements(statements):
    assert {sid for sid, s in statements.items() if "Condition" in s} == CONDITIONED


def test_statement_tables_are_the_participants_own(statements):
    """ana deletes ben-Users / reads ben's items: no statement names another table."""
    assert statements["OwnTablesAndIndexes"] == {
        "Sid": "OwnTablesAndIndexes",
        "Effect": "Allow",
        "Action": "dynamodb:*",
        "Resource": [f"arn:aws:dynamodb:*:*:table/{P}-*", f"arn:aws:dynamodb:*:*:table/{P}-*/*"],
    }
    from fnmatch import fnmatchcase

    console = statements["SeeTheConsoles"]["Action"]
    item_reads = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"]
    item_reads += ["dynamodb:PartiQLSelect", "s3:GetObject", "secretsmanager:GetSecretValue"]
    item_reads += ["logs:GetLogEvents", "logs:FilterLogEvents", "kms:Decrypt"]
    leaks = [a for a in item_reads if any(fnmatchcase(a, pattern) for pattern in console)]
    assert leaks == [], "the console view reads no data"
    assert "dynamodb:List*" in console


def test_statement_databases_and_stacks_are_the_participants_own(statements):
    """ana deletes ben-LabRdsMysql (stack and instance): only <participant>-* is hers."""
    named = statements["OwnNamedResources"]["Resource"]
    assert f"arn:aws:rds:*:*:db:{P}-*" in named
    assert f"arn:aws:cloudformation:*:*:stack/{P}-*/*" in named
    assert not [r for r in named if P not in r], "every named resource carries the prefix"


def test_statement_course_stacks_can_only_be_read(statements):
    """The trainer's stacks (LabX) and those the trainer deploys for a participant (ana-LabX):
    CloudFormation changes them with the CDK bootstrap's execution role, which may do anything,
    and uses it for whoever updates the stack, without iam:PassRole."""
    statement = statements["DenyChangingTheCourseStacks"]
    assert set(statement["Resource"]) == {
        "arn:aws:cloudformation:*:*:stack/Lab*/*",
        "arn:aws:cloudformation:*:*:stack/*-Lab*/*",
    }
    assert {key: value for key, value in statement.items() if key != "Resource"} == {
        "Sid": "DenyChangingTheCourseStacks",
        "Effect": "Deny",
        "NotAction": ["cloudformation:Describe*", "cloudformation:Get*", "cloudformation:List*"],
    }


def test_statement_nobody_acts_as_the_course_stacks_roles(statements):
    """Their functions and roles carry the tag managed-by=course-labs-cdk (LabStack)."""
    assert statements["DenyActingAsTheCourseStacksRoles"] == {
        "Sid": "DenyActingAsTheCourseStacksRoles",
        "Effect": "Deny",
        "Action": [
            "iam:PassRole",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
        ],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "course-labs-cdk"}},
    }


def test_statement_the_cdk_bootstrap_is_denied(statements):
    assert statements["DenyTheCdkBootstrap"]["Action"] == "*"
    assert set(statements["DenyTheCdkBootstrap"]["Resource"]) == {
        "arn:aws:cloudformation:*:*:stack/CDKToolkit/*",
        "arn:aws:ecr:*:*:repository/cdk-hnb659fds-*",
        "arn:aws:iam::*:role/cdk-hnb659fds-*",
        "arn:aws:s3:::cdk-hnb659fds-*",
        "arn:aws:s3:::cdk-hnb659fds-*/*",
    }
    assert "ssm:PutParameter" in statements["DenyChangingTheCdkBootstrapVersion"]["Action"]
    assert statements["DenyChangingTheCdkBootstrapVersion"]["Resource"] == (
        "arn:aws:ssm:*:*:parameter/cdk-bootstrap/*"
    )


def test_statement_other_participants_tagged_resources_are_denied(statements):
    assert statements["DenyOtherParticipantsResources"]["Condition"] == {
        "StringNotEquals": {"aws:ResourceTag/participant": P},
        "Null": {"aws:ResourceTag/participant": "false"},
    }
    assert statements["DenyTheTrainersCourseResources"]["Condition"] == {
        "Null": {"aws:ResourceTag/managed-by": "false", "aws:ResourceTag/participant": "true"}
    }
    for sid in ("DenyOtherParticipantsResources", "DenyTheTrainersCourseResources"):
        assert (statements[sid]["Effect"], statements[sid]["Action"]) == ("Deny", "*")


def test_statement_resources_by_id_need_the_participants_tag(statements):
    assert statements["OwnTaggedResources"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/participant": P}
    }
    assert statements["CreateTaggedForYourself"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/participant": P}
    }
    assert "kms:CreateKey" in statements["CreateTaggedForYourself"]["Action"]


def test_statement_new_roles_cannot_do_more_than_their_creator(statements):
    boundary = statements["OwnRolesInsideTheBoundary"]
    assert "iam:CreateRole" in boundary["Action"]
    assert boundary["Resource"] == f"arn:aws:iam::*:role/{P}-*"
    assert boundary["Condition"] == {
        "ArnLike": {"iam:PermissionsBoundary": f"arn:aws:iam::*:policy/{P}-LabAccess"}
    }
    others = [s for sid, s in statements.items() if sid != "OwnRolesInsideTheBoundary"]
    assert not [s for s in others if "iam:CreateRole" in s.get("Action", [])]


def test_every_participant_gets_the_same_documents(participant_synth, every_option_synth):
    ana = _policies(participant_synth.template("LabAccess"))
    ben = _policies(every_option_synth.template("LabAccess"))
    assert set(ana) == {"ana-LabAccess", "ana-LabAccessGuards"}
    assert set(ben) == {"ben-LabAccess", "ben-LabAccessGuards"}
    assert ana["ana-LabAccess"] == ben["ben-LabAccess"]
    assert ana["ana-LabAccessGuards"] == ben["ben-LabAccessGuards"]


# --- The stack ---------------------------------------------------------------------------


def test_the_user_is_the_participant_tagged_with_their_name(participant_synth):
    template = participant_synth.assertions("LabAccess")
    users = template.find_resources("AWS::IAM::User")
    (user,) = users.values()
    props = user["Properties"]
    assert props["UserName"] == "ana"
    assert {"Key": "participant", "Value": "ana"} in props["Tags"]
    # Its first password and its two policies (ParticipantSignIn's own): tests/lab_constructs.


def test_the_stack_gives_no_access_keys(participant_synth):
    types = {r["Type"] for r in participant_synth.template("LabAccess")["Resources"].values()}
    assert types == {
        "AWS::IAM::User",
        "AWS::IAM::ManagedPolicy",
        "AWS::SecretsManager::Secret",
    }


def test_outputs_say_where_to_sign_in_and_how_to_read_the_first_password(participant_synth):
    outputs = participant_synth.template("LabAccess")["Outputs"]
    assert outputs["SignInUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Ref": "AWS::AccountId"}, ".signin.aws.amazon.com/console"]]
    }
    assert "aws secretsmanager get-secret-value" in json.dumps(outputs["FirstPasswordCommand"])


def test_without_a_participant_there_is_no_access_stack(synth):
    assert "LabAccess" not in synth.stacks


def test_the_stack_refuses_to_exist_without_a_participant():
    from aws_cdk import App

    from course.config import ContextError, LabSettings
    from stacks.access import AccessStack

    with pytest.raises(ContextError, match="LabAccess needs -c participant=<name>"):
        AccessStack(App(), settings=LabSettings())


@pytest.mark.parametrize("name", ["ana-LabAccess", "ana-LabAccessGuards"])
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


def test_statement_no_database_larger_than_the_lab_allows(statements):
    """The lab sheet: db.t3.medium or smaller (and the Graviton equivalents); no surprise bill."""
    condition = statements["DenyDatabasesLargerThanTheLabAllows"]["Condition"]
    assert set(condition["StringNotEquals"]["rds:DatabaseClass"]) == {
        "db.t3.micro",
        "db.t3.small",
        "db.t3.medium",
        "db.t4g.micro",
        "db.t4g.small",
        "db.t4g.medium",
    }
    # Only when the request names a class: a ModifyDBInstance that keeps it stays allowed.
    assert condition["Null"] == {"rds:DatabaseClass": "false"}
    assert "rds:CreateDBInstance" in statements["DenyDatabasesLargerThanTheLabAllows"]["Action"]


# Where moto authorizes against `*`: the unconditioned statements, read as IAM reads them
# (wildcards match any characters; an explicit Deny wins) with ana's tag filled in.
ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"
BUILDS = [  # (lab, action, resource) that ana may do, and ben's and the trainer's twins
    ("LabDynamoDbUsers", "dynamodb:CreateTable", "table/{p}-Users"),
    ("LabDynamoDbUsers", "dynamodb:PutItem", "table/{p}-Users"),
    ("LabDynamoDbUsers", "dynamodb:UpdateTable", "table/{p}-Users"),
    ("LabDynamoDbUsers", "dynamodb:Query", "table/{p}-Users/index/name-index"),
    ("LabRdsMysql", "rds:CreateDBInstance", "db:{p}-lab-rds-mysql"),
    ("LabRdsMysql", "rds:CreateDBInstanceReadReplica", "db:{p}-lab-rds-mysql-replica"),
    ("LabRdsMysql", "rds:DeleteDBInstance", "db:{p}-lab-rds-mysql"),
    ("LabBackup", "backup:CreateBackupVault", "backup-vault:{p}-LabBackupVault"),
    ("LabBackup", "backup:DeleteBackupVault", "backup-vault:{p}-LabBackupVault"),
    ("LabBackup", "sns:CreateTopic", "{p}-LabBackupNotifications"),
    ("LabBackup", "events:PutRule", "rule/{p}-LabBackupJobFailed"),
    ("LabBackup", "kms:CreateAlias", "alias/{p}-lab-backup"),
    ("own stacks", "cloudformation:CreateStack", "stack/{p}-my-users/id"),
    ("own stacks", "cloudformation:DeleteStack", "stack/{p}-my-users/id"),
]


def _arn(action: str, resource: str, who: str) -> str:
    service = action.split(":")[0]
    return ARN.format(service=service, resource=resource.format(p=who))


def _matches(patterns, value: str, who: str) -> bool:
    from fnmatch import fnmatchcase

    patterns = [patterns] if isinstance(patterns, str) else patterns
    return any(
        fnmatchcase(value, p.replace(P, who).replace("${aws:username}", who)) for p in patterns
    )


def unconditioned_decision(statements, action: str, resource: str, who: str = "ana") -> str:
    plain = [s for s in statements.values() if "Condition" not in s]

    def applies(s):
        acts = s.get("Action")
        action_ok = (
            _matches(acts, action, who) if acts else not _matches(s["NotAction"], action, who)
        )
        return action_ok and _matches(s["Resource"], resource, who)

    if any(s["Effect"] == "Deny" and applies(s) for s in plain):
        return "deny"
    return "allow" if any(s["Effect"] == "Allow" and applies(s) for s in plain) else "deny"


@pytest.mark.parametrize(("lab", "action", "resource"), BUILDS, ids=lambda v: str(v))
def test_statement_ana_builds_her_own_and_not_bens(statements, lab, action, resource):
    assert unconditioned_decision(statements, action, _arn(action, resource, "ana")) == "allow"
    assert unconditioned_decision(statements, action, _arn(action, resource, "ben")) == "deny"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("cloudformation:DeleteStack", "stack/LabRdsMysql/id"),
        ("cloudformation:DeleteStack", "stack/ana-LabRdsMysql/id"),
        ("cloudformation:UpdateStack", "stack/CDKToolkit/id"),
        ("dynamodb:DeleteTable", "table/Users"),
        ("ssm:PutParameter", "parameter/cdk-bootstrap/hnb659fds/version"),
    ],
)
def test_statement_the_course_and_the_bootstrap_stay_out_of_reach(statements, action, resource):
    assert unconditioned_decision(statements, action, _arn(action, resource, "ana")) == "deny"

"""The quota preflight of a class run (issue #19), against moto (tests/classroom/sandboxes.py:
what moto answers of Service Quotas, and what the tests answer instead)."""

from __future__ import annotations

import json
import subprocess

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from classroom import cdk_commands, leftovers, preflight
from classroom import run as class_run
from course.config import LabSettings
from tests.classroom.sandboxes import LAB, RDS_QUOTA, Ran, answer_quotas, roster, up

TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


# --- what a lab needs --------------------------------------------------------------------------


RDS = {
    "Roles per account": 9,
    "VPCs per Region": 1,
    "DB instances": 1,
    "DB subnet groups": 1,
    "DB parameter groups": 1,
}


@pytest.mark.parametrize(
    ("lab", "context", "expected"),
    [
        ("LabRdsMysql", {}, RDS),
        (
            "LabRdsMysql",
            {"read_replica": "true"},
            RDS | {"DB instances": 2, "DB subnet groups": 2},  # the replica's own subnet group
        ),
        (
            "LabRdsMysql",
            {"db_public_access_cidr": "203.0.113.7/32"},
            RDS | {"Internet gateways per Region": 1},
        ),
        (
            "LabRdsMysql",
            {"shared_network": "true"},
            {k: v for k, v in RDS.items() if k != "VPCs per Region"},
        ),
        ("LabRdsMysql", {"expires_in_hours": "6"}, RDS | {"Roles per account": 11}),
        ("LabS3Lifecycle", {}, {"Roles per account": 2}),
        ("LabS3Website", {}, {"Roles per account": 2}),
        ("LabDynamoDbUsers", {}, {"Roles per account": 1}),
        ("LabBackup", {}, {"Roles per account": 7}),
        ("LabBackup", {"expires_in_hours": "6"}, {"Roles per account": 9}),
        ("LabAccess", {}, {"Roles per account": 1}),
    ],
)
def test_what_one_participant_takes_from_each_quota(lab, context, expected):
    settings = LabSettings.from_context({"participant": "ana", **context}.get)
    assert {n.name: count for n, count in preflight.needs(lab, settings).items()} == expected


# --- one account --------------------------------------------------------------------------------


def test_enough_quota_lets_the_class_deploy(aws, tmp_path, capsys):
    code, fake = up(aws, "--participants", "ana ben cem")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK
    assert (
        "ok           VPCs per Region in us-east-1 (default credentials): 3 participants "
        "need 3, 1 in use of 5"
    ) in out
    assert (
        "ok           DB instances in us-east-1 (default credentials): 3 participants need 3, "
        "0 in use of 40"
    ) in out
    assert len(fake.stacks("deploy")) == 3
    assert (
        "ok           DB subnet groups in us-east-1 (default credentials): 3 participants need "
        "3, 0 in use of 50"
    ) in out


def test_a_check_that_fails_unexpectedly_is_not_checked_and_says_why(aws, tmp_path, capsys):
    # moto answers no RDS quota and implements no GetAWSDefaultServiceQuota.
    session = answer_quotas({"L-7B6409FD": 40.0})
    code, fake = up(aws, "--participants", "ana", session=session)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK
    assert (
        "not checked  DB subnet groups in us-east-1 (default credentials): NotImplementedError: "
        "The get_aws_default_service_quota action has not been implemented"
    ) in out
    assert len(fake.stacks("deploy")) == 1


def test_not_enough_vpcs_refuses_before_anything_runs(aws, tmp_path, capsys):
    code, fake = up(aws, "--participants", "ana ben cem dia eva fay")
    captured = capsys.readouterr()
    assert code == class_run.EXIT_FAILED
    assert fake.commands == [], "no synth, no deploy when a quota is short"
    assert (
        "SHORT        VPCs per Region in us-east-1 (default credentials): 6 participants need "
        "6, 1 in use of 5, 2 missing; ask for 7 in the Service Quotas console or: aws "
        "service-quotas request-service-quota-increase --service-code vpc --quota-code "
        "L-F678F1CE --desired-value 7 --region us-east-1"
    ) in captured.out
    assert "error: nothing was deployed: not enough quota for LabRdsMysql" in captured.err


def test_db_instances_count_the_read_replicas_and_the_instances_in_use(aws, tmp_path, capsys):
    boto3.client("rds", region_name="us-east-1").create_db_instance(
        DBInstanceIdentifier="trainer-db",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )
    session = answer_quotas({**RDS_QUOTA, "L-7B6409FD": 2.0})
    code, fake = up(aws, "--participants", "ana ben", session=session)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert fake.commands == []
    assert (
        "SHORT        DB instances in us-east-1 (default credentials): 2 participants need 2, "
        "1 in use of 2, 1 missing; ask for 3 in the Service Quotas console or: aws "
        "service-quotas request-service-quota-increase --service-code rds --quota-code "
        "L-7B6409FD --desired-value 3 --region us-east-1"
    ) in out


def test_a_read_replica_doubles_the_db_instances_a_participant_needs(aws, tmp_path, capsys):
    session = answer_quotas({**RDS_QUOTA, "L-7B6409FD": 3.0})
    code, _ = up(aws, "--participants", "ana ben", session=session)
    assert code == class_run.EXIT_OK
    # The same class with read replicas: 2 x 2 = 4 of 3.
    assert short_with_read_replicas(session, ["cem", "dia"]) == [("DB instances", 4, 1)]


def short_with_read_replicas(session, names: list[str]) -> list[tuple[str, int, int]]:
    """(quota, wanted, missing) of each quota short for `names` with read replicas. Through
    `check_account`, since `class-up` takes the lab options from cdk.json/-c, not from the
    command line."""
    settings = [
        LabSettings.from_context({"participant": p, "read_replica": "true"}.get) for p in names
    ]
    account = leftovers.Account(session(None, "us-east-1"))
    checks = preflight.check_account(
        LAB, settings, account.client, account="default credentials", region="us-east-1"
    )
    return [(c.need.name, c.wanted, c.missing) for c in checks if c.missing]


def test_participants_with_a_stack_already_need_nothing_new(aws, tmp_path, capsys):
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    for name in ("ana", "ben"):
        cloudformation.create_stack(StackName=f"{name}-{LAB}", TemplateBody=TEMPLATE)
    code, _ = up(aws, "--participants", "ana ben cem dia eva fay")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK, out
    assert "VPCs per Region in us-east-1 (default credentials): 4 participants need 4" in out


def test_a_quota_we_may_not_read_is_not_checked_and_does_not_stop_the_class(aws, tmp_path, capsys):
    code, fake = up(aws, "--participants", "ana ben", session=answer_quotas(denied=True))
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK
    assert (
        "not checked  VPCs per Region in us-east-1 (default credentials): GetServiceQuota not "
        "permitted (AccessDeniedException)"
    ) in out
    assert len(fake.stacks("deploy")) == 2


def test_skip_preflight_deploys_without_checking(aws, tmp_path, capsys):
    code, fake = up(aws, "--participants", "ana ben cem dia eva fay", "--skip-preflight")
    assert code == class_run.EXIT_OK
    assert "quota preflight" not in capsys.readouterr().out
    assert len(fake.stacks("deploy")) == 6


# --- what #23 found the preflight did not count --------------------------------------------------


def test_a_read_replica_doubles_the_db_subnet_groups(aws):
    session = answer_quotas({**RDS_QUOTA, "L-48C6BF61": 3.0})
    assert short_with_read_replicas(session, ["ana", "ben"]) == [("DB subnet groups", 4, 1)]


def test_db_parameter_groups_in_use_count_against_their_quota(aws, tmp_path, capsys):
    rds = boto3.client("rds", region_name="us-east-1")
    for i in range(49):
        rds.create_db_parameter_group(
            DBParameterGroupName=f"team-{i}", DBParameterGroupFamily="mysql8.4", Description="x"
        )
    code, fake = up(aws, "--participants", "ana ben")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert fake.commands == []
    assert (
        "SHORT        DB parameter groups in us-east-1 (default credentials): 2 participants "
        "need 2, 49 in use of 50, 1 missing; ask for 51 in the Service Quotas console or: aws "
        "service-quotas request-service-quota-increase --service-code rds --quota-code "
        "L-DE55804A --desired-value 51 --region us-east-1"
    ) in out


def test_iam_roles_are_an_account_quota_asked_for_in_us_east_1(aws, tmp_path, capsys):
    iam = boto3.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    for i in range(5):
        iam.create_role(RoleName=f"team-{i}", AssumeRolePolicyDocument=trust)
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\nben,sandbox-ana\n")
    session = answer_quotas({**RDS_QUOTA, "L-FE177D64": 20.0})
    code, fake = up(aws, "--class", path, session=session)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert fake.commands == []
    # 2 x 9 roles of LabRdsMysql + 5 in use = 23 of 20; IAM is global: the request goes to
    # us-east-1 whatever the class's region (eu-west-1 here).
    assert (
        "SHORT        Roles per account in eu-west-1 (profile sandbox-ana): 2 participants need"
        " 18, 5 in use of 20, 3 missing; ask for 23 in the Service Quotas console or: aws "
        "service-quotas request-service-quota-increase --service-code iam --quota-code "
        "L-FE177D64 --desired-value 23 --region us-east-1 --profile sandbox-ana"
    ) in out


def test_the_s3_labs_check_the_iam_roles_they_make(aws, tmp_path, capsys):
    session = answer_quotas({"L-FE177D64": 1000.0})
    code, _ = up(aws, "--participants", "ana ben cem", session=session, lab="LabS3Lifecycle")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK
    assert (
        "ok           Roles per account in us-east-1 (default credentials): 3 participants need 6"
    ) in out


def block_public_access(**configuration: bool) -> None:
    account_id = boto3.client("sts").get_caller_identity()["Account"]
    boto3.client("s3control", region_name="us-east-1").put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=configuration
    )


def website_up(cloud, session=None) -> tuple[int, Ran]:
    return up(cloud, "--participants", "ana ben", session=session, lab="LabS3Website")


def test_s3_block_public_access_of_the_account_stops_the_website_class(aws, tmp_path, capsys):
    block_public_access(
        BlockPublicAcls=True,
        IgnorePublicAcls=True,
        BlockPublicPolicy=True,
        RestrictPublicBuckets=True,
    )
    code, fake = website_up(aws)
    captured = capsys.readouterr()
    assert code == class_run.EXIT_FAILED
    assert fake.commands == [], "nothing deploys into an account that would refuse the policy"
    assert (
        "BLOCKED      S3 Block Public Access of account 123456789012 (default credentials): "
        "BlockPublicPolicy and RestrictPublicBuckets on: the website's public-read bucket policy "
        "would be refused or ignored. In a sandbox account, turn them off: aws s3control "
        "put-public-access-block --account-id 123456789012 --public-access-block-configuration "
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,"
        "RestrictPublicBuckets=false"
    ) in captured.out
    assert "error: nothing was deployed" in captured.err


def test_only_the_policy_settings_of_block_public_access_matter(aws, tmp_path, capsys):
    block_public_access(
        BlockPublicAcls=True,
        IgnorePublicAcls=True,
        BlockPublicPolicy=False,
        RestrictPublicBuckets=False,
    )
    code, fake = website_up(aws)
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK
    assert (
        "ok           S3 Block Public Access of account 123456789012 (default credentials): "
        "public bucket policies allowed"
    ) in out
    assert len(fake.stacks("deploy")) == 2


def test_an_account_without_block_public_access_settings_is_ok(aws, tmp_path, capsys):
    code, _ = website_up(aws)
    assert code == class_run.EXIT_OK
    assert "ok           S3 Block Public Access of account 123456789012" in capsys.readouterr().out


def test_block_public_access_we_may_not_read_is_not_checked(aws, tmp_path, capsys):
    def deny(params, **_):
        error = {"Code": "AccessDenied", "Message": "not authorized"}
        return AWSResponse("https://s3control", 403, {}, None), {"Error": error}

    def session(profile, region):
        made = answer_quotas(RDS_QUOTA)(profile, region)
        made.events.register("before-call.s3-control.GetPublicAccessBlock", deny)
        return made

    code, fake = website_up(aws, session=session)
    assert code == class_run.EXIT_OK
    assert (
        "not checked  S3 Block Public Access of account 123456789012 (default credentials): "
        "GetPublicAccessBlock not permitted (AccessDenied)"
    ) in capsys.readouterr().out
    assert len(fake.stacks("deploy")) == 2


# --- the shared course network ------------------------------------------------------------------


def test_shared_network_needs_no_vpc_per_participant_but_the_course_network(aws, tmp_path, capsys):
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/course-labs/network/vpc-id", Value="vpc-0course", Type="String"
    )
    code, fake = up(aws, "--participants", "ana ben cem dia eva fay", "--shared-network")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_OK, out
    assert "ok           CourseNetwork in us-east-1 (default credentials): deployed" in out
    assert "VPCs per Region" not in out, "6 participants, and not one VPC of their own"
    assert "DB instances in us-east-1 (default credentials): 6 participants need 6" in out
    (synth,) = fake.runs("synth")
    assert synth[synth.index("shared_network=true") - 1] == "-c"
    assert len(fake.stacks("deploy")) == 6


def test_shared_network_without_the_course_network_deploys_nothing(aws, tmp_path, capsys):
    path = roster(tmp_path, "participant,profile\nana,sandbox-ana\n")
    code, fake = up(aws, "--class", path, "--shared-network")
    out = capsys.readouterr().out
    assert code == class_run.EXIT_FAILED
    assert fake.commands == []
    assert (
        "MISSING      CourseNetwork in eu-west-1 (profile sandbox-ana): not deployed, the "
        "participants' stacks would fail: npx cdk deploy CourseNetwork --profile sandbox-ana first"
    ) in out


def test_make_passes_shared_network_to_up_and_down():
    for target in ("class-up", "class-down"):
        options = [f"LAB={LAB}", "PARTICIPANTS=ana", "SHARED_NETWORK=1"]
        result = subprocess.run(
            ["make", "--no-print-directory", "-n", target, *options],
            cwd=cdk_commands.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "--shared-network" in result.stdout.splitlines()[-1]

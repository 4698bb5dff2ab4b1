"""labcheck's command line: finding the lab's stack, naming a build of one's own, exit codes, and
one clear line (exit code 2, no traceback) for every error a student can run into."""

from __future__ import annotations

import json
import subprocess

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from labcheck.aws import PERMISSIONS, explain
from labcheck.cli import LABS, main
from stacks import LABS as LAB_STACKS
from tests.labcheck_builds import dynamodb_users
from tests.labcheck_builds.rds_mysql import CORRECT, INSTANCE
from tests.labcheck_fixtures import REGION, create_stack, fake_account, fake_credentials

DEPLOYED = ["LabRdsMysql", "--participant", "ana", "--region", REGION]


@pytest.fixture
def deployed(monkeypatch):
    """LabRdsMysql deployed for participant ana (moto implements every call it checks)."""
    with fake_account(monkeypatch) as session:
        session.client("rds").create_db_instance(
            DBInstanceIdentifier=INSTANCE,
            MasterUsername="admin",
            MasterUserPassword="x" * 12,
            **CORRECT,
        )
        create_stack(session, "ana-LabRdsMysql", {"DbInstanceId": INSTANCE})
        yield session


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_finds_the_participants_stack_and_reports_each_objective(deployed, capsys):
    code, out, _ = run_cli(capsys, *DEPLOYED)
    lines = out.splitlines()
    assert lines[0] == f"LabRdsMysql in {REGION} (from --region): db_instance {INSTANCE}"
    assert "PASS  The engine is MySQL" in lines
    assert lines[-1] == "8/8 objectives met"
    assert code == 0


def test_json_prints_one_document(deployed, capsys):
    code, out, _ = run_cli(capsys, *DEPLOYED, "--json")
    document = json.loads(out)
    assert (document["lab"], document["met"], document["total"], code) == ("LabRdsMysql", 8, 8, 0)


def test_an_objective_not_met_exits_1(deployed, capsys):
    deployed.client("rds").modify_db_instance(DBInstanceIdentifier=INSTANCE, MultiAZ=False)
    code, out, _ = run_cli(capsys, *DEPLOYED)
    assert "FAIL  Multi-AZ is on (a standby in a second Availability Zone)" in out
    assert out.splitlines()[-1] == "7/8 objectives met"
    assert code == 1


def test_a_build_of_ones_own_is_named_by_option(deployed, capsys):
    code, out, _ = run_cli(capsys, "LabRdsMysql", "--db-instance", INSTANCE, "--region", REGION)
    assert (code, out.splitlines()[-1]) == (0, "8/8 objectives met")


def test_a_lab_not_deployed_says_how_to_deploy_it(deployed, capsys):
    code, out, err = run_cli(capsys, "LabS3Website", "--region", REGION)
    assert err.startswith(
        f"labcheck: LabS3Website is not deployed in {REGION}"
        " (no stack LabS3Website) — deploy it with `npx cdk deploy LabS3Website`"
    )
    assert "--bucket NAME" in err
    assert (code, out) == (2, "")


def test_a_participant_without_a_stack_is_checked_by_the_guides_names(deployed, capsys):
    code, out, _ = run_cli(capsys, "LabS3Website", "--participant", "ana", "--region", REGION)
    lines = out.splitlines()
    assert lines[:2] == [
        f"LabS3Website in {REGION} (from --region): bucket ana-website-123456789012",
        "      (no stack ana-LabS3Website: checking ana's build by hand, named as the guide"
        " names it; pass --region if it runs elsewhere)",
    ]
    assert "FAIL  The bucket exists" in lines
    assert code == 1


def test_a_stack_without_the_output_says_to_redeploy_with_the_participant(deployed, capsys):
    create_stack(deployed, "ana-LabBackup", {"VaultName": "v"})
    code, _, err = run_cli(capsys, "LabBackup", "--participant", "ana", "--region", REGION)
    assert (code, err.strip()) == (
        2,
        "labcheck: the stack of LabBackup has no output PlanId: it was deployed from older"
        " code; redeploy it with `npx cdk deploy LabBackup -c participant=ana`",
    )


def test_a_stack_with_no_outputs_at_all_says_to_name_the_resources(deployed, capsys):
    """What a deploy to moto leaves (it writes no outputs): not "older code"."""
    create_stack(deployed, "ana-LabS3Lifecycle", {})
    code, _, err = run_cli(capsys, "LabS3Lifecycle", "--participant", "ana", "--region", REGION)
    assert (code, err.strip()) == (
        2,
        "labcheck: the stack of LabS3Lifecycle has no outputs at all, so labcheck cannot find"
        " its resources: name them instead (--bucket NAME); on AWS,"
        " `npx cdk deploy LabS3Lifecycle -c participant=ana` writes the outputs",
    )


def test_no_credentials(monkeypatch, capsys):
    fake_credentials(monkeypatch)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, _, err = run_cli(capsys, *DEPLOYED)
    assert code == 2
    assert err.startswith("labcheck: no AWS credentials found — configure them")


def test_no_region_configured_looks_where_the_cdk_deploys_by_default(monkeypatch, capsys):
    with fake_account(monkeypatch):
        monkeypatch.delenv("AWS_DEFAULT_REGION")
        code, _, err = run_cli(capsys, "LabRdsMysql")
    assert code == 2
    assert err.startswith("labcheck: LabRdsMysql is not deployed in us-east-1 (no stack")


def test_wrong_region(monkeypatch, capsys):
    fake_credentials(monkeypatch)
    code, _, err = run_cli(capsys, "LabRdsMysql", "--region", "eu-west-9")
    assert (code, err.strip()) == (
        2,
        "labcheck: unknown region 'eu-west-9': use a code like eu-west-1",
    )


def test_access_denied_names_the_missing_permission(deployed, monkeypatch, capsys):
    def deny(**_kwargs):
        body = {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}
        return AWSResponse(None, 403, {}, None), body

    real_session = boto3.Session

    def session(**kwargs):
        denied = real_session(**kwargs)
        denied.events.register("before-call.rds.DescribeDBInstances", deny)
        return denied

    monkeypatch.setattr("labcheck.cli.boto3.Session", session)
    code, _, err = run_cli(capsys, *DEPLOYED)
    assert (code, err.strip()) == (
        2,
        "labcheck: access denied: DescribeDBInstances needs rds:DescribeDBInstances — attach"
        " labs/labcheck-policy.json (read-only) to your user or role",
    )


@pytest.mark.parametrize(("service_operation", "action"), PERMISSIONS.items())
def test_access_denied_names_the_action_of_every_operation(service_operation, action):
    _, operation = service_operation
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": ""}}, operation)
    assert f"{operation} needs {action} —" in explain(error)


def test_rejected_credentials_are_explained():
    error = ClientError({"Error": {"Code": "ExpiredToken", "Message": ""}}, "DescribeStacks")
    assert explain(error) == (
        "your AWS credentials were rejected (ExpiredToken) — refresh them and try again"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["LabRdsMysql", "--participant", "Ana"], "labcheck: invalid participant='Ana': use 1-20"),
        (
            ["LabS3Lifecycle", "--table", "Users"],
            "labcheck: LabS3Lifecycle takes --bucket, not --table",
        ),
        (["LabBackup", "--vault", "v"], "labcheck: to check a build of your own, also pass --plan"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(monkeypatch, capsys, argv, message):
    fake_credentials(monkeypatch)
    code, _, err = run_cli(capsys, *argv)
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith(message)


LAB_IDS = "LabS3Lifecycle, LabS3Website, LabRdsMysql, LabDynamoDbUsers, LabBackup"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], f"labcheck: which lab? run `make check LAB=<one of {LAB_IDS}>`\n"),
        (
            ["LabNope"],
            f"labcheck: unknown lab 'LabNope': run `make check LAB=<one of {LAB_IDS}>`\n",
        ),
    ],
    ids=["missing", "unknown"],
)
def test_a_missing_or_unknown_lab_names_the_make_command_and_the_labs(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert (code, out, err) == (2, "", message)


def test_make_check_without_lab_says_which_labs():
    """`make check` with no LAB= reaches labcheck's one line, not argparse's usage text."""
    result = subprocess.run(["make", "-s", "check"], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert f"labcheck: which lab? run `make check LAB=<one of {LAB_IDS}>`" in result.stderr
    assert "usage:" not in result.stderr


@pytest.mark.parametrize("stack", LAB_STACKS, ids=lambda stack: stack.lab_id)
def test_every_lab_stack_has_a_check_and_the_outputs_it_reads(synth, stack):
    assert stack.lab_id in LABS, f"labcheck has no objectives for {stack.lab_id}"
    outputs = synth.template(stack.lab_id).get("Outputs", {})
    read = [name.output for name in LABS[stack.lab_id].names if name.output]
    assert set(read) <= set(outputs), f"{stack.lab_id} must output {read} for labcheck"


def test_make_check_runs_labcheck_for_the_lab_and_participant():
    dry_run = subprocess.run(
        ["make", "-n", "check", "LAB=LabS3Lifecycle", "PARTICIPANT=ana"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ".venv/bin/python -m labcheck LabS3Lifecycle --participant ana" in dry_run.stdout


def test_a_participants_build_by_hand_is_found_by_the_guides_names(monkeypatch, capsys):
    with fake_account(monkeypatch) as session:
        dynamodb_users.lab_results(session)  # builds table ana-Users by hand
        code, out, _ = run_cli(
            capsys, "LabDynamoDbUsers", "--participant", "ana", "--region", REGION
        )
    assert out.splitlines()[0] == f"LabDynamoDbUsers in {REGION} (from --region): table ana-Users"
    assert code == 0


def test_a_participants_bucket_by_hand_carries_the_account_id(monkeypatch, capsys):
    with fake_account(monkeypatch) as session:
        session.client("s3").create_bucket(
            Bucket="ben-lifecycle-123456789012",
            CreateBucketConfiguration={"LocationConstraint": REGION},
        )
        _, out, _ = run_cli(capsys, "LabS3Lifecycle", "--participant", "ben", "--region", REGION)
    lines = out.splitlines()
    assert (
        lines[0] == f"LabS3Lifecycle in {REGION} (from --region): bucket ben-lifecycle-123456789012"
    )
    assert "PASS  The bucket exists" in lines


def test_the_participants_stack_comes_before_a_build_by_hand(deployed, capsys):
    deployed.client("dynamodb").create_table(
        TableName="ana-Users",
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    create_stack(deployed, "ana-LabDynamoDbUsers", {"TableName": "from-the-stack"})
    _, out, _ = run_cli(capsys, "LabDynamoDbUsers", "--participant", "ana", "--region", REGION)
    assert (
        out.splitlines()[0] == f"LabDynamoDbUsers in {REGION} (from --region): table from-the-stack"
    )


def test_without_a_participant_a_missing_stack_is_still_an_error(deployed, capsys):
    code, _, err = run_cli(capsys, "LabDynamoDbUsers", "--region", REGION)
    assert err.startswith(f"labcheck: LabDynamoDbUsers is not deployed in {REGION}")
    assert code == 2

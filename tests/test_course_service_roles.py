"""CourseServiceRoles and `make course-roles`: the service roles participants pass, made once.

The template tests read the synthesized stack. The command (classroom/service_roles.py) runs
against moto in-process (IAM, CloudFormation, STS), with a fake CDK CLI that deploys the real
synthesized template of the `-c service_roles=...` it is given into moto's CloudFormation: moto
then creates (and, on update, deletes) the roles, and fails as CloudFormation does on a role
that exists. moto attaches no managed policy from a template and evaluates no IAM condition:
the policies are checked in the template, the participants' right to pass the roles against
their policy documents (the statements, as written; no evaluator here judges tag conditions).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from classroom import service_roles
from tests.synth import ROOT, synthesized
from tests.templates import of_type

STACK = "CourseServiceRoles"
MONITORING = "rds-monitoring-role"
BACKUP = "AWSBackupDefaultServiceRole"
BOTH = f"{MONITORING},{BACKUP}"
ACCESS = ROOT / "labs" / "access"
# The roles as the issue and the AWS consoles define them.
EXPECTED = {
    MONITORING: {
        "Path": "/",
        "Service": "monitoring.rds.amazonaws.com",
        "Policies": ["service-role/AmazonRDSEnhancedMonitoringRole"],
    },
    BACKUP: {
        "Path": "/service-role/",
        "Service": "backup.amazonaws.com",
        "Policies": [
            "service-role/AWSBackupServiceRolePolicyForBackup",
            "service-role/AWSBackupServiceRolePolicyForRestores",
        ],
    },
}


def roles(template: dict) -> dict[str, dict]:
    """The template's roles by name."""
    return {
        role["Properties"]["RoleName"]: role["Properties"]
        for role in of_type(template, "AWS::IAM::Role").values()
    }


def role_ids(template: dict) -> dict[str, str]:
    return {
        role["Properties"]["RoleName"]: logical_id
        for logical_id, role in of_type(template, "AWS::IAM::Role").items()
    }


def _policy_name(arn: dict) -> str:
    """`arn:${Partition}:iam::aws:policy/<name>` as CDK writes it -> `<name>`."""
    parts = arn["Fn::Join"][1]
    assert parts[:2] == ["arn:", {"Ref": "AWS::Partition"}]
    return parts[2].removeprefix(":iam::aws:policy/")


# --- the template ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(synth):
    return synth.template(STACK)


def test_the_stack_is_named_once_per_account(synth):
    assert synth.stack_name(STACK) == "CourseServiceRoles"


def test_each_role_is_named_trusted_and_given_the_consoles_policies(template):
    found = {
        name: {
            "Path": role["Path"],
            "Trust": role["AssumeRolePolicyDocument"]["Statement"],
            "Policies": [_policy_name(arn) for arn in role["ManagedPolicyArns"]],
            "Inline": role.get("Policies", []),
        }
        for name, role in roles(template).items()
    }
    assert found == {
        name: {
            "Path": role["Path"],
            "Trust": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"Service": role["Service"]},
                }
            ],
            "Policies": role["Policies"],
            "Inline": [],
        }
        for name, role in EXPECTED.items()
    }


def test_only_the_roles_named_in_context_are_built_under_the_same_logical_ids(template):
    only_monitoring = synthesized(service_roles=MONITORING).template(STACK)
    assert list(roles(only_monitoring)) == [MONITORING]
    assert role_ids(only_monitoring)[MONITORING] == role_ids(template)[MONITORING], (
        "a deploy that adds or drops the other role must not replace this one"
    )


def test_the_roles_carry_no_tag_that_a_participant_guard_denies(synth, template):
    """The guards deny every action, iam:PassRole included, on resources by their tags (e.g.
    managed-by without participant, the trainer's course resources): the roles carry none of
    those tags. Nor does the stack, whose tags CloudFormation would propagate to them: the
    assembly gives it none (cdk.json's `@aws-cdk/core:explicitStackTags`)."""
    guards = json.loads((ACCESS / "participant-guards.json").read_text())
    guarded_keys = {
        key.split("/", 1)[1]
        for statement in guards["Statement"]
        if statement["Effect"] == "Deny"
        for condition in statement.get("Condition", {}).values()
        for key in condition
        if key.startswith("aws:ResourceTag/")
    }
    assert {"managed-by", "participant"} <= guarded_keys
    for name, role in roles(template).items():
        assert {tag["Key"] for tag in role["Tags"]} == {"course"}, name
    assert "tags" not in synth.stacks[STACK]["properties"]


def test_participants_may_pass_the_monitoring_role_and_not_the_backup_default_role(template):
    """The participant policy's PassRole statement as written: the monitoring role to its
    service; AWS Backup's Default role is not theirs to pass (it could back up anyone's table,
    #25: each sign-in brings its own). IAM's decision on the conditions is judged in
    tests/test_participant_escapes.py ("service roles" and path 5 rows)."""
    policy = json.loads((ACCESS / "participant-policy.json").read_text())
    passing = [s for s in policy["Statement"] if s.get("Action") == "iam:PassRole"]
    services = {}  # role ARN -> the services it may be passed to
    for statement in passing:
        resources = statement["Resource"]
        for resource in [resources] if isinstance(resources, str) else resources:
            services[resource] = statement["Condition"]["StringEquals"]["iam:PassedToService"]
    arns = {
        name: f"arn:aws:iam::*:role{role['Path']}{name}" for name, role in roles(template).items()
    }
    assert {name: arn in services for name, arn in arns.items()} == {
        MONITORING: True,
        BACKUP: False,
    }
    monitoring = roles(template)[MONITORING]
    service = monitoring["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
    assert services[arns[MONITORING]] == service, "to RDS Enhanced Monitoring only"


def test_the_managed_policies_are_acknowledged_on_each_role_alone(synth):
    acknowledged = synth.acknowledgements(STACK)
    assert set(acknowledged) == {f"{STACK}/{MONITORING}", f"{STACK}/{BACKUP}"}
    assert all(
        rule.startswith("AwsSolutions::AwsSolutions-IAM4[")
        for r in acknowledged.values()
        for rule in r
    )


def test_a_participants_app_has_no_service_roles(participant_synth):
    assert STACK not in participant_synth.stacks


# --- the command, against moto -----------------------------------------------------------------


class FakeCdk:
    """Stands in for `cdk deploy CourseServiceRoles -c service_roles=...`: creates or updates
    the stack in moto's CloudFormation, in the command's region, from the template the app
    synthesizes for that context (`BOTH` is the default synth). `fail`: exits 1, deploys nothing."""

    def __init__(self, fail: bool = False) -> None:
        self.commands: list[list[str]] = []
        self.fail = fail

    def __call__(self, command) -> int:
        self.commands.append(list(command))
        if self.fail:
            return 1
        region = command[1].removeprefix("AWS_REGION=")
        value = next(c for c in command if c.startswith("service_roles=")).split("=", 1)[1]
        deploy(region, value)
        return 0

    def deployed(self) -> list[str]:
        """The `service_roles` of each deploy."""
        return [next(c for c in cmd if c.startswith("service_roles=")) for cmd in self.commands]


def deploy(region: str, value: str) -> None:
    """The stack with the roles of `value`, as `cdk deploy` leaves it (created or updated)."""
    context = {} if value == BOTH else {"service_roles": value}
    body = json.dumps(synthesized(**context).template(STACK))
    ssm = boto3.client("ssm", region_name=region)
    ssm.put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value="21", Type="String", Overwrite=True
    )
    cloudformation = boto3.client("cloudformation", region_name=region)
    request = {"StackName": STACK, "TemplateBody": body, "Capabilities": ["CAPABILITY_NAMED_IAM"]}
    try:
        cloudformation.update_stack(**request)
    except ClientError as error:
        if "does not exist" not in str(error):
            raise
        cloudformation.create_stack(**request)
    status = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), status


def made_by_hand(iam, name: str) -> None:
    """The role as a console makes it: untagged."""
    path = EXPECTED[name]["Path"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": EXPECTED[name]["Service"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))


def owned(region: str = "eu-west-1") -> set[str]:
    cloudformation = boto3.client("cloudformation", region_name=region)
    resources = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    return {r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::IAM::Role"}


def exists(iam, name: str) -> bool:
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


@pytest.fixture
def iam(account):
    """IAM of a moto account; the command's region is eu-west-1 (AWS_DEFAULT_REGION)."""
    return account.client("iam")


def course_roles(capsys, fake: FakeCdk) -> tuple[int, list[str]]:
    code = service_roles.main([], runner=fake)
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def line(lines: list[str], role: str) -> str:
    (found,) = [text for text in lines if text.strip().startswith(role)]
    return " ".join(found.split())


def test_none_exist_the_stack_makes_both(iam, capsys):
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 0
    assert "region eu-west-1 (from AWS_DEFAULT_REGION)" in lines[0]
    assert line(lines, MONITORING) == "rds-monitoring-role missing: CourseServiceRoles makes it"
    assert line(lines, "service-role/" + BACKUP).endswith("missing: CourseServiceRoles makes it")
    assert fake.commands == [
        [
            "env", "AWS_REGION=eu-west-1", str(service_roles.CDK), "deploy", STACK,
            "-c", f"service_roles={BOTH}", "--require-approval", "never",
        ]
    ]  # fmt: skip
    assert owned() == {MONITORING, BACKUP}
    assert lines[-1].startswith("done: every service role exists")


def test_one_exists_it_is_left_alone_and_the_stack_makes_the_other(iam, capsys):
    made_by_hand(iam, BACKUP)
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 0
    assert line(lines, "service-role/" + BACKUP) == (
        "service-role/AWSBackupDefaultServiceRole exists already (not made by the course): "
        "left alone"
    )
    assert fake.deployed() == [f"service_roles={MONITORING}"]
    assert owned() == {MONITORING}
    assert iam.get_role(RoleName=BACKUP)["Role"].get("Tags", []) == [], "untouched"


def test_both_exist_nothing_is_deployed(iam, capsys):
    made_by_hand(iam, MONITORING)
    made_by_hand(iam, BACKUP)
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 0
    assert line(lines, MONITORING) == (
        "rds-monitoring-role exists already (not made by the course): left alone"
    )
    assert fake.commands == []
    assert (
        lines[-1]
        == "nothing to deploy: every role exists, and CourseServiceRoles owns none in eu-west-1"
    )


def test_roles_the_stack_owns_already_are_kept_in_it(iam, capsys):
    deploy("eu-west-1", MONITORING)  # an earlier run, when the backup role existed by hand
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 0
    assert (
        line(lines, MONITORING)
        == "rds-monitoring-role made by the course (CourseServiceRoles): kept"
    )
    assert fake.deployed() == [f"service_roles={BOTH}"], "not without the role it owns"
    assert owned() == {MONITORING, BACKUP}


def test_run_again_it_keeps_both(iam, capsys):
    assert course_roles(capsys, FakeCdk())[0] == 0
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 0
    assert fake.deployed() == [f"service_roles={BOTH}"]
    assert line(lines, "service-role/" + BACKUP).endswith(
        "made by the course (CourseServiceRoles): kept"
    )


def test_in_another_region_the_courses_roles_are_found_and_nothing_is_deployed(iam, capsys):
    """IAM is global: the stack of us-east-1 made them; eu-west-1 needs no stack of its own."""
    deploy("us-east-1", BOTH)
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 0
    assert line(lines, MONITORING) == (
        "rds-monitoring-role made by the course's CourseServiceRoles in another region: left alone"
    )
    assert fake.commands == []


def test_a_role_the_stack_lost_is_named_with_the_way_out_and_nothing_is_deployed(iam, capsys):
    deploy("eu-west-1", BOTH)
    iam.delete_role(RoleName=MONITORING)
    fake = FakeCdk()
    code, lines = course_roles(capsys, fake)
    assert code == 1
    assert "deleted outside CloudFormation" in line(lines, MONITORING)
    assert "npx cdk destroy CourseServiceRoles, then make course-roles again" in line(
        lines, MONITORING
    )
    assert fake.commands == []


def test_a_failed_deploy_says_which_roles_are_still_missing(iam, capsys):
    made_by_hand(iam, BACKUP)
    code, lines = course_roles(capsys, FakeCdk(fail=True))
    assert code == 1
    assert lines[-1] == (
        "FAILED: cdk deploy CourseServiceRoles exited 1; still missing: rds-monitoring-role"
    )


def test_the_fake_deploy_fails_like_cloudformation_on_a_role_that_exists(iam):
    """What makes the checks above meaningful: moto refuses a stack naming an existing role
    (CloudFormation would roll it back), so a command that passed it would fail its test."""
    made_by_hand(iam, BACKUP)
    with pytest.raises(ClientError, match="AWSBackupDefaultServiceRole already exists"):
        deploy("eu-west-1", BOTH)


def test_the_command_takes_no_options(capsys):
    with pytest.raises(SystemExit):
        service_roles.main(["--region", "eu-west-1"])
    assert "unrecognized arguments" in capsys.readouterr().err

"""classroom/sweep.py: a guide walk per lab on moto, then teardown and sweep.

Each lab's stack is stood in for by a moto CloudFormation stack with the resources the sweep
must leave alone (the participant's `Users` table, the RDS instance); the guide's steps a
student performs run as boto3 calls (restore a table, an on-demand backup, a replica by hand,
a manual snapshot). Then the stacks are deleted (`cdk destroy`), the sweep lists and deletes,
and the account must hold nothing of that participant while another participant's resources
(`ben`, and `ana2`, whose prefix starts with `ana`) are untouched.
"""

import json

import pytest

from classroom import leftovers, sweep
from classroom import run as class_run
from tests.labcheck_builds.rds_mysql import db_instance, lab_network

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

KEY = [{"AttributeName": "id", "KeyType": "HASH"}]
ATTRIBUTES = [{"AttributeName": "id", "AttributeType": "S"}]


def table_template(name: str) -> str:
    table = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "TableName": name,
            "KeySchema": KEY,
            "AttributeDefinitions": ATTRIBUTES,
            "BillingMode": "PAY_PER_REQUEST",
        },
    }
    return json.dumps({"Resources": {"Table": table}})


def database_template(name: str) -> str:
    instance = {
        "Type": "AWS::RDS::DBInstance",
        "Properties": {
            "DBInstanceIdentifier": name,
            "Engine": "mysql",
            "DBInstanceClass": "db.t3.micro",
            "AllocatedStorage": "20",
            "MasterUsername": "admin",
            "MasterUserPassword": "not-a-real-password",
            "MultiAZ": True,
        },
    }
    # The connect role students assume (stacks/rds_mysql.py), instead of attaching a policy.
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": f"{name}-connect",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
        },
    }
    return json.dumps({"Resources": {"Instance": instance, "ConnectRole": role}})


def sweep_lines(account, lab, participants, *extra) -> tuple[int, str]:
    return sweep.main(
        ["--lab", lab, "--participants", " ".join(participants), *extra],
        account=leftovers.Account(account),
    )


def tables(account) -> set[str]:
    return set(account.client("dynamodb").list_tables()["TableNames"])


def backups(account) -> set[str]:
    return {b["TableName"] for b in account.client("dynamodb").list_backups()["BackupSummaries"]}


def dynamodb_walk(account, participant: str) -> None:
    """LabDynamoDbUsers + LabBackup deployed, then the guides' steps of one participant."""
    cloudformation = account.client("cloudformation")
    users = f"{participant}-Users"
    cloudformation.create_stack(
        StackName=f"{participant}-LabDynamoDbUsers", TemplateBody=table_template(users)
    )
    dynamodb = account.client("dynamodb")
    backup = dynamodb.create_backup(TableName=users, BackupName="before-the-exercise")
    dynamodb.restore_table_from_backup(
        TargetTableName=f"{users}-restored", BackupArn=backup["BackupDetails"]["BackupArn"]
    )


def test_dynamodb_and_backup_guides_leave_nothing_of_the_participant(account, capsys):
    for participant in ("ana", "ben", "ana2"):
        dynamodb_walk(account, participant)

    assert sweep_lines(account, "LabBackup", ["ana"]) == 0
    listed = capsys.readouterr().out
    assert "dynamodb table           ana-Users-restored" in listed
    assert "dynamodb on-demand backup ana-Users/before-the-exercise" in listed
    assert "ana-Users " not in listed.replace("ana-Users/", ""), "the stack's table is owned"
    assert "ben-" not in listed, "never another participant's"
    assert "ana2-" not in listed, "never another participant's, even with a longer prefix"
    assert "2 leftovers of 1 of 1 participants" in listed
    assert tables(account) >= {"ana-Users-restored"}, "listing deletes nothing"

    # Teardown: cdk destroy, then the sweep with DELETE=1.
    account.client("cloudformation").delete_stack(StackName="ana-LabDynamoDbUsers")
    assert sweep_lines(account, "LabBackup", ["ana"], "--delete") == 0
    deleted = capsys.readouterr().out
    assert "deleted dynamodb table ana-Users-restored (ana)" in deleted

    assert not {t for t in tables(account) if t.startswith("ana-")}, "nothing of ana is left"
    assert not {b for b in backups(account) if b.startswith("ana-")}
    assert {"ben-Users", "ben-Users-restored", "ana2-Users", "ana2-Users-restored"} <= tables(
        account
    )
    assert {"ben-Users", "ana2-Users"} <= backups(account)


def rds_walk(account, participant: str) -> None:
    """LabRdsMysql deployed, then a replica by hand (the guide's CLI) and a manual snapshot."""
    instance = f"{participant}-lab-rds-mysql"
    account.client("cloudformation").create_stack(
        StackName=f"{participant}-LabRdsMysql", TemplateBody=database_template(instance)
    )
    role = account.client("iam").get_role(RoleName=f"{instance}-connect")["Role"]
    session = account.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="lab-mysql")
    assert session["Credentials"]["SessionToken"], "the student works as the connect role"
    rds = account.client("rds")
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier=f"lab-rds-mysql-replica-cli-{participant}x",
        SourceDBInstanceIdentifier=instance,
        DBInstanceClass="db.t3.micro",
    )
    rds.create_db_snapshot(
        DBSnapshotIdentifier=f"my-snapshot-{participant}x", DBInstanceIdentifier=instance
    )


def instances(account) -> set[str]:
    return {
        i["DBInstanceIdentifier"]
        for i in account.client("rds").describe_db_instances()["DBInstances"]
    }


def snapshots(account) -> set[str]:
    return {
        s["DBSnapshotIdentifier"]
        for s in account.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    }


def test_rds_guide_leaves_nothing_of_the_participant(account, capsys):
    for participant in ("ana", "ben"):
        rds_walk(account, participant)

    assert sweep_lines(account, "LabRdsMysql", ["ana"]) == 0
    listed = capsys.readouterr().out
    assert "rds read replica         lab-rds-mysql-replica-cli-anax" in listed
    assert "rds manual snapshot      my-snapshot-anax" in listed
    assert "ana-lab-rds-mysql " not in listed, "the stack's instance is owned"
    assert "benx" not in listed
    # moto copies Multi-AZ from the source: two db.t3.micro with 20 GB gp3 each,
    # 2 * (0.017 * 730 + 20 * 0.115) = 29.42; the snapshot 20 GB * 0.095 = 1.90.
    assert "≈ $29.42/month" in listed
    assert "≈ $1.90/month" in listed

    account.client("cloudformation").delete_stack(StackName="ana-LabRdsMysql")
    roles = {r["RoleName"] for r in account.client("iam").list_roles()["Roles"]}
    assert "ana-lab-rds-mysql-connect" not in roles, "an assumed role leaves nothing to detach"
    assert sweep_lines(account, "LabRdsMysql", ["ana"], "--delete") == 0
    assert not {i for i in instances(account) if "ana" in i}
    assert not {s for s in snapshots(account) if "ana" in s}
    assert {"ben-lab-rds-mysql", "lab-rds-mysql-replica-cli-benx"} <= instances(account)
    assert "my-snapshot-benx" in snapshots(account)


@pytest.mark.parametrize(
    ("name", "participant", "theirs"),
    [
        ("ana-Users", "ana", True),
        ("ana2-Users", "ana", False),
        ("an-Users", "ana", False),
        ("ana", "ana", False),
        ("Users", "ana", False),
        ("banana-Users", "ana", False),
    ],
)
def test_a_name_is_a_participants_by_its_exact_prefix(name, participant, theirs):
    assert leftovers.owns(name, participant) is theirs


def test_the_participant_tag_marks_a_resource_too():
    assert leftovers.owns("restored", "ana", [{"Key": "participant", "Value": "ana"}])
    assert not leftovers.owns("restored", "ana", [{"Key": "participant", "Value": "ben"}])


def test_participants_are_required(capsys):
    assert sweep.main(["--lab", "LabBackup", "--participants", ""]) == 2
    assert "no participants" in capsys.readouterr().err


def test_a_participant_named_like_the_trainers_names_is_refused_before_any_deletion(
    account, capsys
):
    """Issue 25, path 7: `class-sweep LAB=LabRdsMysql PARTICIPANTS=lab DELETE=1` deleted the
    trainer's own lab-rds-mysql (its name starts with `lab-`)."""
    account.client("cloudformation").create_stack(
        StackName="LabRdsMysql", TemplateBody=database_template("lab-rds-mysql")
    )
    db_instance(account.client("rds"), "lab-rds-mysql-replica-by-hand", None)

    assert sweep_lines(account, "LabRdsMysql", ["lab"], "--delete") == 2

    assert "participant='lab': lab-... are names the course" in capsys.readouterr().err
    assert {"lab-rds-mysql", "lab-rds-mysql-replica-by-hand"} <= instances(account)


def test_an_unknown_lab_is_refused(capsys):
    assert sweep.main(["--lab", "LabNope", "--participants", "ana"]) == 2
    assert "unknown lab 'LabNope'" in capsys.readouterr().err


def test_the_s3_labs_leave_nothing_outside_their_stack(account, capsys):
    assert sweep_lines(account, "LabS3Lifecycle", ["ana"]) == 0
    assert "0 leftovers of 0 of 1 participants" in capsys.readouterr().out


def test_class_down_warns_about_leftovers(account, capsys):
    dynamodb_walk(account, "ana")
    account.client("cloudformation").delete_stack(StackName="ana-LabDynamoDbUsers")
    class_run.warn_leftovers("LabDynamoDbUsers", ["ana"], session=account)
    out = capsys.readouterr().out
    assert out.startswith("WARNING: left behind")
    assert "ana-Users-restored" in out


def test_a_promoted_replica_in_the_participants_network_is_found(account, capsys):
    """RDS promotes a replica when the stack deletes its source: it then has no source, but
    keeps the lab's DB subnet group, which CloudFormation names after the stack."""
    rds = account.client("rds")
    groups = ("ana-labrdsmysql-databasesubnetgroup-1abc", "ana2-labrdsmysql-dbsubnets-2def")
    lab_network(rds, account.client("ec2"), *groups)
    for group in groups:
        db_instance(rds, f"promoted-{group.split('-')[0]}", group)
    assert sweep_lines(account, "LabRdsMysql", ["ana"]) == 0
    listed = capsys.readouterr().out
    assert "rds db instance          promoted-ana " in listed
    assert "promoted-ana2" not in listed


def test_what_cannot_be_deleted_is_named_with_the_reason(account, capsys):
    db_instance(account.client("rds"), "ana-kept-by-hand", DeletionProtection=True)
    assert sweep_lines(account, "LabRdsMysql", ["ana"], "--delete") == 0
    out = capsys.readouterr().out
    assert "NOT deleted rds db instance ana-kept-by-hand: " in out
    assert "ana-kept-by-hand" in instances(account)


def test_class_down_says_when_nothing_is_left(account, capsys):
    class_run.warn_leftovers("LabS3Website", ["ana"], session=account)
    assert capsys.readouterr().out == (
        "LabS3Website: nothing left behind that no stack owns (class-sweep)\n"
    )


def test_every_lab_has_its_finders():
    assert set(leftovers.FINDERS) == {
        "LabS3Lifecycle",
        "LabS3Website",
        "LabRdsMysql",
        "LabDynamoDbUsers",
        "LabBackup",
    }


def test_recovery_points_left_in_a_vault_whose_stack_failed_to_delete(account, capsys):
    """moto has no recovery points: the Backup calls come from botocore's Stubber."""
    from botocore.stub import Stubber

    point = "arn:aws:backup:eu-west-1:123456789012:recovery-point:1111-2222"
    checker = leftovers.Account(account)
    backup = account.client("backup")
    checker._clients["backup", None] = backup
    with Stubber(backup) as stubber:
        stubber.add_response(
            "describe_backup_vault",
            {"BackupVaultName": "ana-LabBackupVault"},
            {"BackupVaultName": "ana-LabBackupVault"},
        )
        stubber.add_response(
            "list_recovery_points_by_backup_vault",
            {"RecoveryPoints": [{"RecoveryPointArn": point, "BackupSizeInBytes": 10 * 1024**3}]},
            {"BackupVaultName": "ana-LabBackupVault"},
        )
        found = leftovers.vault_leftovers(checker, "ana", set())  # no stack ana-LabBackup
        stubber.add_response(
            "delete_recovery_point",
            {},
            {"BackupVaultName": "ana-LabBackupVault", "RecoveryPointArn": point},
        )
        assert leftovers.delete(found) == [f"deleted backup recovery point {point} (ana)"]
        stubber.assert_no_pending_responses()
    (leftover,) = found
    assert leftover.monthly_cost == pytest.approx(1.0), "10 GB at $0.10 per GB-month"


def test_a_vault_whose_stack_is_alive_is_left_to_its_purge(account):
    from botocore.stub import Stubber

    account.client("cloudformation").create_stack(
        StackName="ana-LabBackup", TemplateBody=table_template("ana-placeholder")
    )
    checker = leftovers.Account(account)
    backup = account.client("backup")
    checker._clients["backup", None] = backup
    with Stubber(backup):  # no response queued: any Backup call would fail the test
        assert leftovers.vault_leftovers(checker, "ana", set()) == []

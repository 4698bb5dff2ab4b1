"""LabBackupVault on its own: an encrypted vault that a purge empties before destroy deletes it.

The purge handler's behaviour: test_purge_vault_handler.py; its Provider: test_waiting_provider.py.
The lab test (test_backup.py) asserts how LabBackup wires it (its key, the Users table, the plan
deleted before the purge).
"""

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from lab_constructs import LabBackupVault
from tests.lab_constructs.helpers import acknowledgements, bare_stack
from tests.templates import ACCOUNT, REGION, of_type, only, resolve, role_statements


def _stack(tables=("Users",), name="LabVault"):
    def build(stack):
        LabBackupVault(
            stack,
            "Vault",
            vault_name=name,
            encryption_key=kms.Key(stack, "Key"),
            dynamodb_table_names=list(tables),
        )

    return bare_stack(build)


@pytest.fixture(scope="module")
def stack():
    return _stack()


def _grants(template: dict) -> set[tuple[str, str]]:
    """(action, resource) of the purge's is-complete handler."""
    (role_id,) = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "index.is_complete"
    ]
    return {
        (action, resolve(resource))
        for s in role_statements(template["Resources"], role_id)
        if not s["Action"][0].startswith("logs:")
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }


def test_the_vault_is_encrypted_with_the_given_key_named_and_unlocked(template):
    key_id, _ = only(template, "AWS::KMS::Key")
    _, vault = only(template, "AWS::Backup::BackupVault")
    assert vault["Properties"]["BackupVaultName"] == "LabVault"
    assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert "LockConfiguration" not in vault["Properties"], (
        "a locked vault cannot be deleted before its retention ends: the lab must be destroyable"
    )
    assert vault["DeletionPolicy"] == "Delete"
    assert vault["UpdateReplacePolicy"] == "Delete"


def test_the_purge_depends_on_the_vault_so_it_is_deleted_first_within_45_minutes(template):
    vault_id, _ = only(template, "AWS::Backup::BackupVault")
    _, purge = only(template, "Custom::EmptyBackupVault")
    assert vault_id in purge["DependsOn"]
    properties = {
        k: v for k, v in purge["Properties"].items() if k not in ("ServiceToken", "ServiceTimeout")
    }
    assert properties == {"TimeoutSeconds": "2700"}, "45 minutes: beyond Lambda's 15"
    assert purge["DeletionPolicy"] == "Delete"


def test_the_handlers_purge_the_vault_of_their_environment(template):
    """Fixed at deploy time: the handler never takes the vault from the invoking event."""
    vault_id, _ = only(template, "AWS::Backup::BackupVault")
    environments = [
        f["Properties"]["Environment"]["Variables"]
        for f in of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("index.")
    ]
    assert (
        environments == [{"BACKUP_VAULT_NAME": {"Fn::GetAtt": [vault_id, "BackupVaultName"]}}] * 2
    )


def test_the_waiter_polls_every_30_seconds_for_50_minutes(template):
    _, waiter = only(template, "AWS::StepFunctions::StateMachine")
    definition = "".join(
        p for p in waiter["Properties"]["DefinitionString"]["Fn::Join"][1] if isinstance(p, str)
    )
    assert '"IntervalSeconds":30,"MaxAttempts":100,' in definition, "after the purge's 45"


def test_the_purge_may_touch_this_vault_and_these_tables_backups_only(template):
    vault_id, _ = only(template, "AWS::Backup::BackupVault")
    users_backups = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Users/backup/*"
    assert _grants(template) == {
        ("backup:ListRecoveryPointsByBackupVault", f"<{vault_id}.BackupVaultArn>"),
        ("backup:DeleteRecoveryPoint", f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:*"),
        # Recovery points that are DynamoDB backups (no advanced DynamoDB features, issue #20).
        ("backup:DeleteRecoveryPoint", users_backups),
        ("dynamodb:DeleteBackup", users_backups),
        # No resource-level permissions exist for these two; the handler names the vault.
        ("backup:ListBackupJobs", "*"),
        ("backup:StopBackupJob", "*"),
        (
            "iam:CreateServiceLinkedRole",
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/backup.amazonaws.com/"
            "AWSServiceRoleForBackup",
        ),
    }


def test_the_service_linked_role_may_be_created_for_aws_backup_only(template):
    (statement,) = [
        s
        for policy in of_type(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "iam:CreateServiceLinkedRole"
    ]
    assert statement["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "backup.amazonaws.com"}
    }


def test_without_tables_no_dynamodb_backup_may_be_deleted():
    grants = _grants(Template.from_stack(_stack(tables=())).to_json())
    assert not any(action.startswith("dynamodb:") or ":dynamodb:" in r for action, r in grants)


def test_the_wildcards_are_acknowledged_on_the_handlers_role_with_reasons(stack):
    acks = acknowledgements(stack)["Vault/IsCompleteRole"]
    prefix = "AwsSolutions::AwsSolutions-IAM5[Resource::"
    assert set(acks) == {
        f"{prefix}arn:<AWS::Partition>:backup:<AWS::Region>:<AWS::AccountId>:recovery-point:*]",
        f"{prefix}*]",
        f"{prefix}arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:"
        "table/Users/backup/*]",
    }
    assert all(reason.strip() for reason in acks.values())


@pytest.mark.parametrize("name", ["V", "lab vault", "x" * 51])
def test_a_bad_vault_name_fails_at_synth(name):
    with pytest.raises(RuntimeError, match=r"Expected vault name to match pattern"):
        _stack(name=name)

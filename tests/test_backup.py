"""LabBackup: each requirement of the lab sheet (issue #6), one test each.

The purge handler's behaviour is tested in test_purge_vault_handler.py, the constructs' own
defaults (LabKey, LabBackupVault and its purge, LabBackupPlan, LabAlerts) in tests/lab_constructs/;
here, what the lab asks for and how the stack wires them up.
"""

import json
import re

import pytest

from tests.synth import EVERY_OPTION, PARTICIPANT
from tests.templates import ACCOUNT, PARTITION, REGION, of_type, only, resolve, role_statements

LAB = "LabBackup"
EMAIL = EVERY_OPTION["notify_email"]


@pytest.fixture(scope="module")
def template(synth):
    return synth.template(LAB)


@pytest.fixture(scope="module")
def assertions(synth):
    return synth.assertions(LAB)


@pytest.fixture(scope="module")
def key_id(template):
    return only(template, "AWS::KMS::Key")[0]


@pytest.fixture(scope="module")
def vault(template):
    return only(template, "AWS::Backup::BackupVault")


@pytest.fixture(scope="module")
def rule(template):
    rules = only(template, "AWS::Backup::BackupPlan")[1]["Properties"]["BackupPlan"][
        "BackupPlanRule"
    ]
    assert len(rules) == 1, "the lab asks for one backup rule"
    return rules[0]


@pytest.fixture(scope="module")
def backup_role_id(template):
    selection = only(template, "AWS::Backup::BackupSelection")[1]["Properties"]
    return selection["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]


def selected_arns(template: dict) -> list[str]:
    selection = only(template, "AWS::Backup::BackupSelection")[1]["Properties"]["BackupSelection"]
    for by_tag in ("ListOfTags", "Conditions"):
        assert not selection.get(by_tag), "the assignment selects by ARN only: no tag widens it"
    return [resolve(arn) for arn in selection["Resources"]]


def table_arn(name: str) -> str:
    return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


# --- the vault and its key ---------------------------------------------------------------------


def test_vault_is_encrypted_with_the_stacks_key(vault, key_id):
    assert vault[1]["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_key_policy_names_no_role_of_the_stack(template, key_id):
    # KMS refuses a key policy whose principal it cannot see yet, and a role created seconds
    # earlier may not be visible: the key policy names the account only (issue #20).
    statements = template["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    principals = [json.dumps(statement["Principal"]) for statement in statements]
    assert principals == [
        json.dumps(
            {
                "AWS": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::",
                            {"Ref": "AWS::AccountId"},
                            ":root",
                        ],
                    ]
                }
            }
        )
    ], "only the account's statement, which lets IAM policies grant the key"
    roles = set(of_type(template, "AWS::IAM::Role"))
    assert not any(role in principal for role in roles for principal in principals)


def test_backup_role_policy_lets_it_use_this_key_only(template, key_id, backup_role_id):
    statements = role_statements(template["Resources"], backup_role_id)
    on_key = [s for s in statements if s["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}]
    granted = {action for statement in on_key for action in _list(statement["Action"])}
    assert {
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:GenerateDataKey",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:CreateGrant",
    } <= granted
    [grants] = [s for s in on_key if "kms:CreateGrant" in _list(s["Action"])]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert _list(grants["Action"]) == ["kms:CreateGrant"], (
        "kms:GrantIsForAWSResource is set for CreateGrant, ListGrants and RevokeGrant only"
    )


# --- the plan ----------------------------------------------------------------------------------


def test_plan_rule_runs_daily(rule):
    match = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)", rule["ScheduleExpression"])
    assert match, f"not a cron expression: {rule['ScheduleExpression']}"
    minute, hour, day_of_month, month, day_of_week, year = match.groups()
    assert minute.isdigit(), "once a day at a fixed time"
    assert hour.isdigit(), "once a day at a fixed time"
    assert (day_of_month, month, year) == ("*", "*", "*"), "every day of every month"
    assert day_of_week in ("?", "*"), "every day of the week"


def test_plan_rule_deletes_backups_after_7_days(rule):
    assert rule["Lifecycle"] == {"DeleteAfterDays": 7}, "retention 7 days, no cold storage"


def test_plan_rule_leaves_the_backup_window_at_the_service_default(rule):
    assert "StartWindowMinutes" not in rule, "no start window: the service default"
    assert "CompletionWindowMinutes" not in rule, "no completion window: the service default"


def test_plan_rule_backs_up_into_the_lab_vault(rule, vault):
    assert rule["TargetBackupVault"] == {"Fn::GetAtt": [vault[0], "BackupVaultName"]}


# --- the assignment ----------------------------------------------------------------------------


def test_assignment_covers_the_users_table(template):
    assert selected_arns(template) == [table_arn("Users")]


def test_assignment_covers_the_participants_table_only(participant_synth):
    template = participant_synth.template(LAB)
    arns = selected_arns(template)
    assert arns == [table_arn(f"{PARTICIPANT}-Users")]
    assert not any("*" in arn for arn in arns), "an exact ARN, no wildcard"
    for other in ("Users", "bob-Users", f"{PARTICIPANT}-Users-old"):
        assert table_arn(other) not in arns, f"{other} belongs to someone else"


def test_no_cross_stack_reference(template):
    text = json.dumps(template)
    assert "Fn::ImportValue" not in text
    assert not any("Export" in output for output in template["Outputs"].values())


def test_backup_role_is_assumed_by_aws_backup_only(template, backup_role_id):
    role = template["Resources"][backup_role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
        }
    ]
    policies = {resolve(arn) for arn in role["ManagedPolicyArns"]}
    assert policies == {
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    }


def test_managed_policies_of_the_backup_role_are_acknowledged_with_a_reason(synth):
    acks = synth.acknowledgements(LAB)[f"{LAB}/Plan/Role"]
    assert set(acks) == {
        "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
        f"service-role/{name}]"
        for name in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")
    }
    assert all("AWS Backup" in reason for reason in acks.values())


# --- failure notifications ---------------------------------------------------------------------


def test_failed_aborted_or_expired_jobs_of_the_vault_are_notified(template, vault):
    rule = only(template, "AWS::Events::Rule")[1]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.backup"],
        "detail-type": ["Backup Job State Change"],
        "detail": {
            "state": ["FAILED", "ABORTED", "EXPIRED"],
            "backupVaultName": [{"Fn::GetAtt": [vault[0], "BackupVaultName"]}],
        },
    }
    topic_id = only(template, "AWS::SNS::Topic")[0]
    assert [target["Arn"] for target in rule["Targets"]] == [{"Ref": topic_id}]
    assert "RoleArn" in rule["Targets"][0], "EventBridge publishes with the rule's own role"


def test_topic_is_encrypted_with_the_stacks_key(template, key_id):
    topic = only(template, "AWS::SNS::Topic")[1]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_rule_role_may_publish_and_encrypt_for_the_topic_only(template, key_id):
    rule = only(template, "AWS::Events::Rule")[1]["Properties"]
    role_id = rule["Targets"][0]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    topic_id = only(template, "AWS::SNS::Topic")[0]
    assert {json.dumps(s["Resource"], sort_keys=True) for s in statements} == {
        json.dumps({"Ref": topic_id}),
        json.dumps({"Fn::GetAtt": [key_id, "Arn"]}),
    }


def test_topic_accepts_tls_requests_only(assertions):
    from aws_cdk.assertions import Match

    assertions.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Principal": "*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_no_email_subscription_by_default(template):
    assert of_type(template, "AWS::SNS::Subscription") == {}


def test_notify_email_subscribes_that_address(every_option_synth):
    template = every_option_synth.template(LAB)
    subscription = only(template, "AWS::SNS::Subscription")[1]["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", EMAIL)


# --- destroy always works ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def purge(template):
    return only(template, "Custom::EmptyBackupVault")


def test_plan_and_assignment_are_deleted_before_the_purge(template, purge):
    for resource_type in ("AWS::Backup::BackupPlan", "AWS::Backup::BackupSelection"):
        logical_id, resource = only(template, resource_type)
        assert purge[0] in resource.get("DependsOn", []), (
            f"{logical_id} must go before the vault is emptied, or a new backup could land in it"
        )


def test_the_purge_may_delete_the_backups_of_the_users_table_only(template):
    # LabBackupVault's other grants: tests/lab_constructs/test_backup_vault.py.
    granted = {
        (action, resolve(resource))
        for policy in of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in _list(statement["Action"])
        for resource in _list(statement["Resource"])
        if ":dynamodb:" in resolve(resource)
    }
    users_backups = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Users/backup/*"
    assert granted == {
        # Issue #20: DynamoDB-ARN recovery points (no advanced DynamoDB features).
        ("backup:DeleteRecoveryPoint", users_backups),
        ("dynamodb:DeleteBackup", users_backups),
    }


def test_every_function_logs_to_a_destroyable_group_with_retention(template):
    functions = of_type(template, "AWS::Lambda::Function")
    assert len(functions) == 5, "purge on-event and is-complete, three framework functions"
    for logical_id, function in functions.items():
        log_group = template["Resources"][
            function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        ]
        assert log_group["Properties"]["RetentionInDays"] > 0, logical_id
        assert log_group["DeletionPolicy"] == "Delete", logical_id


# --- outputs -----------------------------------------------------------------------------------


def test_outputs_carry_the_ids_labcheck_reads(template, vault, backup_role_id):
    outputs = template["Outputs"]
    assert outputs["VaultName"]["Value"] == {"Fn::GetAtt": [vault[0], "BackupVaultName"]}
    plan_id = only(template, "AWS::Backup::BackupPlan")[0]
    assert outputs["PlanId"]["Value"] == {"Fn::GetAtt": [plan_id, "BackupPlanId"]}
    assert outputs["BackupRoleArn"]["Value"] == {"Fn::GetAtt": [backup_role_id, "Arn"]}
    topic_id = only(template, "AWS::SNS::Topic")[0]
    assert outputs["NotificationTopicArn"]["Value"] == {"Ref": topic_id}


def test_start_backup_command_uses_the_vault_table_and_role(template):
    command = resolve(template["Outputs"]["StartBackupCommand"]["Value"])
    assert command.startswith("aws backup start-backup-job --backup-vault-name <")
    assert f"--resource-arn {table_arn('Users')} --iam-role-arn <" in command


def _list(value) -> list:
    return value if isinstance(value, list) else [value]

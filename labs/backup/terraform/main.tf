# Lab "Backup a DynamoDB Table" (LabBackup), with Terraform.
# The same build as the guide's console steps and the CDK stack: README.md beside this file.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

# The region and credentials of your AWS configuration (AWS_REGION, AWS_PROFILE), as labcheck's.
provider "aws" {
  default_tags {
    tags = {
      course      = "storage-and-data"
      lab         = "LabBackup"
      managed-by  = "terraform"
      participant = var.participant
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # The table of LabDynamoDbUsers (built by hand, with its CDK stack or its Terraform), by the
  # ARN of its known name: no reference between the two labs, deploy them in any order.
  users_table_arn = "arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:table/${var.participant}-Users"
}

# Step 1: a customer managed key for the vault and the notifications: yearly rotation,
# deleted 7 days after `terraform destroy` (the shortest window).
resource "aws_kms_key" "backup" {
  description             = "Encrypts the recovery points and notifications of ${var.participant}'s LabBackup"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "backup" {
  name          = "alias/${var.participant}-lab-backup"
  target_key_id = aws_kms_key.backup.key_id
}

# Step 2: the vault, encrypted with the key, no vault lock (see the guide). force_destroy:
# `terraform destroy` deletes EVERY BACKUP in it first, as the CDK stack's purge does;
# without it the first daily backup would make destroy fail.
resource "aws_backup_vault" "lab" {
  name          = "${var.participant}-LabBackupVault"
  kms_key_arn   = aws_kms_key.backup.arn
  force_destroy = true
}

# Step 3: daily at 05:00 UTC (the console's default), each backup kept 7 days, into the
# vault; no start or completion window: the service's defaults.
resource "aws_backup_plan" "lab" {
  name = "${var.participant}-LabBackupPlan"

  rule {
    rule_name         = "DailyBackups"
    target_vault_name = aws_backup_vault.lab.name
    schedule          = "cron(0 5 * * ? *)"
    lifecycle {
      delete_after = 7
    }
  }
}

# Step 4: the Users table, by its ARN (see the guide: why by ARN, not by tag).
resource "aws_backup_selection" "users_table" {
  name         = "UsersTable"
  plan_id      = aws_backup_plan.lab.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [local.users_table_arn]
}

# The role AWS Backup assumes to back up and restore the table: AWS's managed policies for
# the service, and the vault key's use in the role's own policy (the key policy keeps the
# account's default statement, which lets IAM policies grant the key).
resource "aws_iam_role" "backup" {
  name               = "${var.participant}-LabBackupRole"
  assume_role_policy = data.aws_iam_policy_document.backup_trust.json
}

data "aws_iam_policy_document" "backup_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset([
    "AWSBackupServiceRolePolicyForBackup",
    "AWSBackupServiceRolePolicyForRestores",
  ])
  role       = aws_iam_role.backup.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/${each.key}"
}

resource "aws_iam_role_policy" "backup_key" {
  name   = "UseTheVaultKey"
  role   = aws_iam_role.backup.id
  policy = data.aws_iam_policy_document.backup_key.json
}

data "aws_iam_policy_document" "backup_key" {
  statement {
    sid = "UseTheVaultKey"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = [aws_kms_key.backup.arn]
  }
  statement {
    sid       = "GrantsForAwsResourcesOnTheVaultKey"
    actions   = ["kms:CreateGrant"]
    resources = [aws_kms_key.backup.arn]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
}

# Step 5: failed, aborted or expired backup jobs of this vault go to an encrypted topic.
resource "aws_sns_topic" "notifications" {
  name              = "${var.participant}-LabBackupNotifications"
  display_name      = "Lab backup job failures"
  kms_master_key_id = aws_kms_key.backup.arn
}

resource "aws_sns_topic_policy" "notifications" {
  arn    = aws_sns_topic.notifications.arn
  policy = data.aws_iam_policy_document.notifications_tls_only.json
}

data "aws_iam_policy_document" "notifications_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# With -var notify_email=you@example.com: an e-mail subscription (none without an address).
resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(compact([var.notify_email]))
  topic_arn = aws_sns_topic.notifications.arn
  protocol  = "email"
  endpoint  = each.key
}

resource "aws_cloudwatch_event_rule" "job_failed" {
  name        = "${var.participant}-LabBackupJobFailed"
  description = "AWS Backup jobs of the lab's vault that failed, were aborted or expired"
  event_pattern = jsonencode({
    source      = ["aws.backup"]
    detail-type = ["Backup Job State Change"]
    detail = {
      state           = ["FAILED", "ABORTED", "EXPIRED"]
      backupVaultName = [aws_backup_vault.lab.name]
    }
  })
}

# Step 6: the rule publishes with its own role, which may use the key and this topic only.
resource "aws_cloudwatch_event_target" "notifications" {
  rule     = aws_cloudwatch_event_rule.job_failed.name
  arn      = aws_sns_topic.notifications.arn
  role_arn = aws_iam_role.events.arn
}

resource "aws_iam_role" "events" {
  name               = "${var.participant}-LabBackupAlerts"
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
}

data "aws_iam_policy_document" "events_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "events_publish" {
  name   = "PublishToTheTopic"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events_publish.json
}

data "aws_iam_policy_document" "events_publish" {
  statement {
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]
  }
  statement {
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = [aws_kms_key.backup.arn]
  }
}

# Lab "Hands-On - RDS" (LabRdsMysql), with Terraform.
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
      lab         = "LabRdsMysql"
      managed-by  = "terraform"
      participant = var.participant
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  name = "${var.participant}-lab-rds-mysql" # the guide's DB instance identifier
  azs  = slice(data.aws_availability_zones.available.names, 0, 2)
}

# The lab's key: storage, the master password's secret and the logs' export are encrypted with
# it; yearly rotation, deleted 7 days after `terraform destroy`.
resource "aws_kms_key" "database" {
  description             = "Encrypts ${local.name}'s storage and secret"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "database" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.database.key_id
}

# The network: two isolated subnets in two AZs, no internet gateway, no NAT gateway (about $33
# a month); the free S3 gateway endpoint lets a CloudShell VPC environment install the client.
resource "aws_vpc" "lab" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags = {
    Name = local.name
  }
}

resource "aws_subnet" "isolated" {
  count             = 2
  vpc_id            = aws_vpc.lab.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(aws_vpc.lab.cidr_block, 8, count.index)
  tags = {
    Name = "${local.name}-isolated-${local.azs[count.index]}"
  }
}

resource "aws_route_table" "isolated" {
  vpc_id = aws_vpc.lab.id
}

resource "aws_route_table_association" "isolated" {
  count          = 2
  subnet_id      = aws_subnet.isolated[count.index].id
  route_table_id = aws_route_table.isolated.id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.lab.id
  service_name      = "com.amazonaws.${data.aws_region.current.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.isolated.id]
}

# The default security group, stripped of its rules: nothing open by accident.
resource "aws_default_security_group" "lab" {
  vpc_id = aws_vpc.lab.id
}

# Flow logs of all traffic, kept 7 days.
resource "aws_flow_log" "lab" {
  vpc_id          = aws_vpc.lab.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn    = aws_iam_role.flow_logs.arn
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/${local.name}/flow-logs"
  retention_in_days = 7
}

resource "aws_iam_role" "flow_logs" {
  name               = "${local.name}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_trust.json
}

data "aws_iam_policy_document" "flow_logs_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "WriteFlowLogs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

# Step 6: the database's security group admits MySQL from the CloudShell group only; the
# guide's DB subnet group <participant>-mysql-subnets.
resource "aws_security_group" "database" {
  name        = "${local.name}-database"
  description = "The lab's MySQL: port 3306 from the CloudShell security group only"
  vpc_id      = aws_vpc.lab.id
}

resource "aws_security_group" "cloudshell" {
  name        = "${local.name}-cloudshell"
  description = "Choose it for a CloudShell VPC environment that connects to the lab's MySQL"
  vpc_id      = aws_vpc.lab.id
}

resource "aws_vpc_security_group_ingress_rule" "mysql_from_cloudshell" {
  security_group_id            = aws_security_group.database.id
  description                  = "MySQL from CloudShell"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.cloudshell.id
}

resource "aws_vpc_security_group_egress_rule" "cloudshell_to_mysql" {
  security_group_id            = aws_security_group.cloudshell.id
  description                  = "MySQL to the lab's database"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.database.id
}

resource "aws_vpc_security_group_egress_rule" "cloudshell_to_s3" {
  security_group_id = aws_security_group.cloudshell.id
  description       = "HTTPS to S3 through the gateway endpoint (package repositories)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_db_subnet_group" "lab" {
  name        = "${var.participant}-mysql-subnets"
  description = "The lab's isolated subnets"
  subnet_ids  = aws_subnet.isolated[*].id
}

# TLS only, and a slow query log that has something to export (queries over 2 s).
resource "aws_db_parameter_group" "lab" {
  name   = "${local.name}-mysql84"
  family = "mysql8.4"

  parameter {
    name  = "require_secure_transport"
    value = "1"
  }
  parameter {
    name  = "slow_query_log"
    value = "1"
  }
  parameter {
    name  = "long_query_time"
    value = "2"
  }
  parameter {
    name  = "log_output"
    value = "FILE"
  }
}

# RDS writes each exported log to these groups; created first, they are the lab's (7 days).
resource "aws_cloudwatch_log_group" "database" {
  for_each          = toset(["error", "slowquery"])
  name              = "/aws/rds/instance/${local.name}/${each.key}"
  retention_in_days = 7
}

# Step 8: Enhanced Monitoring's role, with AWS's managed policy for it.
resource "aws_iam_role" "monitoring" {
  name               = "${local.name}-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_trust.json
}

data "aws_iam_policy_document" "monitoring_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# Steps 1-9: MySQL 8.4 (RDS picks the current 8.4.x, automatic minor upgrades on, Extended
# Support off), Multi-AZ, a class of the sheet, gp3 20 GB autoscaling to 50 GB, encrypted with
# the lab's key, master password generated into Secrets Manager, IAM database authentication,
# Enhanced Monitoring every 60 s, backups for one day (a read replica needs them), no deletion
# protection and no final snapshot: `terraform destroy` leaves nothing billable.
resource "aws_db_instance" "lab" {
  identifier     = local.name
  engine         = "mysql"
  engine_version = "8.4"
  instance_class = var.db_instance_class
  multi_az       = true

  allocated_storage     = 20
  max_allocated_storage = 50
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.database.arn

  username                      = "labmaster"
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.database.arn

  iam_database_authentication_enabled = true
  db_subnet_group_name                = aws_db_subnet_group.lab.name
  vpc_security_group_ids              = [aws_security_group.database.id]
  publicly_accessible                 = false
  port                                = 3306
  parameter_group_name                = aws_db_parameter_group.lab.name

  auto_minor_version_upgrade      = true
  engine_lifecycle_support        = "open-source-rds-extended-support-disabled"
  enabled_cloudwatch_logs_exports = ["error", "slowquery"]
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.monitoring.arn
  copy_tags_to_snapshot           = true

  backup_retention_period  = 1
  deletion_protection      = false
  skip_final_snapshot      = true
  delete_automated_backups = true

  depends_on = [aws_cloudwatch_log_group.database]
}

# Connecting with IAM: a role that may connect as lab_iam_user to this instance only;
# principals of this account may assume it, for an hour.
resource "aws_iam_role" "iam_connect" {
  name                 = "${local.name}-connect"
  description          = "Assume to connect to the lab's MySQL as lab_iam_user (IAM auth)"
  assume_role_policy   = data.aws_iam_policy_document.iam_connect_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "iam_connect_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_iam_role_policy" "iam_connect" {
  name   = "ConnectAsLabIamUser"
  role   = aws_iam_role.iam_connect.id
  policy = data.aws_iam_policy_document.iam_connect.json
}

data "aws_iam_policy_document" "iam_connect" {
  statement {
    actions   = ["rds-db:connect"]
    resources = ["arn:${data.aws_partition.current.partition}:rds-db:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:dbuser:${aws_db_instance.lab.resource_id}/lab_iam_user"]
  }
}

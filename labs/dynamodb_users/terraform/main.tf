# Lab "My First DynamoDB Table and My First Secondary Index" (LabDynamoDbUsers), with Terraform.
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
      lab         = "LabDynamoDbUsers"
      managed-by  = "terraform"
      participant = var.participant
    }
  }
}

# Part 1: the table Users (<participant>-Users), one user per e-mail address.
resource "aws_dynamodb_table" "users" {
  name         = "${var.participant}-Users"
  billing_mode = "PAY_PER_REQUEST" # on-demand: nothing to size, an idle table costs its storage
  hash_key     = "email"           # partition key, no sort key

  attribute {
    name = "email"
    type = "S"
  }
  attribute {
    name = "name"
    type = "S"
  }

  # Part 2: the index name-index, to query by name; ALL returns the whole item.
  global_secondary_index {
    name            = "name-index"
    hash_key        = "name"
    projection_type = "ALL"
  }

  # Restore to any second of the last 35 days.
  point_in_time_recovery {
    enabled = true
  }

  # Encrypted with the AWS managed key aws/dynamodb: visible in KMS, logged in CloudTrail,
  # no monthly fee. Deletion protection stays off (the default), so `terraform destroy` works.
  server_side_encryption {
    enabled = true
  }
}

# Part 1, step 4: John Doe, from the same file as the guide's put-item (DynamoDB JSON).
resource "aws_dynamodb_table_item" "john_doe" {
  table_name = aws_dynamodb_table.users.name
  hash_key   = aws_dynamodb_table.users.hash_key
  item       = file("${path.module}/../john_doe.json")
}

# Lab "Create a Lifecycle Rule" (LabS3Lifecycle), with Terraform.
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
      lab         = "LabS3Lifecycle"
      managed-by  = "terraform"
      participant = var.participant
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  # The guide's name for a participant's bucket: ana-lifecycle-123456789012.
  bucket_name = "${var.participant}-lifecycle-${data.aws_caller_identity.current.account_id}"
}

# Step 1: a private bucket: Block Public Access, no ACLs, SSE-S3, TLS only, versioning off.
# force_destroy: `terraform destroy` deletes the objects too, as `cdk destroy` does.
resource "aws_s3_bucket" "lab" {
  bucket        = local.bucket_name
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "lab" {
  bucket                  = aws_s3_bucket.lab.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "lab" {
  bucket = aws_s3_bucket.lab.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lab" {
  bucket = aws_s3_bucket.lab.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "lab" {
  bucket     = aws_s3_bucket.lab.id
  policy     = data.aws_iam_policy_document.lab.json
  depends_on = [aws_s3_bucket_public_access_block.lab]
}

resource "aws_s3_bucket_logging" "lab" {
  bucket        = aws_s3_bucket.lab.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "access-logs/"
}

# Steps 3 and 5: one rule for the whole bucket: Glacier Flexible Retrieval after 30 days,
# deleted after 365. Since 2024 S3 skips objects under 128 KB by default; test.txt is a few
# bytes, so the configuration transitions small objects too (see the guide for the cost).
resource "aws_s3_bucket_lifecycle_configuration" "lab" {
  bucket                                 = aws_s3_bucket.lab.id
  transition_default_minimum_object_size = "varies_by_storage_class"

  rule {
    id     = "GlacierAfter30DaysExpireAfter365Days"
    status = "Enabled"
    filter {} # apply to all objects in the bucket

    transition {
      days          = 30
      storage_class = "GLACIER"
    }
    expiration {
      days = 365
    }
    # Beyond the sheet: parts of abandoned uploads are billed until aborted.
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

# Step 2: the test file the rule acts on, the lab's own test.txt.
resource "aws_s3_object" "test_file" {
  bucket       = aws_s3_bucket.lab.id
  key          = "test.txt"
  source       = "${path.module}/../test.txt"
  etag         = filemd5("${path.module}/../test.txt")
  content_type = "text/plain; charset=utf-8"
}

# The lab bucket's server access logs: private, TLS only, expired after 30 days.
resource "aws_s3_bucket" "logs" {
  bucket        = "${local.bucket_name}-logs"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    id     = "ExpireAccessLogs"
    status = "Enabled"
    filter {}
    expiration {
      days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket     = aws_s3_bucket.logs.id
  policy     = data.aws_iam_policy_document.logs.json
  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# Each bucket denies every request without TLS.
data "aws_iam_policy_document" "lab" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.lab.arn, "${aws_s3_bucket.lab.arn}/*"]
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

# The log bucket: TLS only too, and S3's logging service may write the lab bucket's logs
# (there are no ACLs to grant it: BucketOwnerEnforced).
data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
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
  statement {
    sid       = "S3ServerAccessLogs"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/access-logs/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.lab.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

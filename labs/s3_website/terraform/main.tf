# Lab "Host a Static Website with S3" (LabS3Website), with Terraform.
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
      lab         = "LabS3Website"
      managed-by  = "terraform"
      participant = var.participant
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  # The guide's name for a participant's bucket: ana-website-123456789012.
  bucket_name = "${var.participant}-website-${data.aws_caller_identity.current.account_id}"
  pages       = ["index.html", "error.html"]
}

# Step 1: the one public bucket of the chapter. No ACLs (the policy alone decides), SSE-S3
# (an anonymous reader could not use a KMS key), and no TLS-only statement: website
# endpoints speak HTTP only. force_destroy: `terraform destroy` deletes the pages too.
resource "aws_s3_bucket" "website" {
  bucket        = local.bucket_name
  force_destroy = true
}

# Public ACLs stay blocked; only the two policy flags are off, so PublicRead can work.
resource "aws_s3_bucket_public_access_block" "website" {
  bucket                  = aws_s3_bucket.website.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_ownership_controls" "website" {
  bucket = aws_s3_bucket.website.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "website" {
  bucket = aws_s3_bucket.website.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_logging" "website" {
  bucket        = aws_s3_bucket.website.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "access-logs/"
}

# Step 2: the lab's pages, as text/html so that browsers render them.
resource "aws_s3_object" "page" {
  for_each     = toset(local.pages)
  bucket       = aws_s3_bucket.website.id
  key          = each.key
  source       = "${path.module}/../${each.key}"
  etag         = filemd5("${path.module}/../${each.key}")
  content_type = "text/html; charset=utf-8"
}

# Step 3: static website hosting with the index and the error document.
resource "aws_s3_bucket_website_configuration" "website" {
  bucket = aws_s3_bucket.website.id
  index_document {
    suffix = "index.html"
  }
  error_document {
    key = "error.html"
  }
}

# Step 4: anyone may read an object whose name they know; nobody may list or write. S3 refuses
# a public policy while Block Public Access blocks it: the policy waits for the settings above.
resource "aws_s3_bucket_policy" "website" {
  bucket     = aws_s3_bucket.website.id
  policy     = data.aws_iam_policy_document.public_read.json
  depends_on = [aws_s3_bucket_public_access_block.website]
}

data "aws_iam_policy_document" "public_read" {
  statement {
    sid       = "PublicRead"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.website.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

# The website bucket's server access logs: private, TLS only, expired after 30 days.
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

# The log bucket: TLS only too, and S3's logging service may write the website bucket's logs
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
      values   = [aws_s3_bucket.website.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

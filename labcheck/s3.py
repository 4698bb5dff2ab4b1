"""A bucket as the S3 API shows it: each setting read once, "not configured" as empty."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from botocore.exceptions import ClientError

from labcheck.aws import Aws, error_code
from labcheck.core import Objective

NOT_FOUND = {"404", "NoSuchKey", "NoSuchBucket"}


class Bucket:
    def __init__(self, aws: Aws, name: str) -> None:
        self.aws = aws
        self.name = name
        self.s3 = aws.client("s3")

    def _get(self, call: str, missing: str, **kwargs: Any) -> dict | None:
        try:
            return getattr(self.s3, call)(Bucket=self.name, **kwargs)
        except ClientError as error:
            if error_code(error) == missing:
                return None
            raise

    def missing(self) -> str | None:
        """None when the bucket exists, else what was found."""
        try:
            self.s3.head_bucket(Bucket=self.name)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return f"there is no bucket {self.name}"
            raise
        return None

    @cached_property
    def lifecycle(self) -> dict:
        found = self._get("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration")
        return found or {}

    @cached_property
    def public_access_block(self) -> dict:
        found = self._get("get_public_access_block", "NoSuchPublicAccessBlockConfiguration")
        return found["PublicAccessBlockConfiguration"] if found else {}

    @cached_property
    def website(self) -> dict:
        return self._get("get_bucket_website", "NoSuchWebsiteConfiguration") or {}

    @cached_property
    def policy(self) -> dict:
        found = self._get("get_bucket_policy", "NoSuchBucketPolicy")
        return json.loads(found["Policy"]) if found else {}

    def head(self, key: str) -> dict | None:
        """The object's metadata, or None when there is no such object."""
        try:
            return self.s3.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise

    def read(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise


# The first objective of every bucket lab: the others are skipped while it fails.
BUCKET_EXISTS = Objective(
    "The bucket exists",
    Bucket.missing,
    "create the bucket in this region, or pass the exact name of yours with --bucket NAME",
    gate=True,
)

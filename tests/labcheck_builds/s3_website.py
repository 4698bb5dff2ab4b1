"""LabS3Website built in moto as a student would, correctly or with the given mistakes."""

from __future__ import annotations

import json

from labcheck.aws import HttpResponse
from labcheck.s3_website import LAB, website_url
from tests.labcheck_fixtures import (
    REGION,
    checker,
    results,
)

BUCKET = "ana-lab-website"
URL = website_url(BUCKET, REGION)
PAGES = {"index.html": b"<html><body>Lab</body></html>", "error.html": b"<html>404</html>"}
HTML = "text/html; charset=utf-8"
PUBLIC_READ = {
    "Sid": "PublicRead",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}
POLICY_ONLY = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}


def fake_website(s3, *, missing_status: int = 404):
    """GET as the website endpoint answers from moto's state: the object; else the error
    document with `missing_status`; an object encrypted with SSE-KMS is 403 (the anonymous
    reader cannot use the key)."""

    def get(url: str) -> HttpResponse:
        assert url.startswith(URL + "/"), url
        website = s3.get_bucket_website(Bucket=BUCKET)
        key = url.removeprefix(URL + "/") or website["IndexDocument"]["Suffix"]
        for status, wanted in ((200, key), (missing_status, website["ErrorDocument"]["Key"])):
            try:
                found = s3.get_object(Bucket=BUCKET, Key=wanted)
            except s3.exceptions.NoSuchKey:
                continue
            if found.get("ServerSideEncryption") == "aws:kms":
                return HttpResponse(403, "application/xml", b"<Error>AccessDenied</Error>")
            return HttpResponse(status, "text/html", found["Body"].read())
        return HttpResponse(missing_status, "text/html", b"404 Not Found (S3's own page)")

    return get


def lab_results(
    session,
    aws=None,
    *,
    bucket=True,
    index="index.html",
    error="error.html",
    statements=(PUBLIC_READ,),
    content_type=HTML,
    kms_index=False,
    missing_status=404,
):
    """Build the lab in moto as a student would (with the given mistakes) and check it."""
    s3 = session.client("s3")
    if bucket:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=POLICY_ONLY)
        s3.put_bucket_website(
            Bucket=BUCKET,
            WebsiteConfiguration={
                "IndexDocument": {"Suffix": index},
                "ErrorDocument": {"Key": error},
            },
        )
        policy = {"Version": "2012-10-17", "Statement": list(statements)}
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
        for key, body in PAGES.items():
            kms = {"ServerSideEncryption": "aws:kms"} if kms_index and key == "index.html" else {}
            s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=content_type, **kms)
    aws = aws or checker()
    aws.get = fake_website(s3, missing_status=missing_status)
    return results(LAB, aws, {"bucket": BUCKET, "url": URL})

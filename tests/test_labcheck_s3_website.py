"""labcheck LabS3Website: a correct build meets every objective; each break fails just one.

moto does not serve website endpoints, so the HTTP GET is a fake that answers as S3's website
endpoint would from what the build put into moto (its website configuration and objects).
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from labcheck.aws import HttpResponse, http_get
from labcheck.s3_website import LAB, website_url
from tests.test_labcheck import (
    REGION,
    LabChecks,
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


BREAKS = {
    "The bucket exists": {"bucket": False},
    "Static website hosting is on, with index document index.html and error document error.html": {
        "index": "home.html",
        "error": "index.html",
    },
    "The bucket policy lets everyone read the objects (s3:GetObject on bucket/*), and nothing"
    " more": {
        "statements": (
            PUBLIC_READ,
            {
                **PUBLIC_READ,
                "Sid": "List",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{BUCKET}",
            },
        )
    },
    "index.html and error.html are in the bucket as HTML pages": {
        "content_type": "binary/octet-stream"
    },
    "The website endpoint serves the index page (GET / returns 200)": {"kms_index": True},
    # As the REST API does for a reader who may not list the bucket.
    "A missing page returns the error document (error.html) with status 404": {
        "missing_status": 403
    },
}


class TestObjectives(LabChecks):
    LAB = LAB
    BREAKS = BREAKS
    build = staticmethod(lab_results)


def test_wrong_documents_are_named(account):
    found = lab_results(account, **BREAKS[LAB.objectives[3].description])
    assert found[LAB.objectives[3].description].detail == (
        "index document is 'home.html'; error document is 'index.html'"
    )


def test_public_list_and_write_are_named(account):
    writes = {**PUBLIC_READ, "Sid": "Write", "Action": ["s3:GetObject", "s3:PutObject"]}
    found = lab_results(account, statements=(PUBLIC_READ, writes))
    assert found[LAB.objectives[1].description].detail == (
        f"the policy also lets everyone: s3:putobject on arn:aws:s3:::{BUCKET}/*"
    )


def test_a_policy_for_someone_else_is_not_public_read(account):
    someone = {**PUBLIC_READ, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
    found = lab_results(account, statements=(someone,))
    assert found[LAB.objectives[1].description].status == "FAIL"


def test_the_website_url_follows_the_regions_endpoint_style():
    assert website_url("b", "eu-west-1") == "http://b.s3-website-eu-west-1.amazonaws.com"
    assert website_url("b", "eu-central-1") == "http://b.s3-website.eu-central-1.amazonaws.com"


@pytest.fixture
def local_site():
    """A website on 127.0.0.1: `/` answers 200, anything else the error page with 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = (
                (200, PAGES["index.html"]) if self.path == "/" else (404, PAGES["error.html"])
            )
            self.send_response(status)
            self.send_header("Content-Type", HTML)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_http_get_returns_error_statuses_as_responses(local_site):
    assert http_get(local_site + "/") == HttpResponse(200, "text/html", PAGES["index.html"])
    assert http_get(local_site + "/nope") == HttpResponse(404, "text/html", PAGES["error.html"])


def test_an_unreachable_website_fails_with_the_reason(account):
    def refused(url):
        raise ConnectionRefusedError("connection refused")

    lab_results(account)  # builds the lab
    found = results(LAB, checker(refused), {"bucket": BUCKET, "url": URL})
    assert found[LAB.objectives[4].description].detail == (
        f"GET {URL}/ got no answer (connection refused)"
    )


@pytest.mark.parametrize(
    ("broad", "named"),
    [
        ({"NotAction": "s3:DeleteObject"}, "NotAction s3:DeleteObject"),
        ({"NotResource": f"arn:aws:s3:::{BUCKET}/private/*"}, "NotResource arn:aws:s3:::"),
    ],
)
def test_a_public_grant_written_with_not_action_or_not_resource_is_named(account, broad, named):
    # Allow everyone everything but X: as broad as a grant gets, whatever Action/Resource say.
    statement = {"Sid": "Broad", "Effect": "Allow", "Principal": "*", **broad}
    if "NotAction" in broad:
        statement["Resource"] = f"arn:aws:s3:::{BUCKET}/*"
    else:
        statement["Action"] = "s3:*"
    found = lab_results(account, statements=(PUBLIC_READ, statement))
    result = found[LAB.objectives[1].description]
    assert result.status == "FAIL"
    assert named in result.detail

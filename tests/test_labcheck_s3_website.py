"""labcheck LabS3Website: a correct build meets every objective; each break fails just one.

moto does not serve website endpoints, so the HTTP GET is a fake that answers as S3's website
endpoint would from what the build put into moto (its website configuration and objects).
"""

from __future__ import annotations

import http.server
import threading

import pytest

from labcheck.aws import HttpResponse, http_get
from labcheck.s3_website import LAB, website_url
from tests.labcheck_builds.s3_website import (
    BUCKET,
    HTML,
    PAGES,
    PUBLIC_READ,
    URL,
    lab_results,
)
from tests.labcheck_fixtures import (
    LabChecks,
    checker,
    results,
)

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

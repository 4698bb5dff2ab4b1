"""LabS3Website "Host a Static Website with S3": public read of the pages, and nothing more."""

from __future__ import annotations

import re

from course.sheets import S3_WEBSITE
from labcheck.aws import Aws, HttpResponse
from labcheck.core import Lab, Name, Objective
from labcheck.s3 import BUCKET_EXISTS, Bucket

INDEX_DOCUMENT = S3_WEBSITE.index_document
ERROR_DOCUMENT = S3_WEBSITE.error_document
MISSING_PAGE = "labcheck-no-such-page.html"
PUBLIC_ACTION = "s3:getobject"
# Regions whose website endpoint is `s3-website-<region>`; every other region uses a dot.
DASH_WEBSITE_REGIONS = {
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-west-1",
    "sa-east-1",
    "us-gov-west-1",
}


def website_url(bucket: str, region: str) -> str:
    """The bucket's website endpoint (HTTP only), as S3 names it in `region`."""
    separator = "-" if region in DASH_WEBSITE_REGIONS else "."
    return f"http://{bucket}.s3-website{separator}{region}.amazonaws.com"


class Website(Bucket):
    def __init__(self, aws: Aws, name: str, url: str | None) -> None:
        super().__init__(aws, name)
        self.url = (url or website_url(name, aws.region)).rstrip("/")

    def get(self, path: str) -> HttpResponse | str:
        """The response to GET `<url>/<path>`, or why there was none."""
        try:
            return self.aws.get(f"{self.url}/{path}")
        except OSError as error:  # URLError, timeouts, refused connections
            return f"GET {self.url}/{path} got no answer ({getattr(error, 'reason', error)})"


def _listed(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _is_public(statement: dict) -> bool:
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    return "*" in _listed(principal)


def website_hosting(site: Website) -> str | None:
    config = site.website
    if not config:
        return "static website hosting is off"
    if "RedirectAllRequestsTo" in config:
        return "the bucket redirects every request instead of hosting a website"
    index = config.get("IndexDocument", {}).get("Suffix")
    error = config.get("ErrorDocument", {}).get("Key")
    wrong = [
        f"{what} document is {found!r}"
        for what, found, expected in (
            ("index", index, INDEX_DOCUMENT),
            ("error", error, ERROR_DOCUMENT),
        )
        if found != expected
    ]
    return "; ".join(wrong) or None


def public_read_only(site: Website) -> str | None:
    statements = _listed(site.policy.get("Statement", []))
    public = [s for s in statements if s.get("Effect") == "Allow" and _is_public(s)]
    objects = re.compile(rf"arn:aws[a-z-]*:s3:::{re.escape(site.name)}/\*")
    grants = {
        (action.lower(), resource)
        for statement in public
        for action in _listed(statement.get("Action", []))
        for resource in _listed(statement.get("Resource", []))
    }
    if not any(a == PUBLIC_ACTION and objects.fullmatch(r) for a, r in grants):
        return f'no statement allows s3:GetObject to everyone ("*") on {site.name}/*'
    more = sorted(
        f"{a} on {r}" for a, r in grants if a != PUBLIC_ACTION or not objects.fullmatch(r)
    )
    more += [f"{key} {s[key]}" for s in public for key in ("NotAction", "NotResource") if key in s]
    return f"the policy also lets everyone: {', '.join(more)}" if more else None


def pages_uploaded(site: Website) -> str | None:
    problems = []
    for page in (INDEX_DOCUMENT, ERROR_DOCUMENT):
        head = site.head(page)
        if head is None:
            problems.append(f"{page} is missing")
        elif not head.get("ContentType", "").startswith("text/html"):
            problems.append(f"{page} has content type {head.get('ContentType')!r}")
    return "; ".join(problems) or None


def index_served(site: Website) -> str | None:
    response = site.get("")
    if isinstance(response, str):
        return response
    if response.status != 200:
        return f"GET {site.url}/ returned {response.status}"
    return None


def missing_page_gets_error_document(site: Website) -> str | None:
    response = site.get(MISSING_PAGE)
    if isinstance(response, str):
        return response
    if response.status != 404:
        return f"GET {site.url}/{MISSING_PAGE} returned {response.status}, not 404"
    if response.body != site.read(ERROR_DOCUMENT):
        return f"the 404 page is S3's own, not the bucket's {ERROR_DOCUMENT}"
    return None


OBJECTIVES = (
    BUCKET_EXISTS,
    Objective(
        "The bucket policy lets everyone read the objects (s3:GetObject on bucket/*), and"
        " nothing more",
        public_read_only,
        'bucket > Permissions > Bucket policy: one statement with Effect Allow, Principal "*",'
        ' Action "s3:GetObject", Resource "arn:aws:s3:::<bucket>/*"; grant the public nothing'
        " else (no s3:ListBucket, no writes)",
    ),
    Objective(
        f"{INDEX_DOCUMENT} and {ERROR_DOCUMENT} are in the bucket as HTML pages",
        pages_uploaded,
        "upload both files to the top of the bucket; their Content-Type must be text/html (the"
        " console sets it from the .html extension)",
    ),
    Objective(
        f"Static website hosting is on, with index document {INDEX_DOCUMENT} and error"
        f" document {ERROR_DOCUMENT}",
        website_hosting,
        "bucket > Properties > Static website hosting: Enable, 'Host a static website',"
        f" index document {INDEX_DOCUMENT}, error document {ERROR_DOCUMENT}",
        gate=True,  # without it, the GETs below cannot work
    ),
    Objective(
        "The website endpoint serves the index page (GET / returns 200)",
        index_served,
        "a 403 means the public cannot read yet: Block Public Access must allow bucket policies"
        " (on the bucket and the account) and the policy must grant s3:GetObject; a 404 means"
        f" {INDEX_DOCUMENT} is missing",
    ),
    Objective(
        f"A missing page returns the error document ({ERROR_DOCUMENT}) with status 404",
        missing_page_gets_error_document,
        f"set the error document to {ERROR_DOCUMENT} in Static website hosting and upload that"
        " file; S3 then serves it for every missing page",
    ),
)

LAB = Lab(
    lab_id="LabS3Website",
    names=(
        Name(
            "bucket",
            output="BucketName",
            option="bucket",
            by_hand="{participant}-website-{account}",
        ),
        Name("url", output="WebsiteUrl", required=False),
    ),
    connect=lambda aws, names, participant: Website(aws, names["bucket"], names.get("url")),
    objectives=OBJECTIVES,
)

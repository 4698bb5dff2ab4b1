"""LabS3Website: each requirement of the lab sheet (issue #4), one test each."""

from html.parser import HTMLParser
from typing import ClassVar

import pytest
from aws_cdk import App, Stack

from lab_constructs import LabWebsiteBucket
from stacks.lab_stack import LABS_DIR
from stacks.s3_website import S3WebsiteStack

LAB = "LabS3Website"
PAGES = ("index.html", "error.html")
HTML = "text/html; charset=utf-8"
PUBLIC_READ = "PublicRead"
WEBSITE_BUCKET_PATH = f"{LAB}/WebsiteBucket/Bucket"
LAB_DIR = LABS_DIR / S3WebsiteStack.folder


@pytest.fixture(scope="module")
def resources(synth):
    return synth.template(LAB)["Resources"]


@pytest.fixture(scope="module")
def website_bucket(resources):
    """(logical id, properties) of the bucket with website hosting (the other holds logs)."""
    buckets = {
        logical_id: resource["Properties"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::S3::Bucket"
        and "WebsiteConfiguration" in resource["Properties"]
    }
    assert len(buckets) == 1, "expected one bucket with static website hosting"
    return buckets.popitem()


def _policy_of(resources, bucket_id):
    """(logical id, resource) of the bucket policy of `bucket_id`."""
    policies = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::S3::BucketPolicy"
        and resource["Properties"]["Bucket"] == {"Ref": bucket_id}
    }
    assert len(policies) == 1, f"expected one bucket policy on {bucket_id}"
    return policies.popitem()


@pytest.fixture(scope="module")
def website_policy(resources, website_bucket):
    return _policy_of(resources, website_bucket[0])


def _is_public(principal) -> bool:
    return principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# Step 1: static website hosting.


def test_bucket_hosts_a_website_with_index_and_error_documents(website_bucket):
    assert website_bucket[1]["WebsiteConfiguration"] == {
        "IndexDocument": "index.html",
        "ErrorDocument": "error.html",
    }, "the lab serves index.html for / and error.html for a missing key"


def test_bucket_name_is_left_to_cloudformation_so_participants_do_not_collide(website_bucket):
    assert "BucketName" not in website_bucket[1]


# Step 2: public read through the bucket policy, and nothing else public.


def test_policy_grants_public_read_on_the_objects_exactly(website_bucket, website_policy):
    statements = website_policy[1]["Properties"]["PolicyDocument"]["Statement"]
    public_read = [s for s in statements if s.get("Sid") == PUBLIC_READ]
    assert public_read == [
        {
            "Sid": PUBLIC_READ,
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [website_bucket[0], "Arn"]}, "/*"]]},
        }
    ], "the lab's statement: PublicRead, Allow, Principal *, s3:GetObject on <bucket ARN>/*"


def test_public_read_is_the_only_public_grant_in_the_stack(resources):
    public = [
        (logical_id, statement.get("Sid"), statement["Action"])
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::S3::BucketPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow" and _is_public(statement["Principal"])
    ]
    assert [(sid, action) for _, sid, action in public] == [(PUBLIC_READ, "s3:GetObject")], (
        "anyone may only GetObject on the website bucket: no ListBucket, no write, no other bucket"
    )


def test_other_grants_of_the_website_policy_go_to_roles_of_the_stack(resources, website_policy):
    for statement in website_policy[1]["Properties"]["PolicyDocument"]["Statement"]:
        if statement.get("Sid") == PUBLIC_READ:
            continue
        principal = statement["Principal"]["AWS"]["Fn::GetAtt"]
        role = resources[principal[0]]["Type"] if principal[1] == "Arn" else None
        assert role == "AWS::IAM::Role", f"{statement} grants to someone outside the stack"


def test_block_public_access_allows_the_policy_but_still_blocks_acls(website_bucket):
    assert website_bucket[1]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }, "only the two policy flags are off: the least the PublicRead statement needs"


def test_website_policy_has_no_tls_only_deny(website_policy):
    statements = website_policy[1]["Properties"]["PolicyDocument"]["Statement"]
    assert [s for s in statements if s["Effect"] == "Deny"] == [], (
        "website endpoints are HTTP only: a deny on aws:SecureTransport=false makes the site 403"
    )


def test_policy_is_applied_after_block_public_access(website_bucket, website_policy):
    assert website_bucket[0] in website_policy[1].get("DependsOn", []), (
        "the policy must explicitly depend on the bucket (its Block Public Access settings), "
        "or S3 rejects the public policy with AccessDenied"
    )


# The bucket's defaults (ACLs off, SSE-S3, access logs, destroyed with its objects): tested on
# LabWebsiteBucket itself, tests/lab_constructs/test_buckets.py.


# Step 3: the pages.


class _StrictHtml(HTMLParser):
    """Collects what a valid HTML5 page needs and every tag that is not closed in order."""

    VOID: ClassVar[set[str]] = {
        "meta",
        "link",
        "br",
        "img",
        "hr",
        "input",
        "source",
        "wbr",
        "area",
        "col",
        "base",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = None
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else ''}>")
        else:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.text[self.open[-1]] = self.text.get(self.open[-1], "") + data


def _parse(path) -> _StrictHtml:
    parser = _StrictHtml()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_valid_html(page):
    parsed = _parse(LAB_DIR / page)
    assert (parsed.doctype or "").lower() == "doctype html", f"{page}: starts with <!DOCTYPE html>"
    assert parsed.errors == [], f"{page}: tags closed out of order"
    assert parsed.open == [], f"{page}: tags never closed"
    names = [tag for tag, _ in parsed.tags]
    assert names[:2] == ["html", "head"], f"{page}: <html> then <head>"
    assert names.count("body") == 1, f"{page}: one <body>"
    assert ("html", {"lang": "en"}) in parsed.tags, f"{page}: <html lang>"
    assert ("meta", {"charset": "utf-8"}) in parsed.tags, f"{page}: declares UTF-8"
    assert parsed.text.get("title", "").strip(), f"{page}: has a title"
    assert names.count("h1") == 1, f"{page}: one heading"


def test_index_page_names_the_lab_and_the_course():
    page = _parse(LAB_DIR / "index.html")
    assert page.text["h1"].strip() == S3WebsiteStack.title
    assert "Deployed by the course" in page.text["footer"]


def test_error_page_is_a_friendly_404_that_links_home():
    page = _parse(LAB_DIR / "error.html")
    assert "not found" in page.text["title"].lower(), "the browser tab says what happened"
    assert "404" in " ".join(page.text.values()), "the error page shows the status"
    assert ("a", {"href": "/"}) in page.tags, "the error page links back to the home page"


def test_pages_are_written_to_the_website_bucket_byte_for_byte_as_utf8_html(
    resources, website_bucket
):
    files = {
        r["Properties"]["Key"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "Custom::LabFile"
    }
    assert sorted(files) == sorted(PAGES), "exactly the two pages are written, not the guide"
    for page, written in files.items():
        assert written["Bucket"] == {"Ref": website_bucket[0]}
        assert written["Body"].encode() == (LAB_DIR / page).read_bytes(), page
        assert written["ContentType"] == HTML, "browsers must render, not download"


# Outputs that `cdk deploy` prints and labcheck reads.


def test_outputs_give_the_bucket_name_and_the_website_url(synth, website_bucket):
    outputs = synth.template(LAB)["Outputs"]
    assert outputs["BucketName"]["Value"] == {"Ref": website_bucket[0]}
    assert outputs["WebsiteUrl"]["Value"] == {"Fn::GetAtt": [website_bucket[0], "WebsiteURL"]}


# cdk-nag: the public website bucket is acknowledged, nothing else.


def test_only_the_website_bucket_acknowledges_s3_findings(synth):
    s3_acks = {
        path: {rule.rsplit("-", 1)[-1] for rule in rules if "AwsSolutions-S" in rule}
        for path, rules in synth.acknowledgements(LAB).items()
    }
    assert {path: rules for path, rules in s3_acks.items() if rules} == {
        f"{WEBSITE_BUCKET_PATH}/Resource": {"S2", "S5", "S10"},
        f"{WEBSITE_BUCKET_PATH}/Policy/Resource": {"S10"},
    }, "S2/S5/S10 are acknowledged on the public website bucket only, never on its log bucket"


def test_website_acknowledgements_give_the_labs_reasons(synth):
    acks = synth.acknowledgements(LAB)
    reasons = {
        rule.rsplit("-", 1)[-1]: reason
        for path in (f"{WEBSITE_BUCKET_PATH}/Resource", f"{WEBSITE_BUCKET_PATH}/Policy/Resource")
        for rule, reason in acks[path].items()
    }
    assert "HTTP only" in reasons["S10"]
    assert "403" in reasons["S10"]
    assert "PublicRead" in reasons["S2"]
    assert "CloudFront" in reasons["S5"]
    assert "Origin Access Control" in reasons["S5"]


def test_acknowledged_findings_are_raised_and_none_is_open(synth):
    report = synth.validation_report["pluginReports"]
    suppressed = {
        (construct["constructPath"], violation["ruleName"].rsplit("-", 1)[-1])
        for plugin in report
        for violation in plugin.get("suppressedViolations", [])
        for construct in violation["violatingConstructs"]
        if construct["constructPath"].startswith(WEBSITE_BUCKET_PATH)
    }
    assert suppressed == {
        (f"{WEBSITE_BUCKET_PATH}/Resource", "S2"),
        (f"{WEBSITE_BUCKET_PATH}/Resource", "S5"),
        (f"{WEBSITE_BUCKET_PATH}/Resource", "S10"),
        (f"{WEBSITE_BUCKET_PATH}/Policy/Resource", "S10"),
    }
    open_findings = [
        violation["ruleName"]
        for plugin in report
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
        if construct["constructPath"].startswith(f"{LAB}/")
    ]
    assert open_findings == []


# The construct rejects what S3 would not serve.


@pytest.mark.parametrize(
    ("index", "error"), [("", "error.html"), ("/index.html", "error.html"), ("index.html", "")]
)
def test_website_bucket_rejects_a_document_that_is_not_an_object_key(index, error):
    with pytest.raises(ValueError, match=r"LabWebsiteBucket Site: \w+_document must be an object"):
        LabWebsiteBucket(Stack(App(), "Test"), "Site", index_document=index, error_document=error)

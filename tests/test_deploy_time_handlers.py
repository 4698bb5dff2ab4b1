"""The deploy-time custom resource handlers (lab_constructs/handlers/deploy_time), as plain Python.

Fake DynamoDB and S3: botocore's Stubber, which checks each request against the API model and
fails on any call the test did not expect; for the sequences CloudFormation runs (a file moved
to another logical id, a key changed), moto's S3. The answer to CloudFormation is captured
instead of sent.
"""

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from lab_constructs.handlers.deploy_time import index as handler
from tests.stubs import stubbed

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

TABLE = "ana-Users"
KEY = "email=john.doe@example.com"
ITEM = {"email": {"S": "john.doe@example.com"}, "age": {"N": "30"}, "admin": {"BOOL": True}}
URL = "https://cloudformation-custom-resource-response.example/answer?signature=x"
DENIED_MESSAGE = "User: arn:aws:sts::123456789012:assumed-role/w/f is not authorized"


def event(request_type: str, properties: dict, physical_id: str | None = None) -> dict:
    """What CloudFormation sends to a Lambda-backed custom resource."""
    sent = {
        "RequestType": request_type,
        "ResponseURL": URL,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/ana-Lab/guid",
        "RequestId": "request-1",
        "LogicalResourceId": "JohnDoePutItem",
        "ResourceType": "Custom::TableItem",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:...", **properties},
    }
    if physical_id:
        sent["PhysicalResourceId"] = physical_id
    return sent


def put_event(request_type: str = "Create", physical_id: str | None = None) -> dict:
    properties = {"TableName": TABLE, "Item": json.dumps(ITEM), "Key": KEY}
    return event(request_type, properties, physical_id)


class Answers:
    """Captures what the handler would PUT to the response URL."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    def __call__(self, url: str, response: dict) -> None:
        self.sent.append((url, response))

    @property
    def only(self) -> dict:
        assert len(self.sent) == 1, "exactly one answer to CloudFormation"
        url, response = self.sent[0]
        assert url == URL
        return response


@pytest.fixture
def dynamodb():
    with stubbed("dynamodb") as client_and_stubber:
        yield client_and_stubber


def expect_put(stubber: Stubber) -> None:
    stubber.add_response("put_item", {}, {"TableName": TABLE, "Item": ITEM})


def deny(stubber: Stubber, code: str = "AccessDeniedException") -> None:
    stubber.add_client_error(
        "put_item",
        service_error_code=code,
        service_message=DENIED_MESSAGE,
        http_status_code=400,
        expected_params={"TableName": TABLE, "Item": ITEM},
    )


def test_put_item_writes_the_item_and_answers_with_its_key(dynamodb):
    client, stubber = dynamodb
    expect_put(stubber)
    answers = Answers()
    handler.put_item(put_event(), client=client, sleep=pytest.fail, send=answers)
    assert answers.only == {
        "Status": "SUCCESS",
        "PhysicalResourceId": KEY,
        "StackId": put_event()["StackId"],
        "RequestId": "request-1",
        "LogicalResourceId": "JohnDoePutItem",
        "Data": {},
    }


def test_put_item_retries_access_denied_until_iam_shows_the_permission(dynamodb):
    # IAM is eventually consistent: a policy created seconds earlier can still be invisible.
    client, stubber = dynamodb
    deny(stubber)
    deny(stubber, "AccessDenied")
    expect_put(stubber)
    pauses, answers = [], Answers()
    handler.put_item(put_event(), client=client, sleep=pauses.append, send=answers)
    assert answers.only["Status"] == "SUCCESS"
    assert pauses == [2, 4], "a growing pause before each new attempt"


def test_put_item_fails_the_deploy_after_two_minutes_of_denials(dynamodb):
    client, stubber = dynamodb
    attempts = 8
    for _ in range(attempts):
        deny(stubber)
    pauses, answers = [], Answers()
    handler.put_item(put_event(), client=client, sleep=pauses.append, send=answers)
    response = answers.only
    assert response["Status"] == "FAILED"
    assert "AccessDeniedException" in response["Reason"]
    assert DENIED_MESSAGE in response["Reason"], "the reason CloudFormation shows names the cause"
    assert response["PhysicalResourceId"] == "JohnDoePutItem"
    assert len(pauses) == attempts - 1
    assert 100 <= sum(pauses) <= 150, "about two minutes, well within the function's timeout"


def test_put_item_does_not_retry_other_errors(dynamodb):
    client, stubber = dynamodb
    deny(stubber, "ResourceNotFoundException")
    answers = Answers()
    handler.put_item(put_event(), client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "FAILED"
    assert "ResourceNotFoundException" in answers.only["Reason"]


def test_put_item_on_update_rewrites_the_same_item_under_the_same_id(dynamodb):
    client, stubber = dynamodb
    expect_put(stubber)
    answers = Answers()
    handler.put_item(put_event("Update", KEY), client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS"
    assert answers.only["PhysicalResourceId"] == KEY, "the same id: no replacement"


def test_put_item_on_delete_calls_nothing(dynamodb):
    client, _ = dynamodb  # the Stubber fails on any call
    answers = Answers()
    handler.put_item(put_event("Delete", KEY), client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS"
    assert answers.only["PhysicalResourceId"] == KEY


def test_expiry_time_counts_the_hours_from_when_it_runs():
    answers = Answers()
    ran_at = datetime(2026, 11, 20, 9, 30, 15, 987_654, tzinfo=UTC)
    handler.expiry_time(event("Create", {"Hours": "6"}), now=lambda: ran_at, send=answers)
    response = answers.only
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {
        "At": "at(2026-11-20T15:30:15)",
        "ExpiresAt": "2026-11-20T15:30:15Z",
    }
    assert response["PhysicalResourceId"] == "2026-11-20T15:30:15Z"


def test_expiry_time_on_delete_keeps_its_id():
    answers = Answers()
    handler.expiry_time(
        event("Delete", {"Hours": "6"}, "2026-11-20T15:30:15Z"), now=pytest.fail, send=answers
    )
    assert answers.only == {
        "Status": "SUCCESS",
        "PhysicalResourceId": "2026-11-20T15:30:15Z",
        "StackId": event("Delete", {})["StackId"],
        "RequestId": "request-1",
        "LogicalResourceId": "JohnDoePutItem",
        "Data": {},
    }


def test_a_bad_property_fails_with_a_reason_instead_of_hanging():
    answers = Answers()
    handler.expiry_time(event("Create", {"Hours": "six"}), send=answers)
    assert answers.only["Status"] == "FAILED"
    assert "six" in answers.only["Reason"]


def test_the_answer_is_put_to_the_response_url_as_signed(monkeypatch):
    sent = []

    class Reply:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

    def urlopen(request, timeout):
        sent.append(request)
        return Reply()

    monkeypatch.setattr(handler.urllib.request, "urlopen", urlopen)
    handler._send(URL, {"Status": "SUCCESS"})
    [request] = sent
    assert request.full_url == URL
    assert request.get_method() == "PUT"
    assert request.get_header("Content-type") == "", "the pre-signed URL was signed without one"
    assert json.loads(request.data) == {"Status": "SUCCESS"}


def test_class_status_reads_the_time_the_clock_answers():
    # The ExpiresAt output is the clock's answer; class-status parses it to flag expired labs.
    from classroom.stack_states import _parse_time

    answers = Answers()
    ran_at = datetime(2026, 11, 20, 9, 30, 15, tzinfo=UTC)
    handler.expiry_time(event("Create", {"Hours": "1"}), now=lambda: ran_at, send=answers)
    expires_at = answers.only["Data"]["ExpiresAt"]
    assert _parse_time(expires_at) == datetime(2026, 11, 20, 10, 30, 15, tzinfo=UTC)


# put_object: a lab's file into its bucket (LabFiles).

BUCKET = "ana-labs3website-websitebucket"
PAGE = "<h1>Caf\u00e9</h1>\r\n"  # non-ASCII and CRLF: the bytes must arrive unchanged
OBJECT = f"s3://{BUCKET}/index.html"
HTML = "text/html; charset=utf-8"


def file_event(request_type: str = "Create", physical_id: str | None = None, **changes) -> dict:
    properties = {"Bucket": BUCKET, "Key": "index.html", "Body": PAGE, "ContentType": HTML}
    return event(request_type, properties | changes, physical_id)


@pytest.fixture
def s3():
    with stubbed("s3") as client_and_stubber:
        yield client_and_stubber


def expect_put_object(stubber: Stubber, body: str = PAGE) -> None:
    expected = {
        "Bucket": BUCKET,
        "Key": "index.html",
        "Body": body.encode("utf-8"),
        "ContentType": HTML,
        "Metadata": {"lab-file-writer": ANY},
    }
    stubber.add_response("put_object", {}, expected)


def test_put_object_writes_the_files_utf8_bytes_with_its_content_type(s3):
    client, stubber = s3
    expect_put_object(stubber)
    answers = Answers()
    handler.put_object(file_event(), client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS"
    assert answers.only["PhysicalResourceId"] == OBJECT


def test_put_object_on_update_rewrites_the_object_under_the_same_id(s3):
    client, stubber = s3
    expect_put_object(stubber, "<h1>New</h1>")
    answers = Answers()
    changed = file_event("Update", OBJECT, Body="<h1>New</h1>")
    handler.put_object(changed, client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS"
    assert answers.only["PhysicalResourceId"] == OBJECT, "the same id: no delete of the object"


def test_put_object_retries_access_denied(s3):
    client, stubber = s3
    stubber.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
    expect_put_object(stubber)
    pauses, answers = [], Answers()
    handler.put_object(file_event(), client=client, sleep=pauses.append, send=answers)
    assert answers.only["Status"] == "SUCCESS"
    assert pauses == [2]


def test_put_object_on_delete_of_a_failed_create_calls_nothing(s3):
    client, _ = s3  # the Stubber fails on any call
    answers = Answers()
    failed_create = file_event("Delete", "JohnDoePutItem")  # the id a failed Create answers
    handler.put_object(failed_create, client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS"


@pytest.mark.parametrize("code", ["NoSuchBucket", "404"])
def test_put_object_on_delete_after_the_bucket_or_object_is_gone_succeeds(s3, code):
    client, stubber = s3
    stubber.add_client_error("head_object", service_error_code=code, http_status_code=404)
    answers = Answers()
    handler.put_object(file_event("Delete", OBJECT), client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS"


def test_put_object_on_delete_fails_on_other_errors(s3):
    client, stubber = s3
    stubber.add_client_error(
        "head_object", service_error_code="InternalError", http_status_code=500
    )
    answers = Answers()
    handler.put_object(file_event("Delete", OBJECT), client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "FAILED"
    assert "InternalError" in answers.only["Reason"]


# The sequences CloudFormation runs, against moto's S3 (the `account` fixture: eu-west-1).


def run_file(client, request_type: str, logical_id: str, physical_id=None, **changes) -> dict:
    """One request for the LabFile `logical_id`; returns the answer sent to CloudFormation."""
    sent = file_event(request_type, physical_id, **changes) | {"LogicalResourceId": logical_id}
    answers = Answers()
    handler.put_object(sent, client=client, sleep=pytest.fail, send=answers)
    assert answers.only["Status"] == "SUCCESS", answers.only
    return answers.only


@pytest.fixture
def bucket(account):
    client = account.client("s3")
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return client


def body_of(client, key: str = "index.html") -> str:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def test_a_file_moved_to_another_logical_id_keeps_its_object(bucket):
    """A construct renamed: CloudFormation creates the new resource (same key, same physical
    id), then deletes the old one with that id; the object must survive."""
    old = run_file(bucket, "Create", "SiteFilesIndexHtml")
    new = run_file(bucket, "Create", "PagesIndexHtml", Body="<h1>New</h1>")
    assert new["PhysicalResourceId"] == old["PhysicalResourceId"] == OBJECT
    run_file(bucket, "Delete", "SiteFilesIndexHtml", OBJECT)
    assert body_of(bucket) == "<h1>New</h1>"
    run_file(bucket, "Delete", "PagesIndexHtml", OBJECT)  # its own: deleted
    assert bucket.list_objects_v2(Bucket=BUCKET).get("Contents", []) == []


def test_a_changed_key_deletes_the_old_object_only(bucket):
    """The key changes: the new id makes CloudFormation delete the old one (old properties)."""
    run_file(bucket, "Create", "SiteFilesIndexHtml")
    moved = run_file(bucket, "Update", "SiteFilesIndexHtml", OBJECT, Key="home.html")
    assert moved["PhysicalResourceId"] == f"s3://{BUCKET}/home.html"
    run_file(bucket, "Delete", "SiteFilesIndexHtml", OBJECT)
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == ["home.html"]


def test_an_object_someone_else_wrote_last_is_left(bucket):
    """Overwritten by hand (or written before the mark): not this resource's to delete."""
    run_file(bucket, "Create", "SiteFilesIndexHtml")
    bucket.put_object(Bucket=BUCKET, Key="index.html", Body=b"<h1>Mine</h1>")
    run_file(bucket, "Delete", "SiteFilesIndexHtml", OBJECT)
    assert body_of(bucket) == "<h1>Mine</h1>"


def test_the_writers_mark_names_neither_the_account_nor_the_resource(bucket):
    """A website's objects are public, and so is their metadata (x-amz-meta-...)."""
    run_file(bucket, "Create", "SiteFilesIndexHtml")
    (mark,) = bucket.head_object(Bucket=BUCKET, Key="index.html")["Metadata"].values()
    assert "123456789012" not in mark
    assert "SiteFiles" not in mark
    assert "ana-Lab" not in mark

"""The class report (issue #16): `make class-report`, on moto (in-process, no network).

A class of LabDynamoDbUsers in every state a trainer meets: done, half done, broken in one
objective, not deployed, a failed stack, a hand-built lab, a participant labcheck may not read.
"""

from __future__ import annotations

import html
import json
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.cloudformation.models import cloudformation_backends
from moto.core import DEFAULT_ACCOUNT_ID

from course import report
from labcheck.cli import LABS
from labcheck.core import Kind
from tests.browser import ARTIFACTS, browse, chromium
from tests.labcheck_builds.dynamodb_users import INDEX, JANE, JOHN_DOE
from tests.labcheck_fixtures import REGION, create_stack, fake_account
from tests.synth import ROOT

# Runs again a year ahead in `make test` (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

LAB = "LabDynamoDbUsers"
CLASS = ["ana", "ben", "cem", "dia", "eve", "fay", "gus"]
CREATED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NOW = CREATED + timedelta(hours=2, minutes=30)
OWN = ["--own", "table={participant}-Users"]


def users_table(session, name: str, *, item=True, index=True, projection="ALL") -> None:
    """The lab's table as a student builds it, complete or not."""
    ddb = session.client("dynamodb")
    gsi = {
        "GlobalSecondaryIndexes": [
            {
                "IndexName": INDEX,
                "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": projection},
            }
        ]
    }
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in ("email", "name")[: 1 + index]
        ],
        BillingMode="PAY_PER_REQUEST",
        **(gsi if index else {}),
    )
    for user in (JOHN_DOE, JANE) if item else (JANE,):
        ddb.put_item(TableName=name, Item=user)


def lab_stack(session, participant: str, *, status: str | None = None, **outputs: str) -> None:
    """The participant's stack, created at CREATED (and in `status`, as moto cannot fail one)."""
    name = f"{participant}-{LAB}"
    create_stack(
        session, name, {"TableName": f"{participant}-Users", "IndexName": INDEX, **outputs}
    )
    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION]
    stack = next(s for s in backend.stacks.values() if s.name == name)
    stack.creation_time = CREATED.replace(tzinfo=None)
    if status:
        stack.status = status


def deny_gus(params, **_kwargs):
    if b'"gus-Users"' in params["body"]:
        body = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        return AWSResponse(None, 400, {}, None), body
    return None


@pytest.fixture
def klass(monkeypatch):
    """The class in one account; yields the session factory the report checks it with."""
    with fake_account(monkeypatch) as session:
        users_table(session, "ana-Users")
        lab_stack(session, "ana", ExpiresAt="2026-11-26T13:00:00Z")  # done
        users_table(session, "ben-Users", item=False, index=False)
        lab_stack(session, "ben")  # half done: the table, no item, no index
        users_table(session, "cem-Users", projection="KEYS_ONLY")
        lab_stack(session, "cem", ExpiresAt="2026-11-26T11:00:00Z")  # the GSI, expired
        # dia: nothing at all
        lab_stack(session, "eve", status="ROLLBACK_COMPLETE")  # the deploy failed
        users_table(session, "fay-Users")  # built by hand, no stack
        users_table(session, "gus-Users")  # built by hand, labcheck may not read it

        def checker() -> boto3.Session:
            checking = boto3.Session(region_name=REGION)
            checking.events.register("before-call.dynamodb.DescribeTable", deny_gus)
            return checking

        yield checker


def gathered(klass, own=True, **kwargs) -> report.ClassReport:
    patterns = {"table": "{participant}-Users"} if own else {}
    return report.gather(LAB, CLASS, session=klass, own=patterns, now=lambda: NOW, **kwargs)


GSI_HINT = (
    "table > Indexes > Create index: partition key the name attribute (String), attribute"
    " projections All; wait until its status is Active"
)
# dia has neither a stack nor a table: checked as hand-built, she is stuck on the table.
SUMMARY = (
    "2 of 7 done, 1 stuck on the table, 1 stuck on the item, 1 stuck on the GSI,"
    " 1 stack ROLLBACK_COMPLETE, 1 could not be checked; est. cost so far < $0.01"
)


def test_text_matrix_has_one_row_per_participant_and_a_column_per_objective(klass):
    lines = gathered(klass).text().splitlines()
    assert lines[0] == f"{LAB} in {REGION}, taken 2026-11-26 11:30:00 UTC " + lines[0][-7:]
    squeezed = [" ".join(line.split()) for line in lines[1:9]]
    assert squeezed == [
        "participant table key on-demand item GSI query stack since expires cost",
        "ana PASS PASS PASS PASS PASS PASS CREATE_COMPLETE 09:00 (2h30m) 13:00 (in 1h30m) < $0.01",
        "ben PASS PASS PASS FAIL FAIL FAIL CREATE_COMPLETE 09:00 (2h30m) - < $0.01",
        "cem PASS PASS PASS PASS FAIL PASS CREATE_COMPLETE 09:00 (2h30m) EXPIRED 11:00 < $0.01",
        "dia FAIL SKIP SKIP SKIP SKIP SKIP own build - - -",
        "eve stack not ready: deploy failed: see its events ROLLBACK_COMPLETE 09:00 (2h30m) -"
        " < $0.01",
        "fay PASS PASS PASS PASS PASS PASS own build - - -",
        "gus own build - - -",
    ]
    assert lines[9].strip() == (
        "cannot check: access denied: DescribeTable needs dynamodb:DescribeTable — attach"
        " labs/labcheck-policy.json (read-only) to your user or role"
    )
    text = "\n".join(lines)
    assert (
        "GSI: A global secondary index on the name, projecting ALL attributes, is active\n"
        f"  hint: {GSI_HINT}\n"
        "  ✗ ben: the table has no global secondary index named name-index\n"
        "  ✗ cem: index name-index: it projects KEYS_ONLY\n" in text
    )
    assert "legend: table = The Users table exists; key = The partition key is email" in text
    assert lines[-1] == SUMMARY


def test_without_hand_built_patterns_a_participant_without_stack_is_not_deployed(klass):
    found = gathered(klass, own=False)
    not_deployed = [row.participant for row in found.rows if row.state is report.State.NOT_DEPLOYED]
    assert not_deployed == ["dia", "fay", "gus"]
    assert f"dia not deployed: no stack dia-{LAB} - - - -" in [
        " ".join(line.split()) for line in found.text().splitlines()
    ]
    assert "<b>not deployed</b>: no stack dia-LabDynamoDbUsers" in found.html()
    assert found.summary() == (
        "1 of 7 done, 1 stuck on the item, 1 stuck on the GSI, 3 not deployed,"
        " 1 stack ROLLBACK_COMPLETE; est. cost so far < $0.01"
    )


def test_json_holds_the_same_matrix_for_scripts(klass):
    document = json.loads(gathered(klass).json())
    assert (document["lab"], document["done"], document["total"]) == (LAB, 2, 7)
    assert document["summary"] == SUMMARY
    assert document["taken_at"] == "2026-11-26T11:30:00Z"
    rows = {row["participant"]: row for row in document["participants"]}
    assert [o["status"] for o in rows["ben"]["objectives"]] == [
        "PASS",
        "PASS",
        "PASS",
        "FAIL",
        "FAIL",
        "FAIL",
    ]
    assert rows["cem"]["stuck_on"] == "GSI"
    assert rows["cem"]["objectives"][4] == {
        "objective": "GSI",
        "status": "FAIL",
        "detail": "index name-index: it projects KEYS_ONLY",
        "hint": GSI_HINT,
    }
    assert rows["ana"]["stack"] == {
        "name": f"ana-{LAB}",
        "status": "CREATE_COMPLETE",
        "created": "2026-11-26T09:00:00Z",
        "updated": None,
        "expires_at": "2026-11-26T13:00:00Z",
        "hours_up": 2.5,
        "hourly_usd": 0.001,
        "cost_usd": 0.0025,
    }
    assert (rows["dia"]["source"], rows["dia"]["stuck_on"]) == ("own build", "table")
    assert rows["eve"]["state"] == "stack not ready"
    assert rows["eve"]["stack"]["cost_usd"] == 0, "a rolled-back stack holds nothing"
    assert (rows["fay"]["source"], rows["fay"]["done"]) == ("own build", True)
    assert rows["fay"]["resources"] == {"table": "fay-Users", "index": None}
    assert rows["gus"]["state"] == "cannot check"
    assert rows["gus"]["reason"].startswith("access denied: DescribeTable")


def test_html_is_one_self_contained_page_with_status_words_hints_and_summary(klass):
    page = gathered(klass).html()
    assert page.startswith("<!DOCTYPE html>")
    for outside in ("<script", "<link", "<img", "@import", "url(", "http://", "https://"):
        assert outside not in page, f"the page must open offline: found {outside!r}"
    assert f'<p class="summary" id="summary">{html.escape(SUMMARY)}</p>' in page
    assert page.count('class="s FAIL"') == 5, "ben x3, cem x1, dia x1, each with its words"
    assert page.count(">✓ PASS<") == 6 + 3 + 5 + 6, "ana, ben, cem, fay"
    assert page.count('class="s SKIP"') == 5, "dia's after her table"
    assert f'<span class="hint">Hint: {html.escape(GSI_HINT)}</span>' in page
    assert "<b>stack not ready</b>: deploy failed: see its events" in page
    assert "Taken 2026-11-26 11:30:00 UTC" in page
    assert 'http-equiv="refresh"' not in page
    assert '<meta http-equiv="refresh" content="30">' in gathered(klass).html(30)


def test_html_escapes_everything_it_shows(klass, monkeypatch):
    found = gathered(klass)
    evil = report.Row("ana", report.State.ERROR, reason="<script>alert(1)</script> & more")
    page = report.ClassReport(LAB, REGION, NOW, 0.1, found.columns, (evil,), swept=False).html()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


class StartTags(HTMLParser):
    """Every start tag of a page, to find markup that should have been text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_what_a_student_typed_is_text_where_participants_are_stuck(monkeypatch):
    """A failing objective's detail quotes the student's values: in the page, only as text."""
    typed = '<img src=x onerror="alert(1)">'
    with fake_account(monkeypatch) as session:
        users_table(session, "ana-Users")
        session.client("dynamodb").put_item(
            TableName="ana-Users", Item={**JOHN_DOE, "age": {"S": typed}}
        )
        found = report.gather(
            LAB,
            ["ana"],
            session=lambda: boto3.Session(region_name=REGION),
            own={"table": "{participant}-Users"},
            now=lambda: NOW,
        )
    (stuck_column, [(who, result)]) = report.failures(found)[0]
    assert who == "ana"
    assert typed in result.detail, "the detail quotes what the student typed"
    page = found.html()
    parser = StartTags()
    parser.feed(page)
    assert "img" not in parser.tags
    stuck = page.split(f'id="stuck-{stuck_column}"', 1)[1].split("</section>", 1)[0]
    assert html.escape(typed, quote=True) in stuck


def test_advice_not_followed_is_a_warn_and_the_participant_is_done(monkeypatch, capsys):
    """LabS3Lifecycle's small-objects objective is advice (WARN): it never keeps anyone from done.

    moto answers every lifecycle configuration with the default minimum object size (128 KB),
    so ana's otherwise complete build leaves the advice not followed."""
    bucket = "ana-lab-lifecycle"
    with fake_account(monkeypatch) as session:
        s3 = session.client("s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        rule = {
            "ID": "GlacierAfter30DaysExpireAfter365Days",
            "Status": "Enabled",
            "Filter": {},
            "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
            "Expiration": {"Days": 365},
        }
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
        )
        blocked = (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict.fromkeys(blocked, True)
        )
        s3.put_object(Bucket=bucket, Key="test.txt", Body=b"hello")
        argv = ["--lab", "LabS3Lifecycle", "--participants", "ana", "--json"]
        code = report.main(
            [*argv, "--own", "bucket={participant}-lab-lifecycle"],
            session=lambda: boto3.Session(region_name=REGION),
            now=lambda: NOW,
        )
    document = json.loads(capsys.readouterr().out)
    (row,) = document["participants"]
    statuses = [o["status"] for o in row["objectives"]]
    assert statuses.count("WARN") == 1
    assert set(statuses) == {"PASS", "WARN"}
    assert row["done"] is True
    assert document["summary"].startswith("1 of 1 done")
    assert code == report.EXIT_DONE


def test_a_sweep_fills_the_leftovers_column_and_a_failing_sweep_is_one_cell(klass):
    def sweep(_session, participant):
        if participant == "ben":
            raise RuntimeError("sweep broke")
        return ["log group /aws/lambda/x (retained)"] if participant == "dia" else []

    found = gathered(klass, sweep=sweep)
    rows = {row.participant: row for row in found.rows}
    assert rows["dia"].leftovers == ("log group /aws/lambda/x (retained)",)
    assert rows["ben"].leftovers == ("cannot sweep: unexpected RuntimeError: sweep broke",)
    assert rows["ana"].leftovers == ()
    assert (
        "leftovers:\n  ben: cannot sweep: unexpected RuntimeError: sweep broke\n"
        "  dia: log group /aws/lambda/x (retained)\n" in found.text()
    )
    assert found.summary().endswith("2 with leftovers; est. cost so far < $0.01")
    assert "leftovers" not in gathered(klass).text(), "no sweep, no column"


def test_the_report_only_reads(klass):
    calls: list[str] = []

    def session():
        checking = klass()
        checking.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
        return checking

    report.gather(LAB, CLASS, session=session, own={"table": "{participant}-Users"})
    assert calls.count("DescribeStacks") == 1, "one listing serves the whole class"
    assert all(call.startswith(("Describe", "Get", "List", "Query")) for call in calls), calls


def test_listing_the_stacks_fails_every_row_says_why_and_the_report_still_prints(monkeypatch):
    with fake_account(monkeypatch):
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        found = report.gather(
            LAB, ["ana", "ben"], session=lambda: boto3.Session(region_name=REGION)
        )
    assert [row.state for row in found.rows] == [report.State.ERROR] * 2
    assert found.rows[0].reason.startswith("no AWS credentials found")
    assert found.summary() == "0 of 2 done, 2 could not be checked; est. cost so far < $0.01"


def test_a_participant_still_throttled_after_the_retries_is_a_row_that_says_so(klass, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the test's sessions: no retries, no waiting

    def throttled():
        checking = klass()

        def throttle(params, **_kwargs):
            if b'"ana-Users"' in params["body"]:
                body = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
                return AWSResponse(None, 400, {}, None), body
            return None

        checking.events.register("before-call.dynamodb.DescribeTable", throttle)
        return checking

    found = report.gather(LAB, ["ana", "ben"], session=throttled, now=lambda: NOW)
    ana, ben = found.rows
    assert (ana.state, ana.reason) == (
        report.State.ERROR,
        "DescribeTable failed: ThrottlingException: Rate exceeded",
    )
    assert ana.stack is not None, "the row still shows the stack and its cost"
    assert ben.state is report.State.CHECKED


def test_the_reports_own_sessions_retry_throttling_and_share_the_service_models(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    sessions = report._session_factory(None, REGION)
    first, second = sessions(), sessions()
    client = first.client("dynamodb")
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 8}
    assert first is not second, "one session per participant: sessions are not thread-safe"
    loader = first._session.get_component("data_loader")
    assert loader is second._session.get_component("data_loader"), "models parsed once"
    assert len(loader.search_paths) == len(set(loader.search_paths))


# --- costs on the report: the lab sheet's figures, stated here -------------------------------


def _stack(lab_id: str, outputs=None, status="CREATE_COMPLETE") -> report.StackInfo:
    from course import costs

    return report.StackInfo("s", status, CREATED, None, None, costs.hourly(lab_id, outputs or {}))


def test_three_hours_of_the_rds_lab_cost_13_cents_19_with_a_read_replica():
    later = CREATED + timedelta(hours=3)
    assert round(_stack("LabRdsMysql").cost(later), 3) == 0.126
    assert round(_stack("LabRdsMysql", {"ReplicaEndpoint": "r"}).cost(later), 3) == 0.186
    assert round(_stack("LabBackup").cost(later), 3) == 0.006


# --- the objectives' columns ------------------------------------------------------------------


@pytest.mark.parametrize("lab", list(LABS.values()), ids=lambda lab: lab.lab_id)
def test_every_judged_objective_has_a_short_header_that_fits_one_screen(lab):
    columns = report.columns(lab)
    judged = [o for o in lab.objectives if o.kind is not Kind.INFO]
    assert [c.description for c in columns] == [o.description for o in judged]
    assert not [c.header for c in columns if c.header.startswith("#")], (
        f"add the new objective's header to SHORT_NAMES[{lab.lab_id!r}]"
    )
    assert len({c.header for c in columns}) == len(columns)
    assert all(len(c.header) <= 9 for c in columns)


# --- the command line -------------------------------------------------------------------------


def run_main(capsys, klass, *argv, **kwargs):
    """The CLI on the class, its clock at NOW (the stacks were created 2h30m before)."""
    code = report.main(list(argv), session=klass, now=lambda: NOW, **kwargs)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_cli_prints_the_table_writes_the_page_and_exits_1_while_some_are_not_done(
    klass, capsys, tmp_path
):
    page = tmp_path / "class.html"
    argv = ["--lab", LAB, "--participants", " ".join(CLASS), *OWN, "--html", str(page)]
    code, out, _ = run_main(capsys, klass, *argv)
    assert code == 1
    assert out.splitlines()[-1] == f"written: {page}"
    assert SUMMARY in out
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".*partial")), "written whole, then renamed"


def test_cli_json_and_all_done_exits_0(klass, capsys):
    argv = ["--lab", LAB, "--participants", "ana fay", *OWN, "--json"]
    code, out, _ = run_main(capsys, klass, *argv)
    assert (code, json.loads(out)["summary"].split(";")[0]) == (0, "2 of 2 done")


def test_watch_refreshes_until_ctrl_c_and_exits_cleanly(klass, capsys, tmp_path):
    page = tmp_path / "class.html"
    naps: list[float] = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    argv = ["--lab", LAB, "--participants", "ana", "--watch", "5", "--html", str(page)]
    code, out, err = run_main(capsys, klass, *argv, sleep=sleep)
    assert (code, naps, err.strip()) == (0, [5, 5], "stopped")
    assert out.count("refreshing every 5 s; Ctrl-C to stop") == 2
    assert '<meta http-equiv="refresh" content="5">' in page.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lab", "LabNope", "--participants", "ana"], "unknown lab 'LabNope'"),
        (["--lab", LAB, "--participants", "ana Ana"], "invalid context participant='Ana'"),
        (["--lab", LAB, "--participants", "ana", "--own", "bucket=x-{participant}"], "--own"),
        (["--lab", LAB, "--participants", "ana", "--own", "table=Users"], "{participant}"),
        (["--lab", LAB, "--participants", "ana", "--watch", "0"], "--watch"),
        (["--lab", LAB, "--participants", "ana", "--concurrency", "99"], "--concurrency"),
        (["--lab", LAB, "--participants", "ana", "--html", "/nonexistent/x.html"], "--html"),
    ],
)
def test_bad_input_is_one_line_and_checks_nothing(capsys, argv, message):
    def no_aws():
        raise AssertionError("no AWS for bad input")

    code = report.main(argv, session=no_aws)
    err = capsys.readouterr().err
    assert code == report.EXIT_INVALID
    assert message in err
    assert "Traceback" not in err


def test_the_report_looks_in_the_region_the_cdk_deploys_into(monkeypatch):
    """AWS_REGION (which boto3 alone ignores) wins over AWS_DEFAULT_REGION, as for the CDK."""
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    regions = []

    def gather(lab_id, participants, *, session, **_kwargs):
        regions.append(session().region_name)
        raise KeyboardInterrupt  # stop there: only the session's region matters

    monkeypatch.setattr(report, "gather", gather)
    report.main(["--lab", LAB, "--participants", "ana"])
    assert regions == ["eu-central-1"]


def test_the_page_says_when_a_stack_was_created_and_last_updated():
    updated = report.StackInfo("s", "UPDATE_COMPLETE", CREATED, NOW, None, None)
    row = report.Row("ana", report.State.NOT_READY, reason="x", stack=updated)
    page = report.ClassReport(LAB, REGION, NOW, 0.1, (), (row,), swept=False).html()
    assert 'title="created 2026-11-26T09:00:00Z, last updated 2026-11-26T11:30:00Z"' in page


def test_make_target_calls_the_report():
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "class-report",
            f"LAB={LAB}",
            "PARTICIPANTS=ana ben",
            "HTML=class.html",
            "JSON=1",
            "WATCH=30",
            "OWN=table={participant}-Users",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = " ".join(result.stdout.replace("\\\n", " ").split())
    assert commands.endswith(
        f'.venv/bin/python -m course.report --lab "{LAB}" --participants "ana ben"'
        ' --html "class.html" --json --watch 30 --own "table={participant}-Users"'
    )


# --- the page in a real browser ---------------------------------------------------------------

WINDOW = (1300, 900)


class Seen(HTMLParser):
    """What a person sees of a page: its text (no styles, no tooltips), and the matrix's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._hidden = 0
        self._cell: list[str] | None = None
        self._in_matrix = False

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title", "script"):
            self._hidden += 1
        elif tag == "table" and ("id", "matrix") in attrs:
            self._in_matrix = True
        elif tag == "tr" and self._in_matrix:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_matrix:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "title", "script"):
            self._hidden -= 1
        elif tag == "table":
            self._in_matrix = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._hidden:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_page_in_a_real_browser_shows_the_matrix_a_failing_cell_its_hint_and_the_summary(
    klass, tmp_path
):
    browser = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "class-report.html"
    page.write_text(gathered(klass).html(), encoding="utf-8")

    dom = browse(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    seen = Seen()
    seen.feed(dom)
    header, *rows = seen.rows
    assert header[:7] == ["participant", "table", "key", "on-demand", "item", "GSI", "query"]
    matrix = {row[0]: row[1:] for row in rows}
    assert list(matrix) == ["ana ✓ done", *CLASS[1:5], "fay ✓ done", "gus"]
    assert matrix["cem"][:6] == ["✓ PASS"] * 4 + ["✗ FAIL", "✓ PASS"]
    assert matrix["dia"][:2] == ["✗ FAIL", "- SKIP"]
    assert matrix["eve"][0] == "stack not ready: deploy failed: see its events"
    text = seen.visible()
    assert SUMMARY in text
    assert f"Hint: {GSI_HINT} ben (FAIL) found: the table has no global secondary index" in text
    assert "cem (FAIL) found: index name-index: it projects KEYS_ONLY" in text

    screenshot = ARTIFACTS / "class-report.png"
    screenshot.unlink(missing_ok=True)
    size = ",".join(map(str, WINDOW))
    browse(
        browser,
        tmp_path / "profile",
        f"--window-size={size}",
        f"--screenshot={screenshot}",
        page.as_uri(),
    )
    assert png_size(screenshot) == WINDOW


def test_leftovers_flag_fills_the_column_from_class_sweep(klass, capsys):
    """`--leftovers`: a table restored by hand is listed for its participant only."""
    session = klass()
    users_table(session, "ana-Users-restored")  # the Backup guide's restore, no stack owns it
    argv = ["--lab", LAB, "--participants", "ana ben", "--leftovers"]
    code, out, _ = run_main(capsys, klass, *argv)
    assert code == 1
    listed = out.split("\nleftovers:\n")[1].split("\n\n")[0].splitlines()
    # moto's stacks own no resources, so the Users tables count as leftovers here too; gus's
    # table, which the checker may not describe, is skipped (not theirs by name).
    assert listed == [
        "  ana: dynamodb table ana-Users (≈ $0.00/month)",
        "  ana: dynamodb table ana-Users-restored (≈ $0.00/month)",
        "  ben: dynamodb table ben-Users (≈ $0.00/month)",
    ]
    _, without, _ = run_main(capsys, klass, "--lab", LAB, "--participants", "ana ben")
    assert "leftovers" not in without

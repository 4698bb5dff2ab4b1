"""The class report's page (classroom/report_html.py, templates/report.html.j2): one
self-contained page, every value escaped, and what a real browser shows of it."""

from __future__ import annotations

import html
import struct
from html.parser import HTMLParser

import boto3
import pytest

from classroom import gather, report_cells, report_html
from classroom.report_model import ClassReport, Row, StackInfo, State
from tests.browser import ARTIFACTS, VisibleText, browse, chromium
from tests.classroom.report_class import (
    CLASS,
    CREATED,
    GSI_HINT,
    LAB,
    NOW,
    SUMMARY,
    gathered,
    users_table,
)
from tests.labcheck_builds.dynamodb_users import JOHN_DOE
from tests.labcheck_fixtures import REGION, fake_account

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time


def test_html_is_one_self_contained_page_with_status_words_hints_and_summary(klass):
    page = report_html.page(gathered(klass))
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
    assert '<meta http-equiv="refresh" content="30">' in report_html.page(gathered(klass), 30)


def test_html_escapes_everything_it_shows(klass, monkeypatch):
    found = gathered(klass)
    evil = Row("ana", State.ERROR, reason="<script>alert(1)</script> & more")
    page = report_html.page(ClassReport(LAB, REGION, NOW, 0.1, found.columns, (evil,), swept=False))
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
        found = gather.gather(
            LAB,
            ["ana"],
            session=lambda: boto3.Session(region_name=REGION),
            own={"table": "{participant}-Users"},
            now=lambda: NOW,
        )
    (stuck_column, [(who, result)]) = report_cells.failures(found)[0]
    assert who == "ana"
    assert typed in result.detail, "the detail quotes what the student typed"
    page = report_html.page(found)
    parser = StartTags()
    parser.feed(page)
    assert "img" not in parser.tags
    stuck = page.split(f'id="stuck-{stuck_column}"', 1)[1].split("</section>", 1)[0]
    # Escaped as the template engine spells it (MarkupSafe: &#34; for a double quote).
    assert "age is &#39;&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&#39; (a String)" in stuck


def test_the_page_says_when_a_stack_was_created_and_last_updated():
    updated = StackInfo("s", "UPDATE_COMPLETE", CREATED, NOW, None, None)
    row = Row("ana", State.NOT_READY, reason="x", stack=updated)
    page = report_html.page(ClassReport(LAB, REGION, NOW, 0.1, (), (row,), swept=False))
    assert 'title="created 2026-11-26T09:00:00Z, last updated 2026-11-26T11:30:00Z"' in page


WINDOW = (1300, 900)


class Seen(VisibleText):
    """What a person sees of a page: its text (no styles, no tooltips), and the matrix's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_matrix = False

    def opened(self, tag, attributes):
        if tag == "table" and attributes.get("id") == "matrix":
            self._in_matrix = True
        elif tag == "tr" and self._in_matrix:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_matrix:
            self._cell = []

    def closed(self, tag):
        if tag == "table":
            self._in_matrix = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def seen(self, data):
        if self._cell is not None:
            self._cell.append(data)


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
    page.write_text(report_html.page(gathered(klass)), encoding="utf-8")

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

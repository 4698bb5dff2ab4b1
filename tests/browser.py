"""A real browser for the tests of the trainer's pages: Debian's chromium, headless and offline.

The class report's and the hand-out's pages are opened with it (`--dump-dom`: the page as the
browser built it; `--screenshot`: what a person sees). In CI (CI=true, .ci/run installs
chromium) a missing browser fails the test; elsewhere the test is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from html.parser import HTMLParser

import pytest

from tests.synth import ROOT

ARTIFACTS = ROOT / "test-artifacts"  # gitignored: the screenshot a person can look at
# Offline and quiet: no first-run, sync, updates or background requests; a throw-away profile.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    """Debian's chromium; in CI (CI=true) it must be there, elsewhere the test is skipped."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")


def browse(browser: str, profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def words(parts: Iterable[str]) -> str:
    """Text pieces as a person reads them: whitespace runs as one space."""
    return " ".join(" ".join(parts).split())


class VisibleText(HTMLParser):
    """What a person sees of a page the browser built (`--dump-dom`): its text, without what is
    never shown (styles, the title, scripts). Subclasses collect their parts of the page in
    `opened`, `closed` and `seen`."""

    NEVER_SHOWN = ("style", "title", "script")

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.NEVER_SHOWN:
            self._hidden += 1
        self.opened(tag, dict(attrs))

    def handle_endtag(self, tag):
        if tag in self.NEVER_SHOWN:
            self._hidden -= 1
        self.closed(tag)

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)
            self.seen(data)

    def opened(self, tag: str, attributes: dict[str, str | None]) -> None:
        """A start tag, shown or not."""

    def closed(self, tag: str) -> None:
        """An end tag, shown or not."""

    def seen(self, data: str) -> None:
        """A piece of text that is shown."""

    def visible(self) -> str:
        return words(self.text)

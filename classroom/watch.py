"""Watching a class's stacks in one account: one DescribeStacks listing per look.

A class of 30 is 30 stacks in progress at once; asking CloudFormation about each one every few
seconds is 30 calls per look, which its API rate limits answer with throttling. One listing of
the account (DescribeStacks without a name, every page) shows every stack's status, id, last
update and status reason in one or a few calls, whatever the class's size. Throttling is
retried as long as it lasts, with exponential backoff, and shown as a line: it slows the watch,
it never fails a participant. Other errors (the network, an expired session) are retried a few
times, then `WatchError` ends the watch of that account.

Once a stack has ended, its events are read once (DescribeStackEvents, by stack id, so a deleted
stack's events too): the reason of a failure, and the log's record of what CloudFormation did.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from classroom.stack_states import DEPLOYED, GONE, StackState

THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)
FIRST_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 60.0
MAX_ERRORS_IN_A_ROW = 5  # other than throttling: about a minute of retries with the backoff
# The watching client's calls are retried here, not by botocore, so that throttling shows.
WATCH_CONFIG = Config(retries={"total_max_attempts": 1})


class WatchError(RuntimeError):
    """CloudFormation could not be read, after retries."""


class WatchStopped(RuntimeError):
    """The watch was stopped (the second Ctrl-C) while waiting to retry."""


@dataclass(frozen=True)
class Seen:
    """A stack as one listing shows it; `status` None: the listing holds no such stack."""

    status: str | None = None
    stack_id: str | None = None
    updated: datetime | None = None
    reason: str = ""

    @property
    def in_progress(self) -> bool:
        return self.status is not None and self.status.endswith("_IN_PROGRESS")

    @classmethod
    def of(cls, stack: dict[str, Any]) -> Seen:
        return cls(
            stack["StackStatus"],
            stack.get("StackId"),
            stack.get("LastUpdatedTime"),
            stack.get("StackStatusReason", ""),
        )


class Watcher:
    """Reads one account's stacks of a class through `client` (CloudFormation).

    `say` prints a line (throttling, retries); `wait(seconds)` sleeps and returns True when the
    watch must stop instead (the second Ctrl-C).
    """

    def __init__(
        self,
        client: Any,
        stack_names: Collection[str],
        *,
        account: str,
        say: Callable[[str], None],
        wait: Callable[[float], bool],
        first_backoff: float = FIRST_BACKOFF_SECONDS,
    ) -> None:
        self.client, self.names, self.account = client, set(stack_names), account
        self.say, self.wait, self.first_backoff = say, wait, first_backoff

    def look(self, *, retry: bool = True) -> dict[str, Seen]:
        """Every stack of the class as the account lists it now (absent: `Seen()`)."""
        pages = self._call("DescribeStacks", self._listing, retry=retry)
        seen = {name: Seen() for name in self.names}
        for stack in pages:
            if stack["StackName"] in self.names:
                seen[stack["StackName"]] = Seen.of(stack)
        return seen

    def events(self, seen: Seen, stack_name: str) -> list[dict[str, Any]]:
        """The stack's latest events (one page), oldest first; none if it never existed."""
        if seen.stack_id is None and seen.status is None:
            return []

        def read() -> list[dict[str, Any]]:
            name = seen.stack_id or stack_name
            return self.client.describe_stack_events(StackName=name)["StackEvents"]

        try:
            return list(reversed(self._call("DescribeStackEvents", read, retry=True)))
        except (WatchError, WatchStopped):
            return []

    def _listing(self) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("describe_stacks")
        return [stack for page in paginator.paginate() for stack in page["Stacks"]]

    def _call(self, what: str, call: Callable[[], Any], *, retry: bool) -> Any:
        """`call()`, retried: throttling as long as it lasts, other errors a few times."""
        backoff, errors = self.first_backoff, 0
        while True:
            try:
                return call()
            except (BotoCoreError, ClientError) as error:
                code = error.response["Error"].get("Code") if isinstance(error, ClientError) else ""
                throttled = code in THROTTLING
                errors = 0 if throttled else errors + 1
                if not retry or errors >= MAX_ERRORS_IN_A_ROW:
                    raise WatchError(f"{what} in {self.account}: {error}") from error
                why = "throttled" if throttled else "could not read"
                self.say(
                    f"{why}: CloudFormation {what} in {self.account} ({code or error}): "
                    f"next try in {backoff:g} s"
                )
                if self.wait(backoff):
                    raise WatchStopped(what) from error
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def final_state(seen: Seen, events: list[dict[str, Any]]) -> StackState:
    """The stack's state and, if it is no success, why: its status reason, else the reason of
    its latest failed event."""
    if seen.status in DEPLOYED | GONE:
        return StackState(seen.status)
    return StackState(seen.status, seen.reason or latest_failure(events))


def latest_failure(events: list[dict[str, Any]]) -> str:
    """`Logical: reason` of the newest failed event (`events` oldest first)."""
    for event in reversed(events):
        if event.get("ResourceStatus", "").endswith("_FAILED"):
            reason = event.get("ResourceStatusReason", "")
            return f"{event.get('LogicalResourceId', '')}: {reason}".strip(": ")
    return ""


def event_lines(events: list[dict[str, Any]]) -> list[str]:
    """The events as the log shows them: time, status, type, logical id, reason."""
    lines = []
    for event in events:
        stamp = event.get("Timestamp")
        when = stamp.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if stamp else "-"
        parts = [
            when,
            event.get("ResourceStatus", ""),
            event.get("ResourceType", ""),
            event.get("LogicalResourceId", ""),
            event.get("ResourceStatusReason", ""),
        ]
        lines.append("  ".join(part for part in parts if part))
    return lines

"""One account's part of a class run: its CDK CLI process, and the watch of its stacks.

The loop (classroom/engine.py says why): look at the account's stacks (one listing), end the
participants whose stack has ended or run out of time, start a CLI run for the stacks not yet
submitted (when a CLI slot is free), hand the slot over when everything is submitted and
another account waits, then wait a poll interval or for the second stop signal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from classroom.bootstrap import bootstrap_account
from classroom.cdk_commands import Target
from classroom.cdk_output import StackLines, Verdict, artifact_ids
from classroom.cli_process import CliProcess
from classroom.outcomes import (
    DONE,
    FAILED,
    LEFT_IN_PROGRESS,
    NOT_STARTED,
    TIMED_OUT,
    Result,
)
from classroom.preflight import account_label
from classroom.run_context import RunContext
from classroom.watch import Seen, Watcher, WatchError, WatchStopped, event_lines
from classroom.watch import final_state as read_final_state
from classroom.words import counted
from course.config import LabSettings

CLI_GRACE_SECONDS = 30.0  # for the CLI to see the stacks ended and print its verdicts
WAKE_SECONDS = 0.2  # how often a pause checks for a verdict, the CLI's end or a stop signal


@dataclass(frozen=True)
class AccountPart:
    """One account's part of the class: where, the CloudFormation client that watches it,
    and its participants' settings (in the class's order)."""

    target: Target
    client: Any
    settings: tuple[LabSettings, ...]


@dataclass
class Track:
    """One participant's stack through the run."""

    participant: str
    stack: str
    path: str  # the construct path the CLI selects it by: ana/<LabId>
    log: Path
    before: Seen = field(default_factory=Seen)
    seen: Seen = field(default_factory=Seen)
    submitted: bool = False
    started: float | None = None
    result: Result | None = None
    _log: TextIO | None = None

    def write(self, text: str) -> None:
        if self._log is None:
            self._log = self.log.open("a")
        self._log.write(text + "\n")
        self._log.flush()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()


def changed(before: Seen, now: Seen, action_name: str) -> bool:
    """Whether CloudFormation shows the stack submitted by this run (see the engine)."""
    if action_name == "down":
        return before.status is not None and (
            now.status is None or (now.status.startswith("DELETE_") and now != before)
        )
    if now.status is None or now.status.startswith("DELETE_"):
        return False  # a stack left in ROLLBACK_COMPLETE is deleted before it is created anew
    return (
        now.stack_id != before.stack_id
        or now.updated != before.updated
        or (now.status != before.status and not before.in_progress)
    )


class AccountRun:
    """The loop of one account (a thread of its own)."""

    def __init__(self, engine: RunContext, account: AccountPart) -> None:
        self.engine, self.account = engine, account
        action, lab_id = engine.action.name, engine.lab_id
        self.tracks = [
            Track(
                s.participant or "",
                s.stack_name(lab_id),
                f"{s.participant}/{lab_id}",
                engine.work_dir / f"cdk.out.{s.participant}.{lab_id}.{action}.log",
            )
            for s in account.settings
        ]
        by_stack = {t.stack: t for t in self.tracks}
        self.lines = StackLines(by_stack, artifact_ids(engine.assembly))
        profile = f".{account.target.profile}" if account.target.profile else ""
        self.cli_log = engine.work_dir / f"cdk.out.class-{lab_id}.{action}{profile}.log"
        self.label = account_label(account.target.profile)
        self.watcher = Watcher(
            account.client,
            by_stack,
            account=self.label,
            say=engine.say,
            wait=engine.stops.second.wait,
            first_backoff=engine.first_backoff,
        )
        self._by_stack = by_stack
        self._lock = threading.Lock()  # the CLI's lines come in on its reader thread
        self._wake = threading.Event()
        self.cli: CliProcess | None = None
        self.round: list[Track] = []
        self.round_marks = 0
        self.last_exit: int | None = None
        self.handing_over = False

    # --- the CLI's lines ------------------------------------------------------------------

    def _on_line(self, line: str) -> None:
        with self._lock:
            stack = self.lines.read(line)
            decisive = stack is not None and stack in self.lines.verdicts
        if stack is not None:
            self._by_stack[stack].write(line)
        if decisive:
            self._wake.set()  # the CLI has seen a stack end: look now, not at the next poll

    def _verdict(self, track: Track) -> Verdict | None:
        with self._lock:
            return self.lines.verdicts.get(track.stack)

    # --- the loop ---------------------------------------------------------------------------

    def run(self) -> list[Result]:
        forget = self.engine.stops.on_first(self._stop_cli)
        try:
            self._run()
        finally:
            forget()
            self._stop_cli()
            self._end_cli()
            self.engine.slots.leave(self)  # also out of the queue, if it waited
            for track in self.tracks:
                track.close()
        return [t.result for t in self.tracks if t.result is not None]

    def _run(self) -> None:
        self.cli_log.write_text("")
        for track in self.tracks:
            track.log.write_text("")
        try:
            before = self.watcher.look()
        except (WatchError, WatchStopped) as error:
            self._end_all(NOT_STARTED if self.engine.stops.stopping else FAILED, str(error))
            return
        for track in self.tracks:
            track.before = track.seen = before[track.stack]
        if self.engine.bootstrap:
            failure = bootstrap_account(self.engine, self.account, self)
            if failure is not None or self.engine.stops.stopping:
                self._end_all(NOT_STARTED if self.engine.stops.stopping else FAILED, failure)
                return
        stalled = False
        while True:
            cli_over = self.cli is None or not self.cli.running
            try:
                self._update(self.watcher.look())
            except WatchStopped:
                break
            except WatchError as error:
                self._end_unread(str(error))
                return
            if self.cli is not None and cli_over:
                stalled = self._marks() == self.round_marks
                self._end_cli()
            open_tracks = [t for t in self.tracks if t.result is None]
            if not open_tracks:
                self._let_cli_finish()
                return
            pending = [t for t in open_tracks if not t.submitted and not self._verdict(t)]
            if self.cli is None and pending:
                if self.engine.stops.stopping or stalled:
                    self._end_unsubmitted(pending)
                else:
                    self._start_round(pending)
            elif self._may_hand_over(pending):
                self.engine.say(
                    f"{self.label}: every stack submitted; its CDK CLI stops to let another "
                    "account's start (CloudFormation goes on, this run watches)"
                )
                self.handing_over = True
                self._stop_cli()
            if self._pause():
                break
        self._read_once()

    def _pause(self) -> bool:
        """Wait until the next look: a poll interval, less if the CLI has just given a verdict
        or ended. True: the second stop signal came (stop watching)."""
        deadline = self.engine.clock() + self.engine.poll_seconds
        while (left := deadline - self.engine.clock()) > 0:
            if self.engine.stops.second.wait(min(left, WAKE_SECONDS)):
                return True
            if self._wake.is_set() or (self.cli is not None and not self.cli.running):
                self._wake.clear()
                return False
        return False

    def _may_hand_over(self, pending: list[Track]) -> bool:
        """Whether the CLI holds a slot another account waits for, with nothing left to do
        but wait for CloudFormation."""
        if self.cli is None or self.handing_over or pending:
            return False
        return self.engine.slots.wanted(self)

    def _marks(self) -> int:
        """How far the current run got: its stacks submitted or given a verdict."""
        return sum(1 for t in self.round if t.submitted or self._verdict(t) or t.result)

    def _start_round(self, pending: list[Track]) -> None:
        engine = self.engine
        if not engine.slots.take(self):
            return  # queued: another account's CLI runs; looked at again next time
        command, concurrency = engine.class_command([t.path for t in pending])
        command = self.account.target.wrap(command)
        now = engine.clock()
        with self._lock:
            if engine.stops.stopping:
                engine.slots.leave(self)
                return
            try:
                self.cli = engine.cli(command, self.cli_log, self._on_line)
            except OSError as error:
                engine.slots.leave(self)
                for track in pending:
                    self._end(track, FAILED, cause=f"could not run the CDK CLI: {error}")
                return
        self.round, self.round_marks = pending, 0
        for track in pending:
            track.started = track.started or now
        engine.say(
            f"{engine.action.cdk_command}: {counted(len(pending), 'stack')}, {concurrency} at a "
            f"time, in {self.label} (CDK CLI output: {self.cli_log.name})"
        )

    def _let_cli_finish(self) -> None:
        """Every stack has ended: the CLI sees it within seconds and prints its verdicts (the
        logs want them). Unless it waits for a stack past its time limit: then it is stopped."""
        if self.cli is None or any(t.result and t.result.outcome == TIMED_OUT for t in self.round):
            return
        deadline = self.engine.clock() + CLI_GRACE_SECONDS
        while self.cli.running and self.engine.clock() < deadline:
            if self.engine.stops.second.wait(0.2):
                return

    def _stop_cli(self) -> None:
        with self._lock:
            cli = self.cli
        if cli is not None and cli.running:
            cli.stop()

    def _end_cli(self) -> None:
        """Wait for the stopped or ended CLI and give its slot back."""
        if self.cli is None:
            return
        self.last_exit = self.cli.wait()
        with self._lock:
            self.cli = None
        self.handing_over = False
        self.engine.slots.leave(self)

    # --- ending participants ------------------------------------------------------------------

    def _update(self, seen: dict[str, Seen]) -> None:
        now = self.engine.clock()
        limit = self.engine.limit_minutes * 60
        for track in self.tracks:
            if track.result is not None:
                continue
            self._see(track, seen[track.stack], now)
            if not track.seen.in_progress and (track.submitted or self._verdict(track)):
                self._end(track)
            elif track.started is not None and now - track.started > limit:
                self._end(track, TIMED_OUT)

    def _see(self, track: Track, seen: Seen, now: float) -> None:
        """What a look shows of the stack; submitted once it changed since before the run."""
        track.seen = seen
        if not track.submitted and changed(track.before, seen, self.engine.action.name):
            track.submitted = True
            track.started = track.started or now

    def _end(self, track: Track, outcome: str | None = None, cause: str = "") -> None:
        """End one participant: read its events, decide, log and print its line."""
        reads = outcome != NOT_STARTED and track.seen.status is not None
        events = self.watcher.events(track.seen, track.stack) if reads else []
        state = read_final_state(track.seen, events)
        verdict = self._verdict(track)
        if outcome is None:
            ok = state.status in self.engine.action.done_states and (
                verdict.ok if verdict else track.submitted
            )
            outcome = DONE if ok else FAILED
        if outcome != DONE and not cause:
            with self._lock:
                cause = self.lines.cause(track.stack)
        if events:
            track.write("--- the stack's events (CloudFormation, oldest first) ---")
            for line in event_lines(events):
                track.write(line)
        seconds = self.engine.clock() - track.started if track.started is not None else 0.0
        track.result = Result(
            track.participant,
            track.stack,
            outcome,
            seconds,
            track.log,
            state,
            cause if outcome == FAILED else "",
            self.engine.limit_minutes if outcome == TIMED_OUT else None,
        )
        self.engine.report(track.result)

    def _end_unsubmitted(self, pending: list[Track]) -> None:
        """The stacks no CLI run will submit: never started after a stop signal; else FAILED
        with what the CLI said."""
        for track in pending:
            if self.engine.stops.stopping:
                self._end(track, NOT_STARTED)
                continue
            with self._lock:
                cause = self.lines.cause(track.stack) or (
                    f"the CDK CLI ended (exit {self.last_exit}) before it: {self.lines.last_error}"
                )
            self._end(track, FAILED, cause=cause)

    def _end_all(self, outcome: str, cause: str | None) -> None:
        for track in self.tracks:
            if track.result is None:
                self._end(track, outcome, cause=cause or "")

    def _end_unread(self, error: str) -> None:
        """CloudFormation could not be read: the CLI stops, the stacks' states are unknown."""
        self._stop_cli()
        for track in self.tracks:
            if track.result is None:
                track.seen = Seen("UNKNOWN", track.seen.stack_id)
                self._end(track, FAILED, cause=f"could not read the stack: {error}")

    def _read_once(self) -> None:
        """After the second stop signal: the states once, then who is left in progress."""
        try:
            seen = self.watcher.look(retry=False)
        except WatchError:
            seen = {t.stack: t.seen for t in self.tracks}
        for track in self.tracks:
            if track.result is not None:
                continue
            self._see(track, seen[track.stack], self.engine.clock())
            if not track.submitted and not self._verdict(track):
                self._end(track, NOT_STARTED)
            elif track.seen.in_progress:
                self._end(track, LEFT_IN_PROGRESS)
            else:
                self._end(track)

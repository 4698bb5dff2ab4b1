"""How each participant's part of a class run ended: one line each as it ends, then a summary.

The line starts with how it ended (`ok`, `FAILED` with the stack's status and why, `TIMEOUT`
with the state it was still in, `STOPPED` when the watch stopped with the stack in progress,
`-` never started), the participant and the stack, e.g.

    FAILED  ben     ben-LabS3Lifecycle  stack ROLLBACK_COMPLETE: Bucket: Resource limit
            exceeded (after 1m10s, see cdk.out.ben.LabS3Lifecycle.up.log)

and the summary groups them: `LabS3Lifecycle deployed for 1 of 5; FAILED: ben; timed out:
cem; left in progress: dia; never started: eli`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classroom.stack_states import StackState

DONE, FAILED, TIMED_OUT = "done", "failed", "timed out"
LEFT_IN_PROGRESS, NOT_STARTED = "left in progress", "never started"
TAGS = {DONE: "ok", FAILED: "FAILED", TIMED_OUT: "TIMEOUT", LEFT_IN_PROGRESS: "STOPPED"}
NOT_STARTED_TAG = "-"


@dataclass(frozen=True)
class Result:
    """The end of one participant's part: `state` as CloudFormation showed it then, `cause`
    what the CDK CLI said about the stack (for a failure its state does not explain)."""

    participant: str
    stack_name: str
    outcome: str
    seconds: float = 0.0
    log: Path | None = None
    state: StackState | None = None
    cause: str = ""
    limit_minutes: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == DONE


@dataclass(frozen=True)
class ClassRun:
    """Every participant's result, in the participants' order, and whether a stop signal
    (Ctrl-C, SIGTERM, SIGHUP) came."""

    results: list[Result]
    interrupted: bool


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def report_line(verb: str, result: Result) -> str:
    """One line for one participant; `verb`: "deployed" or "destroyed"."""
    tag = TAGS.get(result.outcome, NOT_STARTED_TAG)
    head = f"{tag:<7} {result.participant:<20} {result.stack_name:<40}"
    state = result.state or StackState(None)
    status = state.status or "gone"
    see = f"see {result.log.name}" if result.log else "see the log"
    if result.outcome == DONE:
        return f"{head} {verb} in {duration(result.seconds)} ({status})"
    if result.outcome == NOT_STARTED:
        return f"{head} never started"
    if result.outcome == LEFT_IN_PROGRESS:
        return (
            f"{head} left {status} after {duration(result.seconds)}: watching stopped, "
            f"CloudFormation goes on ({see})"
        )
    if result.outcome == TIMED_OUT:
        return (
            f"{head} still {status} after {duration(result.seconds)}, over the lab's limit of "
            f"{result.limit_minutes:g} min ({see}): the run goes on"
        )
    what = f"stack {state.status or 'does not exist'}"
    why = "; ".join(text for text in (state.reason, result.cause) if text)
    return (
        f"{head} {what}"
        + (f": {why}" if why else "")
        + (f" (after {duration(result.seconds)}, {see})")
    )


def summary(verb: str, lab_id: str, results: Sequence[Result]) -> str:
    """The last line: how many succeeded, then who did not, by how it ended."""
    done = sum(r.ok for r in results)
    line = f"{lab_id} {verb} for {done} of {len(results)}"
    groups = [
        (label, [r.participant for r in results if r.outcome == outcome])
        for label, outcome in (
            ("FAILED", FAILED),
            ("timed out", TIMED_OUT),
            ("left in progress", LEFT_IN_PROGRESS),
            ("never started", NOT_STARTED),
        )
    ]
    parts = [f"{label}: {' '.join(names)}" for label, names in groups if names]
    return line + ("; " + "; ".join(parts) if parts else ": all done")

"""Running the CDK CLI for a class: one process per command, and what Ctrl-C does to them.

The CDK runs are started in sessions of their own, so the terminal's Ctrl-C reaches only this
runner (`Interrupts` counts it). The first Ctrl-C starts nothing new and lets the running
deploys and destroys finish: killing the CDK CLI mid-deploy does not stop CloudFormation, it
only leaves the stack in progress with nobody watching (and a deploy cut short can be a billable
database nobody tracks), whereas a finished run has a known state. A second Ctrl-C stops the
running CDK processes at once (`CdkRunner.stop`: SIGTERM to their process groups, SIGKILL after
a few seconds). A synth is stopped by the first Ctrl-C: it only writes a local folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from classroom.class_input import EXIT_INTERRUPTED

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 5  # after a second Ctrl-C: SIGTERM, then SIGKILL what is still running

# A command runner runs `command`, writes its whole output to `log` and returns the exit code.
# Tests pass a fake one; the real one (`CdkRunner`) runs the CDK CLI. A runner may have a
# `stop()` that ends every running command at once (the second Ctrl-C).
CommandRunner = Callable[[Sequence[str], Path], int]


class CdkRunner:
    """The real runner: the CDK CLI in the project folder, all output into the log.

    Each command runs in a session (and process group) of its own, so the terminal's Ctrl-C
    does not reach it; `stop()` ends them all at once.
    """

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self._running: set[subprocess.Popen] = set()
        # Re-entrant: `stop()` runs in the SIGINT handler, on the main thread, which may hold
        # the lock at that moment (it runs the synth itself).
        self._lock = threading.RLock()
        self._stopped = False

    def __call__(self, command: Sequence[str], log: Path) -> int:
        with log.open("w") as out:
            out.write("$ " + " ".join(command) + "\n")
            out.flush()
            with self._lock:
                if self._stopped:
                    out.write("not started: the class run was stopped\n")
                    return EXIT_INTERRUPTED
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                self._running.add(process)
            try:
                return process.wait()
            finally:
                with self._lock:
                    self._running.discard(process)

    def stop(self) -> None:
        """SIGTERM to every running command's process group; SIGKILL a few seconds later."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        self._signal(running, signal.SIGTERM)
        timer = threading.Timer(STOP_GRACE_SECONDS, self._signal, (running, signal.SIGKILL))
        timer.daemon = True
        timer.start()

    @staticmethod
    def _signal(processes: Sequence[subprocess.Popen], signum: int) -> None:
        for process in processes:
            if process.poll() is None:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signum)


class Interrupts:
    """Counts Ctrl-C (SIGINT) during a class run instead of raising KeyboardInterrupt."""

    def __init__(self, runner: CommandRunner, err: TextIO) -> None:
        self.runner, self.err = runner, err
        self.count = 0
        self.running: dict[str, None] = {}  # the participants whose run has started, in order
        self.synthesizing = False
        self.lock = threading.RLock()  # re-entrant: a second Ctrl-C may land inside `handle`

    @property
    def stopping(self) -> bool:
        return self.count > 0

    @property
    def stopped_now(self) -> bool:
        return self.count > 1

    def start(self, participant: str) -> bool:
        """Mark a run as started, unless Ctrl-C came first."""
        with self.lock:
            if self.stopping:
                return False
            self.running[participant] = None
            return True

    def finish(self, participant: str) -> None:
        with self.lock:
            self.running.pop(participant, None)

    def handle(self, _signum: int, _frame: Any) -> None:
        with self.lock:
            self.count += 1
            running = list(self.running)
        if self.count == 1 and not self.synthesizing:
            print(
                f"\nCtrl-C: starting nothing new; waiting for the {len(running)} running to "
                f"finish ({' '.join(running) or 'none'}). Ctrl-C again stops them at once, "
                "which may leave their stacks in progress.",
                file=self.err,
                flush=True,
            )
            return
        what = "the synth" if self.synthesizing else "the running CDK commands"
        print(f"\nCtrl-C: stopping {what} now.", file=self.err, flush=True)
        stop = getattr(self.runner, "stop", None)
        if stop is not None:
            stop()

    @contextmanager
    def installed(self):
        """Handle SIGINT while the class runs (main thread only: Python's rule for signals)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self.handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def run_command(runner: CommandRunner, command: Sequence[str], log: Path) -> int:
    """Run one command; a runner that cannot start counts as exit -1, with the reason logged."""
    try:
        return runner(command, log)
    except Exception as error:  # a runner that cannot start is one failure, not all
        with suppress(OSError):
            log.write_text(f"could not run the CDK CLI: {error}\n")
        return -1

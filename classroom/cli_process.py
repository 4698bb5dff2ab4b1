"""The CDK CLI as a child of the class runner: its own session, its lines read as they come.

Each CLI process (a synth, a bootstrap, one account's deploy or destroy) starts in a session
and process group of its own, so the terminal's Ctrl-C (and a closed terminal's SIGHUP) reaches
the runner only, which decides what to stop. `stop()` sends SIGTERM to the whole group (the
CLI and what it started, e.g. the app's Python and jsii processes of a synth) and SIGKILL a
few seconds later to what is left; once the CLI has ended, what is left of its group is
killed. No child outlives the runner: the engine stops its processes when it is done, and an
exit handler stops any still running (an exception, a signal that ends the interpreter).

`CliSlots` bounds how many CLI processes run at once: each is a Node process with the whole
CDK toolkit (a synth with the app 0.4-1 GB, a deploy about 0.26 GB).
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path

STOP_GRACE_SECONDS = 5.0  # SIGTERM, then SIGKILL what is still running

_live: set[CliProcess] = set()
_live_lock = threading.Lock()


class CliProcess:
    """One command in a session of its own; every line goes to `log` and to `on_line`."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        log: Path,
        on_line: Callable[[str], None] = lambda _line: None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.command, self.log_path, self.on_line = list(command), log, on_line
        self._log = log.open("a")
        self._log.write("$ " + " ".join(self.command) + "\n")
        self._log.flush()
        try:
            self.process = subprocess.Popen(
                self.command,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                text=True,
                errors="replace",
            )
        except OSError as error:
            self._log.write(f"could not run the CDK CLI: {error}\n")
            self._log.close()
            raise
        with _live_lock:
            _live.add(self)
        self._reader = threading.Thread(target=self._read, name="cdk-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._log.write(line)
            self._log.flush()
            self.on_line(line.rstrip("\n"))

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code once the process has ended and its output is read (None: still
        running after `timeout` seconds)."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        # Whatever the CLI started and left in its group dies with it (and lets go of the
        # output pipe).
        self._signal(signal.SIGKILL)
        self._reader.join()
        if not self._log.closed:
            self._log.close()
        with _live_lock:
            _live.discard(self)
        return code

    def stop(self) -> None:
        """SIGTERM to the process group at once, SIGKILL after `STOP_GRACE_SECONDS`."""
        self._signal(signal.SIGTERM)
        timer = threading.Timer(STOP_GRACE_SECONDS, self._signal, (signal.SIGKILL,))
        timer.daemon = True
        timer.start()

    def _signal(self, signum: int) -> None:
        # The group, even when the CLI itself has ended: what it started may still run.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


@atexit.register
def stop_all() -> None:
    """Stop every CLI process still running (the runner is exiting)."""
    with _live_lock:
        running = list(_live)
    for child in running:
        child._signal(signal.SIGTERM)
    for child in running:
        if child.wait(STOP_GRACE_SECONDS) is None:
            child._signal(signal.SIGKILL)
            child.wait()


class CliSlots:
    """At most `size` CLI processes at once, handed out in the order they were asked for."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._taken: set[object] = set()
        self._queue: list[object] = []
        self._lock = threading.Condition()

    def take(self, owner: object) -> bool:
        """A slot for `owner` now if one is free and nobody asked before; else `owner` joins
        the queue and False."""
        with self._lock:
            if owner in self._taken:
                return True
            if owner not in self._queue:
                self._queue.append(owner)
            free = self.size - len(self._taken)
            if free > 0 and owner in self._queue[:free]:
                self._queue.remove(owner)
                self._taken.add(owner)
                return True
            return False

    def wait_for(self, owner: object, stopped: Callable[[], bool], poll: float = 0.2) -> bool:
        """Wait for a slot; False if `stopped()` first (`owner` leaves the queue)."""
        with self._lock:
            while not self.take(owner):
                if stopped():
                    self.leave(owner)
                    return False
                self._lock.wait(poll)
        return True

    def leave(self, owner: object) -> None:
        """Give back `owner`'s slot, or leave the queue."""
        with self._lock:
            self._taken.discard(owner)
            if owner in self._queue:
                self._queue.remove(owner)
            self._lock.notify_all()

    def wanted(self, owner: object) -> bool:
        """Whether someone else waits for a slot."""
        with self._lock:
            return any(other is not owner for other in self._queue)

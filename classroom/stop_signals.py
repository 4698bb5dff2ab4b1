"""Ctrl-C, SIGTERM and SIGHUP during a class run: the first starts nothing new, the second
stops watching.

The three mean the same here: the trainer's Ctrl-C, `timeout` or `kill` (SIGTERM), a closed
terminal (SIGHUP). Killing the runner outright would leave the CDK CLI processes running in
their own sessions with nobody reading them, stacks in progress with nobody watching, and no
summary. Instead:

- the first signal starts nothing new: the CDK CLI processes are stopped (CloudFormation goes on
  with every stack it was given; the CLI only waits and prints), and the runner keeps watching
  the stacks that were submitted until each has ended; those never submitted are "never
  started". During the synth, the first signal stops it: it only writes a local folder;
- the second signal stops watching: the states are read back once and the summary names the
  stacks left in progress (`make class-status` shows where they stand later).

`Stops` counts the signals; the engine's threads read `first` and `second` (events they can
wait on) and register what the first signal must stop at once (`on_first`).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


class Stops:
    """Counts the stop signals of a class run (main thread only: Python's rule for signals)."""

    def __init__(self, err: TextIO | None = None) -> None:
        self.err = err or sys.stderr
        self.first, self.second = threading.Event(), threading.Event()
        self.synthesizing = False
        self._on_first: list[Callable[[], None]] = []
        self._lock = threading.RLock()  # re-entrant: a second signal may land inside `handle`

    @property
    def stopping(self) -> bool:
        return self.first.is_set()

    def on_first(self, stop: Callable[[], None]) -> Callable[[], None]:
        """Call `stop` on the first signal (at once if it came already); returns a function
        that takes it back."""
        with self._lock:
            self._on_first.append(stop)
            came = self.first.is_set()
        if came:
            stop()

        def forget() -> None:
            with self._lock, suppress(ValueError):
                self._on_first.remove(stop)

        return forget

    def handle(self, signum: int, _frame: Any = None) -> None:
        name = NAMES.get(signum, f"signal {signum}")
        with self._lock:
            if self.first.is_set():
                self.second.set()
                self._say(
                    f"\n{name} again: stopping the watch now; reading each stack's state once "
                    "(the stacks still in progress go on in CloudFormation)."
                )
                return
            self.first.set()
            stops = list(self._on_first)
        if self.synthesizing:
            self._say(f"\n{name}: stopping the synth; nothing is deployed.")
        else:
            self._say(
                f"\n{name}: starting nothing new. The CDK CLI stops; CloudFormation finishes "
                "the stacks it was given and this run watches them to their end. "
                f"{name} again stops watching."
            )
        for stop in stops:
            stop()

    def _say(self, text: str) -> None:
        with suppress(OSError):  # a closed terminal (SIGHUP) has no one to read it
            print(text, file=self.err, flush=True)

    @contextmanager
    def installed(self) -> Iterator[Stops]:
        """Handle the stop signals while the class runs; the previous handlers come back."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self.handle) for signum in SIGNALS}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

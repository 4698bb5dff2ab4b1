"""The timeline: what CloudFormation does to each stack over time, in a JSON file the fake CDK
CLI writes (tests/classroom/fake_cdk.py) and the engine's watched client reads
(tests/classroom/fake_cloud.py). Standard library only: the fake CLI starts fast.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Timeline:
    """What CloudFormation does to each stack over time: a JSON file every process shares."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The entries under the lock, written back whole: a fake CLI the engine stops while
        it writes leaves the last whole timeline (written beside, then renamed), never half."""
        with open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = json.loads(self.path.read_text()) if self.path.exists() else {}
            before = json.dumps(entries)
            yield entries
            if json.dumps(entries) != before:
                written = self.path.with_name(f"{self.path.name}.{os.getpid()}")
                written.write_text(json.dumps(entries))
                os.replace(written, self.path)

    def add(self, region, stack, stack_id, busy, until, final=None, submitted=False) -> None:
        """`stack` shows `busy` until `until`, then `final` (None: what moto holds);
        `submitted`: moto has it (before: about to)."""
        with self._locked() as entries:
            entries[f"{region}/{stack}"] = {
                "stack_id": stack_id,
                "busy": busy,
                "until": until,
                "final": final,
                "submitted": submitted,
            }

    def entries(self, region: str) -> dict[str, dict[str, Any]]:
        with self._locked() as entries:
            return {
                key.split("/", 1)[1]: entry
                for key, entry in entries.items()
                if key.startswith(f"{region}/")
            }

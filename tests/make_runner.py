"""Running `make` as a person types it in a shell, not as a sub-make of `make test`."""

from __future__ import annotations

import os
import subprocess

from tests.synth import ROOT


def run_make(*args: str) -> subprocess.CompletedProcess[str]:
    """`make --no-print-directory ARGS` in the project folder, both streams captured.

    Without make's own variables of an outer `make test` (MAKELEVEL, MAKEFLAGS), which would
    add "Entering directory" lines and pass its flags on.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def last_command(target: str, *variables: str) -> str:
    """The last command `make TARGET VAR=...` would run (`make -n`), continuation lines joined
    and whitespace collapsed (e.g. `.venv/bin/python -m classroom.status --lab "LabX" ...`)."""
    result = run_make("-n", target, *variables)
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.replace("\\\n", " ").strip().splitlines()[-1].split())

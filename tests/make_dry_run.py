"""What `make -n` would run: the make targets' command lines, without running them."""

from __future__ import annotations

import subprocess

from tests.synth import ROOT


def last_command(target: str, *variables: str) -> str:
    """The last command `make TARGET VAR=...` runs, continuation lines joined and whitespace
    collapsed (e.g. `.venv/bin/python -m classroom.status --lab "LabX" ...`)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target, *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(result.stdout.replace("\\\n", " ").strip().splitlines()[-1].split())

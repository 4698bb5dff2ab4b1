"""A checkov skip file (tests/checkov-skips.json, tests/checkov-terraform-skips.json): the
findings the course accepts, each entry with its checks, its resources (fnmatch patterns on a
name the test module gives each finding: a construct path, `<lab>/<address>`) and the reason."""

from __future__ import annotations

import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

Skip = dict[str, Any]


def load(path: Path) -> list[Skip]:
    return json.loads(path.read_text())["skips"]


def malformed(skips: list[Skip]) -> list[str]:
    """Entries that lack a check, a resource or a reason a trainer would accept."""
    problems = []
    for number, skip in enumerate(skips, start=1):
        if set(skip) != {"checks", "resources", "reason"}:
            problems.append(f"skip #{number}: wrong keys {sorted(skip)}")
            continue
        if not skip["checks"] or not all(c.startswith("CKV") for c in skip["checks"]):
            problems.append(f"skip #{number}: names no check, or not a checkov check id")
        if not skip["resources"]:
            problems.append(f"skip #{number} names no resource")
        if len(skip["reason"].strip()) < 40:
            problems.append(f"skip #{number} needs a reason a trainer accepts")
    return problems


def covers(skip: Skip, check: str, resource: str) -> bool:
    return check in skip["checks"] and any(fnmatchcase(resource, p) for p in skip["resources"])


def stale(skips: list[Skip], findings: Iterable[tuple[str, str]]) -> list[str]:
    """Checks and resource patterns of entries that no finding (check, resource) needs."""
    findings = list(findings)
    problems = []
    for number, skip in enumerate(skips, start=1):
        matched = [(check, name) for check, name in findings if covers(skip, check, name)]
        problems += [
            f"skip #{number}: {check} matches nothing"
            for check in skip["checks"]
            if not any(found == check for found, _ in matched)
        ]
        problems += [
            f"skip #{number}: resource {pattern} matches nothing"
            for pattern in skip["resources"]
            if not any(fnmatchcase(name, pattern) for _, name in matched)
        ]
    return problems

"""Objectives as data, the run that checks them, and the report it prints.

An objective is a sentence of the lab sheet, a check and a hint. A check receives the lab's
`build` (what is running in the account, read through the service APIs) and returns `None`
when the objective is met, or one line saying what it found instead. Info objectives return
the line to show; advice objectives warn instead of failing. Where the objective's hint would
send the student the wrong way for what was found, a check returns a `Finding` instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    INFO = "INFO"
    SKIP = "SKIP"


class Kind(StrEnum):
    REQUIRED = "required"  # counts towards "N/M objectives met"
    ADVICE = "advice"  # a WARN when not met; does not fail the lab
    INFO = "info"  # always shown, never judged


@dataclass(frozen=True)
class Objective:
    """One objective: `description` in the lab sheet's words, `check`, a `hint` that teaches.

    A `gate` objective (e.g. "the bucket exists") stops the run: when it fails, the objectives
    after it are reported as SKIP (not met) instead of failing for the same reason.
    """

    description: str
    check: Callable[[Any], str | Finding | None]
    hint: str = ""
    kind: Kind = Kind.REQUIRED
    gate: bool = False


@dataclass(frozen=True)
class Finding:
    """What a check found, with the hint that fits it instead of the objective's own.

    `judged=False`: the objective cannot be judged yet (e.g. advice about a lifecycle rule on a
    bucket that has no rule): shown as INFO, counted neither as met nor as a warning.
    """

    detail: str
    hint: str = ""
    judged: bool = True


@dataclass(frozen=True)
class Name:
    """A resource the checks need: from stack output `output`, or from the `--<option>` option.

    `option=None`: not given on the command line; the lab derives or discovers it (e.g. the
    website URL from the bucket name). `required=False`: a hand-built check may omit it.
    `by_hand`: the name the guide gives a participant's build by hand, a template of
    `{participant}` and `{account}` (e.g. `{participant}-Users`); labcheck uses it with
    `--participant` when that participant has no stack of the lab.
    """

    key: str
    output: str | None
    option: str | None = None
    required: bool = True
    by_hand: str | None = None

    @property
    def flag(self) -> str | None:
        return f"--{self.option}" if self.option else None


@dataclass(frozen=True)
class Lab:
    """What labcheck knows about one lab: its names, how to read it, its objectives."""

    lab_id: str
    names: tuple[Name, ...]
    connect: Callable[..., Any]  # (aws, names: Mapping[str, str | None], participant) -> build
    objectives: tuple[Objective, ...]


@dataclass(frozen=True)
class Result:
    status: Status
    description: str
    detail: str = ""
    hint: str = ""


def run(objectives: tuple[Objective, ...], build: Any) -> list[Result]:
    """Check every objective against `build`, in order; API errors other than "not found"
    (e.g. access denied) propagate: the run cannot judge anything without the permission."""
    results: list[Result] = []
    blocked_by: str | None = None
    for objective in objectives:
        if blocked_by is not None and objective.kind is not Kind.INFO:
            results.append(Result(Status.SKIP, objective.description, f"needs: {blocked_by}"))
            continue
        if blocked_by is not None:
            continue
        found = objective.check(build)
        finding = found if isinstance(found, Finding) else Finding(found or "", objective.hint)
        if objective.kind is Kind.INFO or not finding.judged:
            results.append(Result(Status.INFO, objective.description, finding.detail))
        elif found is None:
            results.append(Result(Status.PASS, objective.description))
        else:
            failed = Status.WARN if objective.kind is Kind.ADVICE else Status.FAIL
            results.append(Result(failed, objective.description, finding.detail, finding.hint))
            if objective.gate:
                blocked_by = objective.description
    return results


@dataclass(frozen=True)
class Report:
    lab_id: str
    region: str
    resources: Mapping[str, str | None]
    results: list[Result]
    note: str = ""  # one line on where the names come from, when it is not the obvious place
    region_source: str = ""  # where the region came from, e.g. "AWS_REGION" (course/region.py)

    @property
    def judged(self) -> list[Result]:
        return [r for r in self.results if r.status in (Status.PASS, Status.FAIL, Status.SKIP)]

    @property
    def met(self) -> int:
        return sum(r.status is Status.PASS for r in self.judged)

    @property
    def passed(self) -> bool:
        return self.met == len(self.judged)

    def summary(self) -> str:
        warnings = sum(r.status is Status.WARN for r in self.results)
        tail = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
        return f"{self.met}/{len(self.judged)} objectives met{tail}"

    def text(self) -> str:
        names = ", ".join(f"{key} {value}" for key, value in self.resources.items() if value)
        source = f" (from {self.region_source})" if self.region_source else ""
        lines = [f"{self.lab_id} in {self.region}{source}: {names}"]
        if self.note:
            lines.append(f"      ({self.note})")
        for result in self.results:
            lines.append(f"{result.status:<4}  {result.description}")
            if result.detail:
                label = "" if result.status is Status.INFO else "found: "
                lines.append(f"      {label}{result.detail}")
            if result.hint:
                lines.append(f"      hint: {result.hint}")
        lines.append(self.summary())
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps(
            {
                "lab": self.lab_id,
                "region": self.region,
                "region_source": self.region_source,
                "resources": dict(self.resources),
                "note": self.note,
                "objectives": [asdict(result) for result in self.results],
                "met": self.met,
                "total": len(self.judged),
                "passed": self.passed,
                "summary": self.summary(),
            },
            indent=2,
        )

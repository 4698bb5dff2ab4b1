"""The class's stacks as CloudFormation reports them (read-only: DescribeStacks).

`DEPLOYED` and `GONE` are the states a class run counts as done (classroom/engine.py reads them
back). `deployed_labs` lists the participants' lab stacks that exist, with the time each deletes
itself (`-c expires_in_hours`). `ListedStacks` answers as a CloudFormation client from one
listing of the whole account, so a class report reads the stacks once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

EXPIRES_AT_OUTPUT = "ExpiresAt"


DEPLOYED = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})


GONE = frozenset({None, "DELETE_COMPLETE"})  # None: CloudFormation knows no such stack


@dataclass(frozen=True)
class StackState:
    """A stack as CloudFormation reports it when its run ended (None: no stack at all) and,
    if it is no success, why."""

    status: str | None
    reason: str = ""


@dataclass(frozen=True)
class Deployed:
    """A lab stack that exists for a participant."""

    participant: str
    lab_id: str
    status: str
    expires_at: datetime | None


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def deployed_labs(client: Any, participants: Sequence[str], labs: Sequence[str]) -> list[Deployed]:
    """The participants' lab stacks that exist (read-only: DescribeStacks, paginated)."""
    wanted = {f"{p}-{lab}": (p, lab) for p in participants for lab in labs}
    found = []
    for page in client.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack["StackName"] not in wanted or stack["StackStatus"] == "DELETE_COMPLETE":
                continue
            participant, lab = wanted[stack["StackName"]]
            outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
            found.append(
                Deployed(
                    participant,
                    lab,
                    stack["StackStatus"],
                    _parse_time(outputs.get(EXPIRES_AT_OUTPUT)),
                )
            )
    order = {name: i for i, name in enumerate(wanted)}
    return sorted(found, key=lambda d: order[f"{d.participant}-{d.lab_id}"])


class ListedStacks:
    """The DescribeStacks pages read once for the class, answering as a CloudFormation client:
    `get_paginator("describe_stacks").paginate()` for `classroom.deployed_labs`, and
    `describe_stacks(StackName=...)` for labcheck. Read-only, so threads can share it."""

    def __init__(self, pages: Sequence[Mapping[str, Any]]) -> None:
        self.pages = list(pages)
        self.by_name = {
            stack["StackName"]: stack
            for page in self.pages
            for stack in page["Stacks"]
            if stack["StackStatus"] != "DELETE_COMPLETE"
        }

    def get_paginator(self, _operation: str) -> ListedStacks:
        return self

    def paginate(self, **_kwargs: Any) -> list[Mapping[str, Any]]:
        return self.pages

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        if StackName not in self.by_name:
            error = {
                "Code": "ValidationError",
                "Message": f"Stack with id {StackName} does not exist",
            }
            raise ClientError({"Error": error}, "DescribeStacks")
        return {"Stacks": [self.by_name[StackName]]}

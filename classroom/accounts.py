"""The accounts a class goes to: one per profile of the roster (course/roster.py), or the
default credentials, each with the region the CDK CLI deploys into there (course/region.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from classroom.cdk_commands import Target
from classroom.preflight import account_label
from course.region import Region, resolve_region
from course.roster import Roster


@dataclass
class Accounts:
    """The accounts a class goes to: each profile of the roster (None: the default
    credentials) with its region and a boto3 session (made when first asked for)."""

    roster: Roster
    regions: dict[str | None, Region]
    make_session: Callable[[str | None, str], Any]
    _sessions: dict[str | None, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, roster: Roster, make_session: Callable[[str | None, str], Any]) -> Accounts:
        profiles = list(roster.accounts) or [None]
        return cls(roster, {p: resolve_region(p) for p in profiles}, make_session)

    @property
    def per_participant(self) -> bool:
        return any(p is not None for p in self.regions)

    def session(self, profile: str | None) -> Any:
        if profile not in self._sessions:
            self._sessions[profile] = self.make_session(profile, self.regions[profile].name)
        return self._sessions[profile]

    def targets(self) -> dict[str, Target]:
        return {
            name: Target(profile, self.regions[profile].name if profile else None)
            for name, profile in self.roster.profiles.items()
        }

    def describe(self) -> str:
        """E.g. "region eu-west-1 (from AWS_REGION)", or one line per account."""
        if not self.per_participant:
            return f"region {self.regions[None]}"
        return "\n".join(
            f"{account_label(p)}: region {region} for " + " ".join(self.roster.accounts[p])
            for p, region in self.regions.items()
        )


def boto3_session(profile: str | None, region: str) -> Any:  # tests pass moto sessions
    import boto3

    return boto3.Session(region_name=region, profile_name=profile)

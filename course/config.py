"""Every `-c key=value` the labs understand, read and validated in one place.

Stacks never read context themselves: they receive a `LabSettings`. A bad value raises
`ContextError` with one line naming the key, the value and the allowed form; `app.py` prints
that line and exits non-zero, without a stack trace.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course import sheets

# Also a valid prefix of RDS instance names: no hyphen at the end or twice in a row.
PARTICIPANT_PATTERN = re.compile(r"(?=.{1,20}$)[a-z]([a-z0-9]|-(?=[a-z0-9]))*")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# The lab sheet's classes ("db.t3.medium or smaller", Graviton too) and default (sheets.py).
ALLOWED_DB_INSTANCE_CLASSES = sheets.RDS_MYSQL.allowed_instance_classes
DEFAULT_DB_INSTANCE_CLASS = sheets.RDS_MYSQL.default_instance_class
# A public database is opened to one address or a small office range, never wider.
WIDEST_PUBLIC_PREFIX = 24
EXPIRY_HOURS_RANGE = range(1, 169)

# Names two labs agree on: LabDynamoDbUsers creates the table, LabBackup backs it up. Neither
# stack references the other, so each deploys and destroys on its own.
USERS_TABLE = sheets.DYNAMODB_USERS.table


class ContextError(ValueError):
    """A context value that the labs cannot use; the message is one line for the user."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(f"invalid context {key}={value!r}: {allowed}")
        self.key = key


@dataclass(frozen=True)
class LabSettings:
    """The validated configuration every lab stack receives."""

    participant: str | None = None
    db_instance_class: str = DEFAULT_DB_INSTANCE_CLASS
    read_replica: bool = False
    db_public_access_cidr: str | None = None
    notify_email: str | None = None
    expires_in_hours: int | None = None

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> LabSettings:
        """Read and validate every lab option from `get` (e.g. `app.node.try_get_context`)."""
        return cls(
            participant=_participant(get("participant")),
            db_instance_class=_db_instance_class(get("db_instance_class")),
            read_replica=_flag("read_replica", get("read_replica")),
            db_public_access_cidr=_public_cidr(get("db_public_access_cidr")),
            notify_email=_email(get("notify_email")),
            expires_in_hours=_expiry_hours(get("expires_in_hours")),
        )

    def stack_name(self, lab_id: str) -> str:
        """CloudFormation stack name: `<participant>-<lab>` so participants can share an account."""
        return f"{self.participant}-{lab_id}" if self.participant else lab_id

    def physical_name(self, name: str) -> str:
        """A fixed resource name students look for (e.g. `Users`), prefixed by the participant."""
        return f"{self.participant}-{name}" if self.participant else name

    @property
    def users_table_name(self) -> str:
        """The participant's `Users` table (LabDynamoDbUsers), backed up by LabBackup."""
        return self.physical_name(USERS_TABLE)


def _unset(value: Any) -> bool:
    return value is None or value == ""


def _participant(value: Any) -> str | None:
    if _unset(value):
        return None
    if not isinstance(value, str) or not PARTICIPANT_PATTERN.fullmatch(value):
        raise ContextError(
            "participant",
            value,
            "use 1-20 lowercase letters, digits or single hyphens, starting with a letter and "
            "not ending with a hyphen (e.g. ana)",
        )
    return value


def _db_instance_class(value: Any) -> str:
    if _unset(value):
        return DEFAULT_DB_INSTANCE_CLASS
    if value not in ALLOWED_DB_INSTANCE_CLASSES:
        raise ContextError(
            "db_instance_class",
            value,
            "the lab allows db.t3.medium or smaller: " + ", ".join(ALLOWED_DB_INSTANCE_CLASSES),
        )
    return value


def _flag(key: str, value: Any) -> bool:
    if _unset(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ContextError(key, value, "use true or false")


def _public_cidr(value: Any) -> str | None:
    if _unset(value):
        return None
    allowed = (
        f"an IPv4 range from /{WIDEST_PUBLIC_PREFIX} to /32, e.g. 203.0.113.7/32 (your address)"
    )
    try:
        network = ipaddress.IPv4Network(str(value), strict=True)
    except ValueError:
        raise ContextError("db_public_access_cidr", value, allowed) from None
    if "/" not in str(value) or network.prefixlen < WIDEST_PUBLIC_PREFIX:
        raise ContextError(
            "db_public_access_cidr",
            value,
            f"{allowed}; a wider range would expose the database to strangers",
        )
    return str(network)


def _email(value: Any) -> str | None:
    if _unset(value):
        return None
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise ContextError(
            "notify_email", value, "use one e-mail address, e.g. trainer@example.com"
        )
    return value


def _expiry_hours(value: Any) -> int | None:
    if _unset(value):
        return None
    allowed = (
        f"a whole number of hours from {EXPIRY_HOURS_RANGE.start} to {EXPIRY_HOURS_RANGE.stop - 1}"
    )
    text = str(value)
    if isinstance(value, bool) or not text.isdigit() or int(text) not in EXPIRY_HOURS_RANGE:
        raise ContextError("expires_in_hours", value, allowed)
    return int(text)

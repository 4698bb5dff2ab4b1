"""Every `-c key=value` the labs understand, read and validated in one place.

Stacks never read context themselves: they receive a `LabSettings`. A bad value raises
`ContextError` with one line naming the key, the value and the allowed form; `app.py` prints
that line and exits non-zero, without a stack trace.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from course import sheets
from course.names import (
    ACCESS_ID,
    COURSE_NETWORK_ID,
    COURSE_SERVICE_ROLES_ID,
    SERVICE_ROLES,
    USERS_TABLE,
    ServiceRole,
)

# Also a valid prefix of RDS instance names: no hyphen at the end or twice in a row.
PARTICIPANT_PATTERN = re.compile(r"[a-z][a-z0-9]{0,19}")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# The lab sheet's classes ("db.t3.medium or smaller", Graviton too) and default (sheets.py).
ALLOWED_DB_INSTANCE_CLASSES = sheets.RDS_MYSQL.allowed_instance_classes
DEFAULT_DB_INSTANCE_CLASS = sheets.RDS_MYSQL.default_instance_class
# A public database is opened to one address or a small office range, never wider.
WIDEST_PUBLIC_PREFIX = 24
EXPIRY_HOURS_RANGE = range(1, 169)
# A class synthesized at once (`-c lab=LabS3Lifecycle -c participants=ana,ben,cem`): the limit
# keeps one synth on a laptop reasonable and is above any class we run.
MAX_CLASS_SIZE = 60
# Longest value an error message repeats (a 5,000-digit number is not one line).
SHOWN_VALUE_CHARS = 40

# Every `-c` key our code reads is a field of `LabSettings` or of `Selection` (`KNOWN_OPTIONS`,
# below them). Any other key stops synth, unless the CDK owns it.
# Context keys of the CDK itself. Feature flags start with `@` (`@aws-cdk/...`); the keys the
# CLI passes (`aws:cdk:version-reporting`, ...) and the lookups it caches in cdk.context.json
# (`availability-zones:account=...`) hold a colon; `$dontSaveContext` marks transient values.
# Two plain keys are written to cdk.context.json by CLI commands (checked in the pinned CLI,
# node_modules/aws-cdk/lib/index.js: `context.set(...)`): `cdk acknowledge` and
# `cdk cli-telemetry`.
CDK_PLAIN_KEYS = ("acknowledged-issue-numbers", "cli-telemetry")

# The labs in course order, by id, from the registry (course/sheets.py, no CDK): the class
# commands (classroom/run.py) must not import aws-cdk-lib, whose jsii process would die on
# the trainer's Ctrl-C.
LAB_IDS = sheets.LAB_IDS


class ContextError(ValueError):
    """A context value that the labs cannot use; the message is one line for the user."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(f"invalid context {key}={_shown(value)}: {allowed}")
        self.key = key


class UnknownOption(ContextError):
    """A `-c` key that no lab reads and the CDK does not own: most likely a typo."""

    def __init__(self, key: str) -> None:
        close = difflib.get_close_matches(key, KNOWN_OPTIONS, n=1)
        hint = (
            f"did you mean {close[0]}?" if close else "the options are " + ", ".join(KNOWN_OPTIONS)
        )
        ValueError.__init__(self, f"unknown context key {_shown(key)}: {hint}")
        self.key = key


def _shown(value: Any) -> str:
    """`value` as an error message repeats it: quoted, and cut short if long."""
    text = repr(value)
    if len(text) <= SHOWN_VALUE_CHARS:
        return text
    return f"{text[: SHOWN_VALUE_CHARS - 10]}... ({len(str(value))} characters)"


def is_cdk_key(key: str) -> bool:
    """Whether the CDK owns this context key (feature flag, lookup, CLI setting)."""
    return key.startswith(("@", "$")) or ":" in key or key in CDK_PLAIN_KEYS


def check_keys(keys: Iterable[str], also_known: Iterable[str] = ()) -> None:
    """Raise `UnknownOption` for the first key that is neither ours, the CDK's nor `also_known`.

    `also_known`: the keys cdk.json sets, which the CLI passes on with every run.
    """
    allowed = set(KNOWN_OPTIONS) | set(also_known)
    for key in keys:
        if key not in allowed and not is_cdk_key(key):
            raise UnknownOption(key)


@dataclass(frozen=True)
class LabSettings:
    """The validated configuration every lab stack receives."""

    participant: str | None = None
    db_instance_class: str = DEFAULT_DB_INSTANCE_CLASS
    read_replica: bool = False
    db_public_access_cidr: str | None = None
    notify_email: str | None = None
    expires_in_hours: int | None = None
    # LabRdsMysql in the account's one course network (stacks/course_network.py), not a VPC of
    # its own: a class of 30 needs 1 VPC, not 30.
    shared_network: bool = False

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> LabSettings:
        """Read and validate every lab option from `get` (e.g. `app.node.try_get_context`)."""
        settings = cls(
            participant=_participant(get("participant")),
            db_instance_class=_db_instance_class(get("db_instance_class")),
            read_replica=_flag("read_replica", get("read_replica")),
            db_public_access_cidr=_public_cidr(get("db_public_access_cidr")),
            notify_email=_email(get("notify_email")),
            expires_in_hours=_expiry_hours(get("expires_in_hours")),
            shared_network=_flag("shared_network", get("shared_network")),
        )
        if settings.shared_network and settings.db_public_access_cidr:
            # The course network has isolated subnets only: a public database needs the public
            # subnets and internet gateway of a network of its own.
            raise ContextError(
                "shared_network",
                get("shared_network"),
                "the course network has no public subnets: drop db_public_access_cidr, or "
                "shared_network for a network of the lab's own",
            )
        return settings

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


@dataclass(frozen=True)
class Selection:
    """Which stacks the app builds: every lab (the default) or one (`-c lab=<LabId>`), and with
    `-c participants=ana,ben,cem` that lab once per participant, so a class is one synth."""

    lab: str | None = None  # -c lab=<LabId>
    participants: tuple[str, ...] = ()  # -c participants=ana,ben,cem

    @classmethod
    def from_context(cls, get: Callable[[str], Any], labs: Sequence[str]) -> Selection:
        """Read `lab` and `participants`; `labs` are the known lab ids, in course order."""
        lab = _choice("lab", get("lab"), labs)
        participants = _participants(get("participants"))
        if participants and lab is None:
            raise ContextError(
                "participants", get("participants"), "a class needs one lab: add -c lab=<LabId>"
            )
        if participants and get("participant") is not None:
            raise ContextError(
                "participant",
                get("participant"),
                "give either participant (one stack) or participants (a class), not both",
            )
        return cls(lab, participants)


@dataclass(frozen=True)
class ServiceRoleSelection:
    """Which of `SERVICE_ROLES` the CourseServiceRoles stack makes (`-c service_roles=a,b`, in
    the trainer's app only): every one by default; the trainer's command
    (classroom/service_roles.py) names those the account lacks or the stack owns already."""

    service_roles: tuple[ServiceRole, ...] = SERVICE_ROLES

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> ServiceRoleSelection:
        return cls(_service_roles(get("service_roles")))


KNOWN_OPTIONS = tuple(
    field.name for cls in (LabSettings, Selection, ServiceRoleSelection) for field in fields(cls)
)


def _unset(value: Any) -> bool:
    return value is None


def _empty(key: str, value: Any) -> None:
    """An empty value is an error, not the default: `-c key=$UNSET_VARIABLE` is a mistake."""
    if value == "":
        raise ContextError(key, value, "empty: give a value, or drop the option for the default")


# No hyphen: the participant's names are `<participant>-...` and the access policy allows
# `<participant>-*`, so a participant `ana-b` would fall under `ana`'s names (and permissions).
PARTICIPANT_FORM = (
    "use 1-20 lowercase letters or digits, starting with a letter, no hyphen (e.g. ana or ana2)"
)
# Names that begin the course's own names, or the account's, with a hyphen after them: a
# participant so named would own those (their policy covers `<participant>-*`, the sweep deletes
# `<participant>-*`). The trainer's stacks name things `lab-rds-mysql` and `lab-backup`, and
# CloudFormation names what they leave unnamed after the stack (`labs3lifecycle-...`); the
# CDK bootstrap is `cdk-hnb659fds-...`; the account's shared roles are `rds-monitoring-role`,
# `service-role/...` and `aws-service-role/...`; the course network's parameters
# `/course-labs/...`. tests/test_config.py checks this list against every name the trainer's
# templates hold.
RESERVED_PARTICIPANTS = frozenset(
    {
        "lab",
        "course",
        "cdk",
        "aws",
        "rds",
        "service",
        "coursewatch",  # stacks/course_watch.py
        *(
            stack.lower()
            for stack in (*LAB_IDS, ACCESS_ID, COURSE_NETWORK_ID, COURSE_SERVICE_ROLES_ID)
        ),
    }
)


def participant_problem(name: str) -> str | None:
    """Why `name` cannot be a participant (one line), or None if it can."""
    if not PARTICIPANT_PATTERN.fullmatch(name):
        return PARTICIPANT_FORM
    if name in RESERVED_PARTICIPANTS:
        return (
            f"{name}-... are names the course or the account uses itself (the trainer's "
            f"lab-rds-mysql, labs3lifecycle-..., rds-monitoring-role, ...): a participant {name} "
            f"would own them; choose another name, e.g. {name}1"
        )
    return None


def _participant(value: Any) -> str | None:
    if _unset(value):
        return None
    if value == "":
        raise ContextError(
            "participant",
            value,
            f"empty (an unset shell variable?): {PARTICIPANT_FORM}, or drop the option for a "
            "stack of your own",
        )
    problem = participant_problem(value) if isinstance(value, str) else PARTICIPANT_FORM
    if problem:
        raise ContextError("participant", value, problem)
    return value


def _participants(value: Any) -> tuple[str, ...]:
    if _unset(value):
        return ()
    allowed = f"names separated by commas, e.g. ana,ben,cem; each name: {PARTICIPANT_FORM}"
    _empty("participants", value)
    if not isinstance(value, str):
        raise ContextError("participants", value, allowed)
    names = value.split(",")
    if len(names) > MAX_CLASS_SIZE:
        raise ContextError("participants", value, f"at most {MAX_CLASS_SIZE} names")
    for name in names:
        if not PARTICIPANT_PATTERN.fullmatch(name):
            raise ContextError("participants", value, f"{_shown(name)} is not a name: {allowed}")
        problem = participant_problem(name)
        if problem:
            raise ContextError("participants", value, problem)
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ContextError("participants", value, "named twice: " + ", ".join(twice))
    return tuple(names)


def _service_roles(value: Any) -> tuple[ServiceRole, ...]:
    if _unset(value):
        return SERVICE_ROLES
    names = [role.name for role in SERVICE_ROLES]
    allowed = "role names separated by commas, of " + ", ".join(names)
    _empty("service_roles", value)
    chosen = value.split(",") if isinstance(value, str) else [value]
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise ContextError("service_roles", value, f"{_shown(unknown[0])} is unknown: {allowed}")
    twice = sorted({name for name in chosen if chosen.count(name) > 1})
    if twice:
        raise ContextError("service_roles", value, "named twice: " + ", ".join(twice))
    return tuple(role for role in SERVICE_ROLES if role.name in chosen)


def _choice(key: str, value: Any, choices: Sequence[str]) -> str | None:
    if _unset(value):
        return None
    if value not in choices:
        raise ContextError(key, value, "use one of " + ", ".join(choices))
    return value


def _db_instance_class(value: Any) -> str:
    if _unset(value):
        return DEFAULT_DB_INSTANCE_CLASS
    _empty("db_instance_class", value)
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
    _empty(key, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ContextError(key, value, "use true or false")


def _public_cidr(value: Any) -> str | None:
    if _unset(value):
        return None
    _empty("db_public_access_cidr", value)
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
    _empty("notify_email", value)
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise ContextError(
            "notify_email", value, "use one e-mail address, e.g. trainer@example.com"
        )
    return value


def _expiry_hours(value: Any) -> int | None:
    if _unset(value):
        return None
    _empty("expires_in_hours", value)
    allowed = (
        f"a whole number of hours from {EXPIRY_HOURS_RANGE.start} to {EXPIRY_HOURS_RANGE.stop - 1}"
    )
    # ASCII digits only, and few of them: str.isdigit() accepts "²", which int() refuses, and
    # int() refuses more than 4,300 digits. Both would end in a traceback.
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) not in EXPIRY_HOURS_RANGE:
        raise ContextError("expires_in_hours", value, allowed)
    return int(text)

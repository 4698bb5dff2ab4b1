"""A class's roster: who takes part, and in which AWS account (profile) each one's labs go.

Every class command (`make class-up|class-down|class-status|class-report|class-sweep`) takes
the class either as `PARTICIPANTS="ana ben cem"` (everyone in the account of your AWS
configuration) or as `CLASS=class.csv`, a CSV file with a header row, as a spreadsheet saves it:

    participant,profile,email
    ana,sandbox-ana,ana@example.com
    ben,sandbox-ben,

- `participant` (required): the name that prefixes the participant's stacks and resources
  (`ana-LabRdsMysql`), the same rule as `PARTICIPANTS` (course/config.py);
- `profile` (optional): the AWS profile of the participant's own account (e.g. an AWS
  Organizations sandbox account). Empty: your default credentials, as with `PARTICIPANTS`.
  Both kinds may mix in one class; participants sharing a profile share its account;
- `email` (optional): for your records; nothing reads or mails it yet.

Why CSV: a trainer keeps the class list in a spreadsheet, and every spreadsheet saves CSV
(a UTF-8 byte-order mark, as Excel writes, is accepted; cells are trimmed). Column names are
case-insensitive; columns may come in any order. A file separated by `;` (Excel's CSV where
the decimal mark is a comma) or by tabs is refused with a line naming its separator.

The whole file is validated before anything runs, one line per problem: names, duplicates,
unknown columns, empty rows (blank lines at the end are fine), e-mail addresses, and profiles
that neither the AWS config nor the credentials file defines (course/region.py reads them as
boto3 and the CDK CLI do). No boto3 or CDK import: every class command imports this.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from course.config import EMAIL_PATTERN, MAX_CLASS_SIZE, participant_problem
from course.region import known_profiles

COLUMNS = ("participant", "profile", "email")
# Separators that spreadsheets offer besides the comma (Excel's "CSV" in locales whose decimal
# mark is a comma, "Text (tab delimited)"): named, not guessed, so the file is saved again.
OTHER_SEPARATORS = {";": "';'", "\t": "tabs"}
REQUIRED_COLUMN = "participant"
BOTH_GIVEN = "give the class either as CLASS=<file.csv> or as PARTICIPANTS=..., not both"


class InvalidRoster(ValueError):
    """A roster that cannot be used: one line per problem, nothing was run."""


@dataclass(frozen=True)
class Member:
    """One participant of the class."""

    participant: str
    profile: str | None = None  # None: the default credentials
    email: str | None = None


@dataclass(frozen=True)
class Roster:
    """The class in the roster's order."""

    members: tuple[Member, ...]

    @property
    def names(self) -> list[str]:
        return [m.participant for m in self.members]

    def profile(self, participant: str) -> str | None:
        """The participant's AWS profile (None: the default credentials)."""
        return next((m.profile for m in self.members if m.participant == participant), None)

    @property
    def profiles(self) -> dict[str, str | None]:
        return {m.participant: m.profile for m in self.members}

    @property
    def accounts(self) -> dict[str | None, list[str]]:
        """Participants by profile (None: the default credentials), in the roster's order."""
        groups: dict[str | None, list[str]] = {}
        for member in self.members:
            groups.setdefault(member.profile, []).append(member.participant)
        return groups


def from_participants(text: str) -> Roster:
    """`PARTICIPANTS="ana ben"`: everyone with the default credentials (names are validated by
    the command, as before: course/config.py's rule)."""
    return Roster(tuple(Member(name) for name in text.split()))


def parse(text: str, source: str, profiles: Collection[str]) -> Roster:
    """The roster in `text` (CSV with a header row); `profiles`: the ones that exist."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # blank lines at the end: what editors and spreadsheets leave
    if not rows:
        raise InvalidRoster(f"{source}: empty; the first line names the columns, e.g. participant")
    header = [cell.strip().lower() for cell in rows[0]]
    for separator, name in OTHER_SEPARATORS.items():
        if any(separator in cell for cell in header):
            raise InvalidRoster(
                f"{source} line 1: the roster is separated by {name}: save it as CSV with "
                f"commas ({','.join(COLUMNS)})"
            )
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(
            f"{source} line 1: unknown column(s) {', '.join(repr(u) for u in unknown)}: "
            f"the columns are {', '.join(COLUMNS)}"
        )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        problems.append(f"{source} line 1: column(s) named twice: {', '.join(twice)}")
    if REQUIRED_COLUMN not in header:
        problems.append(f"{source} line 1: no {REQUIRED_COLUMN} column (the header comes first)")
        raise InvalidRoster("\n".join(problems))
    members, seen = [], {}
    for line, row in enumerate(rows[1:], start=2):
        where = f"{source} line {line}"
        cells = [cell.strip() for cell in row]
        if not any(cells):
            problems.append(f"{where}: empty row")
            continue
        if len(cells) > len(header):
            problems.append(f"{where}: {len(cells)} cells but {len(header)} columns")
            continue
        values = dict(zip(header, cells, strict=False))
        name = values.get("participant", "")
        profile = values.get("profile") or None
        email = values.get("email") or None
        if not name:
            problems.append(f"{where}: no participant")
        elif participant_problem(name):
            problems.append(f"{where}: participant {name!r}: {participant_problem(name)}")
        elif name in seen:
            problems.append(f"{where}: participant {name} again (first on line {seen[name]})")
        else:
            seen[name] = line
        if profile is not None and profile not in profiles:
            problems.append(
                f"{where}: profile {profile!r} is in neither the AWS config nor the credentials "
                "file (aws configure --profile NAME, or aws configure sso)"
            )
        if email is not None and not EMAIL_PATTERN.fullmatch(email):
            problems.append(f"{where}: e-mail {email!r} is not one address, e.g. ana@example.com")
        members.append(Member(name, profile, email))
    if not members and not problems:
        problems.append(f"{source}: no participants below the header row")
    if len(members) > MAX_CLASS_SIZE:
        problems.append(f"{source}: {len(members)} participants, at most {MAX_CLASS_SIZE}")
    if problems:
        raise InvalidRoster("\n".join(problems))
    return Roster(tuple(members))


def read(path: str | Path, environ: Mapping[str, str] | None = None) -> Roster:
    """The roster file at `path`, validated (profiles against the AWS files of `environ`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidRoster(f"CLASS={path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRoster(f"CLASS={path}: cannot read it: {error}") from None
    return parse(text, Path(path).name, known_profiles(environ))


def load(
    class_file: str | None, participants: str, environ: Mapping[str, str] | None = None
) -> Roster:
    """The class from `--class FILE` or `--participants "..."` (giving both is an error)."""
    if class_file and participants.strip():
        raise InvalidRoster(BOTH_GIVEN)
    if class_file:
        return read(class_file, environ)
    return from_participants(participants)


def add_argument(parser: argparse.ArgumentParser) -> None:
    """`--class FILE`, the roster, next to a command's `--participants`."""
    parser.add_argument(
        "--class",
        dest="class_file",
        default="",
        metavar="FILE",
        help="the roster: CSV with the columns participant[,profile][,email] (course/roster.py)",
    )

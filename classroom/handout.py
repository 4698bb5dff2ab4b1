"""`make class-handout`: every participant's sign-in, as a CSV and a page of cards to cut.

    python -m classroom.handout --participants "ana ben cem" [--out DIR]
    python -m classroom.handout --class class.csv [--out DIR]

For each participant of the class it reads the stack `<participant>-LabAccess` (DescribeStacks:
the `UserName` output and the secret named by the `FirstPasswordCommand` output; the account
from the stack's ARN) and the first password in that secret (GetSecretValue), in the region the
CDK deploys into with the participant's profile (course/region.py). It writes, in DIR
(default `sign-ins/`, which git ignores):

- `sign-ins.csv`: participant,user,password,sign_in_url,account,region,problem (for a mail merge);
- `sign-ins.html`: one card per participant, dashed borders to cut along, print-ready
  (`classroom/templates/handout.html.j2`, rendered with autoescaping: no value read from AWS
  becomes markup).

Both hold passwords: they are created owner-only (mode 0600, DIR 0700 when this command creates
it), replaced whole on every run, and the page and the terminal say so. A participant without a
deployed sign-in, or whose secret cannot be read, is a row and a card saying why, never a crash;
the others still get theirs.

Exit code: 0 when every participant has a sign-in in the files, 1 when any is missing, 2 when
the class is invalid or the files cannot be written.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shlex
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from classroom.class_input import InvalidClass, class_stacks, validate
from course.config import ACCESS_ID
from course.region import resolve_region
from course.roster import InvalidRoster, Roster, add_argument, load

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_OUT = "sign-ins"
CSV_NAME, HTML_NAME = "sign-ins.csv", "sign-ins.html"
EXIT_OK, EXIT_MISSING, EXIT_INVALID = 0, 1, 2
# A sign-in exists in these states (after a failed update CloudFormation put it back as it was).
SIGN_IN_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})
WARNING = (
    "these files hold passwords: keep them to yourself, hand each card to its participant "
    "and delete the files (and the printouts you did not hand out) after the class"
)
GUIDE = "labs/access/README.md"

# The session of one account: the profile (None: your default credentials) -> a boto3 session
# in that account's region. Tests pass moto's.
Sessions = Callable[[str | None], boto3.Session]


@dataclass(frozen=True)
class SignIn:
    """One participant's row: their sign-in, or the problem why there is none."""

    participant: str
    user: str = ""
    password: str = ""
    sign_in_url: str = ""
    account: str = ""
    region: str = ""
    problem: str = ""


COLUMNS = tuple(field.name for field in fields(SignIn))


def stack_name(participant: str) -> str:
    return f"{participant}-{ACCESS_ID}"


def secret_id(command: str) -> str | None:
    """The secret's ARN in the `FirstPasswordCommand` output (`aws secretsmanager
    get-secret-value --secret-id ARN ...`, stacks/access.py)."""
    words = shlex.split(command)
    return words[words.index("--secret-id") + 1] if "--secret-id" in words[:-1] else None


def read_sign_in(session: boto3.Session, participant: str) -> SignIn:
    """The participant's sign-in from their LabAccess stack and its secret."""
    region = session.region_name or ""
    name = stack_name(participant)

    def missing(problem: str, account: str = "") -> SignIn:
        return SignIn(participant, account=account, region=region, problem=problem)

    try:
        stack = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        message = error.response["Error"].get("Message", "")
        if "does not exist" in message:
            return missing(
                f"no stack {name} in {region}: deploy it with "
                f'make class-up LAB={ACCESS_ID} PARTICIPANTS="{participant}"'
            )
        return missing(f"cannot read the stack {name}: {_why(error)}")
    except BotoCoreError as error:  # no credentials, no network, ...
        return missing(f"cannot read the stack {name}: {error}")
    account = stack["StackId"].split(":")[4]
    status = stack["StackStatus"]
    if status not in SIGN_IN_STATES:
        return missing(f"the stack {name} is {status}: no sign-in to hand out", account)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    user = outputs.get("UserName", "")
    secret = secret_id(outputs.get("FirstPasswordCommand", ""))
    if not user or not secret:
        return missing(
            f"the stack {name} has no UserName or FirstPasswordCommand output: "
            f"deploy it again with make class-up LAB={ACCESS_ID}",
            account,
        )
    try:
        password = session.client("secretsmanager").get_secret_value(SecretId=secret)
    except ClientError as error:
        return missing(f"cannot read the first password (secret {secret}): {_why(error)}", account)
    except BotoCoreError as error:
        return missing(f"cannot read the first password (secret {secret}): {error}", account)
    return SignIn(
        participant,
        user=user,
        password=password.get("SecretString", ""),
        sign_in_url=f"https://{account}.signin.aws.amazon.com/console",
        account=account,
        region=region,
    )


def _why(error: ClientError) -> str:
    details = error.response["Error"]
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(": ")


def csv_text(sign_ins: Sequence[SignIn]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(astuple(sign_in) for sign_in in sign_ins)
    return out.getvalue()


def html_text(sign_ins: Sequence[SignIn]) -> str:
    """The page of cards (autoescaped: a value read from AWS is shown as text, never markup)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    return environment.get_template("handout.html.j2").render(
        sign_ins=sign_ins, warning=WARNING, guide=GUIDE
    )


def write_private(path: Path, text: str) -> None:
    """Write `path` whole, owner-only (0600) from its first byte: the content goes into a new
    file made with that mode, which then replaces `path`."""
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)  # the umask can only narrow the mode; this makes it exact
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    os.replace(partial, path)


def private_folder(out: Path) -> str | None:
    """Make `out` (0700) if missing; a note if it exists and others may read its listing."""
    if not out.exists():
        out.mkdir(mode=0o700)
        out.chmod(0o700)
        return None
    mode = stat.S_IMODE(out.stat().st_mode)
    if mode & 0o077:
        return f"note: {out} is mode {mode:04o}; the files in it are owner-only (0600)"
    return None


def default_sessions(profile: str | None) -> boto3.Session:
    return boto3.Session(profile_name=profile, region_name=resolve_region(profile).name)


def gather(roster: Roster, sessions: Sessions) -> list[SignIn]:
    """Every participant's sign-in, read account by account, in the roster's order."""
    found: dict[str, SignIn] = {}
    for profile, names in roster.accounts.items():
        try:
            session = sessions(profile)
        except BotoCoreError as error:  # e.g. a profile whose SSO sign-in expired
            for name in names:
                found[name] = SignIn(name, problem=f"profile {profile}: {error}")
            continue
        for name in names:
            found[name] = read_sign_in(session, name)
    return [found[name] for name in roster.names]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m classroom.handout",
        description="Every participant's sign-in (URL, user, first password) as a CSV and a "
        "printable page of cards; the files hold passwords (owner-only).",
    )
    parser.add_argument("--participants", default="", help='e.g. "ana ben cem"')
    add_argument(parser)
    parser.add_argument(
        "--out", default=DEFAULT_OUT, help=f"the folder to write into (default: {DEFAULT_OUT})"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, sessions: Sessions = default_sessions) -> int:
    """Write the hand-out; see the module's docstring for the exit codes."""
    args = _parser().parse_args(argv)
    try:
        roster = load(args.class_file, args.participants)
        validate(None, roster.names, class_stacks(), lab_required=False)
    except (InvalidClass, InvalidRoster) as error:
        print(f"error: nothing was written:\n{error}", file=sys.stderr)
        return EXIT_INVALID
    sign_ins = gather(roster, sessions)
    width = max(len(s.participant) for s in sign_ins)
    for s in sign_ins:
        said = s.problem or f"sign-in ready (user {s.user}, account {s.account}, {s.region})"
        print(f"  {s.participant:<{width}}  {said}")
    out = Path(args.out)
    try:
        note = private_folder(out)
        write_private(out / CSV_NAME, csv_text(sign_ins))
        write_private(out / HTML_NAME, html_text(sign_ins))
    except OSError as error:
        print(f"error: cannot write the hand-out into {out}: {error}", file=sys.stderr)
        return EXIT_INVALID
    if note:
        print(note)
    missing = [s.participant for s in sign_ins if s.problem]
    ready = len(sign_ins) - len(missing)
    print(f"written: {out / CSV_NAME} and {out / HTML_NAME} (owner-only, mode 0600)")
    print(
        f"{ready} of {len(sign_ins)} sign-ins"
        + (f"; none for {' '.join(missing)}" if missing else "")
    )
    print(f"warning: {WARNING}", file=sys.stderr)
    return EXIT_MISSING if missing else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

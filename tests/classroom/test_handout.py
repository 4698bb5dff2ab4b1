"""`make class-handout` (issue #27): every participant's sign-in, on moto (in-process, no network).

A class in the states a trainer meets: a deployed sign-in, none deployed, a failed deploy, a secret
that is gone; and a sign-in whose values are markup, which the page must show as text.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess

import pytest
from moto.cloudformation.models import cloudformation_backends
from moto.core import DEFAULT_ACCOUNT_ID

from classroom import handout
from tests.browser import ARTIFACTS, VisibleText, browse, chromium, words
from tests.labcheck_fixtures import REGION, create_stack, fake_account
from tests.synth import ROOT

ACCOUNT = "123456789012"  # moto's default account
SIGN_IN_URL = "https://123456789012.signin.aws.amazon.com/console"
WARNING = "these files hold passwords"
HOSTILE_USER = '<b id="injected">eve</b>'
HOSTILE_PASSWORD = "</dd><script>document.title='pwned'</script>"


def sign_in_stack(session, participant: str, password: str, *, user: str | None = None) -> None:
    """`<participant>-LabAccess` with the outputs of stacks/access.py, and its secret."""
    secret = session.client("secretsmanager").create_secret(
        Name=f"{participant}-first-password", SecretString=password
    )
    create_stack(
        session,
        f"{participant}-LabAccess",
        {
            "SignInUrl": SIGN_IN_URL,
            "UserName": user or participant,
            "FirstPasswordCommand": f"aws secretsmanager get-secret-value --secret-id "
            f"{secret['ARN']} --query SecretString --output text",
        },
    )


@pytest.fixture
def account(monkeypatch):
    with fake_account(monkeypatch) as session:
        sign_in_stack(session, "ana", "Kq7vZx3mPw9tRb2nHs4d")
        # ben: nothing deployed
        sign_in_stack(session, "cem", "unused")
        session.client("secretsmanager").delete_secret(
            SecretId="cem-first-password", ForceDeleteWithoutRecovery=True
        )
        sign_in_stack(session, "dia", "unused")
        backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION]
        next(
            s for s in backend.stacks.values() if s.name == "dia-LabAccess"
        ).status = "ROLLBACK_COMPLETE"
        sign_in_stack(session, "eve", HOSTILE_PASSWORD, user=HOSTILE_USER)
        sign_in_stack(session, "fay", "Wt5cXe8rYu2iAp6sDf3g")
        yield session


def run(capsys, account, tmp_path, *argv):
    out = tmp_path / "handout"
    code = handout.main([*argv, "--out", str(out)], sessions=lambda _profile: account)
    printed = capsys.readouterr()
    return code, out, printed.out, printed.err


def rows(out) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "sign-ins.csv").read_text())))


def test_csv_has_each_sign_in_and_says_why_one_is_missing(account, tmp_path, capsys):
    code, out, printed, err = run(capsys, account, tmp_path, "--participants", "ana ben cem dia")
    assert code == 1, "a participant without a sign-in: exit 1"
    table = rows(out)
    assert list(table[0]) == [
        "participant", "user", "password", "sign_in_url", "account", "region", "problem"
    ]  # fmt: skip
    assert table[0] == {
        "participant": "ana",
        "user": "ana",
        "password": "Kq7vZx3mPw9tRb2nHs4d",
        "sign_in_url": SIGN_IN_URL,
        "account": ACCOUNT,
        "region": REGION,
        "problem": "",
    }
    problems = {row["participant"]: row["problem"] for row in table[1:]}
    assert problems["ben"] == (
        "no stack ben-LabAccess in eu-west-1: deploy it with "
        'make class-up LAB=LabAccess PARTICIPANTS="ben"'
    )
    assert problems["cem"].startswith(
        "cannot read the first password (secret arn:aws:secretsmanager:"
    )
    assert "ResourceNotFoundException" in problems["cem"]
    assert problems["dia"] == "the stack dia-LabAccess is ROLLBACK_COMPLETE: no sign-in to hand out"
    assert all(row["password"] == "" for row in table[1:])
    assert "  ana  sign-in ready (user ana, account 123456789012, eu-west-1)" in printed
    assert "1 of 4 sign-ins; none for ben cem dia" in printed
    assert "Kq7vZx3mPw9tRb2nHs4d" not in printed + err, "the terminal shows no password"
    assert WARNING in err


def test_every_sign_in_there_exits_0(account, tmp_path, capsys):
    code, out, printed, _ = run(capsys, account, tmp_path, "--participants", "ana fay")
    assert code == 0
    assert [row["password"] for row in rows(out)] == [
        "Kq7vZx3mPw9tRb2nHs4d",
        "Wt5cXe8rYu2iAp6sDf3g",
    ]
    assert "2 of 2 sign-ins\n" in printed


def test_files_are_owner_only_even_with_an_open_umask_and_when_replaced(account, tmp_path, capsys):
    previous = os.umask(0)
    try:
        code, out, *_ = run(capsys, account, tmp_path, "--participants", "ana")
        assert code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o700
        for name in ("sign-ins.csv", "sign-ins.html"):
            assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
            (out / name).chmod(0o644)  # a copy someone opened up: the next run closes it
        run(capsys, account, tmp_path, "--participants", "ana fay")
    finally:
        os.umask(previous)
    for name in ("sign-ins.csv", "sign-ins.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
    assert [row["participant"] for row in rows(out)] == ["ana", "fay"]
    assert sorted(p.name for p in out.iterdir()) == ["sign-ins.csv", "sign-ins.html"]


def test_a_folder_others_may_read_is_named(account, tmp_path, capsys):
    (tmp_path / "handout").mkdir(mode=0o755)
    (tmp_path / "handout").chmod(0o755)
    _, _, printed, _ = run(capsys, account, tmp_path, "--participants", "ana")
    assert "handout is mode 0755; the files in it are owner-only (0600)" in printed


@pytest.mark.parametrize(
    ("participants", "said"),
    [
        ("ana Ben", "'Ben': use 1-20 lowercase letters"),
        ("ana ben ana", "participants named twice: ana"),  # two cards of one sign-in
        ("", "no participants"),
    ],
)
def test_an_invalid_class_writes_nothing(account, tmp_path, capsys, participants, said):
    code, out, _, err = run(capsys, account, tmp_path, "--participants", participants)
    assert code == 2
    assert said in err
    assert not out.exists()


def test_a_roster_asks_each_profile_for_its_own_participants_and_keeps_its_order(
    account, tmp_path, capsys, monkeypatch
):
    config = tmp_path / "aws-config"
    config.write_text("[profile sandbox-ben]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    roster = tmp_path / "class.csv"
    roster.write_text("participant,profile\nana,\nfay,sandbox-ben\nben,\n")
    asked = []

    def sessions(profile):
        asked.append(profile)
        return account

    code = handout.main(["--class", str(roster), "--out", str(tmp_path / "o")], sessions=sessions)
    assert code == 1, "ben has no sign-in"
    assert asked == [None, "sandbox-ben"]
    assert [row["participant"] for row in rows(tmp_path / "o")] == ["ana", "fay", "ben"]


def test_make_target_calls_the_handout():
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "class-handout", "CLASS=class.csv", "OUT=cards"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().endswith(
        '.venv/bin/python -m classroom.handout --class "class.csv" --participants "" --out "cards"'
    )


class Page(VisibleText):
    """The cards as a browser built them: each card's visible text, and every tag on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self._card: list[str] | None = None

    def opened(self, tag, attributes):
        self.tags.append((tag, attributes))
        if tag == "section" and "card" in attributes.get("class", ""):
            self._card = self.cards.setdefault(attributes["data-participant"], [])

    def closed(self, tag):
        if tag == "section":
            self._card = None

    def seen(self, data):
        if self._card is not None:
            self._card.append(data)

    def card(self, participant: str) -> str:
        return words(self.cards[participant])


def test_the_page_in_a_real_browser_shows_one_card_each_and_no_injected_markup(
    account, tmp_path, capsys
):
    browser = chromium()
    run(capsys, account, tmp_path, "--participants", "ana ben eve")
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "class-handout.html"
    page.write_text((tmp_path / "handout" / "sign-ins.html").read_text(), encoding="utf-8")

    dom = browse(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    seen = Page()
    seen.feed(dom)
    assert list(seen.cards) == ["ana", "ben", "eve"]
    assert seen.card("ana").startswith(
        f"ana Sign in at {SIGN_IN_URL} User name ana First password Kq7vZx3mPw9tRb2nHs4d"
    )
    assert seen.card("ben").startswith("ben No sign-in: no stack ben-LabAccess in eu-west-1")
    assert seen.card("eve").startswith(
        f"eve Sign in at {SIGN_IN_URL} User name {HOSTILE_USER} First password {HOSTILE_PASSWORD}"
    ), "markup read from AWS is shown as text"
    assert not [t for t, a in seen.tags if t in ("script", "b") or a.get("id") == "injected"]
    assert "<title>Course sign-ins</title>" in dom, "no script ran (it would rename the page)"
    assert "Warning: these files hold passwords" in " ".join(seen.text)
    styles = dom.split("<style>")[1].split("</style>")[0]
    assert "border: 1px dashed" in styles, "lines to cut along"
    assert "page-break-inside: avoid" in styles, "no card split over two sheets"

"""The class roster (issue #19): `CLASS=class.csv` for every class command."""

from __future__ import annotations

import subprocess

import pytest

from classroom import report, status, sweep
from classroom import run as class_run
from course import roster
from course.region import known_profiles
from tests.synth import ROOT

PROFILES = {"sandbox-ana", "sandbox-ben", "default"}


def parse(text: str) -> roster.Roster:
    return roster.parse(text, "class.csv", PROFILES)


def problems(text: str) -> list[str]:
    with pytest.raises(roster.InvalidRoster) as caught:
        parse(text)
    return str(caught.value).splitlines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("participant\nana\nben\n", [("ana", None, None), ("ben", None, None)]),
        (
            "participant,profile,email\nana,sandbox-ana,ana@example.com\nben,,\n",
            [("ana", "sandbox-ana", "ana@example.com"), ("ben", None, None)],
        ),
        # Excel's byte-order mark, capitalised headers in another order, cells with spaces.
        (
            "\ufeffEmail, Participant ,PROFILE\r\n ana@example.com , ana , sandbox-ana\r\n",
            [("ana", "sandbox-ana", "ana@example.com")],
        ),
        ("participant\nana\n\n\n", [("ana", None, None)]),  # blank lines at the end
        ('participant,email\n"ana","ana@example.com"\n', [("ana", None, "ana@example.com")]),
    ],
)
def test_a_valid_roster_is_read_in_order(text, expected):
    members = parse(text).members
    assert [(m.participant, m.profile, m.email) for m in members] == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "class.csv: empty; the first line names the columns, e.g. participant"),
        ("participant\n", "class.csv: no participants below the header row"),
        ("name,profile\nana,\n", "class.csv line 1: no participant column"),
        (
            "participant,team\nana,red\n",
            "class.csv line 1: unknown column(s) 'team': the columns are participant, "
            "profile, email",
        ),
        ("participant,participant\nana,ana\n", "class.csv line 1: column(s) named twice"),
        # Excel's CSV in a locale whose decimal mark is a comma; a tab-delimited export.
        (
            "participant;profile;email\nana;;ana@example.com\n",
            "class.csv line 1: the roster is separated by ';': save it as CSV with commas "
            "(participant,profile,email)",
        ),
        (
            "\ufeffParticipant\tEmail\nana\tana@example.com\n",
            "class.csv line 1: the roster is separated by tabs: save it as CSV with commas",
        ),
        ("participant\nAna\n", "class.csv line 2: participant 'Ana': use 1-20 lowercase"),
        ("participant\nlab\n", "class.csv line 2: participant 'lab': lab-... are names the course"),
        ("participant\nana-\n", "class.csv line 2: participant 'ana-': use 1-20 lowercase"),
        (
            "participant\nana\nben\nana\n",
            "class.csv line 4: participant ana again (first on line 2)",
        ),
        ("participant\nana\n\nben\n", "class.csv line 3: empty row"),
        ("participant,profile\nana,\n,,\nben,\n", "class.csv line 3: empty row"),
        ("participant,profile\n,sandbox-ana\n", "class.csv line 2: no participant"),
        ("participant\nana,extra\n", "class.csv line 2: 2 cells but 1 columns"),
        (
            "participant,profile\nana,sandbox-nope\n",
            "class.csv line 2: profile 'sandbox-nope' is in neither the AWS config nor the "
            "credentials file",
        ),
        (
            "participant,email\nana,ana@\n",
            "class.csv line 2: e-mail 'ana@' is not one address",
        ),
        (
            "participant\n" + "".join(f"p{i}\n" for i in range(61)),
            "class.csv: 61 participants, at most 60",
        ),
    ],
)
def test_a_bad_roster_is_refused_with_the_line_and_the_problem(text, problem):
    assert any(line.startswith(problem) for line in problems(text)), problems(text)


def test_a_roster_with_semicolons_gets_one_line_naming_the_separator_not_an_unknown_column():
    assert problems("participant;profile;email\nana;;\nben;;\n") == [
        "class.csv line 1: the roster is separated by ';': save it as CSV with commas "
        "(participant,profile,email)"
    ]


def test_every_problem_of_the_roster_is_listed_at_once_one_line_each():
    text = "participant,profile,email\nAna,,\nben,sandbox-nope,\nben,,ben@\n\ncem,,\n"
    assert [line.split(":")[0] for line in problems(text)] == [
        "class.csv line 2",  # Ana
        "class.csv line 3",  # unknown profile
        "class.csv line 4",  # ben again
        "class.csv line 4",  # bad e-mail
        "class.csv line 5",  # empty row
    ]


def test_participants_are_grouped_by_account_in_the_rosters_order():
    members = parse("participant,profile\nana,sandbox-ana\nben,\ncem,sandbox-ana\n")
    assert members.accounts == {"sandbox-ana": ["ana", "cem"], None: ["ben"]}
    assert members.profile("cem") == "sandbox-ana"
    assert members.profile("ben") is None


def test_class_and_participants_together_are_an_error(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("participant\nana\n")
    with pytest.raises(roster.InvalidRoster, match="not both"):
        roster.load(str(path), "ana ben")
    assert roster.load(str(path), "").names == ["ana"]
    assert roster.load("", "ana  ben").names == ["ana", "ben"]


def test_a_missing_roster_file_is_one_line(tmp_path):
    with pytest.raises(roster.InvalidRoster, match=r"^CLASS=.*nope.csv: no such file$"):
        roster.load(str(tmp_path / "nope.csv"), "")


def test_profiles_are_read_from_the_config_and_the_credentials_file(tmp_path):
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(
        "[default]\nregion = eu-west-1\n[profile sandbox-ana]\nregion = eu-west-1\n"
        "[sso-session course]\nsso_region = eu-west-1\n"
    )
    credentials.write_text("[sandbox-ben]\naws_access_key_id = x\n")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    assert known_profiles(env) == {"default", "sandbox-ana", "sandbox-ben"}
    path = tmp_path / "class.csv"
    path.write_text("participant,profile\nana,sandbox-ana\nben,sandbox-ben\ncem,course\n")
    with pytest.raises(roster.InvalidRoster) as caught:
        roster.read(path, env)
    assert str(caught.value).splitlines() == [
        "class.csv line 4: profile 'course' is in neither the AWS config nor the credentials "
        "file (aws configure --profile NAME, or aws configure sso)"
    ]


def test_the_example_roster_is_valid():
    members = roster.parse(
        (ROOT / "labs" / "class-example.csv").read_text(), "class-example.csv", PROFILES
    )
    assert len(members.members) >= 3


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("class-up", '--class "class.csv" --participants "" up'),
        ("class-down", '--class "class.csv" --participants "" down'),
        ("class-status", '--class "class.csv" --participants ""'),
        ("class-report", '--class "class.csv" --participants ""'),
        ("class-sweep", '--class "class.csv" --participants ""'),
    ],
)
def test_every_class_command_takes_class(target, expected):
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target, "LAB=LabRdsMysql", "CLASS=class.csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    command = [line for line in result.stdout.splitlines() if "-m classroom." in line][-1]
    assert expected in " ".join(command.split())


def test_class_up_passes_bootstrap_and_skips_the_preflight_only_when_asked():
    def command(*options: str) -> str:
        result = subprocess.run(
            ["make", "--no-print-directory", "-n", "class-up", "LAB=LabRdsMysql", *options],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return [line for line in result.stdout.splitlines() if "-m classroom." in line][-1]

    assert "--bootstrap" in command("PARTICIPANTS=ana", "BOOTSTRAP=1")
    assert "--skip-preflight" in command("PARTICIPANTS=ana", "PREFLIGHT=0")
    plain = command("PARTICIPANTS=ana", "PREFLIGHT=1")
    assert "--bootstrap" not in plain
    assert "--skip-preflight" not in plain


@pytest.mark.parametrize(
    "command",
    [
        lambda argv: class_run.main(["up", "--lab", "LabS3Lifecycle", *argv], runner=refuse),
        lambda argv: status.main([*argv], session=refuse),
        lambda argv: report.main(["--lab", "LabDynamoDbUsers", *argv], session=refuse),
        lambda argv: sweep.main(["--lab", "LabBackup", *argv], account=refuse),
    ],
    ids=["class-up", "class-status", "class-report", "class-sweep"],
)
def test_every_command_refuses_a_bad_roster_before_anything_runs(command, tmp_path, capsys):
    path = tmp_path / "class.csv"
    path.write_text("participant,team\nAna,red\n")
    assert command(["--class", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: nothing was")
    assert err[1] == (
        "class.csv line 1: unknown column(s) 'team': the columns are participant, profile, email"
    )
    assert err[2].startswith("class.csv line 2: participant 'Ana': use 1-20 lowercase letters")
    assert len(err) == 3
    assert command(["--class", str(path), "--participants", "ana"]) == 2
    assert "either as CLASS=<file.csv> or as PARTICIPANTS=..., not both" in capsys.readouterr().err


def refuse(*_args, **_kwargs):
    raise AssertionError("nothing may run with a bad roster")

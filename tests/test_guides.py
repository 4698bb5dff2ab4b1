"""The guides work as written: what they point at exists, and their figures are the overview's.

Every guide (`README.md`, `labs/README.md`, `labs/<lab>/README.md`) is read as a student reads
it: a Markdown link or a `file://` path that does not exist in the repository, or a stack output
the guide names that the lab's template does not have, is a step that cannot be followed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stacks import LABS
from tests.synth import ROOT

GUIDES = sorted([ROOT / "README.md", *(ROOT / "labs").glob("**/README.md")])
LAB_GUIDES = {lab.lab_id: ROOT / "labs" / lab.folder / "README.md" for lab in LABS}

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# `file://labs/s3_lifecycle/rule.json`: a path the AWS CLI reads, from the project root, where
# every guide's commands run.
FILE_URL = re.compile(r"file://([^\s`'\")]+)")
# An output name: a CamelCase word in backticks, or `<Name from the outputs>` in a command.
CAMEL_CASE = r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+"
OUTPUT_NAME = re.compile(rf"`({CAMEL_CASE})`|<({CAMEL_CASE}) from the outputs>")


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


@pytest.mark.parametrize("guide", GUIDES, ids=_ids(GUIDES))
def test_every_relative_link_of_a_guide_exists(guide):
    missing = []
    for target in LINK.findall(guide.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web page, or a heading of the same guide
        path = (guide.parent / target.split("#")[0]).resolve()
        if not path.exists():
            missing.append(target)
    assert missing == [], f"{guide.relative_to(ROOT)} links to files that do not exist"


@pytest.mark.parametrize("guide", GUIDES, ids=_ids(GUIDES))
def test_every_file_url_of_a_guide_exists_from_the_project_root(guide):
    missing = [path for path in FILE_URL.findall(guide.read_text()) if not (ROOT / path).exists()]
    assert missing == [], f"{guide.relative_to(ROOT)}: `file://` of files not in the repository"


def mentioned_outputs(guide: Path) -> set[str]:
    """The output names a guide mentions: in every sentence (or line) that speaks of outputs."""
    sentences = re.split(r"(?<=\.)\s+|\n", guide.read_text().replace(",\n", ", "))
    return {
        quoted or placeholder
        for sentence in sentences
        if "output" in sentence.lower()
        for quoted, placeholder in OUTPUT_NAME.findall(sentence)
    }


@pytest.mark.parametrize("lab_id", LAB_GUIDES)
def test_every_output_a_guide_names_is_in_the_labs_template(synth, every_option_synth, lab_id):
    """Outputs that exist only with an option (a replica, an expiry) count when any synth has
    them: the default one, or the one with every option."""
    named = mentioned_outputs(LAB_GUIDES[lab_id])
    assert named, f"the guide of {lab_id} names none of its stack outputs"
    outputs = set(synth.template(lab_id).get("Outputs", {}))
    outputs |= set(every_option_synth.template(lab_id).get("Outputs", {}))
    assert named <= outputs, f"the guide names outputs {lab_id} does not have"


def test_the_output_finder_sees_the_ways_guides_name_outputs(tmp_path):
    guide = tmp_path / "README.md"
    guide.write_text(
        "The outputs give `VaultName`, `PlanId` and `StartBackupCommand`.\n"
        "BUCKET=<BucketName from the outputs>\n"
        "`LabBackupVault` is the vault's name. It is no output.\n"
    )
    assert mentioned_outputs(guide) == {"VaultName", "PlanId", "StartBackupCommand", "BucketName"}
    guide.write_text("`LabBackupVault` is the vault's name.\n")
    assert mentioned_outputs(guide) == set()


# The overview's idle cost per hour of each lab (labs/README.md, us-east-1, 2026-11), and of
# LabRdsMysql's configurations: every guide states the same figure in its *Cost* section.
IDLE_PER_HOUR = {
    "LabS3Lifecycle": "< $0.001",
    "LabS3Website": "< $0.001",
    "LabRdsMysql": "$0.042",
    "LabDynamoDbUsers": "< $0.001",
    "LabBackup": "$0.002",
}
RDS_PER_HOUR = {
    "default: db.t3.micro, Multi-AZ, 20 GB gp3": "$0.042",
    "default + read replica (`-c read_replica=true`)": "$0.062",
    "db.t3.medium, Multi-AZ (`-c db_instance_class=db.t3.medium`)": "$0.144",
    "db.t3.medium, Multi-AZ + read replica": "$0.216",
}
OVERVIEW = ROOT / "labs" / "README.md"


def _table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


def cost_section(guide: Path) -> str:
    match = re.search(r"^## Cost.*?(?=^## |\Z)", guide.read_text(), re.MULTILINE | re.DOTALL)
    assert match, f"{guide.relative_to(ROOT)} has no Cost section"
    return match.group(0)


def test_the_overview_states_these_hourly_costs():
    rows = _table_rows(OVERVIEW.read_text())
    idle = {
        re.search(r"`(\w+)`", row[1]).group(1): row[5]
        for row in rows
        if len(row) == 7 and row[0].isdigit()
    }
    assert set(idle) == set(IDLE_PER_HOUR)
    for lab_id, figure in IDLE_PER_HOUR.items():
        assert figure in idle[lab_id], f"the overview's idle cost of {lab_id} is {idle[lab_id]}"
    rds = {row[0]: row[1] for row in rows if len(row) == 4 and row[0] in RDS_PER_HOUR}
    assert {config: figure.split()[-1] for config, figure in rds.items()} == RDS_PER_HOUR


@pytest.mark.parametrize("lab_id", LAB_GUIDES)
def test_a_guides_hourly_cost_is_the_overviews(lab_id):
    section = cost_section(LAB_GUIDES[lab_id])
    assert IDLE_PER_HOUR[lab_id] in section, (
        f"the Cost section of {lab_id}'s guide does not state the overview's"
        f" {IDLE_PER_HOUR[lab_id]} an hour"
    )


def test_the_rds_guide_states_the_overviews_cost_of_every_configuration():
    section = cost_section(LAB_GUIDES["LabRdsMysql"])
    missing = {
        config: figure
        for config, figure in RDS_PER_HOUR.items()
        if not re.search(rf"{re.escape(figure)}(?!\d)", section)  # $0.042, not $0.0425
    }
    assert missing == {}, "the RDS guide's Cost section differs from the overview"
    assert "$0.05" not in section


# Each guide tells the sheet the stack builds and labcheck checks (course/sheets.py): a number
# changed in the sheet and not in the guide fails here (the sheet itself is pinned literally by
# each lab's tests).
def _sheet_figures() -> dict[str, list[str]]:
    from course import sheets

    lifecycle, website, rds, users, backup = (
        sheets.S3_LIFECYCLE,
        sheets.S3_WEBSITE,
        sheets.RDS_MYSQL,
        sheets.DYNAMODB_USERS,
        sheets.BACKUP,
    )
    return {
        "LabS3Lifecycle": [
            f"{lifecycle.glacier_after_days} days",
            f"{lifecycle.expire_after_days} days",
            lifecycle.test_file,
        ],
        "LabS3Website": [*website.pages, website.content_type],
        "LabRdsMysql": [
            f"{rds.allocated_storage_gb} GB",
            f"{rds.max_storage_gb} GB",
            *rds.allowed_instance_classes,
        ],
        "LabDynamoDbUsers": [users.index_name, users.seed_item_file, users.partition_key],
        "LabBackup": [f"{backup.retention_days} days", "daily"],
    }


@pytest.mark.parametrize("lab_id", sorted(LAB_GUIDES))
def test_each_guide_states_its_sheets_figures(lab_id):
    text = LAB_GUIDES[lab_id].read_text().lower()
    missing = [figure for figure in _sheet_figures()[lab_id] if figure.lower() not in text]
    assert missing == [], f"{lab_id}'s guide does not state {missing}"


# --- commands as a student runs them -----------------------------------------------------------
# A fenced block and its language; an inline code span (it may wrap, in a quote too).
FENCE = re.compile(
    r"^(?P<indent> *)```(?P<language>\w*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
INLINE_CODE = re.compile(r"`([^`]+)`")
SHELL = {"sh", "bash", "shell", "console"}
PASTED = SHELL | {"json"}  # what a student runs or pastes: commands, and IAM policies
# Inline code that reads as a command: a program the guides run, or a variable set.
COMMAND_START = re.compile(
    r"\s*(?:\$ )?(?:aws|npx|make|curl|mysql|sudo|git|labcheck|python\S*|\.venv/\S+|[A-Z_]+=\S*)\s"
)
REGION_NAME = re.compile(
    r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov)?-"
    r"(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d\b"
)
# `labcheck` run as a command of its own (there is none on the PATH), not `python -m labcheck`.
BARE_LABCHECK = re.compile(r"(?:^|[;&|(]\s*|\$ )labcheck\s+\S")
LAB_FOLDER_GUIDES = sorted((ROOT / "labs").glob("**/README.md"))


def commands(text: str) -> list[str]:
    """What a guide tells to run or paste: each line of its shell and JSON blocks, and inline
    code that starts like a command (untagged blocks are output, shown to compare)."""
    found = [
        line
        for block in FENCE.finditer(text)
        if block["language"] in PASTED
        for line in block["body"].splitlines()
        if line.strip()
    ]
    for code in INLINE_CODE.findall(FENCE.sub("", text)):
        code = " ".join(re.sub(r"^\s*>", "", line) for line in code.splitlines()).strip()
        if COMMAND_START.match(code + " "):
            found.append(code)
    return found


def test_the_command_finders_see_what_a_guide_tells_to_run(tmp_path):
    guide = (
        "Then `labcheck LabBackup --participant $P` finds it, and `make check\n"
        "> LAB=LabBackup PARTICIPANT=$P` too. Prices are for us-east-1.\n"
        "```sh\naws dynamodb query --table-name Users --region us-east-1\n"
        ".venv/bin/python -m labcheck LabBackup --participant ana\n```\n"
        '```json\n{"Resource": "arn:aws:rds-db:eu-west-1:1:dbuser:x/u"}\n```\n'
        "```\nok  VPCs in ap-southeast-2: 1 of 5\n```\n"
        "`region eu-west-1 (from AWS_REGION)` is printed.\n"
    )
    found = commands(guide)
    assert found == [
        "aws dynamodb query --table-name Users --region us-east-1",
        ".venv/bin/python -m labcheck LabBackup --participant ana",
        '{"Resource": "arn:aws:rds-db:eu-west-1:1:dbuser:x/u"}',
        "labcheck LabBackup --participant $P",
        "make check  LAB=LabBackup PARTICIPANT=$P",
    ]
    assert [c for c in found if REGION_NAME.search(c)] == [found[0], found[2]]
    assert [c for c in found if BARE_LABCHECK.search(c)] == [found[3]]
    assert not REGION_NAME.search("--region <region>")
    assert REGION_NAME.search("us-gov-west-1")


@pytest.mark.parametrize("guide", LAB_FOLDER_GUIDES, ids=_ids(LAB_FOLDER_GUIDES))
def test_no_guide_command_names_a_region(guide):
    """A class may run in any region: a command with `--region us-east-1` (or an ARN or URL of
    one) fails in an eu-west-1 class. The guides use `$REGION`, which each sets at the top."""
    named = [command for command in commands(guide.read_text()) if REGION_NAME.search(command)]
    assert named == [], f'{guide.relative_to(ROOT)}: use "$REGION" instead'


@pytest.mark.parametrize("lab_id", LAB_GUIDES)
def test_a_lab_guide_sets_the_region_once_in_its_first_commands_before_any_use(lab_id):
    text = LAB_GUIDES[lab_id].read_text()
    first = next(block for block in FENCE.finditer(text) if block["language"] in SHELL)
    assignments = [match.start() for match in re.finditer(r"^REGION=", text, re.M)]
    assert len(assignments) == 1, "set once"
    assert first.start("body") <= assignments[0] < first.end("body"), "in the first commands"
    assert "aws configure get region" in first["body"]
    assert "AWS_REGION" in first["body"]
    uses = [match.start() for match in re.finditer(r"\$\{?REGION\b", text)]
    assert all(use > assignments[0] for use in uses)


@pytest.mark.parametrize("guide", GUIDES, ids=_ids(GUIDES))
def test_no_guide_tells_to_run_a_bare_labcheck(guide):
    """There is no `labcheck` on the PATH: `make check LAB=... PARTICIPANT=...` in the project
    folder, or `.venv/bin/python -m labcheck ...` for a build with names of one's own."""
    bare = [command for command in commands(guide.read_text()) if BARE_LABCHECK.search(command)]
    assert bare == [], f"{guide.relative_to(ROOT)}: say make check LAB=<LabId> PARTICIPANT=$P"

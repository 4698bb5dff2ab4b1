"""One registry of labs (course/sheets.py `LABS`): every other list derives from it or agrees.

Each step of README "Adding a lab" is checked for every registered lab, so a lab with a step
missing fails here, naming the step.
"""

import re

import pytest

from course import costs, sheets
from course.sheets import LifecycleSheet
from labcheck.cli import LABS as CHECKERS
from stacks import LABS as STACKS
from tests.synth import ROOT

COURSE_ORDER = ["LabS3Lifecycle", "LabS3Website", "LabRdsMysql", "LabDynamoDbUsers", "LabBackup"]
README = ROOT / "README.md"


def test_the_registry_holds_the_five_labs_of_the_course_in_order():
    assert list(sheets.LAB_IDS) == COURSE_ORDER


def test_the_stacks_are_the_registrys_in_its_order():
    assert [(s.lab_id, s.title, s.folder) for s in STACKS] == [
        (lab.lab_id, lab.title, lab.folder) for lab in sheets.LABS
    ]


def test_labcheck_checks_every_registered_lab_under_its_id():
    assert list(CHECKERS) == list(sheets.LAB_IDS)
    assert {lab_id: lab.lab_id for lab_id, lab in CHECKERS.items()} == {
        lab_id: lab_id for lab_id in sheets.LAB_IDS
    }


def test_an_unknown_lab_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="unknown lab 'LabNope': one of LabS3Lifecycle, "):
        sheets.lab("LabNope")


def test_the_lifecycle_rule_id_says_the_sheets_numbers():
    assert sheets.S3_LIFECYCLE.rule_id == "GlacierAfter30DaysExpireAfter365Days"
    other = LifecycleSheet(glacier_after_days=60, expire_after_days=400, test_file="a.txt")
    assert other.rule_id == "GlacierAfter60DaysExpireAfter400Days"


def _readme_labs_table() -> list[tuple[str, str]]:
    rows = re.findall(
        r"^\| `(\w+)` \| \[labs/(\w+)\]\(labs/(\w+)/README\.md\) \|", README.read_text(), re.M
    )
    assert all(folder == link for _, folder, link in rows), "link and text name the same folder"
    return [(lab_id, folder) for lab_id, folder, _ in rows]


def test_the_readmes_table_lists_every_lab_in_order_with_its_folder():
    assert _readme_labs_table() == [(lab.lab_id, lab.folder) for lab in sheets.LABS]


def _adding_a_lab() -> str:
    text = README.read_text()
    return text[text.index("### Adding a lab") :].split("\n#", 1)[0]


# Each step of README "Adding a lab": what it names there, and how to tell it is done for a lab.
STEPS = {
    "labs/<lab>/README.md": lambda lab: (ROOT / "labs" / lab.folder / "README.md").is_file(),
    "course/sheets.py": lambda lab: lab.lab_id in sheets.LAB_IDS,
    "stacks/<lab>.py": lambda lab: (
        lab.stack.startswith(f"stacks.{lab.folder}:")
        and (ROOT / "stacks" / f"{lab.folder}.py").is_file()
    ),
    "labcheck/<lab>.py": lambda lab: (
        lab.checker == f"labcheck.{lab.folder}"
        and (ROOT / "labcheck" / f"{lab.folder}.py").is_file()
    ),
    "labs/labcheck-policy.json": lambda lab: (
        f'"{lab.lab_id}": ({lab.folder}.lab_results' in _policy_test_builds()
    ),
    "course/costs.py": lambda lab: lab.lab_id in costs.LAB_HOURLY,
    "tests/test_<lab>.py": lambda lab: (ROOT / "tests" / f"test_{lab.folder}.py").is_file(),
    "tests/test_labcheck_<lab>.py": lambda lab: (
        (ROOT / "tests" / f"test_labcheck_{lab.folder}.py").is_file()
        and (ROOT / "tests" / "labcheck_builds" / f"{lab.folder}.py").is_file()
    ),
    "make snapshots": lambda lab: (ROOT / "tests" / "snapshots" / f"{lab.lab_id}.json").is_file(),
    "the table above": lambda lab: (lab.lab_id, lab.folder) in _readme_labs_table(),
    "labs/README.md": lambda lab: (
        f"[`{lab.lab_id}`]({lab.folder}/README.md)" in (ROOT / "labs" / "README.md").read_text()
    ),
    "tests/test_rehearsal.py": lambda lab: (
        f'"{lab.lab_id}"' in (ROOT / "tests" / "test_rehearsal.py").read_text()
    ),
}


def _policy_test_builds() -> str:
    """The policy test's builds, as text: it must run each lab's checks (no module imports)."""
    text = (ROOT / "tests" / "test_labcheck_policy.py").read_text()
    return text[text.index("LAB_BUILDS = {") :].split("\n}\n", 1)[0]


@pytest.mark.parametrize("step", STEPS)
def test_adding_a_lab_names_each_step(step):
    assert step in _adding_a_lab()


@pytest.mark.parametrize("lab", sheets.LABS, ids=sheets.LAB_IDS)
def test_every_step_of_adding_a_lab_is_done_for_each_lab(lab):
    missing = [step for step, done in STEPS.items() if not done(lab)]
    assert missing == [], f"{lab.lab_id}: README 'Adding a lab' steps not done: {missing}"

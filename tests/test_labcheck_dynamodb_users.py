"""labcheck LabDynamoDbUsers: a correct build meets every objective; each break fails just one."""

from __future__ import annotations

from labcheck.core import Status
from labcheck.dynamodb_users import LAB
from tests.labcheck_builds.dynamodb_users import (
    JANE,
    JOHN_DOE,
    TABLE,
    lab_results,
)
from tests.labcheck_fixtures import (
    LabChecks,
    assert_all_met,
    checker,
    results,
)

BREAKS = {
    "The Users table exists": {"table": False},
    "The partition key is email (String), with no sort key": {"key": "userId"},
    "Capacity mode is on-demand": {"billing": "PROVISIONED"},
    "An item named John Doe, age 30 (a Number), hobbies including coding and party": {
        "item": {**JOHN_DOE, "age": {"S": "30"}}
    },
    "A global secondary index on the name, projecting ALL attributes, is active": {
        "projection": "KEYS_ONLY"
    },
    # The index is on `name`, but this student stored the name as `fullName`.
    "Querying the index for 'John Doe' returns John Doe": {
        "item": {k if k != "name" else "fullName": v for k, v in JOHN_DOE.items()}
    },
}


class TestObjectives(LabChecks):
    LAB = LAB
    BREAKS = BREAKS
    build = staticmethod(lab_results)


def test_an_index_on_last_and_first_name_is_discovered_and_queried(account):
    split = {k: v for k, v in JOHN_DOE.items() if k != "name"}
    split |= {"lastName": {"S": "Doe"}, "firstName": {"S": "John"}}
    assert_all_met(lab_results(account, item=split, index_keys=("lastName", "firstName")))


def test_a_hand_built_table_finds_its_index_without_a_name(account):
    lab_results(account, index_name="ByName")
    assert_all_met(results(LAB, checker(), {"table": TABLE, "index": None}))


def test_a_sort_key_beside_email_is_not_the_sheets_key(account):
    """The sheet's key is email alone: a table keyed by email and a sort key fails, naming both."""
    found = lab_results(account, sort_key="createdAt")
    key = found["The partition key is email (String), with no sort key"]
    assert (key.status, key.detail) == (
        Status.FAIL,
        "the table's key is HASH email (S), RANGE createdAt (S)",
    )


def test_missing_hobbies_are_named(account):
    item = {**JOHN_DOE, "hobbies": {"L": [{"S": "coding"}]}}
    found = lab_results(account, item=item)
    assert found[LAB.objectives[3].description].detail == "hobbies are ['coding']"


def test_a_missing_john_doe_is_not_blamed_on_the_index(account):
    """No John Doe in the table: the query cannot find him whatever the index's key, so the
    hint says to create the item, not to change the index."""
    found = lab_results(account, item=JANE)
    query = found["Querying the index for 'John Doe' returns John Doe"]
    assert query.status is Status.FAIL
    assert query.detail == (
        "the query for 'John Doe' on name-index returned 0 items, and the table has no item"
        " named John Doe"
    )
    assert query.hint == (
        "create the John Doe item first (see the objective above), then query again"
    )
    assert "partition key" not in query.hint

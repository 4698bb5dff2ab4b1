"""LabKey on its own: a customer-managed key that rotates and is deleted a week after destroy."""

from lab_constructs import LabKey
from tests.lab_constructs.helpers import bare_template
from tests.templates import only


def _key() -> dict:
    _, key = only(
        bare_template(lambda stack: LabKey(stack, "Key", description="Encrypts the lab")),
        "AWS::KMS::Key",
    )
    return key


def test_the_key_rotates_every_year():
    assert _key()["Properties"]["EnableKeyRotation"] is True


def test_destroy_schedules_the_key_for_deletion_after_7_days():
    key = _key()
    assert key["Properties"]["PendingWindowInDays"] == 7, "the shortest window KMS allows"
    assert key["DeletionPolicy"] == "Delete"
    assert key["UpdateReplacePolicy"] == "Delete"


def test_the_key_carries_the_description_shown_in_the_kms_console():
    assert _key()["Properties"]["Description"] == "Encrypts the lab"
